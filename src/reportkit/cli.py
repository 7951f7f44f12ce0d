"""The command line: parse options, call the library, turn user errors into one message each.

Nothing heavy is imported here: each command imports what it needs when it runs, so
`reportkit --help` and `reportkit validate` start fast.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="reportkit",
    help="Official right-to-left conference reports (PDF, DOCX, HTML) from a structured record.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Format(str, Enum):
    pdf = "pdf"
    docx = "docx"
    html = "html"


class Engine(str, Enum):
    weasyprint = "weasyprint"
    reportlab = "reportlab"


RecordArg = Annotated[
    str | None,
    typer.Argument(
        help="The record file (.yaml, .yml or .json; - reads YAML from standard input). "
        "Without it, the bundled example record is used.",
        show_default=False,
    ),
]


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"reportkit: error: {message}", err=True)
    raise typer.Exit(code)


def run(action):
    """Run `action`, turning the errors a user can cause into one message and a non-zero exit."""
    from .errors import ReportkitError

    try:
        return action()
    except ReportkitError as err:
        fail(str(err))
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except OSError as err:
        fail(f"{err.filename or ''}: {err.strerror or err}".lstrip(": "), 1)
    except Exception as err:  # a bug of ours: say so in one line, keep the traceback for debugging
        if os.environ.get("REPORTKIT_DEBUG"):
            raise
        fail(
            f"internal error ({type(err).__name__}: {err}); set REPORTKIT_DEBUG=1 to see where", 70
        )


@app.command()
def export(
    record: RecordArg = None,
    format: Annotated[
        list[Format], typer.Option("--format", "-f", help="Output format; repeat for several.")
    ] = [Format.pdf],  # noqa: B006 (Typer reads the default, it is never mutated)
    lang: Annotated[
        str | None,
        typer.Option(help="Language of the report: ar, en, fr, or a bilingual pair such as ar+en."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="A file for one format, a folder for several."),
    ] = None,
    engine: Annotated[Engine, typer.Option(help="PDF engine.")] = Engine.weasyprint,
    docx_template: Annotated[
        Path | None,
        typer.Option(help="A .docx letterhead whose styles, page setup and header art are used."),
    ] = None,
    embed_fonts: Annotated[
        bool, typer.Option(help="Embed the fonts in DOCX files, for recipients without them.")
    ] = True,
) -> None:
    """Export a record as PDF, DOCX and/or HTML."""

    def action():
        from .export import ExportOptions
        from .export import export as do_export

        options = ExportOptions(
            lang=lang, engine=engine.value, docx_template=docx_template, embed_fonts=embed_fonts
        )
        written = do_export(record, [f.value for f in format], output, options)
        for path in written.values():
            typer.echo(str(path))

    run(action)


@app.command()
def validate(record: RecordArg = None) -> None:
    """Check a record; print `ok` or every problem found."""

    def action():
        from .export import load

        load(record)
        typer.echo("ok")

    run(action)


@app.command()
def schema() -> None:
    """Print the record's JSON Schema (for editors' autocompletion)."""
    import json

    from .record.model import Record

    typer.echo(json.dumps(Record.model_json_schema(by_alias=True), ensure_ascii=False, indent=2))


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
