"""An SVG emblem as a PNG picture, for the writers that cannot draw its text themselves.

resvg draws it with reportkit's fonts only, so the Arabic in an emblem is shaped as the PDF
engines shape it; nothing outside the SVG is read (the letterhead check refuses every reference
out of it). The DOCX keeps the SVG beside this PNG (older Word and LibreOffice show the PNG); the
ReportLab and WeasyPrint engines draw this PNG for an SVG that holds text, which svglib would set
in a standard PDF font that is never embedded, and WeasyPrint unjoined and in reverse order.
"""

from __future__ import annotations

from ..errors import UsageError, one_line
from ..record.letterhead import Logo
from ..resources import ARABIC_FAMILY, LATIN_FAMILY, fonts_dir

SVG_PNG_DPI = 300  # print resolution at the size the emblem is printed
# The emblem's column between the letterhead's two blocks (about a quarter of A4's 170 mm of
# text): no emblem is printed wider, so none is drawn wider, however long and thin its SVG.
COLUMN_MM = 0.26 * 170


def holds_text(data: bytes) -> bool:
    """Whether the SVG draws text (a `<text>` element), which only resvg and browsers shape as
    reportkit's engines do: WeasyPrint sets SVG Arabic unjoined and in reverse order, svglib in a
    standard PDF font. False for an SVG that cannot be read (its drawer says so)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return False
    return any(isinstance(e.tag, str) and etree.QName(e).localname == "text" for e in root.iter())


def svg_png(logo: Logo, height_mm: float, needed_by: str, width_mm: float = COLUMN_MM) -> bytes:
    """The SVG emblem as a PNG at SVG_PNG_DPI, the largest within `width_mm` × `height_mm` that
    keeps its proportions (so a 100000 × 1 drawing is a few hundred pixels, not gigabytes).
    `needed_by` says, in a refusal, what draws it ("a DOCX holds an SVG logo beside a PNG of
    it")."""
    from lxml import etree

    advice = "give the letterhead's logo as a PNG"
    try:
        import resvg_py
    except ImportError:
        raise UsageError(
            f"{one_line(logo.name)}: {needed_by}, drawn with resvg-py, which is not installed "
            f"(pip install resvg-py); or {advice}"
        ) from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    # as text for resvg, whatever encoding the file declares
    svg = etree.tostring(etree.fromstring(logo.data, parser), encoding="unicode")
    mm_per_unit = min(height_mm / logo.height, width_mm / logo.width)
    height = max(1, round(logo.height * mm_per_unit / 25.4 * SVG_PNG_DPI))
    width = max(1, round(logo.width * mm_per_unit / 25.4 * SVG_PNG_DPI))
    try:
        return resvg_py.svg_to_bytes(
            svg_string=svg,
            width=width,
            height=height,
            skip_system_fonts=True,
            font_dirs=[str(fonts_dir())],
            font_family=ARABIC_FAMILY,
            serif_family=LATIN_FAMILY,
            sans_serif_family=LATIN_FAMILY,
        )
    except (ValueError, RuntimeError) as err:  # resvg's own refusal of the drawing
        raise UsageError(
            f"{one_line(logo.name)}: the SVG cannot be drawn ({one_line(str(err))[:120]}); {advice}"
        ) from None
