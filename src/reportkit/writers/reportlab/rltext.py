"""Bidi text engine for ReportLab: shaped, correctly ordered Arabic with embedded Latin and numbers.

ReportLab's own right-to-left support needs `rlbidi` (not on PyPI) and, with `shaping=1`, turns
bidi off and only reverses words per line; its shaped-text path also maps every glyph back to a
single character of the font's cmap (presentation forms, or private-use codes for unencoded
glyphs), so extraction would give presentation forms. This module does the whole job itself:

1. Levels: the Unicode Bidirectional Algorithm (UAX #9, rules P2-P3, X1-X10, W1-W7, N0-N2,
   I1-I2) resolves every character's embedding level for the paragraph (`bidi_levels`).
2. Fonts: Arabic-script letters take the Arabic font, other letters the Latin one; digits,
   punctuation and symbols take the font of the nearest letter of their word, and a word without
   letters the first font of the paragraph's stack that has them (Western digits in Arabic text
   are the Arabic font's). A cluster its font cannot draw whole (a symbol, an arrow, an emoji
   with its selector, ZWJ partners or flag pair) goes to the first fallback font that can.
3. Shaping: a word is cut into pieces of one level and one font; each piece is shaped by HarfBuzz
   in its own direction (RTL for odd levels, which also mirrors brackets) with the rest of the word
   as context, so joining across piece edges is right. Results are cached per
   (font, piece, direction, context): they do not depend on the size.
4. Lines: words are broken into lines on their shaped widths (at spaces; a word longer than a line
   breaks between clusters, found by shaping a window of a few lines at a time, so that a word of
   megabytes costs time in proportion to its length; a URL longer than a line starts where it
   stands and breaks after a "/", never at a hyphen), then each line is reordered for display
   (UAX #9 rules L1-L2).
5. Drawing: glyphs are drawn by glyph ID, in visual order, in a Type0/CIDFontType2 font
   (Identity-H) that the engine embeds as a subset (HarfBuzz's subsetter, glyph IDs kept). A CID
   stands for one (glyph, text) pair: the ToUnicode CMap maps it to the original characters of its
   cluster, never to presentation forms. Glyphs that carry no text (marks, whose text their base
   carries) are drawn as filled outlines, so extractors see unbroken words. Bidi controls draw
   nothing and are in no glyph's text. Links become link annotations over their glyphs, one per
   line they occupy.

Public API: `Fonts`, `TextEngine.layout` → `Laid` (`Laid.draw`), `BidiParagraph` (a Platypus
Flowable), and `bidi_levels` / `bidi_line` for the bare algorithm.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Fonts",
    "TextEngine",
    "Laid",
    "Line",
    "Run",
    "BidiParagraph",
    "bidi_levels",
    "bidi_line",
]

# ---------------------------------------------------------------------------------------------
# 1. The Unicode Bidirectional Algorithm (UAX #9), paragraph level: levels of every character.
# ---------------------------------------------------------------------------------------------

_MAX_DEPTH = 125
_ISOLATE_INITIATORS = frozenset(("LRI", "RLI", "FSI"))
_REMOVED_X9 = frozenset(("RLE", "LRE", "RLO", "LRO", "PDF", "BN"))
_NEUTRAL_OR_ISOLATE = frozenset(("B", "S", "WS", "ON", "LRI", "RLI", "FSI", "PDI"))
# Types that make a paragraph anything but plain left-to-right.
_NOT_PLAIN_LTR = frozenset(
    ("R", "AL", "AN", "RLE", "LRE", "RLO", "LRO", "PDF", "RLI", "LRI", "FSI", "PDI")
)

# Bidi_Paired_Bracket pairs of BidiBrackets.txt (Unicode 14), opening → closing.
# fmt: off
_BRACKET_PAIRS = {
    0x0028: 0x0029, 0x005B: 0x005D, 0x007B: 0x007D, 0x0F3A: 0x0F3B, 0x0F3C: 0x0F3D,
    0x169B: 0x169C, 0x2045: 0x2046, 0x207D: 0x207E, 0x208D: 0x208E, 0x2308: 0x2309,
    0x230A: 0x230B, 0x2329: 0x232A, 0x2768: 0x2769, 0x276A: 0x276B, 0x276C: 0x276D,
    0x276E: 0x276F, 0x2770: 0x2771, 0x2772: 0x2773, 0x2774: 0x2775, 0x27C5: 0x27C6,
    0x27E6: 0x27E7, 0x27E8: 0x27E9, 0x27EA: 0x27EB, 0x27EC: 0x27ED, 0x27EE: 0x27EF,
    0x2983: 0x2984, 0x2985: 0x2986, 0x2987: 0x2988, 0x2989: 0x298A, 0x298B: 0x298C,
    0x298D: 0x2990, 0x298F: 0x298E, 0x2991: 0x2992, 0x2993: 0x2994, 0x2995: 0x2996,
    0x2997: 0x2998, 0x29D8: 0x29D9, 0x29DA: 0x29DB, 0x29FC: 0x29FD, 0x2E22: 0x2E23,
    0x2E24: 0x2E25, 0x2E26: 0x2E27, 0x2E28: 0x2E29, 0x2E55: 0x2E56, 0x2E57: 0x2E58,
    0x2E59: 0x2E5A, 0x2E5B: 0x2E5C, 0x3008: 0x3009, 0x300A: 0x300B, 0x300C: 0x300D,
    0x300E: 0x300F, 0x3010: 0x3011, 0x3014: 0x3015, 0x3016: 0x3017, 0x3018: 0x3019,
    0x301A: 0x301B, 0xFE59: 0xFE5A, 0xFE5B: 0xFE5C, 0xFE5D: 0xFE5E, 0xFF08: 0xFF09,
    0xFF3B: 0xFF3D, 0xFF5B: 0xFF5D, 0xFF5F: 0xFF60, 0xFF62: 0xFF63,
}
_CLOSING = {c: o for o, c in _BRACKET_PAIRS.items()}
_CANONICAL_BRACKET = {0x2329: 0x3008, 0x232A: 0x3009}  # canonical equivalents compare equal

# Default Bidi_Class of unassigned code points in right-to-left blocks (DerivedBidiClass.txt).
_DEFAULT_RTL = (
    (0x0590, 0x05FF, "R"), (0x0600, 0x07BF, "AL"), (0x07C0, 0x085F, "R"), (0x0860, 0x08FF, "AL"),
    (0xFB1D, 0xFB4F, "R"), (0xFB50, 0xFDCF, "AL"), (0xFDF0, 0xFDFF, "AL"), (0xFE70, 0xFEFF, "AL"),
    (0x10800, 0x10CFF, "R"), (0x10D00, 0x10D3F, "AL"), (0x10D40, 0x10EBF, "R"),
    (0x10EC0, 0x10EFF, "AL"), (0x10F00, 0x10F2F, "R"), (0x10F30, 0x10F6F, "AL"),
    (0x10F70, 0x10FFF, "R"), (0x1E800, 0x1EC6F, "R"), (0x1EC70, 0x1ECBF, "AL"),
    (0x1ECC0, 0x1ECFF, "R"), (0x1ED00, 0x1ED4F, "AL"), (0x1ED50, 0x1EDFF, "R"),
    (0x1EE00, 0x1EEFF, "AL"), (0x1EF00, 0x1EFFF, "R"),
)
# fmt: on

_bidirectional = unicodedata.bidirectional
_class_cache: dict[str, str] = {}


def _bidi_class(ch: str) -> str:
    cls = _class_cache.get(ch)
    if cls is None:
        cls = _bidirectional(ch)
        if not cls:  # unassigned
            cp = ord(ch)
            cls = "L"
            if (0xFDD0 <= cp <= 0xFDEF) or (cp & 0xFFFE) == 0xFFFE:
                cls = "BN"
            for lo, hi, c in _DEFAULT_RTL:
                if lo <= cp <= hi:
                    cls = c
                    break
        _class_cache[ch] = cls
    return cls


def _first_strong(types: list[str], start: int, end: int) -> int | None:
    """P2/P3: level (0/1) of the first strong character in [start, end), skipping isolates."""
    depth = 0
    for i in range(start, end):
        t = types[i]
        if t in _ISOLATE_INITIATORS:
            depth += 1
        elif t == "PDI":
            if depth:
                depth -= 1
        elif depth == 0:
            if t == "L":
                return 0
            if t in ("R", "AL"):
                return 1
    return None


def _strong_dir(t: str) -> str | None:
    """Direction a type counts as for N0-N2: EN and AN count as R."""
    if t == "L":
        return "L"
    if t in ("R", "EN", "AN"):
        return "R"
    return None


def bidi_levels(text: str, base_dir: str = "rtl") -> tuple[list[int], int]:
    """Resolved embedding levels of one paragraph (UAX #9 up to rule I2), and its base level.

    base_dir: "rtl", "ltr" or "auto" (rules P2-P3, left to right when there is no strong
    character). Characters removed by rule X9 (embedding controls, BN) get the level of the
    character before them. Line rules L1-L2 are applied later, per line.
    """
    n = len(text)
    orig = [_bidi_class(c) for c in text]
    if base_dir == "rtl":
        base = 1
    elif base_dir == "ltr":
        base = 0
    elif base_dir == "auto":
        base = _first_strong(orig, 0, n) or 0
    else:
        raise ValueError(f"base_dir must be 'rtl', 'ltr' or 'auto', not {base_dir!r}")
    if base == 0 and not _NOT_PLAIN_LTR.intersection(orig):
        return [0] * n, 0  # plain left-to-right text: nothing to resolve

    # Matching PDIs of isolate initiators (BD9).
    match: dict[int, int] = {}
    open_isolates: list[int] = []
    for i, t in enumerate(orig):
        if t in _ISOLATE_INITIATORS:
            open_isolates.append(i)
        elif t == "PDI" and open_isolates:
            match[open_isolates.pop()] = i

    # X1-X8: explicit levels and directions.
    types = list(orig)
    levels = [base] * n
    stack: list[tuple[int, str | None, bool]] = [(base, None, False)]  # level, override, isolate
    overflow_isolates = overflow_embeddings = valid_isolates = 0
    for i, t in enumerate(orig):
        if t in ("RLE", "LRE", "RLO", "LRO"):
            cur = stack[-1][0]
            new = (cur + 1) | 1 if t[0] == "R" else (cur + 2) & ~1
            levels[i] = cur
            if new <= _MAX_DEPTH and not overflow_isolates and not overflow_embeddings:
                override = None if t[2] == "E" else t[0]
                stack.append((new, override, False))
            elif not overflow_isolates:
                overflow_embeddings += 1
        elif t in _ISOLATE_INITIATORS:
            cur, override, _ = stack[-1]
            levels[i] = cur
            if override:
                types[i] = override
            if t == "FSI":
                end = match.get(i, n)
                rtl = _first_strong(orig, i + 1, end) == 1
            else:
                rtl = t == "RLI"
            new = (cur + 1) | 1 if rtl else (cur + 2) & ~1
            if new <= _MAX_DEPTH and not overflow_isolates and not overflow_embeddings:
                valid_isolates += 1
                stack.append((new, None, True))
            else:
                overflow_isolates += 1
        elif t == "PDI":
            if overflow_isolates:
                overflow_isolates -= 1
            elif valid_isolates:
                overflow_embeddings = 0
                while not stack[-1][2]:
                    stack.pop()
                stack.pop()
                valid_isolates -= 1
            cur, override, _ = stack[-1]
            levels[i] = cur
            if override:
                types[i] = override
        elif t == "PDF":
            levels[i] = stack[-1][0]
            if overflow_isolates:
                pass
            elif overflow_embeddings:
                overflow_embeddings -= 1
            elif not stack[-1][2] and len(stack) >= 2:
                stack.pop()
        elif t == "B":
            levels[i] = base
        elif t == "BN":
            levels[i] = stack[-1][0]
        else:
            cur, override, _ = stack[-1]
            levels[i] = cur
            if override:
                types[i] = override

    # X9-X10: level runs of the remaining characters, chained into isolating run sequences.
    kept = [i for i in range(n) if orig[i] not in _REMOVED_X9]
    if not kept:
        return levels, base
    runs: list[list[int]] = []
    run = [kept[0]]
    for i in kept[1:]:
        if levels[i] == levels[run[-1]]:
            run.append(i)
        else:
            runs.append(run)
            run = [i]
    runs.append(run)
    run_starting_at = {r[0]: r for r in runs}
    matched_pdis = set(match.values())
    position_in_kept = {i: k for k, i in enumerate(kept)}

    explicit = list(levels)  # sos/eos compare embedding levels, not resolved ones
    for first_run in runs:
        if first_run[0] in matched_pdis and orig[first_run[0]] == "PDI":
            continue  # continues the sequence of its isolate initiator
        seq = list(first_run)
        while orig[seq[-1]] in _ISOLATE_INITIATORS and seq[-1] in match:
            nxt = run_starting_at.get(match[seq[-1]])
            if nxt is None:
                break
            seq.extend(nxt)
        level = explicit[seq[0]]
        k0 = position_in_kept[seq[0]]
        before = explicit[kept[k0 - 1]] if k0 > 0 else base
        k1 = position_in_kept[seq[-1]]
        if orig[seq[-1]] in _ISOLATE_INITIATORS or k1 + 1 >= len(kept):
            after = base
        else:
            after = explicit[kept[k1 + 1]]
        sos = "R" if max(before, level) & 1 else "L"
        eos = "R" if max(after, level) & 1 else "L"
        _resolve_sequence(seq, types, orig, levels, level, sos, eos, text)

    # Characters removed by X9 take the level of the character before them.
    prev = base
    for i in range(n):
        if orig[i] in _REMOVED_X9:
            levels[i] = prev
        else:
            prev = levels[i]
    return levels, base


def _resolve_sequence(
    seq: list[int],
    types: list[str],
    orig: list[str],
    levels: list[int],
    level: int,
    sos: str,
    eos: str,
    text: str,
) -> None:
    """W1-W7, N0-N2 and I1-I2 on one isolating run sequence (indices `seq`)."""
    t = [types[i] for i in seq]
    n = len(t)
    # W1: NSM takes the type of the previous character (ON after an isolate initiator or PDI).
    prev = sos
    for k in range(n):
        if t[k] == "NSM":
            t[k] = "ON" if prev in _ISOLATE_INITIATORS or prev == "PDI" else prev
        prev = t[k]
    # W2: EN after AL becomes AN. W3: AL becomes R.
    last = sos
    for k in range(n):
        tk = t[k]
        if tk in ("L", "R", "AL"):
            last = tk
            if tk == "AL":
                t[k] = "R"
        elif tk == "EN" and last == "AL":
            t[k] = "AN"
    # W4: a single separator between two numbers of the same kind.
    for k in range(1, n - 1):
        tk = t[k]
        if tk == "ES":
            if t[k - 1] == "EN" and t[k + 1] == "EN":
                t[k] = "EN"
        elif tk == "CS":
            a = t[k - 1]
            if a in ("EN", "AN") and t[k + 1] == a:
                t[k] = a
    # W5: terminators next to European numbers become EN.
    k = 0
    while k < n:
        if t[k] == "ET":
            j = k
            while j < n and t[j] == "ET":
                j += 1
            if (k > 0 and t[k - 1] == "EN") or (j < n and t[j] == "EN"):
                for m in range(k, j):
                    t[m] = "EN"
            k = j
        else:
            k += 1
    # W6: remaining separators and terminators become ON. W7: EN after L becomes L.
    last = sos
    for k in range(n):
        tk = t[k]
        if tk in ("ES", "ET", "CS"):
            t[k] = "ON"
        elif tk in ("L", "R"):
            last = tk
        elif tk == "EN" and last == "L":
            t[k] = "L"
    embedding = "R" if level & 1 else "L"
    # N0: paired brackets.
    pairs: list[tuple[int, int]] = []
    opened: list[tuple[int, int]] = []  # (closing code point, position)
    for k in range(n):
        if t[k] != "ON":
            continue
        cp = ord(text[seq[k]])
        if cp in _BRACKET_PAIRS:
            if len(opened) == 63:
                break
            closing = _BRACKET_PAIRS[cp]
            opened.append((_CANONICAL_BRACKET.get(closing, closing), k))
        elif cp in _CLOSING:
            cp = _CANONICAL_BRACKET.get(cp, cp)
            for s in range(len(opened) - 1, -1, -1):
                if opened[s][0] == cp:
                    pairs.append((opened[s][1], k))
                    del opened[s:]
                    break
    if pairs:
        pairs.sort()
        for o, c in pairs:
            found_embedding = found_opposite = False
            for k in range(o + 1, c):
                d = _strong_dir(t[k])
                if d == embedding:
                    found_embedding = True
                    break
                if d:
                    found_opposite = True
            if found_embedding:
                new = embedding
            elif found_opposite:
                new = sos
                for k in range(o - 1, -1, -1):
                    d = _strong_dir(t[k])
                    if d:
                        new = d
                        break
            else:
                continue
            t[o] = t[c] = new
            for b in (o, c):  # NSMs after a bracket follow it
                k = b + 1
                while k < n and orig[seq[k]] == "NSM":
                    t[k] = new
                    k += 1
    # N1-N2: neutrals between two strong types of one direction take it, else the embedding's.
    k = 0
    while k < n:
        if t[k] in _NEUTRAL_OR_ISOLATE:
            j = k
            while j < n and t[j] in _NEUTRAL_OR_ISOLATE:
                j += 1
            before = sos if k == 0 else _strong_dir(t[k - 1])
            after = eos if j == n else _strong_dir(t[j])
            new = before if before == after else embedding
            for m in range(k, j):
                t[m] = new
            k = j
        else:
            k += 1
    # I1-I2: implicit levels.
    for k in range(n):
        i = seq[k]
        tk = t[k]
        if level & 1:
            if tk in ("L", "EN", "AN"):
                levels[i] = level + 1
        elif tk == "R":
            levels[i] = level + 1
        elif tk in ("AN", "EN"):
            levels[i] = level + 2


def _reorder(levels: list[int]) -> list[int]:
    """Rule L2: visual order (indices) of items with the given levels."""
    order = list(range(len(levels)))
    if not levels:
        return order
    highest = max(levels)
    lowest_odd = min(lv for lv in levels) | 1
    lv = list(levels)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        n = len(lv)
        while i < n:
            if lv[i] >= level:
                j = i
                while j < n and lv[j] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                lv[i:j] = lv[i:j][::-1]
                i = j
            else:
                i += 1
    return order


_RESET_AT_LINE_END = frozenset(("WS", "LRI", "RLI", "FSI", "PDI"))


def bidi_line(text: str, base_dir: str = "rtl") -> tuple[list[int | None], list[int]]:
    """One paragraph shown as one line: each character's level after rule L1 (None for those
    rule X9 removes) and the visual order (rule L2, left to right) of the others.

    This is the whole algorithm as BidiCharacterTest.txt states it; the layout applies the same
    rules per line, where the spaces a line ends with are not drawn at all."""
    levels, base = bidi_levels(text, base_dir)
    classes = [_bidi_class(c) for c in text]
    out: list[int | None] = list(levels)
    # L1: separators, and white space and isolate controls before them or at the line's end,
    # go back to the paragraph level (characters removed by X9 inside such a run go along).
    trailing = True
    for i in range(len(text) - 1, -1, -1):
        cls = classes[i]
        if cls in ("S", "B"):
            out[i] = base
            trailing = True
        elif trailing and (cls in _RESET_AT_LINE_END or cls in _REMOVED_X9):
            out[i] = base
        else:
            trailing = False
    kept = [i for i in range(len(text)) if classes[i] not in _REMOVED_X9]
    for i in range(len(text)):
        if classes[i] in _REMOVED_X9:
            out[i] = None
    order = _reorder([out[i] for i in kept])
    return out, [kept[k] for k in order]


# ---------------------------------------------------------------------------------------------
# 2. Fonts: loaded once per file, shaped pieces cached.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fonts:
    """The TrueType files the engine draws with."""

    arabic: Path
    arabic_bold: Path
    latin: Path
    latin_bold: Path
    # Tried in order for a cluster neither text font has (symbols, arrows, emoji); one weight.
    fallbacks: tuple[Path, ...] = ()


_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
_SHAPE_CACHE_LIMIT = 200_000
_SHAPE_CACHE_TEXT = 64  # longer pieces (parts of over-long words) are not kept: they rarely recur
_LONG_WORD = 256  # characters: a longer word is measured in windows before it is shaped whole
_BREAK_WINDOW = 256  # characters shaped at a time to find where an over-long word breaks


class _Face:
    """One font file: HarfBuzz objects, metrics, coverage and a cache of shaped pieces."""

    def __init__(self, path: Path):
        import uharfbuzz as hb
        from fontTools.ttLib import TTFont

        self.path = Path(path)
        self.data = self.path.read_bytes()
        self.hb_face = hb.Face(hb.Blob(self.data))
        self.hb_font = hb.Font(self.hb_face)  # scale = units per em: positions in font units
        self.upem = self.hb_face.upem
        self.cmap = frozenset(self.hb_face.unicodes)
        with TTFont(str(self.path), lazy=True) as tt:  # only small tables are read
            self._read_metrics(tt)
        self._advances: dict[int, int] = {}
        self._outlines: dict[int, str] = {}
        self.space_advance = self.advance(self.hb_font.get_nominal_glyph(0x20) or 0)
        self._shaped: dict[tuple, tuple] = {}
        self.language = "ar" if 0x0628 in self.cmap else "en"

    def _read_metrics(self, tt) -> None:
        """Ascent, descent, box, cap height, angle and stem for the PDF font descriptor."""
        import uharfbuzz as hb

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

    def outline(self, gid: int) -> str:
        """The glyph's outline as PDF path operators, in font units (filled with f)."""
        ops = self._outlines.get(gid)
        if ops is None:
            pen = _PdfPathPen()
            self.hb_font.draw_glyph_with_pen(gid, pen)
            ops = self._outlines[gid] = " ".join(pen.ops)
        return ops

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
        import uharfbuzz as hb

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


class _PdfPathPen:
    """A fontTools-style pen writing PDF path operators (quadratic curves made cubic)."""

    def __init__(self):
        self.ops: list[str] = []
        self._cur = (0.0, 0.0)

    def moveTo(self, p):  # noqa: N802 (the pen protocol's names)
        self.ops.append(f"{_num(p[0])} {_num(p[1])} m")
        self._cur = p

    def lineTo(self, p):  # noqa: N802
        self.ops.append(f"{_num(p[0])} {_num(p[1])} l")
        self._cur = p

    def qCurveTo(self, *points):  # noqa: N802
        # HarfBuzz hands over one control point and its end point at a time; be general anyway
        *controls, end = points
        for i, c in enumerate(controls):
            e = (
                end
                if i == len(controls) - 1
                else ((c[0] + controls[i + 1][0]) / 2, (c[1] + controls[i + 1][1]) / 2)
            )
            x0, y0 = self._cur
            c1 = (x0 + 2 / 3 * (c[0] - x0), y0 + 2 / 3 * (c[1] - y0))
            c2 = (e[0] + 2 / 3 * (c[0] - e[0]), e[1] + 2 / 3 * (c[1] - e[1]))
            self.ops.append(" ".join(_num(v) for v in (*c1, *c2, *e)) + " c")
            self._cur = e

    def curveTo(self, *points):  # noqa: N802
        c1, c2, end = points[-3:]
        self.ops.append(" ".join(_num(v) for v in (*c1, *c2, *end)) + " c")
        self._cur = end

    def closePath(self):  # noqa: N802
        self.ops.append("h")

    endPath = closePath  # noqa: N815


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


_faces: dict[Path, _Face] = {}


def _face(path: Path) -> _Face:
    path = Path(path).resolve()
    face = _faces.get(path)
    if face is None:
        face = _faces[path] = _Face(path)
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


_ARABIC, _LATIN = 0, 1
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
    first = (_ARABIC, _LATIN) if base == 1 else (_LATIN, _ARABIC)
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
    if not missing and max(font, default=0) <= _LATIN:
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


# ---------------------------------------------------------------------------------------------
# 3. Layout: words, lines, visual order.
# ---------------------------------------------------------------------------------------------


@dataclass
class _Piece:
    """Part of a word with one level and one font, shaped (glyphs in visual order)."""

    start: int
    end: int
    level: int
    face: _Face
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
        spans: dict[int, list[int]] = {}
        for ln in self.lines:
            span = spans.setdefault(ln.para, [ln.start, ln.end])
            span[0], span[1] = min(span[0], ln.start), max(span[1], ln.end)
        return "\n".join(self.paragraphs[p][a:b] for p, (a, b) in spans.items())

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
        fonts = _doc_fonts(canvas)
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
                        out.append(f"/{pdf_font.name} {_num(size)} Tf")
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


def _num(v: float) -> str:
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


class TextEngine:
    """Lays out paragraphs of mixed Arabic and Latin text for ReportLab."""

    def __init__(self, fonts: Fonts):
        self.fonts = fonts
        fallbacks = tuple(_face(path) for path in fonts.fallbacks)
        # faces[0] Arabic, faces[1] Latin, then the fallbacks (shared by both weights)
        self._faces = {
            False: (_face(fonts.arabic), _face(fonts.latin), *fallbacks),
            True: (_face(fonts.arabic_bold), _face(fonts.latin_bold), *fallbacks),
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
        primary = faces[_ARABIC] if first_rtl else faces[_LATIN]
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
        faces: tuple[_Face, ...],
        justify: bool,
        mask: list[bool] | None = None,
        links: tuple[tuple[int, int, str], ...] = (),
    ) -> tuple[list[Line], int]:
        levels, base = bidi_levels(text, base_dir)
        font_of = self._assign_fonts(text, faces, base)
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
                if f % count > _LATIN:  # a space is as wide as in the text font around it
                    f = _ARABIC if base == 1 else _LATIN
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
        order = _reorder([it.level for it in items])  # rule L2
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

    def _assign_fonts(self, text: str, faces: tuple[_Face, ...], base: int) -> list[int]:
        """Font of every character, an index into `faces` (0 Arabic, 1 Latin, then fallbacks).

        Arabic letters take the Arabic font, other letters the Latin one. Digits, punctuation and
        symbols take the font of the nearest letter of their word; a word without letters (a
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
                f = prev_word[i] if prev_word[i] >= 0 else next_word[i]
                if f < 0 and text[i] == " ":
                    f = prev_para[i] if prev_para[i] >= 0 else next_para[i]
                if f < 0:
                    cp = ord(text[i])
                    f = next((s for s in stack if cp in faces[s].cmap), stack[0])
                font[i] = f
        return _cover_clusters(text, font, kinds, faces, stack)

    def _word(
        self,
        text: str,
        ws: int,
        we: int,
        levels: list[int],
        font_of: list[int],
        faces: tuple[_Face, _Face],
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
    """(start, end) of each maximal run of characters other than the space."""
    n = len(text)
    i = 0
    while i < n:
        if text[i] == " ":
            i += 1
            continue
        j = text.find(" ", i)
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


# ---------------------------------------------------------------------------------------------
# 4. PDF: a Type0 / CIDFontType2 font per font file and document, embedded as a subset.
# ---------------------------------------------------------------------------------------------


class _PdfFont:
    """The glyphs one document uses from one font file; CIDs stand for (glyph, text) pairs."""

    def __init__(self, face: _Face, name: str):
        self.face = face
        self.name = name
        self.cid_of: dict[tuple[int, str], int] = {(0, ""): 0}
        self.gids = [0]
        self.texts = [""]
        self.widths = [self._w(0)]

    def _w(self, gid: int) -> float:
        return self.face.advance(gid) * 1000 / self.face.upem

    def cid(self, gid: int, text: str) -> int:
        key = (gid, text)
        cid = self.cid_of.get(key)
        if cid is None:
            cid = len(self.gids)
            if cid > 0xFFFF:
                raise ValueError(f"too many distinct glyphs for one font: {self.face.path.name}")
            self.cid_of[key] = cid
            self.gids.append(gid)
            self.texts.append(text)
            self.widths.append(self._w(gid))
        return cid

    def show(self, glyphs: tuple, size: float, x: float, y: float, deferred: list[str]) -> str:
        """Text operators drawing the glyphs with the pen at (x, y).

        Glyphs that carry text are drawn in one TJ, in visual order. Glyphs that carry none
        (marks, whose text their base glyph carries, and the extra glyphs of a cluster) are
        appended to `deferred` as filled outlines, to be drawn after the text object: extractors
        then see an unbroken run of letters, not one cut by zero-width marks and pen jumps, and
        no glyph without a ToUnicode entry (which pdfium would turn into its CID as a character).
        """
        scale = size / self.face.upem
        k = 1000 / self.face.upem
        out = [f"1 0 0 1 {_num(x)} {_num(y)} Tm"]
        arr: list[str] = []
        hexes: list[str] = []
        pending = 0.0  # TJ adjustment (thousandths of an em) not written yet
        rise = 0
        pen = x

        def flush_hex():
            if hexes:
                arr.append("<" + "".join(hexes) + ">")
                hexes.clear()

        def write_pending():
            nonlocal pending
            if abs(pending) > 0.005:
                flush_hex()
                arr.append(_num(pending))
            pending = 0.0

        for gid, text, adv, xo, yo, _cl in glyphs:
            if not text:
                outline = self.face.outline(gid)
                if outline:
                    deferred.append(
                        f"q {_num(scale)} 0 0 {_num(scale)} {_num(pen + xo * scale)} "
                        f"{_num(y + yo * scale)} cm {outline} f Q"
                    )
                pending -= adv * k
                pen += adv * scale
                continue
            cid = self.cid(gid, text)
            if yo != rise:
                write_pending()
                flush_hex()
                if arr:
                    out.append("[" + " ".join(arr) + "] TJ")
                    arr.clear()
                out.append(f"{_num(yo * scale)} Ts")
                rise = yo
            pending -= xo * k
            write_pending()
            hexes.append(f"{cid:04X}")
            # the glyph moved the pen by its width; it must end up `adv` from where it was
            pending += self.widths[cid] + xo * k - adv * k
            pen += adv * scale
        flush_hex()
        if arr:
            out.append("[" + " ".join(arr) + "] TJ")
        if rise:
            out.append("0 Ts")
        return " ".join(out)

    def add_objects(self, doc) -> None:
        from reportlab.pdfbase import pdfdoc

        gids = sorted(set(self.gids))
        tag = "".join(
            chr(65 + b % 26)
            for b in hashlib.md5(
                repr((self.face.ps_name, self.gids, self.texts)).encode()
            ).digest()[:6]
        )
        base_font = f"{tag}+{self.face.ps_name}"
        face = self.face

        font_file = pdfdoc.PDFStream(content=_subset(face, gids))
        font_file.dictionary["Length1"] = len(font_file.content)
        font_file.filters = [pdfdoc.PDFZCompress]
        descriptor = pdfdoc.PDFDictionary(
            {
                "Type": pdfdoc.PDFName("FontDescriptor"),
                "FontName": pdfdoc.PDFName(base_font),
                "Flags": 4,
                "FontBBox": pdfdoc.PDFArray(face.bbox),
                "ItalicAngle": face.italic_angle,
                "Ascent": round(face.ascent * 1000),
                "Descent": round(face.descent * 1000),
                "CapHeight": face.cap_height,
                "StemV": face.stem_v,
                "FontFile2": doc.Reference(font_file, f"rltextFontFile:{self.name}"),
            }
        )
        cid_to_gid = pdfdoc.PDFStream(content=b"".join(g.to_bytes(2, "big") for g in self.gids))
        cid_to_gid.filters = [pdfdoc.PDFZCompress]
        widths = [round(w, 2) if w != int(w) else int(w) for w in self.widths]
        cid_font = pdfdoc.PDFDictionary(
            {
                "Type": pdfdoc.PDFName("Font"),
                "Subtype": pdfdoc.PDFName("CIDFontType2"),
                "BaseFont": pdfdoc.PDFName(base_font),
                "CIDSystemInfo": pdfdoc.PDFDictionary(
                    {
                        "Registry": pdfdoc.PDFString("Adobe"),
                        "Ordering": pdfdoc.PDFString("Identity"),
                        "Supplement": 0,
                    }
                ),
                "FontDescriptor": doc.Reference(descriptor, f"rltextFontDescriptor:{self.name}"),
                "DW": 1000,
                "W": pdfdoc.PDFArray([0, pdfdoc.PDFArray(widths)]),
                "CIDToGIDMap": doc.Reference(cid_to_gid, f"rltextCIDToGID:{self.name}"),
            }
        )
        from ..pdftext import to_unicode_cmap  # one CMap writer for both PDF engines

        to_unicode = pdfdoc.PDFStream(content=to_unicode_cmap(dict(enumerate(self.texts))))
        to_unicode.filters = [pdfdoc.PDFZCompress]
        font = pdfdoc.PDFDictionary(
            {
                "Type": pdfdoc.PDFName("Font"),
                "Subtype": pdfdoc.PDFName("Type0"),
                "BaseFont": pdfdoc.PDFName(base_font),
                "Encoding": pdfdoc.PDFName("Identity-H"),
                "DescendantFonts": pdfdoc.PDFArray(
                    [doc.Reference(cid_font, f"rltextCIDFont:{self.name}")]
                ),
                "ToUnicode": doc.Reference(to_unicode, f"rltextToUnicode:{self.name}"),
            }
        )
        ref = doc.Reference(font, self.name)
        doc.idToObject["BasicFonts"].dict[self.name] = ref


def _subset(face: _Face, gids: list[int]) -> bytes:
    """The font file reduced to the given glyphs, glyph IDs kept (so CIDToGIDMap stays valid)."""
    import uharfbuzz as hb

    try:
        inp = hb.SubsetInput()
        glyph_set = inp.sets(hb.SubsetInputSets.GLYPH_INDEX)
        for g in gids:
            glyph_set.add(g)
        drop = inp.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
        for tag in (
            "GSUB",
            "GPOS",
            "GDEF",
            "BASE",
            "JSTF",
            "MATH",
            "DSIG",
            "kern",
            "morx",
            "kerx",
            "trak",
            "feat",
        ):
            drop.add(int.from_bytes(tag.encode("ascii"), "big"))
        inp.flags = hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.NOTDEF_OUTLINE
        return hb.subset(face.hb_face, inp).blob.data
    except Exception:  # fall back on fontTools' subsetter
        import io

        from fontTools import subset as ft_subset
        from fontTools.ttLib import TTFont

        options = ft_subset.Options()
        options.retain_gids = True
        options.notdef_outline = True
        options.layout_features = []
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "DSIG"]
        tt = TTFont(io.BytesIO(face.data))
        sub = ft_subset.Subsetter(options)
        sub.populate(gids=gids)
        sub.subset(tt)
        out = io.BytesIO()
        tt.save(out)
        return out.getvalue()


class _DocFonts:
    """The fonts this engine uses in one PDF document; written out when the document is saved."""

    def __init__(self, doc):
        self.doc = weakref.ref(doc)
        self.by_face: dict[Path, _PdfFont] = {}

    def get(self, face: _Face) -> _PdfFont:
        font = self.by_face.get(face.path)
        if font is None:
            font = self.by_face[face.path] = _PdfFont(face, f"RLT{len(self.by_face) + 1}")
            doc = self.doc()
            doc.delayedFonts.append(_Delayed(font))
        return font


class _Delayed:
    """What ReportLab's document calls at save time (`addObjects`) for each delayed font."""

    def __init__(self, font: _PdfFont):
        self.font = font

    def addObjects(self, doc) -> None:  # noqa: N802 (ReportLab's name)
        self.font.add_objects(doc)


_by_doc: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _doc_fonts(canvas) -> _DocFonts:
    doc = canvas._doc
    fonts = _by_doc.get(doc)
    if fonts is None:
        fonts = _by_doc[doc] = _DocFonts(doc)
    return fonts


# ---------------------------------------------------------------------------------------------
# 5. Platypus.
# ---------------------------------------------------------------------------------------------


def _flowable_base():
    from reportlab.platypus.flowables import Flowable

    return Flowable


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


class BidiParagraph(_flowable_base(), LaidParts):
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
