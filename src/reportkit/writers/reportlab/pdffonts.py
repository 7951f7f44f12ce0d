"""The shaped glyphs as PDF fonts: one Type0/CIDFontType2 font (Identity-H) per font file and
document, embedded as a subset.

Its job: give each (glyph, text) pair the layout draws a CID of the document's font for that
file (`document_fonts(canvas).get(face)`), write the text operators that draw glyphs by CID in
visual order (`_PdfFont.show`), and when the document is saved write the font objects: the
subset (HarfBuzz's subsetter, glyph IDs kept, fontTools' as a fallback), the CIDToGIDMap, the
widths, and the ToUnicode CMap (`..pdftext.to_unicode_cmap`, shared with the WeasyPrint engine).

Its promise: text extracts as the characters the record holds. A CID stands for one (glyph,
text) pair and the ToUnicode CMap maps it to the original characters of its cluster, never to
presentation forms. Glyphs that carry no text (marks, whose text their base carries) are drawn
as filled outlines after the text object, so extractors see unbroken words and no glyph
without a ToUnicode entry. Every font is embedded.
"""

from __future__ import annotations

import hashlib
import io
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

import uharfbuzz as hb
from reportlab.pdfbase import pdfdoc

from ..pdftext import to_unicode_cmap  # one CMap writer for both PDF engines

if TYPE_CHECKING:
    from .shaping import Face

__all__ = ["document_fonts", "pdf_number"]


class _PdfFont:
    """The glyphs one document uses from one font file; CIDs stand for (glyph, text) pairs."""

    def __init__(self, face: Face, name: str):
        self.face = face
        self.name = name
        self.cid_of: dict[tuple[int, str], int] = {(0, ""): 0}
        self.gids = [0]
        self.texts = [""]
        self.widths = [self._w(0)]
        self._outlines: dict[int, str] = {}

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

    def outline(self, gid: int) -> str:
        """The glyph's outline as PDF path operators, in font units (filled with f)."""
        ops = self._outlines.get(gid)
        if ops is None:
            pen = _PdfPathPen()
            self.face.hb_font.draw_glyph_with_pen(gid, pen)
            ops = self._outlines[gid] = " ".join(pen.ops)
        return ops

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
        out = [f"1 0 0 1 {pdf_number(x)} {pdf_number(y)} Tm"]
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
                arr.append(pdf_number(pending))
            pending = 0.0

        for gid, text, adv, xo, yo, _cl in glyphs:
            if not text:
                outline = self.outline(gid)
                if outline:
                    at = f"{pdf_number(pen + xo * scale)} {pdf_number(y + yo * scale)}"
                    deferred.append(
                        f"q {pdf_number(scale)} 0 0 {pdf_number(scale)} {at} cm {outline} f Q"
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
                out.append(f"{pdf_number(yo * scale)} Ts")
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
                "FontFile2": doc.Reference(font_file, f"RLTFontFile:{self.name}"),
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
                "FontDescriptor": doc.Reference(descriptor, f"RLTFontDescriptor:{self.name}"),
                "DW": 1000,
                "W": pdfdoc.PDFArray([0, pdfdoc.PDFArray(widths)]),
                "CIDToGIDMap": doc.Reference(cid_to_gid, f"RLTCIDToGID:{self.name}"),
            }
        )
        to_unicode = pdfdoc.PDFStream(content=to_unicode_cmap(dict(enumerate(self.texts))))
        to_unicode.filters = [pdfdoc.PDFZCompress]
        font = pdfdoc.PDFDictionary(
            {
                "Type": pdfdoc.PDFName("Font"),
                "Subtype": pdfdoc.PDFName("Type0"),
                "BaseFont": pdfdoc.PDFName(base_font),
                "Encoding": pdfdoc.PDFName("Identity-H"),
                "DescendantFonts": pdfdoc.PDFArray(
                    [doc.Reference(cid_font, f"RLTCIDFont:{self.name}")]
                ),
                "ToUnicode": doc.Reference(to_unicode, f"RLTToUnicode:{self.name}"),
            }
        )
        ref = doc.Reference(font, self.name)
        doc.idToObject["BasicFonts"].dict[self.name] = ref


def _subset(face: Face, gids: list[int]) -> bytes:
    """The font file reduced to the given glyphs, glyph IDs kept (so CIDToGIDMap stays valid)."""
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

    def get(self, face: Face) -> _PdfFont:
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


def document_fonts(canvas) -> _DocFonts:
    """The fonts of the document `canvas` draws into (made on first use)."""
    doc = canvas._doc
    fonts = _by_doc.get(doc)
    if fonts is None:
        fonts = _by_doc[doc] = _DocFonts(doc)
    return fonts


def pdf_number(v: float) -> str:
    """A number as the content stream writes it: at most three decimals, no trailing zeros."""
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


class _PdfPathPen:
    """A fontTools-style pen writing PDF path operators (quadratic curves made cubic)."""

    def __init__(self):
        self.ops: list[str] = []
        self._cur = (0.0, 0.0)

    def moveTo(self, p):  # noqa: N802 (the pen protocol's names)
        self.ops.append(f"{pdf_number(p[0])} {pdf_number(p[1])} m")
        self._cur = p

    def lineTo(self, p):  # noqa: N802
        self.ops.append(f"{pdf_number(p[0])} {pdf_number(p[1])} l")
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
            self.ops.append(" ".join(pdf_number(v) for v in (*c1, *c2, *e)) + " c")
            self._cur = e

    def curveTo(self, *points):  # noqa: N802
        c1, c2, end = points[-3:]
        self.ops.append(" ".join(pdf_number(v) for v in (*c1, *c2, *end)) + " c")
        self._cur = end

    def closePath(self):  # noqa: N802
        self.ops.append("h")

    endPath = closePath  # noqa: N815
