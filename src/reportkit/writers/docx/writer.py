"""DOCX writer on python-docx: the Document as a Word file that is right-to-left where its text is.

The user's letterhead (a reference .docx or .dotx, like pandoc's --reference-doc) gives styles,
page setup and header art; whatever styles it lacks are added, and the styles it has keep their
look (only direction, fonts and the complex-script twins of size and weight are set). Its title
and heading styles keep theirs only if it designed them, naming fonts of its own (which they
then keep too); the blank template's, in theme fonts, get reportkit's look, so that the title
keeps its font and centring. Document defaults, styles and the theme are set so that text a user
types into the file later is Arabic, right to left, in the right font.

The office's letterhead description (--letterhead) is page one's header, as Word's letterhead
templates have it (w:titlePg): the right block, the emblem and the left block in a borderless
layout table (an SVG emblem as Word 2016 writes one: the SVG, with a PNG of it for every other
reader); the basmala stands above the title, the signature at the end on the left, and the
footer lines on every page under "page X of Y".

Direction is written on every paragraph and run, never left to inheritance: paragraphs carry
`w:bidi` (or `w:bidi w:val="0"` in a right-to-left document), right-to-left runs `w:rtl`; the
styles carry no `w:rtl`, so a Latin run needs nothing to stay left to right.

Mixed text follows the document model's runs (`reportkit.inline`): a foreign run (a code name, a
number with signs, an address) is a Word run of its own direction between two marks of that
direction (LRM or RLM), so that its signs and digits stay in order in Word and LibreOffice, with
a word joiner after its inner hyphens and slashes so that no line breaks inside it. Links are
`w:hyperlink`s to external relationships in the Hyperlink character style. Every run is cut
where the font that draws it changes: a character neither text font has (✓ → 🛡 ✅) gets the
fallback font that has it, named for every script, and the fonts a document uses are the ones
embedded.

For Word's navigation pane, its accessibility checker and screen readers: the title is Heading 1
and the sections Heading 2 (built-in styles, with their outline levels), pictures carry
alternative text, and tables say what they hold and whether they have header rows or columns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io
import re
import unicodedata
import zipfile
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from ...conventions import digits
from ...document import Document, Heading, ItemList, Paragraph, Span
from ...errors import UsageError, one_line
from ...inline import Run, isolates, printed
from ...inline import runs as inline_runs
from ...labels import label, language_name
from ...languages import direction
from ...record.letterhead import Logo
from ...resources import (
    ARABIC_FAMILY,
    EMOJI_FAMILY,
    FALLBACK_FAMILIES,
    LATIN_FAMILY,
    font_path,
    font_stack,
    templates_dir,
)
from .. import svgimage
from ..html import REFERENCE_CHARS, RUNNING_CHARS, short_text
from . import ooxml as x

DEFAULT_TEMPLATE = "reference.docx"
NAVY = "1A3A5C"
MARKING_RED = "AA0000"
BIDI_LANG = {"ar": "ar-SA", "he": "he-IL", "fa": "fa-IR", "ur": "ur-PK"}
LATIN_LANG = {"en": "en-GB", "fr": "fr-FR"}

# style id → (name, half-point size, bold, alignment, space before/after in twips)
STYLES = {
    "Normal": ("Normal", 24, False, "both", 0, 120),
    "Title": ("Title", 38, True, "center", 120, 120),  # unused, right to left for a user's edits
    "Heading1": ("heading 1", 38, True, "center", 120, 120),  # the report's title
    "Heading2": ("heading 2", 28, True, "start", 240, 120),  # summary, lists, sections
    "Heading3": ("heading 3", 24, True, "start", 200, 80),
    "ListParagraph": ("List Paragraph", 24, False, "both", 0, 80),
    "Header": ("header", 18, False, "start", 0, 0),
    "Footer": ("footer", 18, False, "center", 0, 0),
    "RKOrganizer": ("Organizer", 26, True, "center", 0, 80),
    "RKField": ("Title Block Field", 22, False, "start", 0, 0),
    "RKNotice": ("Machine Translation Notice", 20, False, "start", 0, 120),
}
# Word's built-in heading styles, by outline level (0 = Heading 1). The title is Heading 1 and
# the sections Heading 2, as the PDF writers' outlines and the HTML's h1/h2 have them: Word's
# Title style is no heading to the navigation pane, its accessibility checker or a screen
# reader, so a report titled in it would start at an unnamed level.
HEADINGS = {"Heading1": 0, "Heading2": 1, "Heading3": 2}
TITLE_RULE = "4F81BD"  # the rule under the title: Word's accent colour, as the blank template has
_THEME_ATTRS = ("asciiTheme", "hAnsiTheme", "cstheme", "eastAsiaTheme")
_TEMPLATE_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
_DOCUMENT_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
HYPERLINK_BLUE = "0563C1"  # Word's own Hyperlink style
# The letterhead, as official stationery sets it (and the PDF writers draw it): an emblem 22-28 mm
# tall in a middle column about a quarter of the text's width; the signature in a block of a
# little under half the width on the left.
LOGO_HEIGHT_MM = 25
LOGO_COLUMN = 0.26
SIGNATURE_BLOCK = 0.42
LOGO_PICTURE_ID = 1000  # the body's pictures count from 1 (python-docx), the header's logo apart
FOOTER_GREY = "333333"
ALT_REFERENCE_CHARS = 80  # alternative text is heard whole: a longer reference is cut, with "…"
LRM, RLM, WORD_JOINER, ZWJ, VS16 = "\u200e", "\u200f", "\u2060", "\u200d", "\ufe0f"
NO_BREAK_SPACE = "\u202f"  # narrow: LibreOffice breaks at U+00A0 beside bidi marks
LINK_SCHEMES = ("http://", "https://", "mailto:")
EMU_PER_TWIP = 635


def svg_png(logo: Logo, height_mm: float) -> bytes:
    """The SVG emblem's PNG copy (`svgimage`), for the readers that do not draw SVG."""
    return svgimage.svg_png(logo, height_mm, "a DOCX holds an SVG logo beside a PNG of it")


def _svg_part(part, data: bytes) -> str:
    """The SVG as an image part of `part` (a header), and the id of the relationship to it."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    package = part.package
    name = package.next_partname("/word/media/image%d.svg")
    svg = Part(PackURI(name), "image/svg+xml", data, package)
    return part.relate_to(svg, RT.IMAGE)


def render(document: Document, *, template: Path | None = None, embed_fonts: bool = True) -> bytes:
    word = _open(template)
    writer = _Writer(word, document, own_template=template is None)
    writer.write()
    _list_fallback_fonts(word, writer.used)
    if embed_fonts:
        _embed(word, writer.used)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _open(template: Path | None):
    import docx

    if template is None:
        return docx.Document(str(templates_dir() / DEFAULT_TEMPLATE))
    path = Path(template)
    data = read_template(path)
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as err:  # python-docx, zipfile and lxml each raise their own kinds
        raise UsageError(
            f"--docx-template {path}: not a usable Word .docx or .dotx file "
            f"({type(err).__name__}: {err})"
        ) from None


# A letterhead is a few megabytes; these bounds leave room for embedded fonts and large header
# art, and keep the refusal of a zip bomb (a megabyte that inflates to gigabytes) within a few
# megabytes of memory and a fraction of a second: sizes are counted while inflating, never taken
# from the zip's own claims.
PART_LIMIT = 64 * 1024 * 1024
XML_PART_LIMIT = 16 * 1024 * 1024  # parsed into a tree many times its size
TOTAL_LIMIT = 256 * 1024 * 1024
MAX_PARTS = 10_000
_CHUNK = 1024 * 1024
_CONTENT_TYPES = "[Content_Types].xml"
_XML_SUFFIXES = (".xml", ".rels", ".vml")


def read_template(path: Path) -> bytes:
    """The letterhead at `path` as a package python-docx can open: every part read with a size
    limit, every XML part parsed without DTDs or entities, external relationships (and what
    refers to them) dropped, a .dotx relabelled as a document. A UsageError names the part that
    cannot be used.

    Read twice: first to check (one part held at a time, so a bomb costs no memory), then to keep.
    """
    where = f"--docx-template {path}"
    try:
        size = path.stat().st_size
        package = zipfile.ZipFile(path)
    except OSError as err:
        raise UsageError(f"{where}: {err.strerror or err}") from None
    except (zipfile.BadZipFile, ValueError, EOFError) as err:
        raise UsageError(
            f"{where}: not a usable Word .docx or .dotx file (not a zip archive: {err})"
        ) from None
    with package:
        if size > TOTAL_LIMIT:
            raise UsageError(f"{where}: larger than {_mb(TOTAL_LIMIT)}; not a letterhead")
        items = _entries(package, where)
        types = _content_types(package, items, where)
        dropped = _check(package, items, types, where)
        return _rebuilt(package, items, dropped, where)


def _mb(size: int) -> str:
    return f"{size // 1024 // 1024} MB"


def _entries(package: zipfile.ZipFile, where: str) -> list[zipfile.ZipInfo]:
    """The zip's members, checked before any is inflated."""
    infos = package.infolist()
    if len(infos) > MAX_PARTS:
        raise UsageError(f"{where}: {len(infos)} parts; a Word file has a few dozen")
    seen, items = set(), []
    for info in infos:
        name = one_line(info.filename)
        if info.filename.lower() in seen:
            raise UsageError(f"{where}: {name}: listed twice in the archive")
        seen.add(info.filename.lower())
        if info.flag_bits & 0x1:
            raise UsageError(f"{where}: {name}: encrypted; reportkit reads unencrypted files")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UsageError(
                f"{where}: {name}: compressed with method {info.compress_type}, "
                f"which Word does not write"
            )
        if info.file_size > PART_LIMIT:  # a claim, but one worth believing when it says no
            raise UsageError(f"{where}: {name}: larger than {_mb(PART_LIMIT)}")
        if not info.is_dir():
            items.append(info)
    return items


def _chunks(package: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, where: str):
    """A member's bytes, inflated a megabyte at a time, refused as soon as they pass `limit`."""
    import zlib

    name = one_line(info.filename)
    size = 0
    try:
        with package.open(info) as member:
            while chunk := member.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    what = "an XML part" if limit == XML_PART_LIMIT else "a part"
                    raise UsageError(f"{where}: {name}: larger than {_mb(limit)} ({what})")
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as err:
        raise UsageError(f"{where}: {name}: damaged ({err})") from None


def _read(package: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, where: str) -> bytes:
    return b"".join(_chunks(package, info, limit, where))


def _content_types(package: zipfile.ZipFile, items: list[zipfile.ZipInfo], where: str):
    """[Content_Types].xml, parsed: (defaults by extension, overrides by part name)."""
    info = next((i for i in items if i.filename == _CONTENT_TYPES), None)
    if info is None:
        raise UsageError(f"{where}: not a Word file (it has no {_CONTENT_TYPES})")
    root = _xml(_read(package, info, XML_PART_LIMIT, where), info.filename, where)
    defaults, overrides = {}, {}
    for element in root:
        local = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if local == "Default":
            defaults[element.get("Extension", "").lower()] = element.get("ContentType", "")
        elif local == "Override":
            overrides[element.get("PartName", "").lower()] = element.get("ContentType", "")
    return defaults, overrides


def _is_xml(info: zipfile.ZipInfo, types) -> bool:
    defaults, overrides = types
    name = info.filename
    kind = overrides.get(f"/{name}".lower()) or defaults.get(name.rsplit(".", 1)[-1].lower(), "")
    return kind.endswith("xml") or name.lower().endswith(_XML_SUFFIXES)


def _xml(data: bytes, name: str, where: str):
    try:
        return x.parse_part(data)
    except x.NotUsableXml as err:
        raise UsageError(f"{where}: {one_line(name)}: not usable XML ({err})") from None


def _check(package: zipfile.ZipFile, items, types, where: str) -> dict[str, set[str]]:
    """Inflate every part within its limit and the total, parse every XML part; the external
    relationship ids to drop, by part (each .rels part and the part it belongs to)."""
    total, dropped = 0, {}
    for info in items:
        if _is_xml(info, types):
            data = _read(package, info, XML_PART_LIMIT, where)
            size = len(data)
            root = _xml(data, info.filename, where)
            if info.filename.endswith(".rels"):
                ids = x.drop_external_relationships(root)
                if ids:
                    dropped[info.filename] = ids
                    source = _rels_source(info.filename)
                    if source:
                        dropped.setdefault(source, set()).update(ids)
            del data, root
        else:
            size = sum(len(chunk) for chunk in _chunks(package, info, PART_LIMIT, where))
        total += size
        if total > TOTAL_LIMIT:
            raise UsageError(
                f"{where}: {one_line(info.filename)}: the parts up to this one come to more "
                f"than {_mb(TOTAL_LIMIT)}; not a letterhead"
            )
    return dropped


def _rels_source(name: str) -> str | None:
    """The part a relationships part belongs to (word/_rels/settings.xml.rels →
    word/settings.xml); None for the package's own _rels/.rels."""
    folder, _, base = name.rpartition("_rels/")
    if not base.endswith(".rels") or (folder and not folder.endswith("/")):
        return None
    return (folder + base[: -len(".rels")]) or None


def _rebuilt(package: zipfile.ZipFile, items, dropped: dict[str, set[str]], where: str) -> bytes:
    """The checked parts in a new (stored) zip, without external relationships."""
    from lxml import etree

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as rebuilt:
        for info in items:
            name = info.filename
            limit = XML_PART_LIMIT if name in dropped or name == _CONTENT_TYPES else PART_LIMIT
            data = _read(package, info, limit, where)
            if name in dropped:
                root = x.parse_part(data)  # parsed once already: it is usable
                if name.endswith(".rels"):
                    x.drop_external_relationships(root)
                else:
                    x.drop_references(root, dropped[name])
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            if name == _CONTENT_TYPES:
                data = data.replace(_TEMPLATE_TYPE, _DOCUMENT_TYPE)  # a .dotx opens as a document
            rebuilt.writestr(name, data)
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


def link_target(href: str) -> str | None:
    """The relationship target for a run's `href`: web and e-mail addresses only (a record is
    untrusted: no file:, javascript: or other scheme reaches Word), as an ASCII URI."""
    if not href.lower().startswith(LINK_SCHEMES):
        return None
    return quote(href, safe=":/?#[]@!$&'()*+,;=%~-._")


def _is_rtl_letter(char: str) -> bool:
    return unicodedata.bidirectional(char) in ("R", "AL")


def _covers(family: str, char: str) -> bool:
    from ...glyphs import coverage  # the glyph check's cached coverage, read once per font

    return ord(char) in coverage(family)


def _attaches(text: str, i: int) -> bool:
    """True where character `i` belongs to the character before it and must share its font:
    marks, joiners, variation selectors, emoji modifiers and what a ZWJ joins."""
    char = text[i]
    return (
        unicodedata.category(char) in ("Mn", "Me", "Cf")
        or 0xFE00 <= ord(char) <= 0xFE0F
        or 0x1F3FB <= ord(char) <= 0x1F3FF
        or text[i - 1] == ZWJ
    )


@lru_cache(maxsize=4096)
def font_runs(text: str, rtl: bool) -> tuple[tuple[str, str | None], ...]:
    """`text` cut where the font that draws it changes: (piece, family), where family is None
    for the run's own text font (Noto Naskh Arabic for a right-to-left run, Noto Serif for a
    left-to-right one) and otherwise the next font of `resources.font_stack` that has the
    character: the other text font (brackets and signs Naskh lacks), then the symbol, math and
    emoji fallbacks. A character followed by VS16 asks for emoji presentation and takes the
    emoji font where that has it. A character no font has stays in the run's own font."""
    stack = font_stack("rtl" if rtl else "ltr")
    own, others = stack[0], stack[1:]
    pieces: list[list] = []
    for i, char in enumerate(text):
        if pieces and _attaches(text, i):
            pieces[-1][0] += char
            continue
        family = None
        if not _covers(own, char):
            wants_emoji = text[i + 1 : i + 2] == VS16
            if wants_emoji and _covers(EMOJI_FAMILY, char):
                family = EMOJI_FAMILY
            else:
                family = next((f for f in others if _covers(f, char)), None)
        if pieces and pieces[-1][1] == family:
            pieces[-1][0] += char
        else:
            pieces.append([char, family])
    return tuple((piece, family) for piece, family in pieces)


DIGITS = "0123456789"
# digits, with the marks and joiners that follow them (they stay in one run with them)
_DIGIT_RUNS = re.compile(r"[0-9][0-9\u200e\u200f\u2060]*|[^0-9]+")


def word_family(family: str) -> str:
    """The name Word and LibreOffice know `family` by: the one in its font file."""
    from .fonts import family_in_file

    return family_in_file(font_path(family), family)


class _Writer:
    def __init__(self, word, document: Document, *, own_template: bool = True):
        self.word = word
        self.doc = document
        self.own = own_template  # reportkit's template: its styles get reportkit's look
        self.rtl = document.dir == "rtl"
        arabic = next((lang for lang in document.languages if lang in BIDI_LANG), "ar")
        self.bidi_lang = BIDI_LANG.get(arabic, "ar-SA")
        locale = str(document.options.get("locale") or "")
        if locale.lower().startswith(f"{arabic}-"):
            self.bidi_lang = locale  # the office's own variant: ar-MA, ar-EG…
        latin = next((lang for lang in document.languages if direction(lang) == "ltr"), "en")
        self.latin_lang = LATIN_LANG.get(latin, latin)
        self.style_ids: dict[str, str] = {}
        self.num_ids: dict[tuple[str, int], int] = {}
        self.link_style: str | None = None
        self.designed: set[str] = set()  # ids of the letterhead's styles that keep their fonts
        # family (as resources names it) → the texts drawn in it: what to list and embed
        self.used: dict[str, list[str]] = {}

    # --- the file's defaults: what a user typing into it later gets -------------------------

    def write(self) -> None:
        self._logo_picture()  # before any work: an SVG that cannot be drawn is the user's to change
        if not self.own:
            self._pin_letterhead_direction()
            self._letterhead_pictures()
            self._template_text()
        self._clear_body()
        self._drop_stale_parts()
        self._defaults()
        self._styles()
        self._theme()
        self._numbering()
        self._section()
        self._properties()
        self._title_block()
        if self.doc.notice:
            for span in self.doc.notice:
                self._paragraph(self._add_p(self.word, "RKNotice"), span)
        if self.doc.bilingual:
            self._pairs()
        else:
            for block in self.doc.blocks:
                self._block(block, 0, self.word)
        self._signature()
        if self.doc.verification:
            self._verification()

    # --- the office's letterhead (--letterhead) --------------------------------------------------

    def _band(self) -> bool:
        """True when the letterhead has a top band for page one: lines or an emblem."""
        lh = self.doc.letterhead
        return lh is not None and bool(lh.right or lh.left or lh.logo is not None)

    def _logo_picture(self) -> None:
        """An SVG emblem's PNG, drawn before any work (a failure is one line and no file): the
        picture readers without SVG pictures show (LibreOffice, Word before 2016)."""
        lh = self.doc.letterhead
        self.logo_png = None
        if lh is not None and lh.logo is not None and lh.logo.mime == "image/svg+xml":
            self.logo_png = svg_png(lh.logo, LOGO_HEIGHT_MM)

    def _letterhead_band(self, header) -> None:
        """Page one's letterhead, as official stationery sets it: the right block (the Arabic
        side), the emblem in the middle and the left block, in a borderless layout table whose
        columns keep their widths; each line centred in its block. Then a thin rule, and the
        reference on the start side, where Arab correspondence writes المرجع (the running
        header, which carries it on the other pages, is not on page one)."""
        from docx.enum.table import WD_ALIGN_VERTICAL

        lh = self.doc.letterhead
        logo_width = round(self.text_width * LOGO_COLUMN) if lh.logo is not None else 0
        side = (self.text_width - logo_width) // 2
        right = (lh.right, (26, 24))  # half-points: the first line a little larger
        left = (lh.left, (22, 21))
        middle = None if lh.logo is None else ((), ())
        # A right-to-left table starts on the right: its cells are in reading order either way.
        blocks = [right, middle, left] if self.rtl else [left, middle, right]
        blocks = [block for block in blocks if block is not None]
        widths = [side if block is not middle else logo_width for block in blocks]
        table = header.add_table(rows=1, cols=len(blocks), width=self.text_width)
        x.table_direction(table._tbl, self.rtl)
        x.table_borders(table._tbl)
        x.fixed_layout(table._tbl)
        x.table_look(table._tbl)  # a layout table: no header row or column to announce
        x.table_description(table._tbl, self._alt("letterhead_table"))
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
        for cell, width, block in zip(table.rows[0].cells, widths, blocks, strict=True):
            cell.width = width
            cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
            first = cell.paragraphs[0]
            if block is middle:
                self._emblem(first, width)
                continue
            spans, sizes = block
            x.paragraph_direction(first._p.get_or_add_pPr(), self.rtl, explicit=True)
            for k, span in enumerate(spans):
                p = first if k == 0 else cell.add_paragraph()
                size = sizes[0] if k == 0 else sizes[1]
                self._paragraph(p, span, style="Header", bold=True, size=size, align="center")
        rule = self._add_p(header, "Header")
        ppr = rule._p.get_or_add_pPr()
        x.paragraph_direction(ppr, self.rtl, explicit=True)
        x.spacing(ppr, 0, 60, 240)
        x.size(x.child(ppr, "rPr", x.P_PR), 2)
        x.rule_below(ppr, NAVY, sz=4, space=1)
        # The reference on the start side, the date facing it at the end side (after a tab to
        # the far edge), as Arab correspondence writes المرجع and التاريخ under the letterhead.
        lang = self.doc.lang
        labelled = [
            (key, span) for key, span in (("reference", self.doc.reference), ("date", lh.date))
        ]
        labelled = [(key, span) for key, span in labelled if span is not None]
        if labelled:
            p = self._add_p(header, "Header")
            ppr = p._p.get_or_add_pPr()
            x.child(ppr, "pStyle", x.P_PR, val=self.style_ids["Header"])
            x.paragraph_direction(ppr, self.rtl, explicit=True)
            x.alignment(ppr, "start")
            if lh.date is not None:
                x.end_tab(ppr, self.text_width // EMU_PER_TWIP, self._style_tabs("Header"))
            for key, span in labelled:
                if key == "date":
                    x.tab_run(p._p, self.rtl)
                self._runs(p, Span(label(lang, key) + ": ", lang), bold=True, size=22, rtl=self.rtl)
                self._runs(p, span, size=22, rtl=self.rtl)

    def _style_tabs(self, style: str) -> list[str]:
        """The positions of the tab stops a paragraph style sets, through its basedOn chain."""
        styles = self.word.styles.element
        by_id = {s.get(x.qn("w:styleId")): s for s in styles.findall(x.qn("w:style"))}
        found, style_id, seen = [], self.style_ids.get(style, style), set()
        while style_id in by_id and style_id not in seen:
            seen.add(style_id)
            element = by_id[style_id]
            found += [
                tab.get(x.qn("w:pos"))
                for tab in element.iterfind(f"{x.qn('w:pPr')}/{x.qn('w:tabs')}/{x.qn('w:tab')}")
                if tab.get(x.qn("w:val")) != "clear"
            ]
            based = element.find(x.qn("w:basedOn"))
            style_id = based.get(x.qn("w:val")) if based is not None else None
        return found

    def _emblem(self, p, column: int) -> None:
        """The logo centred in its column, LOGO_HEIGHT high (narrower if its column asks),
        proportions kept, described in each document language."""
        from docx.shared import Mm

        logo = self.doc.letterhead.logo
        ppr = p._p.get_or_add_pPr()
        x.paragraph_direction(ppr, self.rtl, explicit=True)
        x.alignment(ppr, "center")
        x.spacing(ppr, 0, 0)
        height = Mm(LOGO_HEIGHT_MM)
        width = round(height * logo.width / logo.height)
        room = column - Mm(4)  # the cell's own margins
        if width > room:
            width, height = room, round(room * logo.height / logo.width)
        if logo.mime == "image/svg+xml":
            # the PNG is what the blip names; the SVG goes beside it, for Word to draw
            picture = p.add_run().add_picture(io.BytesIO(self.logo_png), width=width, height=height)
            x.svg_blip(picture._inline, _svg_part(p.part, logo.data))
        else:
            picture = p.add_run().add_picture(io.BytesIO(logo.data), width=width, height=height)
        x.picture_id(picture._inline, LOGO_PICTURE_ID)
        alts = self.doc.letterhead.logo_alt
        x.alt_text(
            picture._inline,
            " / ".join(label(span.lang, "emblem") for span in alts),
            "\n".join(span.text for span in alts),
        )

    def _signature(self) -> None:
        """The signatory at the end of the report, on the left of the page as Arab official
        letters sign: the title, room for the hand signature and the seal, then the name, each
        centred in a block as wide as SIGNATURE_BLOCK of the text. The lines keep together and
        with the last words they sign."""
        lh = self.doc.letterhead
        if lh is None or not lh.signature:
            return
        name, title = lh.signature[0], lh.signature[1] if len(lh.signature) > 1 else None
        body = self.word.element.body
        last = body[-2] if len(body) > 1 else None  # the last block before the section's setup
        if last is not None and last.tag == x.qn("w:p"):
            x.keep_with_next(last.get_or_add_pPr())
        away = round(self.text_width * (1 - SIGNATURE_BLOCK)) // EMU_PER_TWIP
        lines = [title, name] if title is not None else [name]
        for k, span in enumerate(lines):
            p = self._add_p(self.word, "Normal")
            self._paragraph(p, span, bold=True, align="center")
            ppr = p._p.get_or_add_pPr()
            # the block stands on the page's left: the indent is on the right-hand side
            rtl = span.dir == "rtl"
            x.indent_sides(ppr, start=away if rtl else 0, end=0 if rtl else away)
            x.keep_lines(ppr)
            if k < len(lines) - 1:
                x.keep_with_next(ppr)
            # twips: 12 mm above the block, 16 mm for the hand signature and the seal
            x.spacing(ppr, 680 if k == 0 else 907, 0)

    def _basmala(self) -> None:
        """The basmala, centred above the title block."""
        lh = self.doc.letterhead
        if lh is None or lh.basmala is None:
            return
        p = self._add_p(self.word, "Normal")
        self._paragraph(p, lh.basmala, bold=True, size=30, align="center")
        ppr = p._p.get_or_add_pPr()
        x.spacing(ppr, 0, 280)
        x.keep_with_next(ppr)

    def _template_text(self) -> None:
        """The text of the letterhead template's headers and footers, which the document's
        default fonts now draw: the embedded subsets must have its characters too."""
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        for rel in self.word.part.rels.values():
            if rel.reltype not in (RT.HEADER, RT.FOOTER) or rel.is_external:
                continue
            text = "".join(t.text or "" for t in rel.target_part.element.iter(x.qn("w:t")))
            if text:
                self.used.setdefault(LATIN_FAMILY, []).append(text)

    def _verification(self) -> None:
        """The last page's verification block: the QR code of the reference and the record's
        SHA-256 beside the same in words, in each language of the document."""
        from docx.shared import Mm

        from ...verification import verification_qr_png

        v = self.doc.verification
        body = self.word.element.body
        last = body[-2] if len(body) > 1 else None  # the last block before the section's setup
        # Two empty paragraphs in a row are "repeated blank characters" to Word's accessibility
        # checker: the bilingual table already ends with one.
        if last is None or last.tag != x.qn("w:p") or last.find(x.qn("w:r")) is not None:
            self._spacer(self.word, "Normal")
        table = self.word.add_table(rows=1, cols=2)
        x.table_direction(table._tbl, self.rtl)
        x.table_borders(table._tbl, outside=True, color_hex=NAVY)
        x.cant_split_row(table.rows[0]._tr)
        qr_cell, text_cell = table.rows[0].cells
        qr_cell.width, text_cell.width = Mm(34), self.text_width - Mm(34)
        x.paragraph_direction(qr_cell.paragraphs[0]._p.get_or_add_pPr(), self.rtl, explicit=True)
        run = qr_cell.paragraphs[0].add_run()
        picture = run.add_picture(
            io.BytesIO(verification_qr_png(v.reference, v.sha256)), width=Mm(30)
        )
        # Each language on its own line: a screen reader (and Word's Alt Text pane) takes each
        # line in its own direction.
        x.alt_text(
            picture._inline,
            " / ".join(label(lang, "verification_code") for lang in self.doc.languages),
            "\n".join(_qr_description(v, lang) for lang in self.doc.languages),
        )
        x.table_look(table._tbl)
        x.table_description(table._tbl, self._alt("verification_table"))
        first = True
        for i, lang in enumerate(self.doc.languages):
            rtl = direction(lang) == "rtl"
            p = text_cell.paragraphs[0] if first else text_cell.add_paragraph()
            first = False
            self._paragraph(p, v.heading[i], style="RKField", bold=True, color=NAVY, base_rtl=rtl)
            if v.reference and self.doc.reference:
                p = text_cell.add_paragraph()
                self._paragraph(
                    p,
                    Span(label(lang, "reference") + ": ", lang),
                    style="RKField",
                    bold=True,
                    base_rtl=rtl,
                )
                self._runs(p, self.doc.reference, size=18, rtl=rtl)
            p = text_cell.add_paragraph()
            self._paragraph(
                p,
                Span(v.fingerprint_label[i].text + ": ", lang),
                style="RKField",
                bold=True,
                base_rtl=rtl,
            )
            self._runs(p, Span(v.sha256, "en"), size=14, rtl=False)
            p = text_cell.add_paragraph()
            self._paragraph(p, v.hint[i], style="RKField", size=16, base_rtl=rtl)

    def _alt(self, key: str) -> str:
        """An alternative text (the label `key`) in each language of the document, a line each,
        the first language first."""
        first, second = self.doc.languages[0], self.doc.languages[-1]
        return "\n".join(
            label(lang, key).format(
                first=language_name(lang, first), second=language_name(lang, second)
            )
            for lang in self.doc.languages
        )

    def _letterhead_pictures(self) -> None:
        """Pictures in the letterhead's headers and footers that say nothing of themselves are
        marked decorative. reportkit cannot know what they show (a logo, a seal, a rule, another
        office's emblem), and a wrong description is worse than none; they are page furniture,
        which screen readers leave out of the reading and tagged PDFs make artifacts, and the
        office's name is text in the running header beneath them. A description the letterhead
        gives is kept."""
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        for rel in self.word.part.rels.values():
            if rel.reltype not in (RT.HEADER, RT.FOOTER) or rel.is_external:
                continue
            for doc_pr in list(rel.target_part.element.iter(f"{{{x.WP_NS}}}docPr")):
                if not x.has_alt_text(doc_pr) and not x.holds_text(doc_pr.getparent()):
                    x.decorative(doc_pr)

    def _clear_body(self) -> None:
        body = self.word.element.body
        for element in list(body):
            if element.tag != x.qn("w:sectPr"):
                body.remove(element)
        body.get_or_add_sectPr()  # a template without one still gets a page setup

    def _pin_letterhead_direction(self) -> None:
        """The letterhead's header and footer art keeps the direction it was drawn in: each of
        its paragraphs and runs states the direction it inherits now, before reportkit turns the
        styles and defaults it inherits from right to left (and takes w:rtl out of them)."""
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        styles = self.word.styles.element
        by_id, default_style = {}, None
        for style in styles.findall(x.qn("w:style")):
            by_id[style.get(x.qn("w:styleId"))] = style
            if style.get(x.qn("w:type")) == "paragraph" and x.is_on_attr(style, "default"):
                default_style = style.get(x.qn("w:styleId"))
        defaults = styles.find(x.qn("w:docDefaults"))

        def inherited(style_id: str | None, props: str, tag: str) -> bool:
            seen = set()
            style_id = style_id or default_style
            while style_id in by_id and style_id not in seen:
                seen.add(style_id)
                element = by_id[style_id].find(f"{x.qn(f'w:{props}')}/{x.qn(f'w:{tag}')}")
                if element is not None:
                    return x.is_on(element)
                based = by_id[style_id].find(x.qn("w:basedOn"))
                style_id = based.get(x.qn("w:val")) if based is not None else None
            default = f"{props}Default"
            element = None
            if defaults is not None:
                element = defaults.find(
                    f"{x.qn(f'w:{default}')}/{x.qn(f'w:{props}')}/{x.qn(f'w:{tag}')}"
                )
            return element is not None and x.is_on(element)

        for rel in self.word.part.rels.values():
            if rel.reltype not in (RT.HEADER, RT.FOOTER) or rel.is_external:
                continue
            for p in rel.target_part.element.iter(x.qn("w:p")):
                ppr = p.get_or_add_pPr()
                style = ppr.find(x.qn("w:pStyle"))
                style_id = style.get(x.qn("w:val")) if style is not None else None
                if ppr.find(x.qn("w:bidi")) is None:
                    x.paragraph_direction(ppr, inherited(style_id, "pPr", "bidi"), explicit=True)
                for r in p.iter(x.qn("w:r")):
                    rpr = r.find(x.qn("w:rPr"))
                    if rpr is not None and rpr.find(x.qn("w:rtl")) is not None:
                        continue
                    if inherited(style_id, "rPr", "rtl"):
                        x.run_direction(r.get_or_add_rPr(), True)

    def _drop_stale_parts(self) -> None:
        """Parts of the template that would contradict the new document: Word 2010 reads its
        styles from stylesWithEffects.xml when present (the fixes below would not reach it), and
        the template's thumbnail shows the template's first page."""
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        for rels, kinds in (
            (self.word.part.rels, {_STYLES_WITH_EFFECTS}),
            (self.word.part.package.rels, {RT.THUMBNAIL}),
        ):
            for rid in [rid for rid, rel in rels.items() if rel.reltype in kinds]:
                del rels[rid]

    def _defaults(self) -> None:
        styles = self.word.styles.element
        defaults = styles.find(x.qn("w:docDefaults"))
        if defaults is None:
            defaults = x.OxmlElement("w:docDefaults")
            styles.insert(0, defaults)
        rpr_default = x.child(defaults, "rPrDefault", ["rPrDefault", "pPrDefault"])
        rpr = x.child(rpr_default, "rPr", ["rPr"])
        if self.own or rpr.find(x.qn("w:sz")) is None:
            x.size(rpr, 24)
        self._fonts_and_language(rpr)
        x.run_direction(rpr, False)  # direction is each run's own, never a default
        x.complex_script_like_latin(rpr)
        ppr_default = x.child(defaults, "pPrDefault", ["rPrDefault", "pPrDefault"])
        ppr = x.child(ppr_default, "pPr", ["pPr"])
        x.paragraph_direction(ppr, self.rtl)
        settings = self.word.settings.element
        x.child(settings, "themeFontLang", x.SETTINGS, val=self.latin_lang, bidi=self.bidi_lang)

    def _fonts_and_language(self, rpr) -> None:
        x.fonts(rpr, LATIN_FAMILY, ARABIC_FAMILY)
        x.language(rpr, self.latin_lang, self.bidi_lang)

    def _styles(self) -> None:
        from docx.enum.style import WD_STYLE_TYPE

        styles = self.word.styles
        by_id, by_name = {}, {}
        for element in styles.element.findall(x.qn("w:style")):
            if element.get(x.qn("w:type")) == "paragraph":
                by_id.setdefault(element.get(x.qn("w:styleId")), element)
                name = element.find(x.qn("w:name"))
                if name is not None:
                    by_name.setdefault(name.get(x.qn("w:val"), "").lower(), element)
        normal = by_id.get("Normal")
        if normal is None:
            normal = by_name.get("normal")
        for style_id, (name, size, bold, align, before, after) in STYLES.items():
            element = by_id.get(style_id)
            if element is None:
                element = by_name.get(name.lower())
            added = element is None
            if added:
                style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
                element = style.element
                element.set(x.qn("w:styleId"), style_id)
                if normal is not None and style_id != "Normal":
                    x.child(element, "basedOn", x.STYLE, val=normal.get(x.qn("w:styleId")))
                if style_id == "Normal":
                    normal = element
                x.child(element, "qFormat", x.STYLE)
            self.style_ids[style_id] = element.get(x.qn("w:styleId"))
            for tag in ("hidden", "semiHidden"):
                x.remove(element, tag)
            ppr = element.get_or_add_pPr()
            rpr = element.get_or_add_rPr()
            x.paragraph_direction(ppr, self.rtl)
            # A letterhead's styles keep their look. Its title and heading styles only when it
            # designed them, naming fonts of its own (then they keep those fonts too): the blank
            # template's headings, in theme fonts, were never chosen, and would take the title's
            # font and centring.
            heading = style_id in ("Title", *HEADINGS)
            designed = not self.own and not added and heading and x.names_fonts(rpr)
            if designed:
                self.designed.add(self.style_ids[style_id])
            if self.own or added or (heading and not designed):
                x.alignment(ppr, align)
                titled = style_id in ("Title", "Heading1")
                x.spacing(ppr, before, after, 240 if titled else 300)
                if titled:
                    x.rule_below(ppr, TITLE_RULE)
                    x.contextual_spacing(ppr)
                for tag in ("spacing", "kern"):  # letter spacing pulls joined letters apart
                    x.remove(rpr, tag)
                x.size(rpr, size)
                x.bold(rpr, bold)
                if style_id in ("Title", "RKOrganizer", *HEADINGS):
                    x.color(rpr, NAVY)
            if designed:
                x.language(rpr, self.latin_lang, self.bidi_lang)
            else:
                self._fonts_and_language(rpr)
            x.run_direction(rpr, False)
            x.complex_script_like_latin(rpr)
            if style_id in HEADINGS:
                x.keep_with_next(ppr)
                x.outline_level(ppr, HEADINGS[style_id])
        # Theme fonts (w:asciiTheme, w:cstheme…) override explicit fonts wherever they stand; the
        # template's own styles name them, and Word's Arabic would take the theme's empty slot.
        for rfonts in styles.element.iter(x.qn("w:rFonts")):
            for theme in _THEME_ATTRS:
                rfonts.attrib.pop(x.qn(f"w:{theme}"), None)

    def _theme(self) -> None:
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from lxml import etree

        a = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
        for rel in self.word.part.rels.values():
            if rel.reltype != RT.THEME or rel.is_external:
                continue
            part = rel.target_part
            root = etree.fromstring(part.blob, x.safe_parser())  # resolves no entity
            for font in ("majorFont", "minorFont"):
                for scheme in root.iter(f"{a}{font}"):
                    for tag, family in (("cs", ARABIC_FAMILY), ("latin", LATIN_FAMILY)):
                        element = scheme.find(f"{a}{tag}")
                        if element is not None:
                            element.set("typeface", family)
                    # Word takes the script's own entry when the language is Arabic
                    for element in scheme.findall(f"{a}font[@script='Arab']"):
                        element.set("typeface", ARABIC_FAMILY)
            part._blob = etree.tostring(
                root, xml_declaration=True, encoding="UTF-8", standalone=True
            )

    def _numbering(self) -> None:
        """Real Word lists: one definition per kind and direction, one list (w:num) per kind and
        language, so that each column of a bilingual document counts from 1."""
        numbering = self.word.part.numbering_part.element
        abstracts = [
            int(n.get(x.qn("w:abstractNumId"))) for n in numbering.findall(x.qn("w:abstractNum"))
        ]
        nums = [int(n.get(x.qn("w:numId"))) for n in numbering.findall(x.qn("w:num"))]
        next_abstract = max(abstracts, default=0) + 1
        next_num = max(nums, default=0) + 1
        definitions: dict[tuple[str, bool], int] = {}
        for i, lang in enumerate(self.doc.languages):
            rtl = direction(lang) == "rtl"
            for kind in ("numbered", "bullet"):
                if (kind, rtl) not in definitions:
                    abstract = self._list_definition(next_abstract, kind, rtl)
                    x.child_before(numbering, abstract, ("num", "numIdMacAtCleanup"))
                    definitions[(kind, rtl)] = next_abstract
                    next_abstract += 1
                num = x.OxmlElement("w:num")
                num.set(x.qn("w:numId"), str(next_num))
                x.child(num, "abstractNumId", ["abstractNumId"], val=str(definitions[(kind, rtl)]))
                x.child_before(numbering, num, ("numIdMacAtCleanup",))
                self.num_ids[(kind, i)] = next_num
                next_num += 1

    def _list_definition(self, number: int, kind: str, rtl: bool):
        abstract = x.OxmlElement("w:abstractNum")
        abstract.set(x.qn("w:abstractNumId"), str(number))
        x.child(abstract, "multiLevelType", ["multiLevelType", "lvl"], val="singleLevel")
        lvl = x.OxmlElement("w:lvl")
        lvl.set(x.qn("w:ilvl"), "0")
        abstract.append(lvl)
        order = ["start", "numFmt", "lvlText", "lvlJc", "pPr", "rPr"]
        numbered = kind == "numbered"
        x.child(lvl, "start", order, val="1")
        x.child(lvl, "numFmt", order, val=self._number_format(rtl) if numbered else "bullet")
        x.child(lvl, "lvlText", order, val="%1." if numbered else "•")
        # Word reads lvlJc "left" as the start side in a bidi paragraph, as it reads w:jc;
        # LibreOffice reads it as the physical left: the number then grows from its anchor toward
        # the right margin. Word's own list geometry (text at 720, number anchored 360 twips in
        # from the margin) keeps a number of up to 360 twips inside the text area in both.
        x.child(lvl, "lvlJc", order, val="left")
        ppr = x.child(lvl, "pPr", order)
        x.paragraph_direction(ppr, rtl, explicit=self.rtl)
        x.indent(ppr, 720, 360)
        rpr = x.child(lvl, "rPr", order)
        self._run_props(rpr, rtl=rtl, bold=numbered)
        if numbered:
            x.color(rpr, NAVY)
        return abstract

    def _number_format(self, rtl: bool) -> str:
        if rtl and self.doc.digits == "arabic-indic":
            return "hindiNumbers"
        return "decimal"

    def _section(self) -> None:
        from docx.shared import Mm

        section = self.word.sections[-1]
        if section.page_width is None or section.page_height is None:
            section.page_width, section.page_height = Mm(210), Mm(297)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            if getattr(section, side) is None:
                setattr(section, side, Mm(20))
        x.section_direction(section._sectPr, self.rtl)
        self.text_width = section.page_width - section.left_margin - section.right_margin
        band = self._band()
        if band:  # page one's header holds the letterhead (w:titlePg and a first-page header)
            section.different_first_page_header_footer = True
        pairs = [(section.header, section.footer, False)]
        if section.different_first_page_header_footer:
            pairs.append((section.first_page_header, section.first_page_footer, band))
        if self.word.settings.odd_and_even_pages_header_footer:
            pairs.append((section.even_page_header, section.even_page_footer, False))
        done: set[str] = set()  # a letterhead may use one header part for several kinds
        for header, footer, first in pairs:
            fill_header = functools.partial(self._header, letterhead=first)
            for story, fill in ((header, fill_header), (footer, self._footer)):
                new = story.is_linked_to_previous  # no definition yet: python-docx adds one
                story.is_linked_to_previous = False
                if story.part.partname in done:
                    continue
                done.add(story.part.partname)
                if new:  # its placeholder paragraph would stand empty above our content
                    _drop_empty_paragraphs(story._element)
                fill(story)

    def _header(self, header, *, letterhead: bool = False) -> None:
        """The running header: organizer at the start side, reference at the end side, below
        whatever art the letterhead's header holds (page one's, with --letterhead: the office's
        letterhead instead); the marking band and the draft watermark, which Word draws from the
        header on every page."""
        if self.doc.marking:
            p = self._add_p(header, "Header")
            self._paragraph(
                p,
                self.doc.marking,
                style="Header",
                bold=True,
                size=24,
                align="center",
                color=MARKING_RED,
            )
            x.box_border(p._p.get_or_add_pPr(), MARKING_RED)
        if self.doc.draft:
            p = self._add_p(header, "Header")
            x.paragraph_direction(p._p.get_or_add_pPr(), self.rtl, explicit=True)
            text = " · ".join(span.text for span in self.doc.draft)
            font = ARABIC_FAMILY if self.rtl else LATIN_FAMILY
            p._p.append(x.watermark_run(text, font))
            self.used.setdefault(font, []).append(text)
        if letterhead:
            self._letterhead_band(header)
            self._spacer(header, "Header")
            return
        table = header.add_table(rows=1, cols=2, width=self.text_width)
        x.table_direction(table._tbl, self.rtl)
        x.table_borders(table._tbl)
        x.table_look(table._tbl)
        start, end = table.rows[0].cells
        # The short one-line forms the PDF engines repeat: Word grows a header to hold its text,
        # and a 2,500-character title repeated whole would fill most of every page.
        for i, span in enumerate(self.doc.running):
            span = dataclasses.replace(span, text=short_text(span.text, RUNNING_CHARS))
            p = start.paragraphs[0] if i == 0 else start.add_paragraph()
            self._paragraph(p, span, style="Header", size=18, align=self._side(span, "start"))
        if self.doc.reference:
            span = self.doc.reference
            span = dataclasses.replace(span, text=short_text(span.text, REFERENCE_CHARS))
            self._paragraph(
                end.paragraphs[0], span, style="Header", size=18, align="end", base_rtl=self.rtl
            )
        self._spacer(header, "Header")

    def _footer(self, footer) -> None:
        """ "Page X of Y" as PAGE and NUMPAGES fields; a bilingual handout gets one cell per
        language, so that each label keeps its own direction."""
        lines = self.doc.letterhead.footer if self.doc.letterhead is not None else ()
        if not self.doc.bilingual:
            self._page_label(self._add_p(footer, "Footer"), self.doc.page_label[0], self.rtl)
            self._footer_lines(footer, lines)
            return
        table = footer.add_table(rows=1, cols=len(self.doc.page_label), width=self.text_width)
        x.table_direction(table._tbl, self.rtl)
        x.table_borders(table._tbl)
        x.table_look(table._tbl)
        for cell, span in zip(table.rows[0].cells, self.doc.page_label, strict=True):
            self._page_label(cell.paragraphs[0], span, span.dir == "rtl", style=True)
        if lines:
            self._footer_lines(footer, lines)
        else:
            self._spacer(footer, "Footer")

    def _footer_lines(self, footer, lines: tuple[Span, ...]) -> None:
        """The letterhead's footer lines under "page X of Y", small and centred, on every page."""
        for span in lines:
            p = self._add_p(footer, "Footer")
            self._paragraph(p, span, style="Footer", size=16, align="center", color=FOOTER_GREY)

    def _page_label(self, p, span: Span, rtl: bool, style: bool = False) -> None:
        ppr = p._p.get_or_add_pPr()
        if style:
            x.child(ppr, "pStyle", x.P_PR, val=self.style_ids["Footer"])
        x.paragraph_direction(ppr, rtl, explicit=True)
        x.alignment(ppr, "center")
        # The cached result Word shows until it recomputes the field, in the office's digits.
        first = digits("1", self.doc.digits) if span.lang == "ar" else "1"
        for piece in _split_fields(span.text):
            if piece in ("{page}", "{pages}"):
                instruction = "PAGE" if piece == "{page}" else "NUMPAGES"
                run = x.simple_field(p, instruction, first)
                self._run_props(run.get_or_add_rPr(), rtl=span.dir == "rtl", size=18)
                font = ARABIC_FAMILY if span.dir == "rtl" else LATIN_FAMILY
                self.used.setdefault(font, []).append(first)
            elif piece:
                self._runs(p, Span(piece, span.lang), size=18)

    def _side(self, span: Span, side: str) -> str:
        """The alignment that puts a paragraph of `span`'s direction on the document's `side`."""
        if (span.dir == "rtl") == self.rtl:
            return side
        return "end" if side == "start" else "start"

    def _spacer(self, container, style: str) -> None:
        """A closing empty paragraph (Word ends every story with one) of almost no height."""
        p = self._add_p(container, style)
        ppr = p._p.get_or_add_pPr()
        x.paragraph_direction(ppr, self.rtl, explicit=True)
        x.spacing(ppr, 0, 0, 240)
        mark = x.child(ppr, "rPr", x.P_PR)
        x.size(mark, 2)

    def _properties(self) -> None:
        props = self.word.core_properties
        meta = self.doc.meta
        props.title = _fit(meta.title)
        props.author = _fit(meta.author)
        props.subject = _fit(meta.subject)
        props.language = self._language()
        props.keywords = _fit(", ".join(meta.keywords))
        props.comments = _fit(meta.reference)
        props.category = "Conference report"
        props.last_modified_by = "reportkit"
        props.revision = 1
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        props.created = props.modified = now

    def _language(self) -> str:
        """The document's language for its properties: the first language, as the office's
        locale spells it when the locale is a variant of it (ar-MA), else the bare code."""
        locale = str(self.doc.options.get("locale") or "")
        if locale.lower().startswith(f"{self.doc.lang.lower()}-"):
            return locale
        return self.doc.lang

    # --- content ------------------------------------------------------------------------------

    def _add_p(self, container, style: str):
        p = container.add_paragraph()
        x.child(p._p.get_or_add_pPr(), "pStyle", x.P_PR, val=self.style_ids[style])
        return p

    def _title_block(self) -> None:
        self._basmala()
        title = self.doc.title
        if title.organizer:
            for span in title.organizer:
                self._paragraph(self._add_p(self.word, "RKOrganizer"), span)
        for span in title.title:
            self._paragraph(self._add_p(self.word, "Heading1"), span)
        if not title.fields:
            return
        from docx.shared import Mm

        languages = self.doc.languages
        n = len(languages)
        half = self.text_width // n
        label_width = min(Mm(32), half // 3)
        # Screen readers read a table cell by cell in the cells' order, which a right-to-left
        # table lays out from the right. One language: a label column and a value column, label
        # first. Two: one column per language, each cell the label, a tab and the value (under a
        # hanging indent, so it looks like two columns): a left-to-right pair in a right-to-left
        # table would otherwise have its value before its label.
        table = self.word.add_table(rows=len(title.fields), cols=2 if n == 1 else n)
        x.table_direction(table._tbl, self.rtl)
        x.table_borders(table._tbl)
        x.table_look(table._tbl, header_column=n == 1)
        x.table_description(table._tbl, self._alt("fields_table"))
        widths = [label_width, half - label_width] if n == 1 else [half] * n
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
        for row, field in zip(table.rows, title.fields, strict=True):
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = width
            for i, lang in enumerate(languages):
                rtl = direction(lang) == "rtl"
                p = row.cells[0 if n == 1 else i].paragraphs[0]
                self._paragraph(
                    p, field.label[i], style="RKField", bold=True, color=NAVY, base_rtl=rtl
                )
                if n == 1:
                    value = row.cells[1].paragraphs[0]
                    self._paragraph(value, field.value[i], style="RKField", base_rtl=rtl)
                    continue
                # Word and LibreOffice stop a tab at a hanging indent: the value starts there,
                # and its next lines too.
                indent = label_width // EMU_PER_TWIP
                x.indent(p._p.get_or_add_pPr(), indent, indent)
                self._run(p._p, "\t", rtl=rtl)
                self._runs(p, field.value[i], rtl=rtl)
        spacer = self._add_p(self.word, "Normal")
        x.paragraph_direction(spacer._p.get_or_add_pPr(), self.rtl, explicit=True)

    def _block(self, block, i: int, container, align: str = "both") -> None:
        if isinstance(block, Heading):
            # one level below the title; the model's levels beyond two end at Heading 3
            style = f"Heading{min(block.level, 2) + 1}"
            self._paragraph(self._add_p(container, style), block.texts[i])
        elif isinstance(block, Paragraph):
            self._paragraph(self._add_p(container, "Normal"), block.texts[i], align=align)
        elif isinstance(block, ItemList):
            num_id = self.num_ids[("numbered" if block.numbered else "bullet", i)]
            for item in block.items:
                p = self._add_p(container, "ListParagraph")
                span = item.texts[i]
                ppr = p._p.get_or_add_pPr()
                x.numbering(ppr, num_id)
                rtl = span.dir == "rtl"
                x.paragraph_direction(ppr, rtl, explicit=self.rtl)
                x.alignment(ppr, align)
                if item.category:
                    self._runs(p, item.category[i], bold=True, rtl=rtl)
                    self._runs(p, Span(" — ", span.lang), rtl=rtl)
                self._runs(p, span, rtl=rtl)

    def _pairs(self) -> None:
        rows = self.doc.blocks
        table = self.word.add_table(rows=len(rows), cols=len(self.doc.languages))
        x.table_direction(table._tbl, self.rtl)
        x.table_borders(table._tbl, inside_v=True)
        x.table_look(table._tbl)  # no header row: every row is a block in both languages
        x.table_description(table._tbl, self._alt("pairs_table"))
        for row, block in zip(table.rows, rows, strict=True):
            if isinstance(block, Heading):
                x.cant_split_row(row._tr)
            for i, cell in enumerate(row.cells):
                first = cell.paragraphs[0]
                # Half-page columns: justifying them opens wide gaps (and, in LibreOffice, long
                # kashidas), so each column is set flush to its own start side.
                self._block(block, i, cell, align="start")
                first._p.getparent().remove(first._p)
        self._spacer(self.word, "Normal")

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
        ppr = p._p.get_or_add_pPr()
        if style:
            x.child(ppr, "pStyle", x.P_PR, val=self.style_ids[style])
        rtl = span.dir == "rtl" if base_rtl is None else base_rtl
        x.paragraph_direction(ppr, rtl, explicit=self.rtl)
        if align:
            x.alignment(ppr, align)
        self._runs(p, span, bold=bold, size=size, color=color, rtl=rtl)

    def _run_props(
        self,
        rpr,
        *,
        rtl: bool,
        size: int | None = None,
        bold: bool | None = None,
        fonts: bool = True,
    ) -> None:
        if fonts:
            self._fonts_and_language(rpr)
        else:
            x.language(rpr, self.latin_lang, self.bidi_lang)
        if bold is not None:
            x.bold(rpr, bold)
        if size:
            x.size(rpr, size)
        x.run_direction(rpr, rtl)

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
        base_dir = "rtl" if base else "ltr"
        # A span set in a paragraph of the other direction (the Arabic reference in an English
        # column) is read in the paragraph's direction: its words become that paragraph's isolates.
        pieces = span.runs if span.dir == base_dir else inline_runs(span.text, base_dir)
        props = {"bold": bold, "size": size}
        # A Latin phrase and the link inside it are one isolate: marks at its ends only.
        where = {}  # id of a run inside a group → (first, last)
        for group in isolates(pieces):
            if len(group) > 1:
                for k, run in enumerate(group):
                    where[id(run)] = (k == 0, k == len(group) - 1)
        for piece in pieces:
            first, last = where.get(id(piece), (True, True))
            text = x.xml_text(piece.text)
            if not text:
                continue
            if piece.dir == "rtl" and not any(_is_rtl_letter(c) for c in text):
                # Digits and signs read left to right in any text: set right to left, "5–6"
                # in an English line would show as "6–5".
                piece = Run(text)
            if not piece.dir:
                # Letters of the other script the model left in the flow (inside a mixed
                # token) still get a run of their own direction and fonts.
                for part, part_rtl in script_runs(text, base):
                    self._run(p._p, part, rtl=part_rtl, color=color, **props)
                continue
            isolate_rtl = piece.dir == "rtl"
            # Word has no isolates, and LibreOffice's PDF gives LRI/PDI back as stray text. Marks
            # do their work in both: the run's own direction at both ends holds its signs and
            # digits in order ("C++", "+966 11 234 5678"), and the paragraph's direction after it
            # keeps the run from pulling the numbers that follow into its own direction.
            # Word joiners where the line may not break ("(GCC-" … "CERT)", "+966 11" … "234"):
            # the document model's rule (`inline.printed`); Word's w:noBreakHyphen would lay a
            # paragraph out wrongly in LibreOffice (lines overlap), the joiner holds in both
            # and leaves no trace in the PDF's text.
            # LibreOffice breaks at a space whatever follows it: there a held space is a
            # no-break space, as Word writes one.
            shown = x.xml_text(printed(Run(text, piece.dir, piece.href))).replace(
                " " + WORD_JOINER, NO_BREAK_SPACE
            )
            if piece.dir != base_dir:  # a link in a left-to-right paragraph needs no marks
                mark, back = (RLM, LRM) if isolate_rtl else (LRM, RLM)
                shown = (mark if first else "") + shown + (mark + back if last else "")
            target = link_target(piece.href)
            arabic_digits = base and not isolate_rtl
            if target is None:
                self._run(
                    p._p, shown, rtl=isolate_rtl, color=color, arabic_digits=arabic_digits, **props
                )
                continue
            from docx.opc.constants import RELATIONSHIP_TYPE as RT

            rid = p.part.relate_to(target, RT.HYPERLINK, is_external=True)
            link = x.hyperlink(p._p, rid)
            self._run(
                link,
                shown,
                rtl=isolate_rtl,
                style=self._hyperlink_style(),
                arabic_digits=arabic_digits,
                **props,
            )
        if span.machine:
            self._run(p._p, "†", rtl=False, size=16, color="AA3333")

    def _run(
        self,
        parent,
        text: str,
        *,
        rtl: bool,
        bold: bool = False,
        size: int | None = None,
        color: str | None = None,
        style: str | None = None,
        arabic_digits: bool = False,
    ) -> None:
        """`text` as runs of direction `rtl` at the end of `parent`, one per font that draws it.
        With `arabic_digits` (a Latin run inside Arabic text: "+966 11 234 5678", "ISO 27001")
        its digits are the Arabic font's, as everywhere in Arabic text, rather than the Latin
        font's, larger and heavier beside the Arabic letters."""
        own = ARABIC_FAMILY if rtl else LATIN_FAMILY
        # in a paragraph of the letterhead's own designed style, its fonts draw the text
        fonts = x.paragraph_style(parent) not in self.designed
        pieces = font_runs(text, rtl)
        if arabic_digits:
            pieces = tuple(
                (part, ARABIC_FAMILY if family is None and part[0] in DIGITS else family)
                for piece, family in pieces
                for part in (_DIGIT_RUNS.findall(piece) if family is None else (piece,))
            )
        for piece, family in pieces:
            rpr = x.text_run(parent, piece).get_or_add_rPr()
            if style:
                x.run_style(rpr, style)
            self._run_props(rpr, rtl=rtl, size=size, bold=True if bold else None, fonts=fonts)
            if family:
                x.one_font(rpr, word_family(family))
            if color:
                x.color(rpr, color)
            self.used.setdefault(family or own, []).append(piece)

    def _hyperlink_style(self) -> str:
        """The id of the letterhead's Hyperlink character style, or of one added as Word's."""
        if self.link_style is not None:
            return self.link_style
        from docx.enum.style import WD_STYLE_TYPE

        styles = self.word.styles
        for element in styles.element.findall(x.qn("w:style")):
            name = element.find(x.qn("w:name"))
            named = name is not None and name.get(x.qn("w:val"), "").lower() == "hyperlink"
            if element.get(x.qn("w:type")) == "character" and named:
                self.link_style = element.get(x.qn("w:styleId"))
                return self.link_style
        element = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER).element
        element.set(x.qn("w:styleId"), "Hyperlink")
        if any(e.get(x.qn("w:styleId")) == "DefaultParagraphFont" for e in styles.element):
            x.child(element, "basedOn", x.STYLE, val="DefaultParagraphFont")
        x.child(element, "uiPriority", x.STYLE, val="99")
        x.child(element, "unhideWhenUsed", x.STYLE)
        rpr = element.get_or_add_rPr()
        x.color(rpr, HYPERLINK_BLUE)
        x.underline(rpr)
        self.link_style = "Hyperlink"
        return self.link_style


def _in_sentence(lang: str, text: str) -> str:
    """A label inside a sentence: Latin labels start with a capital the sentence does not want."""
    return text if direction(lang) == "rtl" else text[:1].lower() + text[1:]


def _qr_description(v, lang: str) -> str:
    """What the verification code is and what it carries, in `lang`: the reference as the code
    holds it, and the record's fingerprint (named, not spelt out: the digits are printed beside
    it, and sixty-four of them read aloud help nobody)."""
    words = {
        "code": label(lang, "verification_code"),
        "fingerprint": _in_sentence(lang, label(lang, "fingerprint")),
    }
    reference = v.code_reference
    if not reference:
        return label(lang, "code_carries_hash").format(**words)
    if len(reference) < len(v.reference) or len(reference) > ALT_REFERENCE_CHARS:
        reference = reference[:ALT_REFERENCE_CHARS].rstrip() + "…"
    words["reference"] = f"{_in_sentence(lang, label(lang, 'reference'))} {reference}"
    return label(lang, "code_carries").format(**words)


def _drop_empty_paragraphs(story) -> None:
    """Remove paragraphs that hold nothing (a new header's placeholder), keep the letterhead's."""
    ppr = x.qn("w:pPr")
    for p in story.findall(x.qn("w:p")):
        if all(element.tag == ppr for element in p):
            story.remove(p)


def _fit(text: str, limit: int = 255) -> str:
    """Core properties hold at most 255 characters (python-docx enforces what Word expects)."""
    text = x.xml_text(text)
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _split_fields(template: str) -> list[str]:

    return [piece for piece in re.split(r"(\{page\}|\{pages\})", template) if piece]


def _list_fallback_fonts(word, used: dict[str, list[str]]) -> None:
    """The fallback fonts the document draws with, in its font table (embedded or not)."""
    from .fonts import list_font

    for family in FALLBACK_FAMILIES:
        if used.get(family):
            list_font(word, word_family(family), font_path(family))


def _embed(word, used: dict[str, list[str]]) -> None:
    """Embed the faces the document draws with (`used`: family → its texts). The Arabic faces go
    in whole (they are small, and a reader who types a new word in the file gets every letter);
    the Latin faces, large, are subset to the text when the document has Latin text at all; a
    fallback font (up to 0.9 MB) only when a character needs it, subset to those characters."""
    from .fonts import FontFace, embed_fonts

    if used.get(ARABIC_FAMILY):
        embed_fonts(
            word,
            [
                FontFace(ARABIC_FAMILY, style, font_path(ARABIC_FAMILY, style))
                for style in ("regular", "bold")
            ],
            "",
            subset=False,
        )
    latin_text = "".join(used.get(LATIN_FAMILY, ()))
    if any(not ch.isspace() for ch in latin_text):
        embed_fonts(
            word,
            [
                FontFace(LATIN_FAMILY, style, font_path(LATIN_FAMILY, style))
                for style in ("regular", "bold")
            ],
            latin_text + "0123456789—†•",
        )
    for family in FALLBACK_FAMILIES:
        text = "".join(used.get(family, ()))
        if text:
            embed_fonts(word, [FontFace(word_family(family), "regular", font_path(family))], text)
