"""The whole pipeline, usable from Python: record → (translation) → document → writers → files.

Where the files go is settled before any work (an output that is the record itself is refused);
every output is rendered in memory first and only then written, by `files.write_output`, so a
failure never leaves a partial file behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .document import Document, build_document, parse_languages, with_options
from .errors import UsageError
from .files import refuse_overlaps, write_output
from .messages import note
from .resources import example_record

FORMATS = ("pdf", "docx", "html")
SUFFIX = {"pdf": ".pdf", "docx": ".docx", "html": ".html"}
BY_SUFFIX = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html"}


@dataclass
class ExportOptions:
    """Everything that shapes an export besides the record and the formats."""

    lang: str | None = None  # "ar", "en", "ar+en"; None: the record's own language
    engine: str = "weasyprint"  # PDF engine: weasyprint | reportlab | typst
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
    strict: bool = False  # a character no font can draw is an error, not a warning
    tags: bool = True  # a tagged, accessible PDF (PDF/UA-1); False: the smallest untagged file
    letterhead: Path | None = None  # the office's letterhead description (YAML)
    template: Path | None = None  # the office's HTML templates over reportkit's (HTML, WeasyPrint)


def load(source: str | Path | None):
    """The record at `source` (None: the bundled example), validated."""
    from .messages import warn
    from .record import read_record

    loaded = read_record(example_record() if source is None else source)
    for problem in loaded.warnings:  # e.g. a bidi override: valid, confined, but worth a word
        warn(str(problem))
    return loaded.record


def with_translations(record, languages: tuple[str, ...], options: ExportOptions):
    """The record, machine-translated into those of `languages` it has no text for."""
    if all(lang == record.language for lang in languages):
        return record  # nothing to translate: argostranslate is never imported
    from .translate import missing_languages, translate_record

    missing = missing_languages(record, languages)
    if not missing:
        return record
    note(f"translating into {', '.join(missing)}")
    record, _ = translate_record(record, missing, options.translate)
    return record


def document_for(record, options: ExportOptions) -> Document:
    languages = parse_languages(options.lang) if options.lang else (record.language,)
    record = with_translations(record, languages, options)
    from .conventions import digits_for_locale
    from .document import Presentation

    if options.marking is not None:
        _check_marking(options.marking)
    digits = options.digits or digits_for_locale(options.locale)
    if digits not in ("western", "arabic-indic"):
        raise UsageError(f"--digits {digits!r}: choose western or arabic-indic")
    letterhead = None
    if options.letterhead is not None:
        from .record.letterhead import read_letterhead

        letterhead = read_letterhead(options.letterhead)
    presentation = Presentation(
        letterhead=letterhead,
        digits=digits,
        marking=options.marking,
        draft=options.draft,
        verification=options.verification,
    )
    document = build_document(record, languages, presentation)
    from .glyphs import check_glyphs

    check_glyphs(document.spans(), strict=options.strict)
    extra = {"pdfa": options.pdfa, "tags": options.tags}
    if options.template is not None:
        from .templates import template_folder

        # checked before any rendering; messages name the folder as it was given
        extra["template"] = str(template_folder(options.template))
        extra["template_given"] = str(options.template)
    if options.locale:
        extra["locale"] = options.locale
    return with_options(document, **extra)


def _check_marking(marking: str) -> None:
    """--marking is printed on every page: it obeys the record's character rules."""
    from .record.text import TextCharacterError, check_characters

    if not marking.strip():
        raise UsageError('--marking: give the marking\'s text, e.g. --marking "سري"')
    try:
        check_characters(marking)
    except TextCharacterError as err:
        raise UsageError(f"--marking: {err}") from None


def render(document: Document, fmt: str, options: ExportOptions) -> bytes:
    """One format's bytes."""
    from .writers import writer

    if fmt == "pdf":
        name = {"weasyprint": "pdf", "reportlab": "pdf-reportlab", "typst": "pdf-typst"}.get(
            options.engine
        )
        if name is None:
            raise UsageError(
                f"unknown PDF engine {options.engine!r} (weasyprint, reportlab or typst)"
            )
        if options.pdfa and name == "pdf-reportlab":
            raise UsageError("--pdfa needs the WeasyPrint or Typst engine (--engine weasyprint)")
        if options.template is not None and name != "pdf":
            from .messages import warn

            warn(
                "--template shapes the HTML and the WeasyPrint PDF; "
                f"--engine {options.engine} keeps its own layout"
            )
        from .archive import finish_archival

        if name == "pdf" and options.pdf_worker is not None:
            pdf = options.pdf_worker.render(document)
        elif name == "pdf-typst":
            pdf = writer("pdf-typst-open")(document)  # corrected and finished on one open file
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


def format_of(path: str | Path) -> str | None:
    """The format a file name's extension names (`report.PDF` → pdf), or None."""
    return BY_SUFFIX.get(Path(str(path)).suffix.lower())


def output_paths(
    source: str | Path | None,
    formats: list[str] | None,
    output: str | Path | None,
    lang: str | None,
) -> dict[str, str | Path]:
    """Where each format goes, checked before any work is done.

    `output` is a file for one format (a device, a FIFO or ``-`` for standard output too), or a
    folder: one that exists, one written with a trailing slash, or any path given for several
    formats. Without `--output`, files go into the working folder, named after the record. With
    no formats given, the extension of `output` chooses the format (else PDF). An extension that
    names another format than the one asked for is refused, and so is a target that is the
    record itself or another output of the same run.
    """
    text = None if output is None else str(output)
    if not formats:
        formats = [(text and format_of(text)) or "pdf"]
    stem = record_stem(source)
    if lang:
        stem += f".{lang}"
    if text == "-":
        if len(formats) > 1:
            raise UsageError("-o -: standard output takes one format; give a folder for several")
        targets: dict[str, str | Path] = {formats[0]: "-"}
    elif text is not None and not _means_folder(text) and len(formats) == 1:
        named = format_of(text)
        if named is not None and named != formats[0]:
            raise UsageError(
                f"-o {text}: the extension says {named}, but the format is {formats[0]}; "
                f"name the file {Path(text).stem}{SUFFIX[formats[0]]} or choose -f {named}"
            )
        targets = {formats[0]: Path(text)}
    else:
        folder = Path(text) if text is not None else Path.cwd()
        if text is not None and not _means_folder(text):
            if os.path.lexists(text):
                raise UsageError(f"-o {text}: several formats need a folder, and this is a file")
            if format_of(text):
                raise UsageError(f"-o {text}: several formats need a folder, not a file name")
        targets = {fmt: folder / f"{stem}{SUFFIX[fmt]}" for fmt in formats}
    inputs = [example_record() if source is None else source]
    refuse_overlaps(inputs, list(targets.values()))
    return targets


def _means_folder(text: str) -> bool:
    return text.endswith(("/", os.sep)) or os.path.isdir(text)


def known_formats(formats) -> list[str]:
    """`formats` without repeats, each one reportkit writes (a UsageError names any other)."""
    formats = list(dict.fromkeys(formats or ()))
    for fmt in formats:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    return formats


def check_signing(formats: list[str], options: ExportOptions) -> None:
    """With --sign, a PDF among `formats` and a key that can sign (wrong password, expired:
    refused before any work)."""
    if options.sign and "pdf" not in formats:
        raise UsageError("--sign signs the PDF: add --format pdf")
    if options.sign:
        from .archive import check_signer

        check_signer(options.sign, options.sign_password)


def export(
    source: str | Path | None,
    formats: list[str] | tuple[str, ...] | None = ("pdf",),
    output: str | Path | None = None,
    options: ExportOptions | None = None,
) -> dict[str, str | Path]:
    """Export the record at `source` in each format; returns format → written path (``-`` for
    standard output). `formats` None or empty: the extension of `output`, else PDF."""
    options = options or ExportOptions()
    targets = output_paths(source, known_formats(formats), output, options.lang)
    formats = list(targets)
    check_signing(formats, options)
    note(f"reading {source or 'the bundled example'}")
    record = load(source)
    document = document_for(record, options)
    rendered = {}
    for fmt in formats:
        note(f"rendering {fmt}" + (f" ({options.engine})" if fmt == "pdf" else ""))
        rendered[fmt] = render(document, fmt, options)
    if options.sign:
        from .archive import sign_pdf

        note("signing the PDF")
        rendered["pdf"] = sign_pdf(rendered["pdf"], options.sign, options.sign_password)
    for fmt, data in rendered.items():
        note(f"writing {targets[fmt]}")
        write_output(targets[fmt], data)
    return targets
