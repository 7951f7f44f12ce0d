"""The whole pipeline, usable from Python: record → (translation) → document → writers → files.

Every output is rendered in memory first and then written to a temporary file beside its target
and renamed, so a failure never leaves a partial file behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .document import Document, build_document, parse_languages, with_options
from .errors import UsageError
from .files import write_atomic

FORMATS = ("pdf", "docx", "html")
SUFFIX = {"pdf": ".pdf", "docx": ".docx", "html": ".html"}


@dataclass
class ExportOptions:
    """Everything that shapes an export besides the record and the formats."""

    lang: str | None = None  # "ar", "en", "ar+en"; None: the record's own language
    engine: str = "weasyprint"  # PDF engine: weasyprint | reportlab
    docx_template: Path | None = None
    embed_fonts: bool = True
    digits: str | None = None  # western | arabic-indic; None: from locale
    locale: str | None = None  # e.g. ar-MA, ar-SA: the office's conventions
    marking: str | None = None  # classification marking on every page
    draft: bool = False
    verification: bool = True
    pdfa: bool = False  # PDF/A-3 with the record embedded
    sign: Path | None = None  # a PKCS#12 file to sign the PDF with (PAdES)
    sign_password: bytes | None = None
    translate: object = None  # TranslateOptions for texts the record lacks; None: the defaults
    pdf_worker: object = None  # a started weasy.Worker that renders the WeasyPrint PDF


def load(source: str | Path | None):
    """The record at `source` (None: the bundled example), validated."""
    from .record import load_record
    from .resources import example_record

    return load_record(example_record() if source is None else source)


def with_translations(record, languages: tuple[str, ...], options: ExportOptions):
    """The record, machine-translated into those of `languages` it has no text for."""
    if all(lang == record.language for lang in languages):
        return record  # nothing to translate: argostranslate is never imported
    from .translate import missing_languages, translate_record

    missing = missing_languages(record, languages)
    if not missing:
        return record
    record, _ = translate_record(record, missing, options.translate)
    return record


def document_for(record, options: ExportOptions) -> Document:
    languages = parse_languages(options.lang) if options.lang else (record.language,)
    record = with_translations(record, languages, options)
    from .conventions import digits_for_locale
    from .document import Presentation

    digits = options.digits or digits_for_locale(options.locale)
    if digits not in ("western", "arabic-indic"):
        raise UsageError(f"--digits {digits!r}: choose western or arabic-indic")
    presentation = Presentation(
        digits=digits,
        marking=options.marking,
        draft=options.draft,
        verification=options.verification,
    )
    document = build_document(record, languages, presentation)
    extra = {"pdfa": options.pdfa}
    if options.locale:
        extra["locale"] = options.locale
    return with_options(document, **extra)


def render(document: Document, fmt: str, options: ExportOptions) -> bytes:
    """One format's bytes."""
    from .writers import writer

    if fmt == "pdf":
        name = {"weasyprint": "pdf", "reportlab": "pdf-reportlab"}.get(options.engine)
        if name is None:
            raise UsageError(f"unknown PDF engine {options.engine!r} (weasyprint or reportlab)")
        if options.pdfa and name != "pdf":
            raise UsageError("--pdfa needs the WeasyPrint engine (--engine weasyprint)")
        from .archive import finish_archival

        if name == "pdf" and options.pdf_worker is not None:
            pdf = options.pdf_worker.render(document)
        else:
            pdf = writer(name)(document)
        # Every reportkit PDF carries its record (and a PDF/A one its archival metadata).
        return finish_archival(pdf, document)
    if fmt == "docx":
        return writer("docx")(
            document, template=options.docx_template, embed_fonts=options.embed_fonts
        )
    if fmt == "html":
        return writer("html")(document)
    raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")


def record_stem(source: str | Path | None) -> str:
    """The record file's name without its extension: the base of every file made from it."""
    if source is None:
        return "conference-47"
    if str(source) == "-":
        return "record"
    name = Path(source).name
    for ext in (".yaml", ".yml", ".json"):
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return name


def output_paths(
    source: str | Path | None, formats: list[str], output: Path | None, lang: str | None
) -> dict[str, Path]:
    """Where each format goes: `--output` (a file for one format, a folder for several), else
    beside the working directory, named after the record file."""
    stem = record_stem(source)
    if lang:
        stem += f".{lang}"
    if output is not None and len(formats) == 1 and not output.is_dir():
        return {formats[0]: output}
    folder = output if output is not None else Path.cwd()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--output {folder}: several formats need a folder, and this is a file")
    return {fmt: folder / f"{stem}{SUFFIX[fmt]}" for fmt in formats}


def export(
    source: str | Path | None,
    formats: list[str] | tuple[str, ...] = ("pdf",),
    output: Path | None = None,
    options: ExportOptions | None = None,
) -> dict[str, Path]:
    """Export the record at `source` in each format; returns format → written path."""
    options = options or ExportOptions()
    formats = list(dict.fromkeys(formats))
    for fmt in formats:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    record = load(source)
    document = document_for(record, options)
    targets = output_paths(source, formats, output, options.lang)
    if options.sign and "pdf" not in formats:
        raise UsageError("--sign signs the PDF: add --format pdf")
    rendered = {fmt: render(document, fmt, options) for fmt in formats}
    if options.sign:
        from .archive import sign_pdf

        rendered["pdf"] = sign_pdf(rendered["pdf"], options.sign, options.sign_password)
    for fmt, data in rendered.items():
        write_atomic(targets[fmt], data)
    return targets
