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
    rich_markup_mode=None,  # plain help: starts faster than Rich's panels, reads well in any log
)


class Format(str, Enum):
    pdf = "pdf"
    docx = "docx"
    html = "html"


class Digits(str, Enum):
    western = "western"
    arabic_indic = "arabic-indic"


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


GlossaryOpt = Annotated[
    Path | None,
    typer.Option(help="A glossary (YAML or CSV) added to, and overriding, the starter glossary."),
]
CacheOpt = Annotated[
    bool, typer.Option("--cache/--no-cache", help="Use the translation memory (SQLite cache).")
]
ThreadsOpt = Annotated[
    int,
    typer.Option(
        min=1, help="CTranslate2 threads per translation (1 is fastest on small machines)."
    ),
]


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
    glossary: GlossaryOpt = None,
    cache: CacheOpt = True,
    threads: ThreadsOpt = 1,
    digits: Annotated[
        Digits | None,
        typer.Option(
            help="Digits for page numbers, numbering, dates and Arabic references (default: by --locale)."
        ),
    ] = None,
    locale: Annotated[
        str | None,
        typer.Option(help="The office's locale, e.g. ar-MA (western digits) or ar-SA (٠١٢٣)."),
    ] = None,
    marking: Annotated[
        str | None, typer.Option(help='Classification marking printed on every page, e.g. "سري".')
    ] = None,
    draft: Annotated[
        bool, typer.Option("--draft", help="A DRAFT watermark on every page.")
    ] = False,
    verification: Annotated[
        bool,
        typer.Option(
            help="The verification block (reference, record SHA-256, QR code) on the last page."
        ),
    ] = True,
    pdfa: Annotated[
        bool,
        typer.Option("--pdfa", help="PDF/A-3 for archiving (the record is embedded either way)."),
    ] = False,
    sign: Annotated[
        Path | None,
        typer.Option(
            help="Sign the PDF (PAdES) with this PKCS#12 file; password from REPORTKIT_SIGN_PASSWORD."
        ),
    ] = None,
) -> None:
    """Export a record as PDF, DOCX and/or HTML (translating texts it lacks, offline)."""

    def action():
        from .export import ExportOptions
        from .export import export as do_export
        from .translate.options import TranslateOptions

        global _early_worker
        formats = [f.value for f in format]
        worker, _early_worker = _early_worker, None
        if worker is None and Format.pdf in format and engine is Engine.weasyprint:
            from .writers.weasy import Worker

            worker = Worker()  # WeasyPrint loads on the other core while the record is read

        options = ExportOptions(
            lang=lang,
            engine=engine.value,
            docx_template=docx_template,
            embed_fonts=embed_fonts,
            translate=TranslateOptions(glossary=glossary, cache=cache, threads=threads),
            digits=digits.value if digits else None,
            locale=locale,
            marking=marking,
            draft=draft,
            verification=verification,
            pdfa=pdfa,
            sign=sign,
            sign_password=os.environ.get("REPORTKIT_SIGN_PASSWORD", "").encode() or None,
            pdf_worker=worker,
        )
        try:
            written = do_export(record, formats, output, options)
        finally:
            if worker is not None:
                worker.close()
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
def translate(
    record: Annotated[
        str, typer.Argument(help="The record file (- reads YAML from standard input).")
    ],
    to: Annotated[list[str], typer.Option("--to", help="Target language; repeat for several.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write the translated record (YAML)."),
    ] = None,
    glossary: GlossaryOpt = None,
    cache: CacheOpt = True,
    threads: ThreadsOpt = 1,
) -> None:
    """Add machine translations to a record; human translations are never replaced."""

    def action():
        from .export import load, record_stem
        from .files import write_atomic
        from .languages import is_language
        from .record.dump import record_yaml
        from .translate import translate_record
        from .translate.options import TranslateOptions

        for code in to:
            if not is_language(code):
                fail(f"--to {code!r}: unknown language code")
        loaded = load(record)
        translated, stats = translate_record(
            loaded, to, TranslateOptions(glossary=glossary, cache=cache, threads=threads)
        )
        target = output or Path(record_stem(record) + ".translated.yaml")
        write_atomic(target, record_yaml(translated.to_data()))
        typer.echo(str(target))
        typer.echo(
            f"{stats.sentences} sentences: {stats.translated} translated, "
            f"{stats.from_memory} from the translation memory ({', '.join(stats.pairs) or 'nothing to do'})",
            err=True,
        )

    run(action)


models_app = typer.Typer(
    help="Offline translation models (Argos Translate packages).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(models_app, name="models")


@models_app.command("list")
def models_list() -> None:
    """Show the installed language pairs."""

    def action():
        from .translate.models import installed

        rows = installed()
        if not rows:
            typer.echo(
                "no translation models installed (reportkit models install --file PATH.argosmodel)"
            )
        for row in rows:
            typer.echo(row)

    run(action)


@models_app.command("install")
def models_install(
    source: Annotated[str | None, typer.Argument(help="Source language, e.g. ar.")] = None,
    target: Annotated[str | None, typer.Argument(help="Target language, e.g. en.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Install this .argosmodel file (offline).")
    ] = None,
) -> None:
    """Install a model: from the Argos package index (needs internet), or from a file."""

    def action():
        from .translate.models import install_file, install_from_index

        if file is not None:
            typer.echo(install_file(file))
        elif source and target:
            typer.echo(install_from_index(source, target))
        else:
            fail("give a language pair (reportkit models install ar en) or --file PATH.argosmodel")

    run(action)


@app.command()
def extract(
    report: Annotated[Path, typer.Argument(help="A PDF exported by reportkit.")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Where to write the record (YAML); default: standard output."
        ),
    ] = None,
) -> None:
    """Get the record back out of a reportkit PDF, validated."""

    def action():
        from .archive import extract_record, write_record_yaml
        from .record import record_from_data
        from .record.dump import record_yaml

        data, _ = extract_record(report)
        record_from_data(data, f"{report} (attached record)")
        if output is None:
            sys.stdout.buffer.write(record_yaml(data))
        else:
            write_record_yaml(data, output)
            typer.echo(str(output))

    run(action)


@app.command()
def schema() -> None:
    """Print the record's JSON Schema (for editors' autocompletion)."""
    import json

    from .record.model import Record

    typer.echo(json.dumps(Record.model_json_schema(by_alias=True), ensure_ascii=False, indent=2))


_early_worker = None


def _wants_weasyprint_pdf(argv: list[str]) -> bool:
    """Does this command line export a PDF with WeasyPrint? (Read before Typer parses it, so the
    renderer can start loading at once; a wrong guess costs only an idle process.)"""
    if not argv or argv[0] != "export" or "--help" in argv:
        return False
    formats, engine = [], "weasyprint"
    for i, arg in enumerate(argv):
        value = argv[i + 1] if i + 1 < len(argv) else ""
        if arg in ("-f", "--format"):
            formats.append(value)
        elif arg.startswith("--format="):
            formats.append(arg.split("=", 1)[1])
        elif arg == "--engine":
            engine = value
        elif arg.startswith("--engine="):
            engine = arg.split("=", 1)[1]
    return engine == "weasyprint" and (not formats or "pdf" in formats)


def main() -> None:
    global _early_worker
    if _wants_weasyprint_pdf(sys.argv[1:]):
        from .writers.weasy import Worker

        _early_worker = Worker()
    try:
        app()
    finally:
        if _early_worker is not None:  # the command never took it (bad options, an error)
            _early_worker.close()


if __name__ == "__main__":
    sys.exit(main())
