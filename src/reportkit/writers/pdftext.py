"""The text layer of a WeasyPrint PDF, corrected so that every printed word is found again.

A PDF reader (copy-paste, search, pdftotext, PDFium, screen readers) rebuilds the text from the
glyphs drawn and each font's ToUnicode map. Two things WeasyPrint writes make Arabic words come
back broken, although the page looks right:

- **ToUnicode is per glyph, taken from the first cluster the glyph was drawn in.** When HarfBuzz
  draws a cluster with several glyphs (a letter and its marks, a letter in two pieces), the
  cluster's whole text goes to the first glyph and the others get nothing; and since the first
  occurrence decides for the whole file, the glyph of "ب" drawn once as "بِ" reads "بِ" everywhere.
  Each glyph's own text is known from the font itself: its character map, followed through its
  glyph substitutions (joining forms, ligatures, alternates). `rebuild_to_unicode` uses it wherever
  WeasyPrint's entry is not one the glyph can stand for.
- **Harakat drawn with a text rise split their word.** WeasyPrint draws a mark that HarfBuzz
  raises or lowers as a text object of its own, with a rise (the `Ts` operator); poppler and
  PDFium take it for a separate word and cut the word around it. Such marks are wrapped in a
  marked-content span whose ActualText is U+0000, which both readers skip: the word reads whole.
  Extracted text then lacks those harakat (the page still shows them); marks drawn in line with
  their letters keep their text.

Only fonts reportkit ships are corrected (found by their PostScript name among
`resources.FONT_FILES`): WeasyPrint subsets them keeping every glyph's id, so the glyph ids in the
PDF are the original font's. Anything else is left as WeasyPrint wrote it.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..resources import FONT_FILES, fonts_dir

if TYPE_CHECKING:
    import pikepdf

# Characters preferred when a glyph can stand for several texts (the plain letters, digits and
# ASCII, rather than presentation forms or rarer letters drawn alike).
_BASIC = frozenset(range(0x20, 0x7F)) | frozenset(range(0x621, 0x653)) | {0x670}
_BASIC |= frozenset(range(0x660, 0x66A))
# How many rounds of substitution are followed: a joining form of a ligature of forms is three.
_SUBSTITUTION_ROUNDS = 4
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]*)>")
_BFRANGE = re.compile(rb"\bbeginbfrange\b")
_NONZERO_RISE = re.compile(rb"(?<![\w.])-?(?:0*[1-9]\d*(?:\.\d*)?|0*\.\d*[1-9]\d*)\s+Ts\b")


def _fold(text: str) -> str:
    """Arabic presentation forms (which some cmaps list) as the letters they are forms of."""
    return "".join(
        unicodedata.normalize("NFKC", c) if 0xFB50 <= ord(c) <= 0xFEFF else c for c in text
    )


def _rank(text: str) -> tuple[int, int]:
    return sum(ord(c) not in _BASIC for c in text), len(text)


@dataclass(frozen=True)
class FontText:
    """What one of reportkit's fonts says about its glyphs."""

    texts: dict[int, tuple[str, ...]]  # glyph id: every text it can stand for, best first
    marks: frozenset[int]  # glyph ids the font classes as marks (GDEF class 3)


def _substitutions(font) -> Iterable[tuple[str, list[str]]]:
    """(output glyph, input glyphs) for every single, alternate and ligature substitution."""
    if "GSUB" not in font or font["GSUB"].table.LookupList is None:
        return
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for sub in lookup.SubTable:
            if lookup.LookupType == 7:  # extension: the real subtable inside
                sub = sub.ExtSubTable
            kind = sub.LookupType
            if kind == 1:
                yield from ((out, [inp]) for inp, out in sub.mapping.items())
            elif kind == 3:
                yield from ((out, [inp]) for inp, alts in sub.alternates.items() for out in alts)
            elif kind == 4:
                for first, ligatures in sub.ligatures.items():
                    yield from ((lig.LigGlyph, [first, *lig.Component]) for lig in ligatures)


@cache
def font_text(path: Path) -> FontText:
    """Each glyph's texts: its code points in the cmap, then what substitutions make of them."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return _font_text(font)


def _font_text(font) -> FontText:
    candidates: dict[str, list[str]] = {}
    for cp, name in sorted(font.getBestCmap().items()):
        text = _fold(chr(cp))
        if text not in candidates.setdefault(name, []):
            candidates[name].append(text)

    def best(name: str) -> str | None:
        found = candidates.get(name)
        return min(found, key=_rank) if found else None

    rules = list(_substitutions(font))
    for _ in range(_SUBSTITUTION_ROUNDS):
        grew = False
        for out, inputs in rules:
            parts = [best(name) for name in inputs]
            if None in parts:
                continue
            text = "".join(parts)  # type: ignore[arg-type]
            known = candidates.setdefault(out, [])
            if text not in known:
                known.append(text)
                grew = True
        if not grew:
            break
    texts = {
        font.getGlyphID(name): tuple(sorted(found, key=_rank))
        for name, found in candidates.items()
        if found
    }
    marks: frozenset[int] = frozenset()
    if "GDEF" in font and font["GDEF"].table.GlyphClassDef is not None:
        classes = font["GDEF"].table.GlyphClassDef.classDefs
        marks = frozenset(font.getGlyphID(name) for name, c in classes.items() if c == 3)
    return FontText(texts, marks)


@cache
def _own_fonts() -> dict[str, Path]:
    """reportkit's font files by PostScript name."""
    from fontTools.ttLib import TTFont

    out = {}
    for filename in sorted(set(FONT_FILES.values())):
        path = fonts_dir() / filename
        with TTFont(str(path), lazy=True) as font:
            out[font["name"].getDebugName(6)] = path
    return out


def _embedded_postscript_name(font: pikepdf.Dictionary) -> str | None:
    """The PostScript name in the embedded font program's own name table."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        program = font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
        with TTFont(io.BytesIO(program), lazy=True) as embedded:
            return embedded["name"].getDebugName(6)
    except (AttributeError, IndexError, KeyError, TTLibError, ValueError):
        return None


def _read_to_unicode(data: bytes) -> dict[int, str] | None:
    """WeasyPrint's ToUnicode entries (glyph id: text); None for a map it would not write."""
    if _BFRANGE.search(data):
        return None
    out = {}
    for gid, hexa in _BFCHAR.findall(data):
        try:
            out[int(gid, 16)] = bytes.fromhex(hexa.decode()).decode("utf-16-be")
        except (ValueError, UnicodeDecodeError):
            return None
    return out


def to_unicode_cmap(entries: dict[int, str]) -> bytes:
    """A ToUnicode CMap for 2-byte glyph ids (Identity-H), at most 100 entries per block."""
    items = [(gid, text) for gid, text in sorted(entries.items()) if text]
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <ffff>",
        "endcodespacerange",
    ]
    for start in range(0, len(items), 100):
        batch = items[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar")
        lines += [f"<{gid:04x}> <{text.encode('utf-16-be').hex()}>" for gid, text in batch]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def rebuild_to_unicode(old: dict[int, str], font: FontText) -> dict[int, str]:
    """WeasyPrint's entries, each kept where the glyph can stand for that text, else replaced
    by the glyph's own text; glyphs WeasyPrint left without text get theirs."""
    new = dict(old)
    for gid, text in old.items():
        own = font.texts.get(gid)
        if own and text not in own:
            new[gid] = own[0]
    return new


class _Fixer:
    """Corrects one PDF in place; fonts and form XObjects are each handled once."""

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.fonts: dict[tuple[int, int], frozenset[int]] = {}  # font object: its mark glyphs
        self.forms: set[tuple[int, int]] = set()

    def font(self, font: pikepdf.Object) -> frozenset[int]:
        """Rewrite `font`'s ToUnicode if it is one of ours; its mark glyph ids."""
        import pikepdf

        key = font.objgen
        if key in self.fonts:
            return self.fonts[key]
        self.fonts[key] = frozenset()
        if not isinstance(font, pikepdf.Dictionary) or font.get("/Subtype") != "/Type0":
            return frozenset()
        path = _own_fonts().get(_embedded_postscript_name(font) or "")
        if path is None or "/ToUnicode" not in font:
            return frozenset()
        known = font_text(path)
        old = _read_to_unicode(font.ToUnicode.read_bytes())
        if old is not None:
            new = rebuild_to_unicode(old, known)
            if new != old:
                font.ToUnicode = self.pdf.make_stream(to_unicode_cmap(new))
        self.fonts[key] = known.marks
        return known.marks

    def content(self, holder: pikepdf.Object) -> None:
        """Fix the fonts `holder` (a page or a form XObject) uses, and hide its raised marks."""
        import pikepdf

        resources = holder.get("/Resources", pikepdf.Dictionary())
        fonts = resources.get("/Font", pikepdf.Dictionary())
        for name in list(fonts.keys()):
            self.font(fonts[name])
        for xobject in resources.get("/XObject", pikepdf.Dictionary()).values():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in self.forms:
                self.forms.add(xobject.objgen)
                self.content(xobject)
        if isinstance(holder, pikepdf.Stream):
            raw = holder.read_bytes()
        else:
            raw = b"".join(s.read_bytes() for s in _contents(holder))
        if not _NONZERO_RISE.search(raw):
            return  # no raised glyph: nothing to hide, the stream stays as it is
        data = self._hide_raised_marks(holder, fonts)
        if isinstance(holder, pikepdf.Stream):
            holder.write(data)
        else:
            holder.Contents = self.pdf.make_stream(data)

    def _hide_raised_marks(self, holder: pikepdf.Object, fonts: pikepdf.Dictionary) -> bytes:
        import pikepdf

        hide = pikepdf.ContentStreamInstruction(
            [pikepdf.Name.Span, pikepdf.Dictionary(ActualText=pikepdf.String(b"\xfe\xff\x00\x00"))],
            pikepdf.Operator("BDC"),
        )
        end = pikepdf.ContentStreamInstruction([], pikepdf.Operator("EMC"))
        out: list = []
        marks: frozenset[int] = frozenset()
        rise = 0.0
        saved: list[tuple[frozenset[int], float]] = []  # text state is graphics state: q/Q
        for instruction in pikepdf.parse_content_stream(holder):
            op = str(instruction.operator)
            operands = instruction.operands
            if op == "q":
                saved.append((marks, rise))
            elif op == "Q" and saved:
                marks, rise = saved.pop()
            elif op == "Tf":
                font = fonts.get(operands[0]) if operands else None
                marks = self.font(font) if font is not None else frozenset()
            elif op == "Ts" and operands:
                rise = float(operands[0])
            elif op in ("TJ", "Tj") and rise and marks:
                shown = operands[0] if op == "TJ" else operands
                raw = b"".join(bytes(s) for s in shown if isinstance(s, pikepdf.String))
                gids = {int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)}
                if gids and gids <= marks:
                    out += [hide, instruction, end]
                    continue
            out.append(instruction)
        return pikepdf.unparse_content_stream(out)


def _contents(page: pikepdf.Object) -> list[pikepdf.Stream]:
    import pikepdf

    contents = page.get("/Contents")
    if contents is None:
        return []
    return list(contents) if isinstance(contents, pikepdf.Array) else [contents]


def fix_text_layer(pdf: pikepdf.Pdf) -> None:
    """Correct an open PDF's text layer in place (see the module's documentation)."""
    fixer = _Fixer(pdf)
    for page in pdf.pages:
        fixer.content(page.obj)


def fix_pdf(data: bytes) -> bytes:
    """A WeasyPrint PDF with its text layer corrected; the page looks exactly the same."""
    return edited(data, fix_text_layer)


def edited(data: bytes, edit: Callable[[pikepdf.Pdf], None]) -> bytes:
    """The PDF `data` opened, changed in place by `edit`, and saved again (its PDF/A claim and
    a deterministic file identifier kept): the one way both PDF engines' corrections are saved."""
    import pikepdf

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        edit(pdf)
        pdf.save(out, preserve_pdfa=True, deterministic_id=True)
    return out.getvalue()
