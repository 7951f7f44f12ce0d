"""Embedded DOCX fonts: the package structure, and LibreOffice really using them.

The rendering tests hide every installed font except DejaVu Sans from LibreOffice (a
fontconfig file listing one folder), because the Noto fonts are also installed system-wide
and would otherwise make a broken embedding look fine.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from fontTools.ttLib import TTFont
from lxml import etree

from reportkit.writers.docx.fonts import FontFace, embed_fonts
from support import readers

FONTS = Path(__file__).resolve().parents[1] / "fonts"
NASKH = "Noto Naskh Arabic"
NASKH_REGULAR = FontFace(NASKH, "regular", FONTS / "NotoNaskhArabic-Regular.ttf")
NASKH_BOLD = FontFace(NASKH, "bold", FONTS / "NotoNaskhArabic-Bold.ttf")
SERIF_REGULAR = FontFace("Noto Serif", "regular", FONTS / "NotoSerif-Regular.ttf")
FACES = [NASKH_REGULAR, NASKH_BOLD, SERIF_REGULAR]

# Lam-alef (السلامة) exercises a required ligature, مُرْضِيَةٌ mark positioning.
ARABIC = "تقرير السلامة لعام ٢٠٢٤: النتائج مُرْضِيَةٌ"
ARABIC_BOLD = "ملخص عريض"
LATIN = "Quarterly safety report"
TEXT = "\n".join([ARABIC + " " + ARABIC_BOLD, LATIN])

OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
RT_FONT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
RT_FONT_TABLE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable"
NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
GUID = re.compile(r"\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}")
# Bidi controls pdftotext puts around RTL runs, and harakat (not always extracted).
_NOISE = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u064b-\u0652\u0670]")


# -- building documents -------------------------------------------------------------------


def _run(paragraph: Paragraph, text: str, font: str, *, rtl: bool, bold: bool = False) -> None:
    run = paragraph.add_run(text)
    rpr = run._r.get_or_add_rPr()
    fonts = OxmlElement("w:rFonts")
    for slot in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(slot), font)
    rpr.insert(0, fonts)
    if bold:  # w:bCs: an RTL run takes its weight from the complex-script property
        rpr.append(OxmlElement("w:b"))
        rpr.append(OxmlElement("w:bCs"))
    if rtl:
        rpr.append(OxmlElement("w:rtl"))


def _build() -> Document:
    document = docx.Document()
    arabic = document.add_paragraph()
    arabic._p.get_or_add_pPr().append(OxmlElement("w:bidi"))
    _run(arabic, ARABIC + " ", NASKH, rtl=True)
    _run(arabic, ARABIC_BOLD, NASKH, rtl=True, bold=True)
    _run(document.add_paragraph(), LATIN, "Noto Serif", rtl=False)
    return document


def _save(document: Document, path: Path) -> Path:
    document.save(str(path))
    return path


# -- reading the package back ---------------------------------------------------------------


def _xml(package: zipfile.ZipFile, name: str) -> etree._Element:
    return etree.fromstring(package.read(name))


def _deobfuscate(data: bytes, font_key: str) -> bytes:
    """Written independently of the module, after LibreOffice's reader: key byte i is the
    hex pair at these offsets of "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}"."""
    offsets = (35, 33, 31, 29, 27, 25, 22, 20, 17, 15, 12, 10, 7, 5, 3, 1)
    key = [int(font_key[i : i + 2], 16) for i in offsets]
    head = bytes(b ^ key[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


def _embedded_fonts(path: Path) -> dict[tuple[str, str], bytes]:
    """(family, w:embedX tag) -> de-obfuscated font bytes, following the relationships."""
    with zipfile.ZipFile(path) as package:
        font_rels = {
            rel.get("Id"): "word/" + rel.get("Target")
            for rel in _xml(package, "word/_rels/fontTable.xml.rels")
            if rel.get("Type") == RT_FONT
        }
        found = {}
        for font in _xml(package, "word/fontTable.xml").iterfind("w:font", NS):
            for embed in font:
                if not etree.QName(embed).localname.startswith("embed"):
                    continue
                target = font_rels[embed.get(qn("r:id"))]
                data = _deobfuscate(package.read(target), embed.get(qn("w:fontKey")))
                found[(font.get(qn("w:name")), etree.QName(embed).localname)] = data
        return found


# -- structure ------------------------------------------------------------------------------


def test_package_structure(tmp_path: Path) -> None:
    document = _build()
    embed_fonts(document, FACES, TEXT)
    path = _save(document, tmp_path / "embedded.docx")

    with zipfile.ZipFile(path) as package:
        overrides = {
            o.get("PartName"): o.get("ContentType") for o in _xml(package, "[Content_Types].xml")
        }
        font_parts = sorted(n for n in package.namelist() if n.startswith("word/fonts/"))
        assert font_parts == [f"word/fonts/font{i}.odttf" for i in (1, 2, 3)]
        for name in font_parts:
            assert overrides["/" + name] == OBFUSCATED_FONT

        doc_rels = _xml(package, "word/_rels/document.xml.rels")
        assert [r.get("Target") for r in doc_rels if r.get("Type") == RT_FONT_TABLE] == [
            "fontTable.xml"
        ]
        font_rels = _xml(package, "word/_rels/fontTable.xml.rels")
        assert (
            sorted("word/" + r.get("Target") for r in font_rels if r.get("Type") == RT_FONT)
            == font_parts
        )

        naskh = _xml(package, "word/fontTable.xml").find(f"w:font[@w:name='{NASKH}']", NS)
        children = [etree.QName(c).localname for c in naskh]
        # CT_Font order: the description first, the embeddings last, Regular before Bold.
        assert children[-2:] == ["embedRegular", "embedBold"]
        assert children.index("sig") < children.index("embedRegular")
        for embed in naskh[-2:]:
            assert GUID.fullmatch(embed.get(qn("w:fontKey")))
            assert embed.get(qn("r:id")) in {r.get("Id") for r in font_rels}

        settings = [etree.QName(c).localname for c in _xml(package, "word/settings.xml")]
        assert "embedTrueTypeFonts" in settings and "saveSubsetFonts" in settings
        # CT_Settings order: after w:zoom, embedTrueTypeFonts then saveSubsetFonts, before the rest.
        assert settings.index("zoom") < settings.index("embedTrueTypeFonts")
        assert settings.index("embedTrueTypeFonts") < settings.index("saveSubsetFonts")
        assert settings.index("saveSubsetFonts") < settings.index("proofState")

    fonts = _embedded_fonts(path)
    assert set(fonts) == {
        (NASKH, "embedRegular"),
        (NASKH, "embedBold"),
        ("Noto Serif", "embedRegular"),
    }
    for (family, tag), data in fonts.items():
        font = TTFont(io.BytesIO(data))  # raises if the de-obfuscation is wrong
        assert font["name"].getDebugName(1) == family
        assert font["name"].getDebugName(2) == ("Bold" if tag == "embedBold" else "Regular")

    docx.Document(str(path))  # python-docx still opens its own output


def test_font_table_is_created_when_missing(tmp_path: Path) -> None:
    document = _build()
    rid = next(r for r, rel in document.part.rels.items() if rel.reltype == RT_FONT_TABLE)
    document.part.drop_rel(rid)
    embed_fonts(document, [NASKH_REGULAR], TEXT)
    path = _save(document, tmp_path / "no-font-table.docx")
    with zipfile.ZipFile(path) as package:
        doc_rels = _xml(package, "word/_rels/document.xml.rels")
        target = next(r.get("Target") for r in doc_rels if r.get("Type") == RT_FONT_TABLE)
        overrides = {
            o.get("PartName"): o.get("ContentType") for o in _xml(package, "[Content_Types].xml")
        }
        assert overrides["/word/" + target].endswith("wordprocessingml.fontTable+xml")
    assert set(_embedded_fonts(path)) == {(NASKH, "embedRegular")}


def test_embedding_into_a_reopened_document_keeps_earlier_fonts(tmp_path: Path) -> None:
    document = _build()
    embed_fonts(document, [NASKH_REGULAR], TEXT)
    first = _save(document, tmp_path / "first.docx")
    reopened = docx.Document(str(first))
    embed_fonts(reopened, [NASKH_BOLD, SERIF_REGULAR], TEXT)
    second = _save(reopened, tmp_path / "second.docx")
    fonts = _embedded_fonts(second)
    assert set(fonts) == {
        (NASKH, "embedRegular"),
        (NASKH, "embedBold"),
        ("Noto Serif", "embedRegular"),
    }
    assert fonts[(NASKH, "embedRegular")] == _embedded_fonts(first)[(NASKH, "embedRegular")]


def test_embedding_a_face_again_replaces_it(tmp_path: Path) -> None:
    document = _build()
    embed_fonts(document, [NASKH_REGULAR], TEXT)
    embed_fonts(document, [NASKH_REGULAR], TEXT, subset=False)
    path = _save(document, tmp_path / "again.docx")
    with zipfile.ZipFile(path) as package:
        assert [n for n in package.namelist() if n.startswith("word/fonts/")] == [
            "word/fonts/font2.odttf"
        ]
    assert _embedded_fonts(path) == {(NASKH, "embedRegular"): NASKH_REGULAR.path.read_bytes()}


def test_wrong_family_name_is_refused() -> None:
    # LibreOffice matches the family in the font file; a mismatch would silently fall back.
    with pytest.raises(ValueError, match="Noto Naskh Arabic"):
        embed_fonts(_build(), [FontFace("Noto Serif", "regular", NASKH_REGULAR.path)], TEXT)


# -- subsetting -----------------------------------------------------------------------------


def test_subset_is_much_smaller_and_keeps_what_shaping_needs(tmp_path: Path) -> None:
    document = _build()
    embed_fonts(document, [NASKH_REGULAR], TEXT)
    subset = _embedded_fonts(_save(document, tmp_path / "subset.docx"))[(NASKH, "embedRegular")]
    original = NASKH_REGULAR.path.read_bytes()
    assert len(subset) < 0.5 * len(original)

    font = TTFont(io.BytesIO(subset))
    cmap = font.getBestCmap()
    for char in set(ARABIC + ARABIC_BOLD + "0123456789") - {" "}:
        if ord(char) in TTFont(NASKH_REGULAR.path).getBestCmap():
            assert ord(char) in cmap, f"U+{ord(char):04X} was dropped"
    features = {r.FeatureTag for r in font["GSUB"].table.FeatureList.FeatureRecord}
    assert {"init", "medi", "fina", "rlig"} <= features
    assert {"mark", "mkmk"} <= {r.FeatureTag for r in font["GPOS"].table.FeatureList.FeatureRecord}


def test_without_subsetting_the_whole_font_is_embedded(tmp_path: Path) -> None:
    document = _build()
    embed_fonts(document, [NASKH_REGULAR], TEXT, subset=False)
    path = _save(document, tmp_path / "full.docx")
    assert _embedded_fonts(path)[(NASKH, "embedRegular")] == NASKH_REGULAR.path.read_bytes()
    with zipfile.ZipFile(path) as package:
        settings = [etree.QName(c).localname for c in _xml(package, "word/settings.xml")]
    assert "embedTrueTypeFonts" in settings and "saveSubsetFonts" not in settings


# -- LibreOffice ----------------------------------------------------------------------------


@pytest.fixture
def soffice() -> str:
    path = shutil.which("soffice")
    if path is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")
    return path


@pytest.fixture
def dejavu_only_fontconfig(tmp_path: Path) -> Path:
    """A fontconfig file that shows LibreOffice DejaVu Sans and nothing else."""
    return readers.dejavu_only_fontconfig(tmp_path)


def _to_pdf(soffice: str, docx_path: Path, fontconfig: Path) -> Path:
    """Convert with a fresh profile, HOME and caches under the test's own folder."""
    work = docx_path.parent / (docx_path.stem + "-soffice")
    home = work / "home"
    home.mkdir(parents=True)
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "TMPDIR": str(work),
        "FONTCONFIG_FILE": str(fontconfig),
    }
    env.pop("FONTCONFIG_PATH", None)
    command = [
        soffice,
        "--headless",
        f"-env:UserInstallation={(work / 'profile').as_uri()}",
        "--convert-to",
        "pdf",
        "--outdir",
        str(work),
        str(docx_path),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    pdf = work / (docx_path.stem + ".pdf")
    assert result.returncode == 0 and pdf.exists(), result.stdout + result.stderr
    return pdf


def _pdf_fonts(pdf: Path) -> dict[str, bool]:
    """Font name without subset prefix -> embedded, as pdffonts reports them."""
    lines = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    fonts = {}
    for line in lines.splitlines()[2:]:
        fields = line.split()  # the type column may hold spaces; count from the end
        fonts[fields[0].split("+", 1)[-1]] = fields[-5] == "yes"
    return fonts


def _pdf_text(pdf: Path) -> str:
    """The PDF's text without whitespace: pdftotext puts spaces around positioned harakat
    (with the whole font as with the subset), so words are compared without them."""
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return re.sub(r"\s+", "", _NOISE.sub("", unicodedata.normalize("NFKC", text)))


def _words(text: str) -> list[str]:
    return [w.strip(":،.") for w in _NOISE.sub("", unicodedata.normalize("NFKC", text)).split()]


def _page_pixels(pdf: Path) -> bytes:
    root = pdf.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", "100", "-gray", "-singlefile", str(pdf), str(root)], check=True
    )
    return root.with_suffix(".pgm").read_bytes()


def test_libreoffice_renders_the_embedded_subset(
    soffice: str, dejavu_only_fontconfig: Path, tmp_path: Path
) -> None:
    document = _build()
    embed_fonts(document, FACES, TEXT)  # subset, the default
    pdf = _to_pdf(soffice, _save(document, tmp_path / "embedded.docx"), dejavu_only_fontconfig)

    fonts = _pdf_fonts(pdf)
    assert fonts.get("NotoNaskhArabic-Regular") is True, fonts
    assert fonts.get("NotoNaskhArabic-Bold") is True, fonts
    assert fonts.get("NotoSerif-Regular") is True, fonts
    text = _pdf_text(pdf)
    for word in _words(ARABIC + " " + ARABIC_BOLD + " " + LATIN):
        assert word in text, f"{word!r} not in {text!r}"


def test_subset_renders_exactly_like_the_whole_font(
    soffice: str, dejavu_only_fontconfig: Path, tmp_path: Path
) -> None:
    # Same glyphs, joining forms, ligatures and mark positions: identical pixels.
    pages = []
    for subset in (True, False):
        document = _build()
        embed_fonts(document, FACES, TEXT, subset=subset)
        docx_path = _save(document, tmp_path / f"subset-{subset}.docx")
        pages.append(_page_pixels(_to_pdf(soffice, docx_path, dejavu_only_fontconfig)))
    assert pages[0] == pages[1]


def test_without_embedding_the_restricted_libreoffice_falls_back(
    soffice: str, dejavu_only_fontconfig: Path, tmp_path: Path
) -> None:
    # Negative control: proves the fontconfig restriction hides the installed Noto fonts.
    pdf = _to_pdf(soffice, _save(_build(), tmp_path / "plain.docx"), dejavu_only_fontconfig)
    fonts = _pdf_fonts(pdf)
    assert not any(name.startswith(("NotoNaskhArabic", "NotoSerif")) for name in fonts), fonts
    assert "DejaVuSans" in fonts, fonts
