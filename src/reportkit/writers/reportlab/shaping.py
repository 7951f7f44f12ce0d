"""Faces and shaping: which font draws each character, and HarfBuzz glyphs for a piece of text.

Its job, for the layout (paragraph.py) to build on:

- `Fonts` names the TrueType files; `load_face` loads each once per process (`Face`: HarfBuzz
  face and font, metrics for the PDF font descriptor, coverage, advances, shaped pieces
  cached per (piece, direction, context), never per size).
- `assign_fonts` gives every character a font: Arabic-script letters the Arabic font, other
  letters the Latin one; digits, punctuation and symbols the font of the nearest letter of
  their word, and a word without letters the first font of the paragraph's stack that has them
  (Western digits in Arabic text are the Arabic font's). A cluster its font cannot draw whole
  (a letter with its marks, an emoji with its selector, ZWJ partners, a flag pair) goes to the
  first fallback font that can.
- `Face.shape` shapes one piece of one level and one font in its direction (right to left
  mirrors brackets), with the rest of the word as context so that joining across piece edges is
  right, and gives each glyph the original text of its cluster (for the ToUnicode map).

Its promise: glyphs come back in visual order, each with the text it stands for (the widest
glyph of a cluster carries the cluster's characters, bidi controls left out, reversed in a
right-to-left piece as extractors read them back; a mark carries none), its advance and
offsets in font units, and where its cluster starts in the piece. It knows nothing of lines
or of the PDF.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import uharfbuzz as hb
from fontTools.ttLib import TTFont

__all__ = ["ARABIC", "LATIN", "Face", "Fonts", "assign_fonts", "load_face"]


@dataclass(frozen=True)
class Fonts:
    """The TrueType files the engine draws with."""

    arabic: Path
    arabic_bold: Path
    latin: Path
    latin_bold: Path
    # Tried in order for a cluster neither text font has (symbols, arrows, emoji); one weight.
    fallbacks: tuple[Path, ...] = ()


# Left out of the text layer: bidi controls, and the word joiner and zero-width space that only
# say where a line may break (`inline.printed`).
_BIDI_CONTROLS = dict.fromkeys(
    map(
        ord,
        "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2060\u200b",
    )
)
_SHAPE_CACHE_LIMIT = 200_000
_SHAPE_CACHE_TEXT = 64  # longer pieces (parts of over-long words) are not kept: they rarely recur


class Face:
    """One font file: HarfBuzz objects, metrics, coverage and a cache of shaped pieces."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.data = self.path.read_bytes()
        self.hb_face = hb.Face(hb.Blob(self.data))
        self.hb_font = hb.Font(self.hb_face)  # scale = units per em: positions in font units
        self.upem = self.hb_face.upem
        self.cmap = frozenset(self.hb_face.unicodes)
        with TTFont(str(self.path), lazy=True) as tt:  # only small tables are read
            self._read_metrics(tt)
        self._advances: dict[int, int] = {}
        self.space_advance = self.advance(self.hb_font.get_nominal_glyph(0x20) or 0)
        self._shaped: dict[tuple, tuple] = {}
        self.language = "ar" if 0x0628 in self.cmap else "en"

    def _read_metrics(self, tt) -> None:
        """Ascent, descent, box, cap height, angle and stem for the PDF font descriptor."""
        head, hhea, os2 = tt["head"], tt["hhea"], tt.get("OS/2")
        scale = 1000 / self.upem
        self.ascent = hhea.ascent / self.upem  # in em
        self.descent = -abs(hhea.descent) / self.upem
        self.bbox = [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
        cap = getattr(os2, "sCapHeight", 0) if os2 is not None else 0
        self.cap_height = round((cap or hhea.ascent) * scale)
        self.italic_angle = float(tt["post"].italicAngle)
        weight = getattr(os2, "usWeightClass", 400) if os2 is not None else 400
        self.stem_v = round(50 + (weight / 65) ** 2)  # the usual estimate
        name = self.hb_face.get_name(hb.OTNameIdPredefined.POSTSCRIPT_NAME) or self.path.stem
        self.ps_name = "".join(c for c in name if 33 <= ord(c) <= 126 and c not in "[](){}<>/%#")

    def advance(self, gid: int) -> int:
        adv = self._advances.get(gid)
        if adv is None:
            adv = self._advances[gid] = self.hb_font.get_glyph_h_advance(gid)
        return adv

    def shape(self, text: str, rtl: bool, pre: str, post: str) -> tuple[tuple, int]:
        """Glyphs of `text` in visual order and their total advance (font units).

        A glyph is (gid, text it stands for, advance, x offset, y offset, index in `text` where
        its cluster starts). `pre`/`post` are context, not shaped."""
        key = (text, rtl, pre, post)
        hit = self._shaped.get(key)
        if hit is not None:
            return hit
        buf = hb.Buffer()
        buf.add_str(pre + text + post, len(pre), len(text))
        buf.direction = "rtl" if rtl else "ltr"
        buf.language = self.language  # explicit, so the output never depends on the locale
        buf.guess_segment_properties()
        buf.flags = hb.BufferFlags.REMOVE_DEFAULT_IGNORABLES
        hb.shape(self.hb_font, buf, None)
        off = len(pre)
        raw = [
            (info.codepoint, info.cluster - off, pos.x_advance, pos.x_offset, pos.y_offset)
            for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True)
        ]
        result = (_cluster_texts(raw, text, rtl), sum(g[2] for g in raw))
        if len(text) <= _SHAPE_CACHE_TEXT:
            if len(self._shaped) >= _SHAPE_CACHE_LIMIT:
                self._shaped.clear()
            self._shaped[key] = result
        return result


def _cluster_texts(raw: list[tuple], text: str, rtl: bool) -> tuple:
    """Give each glyph the original text of its cluster, for the ToUnicode map.

    HarfBuzz's default clusters hold a base letter with its marks; the letters of a ligature
    share one. A cluster's text goes to its widest glyph (the base, not a mark); its other glyphs
    carry none and are drawn as outlines. Right-to-left, a text of several characters is stored
    in visual order (reversed): the page's glyphs are in visual order and extractors (poppler
    and pdfium, checked) put a right-to-left line back into logical order by reversing its
    characters, a glyph's several characters included. Stored in logical order, the "الله"
    ligature would extract as "اهلل" and "بِ" with its kasra before the beh.
    """
    if not raw:
        return ()
    starts = sorted({g[1] for g in raw})
    end_of = {
        c: (starts[j + 1] if j + 1 < len(starts) else len(text)) for j, c in enumerate(starts)
    }
    carrier: dict[int, int] = {}  # cluster → index of the glyph that carries its text
    for k, g in enumerate(raw):
        best = carrier.get(g[1])
        if best is None or g[2] > raw[best][2]:
            carrier[g[1]] = k
    texts = {cl: text[cl : end_of[cl]].translate(_BIDI_CONTROLS) for cl in starts}
    if rtl:
        texts = {cl: t[::-1] for cl, t in texts.items()}
    return tuple(
        (gid, texts[cl] if carrier[cl] == k else "", adv, xo, yo, cl)
        for k, (gid, cl, adv, xo, yo) in enumerate(raw)
    )


_faces: dict[Path, Face] = {}


def load_face(path: Path) -> Face:
    """The face of a font file, loaded once per process (by its resolved path)."""
    path = Path(path).resolve()
    face = _faces.get(path)
    if face is None:
        face = _faces[path] = Face(path)
    return face


def _is_arabic(cp: int) -> bool:
    return (
        0x0600 <= cp <= 0x06FF
        or 0x0750 <= cp <= 0x077F
        or 0x0870 <= cp <= 0x08FF
        or 0xFB50 <= cp <= 0xFDFF
        or 0xFE70 <= cp <= 0xFEFF
        or 0x10E60 <= cp <= 0x10E7F
        or 0x1EE00 <= cp <= 0x1EEFF
    )


ARABIC, LATIN = 0, 1
_WESTERN_DIGITS = frozenset("0123456789")
_kind_cache: dict[str, int] = {}


def _kind(ch: str) -> int:
    """0 Arabic letter, 1 other letter, 2 neutral (digit, punctuation, space...), 3 mark,
    4 invisible format character (joiners, bidi controls)."""
    k = _kind_cache.get(ch)
    if k is None:
        cat = unicodedata.category(ch)
        if cat[0] == "M":
            k = 3
        elif cat == "Cf":
            k = 4
        elif cat[0] == "L":
            k = 0 if _is_arabic(ord(ch)) else 1
        else:
            k = 2
        _kind_cache[ch] = k
    return k


def _stack(base: int, count: int) -> tuple[int, ...]:
    """Face indices in the order a paragraph of base level `base` tries them (resources'
    font_stack): its own script's text font, the other one, then the fallbacks."""
    first = (ARABIC, LATIN) if base == 1 else (LATIN, ARABIC)
    return first + tuple(range(2, count))


def _extends(ch: str) -> bool:
    """Whether a character belongs to the cluster before it: a mark, a variation selector, an
    emoji skin-tone modifier or a tag character (subdivision flags)."""
    cp = ord(ch)
    return (
        unicodedata.category(ch)[0] == "M"
        or 0xFE00 <= cp <= 0xFE0F
        or 0x1F3FB <= cp <= 0x1F3FF
        or 0xE0020 <= cp <= 0xE007F
        or 0xE0100 <= cp <= 0xE01EF
    )


def _pictographic(ch: str) -> bool:
    cp = ord(ch)
    return unicodedata.category(ch) == "So" or 0x1F000 <= cp <= 0x1FAFF


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _clusters(text: str):
    """(start, end) of each cluster, as one font must draw it: a character with what extends
    it (marks, selectors, modifiers), emoji joined by ZWJ, and pairs of regional indicators
    (flags). A ZWJ after a letter stays with that letter and joins nothing to it."""
    i, n = 0, len(text)
    while i < n:
        base = text[i]
        j = i + 1
        if _is_regional(base) and j < n and _is_regional(text[j]):
            j += 1
        while j < n:
            ch = text[j]
            if _extends(ch):
                j += 1
            elif ch == "\u200d":
                j += 1
                if j < n and _pictographic(base) and _pictographic(text[j]):
                    j += 1
            else:
                break
        yield i, j
        i = j


def _cover_clusters(
    text: str, font: list[int], kinds: list[int], faces: tuple, stack: tuple[int, ...]
) -> list[int]:
    """Give each cluster one font that draws it whole: its base's font when it can, else the
    first of the stack that can, else the first that has its base character.

    Only paragraphs that need it are walked cluster by cluster: those with a character its font
    lacks, or with a fallback font in use (an emoji's ZWJ or selector may sit in another font
    than the emoji, and the sequence must be shaped in one piece to become one glyph)."""
    missing = {
        ch
        for ch, f in set(zip(text, font, strict=True))
        if _kind(ch) != 4 and ord(ch) not in faces[f].cmap
    }
    if not missing and max(font, default=0) <= LATIN:
        return font
    for s, e in _clusters(text):
        if e - s == 1 and text[s] not in missing:
            continue
        needed = {ord(text[k]) for k in range(s, e) if kinds[k] != 4}
        own = font[s]
        if all(font[k] == own for k in range(s, e)) and needed <= faces[own].cmap:
            continue
        order = (own, *stack)
        choice = next((f for f in order if needed <= faces[f].cmap), None)
        if choice is None:
            cp = ord(text[s])
            choice = next((f for f in order if cp in faces[f].cmap), own)
        for k in range(s, e):
            font[k] = choice
    return font


def assign_fonts(text: str, faces: tuple[Face, ...], base: int) -> list[int]:
    """Font of every character, an index into `faces` (0 Arabic, 1 Latin, then fallbacks).

    Arabic letters take the Arabic font, other letters the Latin one. In a right-to-left
    paragraph Western digits and the signs between two of them take the Arabic font, as in the
    other writers. Other digits, punctuation and symbols take the font of the nearest letter of
    their word; a word without letters (a
    number, "+966", an emoji) takes the first font of the paragraph's stack that has the
    character, so Western digits in Arabic text are drawn in the Arabic font, as Arabic
    typesetting does. Spaces follow the nearest letter of the paragraph (their width is the
    neighbouring script's). Last, a cluster (a letter with its marks, an emoji with its
    variation selector, modifiers and ZWJ partners, a flag) that its font cannot draw whole
    goes to the first font of the stack that can."""
    n = len(text)
    kinds = [_kind(c) for c in text]
    font = [k if k < 2 else -1 for k in kinds]
    stack = _stack(base, len(faces))
    if -1 in font:
        # the nearest letter's font, before and after, in the word and in the paragraph
        prev_word = [-1] * n
        prev_para = [-1] * n
        in_word = in_para = -1
        for i in range(n):
            if text[i] == " ":
                in_word = -1
            prev_word[i], prev_para[i] = in_word, in_para
            if font[i] >= 0:
                in_word = in_para = font[i]
        next_word = [-1] * n
        next_para = [-1] * n
        in_word = in_para = -1
        for i in range(n - 1, -1, -1):
            if text[i] == " ":
                in_word = -1
            next_word[i], next_para[i] = in_word, in_para
            if font[i] >= 0:
                in_word = in_para = font[i]
        for i in range(n):
            if font[i] >= 0:
                continue
            if kinds[i] == 3 and i > 0:
                font[i] = font[i - 1]  # a mark goes with its base
                continue
            if base == 1 and (
                text[i] in _WESTERN_DIGITS
                or (
                    0 < i < n - 1
                    and text[i - 1] in _WESTERN_DIGITS
                    and text[i + 1] in _WESTERN_DIGITS
                )
            ):
                # in Arabic text, glued to Latin letters too ("v2.3.1"): the digits and the
                # signs between them
                font[i] = ARABIC
                continue
            f = prev_word[i] if prev_word[i] >= 0 else next_word[i]
            if f < 0 and text[i] == " ":
                f = prev_para[i] if prev_para[i] >= 0 else next_para[i]
            if f < 0:
                cp = ord(text[i])
                f = next((s for s in stack if cp in faces[s].cmap), stack[0])
            font[i] = f
    return _cover_clusters(text, font, kinds, faces, stack)
