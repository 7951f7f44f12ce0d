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

CONTEXT = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="reportkit",
    help="Official right-to-left conference reports (PDF, DOCX, HTML) from a structured record.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: starts faster than Rich's panels, reads well in any log
    context_settings=CONTEXT,
    epilog="Exit codes: 0 done; 1 an output could not be written; 2 bad input or options; "
    "70 a bug in reportkit (please report it); 130 interrupted (Ctrl-C); 143 terminated.",
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
    typst = "typst"


RecordArg = Annotated[
    str | None,
    typer.Argument(
        help="The record file (.yaml, .yml or .json; - reads YAML from standard input). "
        "Without it, the bundled example record is used.",
        show_default=False,
    ),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print nothing but errors.", show_default=False)
]
VerboseOpt = Annotated[
    bool,
    typer.Option("--verbose", "-v", help="Say what is done, step by step, on standard error."),
]

# Exit codes (the README lists them): 0 done; 1 an output could not be written; 2 bad input or
# options; 70 a bug in reportkit; 128 + N killed by signal N (130 for Ctrl-C).
EXIT_USAGE = 2
EXIT_INTERNAL = 70

# The optional parts of reportkit, by the modules they bring: a missing one is named by its extra.
_EXTRAS = {
    "argostranslate": "translate",
    "ctranslate2": "translate",
    "sentencepiece": "translate",
    "stanza": "translate",
    "torch": "translate",
    "filelock": "translate",
    "pyhanko": "sign",
    "pyhanko_certvalidator": "sign",
    "cryptography": "sign",
    "dask": "cluster",
    "distributed": "cluster",
    "typst": "typst",
}

_quiet = False
_verbose = False


def set_verbosity(quiet: bool, verbose: bool) -> None:
    global _quiet, _verbose
    if quiet and verbose:
        fail("--quiet and --verbose contradict each other; choose one")
    _quiet, _verbose = quiet, verbose
    from . import messages

    messages.configure(quiet=quiet, verbose=verbose)


def say(text: str) -> None:
    """A result line on standard output (a written path), unless --quiet."""
    if not _quiet:
        typer.echo(text)


def fail(message: str, code: int = EXIT_USAGE) -> None:
    typer.echo(f"reportkit: error: {message}", err=True)
    raise typer.Exit(code)


class Interrupted(BaseException):
    """SIGTERM or SIGHUP: end like Ctrl-C, through every `finally` (temporary files, workers)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, _frame) -> None:
    raise Interrupted(signum)


def run(action):
    """Run `action`, turning the errors a user can cause into one message and a non-zero exit."""
    from .errors import ReportkitError

    try:
        return action()
    except typer.Exit:
        raise
    except ReportkitError as err:
        fail(str(err), getattr(err, "exit_code", EXIT_USAGE))
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except Interrupted as err:
        import signal

        fail(f"stopped by {signal.Signals(err.signum).name}", 128 + err.signum)
    except ModuleNotFoundError as err:
        extra = _EXTRAS.get((err.name or "").split(".")[0])
        if extra is None:
            _internal(err)
        fail(
            f"this needs reportkit's {extra!r} extra, which is not installed: "
            f"pip install 'reportkit[{extra}]'"
        )
    except OSError as err:
        fail(f"{err.filename or ''}: {err.strerror or err}".lstrip(": "), 1)
    except Exception as err:
        _internal(err)


def _internal(err: BaseException) -> None:
    """A bug of ours: say so in one line, keep the traceback for debugging."""
    if os.environ.get("REPORTKIT_DEBUG"):
        raise err
    fail(
        f"internal error ({type(err).__name__}: {err}); set REPORTKIT_DEBUG=1 to see where",
        EXIT_INTERNAL,
    )


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"reportkit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Official right-to-left conference reports (PDF, DOCX, HTML) from a structured record."""


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


EXPORT_EXAMPLES = """Examples:

\b
  reportkit export                                   the bundled example, as conference-47.pdf
  reportkit export r.yaml -f pdf -f docx -o out/     two formats into the folder out/
  reportkit export r.yaml -o report.docx             the extension chooses the format
  reportkit export r.yaml -o - > r.pdf               the PDF on standard output
  reportkit export r.yaml --lang ar+en --engine reportlab
  reportkit export r.yaml --pdfa --locale ar-SA --marking "سري" --draft
  reportkit export records/ extra.yaml -o out/       a batch, on every core
  reportkit export records/ -o out/ --cluster tcp://scheduler:8786
"""


ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Defaults for export options (an [export] table); default: the first "
        "reportkit.toml in this folder or a parent. Command-line options win.",
        show_default=False,
    ),
]


@app.command(epilog=EXPORT_EXAMPLES)
def export(
    ctx: typer.Context,
    records: Annotated[
        list[str] | None,
        typer.Argument(
            help="The record file (.yaml, .yml or .json; - reads YAML from standard input), or "
            "several records and folders of records (a batch: each folder's own *.yaml, *.yml "
            "and *.json files, into the -o folder). Without it, the bundled example record.",
            metavar="RECORD",
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        list[Format] | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format; repeat for several. Default: the extension of -o, else pdf.",
            show_default=False,
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(help="Language of the report: ar, en, fr, or a bilingual pair such as ar+en."),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="A file for one format (- is standard output), a folder for several "
            "(an existing one, or a path ending in /).",
        ),
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            help="PDF engine: weasyprint (tagged, accessible PDF/UA-1; PDF/A), reportlab "
            "(faster, no Pango needed, but it cannot tag a PDF for screen readers) or typst "
            "(fastest; tagged PDF/UA-1 and PDF/A; needs the 'typst' extra)."
        ),
    ] = Engine.weasyprint,
    letterhead: Annotated[
        Path | None,
        typer.Option(
            help="The office's letterhead (YAML: logo, right/left lines, basmala, signature, "
            "footer), the same in every format."
        ),
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option(
            help="A folder of your own HTML templates (report.html.j2, report.css) for the HTML "
            "and the WeasyPrint PDF; reportkit's fill in what it lacks (reportkit template init)."
        ),
    ] = None,
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
        bool, typer.Option("--draft/--no-draft", help="A DRAFT watermark on every page.")
    ] = False,
    verification: Annotated[
        bool,
        typer.Option(
            help="The verification block (reference, record SHA-256, QR code) on the last page."
        ),
    ] = True,
    pdfa: Annotated[
        bool,
        typer.Option(
            "--pdfa/--no-pdfa",
            help="PDF/A-3a for archiving (3b with --no-tags); the record is embedded either way.",
        ),
    ] = False,
    tags: Annotated[
        bool,
        typer.Option(
            "--tags/--no-tags",
            help="A tagged PDF a screen reader can use (PDF/UA-1); --no-tags for the smallest file.",
        ),
    ] = True,
    sign: Annotated[
        Path | None,
        typer.Option(
            help="Sign the PDF (PAdES) with this PKCS#12 file; password from REPORTKIT_SIGN_PASSWORD."
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict/--no-strict",
            help="Refuse a record with characters no font can draw (else a warning).",
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="A batch's worker processes (default: the number of cores); each loads "
            "WeasyPrint once and renders many records.",
            show_default=False,
        ),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(
            help="Run the batch on a Dask scheduler (tcp://host:8786), or on a cluster of "
            "--jobs processes started here (local); needs reportkit's cluster extra.",
            show_default=False,
        ),
    ] = None,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Export a record, or a batch of them, as PDF, DOCX and/or HTML (translating texts they
    lack, offline).

    Files are written whole or not at all; an existing file is replaced atomically and keeps its
    permissions; a device or FIFO given as -o is written to, never replaced; -o naming the record
    itself is refused.
    """
    set_verbosity(quiet, verbose)
    given = {k: v for k, v in locals().items() if k not in ("ctx", "records", "config")}
    sources = list(records or [])

    def action():
        from .batch import is_batch
        from .export import export as do_export
        from .export import output_paths

        global _early_worker
        worker, _early_worker = _early_worker, None
        origins: dict = {}
        o = export_settings(ctx, given, config, origins)
        if is_batch(sources):
            if worker is not None:
                worker.close()  # a batch's workers load WeasyPrint themselves
            _export_batch(sources, o, o["jobs"], o["cluster"], quiet)
            return
        if o["cluster"] is not None and origins["cluster"] == "command line":
            # (a cluster named in reportkit.toml is for the batches; one record is made here)
            fail("--cluster runs a batch: give several records or a folder of them")
        record = sources[0] if sources else None
        # Settle the outputs first: a bad -o is refused before any renderer starts.
        targets = output_paths(record, o["formats"], o["output"], o["lang"])
        formats = list(targets)
        if worker is None and "pdf" in formats and o["engine"] == "weasyprint":
            from .writers.weasyprint.writer import Worker

            worker = Worker()  # WeasyPrint loads on the other core while the record is read

        options = _export_options(o, pdf_worker=worker)
        from .export import record_stem
        from .progress import SingleBar, wanted

        try:
            with SingleBar(record_stem(record), wanted(quiet)):
                written = do_export(record, formats, o["output"], options)
        finally:
            if worker is not None:
                worker.close()
        if all(_is_regular_or_new(p) for p in written.values()):
            for path in written.values():
                say(str(path))  # not into a stream that carries the file itself

    run(action)


def _export_options(o: dict, pdf_worker=None):
    """The library's ExportOptions from the settled export settings."""
    from .export import ExportOptions
    from .translate.options import TranslateOptions

    return ExportOptions(
        lang=o["lang"],
        engine=o["engine"],
        docx_template=o["docx_template"],
        embed_fonts=o["embed_fonts"],
        translate=TranslateOptions(glossary=o["glossary"], cache=o["cache"], threads=o["threads"]),
        digits=o["digits"],
        locale=o["locale"],
        marking=o["marking"],
        draft=o["draft"],
        verification=o["verification"],
        pdfa=o["pdfa"],
        sign=o["sign"],
        sign_password=os.environ.get("REPORTKIT_SIGN_PASSWORD", "").encode() or None,
        pdf_worker=pdf_worker,
        strict=o["strict"],
        tags=o["tags"],
        letterhead=o["letterhead"],
        template=o["template"],
    )


def _export_batch(sources: list[str], o: dict, jobs: int | None, cluster: str | None, quiet):
    """Several records: the library's batch, then one line per failure and exit code 1."""
    from .batch import export_batch, summary
    from .progress import wanted

    result = export_batch(
        sources,
        o["formats"],
        o["output"],
        _export_options(o),
        jobs=jobs,
        cluster=cluster,
        progress=wanted(quiet),
        quiet=quiet,
        on_written=lambda path: say(str(path)) if _is_regular_or_new(path) else None,
    )
    if result.failures:
        *reasons, count = summary(result)
        for reason in reasons:
            typer.echo(f"reportkit: error: {reason}", err=True)
        fail(count, 1)


def export_settings(
    ctx: typer.Context | None, given: dict, config_path: Path | None, sources: dict | None = None
) -> dict:
    """The export options in effect: the command line's where it gave them, else the
    configuration file's, else reportkit's defaults — as plain values (enums as their text).
    `sources`, when given, is filled with where each came from."""
    from .config import EXPORT_OPTIONS, load

    config = load(config_path)
    settings: dict = {}
    for key in EXPORT_OPTIONS:
        param = "format" if key == "formats" else key
        value = given[param]
        if isinstance(value, list):
            value = [v.value if isinstance(v, Enum) else v for v in value] or None
        elif isinstance(value, Enum):
            value = value.value
        source = ctx.get_parameter_source(param) if ctx is not None else None
        # By name: Typer brings its own copy of Click, whose enum is not click.core's.
        from_line = source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")
        if not from_line and key in config.export:
            value, origin = config.export[key], str(config.path)
        else:
            origin = "command line" if from_line else "default"
        settings[key] = value
        if sources is not None:
            sources[key] = origin
    return settings


def _is_regular_or_new(path) -> bool:
    import stat

    if str(path) == "-":
        return False
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True


@app.command(
    "config",
    epilog="Examples:\n\n\b\n  reportkit config\n  reportkit config --config office.toml",
)
def config_command(config: ConfigOpt = None) -> None:
    """Print the export options in effect here, and where each comes from (file or default)."""

    def action():
        import inspect
        import json

        given = {n: p.default for n, p in inspect.signature(export).parameters.items()}
        sources: dict = {}
        settings = export_settings(None, given, config, sources)
        for key, value in settings.items():
            if value is None:
                say(f"# {key} is not set ({sources[key]})")
                continue
            if isinstance(value, Path):
                value = str(value)
            say(f"{key} = {json.dumps(value, ensure_ascii=False)}  # {sources[key]}")

    run(action)


@app.command(
    epilog="Examples:\n\n\b\n  reportkit validate r.yaml\n  cat r.yaml | reportkit validate -"
)
def validate(record: RecordArg = None, quiet: QuietOpt = False) -> None:
    """Check a record; print `ok` or every problem found (file:line:column: field: problem)."""
    set_verbosity(quiet, False)

    def action():
        from .export import load

        load(record)
        say("ok")

    run(action)


@app.command(
    epilog="Examples:\n\n\b\n  reportkit translate r.yaml --to en --to fr -o r.translated.yaml"
    "\n  reportkit translate r.yaml --to en -o - | less"
)
def translate(
    record: Annotated[
        str, typer.Argument(help="The record file (- reads YAML from standard input).")
    ],
    to: Annotated[list[str], typer.Option("--to", help="Target language; repeat for several.")],
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write the translated record (YAML, or JSON for a .json name; - is "
            "standard output; a folder gets RECORD.translated.yaml). "
            "Default: RECORD.translated.yaml here.",
        ),
    ] = None,
    glossary: GlossaryOpt = None,
    cache: CacheOpt = True,
    threads: ThreadsOpt = 1,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Add machine translations to a record; human translations are never replaced."""
    set_verbosity(quiet, verbose)

    def action():
        from .export import load, record_stem
        from .languages import is_language
        from .translate import translate_record
        from .translate.options import TranslateOptions

        for code in to:
            if not is_language(code):
                fail(f"--to {code!r}: unknown language code")
        target = _record_output(output, record_stem(record) + ".translated.yaml", [record])
        loaded = load(record)
        translated, stats = translate_record(
            loaded, to, TranslateOptions(glossary=glossary, cache=cache, threads=threads)
        )
        _write_and_say(target, _record_bytes(target, translated.to_data()))
        if not quiet:
            typer.echo(
                f"{stats.sentences} sentences: {stats.translated} translated, "
                f"{stats.from_memory} from the translation memory "
                f"({', '.join(stats.pairs) or 'nothing to do'})",
                err=True,
            )

    run(action)


def _record_output(output: str | None, default_name: str, inputs: list) -> str | Path:
    """The one record file a command writes: `output` (``-``, a file, or a folder that gets
    `default_name`), else `default_name` here; never one of `inputs`. A record is YAML, or JSON
    when the name ends in .json; a name that says PDF, DOCX or HTML is refused, as `export -f
    html -o x.pdf` is."""
    from .errors import UsageError
    from .export import format_of
    from .files import refuse_overlaps

    if output is None:
        target: str | Path = Path(default_name)
    elif output == "-":
        target = output
    elif output.endswith(("/", os.sep)) or Path(output).is_dir():
        target = Path(output) / default_name
    else:
        target = Path(output)
    refuse_overlaps([i for i in inputs if i is not None], [target])
    named = format_of(target) if isinstance(target, Path) else None
    if named is not None:
        raise UsageError(
            f"-o {output}: the extension says {named}, but this writes a record (YAML, or "
            f"JSON for a .json name); name the file {target.stem}.yaml"
        )
    return target


def _record_bytes(target: str | Path, data: dict) -> bytes:
    """A record's data as the file `target` names it: JSON for a .json name, else YAML."""
    from .record.dump import record_json, record_yaml

    if str(target).lower().endswith(".json"):
        return record_json(data)
    return record_yaml(data)


def _write_and_say(target: str | Path, data: bytes) -> None:
    from .files import write_output

    write_output(target, data)
    if _is_regular_or_new(target):
        say(str(target))


template_app = typer.Typer(
    help="Your own HTML templates for the HTML and the WeasyPrint PDF (export --template DIR).",
    epilog="Examples:\n\n\b\n  reportkit template init office-templates"
    "\n  reportkit export r.yaml --template office-templates",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings=CONTEXT,
)
app.add_typer(template_app, name="template")


@template_app.command(
    "init",
    epilog="Examples:\n\n\b\n  reportkit template init office-templates"
    "\n  reportkit export r.yaml --template office-templates",
)
def template_init(
    folder: Annotated[Path, typer.Argument(help="The folder to write (created if need be).")],
    quiet: QuietOpt = False,
) -> None:
    """Copy reportkit's templates (report.html.j2, report.css) into FOLDER to change, with a
    README of the variables they receive. Existing files are never replaced."""
    set_verbosity(quiet, False)

    def action():
        from .templates import init

        for path in init(folder):
            say(str(path))

    run(action)


models_app = typer.Typer(
    help="Offline translation models (Argos Translate packages).",
    epilog="Examples:\n\n\b\n  reportkit models list"
    "\n  reportkit models install --file translate-ar_en.argosmodel",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings=CONTEXT,
)
app.add_typer(models_app, name="models")


@models_app.command(
    "list",
    epilog="Examples:\n\n\b\n  reportkit models list"
    "\n  ARGOS_PACKAGES_DIR=/srv/argos reportkit models list   (models kept elsewhere)",
)
def models_list(quiet: QuietOpt = False) -> None:
    """Show the installed language pairs."""
    set_verbosity(quiet, False)

    def action():
        from .translate.models import installed

        rows = installed()
        if not rows:
            say("no translation models installed (reportkit models install --file PATH.argosmodel)")
        for row in rows:
            say(row)

    run(action)


@models_app.command(
    "install",
    epilog="Examples:\n\n\b\n  reportkit models install --file translate-ar_en.argosmodel"
    "\n  reportkit models install ar en      (downloads: needs internet)",
)
def models_install(
    source: Annotated[str | None, typer.Argument(help="Source language, e.g. ar.")] = None,
    target: Annotated[str | None, typer.Argument(help="Target language, e.g. en.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Install this .argosmodel file (offline).")
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Install a model: from the Argos package index (needs internet), or from a file."""
    set_verbosity(quiet, False)

    def action():
        from .translate.models import install_file, install_from_index

        if file is not None:
            say(install_file(file))
        elif source and target:
            say(install_from_index(source, target))
        else:
            fail("give a language pair (reportkit models install ar en) or --file PATH.argosmodel")

    run(action)


@app.command(
    epilog="Examples:\n\n\b\n  reportkit extract report.pdf -o record.yaml"
    "\n  reportkit extract report.pdf | reportkit validate -"
)
def extract(
    report: Annotated[Path, typer.Argument(help="A PDF exported by reportkit.")],
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write the record (YAML, or JSON for a .json name; a folder gets "
            "REPORT.yaml); default: standard output.",
        ),
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Get the record back out of a reportkit PDF, validated."""
    set_verbosity(quiet, False)

    def action():
        from .archive import extract_record
        from .record import record_from_data

        target = _record_output(output or "-", report.stem + ".yaml", [report])
        data, _ = extract_record(report)
        record_from_data(data, f"{report} (attached record)")
        _write_and_say(target, _record_bytes(target, data))

    run(action)


@app.command(
    epilog="Examples:\n\n\b\n  reportkit schema > record.schema.json"
    '\n  # then, in VS Code\'s settings: "yaml.schemas": {"record.schema.json": "*.yaml"}'
)
def schema() -> None:
    """Print the record's JSON Schema (for editors' autocompletion)."""
    import json

    from .record.model import Record

    typer.echo(json.dumps(Record.model_json_schema(by_alias=True), ensure_ascii=False, indent=2))


_early_worker = None
# export's options that take a value (the word after them is not a record)
_VALUED = frozenset(
    "-f --format --lang -o --output --engine --letterhead --template --docx-template --glossary "
    "--threads --digits --locale --marking --sign --config -j --jobs --cluster".split()
)


def _wants_weasyprint_pdf(argv: list[str]) -> bool:
    """Does this command line export a PDF with WeasyPrint? (Read before Typer parses it, so the
    renderer can start loading at once; a wrong guess costs only an idle process.)"""
    if not argv or argv[0] != "export" or {"--help", "-h"} & set(argv):
        return False
    formats, engine, output, positional = [], "weasyprint", "", []
    for i, arg in enumerate(argv):
        value = argv[i + 1] if i + 1 < len(argv) else ""
        if i > 0 and not arg.startswith("-") and argv[i - 1] not in _VALUED:
            positional.append(arg)
        if arg in ("-f", "--format"):
            formats.append(value)
        elif arg.startswith("--format="):
            formats.append(arg.split("=", 1)[1])
        elif arg == "--engine":
            engine = value
        elif arg.startswith("--engine="):
            engine = arg.split("=", 1)[1]
        elif arg in ("-o", "--output"):
            output = value
        elif arg.startswith("--output="):
            output = arg.split("=", 1)[1]
    if not formats and output.lower().endswith((".docx", ".html", ".htm")):
        return False  # the extension of -o chooses the format
    if len(positional) > 1 or any(os.path.isdir(p) for p in positional):
        return False  # a batch: its workers load WeasyPrint
    return engine == "weasyprint" and (not formats or "pdf" in formats)


def main() -> None:
    global _early_worker
    import signal

    # SIGTERM and SIGHUP end reportkit as Ctrl-C does: every `finally` runs, so no temporary file
    # and no renderer process is left behind.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    if _wants_weasyprint_pdf(sys.argv[1:]):
        from .writers.weasyprint.writer import Worker

        _early_worker = Worker()
    try:
        # The name in usage lines and in the shell completion script, however it was started
        # (`python -m reportkit` would give a script for a command named "python -m reportkit").
        app(prog_name="reportkit")
    finally:
        if _early_worker is not None:  # the command never took it (bad options, an error)
            _early_worker.close()


if __name__ == "__main__":
    sys.exit(main())
