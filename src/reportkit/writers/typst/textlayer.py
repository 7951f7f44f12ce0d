"""The text layer of a Typst PDF, corrected so that every printed word is found again.

Typst maps each glyph to the text of the first cluster it was drawn in. For a vocalised Arabic
letter (a letter and its harakat, one cluster, two glyphs) both glyphs get the whole cluster: the
mark "َ" of "لَ" reads "لَ", and where Typst wraps a mark in an ActualText span it gives the
cluster's text there too. The letter then comes back twice ("كُلٌّ" as "كٌللٌ") and the word is
not found. Typst also draws a raised or lowered mark as a text object of its own, which readers
take for a word of its own.

The correction, on Typst's own output (its font subsets renumber glyphs, so the glyph tables of
`pdftext` do not apply; a mark is known by its zero advance width in the font's /W array):

- a mark glyph's ToUnicode entry keeps only the marks of its text;
- a text object that draws only marks, or an ActualText span around such objects only, gets the
  ActualText U+0000, which poppler and PDFium skip: the word reads whole. Extracted text then
  lacks those harakat (the page still shows them), as with the WeasyPrint engine.

Words without harakat are left exactly as Typst wrote them.
"""

from __future__ import annotations

import io
import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from ..pdftext import to_unicode_cmap

if TYPE_CHECKING:
    import pikepdf

_BFCHAR = re.compile(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]*)>")
_HIDDEN = b"\xfe\xff\x00\x00"  # ActualText U+0000: readers take nothing from what it covers


def _widths(font: pikepdf.Dictionary) -> tuple[dict[int, float], float]:
    """A Type0 font's glyph widths (Identity-H CIDs) from its /W array, and its default width
    (Typst leaves the zero-width glyphs out of /W and sets /DW 0)."""
    import pikepdf

    try:
        descendant = font.DescendantFonts[0]
    except (AttributeError, IndexError, KeyError):
        return {}, 1000.0
    items = list(descendant.get("/W", pikepdf.Array()))
    default = float(descendant.get("/DW", 1000))
    out: dict[int, float] = {}
    i = 0
    while i < len(items):
        first = int(items[i])
        if i + 1 < len(items) and isinstance(items[i + 1], pikepdf.Array):
            out.update({first + k: float(w) for k, w in enumerate(items[i + 1])})
            i += 2
        elif i + 2 < len(items):
            out.update({cid: float(items[i + 2]) for cid in range(first, int(items[i + 1]) + 1)})
            i += 3
        else:
            break
    return out, default


_UNI_NAME = re.compile(r"uni([0-9A-F]{4})|u([0-9A-F]{4,6})")


def _glyph_names(font: pikepdf.Dictionary) -> list[str] | None:
    """The embedded subset's glyph names (its post table, which Typst keeps), or None."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        program = font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
        with TTFont(io.BytesIO(program), lazy=True) as embedded:
            if embedded["post"].formatType != 2:
                return None
            return embedded.getGlyphOrder()
    except (AttributeError, IndexError, KeyError, TTLibError, ValueError, AssertionError):
        return None


def _names_a_mark(name: str) -> bool:
    """A glyph named after combining marks only: uni064E, uni064E_uni0651 (the font's own
    names; a letter's piece such as uniFE8E.rlig is no mark although it advances by nothing)."""
    base = name.split(".")[0]
    parts = base.split("_")
    found = [_UNI_NAME.fullmatch(p) for p in parts]
    if not parts or not all(found):
        return False
    return all(_is_mark(chr(int(m.group(1) or m.group(2), 16))) for m in found)


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "M"


class _Fixer:
    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.fonts: dict[tuple[int, int], frozenset[int]] = {}
        self.texts: dict[tuple[int, int], dict[int, str]] = {}

    def font(self, font: pikepdf.Object | None) -> frozenset[int]:
        """`font`'s mark glyphs, its ToUnicode corrected the first time it is seen."""
        import pikepdf

        if not isinstance(font, pikepdf.Dictionary) or font.get("/Subtype") != "/Type0":
            return frozenset()
        key = font.objgen
        if key in self.fonts:
            return self.fonts[key]
        self.fonts[key] = frozenset()
        if "/ToUnicode" not in font:
            return frozenset()
        widths, default = _widths(font)
        names = _glyph_names(font)
        entries = {}
        marks = set()
        changed = False
        for gid, hexa in _BFCHAR.findall(font.ToUnicode.read_bytes()):
            try:
                text = bytes.fromhex(hexa.decode()).decode("utf-16-be")
            except (ValueError, UnicodeDecodeError):
                return frozenset()  # a map Typst would not write: left alone
            glyph = int(gid, 16)
            # A mark: named after combining marks in the font; without names, a glyph that
            # advances by nothing and stands for a combining mark.
            if names is not None:
                is_mark = glyph < len(names) and _names_a_mark(names[glyph])
            else:
                is_mark = widths.get(glyph, default) == 0 and any(_is_mark(c) for c in text)
            if is_mark and any(_is_mark(c) for c in text):
                marks.add(glyph)
                text = "".join(c for c in text if _is_mark(c))
            changed = changed or text.translate(_CONTROLS) != text
            entries[glyph] = text.translate(_CONTROLS)
        if marks or changed:
            font.ToUnicode = self.pdf.make_stream(to_unicode_cmap(entries))
        self.fonts[key] = frozenset(marks)
        self.texts[key] = entries
        return self.fonts[key]

    def content(self, holder: pikepdf.Object) -> None:
        import pikepdf

        resources = holder.get("/Resources", pikepdf.Dictionary())
        fonts = resources.get("/Font", pikepdf.Dictionary())
        marks = {name: self.font(fonts[name]) for name in list(fonts.keys())}
        texts = {
            name: self.texts.get(fonts[name].objgen, {})
            for name in list(fonts.keys())
            if isinstance(fonts[name], pikepdf.Dictionary)
        }
        for xobject in resources.get("/XObject", pikepdf.Dictionary()).values():
            if xobject.get("/Subtype") == "/Form":
                self.content(xobject)
        streams = [holder] if isinstance(holder, pikepdf.Stream) else _contents(holder)
        for stream in streams:
            data = stream.read_bytes()
            fixed = _hide_marks(data, marks) if any(marks.values()) else data
            if b"ActualText" in fixed:
                fixed = _ACTUAL_TEXT.sub(_without_controls, fixed)
                fixed = _without_redundant_spans(fixed, texts)
            if fixed != data:
                stream.write(fixed)


# One glyph run as Typst writes it: its own text object, an ActualText span and a right-to-left
# marker maybe, the font, the position, one show, the object's end. A run that draws marks only
# (a raised or lowered haraka) is hidden from the text layer.
# The text state Typst sets before each show (render mode, font, matrix), and one show: a TJ
# array of strings and optional numbers (each matched one way only) or a Tj string.
_STATE = rb"\s*0\s+Tr\s*/(?P<font>[^\s/\[\]()<>]+)\s+[-\d.]+\s+Tf\s+(?:[-\d.]+\s+){6}Tm"
_SHOW = (
    rb"\s*(?:\[(?:\s*(?:[-\d.]+\s*)?\((?:\\.|[^\\)])*\))+\s*(?:[-\d.]+\s*)?\]\s*TJ"
    rb"|\((?:\\.|[^\\)])*\)\s*Tj)"
)
_RUN = re.compile(
    rb"BT(?P<span>\s*/Span\s*<<\s*/ActualText\s*<[0-9A-Fa-f\s]*>\s*>>\s*BDC)?"
    rb"(?P<rev>\s*/ReversedChars\s+BMC)?"
    rb"(?P<state>" + _STATE + rb")(?P<show>" + _SHOW + rb")"
    rb"(?P<end>(?:\s*EMC)?(?:\s*EMC)?\s*ET)",
    re.S,
)
_STRING = re.compile(rb"\((?P<body>(?:\\.|[^\\)])*)\)", re.S)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_HIDDEN_SPAN = b"/Span<</ActualText<FEFF0000>>>BDC "


# The isolate controls (and the joiners) reportkit puts around foreign runs and inside links shape
# the line and draw nothing; Typst gives them to the text of a neighbouring glyph, where a reader
# would copy them. They are taken out of ToUnicode entries and ActualText alike.
_CONTROLS = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200b\u2060\u200e\u200f"))
_ACTUAL_TEXT = re.compile(rb"/ActualText\s*<(?P<hex>[0-9A-Fa-f\s]*)>")


def _without_controls(match: re.Match[bytes]) -> bytes:
    hexa = re.sub(rb"\s", b"", match.group("hex"))
    try:
        text = bytes.fromhex(hexa.decode()).decode("utf-16")
    except (ValueError, UnicodeDecodeError):
        return match.group()
    clean = text.translate(_CONTROLS)
    if clean == text:
        return match.group()
    return (
        b"/ActualText<"
        + ("\ufeff" + (clean or "\x00")).encode("utf-16-be").hex().upper().encode()
        + b">"
    )


# An ActualText span around one show of glyphs in a text object of their own. Typst writes one
# where a glyph's text differs from the text its first use gave it: a glyph first drawn with a
# joiner or an isolate control beside it ("l" and a zero-width space) gets a span around every
# later plain use. Once the controls are gone from both, the span says what the glyphs say, and
# only splits the word for readers that take each span as a piece of its own (PDFium): it goes.
_SPAN_SHOW = re.compile(
    rb"/Span\s*<<\s*/ActualText\s*(?:<(?P<hex>[0-9A-Fa-f\s]*)>|\((?P<literal>(?:\\.|[^\\)])*)\))"
    rb"\s*>>\s*BDC(?P<rev>\s*/ReversedChars\s+BMC)?"
    rb"(?P<body>" + _STATE + _SHOW + rb")"
    rb"(?P<end>\s*EMC)(?(rev)\s*EMC)",
    re.S,
)


def _said(match: re.Match[bytes]) -> str | None:
    """An ActualText's text, written as hex or as a literal string (Typst writes ASCII so)."""
    try:
        if match.group("hex") is not None:
            raw = bytes.fromhex(re.sub(rb"\s", b"", match.group("hex")).decode())
        else:
            raw = _unescape(match.group("literal"))
        if raw.startswith(b"\xfe\xff"):
            return raw[2:].decode("utf-16-be")
        return raw.decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None


def _without_redundant_spans(data: bytes, texts: dict[str, dict[int, str]]) -> bytes:
    def fix(match: re.Match[bytes]) -> bytes:
        entries = texts.get("/" + match.group("font").decode("latin-1"))
        said = _said(match)
        if not entries or said is None:
            return match.group()
        body = match.group("body")
        show = body[body.index(b"Tm") + 2 :]
        raw = b"".join(_unescape(m.group("body")) for m in _STRING.finditer(show))
        glyphs = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)]
        drawn = "".join(entries.get(g, "\ufffd") for g in glyphs)
        if match.group("rev"):
            drawn = drawn[::-1]  # the glyphs of a right-to-left run are in visual order
        if not glyphs or said.translate(_CONTROLS) != drawn:
            return match.group()
        if match.group("rev"):
            return match.group("rev") + body + match.group("end")
        return body

    return _SPAN_SHOW.sub(fix, data)


def _unescape(body: bytes) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        return _ESCAPES.get(code, code)

    return _ESCAPE.sub(one, body)


@lru_cache(maxsize=8192)  # a report draws the same few hundred glyphs first, again and again
def _first_glyph(start: bytes) -> int | None:
    """The first glyph id of a string whose first (escaped) characters are `start`; a byte is at
    most four characters of the string, so eight give the glyph."""
    raw = _unescape(start)[:2]
    return int.from_bytes(raw, "big") if len(raw) == 2 else None


def _hide_marks(data: bytes, marks: dict[str, frozenset[int]]) -> bytes:
    """`data` with every glyph run that draws only marks hidden (ActualText U+0000)."""

    def fix(match: re.Match[bytes]) -> bytes:
        font_marks = marks.get("/" + match.group("font").decode("latin-1"), frozenset())
        if not font_marks:
            return match.group()
        show = match.group("show")
        # Most runs begin with a letter: their first glyph settles it without unescaping.
        first = _first_glyph(_STRING.search(show).group("body")[:8])
        if first is not None and first not in font_marks:
            return match.group()
        raw = b"".join(_unescape(m.group("body")) for m in _STRING.finditer(show))
        gids = {int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)}
        if not gids or not gids <= font_marks:
            return match.group()
        rev, state, show, end = (match.group(k) or b"" for k in ("rev", "state", "show", "end"))
        if match.group("span"):  # the span stays, saying nothing
            return b"BT " + _HIDDEN_SPAN + rev + state + show + end
        body_end = end[: end.rindex(b"ET")]
        return b"BT " + _HIDDEN_SPAN + rev + state + show + body_end + b" EMC ET"

    return _RUN.sub(fix, data)


def _contents(page: pikepdf.Object) -> list:
    import pikepdf

    contents = page.get("/Contents")
    if contents is None:
        return []
    return list(contents) if isinstance(contents, pikepdf.Array) else [contents]


def fix_text_layer(pdf: pikepdf.Pdf) -> None:
    """Correct an open Typst PDF's text layer in place (see the module's documentation); the
    pages look exactly the same."""
    fixer = _Fixer(pdf)
    for page in pdf.pages:
        fixer.content(page.obj)
