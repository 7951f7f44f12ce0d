"""Embed TrueType fonts in a DOCX the way Word's "Embed fonts in the file" does.

A reader without the font installed (Word, LibreOffice) then renders with the embedded copy.
Every mistake here is silent: the reader just falls back to another font. The layout that
LibreOffice accepts (verified by converting to PDF with the font hidden from fontconfig):

- each face is an obfuscated part ``word/fonts/fontN.odttf`` related from the font table
  part (``word/fontTable.xml``) with the ``.../relationships/font`` relationship;
- the family's ``w:font`` in the font table holds ``w:embedRegular`` (or Bold, Italic,
  BoldItalic) naming that relationship and the obfuscation key ``w:fontKey``;
- ``w:settings`` holds ``w:embedTrueTypeFonts`` (and ``w:saveSubsetFonts`` for subsets).
"""

from __future__ import annotations

import string
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from docx.document import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part, XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, nsmap, qn
from lxml import etree

OBFUSCATED_FONT_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.obfuscatedFont"

# w:font child that points at the embedded face, per style.
_EMBED_TAGS = {
    "regular": "w:embedRegular",
    "bold": "w:embedBold",
    "italic": "w:embedItalic",
    "boldItalic": "w:embedBoldItalic",
}

# CT_Font children in schema order (ECMA-376 Part 1, §17.8.3.10).
_FONT_CHILD_ORDER = (
    "w:altName",
    "w:panose1",
    "w:charset",
    "w:family",
    "w:notTrueType",
    "w:pitch",
    "w:sig",
    "w:embedRegular",
    "w:embedBold",
    "w:embedItalic",
    "w:embedBoldItalic",
)

# CT_Settings children that must come before w:embedTrueTypeFonts, in schema order.
_SETTINGS_BEFORE_EMBED = (
    "w:writeProtection",
    "w:view",
    "w:zoom",
    "w:removePersonalInformation",
    "w:removeDateAndTime",
    "w:doNotDisplayPageBoundaries",
    "w:displayBackgroundShape",
    "w:printPostScriptOverText",
    "w:printFractionalCharacterWidth",
    "w:printFormsData",
)
_SETTINGS_BEFORE_SUBSET = _SETTINGS_BEFORE_EMBED + ("w:embedTrueTypeFonts", "w:embedSystemFonts")

# Kept in every subset so that fields (page numbers, dates) and small edits still render.
_ALWAYS_KEPT = set(string.digits + string.punctuation + " \u00a0")
# Arabic, Arabic Supplement, Arabic Extended-A, Arabic Presentation Forms-A and -B.
_ARABIC_BLOCKS = (
    ("\u0600", "\u06ff"),
    ("\u0750", "\u077f"),
    ("\u08a0", "\u08ff"),
    ("\ufb50", "\ufdff"),
    ("\ufe70", "\ufeff"),
)
# Kept when the text is Arabic: Arabic punctuation, tatweel, Arabic-Indic digits, joiner
# controls, bidi marks, and the dotted circle shapers draw under a stray mark.
_ARABIC_KEPT = set("\u060c\u061b\u061f\u0640\u066a\u066b\u066c") | {
    chr(c) for c in (*range(0x0660, 0x066A), 0x200C, 0x200D, 0x200E, 0x200F, 0x25CC)
}


@dataclass(frozen=True)
class FontFace:
    family: str  # the name used in w:rFonts, e.g. "Noto Naskh Arabic"
    style: str  # "regular" | "bold" | "italic" | "boldItalic"
    path: Path  # .ttf file


def embed_fonts(
    document: Document, faces: list[FontFace], text: str, *, subset: bool = True
) -> None:
    """Embed `faces` into the python-docx `document` (docx.document.Document) before it is saved.
    `text` is all text the document shows (used for subsetting: keep those characters plus
    everything the Arabic shaping needs)."""
    if not faces:
        return
    _check_faces(faces)
    font_table = _font_table_part(document)
    for face in faces:
        data = face.path.read_bytes()
        font = SfntFacts.read(data)
        _check_font(face, font)
        font_element = _font_element(font_table.element, face.family, font)
        # fsType bit 0x0100: the vendor forbids subsetting, so embed the whole font.
        if subset and not font.fs_type & 0x0100:
            data = _subset(data, text)
        key = _font_key()
        part = Part(
            document.part.package.next_partname("/word/fonts/font%d.odttf"),
            OBFUSCATED_FONT_CONTENT_TYPE,
            _obfuscate(data, key),
            document.part.package,
        )
        rid = font_table.relate_to(part, RT.FONT)
        _put_embed(font_table, font_element, face.style, _embed_element(face.style, rid, key))
    settings = document.settings.element
    _set_on(settings, "w:embedTrueTypeFonts", _SETTINGS_BEFORE_EMBED)
    if subset:
        _set_on(settings, "w:saveSubsetFonts", _SETTINGS_BEFORE_SUBSET)


def list_font(document: Document, family: str, path: Path) -> None:
    """Describe `family` (from its file at `path`) in the font table without embedding it: Word
    lists every font a document names there, and uses the description to pick a substitute."""
    data = path.read_bytes()
    _font_element(_font_table_part(document).element, family, SfntFacts.read(data))


@cache
def family_in_file(path: Path, family: str) -> str:
    """The family name the font file at `path` gives itself, which readers match w:rFonts
    against: `family` when the file knows it by that name, else the file's own (Noto Sans
    Symbols 2 calls itself "Noto Sans Symbols2")."""
    names = SfntFacts.read(path.read_bytes()).families
    if family in names or not names:
        return family
    return min(names, key=len)  # name ID 1 over a longer typographic name 16


# -- checks -----------------------------------------------------------------------------


def _check_faces(faces: Iterable[FontFace]) -> None:
    seen: set[tuple[str, str]] = set()
    for face in faces:
        if face.style not in _EMBED_TAGS:
            raise ValueError(
                f"{face.path}: style {face.style!r} is not one of {sorted(_EMBED_TAGS)}"
            )
        if (face.family, face.style) in seen:
            raise ValueError(f"{face.family!r} {face.style} is given twice")
        seen.add((face.family, face.style))


@dataclass(frozen=True)
class SfntFacts:
    """What embedding needs from a font file, read straight from its tables: fontTools costs a
    DOCX export about a tenth of a second to import, and it is needed only for subsetting."""

    truetype: bool  # has glyf outlines
    families: frozenset[str]  # name IDs 1 and 16
    fs_type: int  # OS/2 embedding permissions
    panose: bytes  # OS/2's ten PANOSE bytes
    unicode_ranges: tuple[int, int, int, int]
    code_pages: tuple[int, int]
    fixed_pitch: bool

    @classmethod
    def read(cls, data: bytes) -> SfntFacts:
        import struct

        (count,) = struct.unpack_from(">H", data, 4)
        tables = {}
        for i in range(count):
            tag, _, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
            tables[tag.decode("latin-1")] = (offset, length)
        os2 = tables["OS/2"][0]
        version, fs_type = (
            struct.unpack_from(">H", data, os2)[0],
            struct.unpack_from(">H", data, os2 + 8)[0],
        )
        code_pages = struct.unpack_from(">II", data, os2 + 78) if version >= 1 else (0, 0)
        post = tables["post"][0]
        return cls(
            truetype="glyf" in tables,
            families=frozenset(_names(data, tables["name"][0], (1, 16))),
            fs_type=fs_type,
            panose=data[os2 + 32 : os2 + 42],
            unicode_ranges=struct.unpack_from(">IIII", data, os2 + 42),
            code_pages=code_pages,
            fixed_pitch=struct.unpack_from(">I", data, post + 12)[0] != 0,
        )


def _names(data: bytes, offset: int, ids: tuple[int, ...]) -> set[str]:
    import struct

    _, count, strings = struct.unpack_from(">HHH", data, offset)
    found = set()
    for i in range(count):
        platform, encoding, _, name_id, length, at = struct.unpack_from(
            ">HHHHHH", data, offset + 6 + 12 * i
        )
        if name_id not in ids:
            continue
        raw = data[offset + strings + at : offset + strings + at + length]
        if platform == 3 or platform == 0:
            found.add(raw.decode("utf-16-be", "replace"))
        elif platform == 1 and encoding == 0:
            found.add(raw.decode("mac-roman", "replace"))
    return found


def _check_font(face: FontFace, font: SfntFacts) -> None:
    """Refuse faces a reader would silently ignore."""
    if not font.truetype:
        # Word embeds TrueType outlines only; CFF-flavoured OpenType is dropped.
        raise ValueError(f"{face.path}: not a TrueType-outline font")
    # The reader matches the family in the font file's name table, not w:font's name.
    names = font.families
    if face.family not in names:
        raise ValueError(f"{face.path}: family is {sorted(names)}, not {face.family!r}")
    # fsType low bits == 2: "Restricted License embedding"; readers refuse to use it.
    if font.fs_type & 0x000F == 0x0002:
        raise ValueError(f"{face.path}: the font's licence forbids embedding")


# -- font data --------------------------------------------------------------------------


def _subset(data: bytes, text: str) -> bytes:
    """The font cut down to `text`, keeping every glyph the OpenType shaping can reach.

    HarfBuzz's subsetter (uharfbuzz, which the ReportLab engine shapes with) takes a millisecond
    where fontTools' took a tenth to a third of a second per Latin face, most of it reading the
    kerning it keeps; a DOCX export subsets two to five faces."""
    import uharfbuzz as hb

    chars = set(text) | _ALWAYS_KEPT
    if any(low <= c <= high for c in chars for low, high in _ARABIC_BLOCKS):
        chars |= _ARABIC_KEPT
    spec = hb.SubsetInput()
    spec.unicode_set.update(ord(c) for c in chars)
    # Every feature (init/medi/fina/isol, rlig, mark… all needed for Arabic), every name and
    # name language (the reader matches the family name), names kept for the glyphs; no hinting
    # (a third smaller again; PDF and on-screen rendering do without).
    features = spec.sets(hb.SubsetInputSets.LAYOUT_FEATURE_TAG)
    features.clear()  # it starts as HarfBuzz's default list; empty and inverted, it is all
    features.invert()
    spec.sets(hb.SubsetInputSets.NAME_ID).add_range(0, 0x7FFF)
    spec.sets(hb.SubsetInputSets.NAME_LANG_ID).add_range(0, 0xFFFF)
    spec.flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.GLYPH_NAMES | hb.SubsetFlags.NAME_LEGACY
    subset = hb.subset(hb.Face(data), spec)
    if subset is None:
        raise ValueError("HarfBuzz could not subset the font")
    return subset.blob.data


def _font_key() -> str:
    """A fresh w:fontKey: upper-case GUID in braces (LibreOffice parses only A-F)."""
    return "{" + str(uuid.uuid4()).upper() + "}"


def _obfuscate(data: bytes, key: str) -> bytes:
    """ECMA-376 Part 1 §17.8.1 font obfuscation; applying it twice restores the font.

    Bytes 0-15 and 16-31 are XORed with the GUID's 16 bytes read from the END of its hex
    string: the last hex pair is key byte 0. Any other order makes LibreOffice ignore the
    font silently (checked by converting to PDF).
    """
    key_bytes = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    head = bytes(b ^ key_bytes[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


# -- font table -------------------------------------------------------------------------


def _font_table_part(document: Document) -> XmlPart:
    """The document's font table as an XML part, created if the package lacks one.

    python-docx loads the font table as an opaque blob; to edit it, it is replaced by an
    XmlPart with the same name, relationships and rId.
    """
    doc_part = document.part
    for rid, rel in doc_part.rels.items():
        if rel.reltype != RT.FONT_TABLE or rel.is_external:
            continue
        old = rel.target_part
        if isinstance(old, XmlPart):
            return old
        new = XmlPart.load(old.partname, old.content_type, old.blob, old.package)
        for old_rel in old.rels.values():
            target = old_rel.target_ref if old_rel.is_external else old_rel.target_part
            new.load_rel(old_rel.reltype, target, old_rel.rId, old_rel.is_external)
        doc_part.load_rel(RT.FONT_TABLE, new, rid)  # same rId: replaces the old target
        return new
    element = parse_xml(f"<w:fonts {nsdecls('w', 'r')}/>")
    new = XmlPart(PackURI("/word/fontTable.xml"), CT.WML_FONT_TABLE, element, doc_part.package)
    doc_part.relate_to(new, RT.FONT_TABLE)
    return new


def _font_element(fonts: etree._Element, family: str, font: SfntFacts) -> etree._Element:
    """The font table's w:font for `family`, added (described from `font`) if missing."""
    for element in fonts.iterfind(qn("w:font")):
        if element.get(qn("w:name")) == family:
            return element
    element = _new_font_element(family, font)
    fonts.append(element)
    return element


def _new_font_element(family: str, font: SfntFacts) -> etree._Element:
    """A w:font as Word writes it: PANOSE, charset, pitch and Unicode/code page coverage,
    which Word uses to pick a substitute when neither the font nor its embedding works."""
    panose_hex = font.panose.hex().upper()
    usb, csb = font.unicode_ranges, font.code_pages
    element = OxmlElement("w:font", {qn("w:name"): family})
    for tag, attrs in (
        ("w:panose1", {"w:val": panose_hex}),
        ("w:charset", {"w:val": "00"}),  # 00 = ANSI/Unicode, what Word writes for TrueType
        ("w:family", {"w:val": "auto"}),
        ("w:pitch", {"w:val": "fixed" if font.fixed_pitch else "variable"}),
        (
            "w:sig",
            {
                "w:usb0": f"{usb[0]:08X}",
                "w:usb1": f"{usb[1]:08X}",
                "w:usb2": f"{usb[2]:08X}",
                "w:usb3": f"{usb[3]:08X}",
                "w:csb0": f"{csb[0]:08X}",
                "w:csb1": f"{csb[1]:08X}",
            },
        ),
    ):
        element.append(OxmlElement(tag, {qn(k): v for k, v in attrs.items()}))
    return element


def _embed_element(style: str, rid: str, key: str) -> etree._Element:
    """``<w:embedRegular r:id="rIdN" w:fontKey="{GUID}"/>`` (or Bold, Italic, BoldItalic).

    No ``w:subsetted`` mark: newer LibreOffice (tdf#162002) drops fonts so marked when they
    hold few glyphs, and no reader needs the mark to use the font.
    """
    attrs = {qn("r:id"): rid, qn("w:fontKey"): key}
    return OxmlElement(_EMBED_TAGS[style], attrs, nsdecls={"w": nsmap["w"], "r": nsmap["r"]})


def _put_embed(
    font_table: XmlPart, font_element: etree._Element, style: str, embed: etree._Element
) -> None:
    """Put `embed` in `font_element` in schema order, replacing an older one of the style
    (whose font part then goes too, as nothing relates to it any more)."""
    tag = _EMBED_TAGS[style]
    for old in font_element.findall(qn(tag)):
        font_element.remove(old)
        # What Part.drop_rel does, minus its XPath reference count, which fails on this
        # plain-lxml element; the removed element was the only reference.
        del font_table.rels[old.get(qn("r:id"))]
    _insert_in_order(font_element, embed, _FONT_CHILD_ORDER[: _FONT_CHILD_ORDER.index(tag)])


# -- settings ---------------------------------------------------------------------------


def _set_on(settings: etree._Element, tag: str, predecessors: tuple[str, ...]) -> None:
    """Turn on the on/off setting `tag` (e.g. ``<w:embedTrueTypeFonts/>``)."""
    element = settings.find(qn(tag))
    if element is None:
        _insert_in_order(settings, OxmlElement(tag), predecessors)
    else:
        element.attrib.pop(qn("w:val"), None)  # a bare on/off element means "on"


# -- XML helpers ------------------------------------------------------------------------


def _insert_in_order(
    parent: etree._Element, child: etree._Element, predecessors: tuple[str, ...]
) -> None:
    """Insert `child` right after the last child of `parent` the schema puts before it."""
    before = {qn(tag) for tag in predecessors}
    index = 0
    for i, existing in enumerate(parent):
        if existing.tag in before:
            index = i + 1
    parent.insert(index, child)
