"""The raw WordprocessingML reportkit adds, in one place, named after what it means in Word.

python-docx covers the common properties; right-to-left (w:bidi, w:rtl, w:bidiVisual), complex
script fonts and sizes, bidi languages, numbering definitions and fields are written here. Each
parent's child order follows ECMA-376, declared once below, so an element lands in the right place
whatever the template already holds.
"""

from __future__ import annotations

import re

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from ...errors import one_line

P_PR = (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr "
    "shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE "
    "autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents "
    "suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr "
    "sectPr pPrChange"
).split()
R_PR = (
    "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof "
    "snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd "
    "fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath"
).split()
SECT_PR = (
    "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc pgBorders "
    "lnNumType pgNumType cols formProt vAlign noEndnote titlePg textDirection bidi rtlGutter "
    "docGrid printerSettings sectPrChange"
).split()
TBL_PR = (
    "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc "
    "tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription"
).split()
STYLE = (
    "name aliases basedOn next link autoRedefine hidden uiPriority semiHidden unhideWhenUsed qFormat "
    "locked personal personalCompose personalReply rsid pPr rPr tblPr trPr tcPr tblStylePr"
).split()

# Characters XML 1.0 cannot hold; the record refuses them, this keeps any other source honest.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def child(parent, tag: str, order: list[str], **attrs: str):
    """The `w:tag` child of `parent` (created in schema order if missing), with `attrs` set."""
    element = parent.find(qn(f"w:{tag}"))
    if element is None:
        element = OxmlElement(f"w:{tag}")
        later = order[order.index(tag) + 1 :]
        for sibling in parent:
            local = sibling.tag.rsplit("}", 1)[-1]
            if local in later:
                sibling.addprevious(element)
                break
        else:
            parent.append(element)
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), value)
    return element


def child_before(parent, element, later: tuple[str, ...]) -> None:
    """Put `element` in `parent` before the first child the schema puts after it."""
    for sibling in parent:
        if sibling.tag.rsplit("}", 1)[-1] in later:
            sibling.addprevious(element)
            return
    parent.append(element)


def is_on(element) -> bool:
    """An on/off property element (`<w:b/>`, `<w:bidi w:val="0"/>`) read as Word reads it."""
    return element.get(qn("w:val"), "1") not in ("0", "false", "off")


def is_on_attr(element, name: str) -> bool:
    """An on/off attribute (`w:default="1"`)."""
    return element.get(qn(f"w:{name}"), "0") in ("1", "true", "on")


def remove(parent, tag: str) -> None:
    for element in parent.findall(qn(f"w:{tag}")):
        parent.remove(element)


def p_pr(p):
    return p.get_or_add_pPr()


def r_pr(r):
    return r.get_or_add_rPr()


# --- paragraphs -----------------------------------------------------------------------------


def paragraph_direction(ppr, rtl: bool, *, explicit: bool = False) -> None:
    """`w:bidi`: the paragraph's base direction is right to left (start on the right).

    A left-to-right paragraph gets `w:bidi w:val="0"` when `explicit`: its style or the document
    defaults are right to left, and a bare absence would inherit that."""
    if rtl:
        child(ppr, "bidi", P_PR).attrib.pop(qn("w:val"), None)
    elif explicit:
        child(ppr, "bidi", P_PR, val="0")
    else:
        remove(ppr, "bidi")


def alignment(ppr, value: str) -> None:
    """`w:jc`: both, center, start or end. Word's transitional names for start/end are left/right,
    which it reads logically in a w:bidi paragraph (left = the start side, on the right)."""
    child(ppr, "jc", P_PR, val={"start": "left", "end": "right"}.get(value, value))


def keep_with_next(ppr) -> None:
    child(ppr, "keepNext", P_PR)


def keep_lines(ppr) -> None:
    """`w:keepLines`: the paragraph's lines stay on one page."""
    child(ppr, "keepLines", P_PR)


def spacing(ppr, before: int = 0, after: int = 0, line: int | None = None) -> None:
    attrs = {"before": str(before), "after": str(after)}
    if line:
        attrs.update(line=str(line), lineRule="auto")
    child(ppr, "spacing", P_PR, **attrs)


def indent(ppr, start: int = 0, hanging: int = 0) -> None:
    """Indentation on the paragraph's start side (twips); w:left/w:right are logical in bidi."""
    child(ppr, "ind", P_PR, left=str(start), hanging=str(hanging))


def indent_sides(ppr, *, start: int = 0, end: int = 0) -> None:
    """Indentation (twips) on the paragraph's start and end sides: w:left and w:right, which Word
    and LibreOffice read logically in a w:bidi paragraph (w:left is then the right-hand side)."""
    child(ppr, "ind", P_PR, left=str(start), right=str(end))


def numbering(ppr, num_id: int, level: int = 0) -> None:
    num_pr = child(ppr, "numPr", P_PR)
    child(num_pr, "ilvl", ["ilvl", "numId"], val=str(level))
    child(num_pr, "numId", ["ilvl", "numId"], val=str(num_id))


def outline_level(ppr, level: int) -> None:
    """`w:outlineLvl`: 0 for Heading 1, 1 for Heading 2…: what Word's navigation pane and
    LibreOffice's PDF bookmarks list."""
    child(ppr, "outlineLvl", P_PR, val=str(level))


def contextual_spacing(ppr) -> None:
    """`w:contextualSpacing`: no space between two paragraphs of this style (a title in two
    languages stays one block)."""
    child(ppr, "contextualSpacing", P_PR)


def rule_below(ppr, color_hex: str, sz: int = 8, space: int = 4) -> None:
    """`w:pBdr` with a bottom edge only: a rule under the paragraph (the report's title)."""
    borders = child(ppr, "pBdr", P_PR)
    for edge in ("top", "left", "bottom", "right", "between", "bar"):
        remove(borders, edge)
    element = OxmlElement("w:bottom")
    for name, value in (("val", "single"), ("sz", str(sz)), ("space", str(space))):
        element.set(qn(f"w:{name}"), value)
    element.set(qn("w:color"), color_hex)
    borders.append(element)


# --- runs -----------------------------------------------------------------------------------


def fonts(rpr, latin: str, arabic: str) -> None:
    """`w:rFonts` with the complex-script slot filled and no theme attributes to override it."""
    rfonts = child(rpr, "rFonts", R_PR, ascii=latin, hAnsi=latin, cs=arabic, eastAsia=latin)
    for theme in ("asciiTheme", "hAnsiTheme", "cstheme", "eastAsiaTheme"):
        rfonts.attrib.pop(qn(f"w:{theme}"), None)


def names_fonts(rpr) -> bool:
    """True when `rpr`'s `w:rFonts` names a font itself (w:ascii, w:hAnsi, w:cs…), not only a
    theme's slot (w:asciiTheme…) or nothing."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        return False
    return any(rfonts.get(qn(f"w:{slot}")) for slot in ("ascii", "hAnsi", "cs", "eastAsia"))


def one_font(rpr, family: str) -> None:
    """`w:rFonts` naming `family` for every script: the run holds only characters that this font
    draws (a symbol, an emoji, a bracket the Arabic font lacks), so neither Word's slot choice nor
    LibreOffice's script guess for digits and punctuation may send them to another font."""
    fonts(rpr, family, family)


def run_style(rpr, style_id: str) -> None:
    """`w:rStyle`: the run's character style (Hyperlink)."""
    child(rpr, "rStyle", R_PR, val=style_id)


def underline(rpr, kind: str = "single") -> None:
    child(rpr, "u", R_PR, val=kind)


def size(rpr, half_points: int) -> None:
    """`w:sz` and `w:szCs`: Word sizes Arabic by the complex-script size only."""
    child(rpr, "sz", R_PR, val=str(half_points))
    child(rpr, "szCs", R_PR, val=str(half_points))


def bold(rpr, on: bool = True) -> None:
    for tag in ("b", "bCs"):
        if on:
            child(rpr, tag, R_PR)
        else:
            remove(rpr, tag)


def italic(rpr) -> None:
    child(rpr, "i", R_PR)
    child(rpr, "iCs", R_PR)


def complex_script_like_latin(rpr) -> None:
    """Give right-to-left text the size, weight and slant set for Latin text where only the
    Latin property is set: Word formats an Arabic run by w:szCs, w:bCs and w:iCs alone."""
    sz = rpr.find(qn("w:sz"))
    if sz is not None and rpr.find(qn("w:szCs")) is None:
        child(rpr, "szCs", R_PR, val=sz.get(qn("w:val")))
    for latin, cs in (("b", "bCs"), ("i", "iCs")):
        element = rpr.find(qn(f"w:{latin}"))
        if element is not None and rpr.find(qn(f"w:{cs}")) is None:
            value = element.get(qn("w:val"))
            child(rpr, cs, R_PR, **({"val": value} if value is not None else {}))


def color(rpr, hex_rgb: str) -> None:
    element = child(rpr, "color", R_PR, val=hex_rgb)
    for theme in ("themeColor", "themeShade", "themeTint"):  # a theme colour would win over val
        element.attrib.pop(qn(f"w:{theme}"), None)


def run_direction(rpr, rtl: bool) -> None:
    """`w:rtl` (with `w:cs`): the run is right-to-left complex-script text."""
    if rtl:
        child(rpr, "rtl", R_PR)
        child(rpr, "cs", R_PR)
    else:
        remove(rpr, "rtl")
        remove(rpr, "cs")


def language(rpr, latin: str, bidi: str) -> None:
    """`w:lang`: the language of Latin text and of right-to-left text (e.g. ar-SA)."""
    child(rpr, "lang", R_PR, val=latin, bidi=bidi)


def paragraph_style(element) -> str | None:
    """The style id of the paragraph `element` is or stands in (a run's parent: a w:p or a
    w:hyperlink), or None."""
    while element is not None and element.tag != qn("w:p"):
        element = element.getparent()
    if element is None:
        return None
    style = element.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return style.get(qn("w:val")) if style is not None else None


def text_run(parent, text: str):
    """A new `w:r` at the end of `parent` (a paragraph or a hyperlink) showing `text`; python-docx
    turns its line feeds and tabs into `w:br` and `w:tab`. Returns the run, with an empty rPr."""
    run = OxmlElement("w:r")
    run.get_or_add_rPr()
    run.text = text
    parent.append(run)
    return run


def hyperlink(paragraph, rid: str):
    """A `w:hyperlink` at the end of `paragraph` (its w:p) that follows the external relationship
    `rid`; the link's runs go inside it. `w:history` adds the target to Word's visited list, as
    Word's own Insert > Link does."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    link.set(qn("w:history"), "1")
    paragraph.append(link)
    return link


# --- fields, sections, tables ---------------------------------------------------------------


def simple_field(paragraph, instruction: str, placeholder: str):
    """A `w:fldSimple` (PAGE, NUMPAGES…) that Word and LibreOffice recompute; returns its run."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), f" {instruction} ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = placeholder
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)
    return run


def section_direction(sect_pr, rtl: bool) -> None:
    if rtl:
        child(sect_pr, "bidi", SECT_PR)
    else:
        remove(sect_pr, "bidi")


def table_direction(tbl, rtl: bool) -> None:
    """`w:bidiVisual`: the table's first column is on the right."""
    tbl_pr = tbl.tblPr
    if rtl:
        child(tbl_pr, "bidiVisual", TBL_PR)
    else:
        remove(tbl_pr, "bidiVisual")


def table_borders(
    tbl, *, inside_v: bool = False, outside: bool = False, sz: int = 4, color_hex: str = "BBBBBB"
) -> None:
    """No borders, but the vertical rule between columns (`inside_v`) or a frame (`outside`)."""
    borders = child(tbl.tblPr, "tblBorders", TBL_PR)
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        remove(borders, edge)
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        visible = (edge == "insideV" and inside_v) or (
            outside and edge in ("top", "left", "bottom", "right")
        )
        element.set(qn("w:val"), "single" if visible else "nil")
        if visible:
            element.set(qn("w:sz"), str(sz))
            element.set(qn("w:color"), color_hex)
        borders.append(element)


def table_description(tbl, description: str, caption: str | None = None) -> None:
    """`w:tblDescription` (and `w:tblCaption`): the table's alternative text, Word's Table
    Properties > Alt Text, which screen readers announce before reading the cells."""
    if caption is not None:
        child(tbl.tblPr, "tblCaption", TBL_PR, val=xml_text(caption))
    child(tbl.tblPr, "tblDescription", TBL_PR, val=xml_text(description))


def table_look(tbl, *, header_row: bool = False, header_column: bool = False) -> None:
    """`w:tblLook`: which rows and columns hold headers (Table Design > Header Row, First
    Column). python-docx's tables claim a header row; a table whose first row is content must
    say it has none, or Word's accessibility checker and screen readers read that row as headers."""
    flags = {
        "firstRow": header_row,
        "lastRow": False,
        "firstColumn": header_column,
        "lastColumn": False,
        "noHBand": False,
        "noVBand": True,
    }
    bits = {"firstRow": 0x20, "lastRow": 0x40, "firstColumn": 0x80, "lastColumn": 0x100}
    bits.update(noHBand=0x200, noVBand=0x400)
    mask = sum(bit for name, bit in bits.items() if flags[name])
    look = child(tbl.tblPr, "tblLook", TBL_PR, val=f"{mask:04X}")
    for name, on in flags.items():
        look.set(qn(f"w:{name}"), "1" if on else "0")


def fixed_layout(tbl) -> None:
    """`w:tblLayout w:type="fixed"`: the columns keep the widths given, whatever they hold (Word
    and LibreOffice would otherwise widen a column to fit a long line or a picture)."""
    child(tbl.tblPr, "tblLayout", TBL_PR, type="fixed")


def cant_split_row(tr) -> None:
    tr_pr = tr.get_or_add_trPr()
    element = OxmlElement("w:cantSplit")
    tr_pr.append(element)


SETTINGS = (
    "writeProtection view zoom removePersonalInformation removeDateAndTime "
    "doNotDisplayPageBoundaries displayBackgroundShape printPostScriptOverText "
    "printFractionalCharacterWidth printFormsData embedTrueTypeFonts embedSystemFonts "
    "saveSubsetFonts saveFormsData mirrorMargins alignBordersAndEdges bordersDoNotSurroundHeader "
    "bordersDoNotSurroundFooter gutterAtTop hideSpellingErrors hideGrammaticalErrors "
    "activeWritingStyle proofState formsDesign attachedTemplate linkStyles stylePaneFormatFilter "
    "stylePaneSortMethod documentType mailMerge revisionView trackRevisions doNotTrackMoves "
    "doNotTrackFormatting documentProtection autoFormatOverride styleLockTheme styleLockQFSet "
    "defaultTabStop autoHyphenation consecutiveHyphenLimit hyphenationZone doNotHyphenateCaps "
    "showEnvelope summaryLength clickAndTypeStyle defaultTableStyle evenAndOddHeaders "
    "bookFoldRevPrinting bookFoldPrinting bookFoldPrintingSheets drawingGridHorizontalSpacing "
    "drawingGridVerticalSpacing displayHorizontalDrawingGridEvery displayVerticalDrawingGridEvery "
    "doNotUseMarginsForDrawingGridOrigin drawingGridHorizontalOrigin drawingGridVerticalOrigin "
    "doNotShadeFormData noPunctuationKerning characterSpacingControl printTwoOnOne "
    "strictFirstAndLastChars noLineBreaksAfter noLineBreaksBefore savePreviewPicture "
    "doNotValidateAgainstSchema saveInvalidXml ignoreMixedContent alwaysShowPlaceholderText "
    "doNotDemarcateInvalidXml saveXmlDataOnly useXSLTWhenSaving saveThroughXslt showXMLTags "
    "alwaysMergeEmptyNamespace updateFields hdrShapeDefaults footnotePr endnotePr compat docVars "
    "rsids mathPr attachedSchema themeFontLang clrSchemeMapping doNotIncludeSubdocsInStats "
    "doNotAutoCompressPictures forceUpgrade captions readModeInkLockDown smartTagType "
    "schemaLibrary shapeDefaults doNotEmbedSmartTags decimalSymbol listSeparator"
).split()


def box_border(ppr, color_hex: str, sz: int = 12) -> None:
    """`w:pBdr`: a frame around the paragraph (the classification marking's band)."""
    borders = child(ppr, "pBdr", P_PR)
    for edge in ("top", "left", "bottom", "right"):
        remove(borders, edge)
        element = OxmlElement(f"w:{edge}")
        for name, value in (
            ("val", "single"),
            ("sz", str(sz)),
            ("space", "2"),
            ("color", color_hex),
        ):
            element.set(qn(f"w:{name}"), value)
        borders.append(element)


_VML = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:w10="urn:schemas-microsoft-com:office:word"'
)


def watermark_run(text: str, font: str):
    """A run holding Word's own text watermark (the VML WordArt shape that Design > Watermark
    writes into the header): centred on the page, diagonal, light grey, behind the text."""
    from xml.sax.saxutils import quoteattr

    from docx.oxml import parse_xml

    style = (
        "position:absolute;margin-left:0;margin-top:0;width:468pt;height:117pt;rotation:315;"
        "z-index:-251654144;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
        "mso-position-vertical:center;mso-position-vertical-relative:margin"
    )
    return parse_xml(
        f"<w:r {_VML}><w:pict>"
        '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
        'path="m@7,l@8,m@5,21600l@6,21600e"><v:path textpathok="t" o:connecttype="custom"/>'
        '<v:textpath on="t" fitshape="t"/><o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype>'
        f'<v:shape id="PowerPlusWaterMarkObject1" o:spid="_x0000_s1025" type="#_x0000_t136" '
        f'style="{style}" o:allowincell="f" fillcolor="#c0c0c0" stroked="f">'
        '<v:fill opacity=".35"/>'
        f'<v:textpath style="font-family:&quot;{font}&quot;;font-size:1pt" string={quoteattr(xml_text(text))}/>'
        '<w10:wrap anchorx="margin" anchory="margin"/></v:shape></w:pict></w:r>'
    )


def end_tab(ppr, position: int, style_tabs=()) -> None:
    """One tab stop aligned to the end side (the left in a right-to-left paragraph) at
    `position` twips from the start margin, so that what follows the tab ends at the text's far
    edge; the style's own stops (`style_tabs`, their positions) are cleared, or the tab would
    stop at the first of them (a header style's centre)."""
    tabs = child(ppr, "tabs", P_PR)
    for old in list(tabs):
        tabs.remove(old)
    stops = [("clear", pos) for pos in style_tabs if pos != str(position)]
    for value, pos in sorted([*stops, ("end", str(position))], key=lambda v: int(v[1])):
        tab = OxmlElement("w:tab")
        tab.set(qn("w:val"), value)
        tab.set(qn("w:pos"), pos)
        tabs.append(tab)


def tab_run(p, rtl: bool):
    """A run holding one tab character, in the paragraph's direction."""
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    if rtl:
        rpr.append(OxmlElement("w:rtl"))
        run.append(rpr)
    run.append(OxmlElement("w:tab"))
    p.append(run)
    return run


# --- pictures ---------------------------------------------------------------------------------

WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
PIC_NS = "http://schemas.openxmlformats.org/drawingml/2006/picture"
_WPS_NS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
_ADEC_NS = "http://schemas.microsoft.com/office/drawing/2017/decorative"
_DECORATIVE_EXT = "{C183D7F6-B498-43B3-948B-1728B52AA6E4}"  # Office's id for the extension


def alt_text(drawing, title: str, description: str) -> None:
    """A picture's alternative text (Word's Alt Text pane): `descr` and `title` on the drawing's
    `wp:docPr`, which Word, LibreOffice and screen readers read, and `descr` on the picture's own
    `pic:cNvPr`, as Word writes it. `drawing` is a `wp:inline` or `wp:anchor`."""
    doc_pr = drawing.find(f"{{{WP_NS}}}docPr")
    doc_pr.set("title", xml_text(title))
    doc_pr.set("descr", xml_text(description))
    for c_nv_pr in drawing.iter(f"{{{PIC_NS}}}cNvPr"):
        c_nv_pr.set("descr", xml_text(description))


def picture_id(drawing, number: int) -> None:
    """The drawing's `wp:docPr` id, which Word wants unique in the whole document: python-docx
    counts a header's pictures from 1, as it counts the body's."""
    drawing.find(f"{{{WP_NS}}}docPr").set("id", str(number))


SVG_NS = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"
_SVG_EXT = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"  # Office's id for the SVG blip extension
_A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"


def svg_blip(drawing, rel_id: str) -> None:
    """The picture's SVG beside its PNG, as Word 2016 and later write one: an `asvg:svgBlip`
    naming the SVG part in the blip's extension list. Word draws the SVG; a reader that does not
    know the extension draws the PNG the blip itself names."""
    from lxml import etree

    blip = drawing.find(f".//{{{_A_NS}}}blip")
    ext_lst = blip.find(f"{{{_A_NS}}}extLst")
    if ext_lst is None:
        ext_lst = etree.SubElement(blip, f"{{{_A_NS}}}extLst")
    ext = etree.SubElement(ext_lst, f"{{{_A_NS}}}ext", uri=_SVG_EXT)
    svg = etree.SubElement(ext, f"{{{SVG_NS}}}svgBlip", nsmap={"asvg": SVG_NS})
    svg.set(qn("r:embed"), rel_id)


def has_alt_text(doc_pr) -> bool:
    """True when a `wp:docPr` says what its drawing shows, or that it is decorative."""
    if (doc_pr.get("descr") or "").strip():  # Word's checker reads the description, not the title
        return True
    return doc_pr.find(f".//{{{_ADEC_NS}}}decorative") is not None


def holds_text(drawing) -> bool:
    """True for a text box or a shape with text: its text is what it says, not a picture."""
    return any(
        next(drawing.iter(tag), None) is not None
        for tag in (f"{{{_WPS_NS}}}txbx", qn("w:txbxContent"))
    )


def decorative(doc_pr) -> None:
    """Mark a drawing decorative (Word's Alt Text > Mark as decorative, Office 2019 and later):
    screen readers skip it and the accessibility checker asks nothing more of it. An extension in
    `a:extLst`, which readers that do not know it ignore."""
    from lxml import etree

    ext_list = doc_pr.find(f"{{{_A_NS}}}extLst")
    if ext_list is None:
        ext_list = etree.SubElement(doc_pr, f"{{{_A_NS}}}extLst")
    ext = etree.SubElement(ext_list, f"{{{_A_NS}}}ext", uri=_DECORATIVE_EXT)
    mark = etree.SubElement(ext, f"{{{_ADEC_NS}}}decorative", nsmap={"adec": _ADEC_NS})
    mark.set("val", "1")


# --- reading a template's XML safely ----------------------------------------------------------

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
_O_NS = "urn:schemas-microsoft-com:office:office"


class NotUsableXml(ValueError):
    """A template part that is not XML reportkit reads (syntax error, DTD, entities)."""


def safe_parser():
    """An lxml parser that never reads a DTD, expands or resolves an entity, or opens the network:
    a template's XML is data, and Office files have no DTDs (ECMA-376 Part 2 forbids them)."""
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse_part(data: bytes):
    """The root element of a template's XML part, or NotUsableXml saying why not."""
    from lxml import etree

    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as err:
        raise NotUsableXml(one_line(getattr(err, "msg", None) or str(err))) from None
    except ValueError as err:  # e.g. "Unicode strings with encoding declaration…"
        raise NotUsableXml(one_line(str(err))) from None
    if root is None:
        raise NotUsableXml("empty")
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise NotUsableXml("it declares a DTD, which Office files may not have")
    return root


def drop_external_relationships(rels) -> set[str]:
    """Remove every TargetMode="External" relationship from a .rels root; their ids.

    A template's links to the outside (a remote attached template, linked images, hyperlinks to
    file:// paths) would otherwise be carried into every report made with it, for Word to follow.
    """
    dropped = set()
    for rel in rels.findall(f"{{{PKG_RELS_NS}}}Relationship"):
        if rel.get("TargetMode", "Internal") == "External":
            dropped.add(rel.get("Id"))
            rels.remove(rel)
    return dropped


def drop_references(root, ids: set[str]) -> int:
    """Remove what refers to the relationships `ids` from a part's XML; how many were removed.

    A hyperlink keeps its text (only the link goes); a picture whose image is only linked goes
    whole (its enclosing drawing, VML picture or alternate content); a picture that also embeds
    its image only loses the link; anything else (w:attachedTemplate, w:subDoc, a mail-merge data
    source…) is removed as the element it is.
    """
    attrs = {f"{{{R_NS}}}{name}" for name in ("id", "link", "embed", "pict", "href")}
    attrs.add(f"{{{_O_NS}}}relid")
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if name in attrs and value in ids:
                found.append((element, name))
    removed = 0
    for element, name in found:
        if element is not root and not any(a is root for a in element.iterancestors()):
            continue  # already gone with an enclosing element
        if element.tag == f"{{{_W_NS}}}hyperlink":
            parent = element.getparent()
            at = parent.index(element)
            for i, kid in enumerate(list(element)):
                parent.insert(at + i, kid)
            parent.remove(element)
        elif name == f"{{{R_NS}}}link" and element.get(f"{{{R_NS}}}embed") not in (None, *ids):
            del element.attrib[name]
        else:
            target = _picture(element) if _is_image_source(element) else element
            parent = target.getparent()
            if parent is None:
                continue
            parent.remove(target)
        removed += 1
    return removed


def _is_image_source(element) -> bool:
    local = element.tag.rsplit("}", 1)[-1]
    return element.tag == f"{{{_A_NS}}}blip" or local in ("imagedata", "fill", "OLEObject")


def _picture(element):
    """The whole picture an image reference belongs to (outermost wrapper first)."""
    wrappers = (
        f"{{{_MC_NS}}}AlternateContent",
        f"{{{_W_NS}}}drawing",
        f"{{{_W_NS}}}pict",
        f"{{{_W_NS}}}object",
    )
    found = None
    for ancestor in element.iterancestors():
        if ancestor.tag == wrappers[0]:
            return ancestor
        if found is None and ancestor.tag in wrappers[1:]:
            found = ancestor
        if ancestor.tag in (f"{{{_W_NS}}}p", f"{{{_W_NS}}}body", f"{{{_W_NS}}}hdr"):
            break
    return found if found is not None else element
