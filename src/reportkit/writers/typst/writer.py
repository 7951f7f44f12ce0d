"""PDF writer on Typst: the Document as JSON data, laid out by reportkit's own template.

Typst markup is a programming language, so record text is never written into markup, escaped or
not: the whole document goes to the compiler as one JSON string (`sys.inputs`), which the
template (templates/report.typ) decodes with Typst's `json` and shows as string values. The
template is the only file the compiler reads; the QR code and the letterhead's emblem travel in
the JSON as image data. Fonts are reportkit's fonts/ only (no system font, none of the fonts the
compiler carries), so the same record gives the same pages on every machine.

The `typst` package (the compiler, about 34 MB) is imported only here, when this engine renders.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

from ...conventions import digits
from ...document import Document, ItemList, Span
from ...glyphs import uncovered
from ...inline import LRI, PDI, isolates, printed
from ...labels import label
from ...resources import fonts_dir, templates_dir
from ..html import (
    FOOTER_LINE_MM,
    FOOTER_TOP_MM,
    LOGO_COLUMN_MM,
    LOGO_HEIGHT_MM,
    REFERENCE_CHARS,
    RUNNING_CHARS,
    footer_margin,
    pieces,
    qr_alt,
    short_text,
)

if TYPE_CHECKING:
    import typst

TEMPLATE = "report.typ"
# The links a page carries open a web page or write an e-mail, whatever else a record holds.
_LINK_SCHEMES = ("https://", "http://", "mailto:")
_IMAGE_FORMATS = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}
# Typst breaks a line only where Unicode allows it: a run of more than LONG_RUN characters
# without a space (a code, a URL, a record's filler) would run off the page, out of sight and
# out of the text. It gets a break opportunity (U+200B, which draws nothing and which
# `textlayer` keeps out of the text) every PIECE characters or so, where a cut changes no
# letter's shape (`html.pieces`).
LONG_RUN = 30
PIECE = 20
_LONG = re.compile(f"[^ \t\n\r\f]{{{LONG_RUN},}}")
ZERO_WIDTH_SPACE = "\u200b"


# Where a run already may break: after a zero-width space, or after a "/" that `inline.printed`
# left without a word joiner (a link's own break points).
_MAY_BREAK = re.compile("(?<=[\u200b/])(?!\u2060)")


def _cut(run: str) -> str:
    out = []
    for part in _MAY_BREAK.split(run):
        # the word joiners draw nothing: a part is long by what it prints
        if len(part) - part.count("\u2060") >= LONG_RUN:
            body = part.rstrip("/")  # a cut just before the "/" it may break after helps nobody
            part = ZERO_WIDTH_SPACE.join(pieces(body, PIECE)) + part[len(body) :]
        out.append(part)
    return "".join(out)


def breakable(text: str) -> str:
    """`text` with a break opportunity inside each run of more than LONG_RUN printed characters
    that has none of its own."""
    if len(text) < LONG_RUN:
        return text
    return _LONG.sub(lambda m: _cut(m.group()), text)


# A link whose text holds right-to-left letters or digits, or bidi controls (an address followed
# by an Arabic letter with no space between) is laid out in pieces of several directions, and
# Typst 0.15 then fails to tag it ("expected link ancestor"): it prints as an isolate, unlinked.
_NOT_LEFT_TO_RIGHT = frozenset(
    ("R", "AL", "AN", "RLE", "RLO", "RLI", "LRE", "LRO", "LRI", "FSI", "PDF", "PDI")
)

# What stands for a character none of reportkit's fonts has (the export has warned of it, or
# refused it with --strict): the empty box the other engines draw. A tagged Typst file may not
# show a font's missing-glyph box, so the box is a character of its own.
EMPTY_BOX = "\u25a1"
# Code points a PDF/UA file may not carry in its text: U+FEFF (a zero-width no-break space in a
# text) becomes the word joiner, which means the same; the non-characters go.
_NOT_IN_UA = {0xFEFF: "\u2060", 0xFFFE: None, 0xFFFF: None}
_NOT_IN_UA_CHARS = frozenset(map(chr, _NOT_IN_UA))


def span_data(span: Span, text: str | None = None) -> dict[str, object]:
    """A Span as the template's data: language, direction, runs (`inline`), machine mark."""
    if text is not None and text != span.text:
        span = Span(text, span.lang, span.dir, span.machine, foreign=span.foreign)
    missing = {ord(char): EMPTY_BOX for char in uncovered(span.text, span.dir)}
    if not _NOT_IN_UA_CHARS.isdisjoint(span.text):
        missing.update(_NOT_IN_UA)
    runs = []
    for group in isolates(span.runs):
        if len(group) > 1:  # a Latin phrase and the link inside it: one isolate around both
            runs.append({"t": LRI, "dir": "", "href": "", "lang": ""})
        for run in group:
            href = run.href if run.href.lower().startswith(_LINK_SCHEMES) else ""
            if href and any(unicodedata.bidirectional(c) in _NOT_LEFT_TO_RIGHT for c in run.text):
                href = ""  # see _NOT_LEFT_TO_RIGHT
            shown = printed(run)  # word joiners where the run may not break (`inline`)
            runs.append(
                {
                    "t": breakable(shown.translate(missing) if missing else shown),
                    "dir": run.dir if run.dir else "",
                    "href": href,
                    "lang": span.run_lang(run),
                }
            )
        if len(group) > 1:
            runs.append({"t": PDI, "dir": "", "href": "", "lang": ""})
    return {
        "lang": span.lang,
        "dir": span.dir,
        "runs": runs,
        "machine": span.machine is not None,
    }


def _spans(spans) -> list[dict[str, object]]:
    return [span_data(s) for s in spans]


# A heading with no text (a record may leave one empty) is refused in a tagged PDF: it shows this.
NO_TEXT = "—"


def _heading_spans(spans) -> list[dict[str, object]]:
    return [
        span_data(s if s.text.strip() else Span(NO_TEXT, s.lang, s.dir, s.machine)) for s in spans
    ]


def _block_data(block) -> dict[str, object]:
    if isinstance(block, ItemList):
        return {
            "kind": "list",
            "numbered": block.numbered,
            "items": [
                {
                    "number": item.number,
                    "texts": _spans(item.texts),
                    "category": _spans(item.category) if item.category else None,
                }
                for item in block.items
            ],
        }
    heading = block.kind == "heading"
    data: dict[str, object] = {
        "kind": block.kind,
        "texts": _heading_spans(block.texts) if heading else _spans(block.texts),
    }
    if heading:
        data["level"] = block.level
    return data


def _logo_data(document: Document) -> dict[str, object] | None:
    lh = document.letterhead
    if lh is None or lh.logo is None:
        return None
    image = lh.logo
    scale = min(LOGO_COLUMN_MM / image.width, LOGO_HEIGHT_MM / image.height)
    fmt = _IMAGE_FORMATS[image.mime]
    data: dict[str, object] = {
        "format": fmt,
        "alt": " / ".join(s.text for s in lh.logo_alt if s.text),
        "width": round(image.width * scale, 2),
        "height": round(image.height * scale, 2),
    }
    if fmt == "svg":
        data["svg"] = image.data.decode("utf-8")
    else:
        data["data"] = list(image.data)  # JSON has no bytes: Typst's bytes() takes the numbers
    return data


def document_data(document: Document) -> dict[str, object]:
    """Everything the template shows, as plain data (the template's only input)."""
    lh = document.letterhead
    verification = None
    if document.verification is not None:
        from ...verification import verification_qr_svg

        v = document.verification
        verification = {
            "heading": _heading_spans(v.heading),
            "fingerprint_label": _spans(v.fingerprint_label),
            "hint": _spans(v.hint),
            "reference": bool(v.reference),
            "sha256": v.sha256,
            "qr_svg": verification_qr_svg(v.reference, v.sha256, size="30mm"),
            "qr_alt": qr_alt(document),
            # Under the sections' headings (level 2), or right under the title when the record
            # has none: a tagged PDF may not skip a heading level.
            "level": 3 if any(b.kind == "heading" for b in document.blocks) else 2,
            # Kept on one page, unless a very long reference would make it taller than one.
            "breakable": len(v.reference) > 300,
        }
    reference = document.reference
    return {
        "lang": document.lang,
        "dir": document.dir,
        "languages": list(document.languages),
        "bilingual": document.bilingual,
        "digits": document.digits,
        "meta": {
            # A tagged PDF must have a title: the first language's, else any, else the reference.
            "title": short_text(
                next(
                    (
                        t
                        for t in (document.meta.title, *(s.text for s in document.title.title))
                        if t.strip()
                    ),
                    document.meta.reference or NO_TEXT,
                ),
                1000,
            ),
            "author": document.meta.author,
            "subject": document.meta.subject,
            "keywords": list(document.meta.keywords),
        },
        "labels": {
            key: [label(lang, key) for lang in document.languages] for key in ("reference", "date")
        },
        "title": {
            "title": _heading_spans(document.title.title),
            "organizer": _spans(document.title.organizer) if document.title.organizer else None,
            "fields": [
                {"name": f.name, "label": _spans(f.label), "value": _spans(f.value)}
                for f in document.title.fields
            ],
        },
        "notice": _spans(document.notice) if document.notice else None,
        "blocks": [_block_data(b) for b in document.blocks],
        "page_label": [{"text": s.text, "lang": s.lang, "dir": s.dir} for s in document.page_label],
        "running": [span_data(s, short_text(s.text, RUNNING_CHARS)) for s in document.running],
        "running_reference": span_data(reference, short_text(reference.text, REFERENCE_CHARS))
        if reference
        else None,
        "reference": span_data(reference) if reference else None,
        "marking": span_data(document.marking) if document.marking else None,
        "draft": _spans(document.draft) if document.draft else None,
        "verification": verification,
        "footer_margin": footer_margin(document),
        "footer_top": FOOTER_TOP_MM,  # the office's footer lines start this far under the rule
        "footer_line": FOOTER_LINE_MM,  # and each takes this much height
        "letterhead": {
            "right": _spans(lh.right),
            "left": _spans(lh.left),
            "logo": _logo_data(document),
            "basmala": span_data(lh.basmala) if lh.basmala else None,
            "signature": _spans(lh.signature),
            "footer": _spans(lh.footer),
            "date": span_data(lh.date) if lh.date else None,
        }
        if lh is not None
        else None,
    }


def local_number(n: int, lang: str, style: str) -> str:
    return digits(str(n), style) if lang == "ar" else str(n)


def json_text(data: dict[str, object]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def document_json(document: Document) -> str:
    return json_text(document_data(document))


def standards(document: Document) -> tuple[list[str], bool]:
    """The PDF standards Typst writes and whether it tags the file.

    Tagged (the default), the file is PDF/UA-1; with `--pdfa`, PDF/A-3a, tagged too (`archive`
    adds the PDF/UA claim to its XMP). `--no-tags` gives the untagged file: plain, or PDF/A-3b.
    """
    tags = bool(document.options.get("tags", True))
    if document.options.get("pdfa"):
        return (["a-3a"] if tags else ["a-3b"]), tags
    return (["ua-1"] if tags else []), tags


@cache
def _fonts() -> typst.Fonts:
    """reportkit's fonts, and no other: not the system's, not those built into the compiler."""
    import typst

    return typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(fonts_dir())]
    )


def new_compiler() -> typst.Compiler:
    """A compiler whose root is reportkit's templates folder (it reads no file outside it) and
    whose fonts are reportkit's."""
    import typst

    return typst.Compiler(
        input=str(templates_dir() / TEMPLATE),
        root=str(templates_dir()),
        font_paths=_fonts(),
        ignore_system_fonts=True,
    )


@cache
def _compiler() -> typst.Compiler:
    """One compiler per process: it keeps the fonts read and the template parsed between
    renders (a batch pays for them once)."""
    return new_compiler()


def compile_pdf(data: str, pdf_standards: list[str], tags: bool, timestamp=None) -> bytes:
    """The template compiled with `data` (the JSON of `document_data`): the bare Typst step."""
    return _compiler().compile(
        input=str(templates_dir() / TEMPLATE),  # always the template, whatever ran before
        format="pdf",
        sys_inputs={"doc": data},
        pdf_standards=pdf_standards,
        pdf_tags=tags,
        timestamp=timestamp,
    )


def _direct_destinations(pdf) -> None:
    """Outline entries whose /Dest is a reference to an array get the array itself: the PDF/A
    schemas pikepdf (and veraPDF) check an outline item against name a direct destination."""
    import pikepdf

    def walk(item) -> None:
        while item is not None:
            dest = item.get("/Dest")
            if dest is not None and dest.is_indirect and isinstance(dest, pikepdf.Array):
                item.Dest = pikepdf.Array(list(dest))
            first = item.get("/First")
            if first is not None:
                walk(first)
            item = item.get("/Next")

    outlines = pdf.Root.get("/Outlines")
    if outlines is not None and "/First" in outlines:
        walk(outlines.First)


def _drop_cid_sets(pdf) -> None:
    """Typst lists each subset's glyphs in a /CIDSet, which PDF/A-2 and -3 do not need and which
    must then be exactly right; a checker cannot verify it for a TrueType subset, so it goes."""
    for page in pdf.pages:
        for font in page.obj.get("/Resources", {}).get("/Font", {}).values():
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get("/FontDescriptor")
                if descriptor is not None and "/CIDSet" in descriptor:
                    del descriptor["/CIDSet"]


def _plain_mark_info(pdf) -> None:
    """/MarkInfo without /Suspects false, its default, which poppler reads as a syntax error."""
    info = pdf.Root.get("/MarkInfo")
    if info is not None and "/Suspects" in info and not bool(info.Suspects):
        del info["/Suspects"]


def correct(pdf) -> None:
    """Typst's PDF, open in pikepdf, with its text layer corrected (`textlayer`), its structure
    finished (`structure`: row headers, one marked-content sequence per run of an element), its
    outline's destinations direct and no /CIDSet; the pages look exactly the same."""
    from .structure import join_marked_content, row_headers
    from .textlayer import fix_text_layer

    fix_text_layer(pdf)
    row_headers(pdf)
    join_marked_content(pdf)
    _direct_destinations(pdf)
    _drop_cid_sets(pdf)
    _plain_mark_info(pdf)


def finish(data: bytes) -> bytes:
    """Typst's PDF `correct`ed, as bytes."""
    from ..pdftext import edited

    return edited(data, correct)


def _without_links(data: dict) -> dict:
    """`document_data` with every run's link taken away (its text stays, isolated)."""

    def strip(value):
        if isinstance(value, dict):
            if "href" in value and "t" in value:
                return {**value, "href": ""}
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(data)


def _pieces(span: dict) -> list[list[dict]]:
    """A span's runs cut into words at the spaces of its plain runs (isolates and links whole)."""
    out: list[list[dict]] = [[]]
    for run in span["runs"]:
        if run["dir"] or run["href"]:
            out[-1].append(run)
            continue
        for k, word in enumerate(run["t"].split(" ")):
            if k:
                out.append([])
            if word:
                out[-1].append({**run, "t": word})
    return out


def kept_paragraph(data: dict) -> int | None:
    """The block of the last paragraph, when a signature follows it: one language only (a
    handout's grid keeps its rows whole), and a last block that is a paragraph."""
    lh = data["letterhead"]
    blocks = data["blocks"]
    if lh is None or not lh["signature"] or data["bilingual"] or not blocks:
        return None
    if blocks[-1]["kind"] != "paragraph":
        return None
    return len(blocks) - 1


# Typst has no keep-with-previous: a signature that does not fit under the last paragraph goes
# to the next page alone. The lines the signature takes along from the end of the paragraph.
KEPT_LINES = 2


def _keep_with_signature(data: dict) -> None:
    """Set `data["keep"]` so that the signature never stands alone at the top of a page.

    A first layout (a query, no PDF) records each word of the last paragraph and the signature
    with their page and line. When the signature's page is after the paragraph's last, the
    paragraph is cut where its last KEPT_LINES lines begin on its last page: the first part ends
    with a justified line break (the lines are broken one by one, `linebreaks: "simple"`, so they
    stay exactly as they were) and the tail and the signature make one unbreakable block.
    """
    import typst

    index = kept_paragraph(data)
    if index is None:
        return
    span = data["blocks"][index]["texts"][0]
    span["pieces"] = _pieces(span)
    data["keep"] = {"block": index, "split": None, "mark": True}
    try:
        marks = json.loads(
            typst.query(
                str(templates_dir() / TEMPLATE),
                "<rk-marks>",
                field="value",
                one=True,
                format="json",
                root=str(templates_dir()),
                font_paths=_fonts(),
                ignore_system_fonts=True,
                sys_inputs={"doc": json_text(data)},
            )
        )
    except typst.TypstError:
        marks = []  # the compile that follows says what is wrong, if anything
    finally:
        data["keep"]["mark"] = False
    found = [m for m in marks if m["i"] is not None]
    signature = [m for m in marks if m["i"] is None]
    if not found or not signature:
        return
    last_page = max(w["page"] for w in found)
    if signature[0]["page"] <= last_page:
        return
    on_page = [w for w in found if w["page"] == last_page]
    lines = sorted({round(w["y"], 1) for w in on_page})
    kept = set(lines[-KEPT_LINES:])
    data["keep"]["split"] = min(w["i"] for w in on_page if round(w["y"], 1) in kept)


def compiled(document: Document) -> bytes:
    """The document compiled by Typst, uncorrected."""
    import typst

    from ...archive import _timestamp
    from ...messages import warn

    pdf_standards, tags = standards(document)
    when = int(_timestamp(document, None).timestamp())
    data = document_data(document)
    _keep_with_signature(data)
    try:
        return compile_pdf(json_text(data), pdf_standards, tags, when)
    except typst.TypstError as err:
        # Typst 0.15 can fail to tag a link that bidi layout cuts in pieces in ways
        # `_NOT_LEFT_TO_RIGHT` does not foresee; the report is then made without links.
        if not tags or "link ancestor" not in str(err):
            raise
        warn("the Typst engine could not tag a link of this record; its addresses print as text")
        return compile_pdf(json_text(_without_links(data)), pdf_standards, tags, when)


def render_open(document: Document):
    """The report as a corrected `pikepdf.Pdf`, still open: `archive.finish_archival` finishes
    and saves it, so that the file is parsed and written once."""
    import io

    import pikepdf

    pdf = pikepdf.open(io.BytesIO(compiled(document)))
    try:
        correct(pdf)
        # Typst names itself as the Creator only; the Producer says which engine made the file,
        # as WeasyPrint and ReportLab say it in the other engines' files (reportkit is Creator).
        creator = str(pdf.docinfo.get("/Creator", ""))
        if "/Producer" not in pdf.docinfo and creator.startswith("Typst"):
            pdf.docinfo.Producer = creator
    except BaseException:
        pdf.close()
        raise
    return pdf


def render(document: Document) -> bytes:
    """The report's PDF, corrected (without the record attached: see `render_open`)."""
    return finish(compiled(document))
