"""Paragraphs for ReportLab: words broken into lines, each line in visual order, drawn as PDF
text, and `BidiParagraph`, the Platypus Flowable the writer flows.

Its job, on top of bidi.py (levels), shaping.py (fonts and glyphs) and pdffonts.py (the PDF
fonts): `TextEngine.layout` cuts each paragraph's words into pieces of one level and one font,
shapes them, and breaks the words into lines on their shaped widths (at spaces; a word longer
than a line breaks between clusters, found by shaping a window of a few lines at a time, so
that a word of megabytes costs time in proportion to its length; a URL longer than a line
starts where it stands and breaks after a "/", never at a hyphen), then orders each line for
display (UAX #9 rules L1-L2). `Laid.draw` draws the lines in the canvas's fill colour, glyphs
by CID in visual order, with a link annotation over a link's glyphs on every line it occupies.
`BidiParagraph` lets Platypus flow and split such a paragraph by lines (orphans and widows).

Its promise: what is drawn reads back, with poppler and pdfium, as the text given, in logical
order, words whole; spaces at line breaks and at a paragraph's ends are not drawn; a line is
never wider than the width asked for unless one cluster is; splitting a paragraph keeps every
line, its bold ranges and its links.

ReportLab's own right-to-left support needs `rlbidi` (not on PyPI) and, with `shaping=1`, turns
bidi off and only reverses words per line; its shaped-text path also maps every glyph back to a
single character of the font's cmap (presentation forms, or private-use codes for unencoded
glyphs), so extraction would give presentation forms. Hence this engine of reportkit's own.

Public API: `TextEngine.layout` → `Laid` (`Laid.draw`, `Laid.lines` → `Line.runs`),
`BidiParagraph`, `LaidParts`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from reportlab.platypus.flowables import Flowable

from .bidi import bidi_levels, reorder
from .pdffonts import document_fonts, pdf_number
from .shaping import ARABIC, LATIN, Face, Fonts, assign_fonts, load_face

__all__ = ["BidiParagraph", "Laid", "LaidParts", "Line", "Run", "TextEngine"]

_LONG_WORD = 256  # characters: a longer word is measured in windows before it is shaped whole
_BREAK_WINDOW = 256  # characters shaped at a time to find where an over-long word breaks


@dataclass
class _Piece:
    """Part of a word with one level and one font, shaped (glyphs in visual order)."""

    start: int
    end: int
    level: int
    face: Face
    glyphs: tuple
    advance: int  # font units
    text: str

    def width(self, size: float) -> float:
        return self.advance * size / self.face.upem


@dataclass
class _Space:
    """Spaces between two words on a line."""

    start: int
    end: int
    level: int
    width: float  # points


@dataclass
class Run:
    """One visual run of a line, for inspection: its logical text, direction and font."""

    text: str
    rtl: bool
    font: str  # "arabic" or "latin"


@dataclass
class Line:
    """One line: its items in visual order (left to right)."""

    items: list
    width: float  # natural width, points
    rtl: bool  # direction of the line's paragraph
    justify: bool = False  # stretch the spaces to fill the block (not on a paragraph's last line)
    para: int = 0  # which paragraph of the laid-out text (split at newlines)
    start: int = 0  # the characters [start, end) of that paragraph that the line shows
    end: int = 0
    roles: dict = field(default_factory=dict, repr=False)

    @property
    def runs(self) -> list[Run]:
        """Visual runs, left to right: neighbouring items of one level and one font, spaces
        included; each run's text in logical order."""
        groups: list[tuple[int, str | None, list]] = []  # level, font role, items
        for item in self.items:
            role = None if isinstance(item, _Space) else self.roles.get(item.face.path, "latin")
            if (
                groups
                and groups[-1][0] == item.level
                and (role is None or groups[-1][1] in (None, role))
            ):
                level, old, members = groups[-1]
                groups[-1] = (level, old or role, members + [item])
            else:
                groups.append((item.level, role, [item]))
        runs = []
        for level, role, members in groups:
            if level & 1:
                members = members[::-1]
            text = "".join(
                " " * (m.end - m.start) if isinstance(m, _Space) else m.text for m in members
            ).strip(" ")
            if text:
                runs.append(Run(text, bool(level & 1), role or "latin"))
        return runs


@dataclass
class Laid:
    """A block of laid-out text, ready to draw."""

    width: float
    height: float
    lines: list[Line]
    size: float
    leading: float
    align: str
    baseline: float  # from the top of a line box down to its baseline
    paragraphs: list[str] = field(default_factory=list, repr=False)
    # bold (start, end) ranges of each paragraph, when only parts of the text are bold
    paragraph_bold: list[tuple[tuple[int, int], ...]] = field(default_factory=list, repr=False)
    # links (start, end, href) of each paragraph
    paragraph_links: list[tuple[tuple[int, int, str], ...]] = field(
        default_factory=list, repr=False
    )

    @property
    def max_line_width(self) -> float:
        """Width of the widest line (the natural width when laid out at an infinite width)."""
        return max((ln.width for ln in self.lines), default=0.0)

    def split(self, n: int) -> tuple[Laid, Laid]:
        """The first n lines and the rest, as two blocks."""

        def part(lines):
            return Laid(
                self.width,
                len(lines) * self.leading,
                lines,
                self.size,
                self.leading,
                self.align,
                self.baseline,
                self.paragraphs,
                self.paragraph_bold,
                self.paragraph_links,
            )

        return part(self.lines[:n]), part(self.lines[n:])

    def source_text(self) -> str:
        """The text these lines show (to lay them out again, e.g. at another width)."""
        return "\n".join(self.paragraphs[p][a:b] for p, a, b, _ in self._source_spans())

    def _source_spans(self) -> list[tuple[int, int, int, int]]:
        """(paragraph, start, end, offset in source_text()) of what these lines show."""
        spans: dict[int, list[int]] = {}
        for ln in self.lines:
            span = spans.setdefault(ln.para, [ln.start, ln.end])
            span[0], span[1] = min(span[0], ln.start), max(span[1], ln.end)
        out, offset = [], 0
        for p, (a, b) in spans.items():
            out.append((p, a, b, offset))
            offset += b - a + 1
        return out

    def source_bold_ranges(self) -> tuple[tuple[int, int], ...]:
        """The bold ranges of `source_text()`, in its offsets (to lay it out again)."""
        if not any(self.paragraph_bold):
            return ()
        out: list[tuple[int, int]] = []
        for p, a, b, offset in self._source_spans():
            for s, e in self.paragraph_bold[p] if p < len(self.paragraph_bold) else ():
                s, e = max(s, a), min(e, b)
                if s < e:
                    out.append((offset + s - a, offset + e - a))
        return tuple(out)

    def source_links(self) -> tuple[tuple[int, int, str], ...]:
        """The links of `source_text()`, in its offsets (to lay it out again)."""
        if not any(self.paragraph_links):
            return ()
        out: list[tuple[int, int, str]] = []
        for p, a, b, offset in self._source_spans():
            for s, e, href in self.paragraph_links[p] if p < len(self.paragraph_links) else ():
                s, e = max(s, a), min(e, b)
                if s < e:
                    out.append((offset + s - a, offset + e - a, href))
        return tuple(out)

    def draw(self, canvas, x: float, y_top: float) -> None:
        """Draw with x the left edge of the block and y_top its top (PDF coordinates, y up), in
        the canvas's current fill colour."""
        if not self.lines:
            return
        fonts = document_fonts(canvas)
        size = self.size
        out = ["q BT 0 Tc 100 Tz 0 Tr 0 Ts"]
        deferred: list[str] = []  # outlines of glyphs that carry no text, drawn after ET
        annotations: list[tuple[str, tuple[float, float, float, float]]] = []
        for i, line in enumerate(self.lines):
            y = y_top - i * self.leading - self.baseline
            room = self.width - line.width
            extra = 0.0
            side = self.align
            if side == "justify":
                n_spaces = sum(1 for it in line.items if isinstance(it, _Space))
                if line.justify and n_spaces and room > 0:
                    extra = room / n_spaces
                    room = 0.0
                side = "start"
            if side == "start":
                side = "right" if line.rtl else "left"
            elif side == "end":
                side = "left" if line.rtl else "right"
            pen = x + (room if side == "right" else room / 2 if side == "center" else 0.0)
            current = None
            links = self._links_on(line)
            boxes: dict[int, list[float]] = {}  # link → [left, right] of its glyphs here
            for item in line.items:
                if isinstance(item, _Space):
                    pen += item.width + extra
                    continue
                if item.glyphs:
                    pdf_font = fonts.get(item.face)
                    if pdf_font is not current:
                        out.append(f"/{pdf_font.name} {pdf_number(size)} Tf")
                        current = pdf_font
                    out.append(pdf_font.show(item.glyphs, size, pen, y, deferred))
                    if links:
                        _link_boxes(item, links, pen, size, boxes)
                pen += item.width(size)
            top = y_top - i * self.leading
            for k, (left, right) in boxes.items():
                annotations.append((links[k][2], (left, top - self.leading, right, top)))
        out.append("ET")
        out.extend(deferred)
        out.append("Q")
        canvas.addLiteral("\n".join(out))
        for href, rect in annotations:
            # /F 4: printed with the page; no border (the text is the link)
            canvas.linkURL(href, rect, relative=1, thickness=0, F=4)

    def _links_on(self, line: Line) -> tuple[tuple[int, int, str], ...]:
        if line.para >= len(self.paragraph_links):
            return ()
        return tuple(
            link
            for link in self.paragraph_links[line.para]
            if link[0] < line.end and link[1] > line.start
        )


def _link_boxes(item: _Piece, links: tuple, pen: float, size: float, boxes: dict) -> None:
    """Widen each link's box on this line by the glyphs of `item` (drawn from `pen`) whose
    cluster lies inside it."""
    scale = size / item.face.upem
    x = pen
    for g in item.glyphs:
        right = x + g[2] * scale
        k = item.start + g[5]
        for n, (start, end, _) in enumerate(links):
            if start <= k < end:
                box = boxes.get(n)
                if box is None:
                    boxes[n] = [min(x, right), max(x, right)]
                else:
                    box[0], box[1] = min(box[0], x, right), max(box[1], x, right)
        x = right


class TextEngine:
    """Lays out paragraphs of mixed Arabic and Latin text for ReportLab."""

    def __init__(self, fonts: Fonts):
        self.fonts = fonts
        fallbacks = tuple(load_face(path) for path in fonts.fallbacks)
        # faces[0] Arabic, faces[1] Latin, then the fallbacks (shared by both weights)
        self._faces = {
            False: (load_face(fonts.arabic), load_face(fonts.latin), *fallbacks),
            True: (load_face(fonts.arabic_bold), load_face(fonts.latin_bold), *fallbacks),
        }
        self._roles = {}
        for arabic, latin, *_ in self._faces.values():
            self._roles[arabic.path] = "arabic"
            self._roles[latin.path] = "latin"
        for face in fallbacks:
            self._roles[face.path] = face.path.stem

    def layout(
        self,
        text: str,
        *,
        size: float,
        width: float,
        base_dir: str = "rtl",
        bold: bool = False,
        align: str = "start",
        leading: float | None = None,
        bold_ranges: Sequence[tuple[int, int]] = (),
        links: Sequence[tuple[int, int, str]] = (),
    ) -> Laid:
        """Break `text` into lines at most `width` points wide and order them for display.

        base_dir: "rtl", "ltr" or "auto" (from the first strong letter of each paragraph).
        align: "start" (right for rtl, left for ltr), "end", "center", "justify" (the last line
        of a paragraph aligned to its start), or "left"/"right". Newlines start new paragraphs,
        each resolved for bidi on its own; spaces at line breaks and at a paragraph's ends are
        not drawn. leading defaults to 1.6 × size. With an infinite width nothing wraps and the
        block is as wide as its longest line. bold_ranges: (start, end) character ranges of
        `text` set in the bold fonts (all of it when bold is true), e.g. a category before its
        text: pieces of one word in two weights are shaped apart, in their own fonts.
        links: (start, end, href) ranges of `text` that become link annotations over their
        glyphs, on every line they occupy; a URL longer than a line breaks after a "/" where
        one fits (at any character where none does), and a URL that fits on a line is never
        broken.
        """
        if align not in ("start", "end", "center", "justify", "left", "right"):
            raise ValueError(f"unknown align {align!r}")
        if base_dir not in ("rtl", "ltr", "auto"):
            raise ValueError(f"base_dir must be 'rtl', 'ltr' or 'auto', not {base_dir!r}")
        faces = self._faces[bool(bold)]
        if leading is None:
            leading = round(size * 1.6, 3)
        text = text.replace("\t", " ")
        starts, paragraphs = _paragraphs(text)
        marks = _bold_marks(len(text), bold_ranges) if bold_ranges and not bold else None
        para_bold: list[tuple[tuple[int, int], ...]] = []
        para_links: list[tuple[tuple[int, int, str], ...]] = []
        lines: list[Line] = []
        first_rtl = None
        for p, para in enumerate(paragraphs):
            mask = None
            if marks is not None:
                mask = marks[starts[p] : starts[p] + len(para)]
                if not any(mask):
                    mask = None
            para_bold.append(_ranges(mask) if mask else ())
            a = starts[p]
            here = tuple(
                (max(s, a) - a, min(e, a + len(para)) - a, href)
                for s, e, href in links
                if s < a + len(para) and e > a and href
            )
            para_links.append(here)
            para_lines, base = self._layout_paragraph(
                para, p, size, width, base_dir, faces, align == "justify", mask, here
            )
            lines.extend(para_lines)
            if first_rtl is None:
                first_rtl = base == 1
        primary = faces[ARABIC] if first_rtl else faces[LATIN]
        content = (primary.ascent - primary.descent) * size
        baseline = (leading - content) / 2 + primary.ascent * size
        if not math.isfinite(width):  # laid out unbounded: the block is as wide as its text
            width = max((ln.width for ln in lines), default=0.0)
        return Laid(
            width=width,
            height=len(lines) * leading,
            lines=lines,
            size=size,
            leading=leading,
            align=align,
            baseline=baseline,
            paragraphs=paragraphs,
            paragraph_bold=para_bold,
            paragraph_links=para_links,
        )

    # -- one paragraph -------------------------------------------------------------------------

    def _layout_paragraph(
        self,
        text: str,
        p: int,
        size: float,
        width: float,
        base_dir: str,
        faces: tuple[Face, ...],
        justify: bool,
        mask: list[bool] | None = None,
        links: tuple[tuple[int, int, str], ...] = (),
    ) -> tuple[list[Line], int]:
        levels, base = bidi_levels(text, base_dir)
        font_of = assign_fonts(text, faces, base)
        count = len(faces)
        if mask is not None:  # fonts count and up: the same in the bold weight
            faces = (*faces, *self._faces[True])
            font_of = [f + count if m else f for f, m in zip(font_of, mask, strict=True)]
        # where a URL may break: after a "/" inside it (never at its hyphens)
        urls = tuple((s, e) for s, e, href in links if not href.startswith("mailto:"))
        lines: list[Line] = []
        current: list = []  # items of the line being filled, in logical order
        cur_w = 0.0

        def flush(last: bool) -> None:
            nonlocal current, cur_w
            if current:
                lines.append(self._make_line(current, cur_w, base, justify and not last, p))
            current, cur_w = [], 0.0

        eps = 1e-6
        prev_end = None
        bounded = math.isfinite(width)
        for ws, we in _words(text):
            space = None
            if prev_end is not None:
                f = font_of[prev_end]
                if f % count > LATIN:  # a space is as wide as in the text font around it
                    f = ARABIC if base == 1 else LATIN
                face = faces[f]
                space = _Space(
                    prev_end,
                    ws,
                    levels[prev_end],
                    (ws - prev_end) * face.space_advance * size / face.upem,
                )
            prev_end = we
            # A URL longer than a line starts on this line, broken after a "/" that fits there.
            room = None
            if current and bounded and any(s < we and e > ws for s, e in urls):
                room = width - cur_w - space.width
            if bounded and we - ws > _LONG_WORD:
                # Never shaped whole: a word of megabytes is measured in windows (linear time
                # and memory); one that turns out to fit is placed like any other word.
                chunks = self._break_word(
                    text, ws, we, width, size, levels, font_of, faces, urls, room
                )
                word = chunks[0] if len(chunks) == 1 else None
            else:
                chunks = None
                word = self._word(text, ws, we, levels, font_of, faces)
            if word is not None:
                ww = sum(pc.width(size) for pc in word)
                if current and cur_w + space.width + ww <= width + eps:
                    current.append(space)
                    current.extend(word)
                    cur_w += space.width + ww
                    continue
                if ww <= width + eps:
                    flush(False)  # spaces at a break are dropped (rule L1 resets them anyway)
                    current, cur_w = list(word), ww
                    continue
            if chunks is None:
                chunks = self._break_word(
                    text, ws, we, width, size, levels, font_of, faces, urls, room
                )
            if room is not None:  # the first chunk is what fits on this line (maybe nothing)
                head, chunks = chunks[0], chunks[1:]
                if head:
                    current.append(space)
                    current.extend(head)
                    cur_w += space.width + sum(pc.width(size) for pc in head)
            flush(False)
            for chunk in chunks[:-1]:
                current, cur_w = chunk, sum(pc.width(size) for pc in chunk)
                flush(False)
            current = chunks[-1]
            cur_w = sum(pc.width(size) for pc in current)
        flush(True)
        if not lines:
            lines.append(Line([], 0.0, base == 1, False, p, 0, len(text), self._roles))
        return lines, base

    def _make_line(self, items: list, width: float, base: int, justify: bool, p: int) -> Line:
        order = reorder([it.level for it in items])  # rule L2
        return Line(
            [items[k] for k in order],
            width,
            base == 1,
            justify,
            p,
            min(it.start for it in items),
            max(it.end for it in items),
            self._roles,
        )

    def _word(
        self,
        text: str,
        ws: int,
        we: int,
        levels: list[int],
        font_of: list[int],
        faces: tuple[Face, Face],
        context: tuple[int, int] | None = None,
    ) -> list[_Piece]:
        """Characters text[ws:we] cut into pieces of one level and one font, each shaped in its
        direction with the neighbouring characters as context: those of text[ws:we] itself, or
        of the whole word `context` (start, end) when text[ws:we] is a part of a broken word, so
        that its letters keep the forms they have in the unbroken word."""
        lo, hi = context or (ws, we)
        pieces = []
        i = ws
        while i < we:
            lv, f = levels[i], font_of[i]
            j = i + 1
            while j < we and levels[j] == lv and font_of[j] == f:
                j += 1
            face = faces[f]
            glyphs, adv = face.shape(
                text[i:j], bool(lv & 1), text[max(lo, i - 8) : i], text[j : min(hi, j + 8)]
            )
            pieces.append(_Piece(i, j, lv, face, glyphs, adv, text[i:j]))
            i = j
        return pieces

    def _break_word(
        self,
        text: str,
        ws: int,
        we: int,
        width: float,
        size: float,
        levels: list[int],
        font_of: list[int],
        faces: tuple,
        urls: tuple[tuple[int, int], ...] = (),
        room: float | None = None,
    ) -> list[list[_Piece]]:
        """Cut the word text[ws:we] into chunks that fit in `width`, between clusters (a
        cluster keeps a letter with its marks); inside a URL, after a "/" where one fits.

        The word is shaped a window at a time, never whole: a window a few lines long shows
        where the next chunk ends, and only that chunk is kept. Windows grow while a whole one
        fits in a line, so the cost stays proportional to the word's length whatever the
        width. Every part is shaped with the word's letters around it as context.

        A word that fits in `width` comes back whole, as the only chunk. With `room` (the
        space left on the current line), a word longer than a line gets a first chunk for that
        room, cut only after a URL's "/" and empty when none fits."""
        eps = 1e-6
        context = (ws, we)
        chunks: list[list[_Piece]] = []
        start = ws
        window = _BREAK_WINDOW
        first = room is not None  # the next chunk is the one for the current line
        while start < we:
            end = min(we, start + window)
            shaped = self._word(text, start, end, levels, font_of, faces, context)
            total = sum(pc.width(size) for pc in shaped)
            if total <= width + eps:
                if end == we:
                    chunks.append(shaped)
                    break
                window *= 2  # the line holds more than this window: look further
                continue
            for_room = first
            limit = room if for_room else width
            advance: dict[int, float] = {}  # cluster start → its width, points
            for pc in shaped:
                scale = size / pc.face.upem
                advance.setdefault(pc.start, 0.0)
                for k, a in _cluster_advances(pc).items():
                    advance[k] = advance.get(k, 0.0) + a * scale
            cuts = sorted(
                k for k in advance if start < k < end and unicodedata.category(text[k])[0] != "M"
            )
            fitting, total = [], 0.0  # the cuts before which everything fits in `limit`
            cut_set = set(cuts)
            for k in sorted(advance):
                if k in cut_set:
                    if total > limit + eps:
                        break
                    fitting.append(k)
                total += advance[k]
            slashes = [k for k in fitting if _after_url_slash(text, k, urls)]
            if first:
                first = False
                if not slashes:
                    chunks.append([])  # nothing of it on the current line
                    continue
                fitting = slashes
            elif slashes:
                fitting = slashes
            elif not cuts:  # one cluster as wide as the window: it stands alone
                if end < we:
                    window *= 2
                    continue
                chunks.append(shaped)
                break
            elif not fitting:
                fitting = cuts[:1]
            best = fitting[-1]
            while True:  # shaped on its own, the chunk may come out a little wider: step back
                chunk = self._word(text, start, best, levels, font_of, faces, context)
                earlier = [c for c in fitting if c < best]
                fits = sum(pc.width(size) for pc in chunk) <= limit + eps
                if fits or not earlier:
                    break
                best = earlier[-1]
            if for_room and not fits:  # not even the first part fits the current line
                chunks.append([])
                continue
            chunks.append(chunk)
            # the next window: twice this line, so that one shaping usually finds its end
            window = max(_BREAK_WINDOW, 2 * (best - start))
            start = best
        return chunks


def _after_url_slash(text: str, k: int, urls: tuple[tuple[int, int], ...]) -> bool:
    """Whether a URL may break before text[k]: just after a "/" of it, not inside "//"."""
    if text[k - 1] != "/" or text[k] == "/":
        return False
    return any(s < k < e for s, e in urls)


def _words(text: str):
    """(start, end) of each maximal run of characters other than the space; a space before a
    word joiner (U+2060: "+966 ⁠11 ⁠234", `inline.printed`) is inside a word, not a break."""
    n = len(text)
    i = 0
    while i < n:
        if text[i] == " ":
            i += 1
            continue
        j = text.find(" ", i)
        while 0 <= j < n - 1 and text[j + 1] == "\u2060":
            j = text.find(" ", j + 1)
        if j < 0:
            j = n
        yield i, j
        i = j


_LINE_BREAKS = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def _paragraphs(text: str) -> tuple[list[int], list[str]]:
    """`text.splitlines() or [""]`, with the offset where each paragraph starts."""
    starts, paragraphs = [], []
    pos = 0
    for m in _LINE_BREAKS.finditer(text):
        starts.append(pos)
        paragraphs.append(text[pos : m.start()])
        pos = m.end()
    if pos < len(text) or not paragraphs:
        starts.append(pos)
        paragraphs.append(text[pos:])
    return starts, paragraphs


def _bold_marks(n: int, ranges) -> list[bool]:
    marks = [False] * n
    for start, end in ranges:
        for i in range(max(0, start), min(n, end)):
            marks[i] = True
    return marks


def _ranges(mask: list[bool]) -> tuple[tuple[int, int], ...]:
    out = []
    i, n = 0, len(mask)
    while i < n:
        if mask[i]:
            j = i
            while j < n and mask[j]:
                j += 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return tuple(out)


def _cluster_advances(piece: _Piece) -> dict[int, float]:
    """Advance (font units) of each cluster of a piece, keyed by the paragraph index where the
    cluster starts."""
    out: dict[int, float] = {}
    for g in piece.glyphs:
        k = piece.start + g[5]
        out[k] = out.get(k, 0) + g[2]
    return out


class LaidParts:
    """The bold ranges and links a paragraph (or a part of a split one) shows. A part made by
    split() reads them from its laid lines only when needed, so splitting stays cheap."""

    _laid: Laid | None
    _bold_ranges: tuple[tuple[int, int], ...] | None
    _links: tuple[tuple[int, int, str], ...] | None

    @property
    def bold_ranges(self) -> tuple[tuple[int, int], ...]:
        if self._bold_ranges is None:
            self._bold_ranges = self._laid.source_bold_ranges()
        return self._bold_ranges

    @property
    def links(self) -> tuple[tuple[int, int, str], ...]:
        if self._links is None:
            self._links = self._laid.source_links()
        return self._links


class BidiParagraph(Flowable, LaidParts):
    """A paragraph laid out by a TextEngine, which Platypus can flow and split by lines."""

    def __init__(
        self,
        text: str | None,
        engine: TextEngine,
        *,
        size: float = 11,
        base_dir: str = "rtl",
        bold: bool = False,
        align: str = "start",
        leading: float | None = None,
        color=None,
        space_before: float = 0,
        space_after: float = 0,
        bold_ranges: Sequence[tuple[int, int]] | None = (),
        orphans: int = 1,
        widows: int = 1,
        links: Sequence[tuple[int, int, str]] | None = (),
    ):
        super().__init__()
        self._text = text
        self._bold_ranges = None if bold_ranges is None else tuple(bold_ranges)
        self._links = None if links is None else tuple(links)
        self.orphans = orphans  # at least this many lines before a page break (CSS orphans)
        self.widows = widows  # and after it (CSS widows)
        self.engine = engine
        self.size = size
        self.base_dir = base_dir
        self.bold = bold
        self.align = align
        self.leading = leading
        self.color = color
        self.spaceBefore = space_before
        self.spaceAfter = space_after
        self._laid: Laid | None = None

    @property
    def text(self) -> str:
        """The text this paragraph (or part of a split one) shows."""
        if self._text is None:  # a part made by split(): its text is read only when needed
            self._text = self._laid.source_text()
        return self._text

    def _layout(self, width: float) -> Laid:
        laid = self._laid
        if laid is None or abs(laid.width - width) > 1e-6:
            laid = self._laid = self.engine.layout(
                self.text,
                size=self.size,
                width=width,
                base_dir=self.base_dir,
                bold=self.bold,
                align=self.align,
                leading=self.leading,
                bold_ranges=self.bold_ranges,
                links=self.links,
            )
        return laid

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab's names)
        laid = self._layout(availWidth)
        self.width, self.height = laid.width, laid.height
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        laid = self._layout(availWidth)
        fit = int((availHeight + 1e-6) // laid.leading)
        if fit >= len(laid.lines):
            return [self]
        fit = min(fit, len(laid.lines) - self.widows)
        if fit < max(1, self.orphans):
            return []
        first, rest = laid.split(fit)
        return [self._part(first, self.spaceBefore, 0), self._part(rest, 0, self.spaceAfter)]

    def _part(self, laid: Laid, before: float, after: float) -> BidiParagraph:
        # The part's text is not copied out here: a paragraph of megabytes splits at every page,
        # and copying the rest each time would make the cost grow with the square of its length.
        part = BidiParagraph(
            None,
            self.engine,
            size=self.size,
            base_dir=self.base_dir,
            bold=self.bold,
            align=self.align,
            leading=self.leading,
            color=self.color,
            space_before=before,
            space_after=after,
            bold_ranges=None,
            orphans=self.orphans,
            widows=self.widows,
            links=None,
        )
        part._laid = laid
        return part

    def draw(self):
        laid = self._laid if self._laid is not None else self._layout(self.width)
        if self.color is not None:
            self.canv.setFillColor(self.color)
        laid.draw(self.canv, 0, laid.height)
