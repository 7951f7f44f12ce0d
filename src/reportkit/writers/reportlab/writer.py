"""PDF writer on ReportLab Platypus: the same Document as the WeasyPrint PDF, without Pango.

The page follows templates/report.html.j2 and report.css: A4 with 30/20/24/20 mm margins; a
running header from page 2 on (organizer at the start side, reference at the end side, a rule
below); a footer "page X of Y" on every page; the title block between double rules (organizer,
title, a table of fields per language); the machine-translation notice; headings with a rule;
justified paragraphs; bullet lists and numbered recommendations with the marker in a column on
the start side (the right in Arabic) and the category in bold before " — "; a bilingual document
as two columns, first language on the start side, aligned block by block, rows splitting across
pages, English and French set ragged in their half-width column. Classification marking (a red band at the top) and draft watermark (diagonal, light grey,
behind the text) on every page; the verification block (QR code, reference, SHA-256) at the end.

With a letterhead, page one starts higher (it has no running header): the right lines (the
Arabic side) and the left lines, each centred in its block, the emblem centred between them
about 25 mm high (drawn from the model's bytes: PNG and JPEG as images, SVG through svglib), a
thin rule, the reference on the start side under it, then the basmala centred above the title
block. The signature (title, room for the hand signature and seal, name) ends the report on the
left, before the verification block; the office's footer lines stand under "page X of Y" on every
page, the bottom margin growing if they would come too near the edge.

All text goes through `paragraph.TextEngine` (bidi, HarfBuzz shaping, fonts embedded as subsets with
a ToUnicode map of the original letters, symbol and emoji fallbacks), as `marked()` gives it: the
model's foreign runs as isolates, its URLs and e-mail addresses as link annotations. "Page X of Y"
needs the page count: the canvas holds every page until `save()`, then draws the footers and writes
the pages; bookmarks (the outline) are held with their page so they point at the right one.

Importing this module never imports WeasyPrint.
"""

from __future__ import annotations

import io
import logging
import math
from contextvars import ContextVar
from functools import cache

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus.doctemplate import BaseDocTemplate, PageTemplate
from reportlab.platypus.flowables import Flowable
from reportlab.platypus.frames import Frame

from ...conventions import digits
from ...document import Document, Heading, ItemList, LetterheadBlock, ListItem, Paragraph, Span
from ...errors import UsageError
from ...inline import LRI, PDI, RLI, isolates, printed
from ...labels import label
from ...languages import direction
from ...record.letterhead import Logo
from ...resources import ARABIC_FAMILY, FALLBACK_FAMILIES, LATIN_FAMILY, font_path
from ..html import OUTLINE_CHARS, REFERENCE_CHARS, RUNNING_CHARS, short_text
from ..svgimage import holds_text, svg_png
from .paragraph import BidiParagraph, Laid, LaidParts, TextEngine
from .shaping import Fonts

__all__ = ["render"]

PAGE_W, PAGE_H = A4
TOP, RIGHT, BOTTOM, LEFT = 30 * mm, 20 * mm, 24 * mm, 20 * mm
CONTENT_W = PAGE_W - LEFT - RIGHT
CONTENT_H = PAGE_H - TOP - BOTTOM

NAVY = HexColor("#1a3a5c")
INK = HexColor("#000000")
GREY_TEXT = HexColor("#333333")
HINT = HexColor("#444444")
RULE = HexColor("#666666")
SEPARATOR = HexColor("#bbbbbb")
MARKING_RED = HexColor("#aa0000")
NOTICE_RED = HexColor("#aa3333")
WATERMARK = HexColor("#dedede")  # light grey, drawn behind the text (opaque: no ExtGState)

BODY_SIZE = 12
INF = math.inf

# With a letterhead, page one has no running header: its text starts this far from the top edge
# (below the marking band), so the letterhead, basmala and title block all fit on it.
LETTERHEAD_TOP = 14 * mm
LOGO_H = 25 * mm  # an emblem's height on official stationery: 22-28 mm
LOGO_COLUMN = 0.26 * CONTENT_W  # the emblem's column between the right and left blocks
DATE_COLUMN = 0.45  # the date's share of the line under the band (both calendars fit in it)
FOOTER_CLEAR = 8 * mm  # the letterhead's footer lines stay this far above the paper's edge

# The height of the shortest text frame of the report being built (a letterhead's footer can
# raise the bottom margin): a flowable no taller than it is kept whole, a taller one splits.
_ROOM: ContextVar[float] = ContextVar("room", default=CONTENT_H)


def _room() -> float:
    return _ROOM.get()


# Bidi isolates: a span of one direction inside a line of the other (as the HTML's dir spans).
_ISOLATE = {"rtl": (RLI, PDI), "ltr": (LRI, PDI)}

Links = tuple[tuple[int, int, str], ...]


def isolate(span: Span) -> str:
    """The span as an isolate of its own direction, its foreign runs isolated inside it."""
    start, end = _ISOLATE.get(span.dir, ("\u2068", PDI))
    return f"{start}{span.isolated}{end}"


def marked(span: Span, *, machine: bool = True) -> tuple[str, Links]:
    """The text the engine lays out for a span, and its links.

    Each foreign run (a Latin code name in Arabic, Arabic in English) is a directional isolate,
    so "C++" and "+966 11 234 5678" show as written (`inline`); each URL or e-mail run is a
    link (start, end, href) over its characters. A machine translation ends with †."""
    parts: list[str] = []
    links: list[tuple[int, int, str]] = []
    pos = 0
    for group in isolates(span.runs):
        if len(group) > 1:  # a Latin phrase and the link inside it: one isolate around both
            parts.append(LRI)
            pos += 1
        for run in group:
            if run.dir and (len(group) == 1 or run.href):
                opener = LRI if run.dir == "ltr" else RLI
                text = printed(run)  # word joiners where the run may not break
                if run.href:
                    links.append((pos + 1, pos + 1 + len(text), run.href))
                piece = f"{opener}{text}{PDI}"
            else:
                piece = printed(run)
            parts.append(piece)
            pos += len(piece)
        if len(group) > 1:
            parts.append(PDI)
            pos += 1
    if machine and span.machine:
        parts.append("†")
    return "".join(parts), tuple(links)


@cache
def _engine() -> TextEngine:
    """One engine per process: fonts are read and pieces shaped once."""
    return TextEngine(
        Fonts(
            arabic=font_path(ARABIC_FAMILY),
            arabic_bold=font_path(ARABIC_FAMILY, "bold"),
            latin=font_path(LATIN_FAMILY),
            latin_bold=font_path(LATIN_FAMILY, "bold"),
            fallbacks=tuple(font_path(family) for family in FALLBACK_FAMILIES),
        )
    )


def _line_height(lang: str, size: float) -> float:
    """report.css: line-height 1.65, and 1.45 for English and French."""
    return round(size * (1.45 if lang in ("en", "fr") else 1.65), 3)


def _ragged(span: Span, bilingual: bool) -> bool:
    """English and French in a bilingual column are set flush to their start side: justified
    in a half-width column, their lines would open wide gaps (Arabic stays justified)."""
    return bilingual and span.dir == "ltr"


# ---------------------------------------------------------------------------------------------
# Flowables
# ---------------------------------------------------------------------------------------------


class Text(BidiParagraph):
    """A BidiParagraph with the document's defaults for a span's language and direction."""

    def __init__(
        self,
        span: Span,
        *,
        size: float = BODY_SIZE,
        text: str | None = None,
        align: str = "start",
        **kwargs,
    ):
        kwargs.setdefault("leading", _line_height(span.lang, size))
        if text is None:
            text, links = marked(span)
            kwargs.setdefault("links", links)
        super().__init__(
            text,
            _engine(),
            size=size,
            base_dir=span.dir,
            align=align,
            **kwargs,
        )


class HeadingFlowable(Flowable):
    """h2: 14 pt bold navy, a rule 1 mm below, 6 mm before and 3 mm after; optionally an outline
    entry (the first language's heading only, as in the HTML). A heading moves to the next page
    whole, unless it is taller than a page: then it splits by lines, the rule under its last."""

    rule_gap = 1 * mm
    rule_width = 0.75

    def __init__(
        self,
        span: Span,
        *,
        outline: tuple[str, int] | None = None,
        size: float = 14,
        laid: Laid | None = None,
        rule: bool = True,
    ):
        super().__init__()
        self.span = span
        self.size = size
        self.outline = outline
        self.rule = rule
        self.spaceBefore = 6 * mm
        self.spaceAfter = 3 * mm
        self._laid = laid

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab's names)
        if self._laid is None or abs(self._laid.width - availWidth) > 1e-6:
            text, links = marked(self.span)
            self._laid = _engine().layout(
                text,
                size=self.size,
                width=availWidth,
                base_dir=self.span.dir,
                bold=True,
                leading=_line_height(self.span.lang, self.size),
                links=links,
            )
        self.width = availWidth
        self.height = self._laid.height + (self.rule_gap + self.rule_width if self.rule else 0)
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        self.wrap(availWidth, availHeight)
        if self.height <= _room() - 1:
            return []  # a heading that fits on a page moves whole
        laid = self._laid
        fit = min(int((availHeight + 1e-6) // laid.leading), len(laid.lines) - 1)
        if fit < 1:
            return []
        first, rest = laid.split(fit)
        head = HeadingFlowable(self.span, outline=self.outline, size=self.size, laid=first)
        head.rule, head.spaceAfter = False, 0
        tail = HeadingFlowable(self.span, size=self.size, laid=rest, rule=self.rule)
        tail.spaceBefore = 0
        return [head, tail]

    def draw(self):
        canv = self.canv
        if self.outline:
            key, level = self.outline
            canv.bookmarkHorizontal(key, 0, self.height)
            canv.addOutlineEntry(short_text(self.span.text, OUTLINE_CHARS), key, level=level)
        canv.saveState()
        canv.setFillColor(NAVY)
        self._laid.draw(canv, 0, self.height)
        if self.rule:
            canv.setStrokeColor(NAVY)
            canv.setLineWidth(self.rule_width)
            y = self.rule_width / 2
            canv.line(0, y, self.width, y)
        canv.restoreState()


class ItemFlowable(Flowable, LaidParts):
    """One list item: the marker (• or "3.") in a 1.9 em column on the start side, the body
    justified beside it after 2.2 em (ragged for English and French in a bilingual column); 2 mm
    below. It moves to the next page whole unless it is
    taller than a page, when its body splits by lines."""

    def __init__(
        self,
        marker: str,
        body: str | None,
        span: Span,
        *,
        size: float = BODY_SIZE,
        bold_ranges=(),
        space_after: float = 2 * mm,
        continued: bool = False,
        laid: Laid | None = None,
        links: Links | None = (),
        align: str = "justify",
    ):
        super().__init__()
        self.marker, self.span, self.size = marker, span, size
        # None: the part of a split item, whose text is read from its lines only if needed
        self._body = body
        self._bold_ranges = None if bold_ranges is None else tuple(bold_ranges)
        self._links = None if links is None else tuple(links)
        self.align = align
        self.leading = _line_height(span.lang, size)
        self.spaceAfter = space_after
        self.continued = continued  # the rest of a split item: no marker
        self._laid = laid
        self._marker_laid: Laid | None = None

    @property
    def body(self) -> str:
        if self._body is None:
            self._body = self._laid.source_text()
        return self._body

    @property
    def indent(self) -> float:
        return 2.2 * self.size

    def _layout(self, width: float) -> Laid:
        body_w = width - self.indent
        if self._laid is None or abs(self._laid.width - body_w) > 1e-6:
            self._laid = _engine().layout(
                self.body,
                size=self.size,
                width=body_w,
                base_dir=self.span.dir,
                align=self.align,
                leading=self.leading,
                bold_ranges=self.bold_ranges,
                links=self.links,
            )
        if self._marker_laid is None and not self.continued:
            self._marker_laid = _engine().layout(
                self.marker,
                size=self.size,
                width=1.9 * self.size,
                base_dir=self.span.dir,
                bold=True,
                leading=self.leading,
            )
        return self._laid

    def wrap(self, availWidth, availHeight):  # noqa: N803
        laid = self._layout(availWidth)
        self.width, self.height = availWidth, laid.height
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        laid = self._layout(availWidth)
        if laid.height <= _room() - 1:  # fits on a page of its own: keep it whole
            return []
        fit = int((availHeight + 1e-6) // laid.leading)
        fit = min(fit, len(laid.lines) - 2)  # orphans and widows: 2, as CSS
        if fit < 2:
            return []
        first, rest = laid.split(fit)
        # the parts' texts are not copied out: an item of megabytes splits at every page
        head = ItemFlowable(
            self.marker,
            None,
            self.span,
            size=self.size,
            bold_ranges=None,
            space_after=0,
            continued=self.continued,
            laid=first,
            links=None,
            align=self.align,
        )
        tail = ItemFlowable(
            self.marker,
            None,
            self.span,
            size=self.size,
            bold_ranges=None,
            space_after=self.spaceAfter,
            continued=True,
            laid=rest,
            links=None,
            align=self.align,
        )
        return [head, tail]

    def draw(self):
        canv = self.canv
        rtl = self.span.dir == "rtl"
        canv.saveState()
        canv.setFillColor(INK)
        self._laid.draw(canv, 0 if rtl else self.indent, self.height)
        if self._marker_laid is not None:
            canv.setFillColor(NAVY)
            x = self.width - self._marker_laid.width if rtl else 0
            self._marker_laid.draw(canv, x, self.height)
        canv.restoreState()


class Stack(Flowable):
    """Flowables one below the other, as one flowable that splits between them (or inside one).

    inner_spaces: count every child's space before and after inside the stack (a table cell);
    otherwise the first child's space before and the last one's space after become the stack's
    own, so a frame drops them at a page top as it does for loose flowables.
    glue: the stack never ends a page with its first child alone (a heading stays with at least
    the start of what follows it).
    trim_start, trim_end: drop the space before the first child, after the last (the parts of a
    split cell, whose spaces fall at a page break).
    """

    def __init__(
        self,
        children: list,
        *,
        inner_spaces: bool = False,
        glue: bool = False,
        trim_start: bool = False,
        trim_end: bool = False,
    ):
        super().__init__()
        self.children = [c for c in children if c is not None]
        self.inner_spaces = inner_spaces
        self.glue = glue
        self.trim_start = trim_start or not inner_spaces
        self.trim_end = trim_end or not inner_spaces
        self.spaceBefore = self.spaceAfter = 0
        if not inner_spaces and self.children:
            self.spaceBefore = self.children[0].getSpaceBefore()
            self.spaceAfter = self.children[-1].getSpaceAfter()

    def _spaces(self, k: int) -> tuple[float, float]:
        child = self.children[k]
        before, after = child.getSpaceBefore(), child.getSpaceAfter()
        if k == 0 and self.trim_start:
            before = 0
        if k == len(self.children) - 1 and self.trim_end:
            after = 0
        return before, after

    def wrap(self, availWidth, availHeight):  # noqa: N803
        self._sizes = []
        total = 0.0
        for k, child in enumerate(self.children):
            _, h = child.wrap(availWidth, INF)
            before, after = self._spaces(k)
            self._sizes.append((before, h, after))
            total += before + h + after
        self.width, self.height = availWidth, total
        return self.width, self.height

    def split_at(self, width: float, height: float) -> tuple[Stack | None, Stack | None]:
        """(what fits in `height`, the rest); either may be None."""
        self.wrap(width, INF)
        if self.height <= height + 1e-6:
            return self, None
        y = 0.0
        for k, child in enumerate(self.children):
            before, h, after = self._sizes[k]
            if y + before + h <= height + 1e-6:
                y += before + h + after
                continue
            room = height - y - before
            frame = getattr(self, "_frame", None)
            if frame is not None:  # a stack inside this one asks the same frame if it is empty
                child._frame = frame
            parts = child.split(width, room) if room > 0 else []
            if parts:  # one part: the child fits once its own trailing space is dropped
                head = self.children[:k] + list(parts[:1])
                tail = list(parts[1:]) + self.children[k + 1 :]
            else:
                head, tail = self.children[:k], self.children[k:]
            alone = not (k >= 2 or (k == 1 and parts))  # only the first child would be here
            if self.glue and alone and tail and not self._at_top():
                return None, self  # the first child would end the page alone
            if not head:
                return None, self
            first = Stack(
                head, inner_spaces=self.inner_spaces, trim_start=self.trim_start, trim_end=True
            )
            if not tail:
                return first, None
            return (
                first,
                Stack(
                    tail, inner_spaces=self.inner_spaces, trim_start=True, trim_end=self.trim_end
                ),
            )
        # everything fits but the last child's space after: drop it, at the page break
        return (
            Stack(
                self.children,
                inner_spaces=self.inner_spaces,
                trim_start=self.trim_start,
                trim_end=True,
            ),
            None,
        )

    def _at_top(self) -> bool:
        """Whether the frame splitting this stack is empty: then moving on gains nothing."""
        return bool(getattr(getattr(self, "_frame", None), "_atTop", False))

    def split(self, availWidth, availHeight):  # noqa: N803
        head, tail = self.split_at(availWidth, availHeight)
        if head is None:
            return []
        if tail is None:
            return [head]
        head.spaceBefore, tail.spaceAfter = self.spaceBefore, self.spaceAfter
        head.spaceAfter = tail.spaceBefore = 0
        return [head, tail]

    def draw(self):
        y = self.height
        for child, (before, h, after) in zip(self.children, self._sizes, strict=True):
            y -= before + h
            child.drawOn(self.canv, 0, y)
            y -= after


class Pair(Flowable):
    """A row of the bilingual table: one cell per language, the first language on the start side,
    tops aligned, a rule between the columns; it splits across pages cell by cell."""

    padding = 3 * mm

    def __init__(self, cells: list[Stack], rtl: bool, *, pad_top: float = 0, glue_next=False):
        super().__init__()
        self.cells = cells  # in document language order
        self.rtl = rtl
        self.pad_top = pad_top
        self.keep = glue_next

    def _cell_width(self, width: float) -> float:
        return width / len(self.cells) - 2 * self.padding

    def wrap(self, availWidth, availHeight):  # noqa: N803
        cw = self._cell_width(availWidth)
        heights = [cell.wrap(cw, INF)[1] if cell else 0 for cell in self.cells]
        self.width, self.height = availWidth, self.pad_top + max(heights, default=0)
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        cw = self._cell_width(availWidth)
        room = availHeight - self.pad_top
        if room <= 0:
            return []
        heads, tails = [], []
        for cell in self.cells:
            if cell is None:
                heads.append(None)
                tails.append(None)
                continue
            head, tail = cell.split_at(cw, room)
            heads.append(head)
            tails.append(tail)
        if all(h is None for h in heads):
            return []
        if all(t is None for t in tails):  # it fits without the spaces at its end
            return [Pair(heads, self.rtl, pad_top=self.pad_top)]
        return [Pair(heads, self.rtl, pad_top=self.pad_top), Pair(tails, self.rtl)]

    def draw(self):
        canv = self.canv
        n = len(self.cells)
        col = self.width / n
        for i, cell in enumerate(self.cells):
            if cell is None:
                continue
            slot = n - 1 - i if self.rtl else i  # slot 0 is the leftmost column
            cell.drawOn(canv, slot * col + self.padding, self.height - self.pad_top - cell.height)
        canv.saveState()
        canv.setStrokeColor(SEPARATOR)
        canv.setLineWidth(0.5)
        for k in range(1, n):
            canv.line(k * col, 0, k * col, self.height)
        canv.restoreState()


class TitleBlock(Stack):
    """The title block: double rules, organizer, title, the fields table of each language.

    A stack, so that a title or an organizer longer than a page splits across pages by lines
    (the top rule opens the block on its first page, the bottom rule closes it on its last, as
    the HTML's borders do when the section breaks)."""

    rule = 2.5

    def __init__(self, document: Document):
        parts: list = [_TitleRule(top=True, outline=document.title.title[0], after=6 * mm)]
        organizer = document.title.organizer or ()
        for k, span in enumerate(organizer):
            parts.append(
                Text(
                    span,
                    size=13,
                    bold=True,
                    align="center",
                    color=NAVY,
                    space_after=3 * mm if k == len(organizer) - 1 else 0,
                )
            )
        titles = document.title.title
        for k, span in enumerate(titles):
            size = 19 if k == 0 else 15
            parts.append(
                Text(
                    span,
                    size=size,
                    bold=True,
                    align="center",
                    color=INK,
                    leading=round(size * 1.45, 3),
                    space_after=4 * mm if k == len(titles) - 1 else 0,
                    orphans=2,
                    widows=2,
                )
            )
        if document.title.fields:
            parts.append(FieldTables(document))
        parts.append(_TitleRule(top=False, before=4 * mm))
        super().__init__(parts, inner_spaces=True)
        self.spaceAfter = 8 * mm


class _TitleRule(Flowable):
    """The title block's double rule, above (with the outline entry of the title) or below."""

    def __init__(
        self, *, top: bool, outline: Span | None = None, before: float = 0, after: float = 0
    ):
        super().__init__()
        self.top, self.outline = top, outline
        self.spaceBefore, self.spaceAfter = before, after

    def wrap(self, availWidth, availHeight):  # noqa: N803
        self.width, self.height = availWidth, TitleBlock.rule
        return self.width, self.height

    def draw(self):
        canv = self.canv
        if self.outline is not None:
            canv.bookmarkHorizontal("title", 0, self.height)
            canv.addOutlineEntry(short_text(self.outline.text, OUTLINE_CHARS), "title", level=0)
        canv.saveState()
        y = self.height if self.top else 0
        _double_rule(canv, 0, self.width, y, self.rule_width, NAVY, top=self.top)
        canv.restoreState()

    rule_width = TitleBlock.rule


class FieldTables(Flowable):
    """The title block's table of fields (number, venue, dates, reference), one table per
    language side by side, the first language on the start side.

    It splits between rows, and a row taller than a page (a reference of thousands of
    characters) splits by the lines of its value; every part keeps the column widths of the
    whole table."""

    pad, gap = 3 * mm, 4 * mm

    def __init__(self, document: Document, tables: list | None = None, at: float | None = None):
        super().__init__()
        self.doc = document
        # per language: (left, label width, value width, rtl, rows), each row (label, value)
        # laid out, the label None in the continuation of a split row
        self._tables = tables
        self._at = at

    def _layout(self, width: float) -> list:
        doc, engine = self.doc, _engine()
        n = len(doc.languages)
        pad, gap = self.pad, self.gap
        rtl_doc = doc.dir == "rtl"
        column = width / n  # bilingual: each table has its half (fields-columns is 100% wide)
        tables = []
        for i, lang in enumerate(doc.languages):
            leading = _line_height(lang, 11)
            rows = []
            for f in doc.title.fields:
                lab, val = f.label[i], f.value[i]
                lab_l = engine.layout(
                    lab.isolated, size=11, width=INF, base_dir=lab.dir, bold=True, leading=leading
                )
                rows.append((lab, val, lab_l))
            lab_w = max(r[2].width for r in rows) + 2 * pad
            limit = (column if n > 1 else width) - 2 * gap - lab_w
            widest = max(limit, 40 * mm)
            # The value column is as wide as the widest value, up to `widest`: a value that
            # does not fit on one line of that width takes it all. Measured at that width, never
            # unbounded: a value of megabytes is never shaped as one line.
            val_nat = 0.0
            for _, val, _ in rows:
                probe = engine.layout(
                    marked(val)[0],
                    size=11,
                    width=widest - 2 * pad,
                    base_dir=val.dir,
                    leading=leading,
                )
                val_nat = max(val_nat, probe.max_line_width if len(probe.lines) == 1 else INF)
            val_w = min(val_nat + 2 * pad, widest)
            laid_rows = []
            for lab, val, lab_l in rows:
                text, links = marked(val)
                val_l = engine.layout(
                    text,
                    size=11,
                    width=val_w - 2 * pad,
                    base_dir=val.dir,
                    align="right" if lab.dir == "rtl" else "left",
                    leading=leading,
                    links=links,
                )
                laid_rows.append((lab_l, val_l))
            tables.append([0.0, lab_w, val_w, rows[0][0].dir == "rtl", laid_rows])
        if n == 1:
            _, lab_w, val_w, _, _ = tables[0]
            tables[0][0] = (width - (lab_w + val_w)) / 2  # centred (margin: 0 auto)
        else:
            for i, table in enumerate(tables):
                _, lab_w, val_w, _, _ = table
                slot = n - 1 - i if rtl_doc else i
                # a table sits at the start side of its column (the document's direction)
                if rtl_doc:
                    table[0] = (slot + 1) * column - gap - lab_w - val_w
                else:
                    table[0] = slot * column + gap
        return tables

    @staticmethod
    def _row_height(lab_l: Laid | None, val_l: Laid) -> float:
        return max(lab_l.height if lab_l else 0, val_l.height) + 1 * mm

    def wrap(self, availWidth, availHeight):  # noqa: N803
        if self._tables is None or self._at != availWidth:
            self._tables, self._at = self._layout(availWidth), availWidth
        self.width = availWidth
        self.height = max(
            sum(self._row_height(lab, val) for lab, val in table[4]) for table in self._tables
        )
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        self.wrap(availWidth, availHeight)
        heads, tails = [], []
        for left, lab_w, val_w, rtl, rows in self._tables:
            head, tail, y = [], [], 0.0
            for k, (lab_l, val_l) in enumerate(rows):
                h = self._row_height(lab_l, val_l)
                if y + h <= availHeight + 1e-6:
                    head.append((lab_l, val_l))
                    y += h
                    continue
                # a row that fits on a page moves whole; a taller one splits by lines
                fit = int((availHeight - y - 1 * mm + 1e-6) // val_l.leading)
                label_fits = lab_l is None or lab_l.height <= fit * val_l.leading
                if h > _room() - 1 and 1 <= fit < len(val_l.lines) and label_fits:
                    first, rest = val_l.split(fit)
                    head.append((lab_l, first))
                    tail = [(None, rest)] + rows[k + 1 :]
                else:
                    tail = rows[k:]
                break
            heads.append([left, lab_w, val_w, rtl, head])
            tails.append([left, lab_w, val_w, rtl, tail])
        if not any(t[4] for t in heads):
            return []
        if not any(t[4] for t in tails):
            return [self]
        return [
            FieldTables(self.doc, heads, self._at),
            FieldTables(self.doc, tails, self._at),
        ]

    def draw(self):
        canv = self.canv
        pad = self.pad
        for left, lab_w, val_w, rtl, rows in self._tables:
            y = 0.0  # from the top
            for lab_l, val_l in rows:
                row_h = self._row_height(lab_l, val_l)
                # table cells are vertically centred (the HTML's default)
                if lab_l is not None:
                    x = left + val_w + lab_w - pad - lab_l.width if rtl else left + pad
                    canv.setFillColor(NAVY)
                    lab_l.draw(canv, x, self.height - y - (row_h - lab_l.height) / 2)
                x = left + pad if rtl else left + lab_w + pad
                canv.setFillColor(INK)
                val_l.draw(canv, x, self.height - y - (row_h - val_l.height) / 2)
                y += row_h


def _double_rule(canv, x0, x1, y, total, colour, *, top: bool) -> None:
    """A CSS `double` border of width `total`: two lines of a third, a third apart. `y` is the
    outer edge; the rule grows inward (down for a top border, up for a bottom one)."""
    line = total / 3
    sign = -1 if top else 1
    canv.setStrokeColor(colour)
    canv.setLineWidth(line)
    for k in (0.5, 2.5):
        yy = y + sign * k * line
        canv.line(x0, yy, x1, yy)


class Boxed(Flowable):
    """A framed box around a stack (the machine-translation notice)."""

    def __init__(self, content: Stack, *, colour, line: float, pad_x: float, pad_y: float):
        super().__init__()
        self.content, self.colour, self.line = content, colour, line
        self.pad_x, self.pad_y = pad_x, pad_y

    def wrap(self, availWidth, availHeight):  # noqa: N803
        _, h = self.content.wrap(availWidth - 2 * self.pad_x - 2 * self.line, INF)
        self.width, self.height = availWidth, h + 2 * self.pad_y + 2 * self.line
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        return []

    def draw(self):
        canv = self.canv
        canv.saveState()
        canv.setStrokeColor(self.colour)
        canv.setLineWidth(self.line)
        half = self.line / 2
        canv.rect(half, half, self.width - self.line, self.height - self.line, stroke=1, fill=0)
        canv.restoreState()
        self.content.drawOn(canv, self.line + self.pad_x, self.line + self.pad_y)


class LabelValue(Flowable):
    """A label and its value, the value in its own size and direction (the SHA-256 in small
    Latin type): on one line when both fit, else the value on the next line."""

    def __init__(self, label_span: Span, value: str, *, size: float, value_size: float):
        super().__init__()
        self.label_span, self.value = label_span, value
        self.size, self.value_size = size, value_size

    def wrap(self, availWidth, availHeight):  # noqa: N803
        engine = _engine()
        span = self.label_span
        leading = _line_height(span.lang, self.size)
        self._label = engine.layout(
            span.isolated + ":",
            size=self.size,
            width=availWidth,
            base_dir=span.dir,
            bold=True,
            leading=leading,
        )
        self._value = engine.layout(
            self.value,
            size=self.value_size,
            width=availWidth,
            base_dir="ltr",
            leading=leading,
        )
        gap = 0.3 * self.size
        self._inline = (
            len(self._label.lines) == 1
            and len(self._value.lines) == 1
            and self._label.max_line_width + gap + self._value.max_line_width <= availWidth
        )
        self.width = availWidth
        self.height = (
            self._label.height if self._inline else self._label.height + self._value.height
        )
        return self.width, self.height

    def draw(self):
        canv = self.canv
        rtl = self.label_span.dir == "rtl"
        gap = 0.3 * self.size
        canv.saveState()
        canv.setFillColor(INK)
        self._label.draw(canv, 0, self.height)
        lw, vw = self._label.max_line_width, self._value.max_line_width
        if self._inline:  # on the label's baseline, after it
            x = self.width - lw - gap - vw if rtl else lw + gap
            y = self.height - (self._label.baseline - self._value.baseline)
        else:
            x = self.width - vw if rtl else 0
            y = self.height - self._label.height
        self._value.draw(canv, x, y)  # laid out left-aligned: its lines start at x
        canv.restoreState()


class VerificationBlock(Flowable):
    """The verification block: QR code of the payload on the start side, then per language the
    heading, reference, SHA-256 and hint (report.css .verification). It moves to the next page
    whole, unless a reference of thousands of characters makes it taller than a page: then its
    text splits by lines, the code in the first part."""

    def __init__(self, document: Document, *, text: Stack | None = None, with_qr: bool = True):
        super().__init__()
        self.doc = document
        self.v = document.verification
        self.spaceBefore = 10 * mm
        self.line, self.pad = 0.75, 3 * mm
        self.qr_cell, self.qr_size = 32 * mm, 30 * mm
        self._given = text  # the text of a part of a split block
        self.with_qr = with_qr

    def _text(self) -> Stack:
        doc, v = self.doc, self.v
        blocks = []
        for i, lang in enumerate(doc.languages):
            heading = v.heading[i]
            dir_ = heading.dir
            parts: list = [
                Text(heading, size=10.5, bold=True, color=NAVY, leading=round(10.5 * 1.45, 3)),
            ]
            if v.reference:
                lab = label(lang, "reference") + ":"
                ref = doc.reference or Span(v.reference, doc.languages[0])
                parts.append(
                    Text(
                        Span(lab, lang, dir_),
                        size=9,
                        text=f"{lab} {isolate(ref)}",
                        bold_ranges=[(0, len(lab))],
                        leading=round(9 * 1.45, 3),
                    )
                )
            parts.append(
                LabelValue(
                    Span(v.fingerprint_label[i].text, lang, dir_), v.sha256, size=9, value_size=7.5
                )
            )
            parts.append(Text(v.hint[i], size=9, color=HINT, leading=round(9 * 1.45, 3)))
            blocks.append(_Separated(Stack(parts, inner_spaces=True), first=i == 0))
        return Stack(blocks, inner_spaces=True)

    def _text_width(self, width: float) -> float:
        return width - 2 * (self.line + self.pad) - self.qr_cell

    def wrap(self, availWidth, availHeight):  # noqa: N803
        self._stack = self._given if self._given is not None else self._text()
        _, h = self._stack.wrap(self._text_width(availWidth), INF)
        self.width = availWidth
        self.height = max(h, self.qr_size if self.with_qr else 0) + 2 * (self.line + self.pad)
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        self.wrap(availWidth, availHeight)
        if self.height <= _room() - 1:
            return []  # break-inside: avoid
        room = availHeight - 2 * (self.line + self.pad)
        if self.with_qr and room < self.qr_size:
            return []
        head, tail = self._stack.split_at(self._text_width(availWidth), room)
        if head is None or tail is None:
            return []
        first = VerificationBlock(self.doc, text=head, with_qr=self.with_qr)
        rest = VerificationBlock(self.doc, text=tail, with_qr=False)
        rest.spaceBefore = 0
        return [first, rest]

    def draw(self):
        canv = self.canv
        rtl = self.doc.dir == "rtl"
        edge = self.line + self.pad
        canv.saveState()
        canv.setStrokeColor(NAVY)
        canv.setLineWidth(self.line)
        half = self.line / 2
        canv.rect(half, half, self.width - self.line, self.height - self.line, stroke=1, fill=0)
        canv.restoreState()
        top = self.height - edge
        text_x = edge if rtl else edge + self.qr_cell
        self._stack.drawOn(canv, text_x, top - self._stack.height)
        if not self.with_qr:
            return  # the rest of a split block: the code stands in its first part
        qr_x = self.width - edge - self.qr_size if rtl else edge
        _draw_qr(canv, _qr_drawing(self.v.payload, self.qr_size), qr_x, top - self.qr_size)


class _Separated(Flowable):
    """The second and later languages of the verification text: a rule above, 2 mm apart."""

    def __init__(self, content: Stack, *, first: bool):
        super().__init__()
        self.content, self.first = content, first
        self.top = 0 if first else 2 * mm + 0.5 + 1.5 * mm

    def wrap(self, availWidth, availHeight):  # noqa: N803
        _, h = self.content.wrap(availWidth, INF)
        self.width, self.height = availWidth, h + self.top
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        head, tail = self.content.split_at(availWidth, availHeight - self.top)
        if head is None:
            return []
        if tail is None:
            return [_Separated(head, first=self.first)]
        return [_Separated(head, first=self.first), _Separated(tail, first=True)]

    def draw(self):
        if not self.first:
            canv = self.canv
            canv.saveState()
            canv.setStrokeColor(SEPARATOR)
            canv.setLineWidth(0.5)
            y = self.height - 2 * mm - 0.25
            canv.line(0, y, self.width, y)
            canv.restoreState()
        self.content.drawOn(self.canv, 0, 0)


def _qr_drawing(payload: str, size: float) -> Drawing:
    """The QR code as a Drawing of vector rectangles (ReportLab's own encoder, error correction
    level M, a quiet zone of 4 modules)."""
    widget = QrCodeWidget(payload, barLevel="M", barBorder=4, barWidth=size, barHeight=size)
    drawing = Drawing(size, size)
    drawing.add(widget)
    return drawing


def _draw_qr(canv, drawing: Drawing, x: float, y: float) -> None:
    """Draw the QR Drawing's rectangles as one filled path on a white square.

    renderPDF would select a default font (Helvetica, never embedded) for the drawing's state,
    which would then stand in the page's resources; the code has no text, so its shapes are
    drawn directly."""
    from reportlab.graphics.shapes import Group, Rect

    def rects(node):
        if isinstance(node, Group):
            for child in node.contents:
                yield from rects(child)
        elif isinstance(node, Rect) and node.fillColor is not None:
            yield node

    shapes = []
    for widget in drawing.contents:
        shapes += list(rects(widget.draw()))
    canv.saveState()
    canv.setFillColorRGB(1, 1, 1)
    canv.rect(x, y, drawing.width, drawing.height, stroke=0, fill=1)
    canv.setFillColorRGB(0, 0, 0)
    path = canv.beginPath()
    for r in shapes:
        path.rect(x + r.x, y + r.y, r.width, r.height)
    canv.drawPath(path, stroke=0, fill=1)
    canv.restoreState()


# ---------------------------------------------------------------------------------------------
# The letterhead: emblem, right and left blocks, basmala, signature
# ---------------------------------------------------------------------------------------------


class _Emblem:
    """The letterhead's logo, drawn from the model's bytes (a writer reads nothing else): PNG and
    JPEG as an image XObject, SVG as vector paths through svglib; an SVG that holds text as the
    picture resvg draws of it in reportkit's fonts (`svgimage`: svglib would set the text in a
    standard PDF font, never embedded), as the DOCX shows it to LibreOffice."""

    def __init__(self, logo: Logo, height_mm: float):
        self.logo = logo
        self._image: ImageReader | None = None
        self._drawing: Drawing | None = None
        if logo.mime == "image/svg+xml" and holds_text(logo.data):
            picture = svg_png(
                logo, height_mm, "the ReportLab engine draws an SVG with text as a picture"
            )
            self._image = ImageReader(io.BytesIO(picture))
        elif logo.mime == "image/svg+xml":
            self._drawing = _svg_drawing(logo.data, logo.name)
        else:
            self._image = ImageReader(io.BytesIO(logo.data))

    def size(self, max_w: float, max_h: float) -> tuple[float, float]:
        """The largest size within max_w × max_h that keeps the emblem's proportions."""
        w, h = self.logo.width, self.logo.height
        if self._drawing is not None:
            w, h = self._drawing.width, self._drawing.height
        scale = min(max_w / w, max_h / h)
        return w * scale, h * scale

    def draw(self, canv, x: float, y: float, w: float, h: float) -> None:
        if self._image is not None:
            # mask="auto": a PNG's transparency stays transparent on the paper
            canv.drawImage(self._image, x, y, w, h, mask="auto")
            return
        drawing = self._drawing
        canv.saveState()
        canv.translate(x, y)
        canv.scale(w / drawing.width, h / drawing.height)
        _shapes_renderer().draw(drawing, canv, 0, 0)
        canv.restoreState()


def _svg_drawing(data: bytes, name: str) -> Drawing:
    """An SVG emblem as a ReportLab Drawing, or a one-line UsageError saying why not."""
    from lxml import etree

    advice = "give the letterhead's logo as a PNG"
    try:
        from svglib.svglib import svg2rlg
    except ImportError:
        raise UsageError(
            f"{name}: the ReportLab engine draws an SVG logo with svglib, which is not "
            f"installed (pip install svglib); or {advice}"
        ) from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        etree.fromstring(data, parser)  # readable, or the one line below
    except etree.XMLSyntaxError:
        raise UsageError(f"{name}: the SVG is not readable; {advice}") from None
    # svglib logs what it skips; the command's output stays its one line per problem
    quiet = logging.getLogger("svglib")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL + 1)
    try:
        drawing = svg2rlg(io.BytesIO(data))  # bytes, not a path: nothing outside is resolved
    except Exception as err:  # svglib raises many kinds for SVG it cannot convert
        raise UsageError(
            f"{name}: the SVG cannot be drawn ({type(err).__name__}); {advice}"
        ) from None
    finally:
        quiet.setLevel(level)
    if drawing is None or not (drawing.width > 0 and drawing.height > 0):
        raise UsageError(f"{name}: the SVG cannot be drawn; {advice}")
    return drawing


@cache
def _shapes_renderer():
    """ReportLab's PDF renderer for Drawings, without its font state: it would select a standard
    font (never embedded) into the page's resources, and an emblem drawn here has no text."""
    from reportlab.graphics.renderPDF import _PDFRenderer

    class _ShapesRenderer(_PDFRenderer):
        def applyStateChanges(self, delta, newState):  # noqa: N802, N803 (ReportLab's names)
            delta = {k: v for k, v in delta.items() if k not in ("fontName", "fontSize")}
            super().applyStateChanges(delta, newState)

    return _ShapesRenderer()


def _centred_lines(
    spans: tuple[Span, ...], width: float, sizes: tuple[float, float], *, bold: bool = True
) -> list[Laid]:
    """Each line of a letterhead block laid out centred in the block's width (the first line in
    the first size, the others in the second), as official letterheads set them."""
    out = []
    for k, span in enumerate(spans):
        size = sizes[0] if k == 0 else sizes[1]
        text, links = marked(span, machine=False)
        out.append(
            _engine().layout(
                text,
                size=size,
                width=width,
                base_dir=span.dir,
                bold=bold,
                align="center",
                leading=round(size * 1.45, 3),
                links=links,
            )
        )
    return out


def _draw_lines(canv, lines: list[Laid], x: float, y_top: float) -> None:
    for laid in lines:
        laid.draw(canv, x, y_top)
        y_top -= laid.height


class LetterheadBand(Flowable):
    """The top of page one: the right block (the Arabic side) at the right margin, the left block
    at the left one, each line centred within its block, and the emblem centred between them,
    about 25 mm high; the blocks are centred on the band's height. A thin rule closes it."""

    gap = 4 * mm
    rule_gap = 2.5 * mm

    def __init__(self, letterhead: LetterheadBlock):
        super().__init__()
        self.lh = letterhead
        self.emblem = _Emblem(letterhead.logo, LOGO_H / mm) if letterhead.logo is not None else None
        self.spaceAfter = 3 * mm

    def wrap(self, availWidth, availHeight):  # noqa: N803
        middle = LOGO_COLUMN if self.emblem is not None else 0.0
        self.side = (availWidth - middle - 2 * self.gap) / 2
        self.logo_size = (0.0, 0.0)
        if self.emblem is not None:
            self.logo_size = self.emblem.size(LOGO_COLUMN, LOGO_H)
        self.right = _centred_lines(self.lh.right, self.side, (13, 12))
        self.left = _centred_lines(self.lh.left, self.side, (11, 10.5))
        self.band = max(
            self.logo_size[1],
            sum(laid.height for laid in self.right),
            sum(laid.height for laid in self.left),
        )
        self.width, self.height = availWidth, self.band + self.rule_gap + 0.5
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        return []

    def draw(self):
        canv = self.canv
        top = self.height
        canv.saveState()
        canv.setFillColor(INK)
        for lines, x in ((self.right, self.width - self.side), (self.left, 0.0)):
            h = sum(laid.height for laid in lines)
            _draw_lines(canv, lines, x, top - (self.band - h) / 2)
        if self.emblem is not None:
            w, h = self.logo_size
            self.emblem.draw(canv, (self.width - w) / 2, top - (self.band + h) / 2, w, h)
        canv.setStrokeColor(NAVY)
        canv.setLineWidth(0.5)
        canv.line(0, 0.25, self.width, 0.25)
        canv.restoreState()


class ReferenceAndDate(Flowable):
    """Under the letterhead band, as Arab correspondence writes المرجع and التاريخ: the reference
    on the start side, the date facing it on the end side (DATE_COLUMN of the width, aligned to
    the end); either may be missing."""

    gap = 6 * mm

    def __init__(self, reference: Text | None, date: Text | None, *, rtl: bool):
        super().__init__()
        self.reference, self.date, self.rtl = reference, date, rtl
        self.spaceAfter = 2 * mm

    def wrap(self, availWidth, availHeight):  # noqa: N803
        self.date_w = availWidth * DATE_COLUMN if self.date is not None else 0.0
        self.ref_w = availWidth - (self.date_w + self.gap if self.date is not None else 0.0)
        heights = [
            part.wrap(w, INF)[1]
            for part, w in ((self.reference, self.ref_w), (self.date, self.date_w))
            if part is not None
        ]
        self.width, self.height = availWidth, max(heights)
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        return []

    def draw(self):
        for part, w, start in ((self.reference, self.ref_w, True), (self.date, self.date_w, False)):
            if part is None:
                continue
            # the start side is the right in a right-to-left document
            x = self.width - w if start == self.rtl else 0.0
            part.drawOn(self.canv, x, self.height - part.height)


class SignatureBlock(Flowable):
    """The signatory at the end of the report, on the left of the page as Arab official letters
    sign: the title, room for the hand signature and the seal, then the name, each line centred
    in the block. It never splits."""

    room = 16 * mm  # for the hand signature and the seal

    def __init__(self, spans: tuple[Span, ...]):
        super().__init__()
        # the model gives the name, then the title when there is one
        self.name, self.title = spans[0], spans[1] if len(spans) > 1 else None
        self.spaceBefore = 12 * mm

    def wrap(self, availWidth, availHeight):  # noqa: N803
        self.block = 0.42 * availWidth
        self.title_lines = _centred_lines((self.title,), self.block, (12, 12)) if self.title else []
        self.name_lines = _centred_lines((self.name,), self.block, (12, 12))
        self.width = availWidth
        self.height = (
            sum(laid.height for laid in self.title_lines)
            + self.room
            + sum(laid.height for laid in self.name_lines)
        )
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        return []

    def draw(self):
        canv = self.canv
        canv.saveState()
        canv.setFillColor(INK)
        _draw_lines(canv, self.title_lines, 0, self.height)
        _draw_lines(canv, self.name_lines, 0, sum(laid.height for laid in self.name_lines))
        canv.restoreState()


class _Signed(Flowable):
    """The report's last flowable and the signature under it, which never stands alone at the
    top of a page: when both do not fit, the last flowable splits so that its end moves on with
    the signature (only what cannot split moves whole)."""

    def __init__(self, last: Flowable, signature: SignatureBlock):
        super().__init__()
        self.last, self.signature = last, signature
        self.spaceBefore = last.getSpaceBefore()

    def _tail(self) -> float:
        return self.signature.getSpaceBefore() + self.signature.height

    def wrap(self, availWidth, availHeight):  # noqa: N803
        _, h = self.last.wrap(availWidth, INF)
        self.signature.wrap(availWidth, INF)
        self.width, self.height = availWidth, h + self._tail()
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        self.wrap(availWidth, availHeight)
        room = availHeight - self._tail()
        parts = self.last.split(availWidth, room) if room > 0 else []
        if len(parts) >= 2:
            head = parts[:-1]
            return [*head, _Signed(parts[-1], self.signature)]
        if self.height > _room() - 1 and getattr(getattr(self, "_frame", None), "_atTop", False):
            return [self.last, self.signature]  # taller than any page together: let them part
        return []

    def draw(self):
        top = self.height
        self.last.drawOn(self.canv, 0, top - self.last.height)
        self.signature.drawOn(self.canv, 0, 0)


# ---------------------------------------------------------------------------------------------
# The story: blocks → flowables
# ---------------------------------------------------------------------------------------------


class _Story:
    def __init__(self, document: Document):
        self.doc = document
        self.headings = 0

    def number(self, n: int, lang: str) -> str:
        return digits(str(n), self.doc.digits) if lang == "ar" else str(n)

    def item(self, it: ListItem, i: int, block: ItemList, size: float) -> ItemFlowable:
        span = it.texts[i]
        marker = f"{self.number(it.number, span.lang)}." if block.numbered and it.number else "•"
        body, links = marked(span)
        bold: list[tuple[int, int]] = []
        if it.category:
            category, category_links = marked(it.category[i])
            category += " —"
            shift = len(category) + 1
            links = category_links + tuple((s + shift, e + shift, h) for s, e, h in links)
            body, bold = f"{category} {body}", [(0, len(category))]
        return ItemFlowable(
            marker,
            body,
            span,
            size=size,
            bold_ranges=bold,
            links=links,
            align="start" if _ragged(span, self.doc.bilingual) else "justify",
        )

    def block(self, block, i: int, *, size: float) -> list:
        """The flowables of one block in language i."""
        if isinstance(block, Heading):
            outline = None
            if i == 0:
                self.headings += 1
                outline = (f"h{self.headings}", 1)
            return [HeadingFlowable(block.texts[i], outline=outline)]
        if isinstance(block, Paragraph):
            span = block.texts[i]
            return [
                Text(
                    span,
                    size=size,
                    align="start" if _ragged(span, self.doc.bilingual) else "justify",
                    space_after=0.6 * size,
                    orphans=2,
                    widows=2,
                )
            ]
        items = [self.item(it, i, block, size) for it in block.items]
        if items:
            items[-1].spaceAfter = 4 * mm  # the list's margin, collapsed with the last item's
        return items

    def notice(self) -> Flowable | None:
        if not self.doc.notice:
            return None
        texts = [Text(s, size=10, leading=_line_height(s.lang, 10)) for s in self.doc.notice]
        box = Boxed(
            Stack(texts, inner_spaces=True),
            colour=NOTICE_RED,
            line=0.75,
            pad_x=3 * mm,
            pad_y=2 * mm,
        )
        box.spaceAfter = 6 * mm
        return box

    def flowables(self) -> list:
        doc = self.doc
        story: list = [*self.letterhead_top(), TitleBlock(doc)]
        notice = self.notice()
        if notice:
            story.append(notice)
        if doc.bilingual:
            story += self.pairs()
        else:
            story += self.single()
        lh = doc.letterhead
        if lh is not None and lh.signature:
            story[-1] = _Signed(story[-1], SignatureBlock(lh.signature))
        if doc.verification:
            story.append(VerificationBlock(doc))
        return story

    def letterhead_top(self) -> list:
        """Above the title block on page one: the letterhead band, the reference on the start
        side under it (where Arab correspondence writes المرجع), and the basmala, centred."""
        doc, lh = self.doc, self.doc.letterhead
        if lh is None:
            return []
        out: list = []
        if lh.right or lh.left or lh.logo is not None:
            out.append(LetterheadBand(lh))
            labelled = []
            for key, span in (("reference", doc.reference), ("date", lh.date)):
                if span is None:
                    labelled.append(None)
                    continue
                lab = label(doc.lang, key) + ":"
                labelled.append(
                    Text(
                        Span(lab, doc.lang),
                        size=11,
                        text=f"{lab} {isolate(span)}",
                        bold_ranges=[(0, len(lab))],
                        align="start" if key == "reference" else "end",
                    )
                )
            if any(labelled):
                out.append(ReferenceAndDate(*labelled, rtl=doc.dir == "rtl"))
        if lh.basmala is not None:
            out.append(
                Text(lh.basmala, size=15, bold=True, align="center", color=INK, space_after=5 * mm)
            )
        return out

    def single(self) -> list:
        out: list = []
        glue_next = False
        for block in self.doc.blocks:
            flowables = self.block(block, 0, size=BODY_SIZE)
            if glue_next and flowables:
                # the heading before stays with the start of this block (break-after: avoid)
                out[-1] = Stack([out[-1], flowables[0]], glue=True)
                flowables = flowables[1:]
            out += flowables
            glue_next = isinstance(block, Heading)
        return out

    def pairs(self) -> list:
        doc = self.doc
        rtl = doc.dir == "rtl"
        rows: list = []
        glue_next = False
        for block in self.doc.blocks:
            cells = []
            for i, lang in enumerate(doc.languages):
                # table.pairs td[dir="ltr"] { font-size: 11pt }
                size = 11 if direction(lang) == "ltr" else BODY_SIZE
                cells.append(Stack(self.block(block, i, size=size), inner_spaces=True))
            row = Pair(cells, rtl, pad_top=2 * mm if isinstance(block, Heading) else 0)
            if glue_next:
                rows[-1] = Stack([rows[-1], row], glue=True)
            else:
                rows.append(row)
            glue_next = isinstance(block, Heading)
        return rows


# ---------------------------------------------------------------------------------------------
# Pages: running header, footer "page X of Y", marking, watermark
# ---------------------------------------------------------------------------------------------


class _HoldingCanvas(Canvas):
    """Holds every page until save(): then the page count is known, and the footer ("page X of
    Y") is drawn on each page before it is written. Bookmarks are held with their page."""

    def __init__(self, *args, finish=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._held: list[dict] = []
        self._page_marks: list[tuple[str, dict]] = []
        self._finish = finish

    def _make_preamble(self):
        # ReportLab's preamble selects an initial font (Helvetica), which would then stand,
        # unembedded, in every page's resources; every text here sets its own font.
        self._preamble = "1 0 0 1 0 0 cm"

    def bookmarkPage(self, key, **kwargs):  # noqa: N802 (ReportLab's name)
        self._page_marks.append((key, kwargs))

    def showPage(self):  # noqa: N802
        self._held.append(dict(self.__dict__))
        self._page_marks = []
        self._startPage()

    def save(self):
        total = len(self._held)
        held, self._held = self._held, []
        # Annotations are named by a running count: a link in a footer (a letterhead's web
        # address) must not take a name the story's links already took on a later page.
        count = self._annotationCount
        for number, state in enumerate(held, start=1):
            self.__dict__.update(state)
            self._annotationCount = count
            for key, kwargs in self._page_marks:
                Canvas.bookmarkPage(self, key, **kwargs)
            if self._finish is not None:
                self._finish(self, number, total)
            count = self._annotationCount
            Canvas.showPage(self)
        Canvas.save(self)


class _Pages:
    """What every page carries besides the story."""

    label_top = 2 * mm  # the page label's top, under the rule
    label_size = 9

    def __init__(self, document: Document):
        self.doc = document
        self.engine = _engine()
        self.rtl = document.dir == "rtl"
        lh = document.letterhead
        # the office's footer lines, the same on every page, under "page X of Y"
        self.footer_lines = _centred_lines(lh.footer, CONTENT_W, (8, 8), bold=False) if lh else []
        label_h = _line_height(document.lang, self.label_size)
        below = self.label_top + label_h + 0.5 * mm + sum(x.height for x in self.footer_lines)
        # the bottom margin grows only if the footer lines would come too near the edge
        self.bottom = max(BOTTOM, below + FOOTER_CLEAR) if self.footer_lines else BOTTOM

    def first_top(self) -> float:
        """Page one's top margin with a letterhead: below the marking band, if there is one."""
        if not self.doc.marking:
            return LETTERHEAD_TOP
        band = PAGE_H - self._marking_top() + self._marking_laid().height + 1 * mm
        return max(LETTERHEAD_TOP, band + 3 * mm)

    def _joined(self, spans, separator: str, limit: int | None = None) -> str:
        if limit is not None:
            spans = [Span(short_text(s.text, limit), s.lang, s.dir) for s in spans]
        return separator.join(isolate(s) for s in spans)

    def on_page(self, canv, doc_template) -> None:
        """At the start of each page, under the story: watermark, marking, running header."""
        canv.saveState()
        if self.doc.draft:
            self.watermark(canv)
        if self.doc.marking:
            self.marking(canv)
        if canv.getPageNumber() > 1:
            self.running(canv)
        canv.restoreState()

    def watermark(self, canv) -> None:
        laid = self.engine.layout(
            self._joined(self.doc.draft, " · "),
            size=80,
            width=INF,
            base_dir=self.doc.dir,
            bold=True,
            leading=round(80 * 1.2, 3),
        )
        canv.saveState()
        canv.setFillColor(WATERMARK)
        canv.translate(PAGE_W / 2, PAGE_H / 2)
        canv.rotate(45)
        laid.draw(canv, -laid.width / 2, laid.height / 2)
        canv.restoreState()

    def _marking_laid(self) -> Laid:
        span = self.doc.marking
        return self.engine.layout(
            span.isolated,
            size=12,
            width=0.4 * CONTENT_W,
            base_dir=span.dir,
            bold=True,
            align="center",
            leading=round(12 * 1.4, 3),
        )

    @staticmethod
    def _marking_top() -> float:
        return PAGE_H - TOP + 26 * mm

    def marking(self, canv) -> None:
        width = 0.4 * CONTENT_W
        x = LEFT + 0.3 * CONTENT_W
        laid = self._marking_laid()
        top = self._marking_top()
        height = laid.height + 1 * mm
        canv.saveState()
        canv.setStrokeColor(MARKING_RED)
        canv.setLineWidth(1.2)
        canv.rect(x, top - height, width, height, stroke=1, fill=0)
        canv.setFillColor(MARKING_RED)
        laid.draw(canv, x, top - 0.5 * mm)
        canv.restoreState()

    def running(self, canv) -> None:
        doc = self.doc
        size = 9
        bottom = PAGE_H - TOP + 3 * mm  # the header's rule, 3 mm above the text area
        ref_laid = None
        ref_w = 0.0
        if doc.reference:
            # Through a Span again: cutting may have dropped the closers of an embedding.
            ref = Span(
                short_text(doc.reference.text, REFERENCE_CHARS),
                doc.reference.lang,
                doc.reference.dir,
            ).isolated
            leading = _line_height(doc.reference.lang, size)
            ref_laid = self.engine.layout(
                ref, size=size, width=INF, base_dir=doc.reference.dir, leading=leading
            )
            widest = 0.4 * CONTENT_W  # a long reference wraps, and leaves the organizer room
            if ref_laid.width > widest:
                ref_laid = self.engine.layout(
                    ref,
                    size=size,
                    width=widest,
                    base_dir=doc.reference.dir,
                    align="left" if self.rtl else "right",
                    leading=leading,
                )
            ref_w = ref_laid.width + 6 * mm
        start = self.engine.layout(
            self._joined(doc.running, " · ", RUNNING_CHARS),
            size=size,
            width=CONTENT_W - ref_w,
            base_dir=doc.dir,
            align="right" if self.rtl else "left",
            leading=_line_height(doc.lang, size),
        )
        text_bottom = bottom + 1 * mm
        canv.saveState()
        canv.setFillColor(GREY_TEXT)
        start.draw(canv, LEFT + (ref_w if self.rtl else 0), text_bottom + start.height)
        if ref_laid is not None:
            x = LEFT if self.rtl else LEFT + CONTENT_W - ref_laid.width
            # on the last line of the organizer, so both share a baseline
            y = text_bottom + ref_laid.height + (start.baseline - ref_laid.baseline)
            ref_laid.draw(canv, x, y)
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(LEFT, bottom, LEFT + CONTENT_W, bottom)
        canv.restoreState()

    def page_label(self, page: int, pages: int) -> str:
        parts = []
        for span in self.doc.page_label:
            style = self.doc.digits if span.lang == "ar" else "western"
            text = span.text.format(page=digits(str(page), style), pages=digits(str(pages), style))
            parts.append(isolate(Span(text, span.lang, span.dir)))
        return " — ".join(parts)

    def footer(self, canv, page: int, pages: int) -> None:
        """Drawn when the page count is known: "page X of Y" under a rule, then the
        letterhead's footer lines."""
        laid = self.engine.layout(
            self.page_label(page, pages),
            size=self.label_size,
            width=CONTENT_W,
            base_dir=self.doc.dir,
            align="center",
            leading=_line_height(self.doc.lang, self.label_size),
        )
        canv.saveState()
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(LEFT, self.bottom, LEFT + CONTENT_W, self.bottom)
        canv.setFillColor(GREY_TEXT)
        top = self.bottom - self.label_top
        laid.draw(canv, LEFT, top)
        _draw_lines(canv, self.footer_lines, LEFT, top - laid.height - 0.5 * mm)
        canv.restoreState()


def render(document: Document) -> bytes:
    """The report as PDF bytes, laid out by ReportLab Platypus and its own text engine."""
    out = io.BytesIO()
    meta = document.meta
    template = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=LEFT,
        rightMargin=RIGHT,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=meta.title,
        author=meta.author,
        subject=meta.subject,
        keywords=", ".join(meta.keywords),
        creator="reportkit",
        lang=meta.language,
        initialFontName="Helvetica",
    )
    pages = _Pages(document)
    story = _Story(document).flowables()  # before layout: a logo that cannot be drawn stops here

    def frame(top: float, name: str) -> Frame:
        return Frame(
            LEFT,
            pages.bottom,
            CONTENT_W,
            PAGE_H - top - pages.bottom,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id=name,
        )

    later = PageTemplate(id="page", frames=[frame(TOP, "text")], onPage=pages.on_page)
    if document.letterhead is None:
        template.addPageTemplates([later])
    else:
        # page one has no running header: the letterhead takes its place, higher on the page
        first = PageTemplate(
            id="first",
            frames=[frame(pages.first_top(), "first")],
            onPage=pages.on_page,
            autoNextPageTemplate="page",
        )
        template.addPageTemplates([first, later])

    def canvasmaker(*args, **kwargs):
        return _HoldingCanvas(*args, finish=pages.footer, **kwargs)

    from reportlab import rl_config

    a85 = rl_config.useA85
    rl_config.useA85 = 0  # binary (Flate) streams: smaller and faster than ASCII85 text
    room = _ROOM.set(PAGE_H - TOP - pages.bottom)
    try:
        template.build(story, canvasmaker=canvasmaker)
    finally:
        rl_config.useA85 = a85
        _ROOM.reset(room)
    return out.getvalue()
