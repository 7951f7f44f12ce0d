"""DOCX writer on python-docx: the Document as a Word file that is right-to-left where its text is.

The user's letterhead (a reference .docx, like pandoc's --reference-doc) gives styles, page setup
and header art; whatever styles it lacks are added. Document defaults, styles and the theme are
set so that text a user types into the file later is Arabic, right to left, in the right font.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path

from ..document import Document, Heading, ItemList, Paragraph, Span
from ..errors import UsageError
from ..resources import ARABIC_FAMILY, LATIN_FAMILY, font_path, templates_dir
from . import ooxml as x

DEFAULT_TEMPLATE = "reference.docx"
NAVY = "1A3A5C"
BIDI_LANG = {"ar": "ar-SA", "he": "he-IL", "fa": "fa-IR", "ur": "ur-PK"}
LATIN_LANG = {"en": "en-GB", "fr": "fr-FR"}

# style id → (name, type, based on, half-point size, bold, alignment, space before/after in twips)
STYLES = {
    "Normal": ("Normal", "paragraph", None, 24, False, "both", 0, 120),
    "Title": ("Title", "paragraph", "Normal", 38, True, "center", 120, 120),
    "Heading1": ("heading 1", "paragraph", "Normal", 28, True, "start", 240, 120),
    "ListParagraph": ("List Paragraph", "paragraph", "Normal", 24, False, "both", 0, 80),
    "Header": ("header", "paragraph", "Normal", 18, False, "start", 0, 0),
    "Footer": ("footer", "paragraph", "Normal", 18, False, "center", 0, 0),
    "RKOrganizer": ("Organizer", "paragraph", "Normal", 26, True, "center", 0, 80),
    "RKField": ("Title Block Field", "paragraph", "Normal", 22, False, "start", 0, 0),
    "RKNotice": ("Machine Translation Notice", "paragraph", "Normal", 20, False, "start", 0, 120),
}


def render(document: Document, *, template: Path | None = None, embed_fonts: bool = True) -> bytes:
    import docx

    source = Path(template) if template else templates_dir() / DEFAULT_TEMPLATE
    try:
        word = docx.Document(str(source))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise UsageError(f"--docx-template {source}: not a usable .docx file ({err})") from None
    _Writer(word, document).write()
    if embed_fonts:
        _embed(word, document)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def script_runs(text: str, rtl: bool) -> list[tuple[str, bool]]:
    """Cut `text` into runs of one direction: islands of the other script, from its first to its
    last strong letter, stand apart; everything else (spaces, digits, punctuation) takes the
    paragraph's direction, so brackets and numbers resolve as they do in the whole line."""
    other = "L" if rtl else "R"
    islands: list[list[int]] = []
    current: list[int] | None = None
    for i, ch in enumerate(text):
        kind = unicodedata.bidirectional(ch)
        kind = "R" if kind in ("R", "AL") else kind
        if kind == other:
            if current is None:
                current = [i, i]
                islands.append(current)
            current[1] = i
        elif kind in ("R", "L"):
            current = None
    runs: list[tuple[str, bool]] = []
    at = 0
    for start, end in islands:
        if start > at:
            runs.append((text[at:start], rtl))
        runs.append((text[start : end + 1], not rtl))
        at = end + 1
    if at < len(text):
        runs.append((text[at:], rtl))
    return runs


class _Writer:
    def __init__(self, word, document: Document):
        self.word = word
        self.doc = document
        self.rtl = document.dir == "rtl"
        arabic = next((lang for lang in document.languages if lang in BIDI_LANG), "ar")
        self.bidi_lang = BIDI_LANG.get(arabic, "ar-SA")
        latin = next((lang for lang in document.languages if lang in LATIN_LANG), "en")
        self.latin_lang = LATIN_LANG.get(latin, "en-GB")

    # --- the file's defaults: what a user typing into it later gets -------------------------

    def write(self) -> None:
        self._clear_body()
        self._defaults()
        self._styles()
        self._theme()
        self._numbering()
        self._section()
        self._properties()
        self._title_block()
        if self.doc.notice:
            for span in self.doc.notice:
                self._paragraph(self.word.add_paragraph(style=self._style("RKNotice")), span)
        if self.doc.bilingual:
            self._pairs()
        else:
            for block in self.doc.blocks:
                self._block(block, 0, self.word)

    def _clear_body(self) -> None:
        body = self.word.element.body
        for element in list(body):
            if element.tag != x.qn("w:sectPr"):
                body.remove(element)

    def _defaults(self) -> None:
        styles = self.word.styles.element
        defaults = styles.find(x.qn("w:docDefaults"))
        if defaults is None:
            defaults = x.OxmlElement("w:docDefaults")
            styles.insert(0, defaults)
        rpr_default = x.child(defaults, "rPrDefault", ["rPrDefault", "pPrDefault"])
        rpr = x.child(rpr_default, "rPr", ["rPr"])
        self._run_props(rpr, rtl=False, size=24)
        ppr_default = x.child(defaults, "pPrDefault", ["rPrDefault", "pPrDefault"])
        ppr = x.child(ppr_default, "pPr", ["pPr"])
        x.paragraph_direction(ppr, self.rtl)
        settings = self.word.settings.element
        x.child(settings, "themeFontLang", x.SETTINGS, val=self.latin_lang, bidi=self.bidi_lang)

    def _run_props(
        self, rpr, *, rtl: bool, size: int | None = None, bold: bool | None = None
    ) -> None:
        x.fonts(rpr, LATIN_FAMILY, ARABIC_FAMILY)
        if bold is not None:
            x.bold(rpr, bold)
        if size:
            x.size(rpr, size)
        x.run_direction(rpr, rtl)
        x.language(rpr, self.latin_lang, self.bidi_lang)

    def _styles(self) -> None:
        from docx.enum.style import WD_STYLE_TYPE

        styles = self.word.styles
        for style_id, (name, kind, based_on, size, bold, align, before, after) in STYLES.items():
            style = self._style(style_id)
            if style is None:
                style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
                style.element.set(x.qn("w:styleId"), style_id)
                if based_on:
                    style.base_style = (
                        styles[based_on] if based_on != "Normal" else styles["Normal"]
                    )
            style.hidden = False
            style.quick_style = True
            ppr = style.element.get_or_add_pPr()
            x.paragraph_direction(ppr, self.rtl)
            x.alignment(ppr, align)
            x.spacing(
                ppr, before, after, 300 if kind == "paragraph" and style_id != "Title" else None
            )
            rpr = style.element.get_or_add_rPr()
            for tag in ("spacing", "kern"):  # letter spacing pulls joined Arabic letters apart
                x.remove(rpr, tag)
            self._run_props(rpr, rtl=self.rtl, size=size, bold=bold)
            if style_id in ("Title", "Heading1", "RKOrganizer"):
                x.color(rpr, NAVY)
            if style_id == "Heading1":
                x.keep_with_next(ppr)
                x.outline_level(ppr, 0)
        # The default template's styles name theme fonts (w:asciiTheme, w:cstheme…), which
        # override the explicit fonts; Word's Arabic would fall back to the theme's empty slot.
        for rfonts in styles.element.iter(x.qn("w:rFonts")):
            for theme in ("asciiTheme", "hAnsiTheme", "cstheme", "eastAsiaTheme"):
                rfonts.attrib.pop(x.qn(f"w:{theme}"), None)

    def _style(self, style_id: str):
        return next((s for s in self.word.styles if s.style_id == style_id), None)

    def _theme(self) -> None:
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from lxml import etree

        for rel in self.word.part.rels.values():
            if rel.reltype == RT.THEME and not rel.is_external:
                part = rel.target_part
                root = etree.fromstring(part.blob)
                a = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
                for font in ("majorFont", "minorFont"):
                    for scheme in root.iter(f"{a}{font}"):
                        cs = scheme.find(f"{a}cs")
                        if cs is not None:
                            cs.set("typeface", ARABIC_FAMILY)
                        latin = scheme.find(f"{a}latin")
                        if latin is not None:
                            latin.set("typeface", LATIN_FAMILY)
                part._blob = etree.tostring(
                    root, xml_declaration=True, encoding="UTF-8", standalone=True
                )

    def _numbering(self) -> None:
        numbering = self.word.part.numbering_part.element
        taken = [
            int(n.get(x.qn("w:abstractNumId"))) for n in numbering.findall(x.qn("w:abstractNum"))
        ]
        nums = [int(n.get(x.qn("w:numId"))) for n in numbering.findall(x.qn("w:num"))]
        next_abstract = max(taken, default=0) + 1
        next_num = max(nums, default=0) + 1
        self.num_ids = {}
        for kind, fmt, text in (
            ("numbered", self._number_format(), "%1."),
            ("bullet", "bullet", "•"),
        ):
            abstract = x.OxmlElement("w:abstractNum")
            abstract.set(x.qn("w:abstractNumId"), str(next_abstract))
            x.child(abstract, "multiLevelType", ["multiLevelType", "lvl"], val="singleLevel")
            lvl = x.OxmlElement("w:lvl")
            lvl.set(x.qn("w:ilvl"), "0")
            abstract.append(lvl)
            order = ["start", "numFmt", "lvlText", "lvlJc", "pPr", "rPr"]
            x.child(lvl, "start", order, val="1")
            x.child(lvl, "numFmt", order, val=fmt)
            x.child(lvl, "lvlText", order, val=text)
            x.child(lvl, "lvlJc", order, val="left")
            ppr = x.child(lvl, "pPr", order)
            x.paragraph_direction(ppr, self.rtl)
            x.indent(ppr, 567, 567)
            rpr = x.child(lvl, "rPr", order)
            self._run_props(rpr, rtl=self.rtl, bold=kind == "numbered")
            if kind == "numbered":
                x.color(rpr, NAVY)
            # abstractNum definitions come before every w:num in numbering.xml
            first_num = numbering.find(x.qn("w:num"))
            if first_num is not None:
                first_num.addprevious(abstract)
            else:
                numbering.append(abstract)
            num = x.OxmlElement("w:num")
            num.set(x.qn("w:numId"), str(next_num))
            x.child(num, "abstractNumId", ["abstractNumId"], val=str(next_abstract))
            numbering.append(num)
            self.num_ids[kind] = next_num
            next_abstract += 1
            next_num += 1

    def _number_format(self) -> str:
        return "hindiNumbers" if self.doc.options.get("digits") == "arabic-indic" else "decimal"

    def _section(self) -> None:
        from docx.shared import Mm

        section = self.word.sections[-1]
        x.section_direction(section._sectPr, self.rtl)
        self._header(section)
        self._footer(section)
        if section.page_width is None:
            section.page_width, section.page_height = Mm(210), Mm(297)

    def _header(self, section) -> None:
        header = section.header
        header.is_linked_to_previous = False
        width = section.page_width - section.left_margin - section.right_margin
        table = header.add_table(rows=1, cols=2, width=width)
        x.table_direction(table._tbl, self.rtl)
        x.table_borders(table._tbl)
        start, end = table.rows[0].cells
        p = start.paragraphs[0]
        for i, span in enumerate(self.doc.running):
            self._paragraph(p if i == 0 else start.add_paragraph(), span, size=18, align="start")
        if self.doc.reference:
            self._paragraph(
                end.paragraphs[0], self.doc.reference, size=18, align="end", base_rtl=self.rtl
            )

    def _footer(self, section) -> None:
        footer = section.footer
        footer.is_linked_to_previous = False
        p = footer.add_paragraph()
        ppr = p._p.get_or_add_pPr()
        x.paragraph_direction(ppr, self.rtl)
        x.alignment(ppr, "center")
        for n, span in enumerate(self.doc.page_label):
            if n:
                self._runs(p, Span("   —   ", span.lang), size=18)
            template = span.text
            for piece in _split_fields(template):
                if piece in ("{page}", "{pages}"):
                    instruction = "PAGE" if piece == "{page}" else "NUMPAGES"
                    run = x.simple_field(p, instruction, "1")
                    self._run_props(run.get_or_add_rPr(), rtl=span.dir == "rtl", size=18)
                elif piece:
                    self._runs(p, Span(piece, span.lang), size=18)

    def _properties(self) -> None:
        props = self.word.core_properties
        meta = self.doc.meta
        props.title = _fit(meta.title)
        props.author = _fit(meta.author)
        props.subject = _fit(meta.subject)
        props.language = meta.language
        props.keywords = _fit(", ".join(meta.keywords))
        props.comments = _fit(meta.reference)
        props.category = "Conference report"
        props.last_modified_by = "reportkit"

    # --- content ------------------------------------------------------------------------------

    def _title_block(self) -> None:
        title = self.doc.title
        if title.organizer:
            for span in title.organizer:
                self._paragraph(self.word.add_paragraph(style=self._style("RKOrganizer")), span)
        for span in title.title:
            self._paragraph(self.word.add_paragraph(style=self._style("Title")), span)
        if title.fields:
            n = len(self.doc.languages)
            from docx.shared import Mm

            table = self.word.add_table(rows=len(title.fields), cols=2 * n)
            x.table_direction(table._tbl, self.rtl)
            x.table_borders(table._tbl)
            section = self.word.sections[-1]
            width = (section.page_width - section.left_margin - section.right_margin) // n
            label_width = Mm(32)
            for row, field in zip(table.rows, title.fields, strict=True):
                for i in range(n):
                    label, value = row.cells[2 * i], row.cells[2 * i + 1]
                    label.width, value.width = label_width, width - label_width
                    self._paragraph(
                        label.paragraphs[0], field.label[i], style="RKField", bold=True, color=NAVY
                    )
                    self._paragraph(value.paragraphs[0], field.value[i], style="RKField")
            self.word.add_paragraph()

    def _block(self, block, i: int, container) -> None:
        if isinstance(block, Heading):
            self._paragraph(container.add_paragraph(style=self._style("Heading1")), block.texts[i])
        elif isinstance(block, Paragraph):
            self._paragraph(container.add_paragraph(style=self._style("Normal")), block.texts[i])
        elif isinstance(block, ItemList):
            num_id = self.num_ids["numbered" if block.numbered else "bullet"]
            for item in block.items:
                p = container.add_paragraph(style=self._style("ListParagraph"))
                span = item.texts[i]
                ppr = p._p.get_or_add_pPr()
                x.numbering(ppr, num_id)
                x.paragraph_direction(ppr, span.dir == "rtl")
                x.alignment(ppr, "both")
                if item.category:
                    self._runs(p, item.category[i], bold=True)
                    self._runs(p, Span(" — ", span.lang))
                self._runs(p, span)

    def _pairs(self) -> None:
        rows = self.doc.blocks
        table = self.word.add_table(rows=len(rows), cols=len(self.doc.languages))
        x.table_direction(table._tbl, self.rtl)
        x.table_borders(table._tbl, inside_v=True)
        for row, block in zip(table.rows, rows, strict=True):
            if isinstance(block, Heading):
                x.cant_split_row(row._tr)
            for i, cell in enumerate(row.cells):
                first = cell.paragraphs[0]
                self._block(block, i, cell)
                first._p.getparent().remove(first._p)

    def _paragraph(
        self,
        p,
        span: Span,
        *,
        style: str | None = None,
        bold: bool = False,
        size: int | None = None,
        align: str | None = None,
        color: str | None = None,
        base_rtl: bool | None = None,
    ) -> None:
        if style:
            p.style = self._style(style)
        ppr = p._p.get_or_add_pPr()
        rtl = span.dir == "rtl" if base_rtl is None else base_rtl
        x.paragraph_direction(ppr, rtl)
        if align:
            x.alignment(ppr, align)
        self._runs(p, span, bold=bold, size=size, color=color, rtl=rtl)

    def _runs(
        self,
        p,
        span: Span,
        *,
        bold: bool = False,
        size: int | None = None,
        color: str | None = None,
        rtl: bool | None = None,
    ) -> None:
        base = span.dir == "rtl" if rtl is None else rtl
        for text, run_rtl in script_runs(x.xml_text(span.text), base):
            run = p.add_run(text)
            rpr = run._r.get_or_add_rPr()
            self._run_props(rpr, rtl=run_rtl, size=size, bold=True if bold else None)
            if color:
                x.color(rpr, color)
        if span.machine:
            run = p.add_run("†")
            rpr = run._r.get_or_add_rPr()
            self._run_props(rpr, rtl=False, size=16)
            x.color(rpr, "AA3333")


def _fit(text: str, limit: int = 255) -> str:
    """Core properties hold at most 255 characters (python-docx enforces what Word expects)."""
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _split_fields(template: str) -> list[str]:
    import re

    return [piece for piece in re.split(r"(\{page\}|\{pages\})", template) if piece]


def _embed(word, document: Document) -> None:
    from .docx_fonts import FontFace, embed_fonts

    texts = [s.text for s in document.spans()]
    texts += [s.text for s in document.page_label + document.running]
    texts += [s.text for s in document.notice or ()]
    if document.reference:
        texts.append(document.reference.text)
    text = "\n".join(texts) + "0123456789—†•"
    faces = [
        FontFace(ARABIC_FAMILY, "regular", font_path(ARABIC_FAMILY, "regular")),
        FontFace(ARABIC_FAMILY, "bold", font_path(ARABIC_FAMILY, "bold")),
    ]
    if any(unicodedata.bidirectional(ch) == "L" for ch in text):
        faces += [
            FontFace(LATIN_FAMILY, "regular", font_path(LATIN_FAMILY, "regular")),
            FontFace(LATIN_FAMILY, "bold", font_path(LATIN_FAMILY, "bold")),
        ]
    embed_fonts(word, faces, text)
