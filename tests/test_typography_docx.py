"""The DOCX sets mixed text as a careful Arab typesetter would, read back from the file and from
LibreOffice's PDF: foreign runs (code names, versions, phone numbers, addresses) are runs of their
own direction that keep their order and never break a line inside; URLs and e-mail addresses are
real links; every character is drawn by a font that has it, fallback fonts embedded only when the
report needs them.

Each DOCX is exported with the real command and converted by LibreOffice once per module.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from docx.oxml.ns import qn
from lxml import etree

from conftest import record_texts, run_cli
from support.readers import (
    dejavu_only_fontconfig,
    docx_to_pdf,
    link_uris,
    lo_text,
    missing_words,
    normalize,
    pdf_char_fonts,
    pdf_visual_lines,
    pdffonts,
)
from support.records import MIXED

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
NS = {"w": W, "r": R, "p": PKG}
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
LRM, RLM, WJ = "\u200e", "\u200f", "\u2060"
SYMBOLS2 = "Noto Sans Symbols2"  # the name the font file gives itself, which readers match
FALLBACKS = {SYMBOLS2, "Noto Sans Math", "Noto Emoji"}

# Code names, a version, a phone number, an ISO reference, a URL and an e-mail address with
# inner hyphens, emoji and symbols, inside Arabic. One line each: LibreOffice justifies a full
# Arabic line with kashidas, which pdftotext reads back as spaces inside words.
SYMBOLS = {
    "language": "ar",
    "conference": {
        "title": "ورشة الأمن السيبراني 🛡️ للفريق (GCC-CERT)",
        "organizer": "الأمانة العامة لمجلس وزراء الداخلية العرب",
        "reference": "I-24/7",
    },
    "summary": "تم التحقق ✅ من الأنظمة → ✓ جاهزة.",
    "recommendations": [
        {"text": "اعتماد الإصدار C++ 17 والمعيار ISO 27001:2013"},
        {"text": "رقم الطوارئ +966 11 234 5678 على مدار الساعة"},
        {"text": "الموقع https://cert.example.gov.sa/path-one/x-y للتحديثات"},
        {"text": "البريد soc-team@cert.example.gov.sa للبلاغات"},
        {"text": "مراقبة مستمرة I-24/7 بنسبة 99.9% ★ ☎ ≤ 5 دقائق"},
    ],
}
SYMBOLS_INTACT = (
    "C++ 17",
    "+966 11 234 5678",
    "GCC-CERT",
    "I-24/7",
    "ISO 27001:2013",
    "https://cert.example.gov.sa/path-one/x-y",
    "soc-team@cert.example.gov.sa",
)
SYMBOLS_CHARS = "🛡✅→✓★☎"

# An English report quoting Arabic: the Arabic is a right-to-left run inside left-to-right text.
ENGLISH = {
    "language": "en",
    "conference": {"title": "Coordination meeting in الدوحة on CERT-GCC", "reference": "GS/12"},
    "summary": "On 5–6 March the delegates of مجلس التعاون approved 3 measures; see "
    "https://www.example.org.",
}

# Code names at every offset from the end of a line, to catch a break inside one.
CODES = ("GCC-CERT-AB/CD", "I-24/7", "https://www.example.org/a-b-c-d")
BREAKING = {
    "language": "ar",
    "conference": {"title": "اختبار فواصل الأسطر"},
    "sections": [
        {
            "heading": "فقرات",
            "paragraphs": [
                f"{'كلمة ' * 14}{'ب' * n} ({CODES[n % 3]}) {'نص ' * 12}" for n in range(2, 62)
            ],
        }
    ],
}


# -- exporting and reading ----------------------------------------------------------------------


def export_docx(record: dict, folder: Path, *extra: str) -> Path:
    source = folder / "record.yaml"
    source.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    out = folder / "report.docx"
    result = run_cli("export", str(source), "-f", "docx", *extra, "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    return out


def part(docx: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(docx) as z:
        return etree.fromstring(z.read(name))


def shown(element) -> str:
    """The text of a run or hyperlink as Word shows it (without its marks and joiners; a
    narrow no-break space is a space)."""
    text = "".join(t.text or "" for t in element.iter(f"{{{W}}}t"))
    return re.sub(f"[{LRM}{RLM}{WJ}]", "", text).replace("\u202f", " ")


def runs(docx: Path):
    """(run, rPr, text) for every run of the body, in order, hyperlinks' runs included."""
    for r in part(docx, "word/document.xml").iter(f"{{{W}}}r"):
        text = "".join(t.text or "" for t in r.iter(f"{{{W}}}t"))
        if text:
            yield r, r.find("w:rPr", NS), text


def fonts_of(rpr) -> dict[str, str]:
    element = rpr.find("w:rFonts", NS)
    return {k: element.get(f"{{{W}}}{k}") for k in ("ascii", "hAnsi", "cs", "eastAsia")}


def embedded(docx: Path) -> dict[str, set[str]]:
    """Font table: family → the embed elements it has (embedRegular…)."""
    table = part(docx, "word/fontTable.xml")
    return {
        font.get(qn("w:name")): {
            etree.QName(e).localname for e in font if etree.QName(e).localname.startswith("embed")
        }
        for font in table.iterfind("w:font", NS)
    }


@pytest.fixture(scope="module")
def soffice():
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")


@pytest.fixture(scope="module")
def symbols_docx(tmp_path_factory) -> Path:
    return export_docx(SYMBOLS, tmp_path_factory.mktemp("symbols"))


@pytest.fixture(scope="module")
def symbols_pdf(symbols_docx, soffice, tmp_path_factory) -> Path:
    """Converted by a LibreOffice that sees DejaVu Sans and nothing else: every glyph in the PDF
    comes from a font the DOCX carries, and a missing one shows as DejaVu."""
    folder = tmp_path_factory.mktemp("symbols-lo")
    return docx_to_pdf(symbols_docx, folder, fontconfig_file=dejavu_only_fontconfig(folder))


@pytest.fixture(scope="module")
def mixed_docx(tmp_path_factory) -> Path:
    return export_docx(MIXED, tmp_path_factory.mktemp("mixed"))


@pytest.fixture(scope="module")
def mixed_pdf(mixed_docx, soffice, tmp_path_factory) -> Path:
    return docx_to_pdf(mixed_docx, tmp_path_factory.mktemp("mixed-lo"))


# -- runs and isolates ------------------------------------------------------------------------------


def test_foreign_runs_are_runs_of_their_own_direction_between_marks(symbols_docx):
    found = list(runs(symbols_docx))
    for code in ("C++ 17", "+966 11 234 5678", "(GCC-CERT)", "ISO 27001:2013"):
        # the code's runs: one per font (its digits are the Arabic font's, see below)
        piece = next(
            found[i:j]
            for i in range(len(found))
            for j in range(i + 1, min(i + 10, len(found)) + 1)
            if "".join(shown(r) for r, _, _ in found[i:j]) == code
        )
        for _, rpr, _ in piece:
            assert rpr.find("w:rtl", NS) is None, code  # left to right…
            assert rpr.find("w:lang", NS).get(qn("w:val")) == "en-GB", code  # …in English
        for r, rpr, _ in piece:
            family = "Noto Naskh Arabic" if shown(r).isdigit() else "Noto Serif"
            assert fonts_of(rpr)["ascii"] == family, (code, shown(r))
        # …held in order by LRM at both ends, the paragraph's RLM after
        assert piece[0][2].startswith(LRM) and piece[-1][2].endswith(LRM + RLM), code
    arabic = [rpr for _, rpr, text in runs(symbols_docx) if "الطوارئ" in text]
    assert arabic and all(rpr.find("w:rtl", NS) is not None for rpr in arabic)


def test_arabic_inside_an_english_report_is_a_right_to_left_run(tmp_path):
    docx = export_docx(ENGLISH, tmp_path)
    by_text = {shown(r): (rpr, text) for r, rpr, text in runs(docx)}
    for arabic in ("الدوحة", "مجلس التعاون"):
        rpr, text = by_text[arabic]
        assert rpr.find("w:rtl", NS) is not None, arabic
        assert fonts_of(rpr)["cs"] == "Noto Naskh Arabic", arabic
        assert text == RLM + arabic + RLM + LRM
    # Digits and signs stay in the English flow: set right to left, "5–6" would read "6–5".
    english = [rpr for _, rpr, text in runs(docx) if re.search("delegates|5|–|6", text)]
    assert english and all(rpr.find("w:rtl", NS) is None for rpr in english)


def test_runs_are_held_where_the_document_model_says(symbols_docx):
    # The joiners of `inline.printed` (tested there); a held space is a narrow no-break space,
    # which LibreOffice honours beside the bidi marks, where it breaks at U+00A0.
    shown = "".join(text for _, _, text in runs(symbols_docx))
    assert f"(GCC-{WJ}CERT)" in shown and f"I-{WJ}24/{WJ}7" in shown
    assert "+966\u202f11\u202f234\u202f5678" in shown
    assert f"https:/{WJ}/{WJ}cert.example.gov.sa/path-{WJ}one/x-{WJ}y" in shown


def test_code_names_never_break_across_lines_in_libreoffice(soffice, tmp_path):
    pdf = docx_to_pdf(export_docx(BREAKING, tmp_path), tmp_path)
    lines = [normalize(line) for line in lo_text(pdf).splitlines()]
    pieces = ("GCC", "CERT", "AB/CD", "I-", "24/7", "https", "example", "c-d")
    placed = 0
    for line in lines:
        for code in CODES:
            placed += line.count(code)
        if any(piece in line for piece in pieces):
            assert any(code in line for code in CODES), line  # a piece alone: a broken code
    assert placed == len(BREAKING["sections"][0]["paragraphs"])


def test_words_codes_emoji_and_symbols_come_back_from_libreoffices_pdf(symbols_pdf):
    text = lo_text(symbols_pdf)
    assert missing_words(record_texts(SYMBOLS, "ar"), text) == []
    flat = normalize(text)
    for intact in SYMBOLS_INTACT:
        assert intact in flat, intact
    for char in SYMBOLS_CHARS:
        assert char in flat, char
    assert WJ not in text  # the joiners hold the lines together and leave no trace


def test_signs_and_digits_of_foreign_runs_keep_their_order_on_the_page(symbols_pdf):
    lines = pdf_visual_lines(symbols_pdf)
    version = next(line for line in lines if "ISO" in line)
    phone = next(line for line in lines if "966" in line)
    # Left to right as they stand: C before its pluses, the country code first.
    assert "C++17" in version and "++C" not in version, version
    assert "+966112345678" in phone, phone
    # The number after the percentage stays in the Arabic flow: read right to left, the
    # percentage comes first, so it stands at the right of the 5.
    item = next(line for line in lines if "99.9%" in line)
    assert item.index("5") < item.index("99.9%"), item


def test_mixed_record_keeps_its_order_in_libreoffice(mixed_pdf):
    from support.records import check_mixed_order, check_mixed_words

    text = lo_text(mixed_pdf)
    check_mixed_words(text, record_texts)
    check_mixed_order(text)


# -- hyperlinks ----------------------------------------------------------------------------------


def test_links_are_hyperlinks_to_external_relationships(mixed_docx):
    rels = {
        rel.get("Id"): rel
        for rel in part(mixed_docx, "word/_rels/document.xml.rels").iterfind("p:Relationship", NS)
    }
    links = [rel for rel in rels.values() if rel.get("Type") == HYPERLINK]
    assert {rel.get("Target") for rel in links} == {
        "https://www.example.org/a-b",
        "mailto:info@example.org",
    }
    assert all(rel.get("TargetMode") == "External" for rel in links)
    document = part(mixed_docx, "word/document.xml")
    shown_links = {}
    for link in document.iter(f"{{{W}}}hyperlink"):
        target = rels[link.get(f"{{{R}}}id")].get("Target")
        shown_links[target] = shown(link)
        for r in link.iterfind("w:r", NS):
            assert r.find("w:rPr/w:rStyle", NS).get(qn("w:val")) == "Hyperlink"
            assert r.find("w:rPr/w:rtl", NS) is None
    assert shown_links == {
        "https://www.example.org/a-b": "https://www.example.org/a-b",
        "mailto:info@example.org": "info@example.org",
    }
    styles = part(mixed_docx, "word/styles.xml")
    style = styles.find("w:style[@w:styleId='Hyperlink']", NS)
    assert style is not None and style.get(qn("w:type")) == "character"
    assert style.find("w:rPr/w:u", NS).get(qn("w:val")) == "single"


def test_only_web_and_mail_addresses_become_link_targets():
    from reportkit.writers.docx.writer import link_target

    assert link_target("https://example.org/a b") == "https://example.org/a%20b"
    assert link_target("https://example.org/تقرير") == (
        "https://example.org/%D8%AA%D9%82%D8%B1%D9%8A%D8%B1"
    )
    assert link_target("mailto:info@example.org") == "mailto:info@example.org"
    for href in ("javascript:alert(1)", "file:///etc/passwd", ""):
        assert link_target(href) is None, href


def test_links_are_link_annotations_in_libreoffices_pdf(mixed_pdf, symbols_pdf):
    assert set(link_uris(mixed_pdf)) == {
        "https://www.example.org/a-b",
        "mailto:info@example.org",
    }
    assert set(link_uris(symbols_pdf)) == {
        "https://cert.example.gov.sa/path-one/x-y",
        "mailto:soc-team@cert.example.gov.sa",
    }


# -- fonts -----------------------------------------------------------------------------------------


def test_characters_only_a_fallback_has_get_that_font_for_every_script(symbols_docx):
    want = {"✅": "Noto Emoji", "🛡": "Noto Emoji", "✓": SYMBOLS2, "★": SYMBOLS2, "→": None}
    seen = {}
    for _, rpr, text in runs(symbols_docx):
        for char in want:
            if char in text:
                families = set(fonts_of(rpr).values())
                assert len(families) == 1, (char, families)  # ascii, hAnsi, cs, eastAsia alike
                seen[char] = families.pop()
    assert seen["✅"] == "Noto Emoji"
    assert seen["🛡"] == "Noto Emoji"  # with VS16, the emoji presentation it asks for
    assert seen["✓"] == seen["★"] == SYMBOLS2
    assert seen["→"] in FALLBACKS | {"Noto Serif"}


def test_digits_in_arabic_runs_are_the_arabic_fonts(mixed_docx, mixed_pdf):
    for _, rpr, text in runs(mixed_docx):
        if "250" in text:
            assert rpr.find("w:rtl", NS) is not None and fonts_of(rpr)["cs"] == "Noto Naskh Arabic"
    chars = pdf_char_fonts(mixed_pdf)
    text = "".join(c for c, _ in chars)
    at = text.index("250")
    assert {font for _, font in chars[at : at + 3]} == {"NotoNaskhArabic-Regular"}


def test_digits_of_latin_runs_inside_arabic_are_the_arabic_fonts_in_libreoffice(symbols_pdf):
    # "+966 11 234 5678", "ISO 27001:2013", "I-24/7": Western digits inside Arabic text come
    # from the Arabic font, not the larger, heavier Latin one; the Latin letters stay Latin.
    chars = pdf_char_fonts(symbols_pdf)
    text = "".join(c for c, _ in chars)
    for number in ("5678", "27001", "2013"):
        at = text.index(number)
        assert {font for _, font in chars[at : at + len(number)]} == {"NotoNaskhArabic-Regular"}, (
            number
        )
    at = text.index("ISO")
    assert {font for _, font in chars[at : at + 3]} == {"NotoSerif-Regular"}


def test_fallback_fonts_are_listed_and_embedded_only_when_used(symbols_docx, mixed_docx):
    faces = embedded(symbols_docx)
    for family in FALLBACKS:
        assert faces.get(family) == {"embedRegular"}, (family, faces)
    plain = embedded(mixed_docx)
    assert not FALLBACKS & plain.keys(), plain
    with zipfile.ZipFile(mixed_docx) as z:
        fonts = [i for i in z.infolist() if i.filename.endswith(".odttf")]
    assert len(fonts) == 4  # Naskh and Serif, regular and bold: no 1.6 MB of unused fallbacks
    with zipfile.ZipFile(symbols_docx) as z:
        sizes = {i.filename: i.file_size for i in z.infolist() if i.filename.endswith(".odttf")}
    assert len(sizes) == 7 and sum(sizes.values()) < 900_000, sizes  # fallbacks are subset


def test_without_embedding_the_fallbacks_are_still_in_the_font_table(tmp_path):
    docx = export_docx(SYMBOLS, tmp_path, "--no-embed-fonts")
    faces = embedded(docx)
    assert FALLBACKS <= faces.keys() and not any(faces[f] for f in FALLBACKS)


def test_libreoffice_draws_emoji_and_symbols_from_the_embedded_fallbacks(symbols_pdf):
    names = {re.sub(r"^[A-Z]{6}\+", "", f["name"]) for f in pdffonts(symbols_pdf)}
    assert {"NotoEmoji-Regular", "NotoSansSymbols2-Regular", "NotoSansMath-Regular"} <= names
    assert not any(name.startswith("DejaVu") for name in names), names  # no glyph went missing
    fonts = dict(pdf_char_fonts(symbols_pdf))
    assert fonts["✅"] == fonts["🛡"] == "NotoEmoji-Regular"
    assert fonts["✓"] == fonts["★"] == fonts["☎"] == "NotoSansSymbols2-Regular"
