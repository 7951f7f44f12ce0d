"""The WeasyPrint PDF sets mixed text as a careful Arab typesetter would, and every printed word
is found again: code names, numbers and addresses inside Arabic display as written, URLs and
e-mail are links that never break at a hyphen, symbols and emoji are real glyphs, and words with
harakat or the Allah ligature come back whole from poppler and PDFium. Exported through the real
command, read back with real readers."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
import yaml

from conftest import record_texts, run_cli
from reportkit.resources import FALLBACK_FAMILIES
from support.readers import (
    PRESENTATION_FORMS,
    drawn_glyph_ids,
    link_uris,
    missing_words,
    outline_entries,
    pdfa_report,
    pdffonts,
    pdfium_chars,
    pdfium_text,
    pdftotext,
)

URL = "https://www.gcc-sg.org"
EMAIL = "info@gcc-sg.org"
VOCALISED = (
    "بِسْمِ اللَّهِ الرَّحْمَٰنِ الرَّحِيمِ. وَزَارَةُ الدَّاخِلِيَّةِ تُعْلِنُ أَنَّ الأَمْنَ وَالسَّلَامَ "
    "مَسْؤُولِيَّةُ الجَمِيعِ. كَتَبَ الطَّالِبُ الدَّرْسَ فِي الْمَدْرَسَةِ، وَقَرَأَ الْمُعَلِّمُ الْكِتَابَ "
    "بِصَوْتٍ عَالٍ."
)
TYPO = {
    "language": "ar",
    "conference": {
        "title": "بسم الله الرحمن الرحيم: اجتماع فريق (GCC-CERT) للأمن السيبراني",
        "organizer": "الأمانة العامة لمجلس وزراء الداخلية العرب",
        "reference": "GS/12/2024",
        "city": "الرياض",
    },
    "summary": VOCALISED + " قال عبدالله بن محمد إن الله يحب المحسنين، وحضر السيد عبد الله. "
    "سبحان الله وبحمده، لله الأمر من قبل ومن بعد.",
    "participants": [
        "فريق الاستجابة (GCC-CERT) ومركز العمليات I-24/7",
        "مطورو البرمجيات بلغة C++ والهاتف +966 11 234 5678",
    ],
    "topics": [
        "🛡️ الدرع ✅ تم → التالي ✓ ☎ اتصل",
        f"برنامج Cyber Shield على {URL} والبريد {EMAIL}",
        "نص javascript:alert(1) وملف file:///etc/passwd لا يصيران رابطين",
    ],
    "recommendations": [
        {"text": f"تعميم الموقع {URL}/ar/security/cyber-shield-2024/index.html على الدول"},
        {"text": "التنسيق عبر security@gcc-sg.org وفق ISO/IEC 27001:2022"},
    ],
}

# A bilingual record whose URLs fall at every place in the lines of two narrow columns.
_FILLERS_AR = ["", "الموقع ", "الموقع الرسمي ", "على الموقع الرسمي للأمانة ", "انظر "]
_FILLERS_EN = ["", "see ", "see the site ", "details on the official site ", "at "]
BILINGUAL = {
    "language": "ar",
    "conference": {
        "title": {"ar": "اجتماع فريق (GCC-CERT) للأمن السيبراني", "en": "GCC-CERT team meeting"},
        "organizer": {"ar": "الأمانة العامة", "en": "General Secretariat"},
        "reference": "GS/12/2024",
        "city": {
            "ar": "الرياض، المملكة العربية السعودية، مقر الأمانة العامة لمجلس التعاون لدول الخليج",
            "en": "Riyadh",
        },
    },
    "summary": {
        "ar": " ".join(f"{_FILLERS_AR[i % 5]}{URL} وبريد {EMAIL}." for i in range(12)),
        "en": " ".join(f"{_FILLERS_EN[i % 5]}{URL} and mail {EMAIL}." for i in range(12)),
    },
    "sections": [
        {
            "heading": {"ar": "بسم الله الرحمن الرحيم", "en": "Opening"},
            "paragraphs": [
                {
                    "ar": "قال عبدالله بن محمد إن الله يحب المحسنين، والتواصل على +966 11 234 5678.",
                    "en": "Abdullah bin Mohammed said that interoperability, internationalisation "
                    "and standardisation of incident-response procedures across jurisdictions "
                    "are extraordinary responsibilities of telecommunications administrations; "
                    "call +966 11 234 5678.",
                }
            ],
        }
    ],
}


def _export(record: dict, folder, *args: str) -> dict[str, object]:
    source = folder / "record.yaml"
    source.write_text(yaml.safe_dump(record, allow_unicode=True, width=10**9), encoding="utf-8")
    result = run_cli("export", str(source), "-f", "pdf", "-f", "html", "-o", f"{folder}/", *args)
    assert result.returncode == 0, result.stderr.decode()
    written = [Path(line) for line in result.stdout.decode().splitlines()]
    return {path.suffix[1:]: path for path in written}


@pytest.fixture(scope="module")
def typo(tmp_path_factory):
    return _export(TYPO, tmp_path_factory.mktemp("typo"))


@pytest.fixture(scope="module")
def unfixed(typo) -> bytes:
    """The typo record's PDF as WeasyPrint alone writes it, before pdftext corrects it."""
    import weasyprint

    from reportkit.export import ExportOptions, document_for, load
    from reportkit.resources import templates_dir
    from reportkit.writers.html import render_html
    from reportkit.writers.weasyprint.writer import _own_files_fetcher

    document = document_for(load(typo["pdf"].parent / "record.yaml"), ExportOptions())
    return weasyprint.HTML(
        string=render_html(document),
        base_url=templates_dir().as_uri() + "/",
        url_fetcher=_own_files_fetcher(),
    ).write_pdf()


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory):
    return _export(BILINGUAL, tmp_path_factory.mktemp("bilingual"), "--lang", "ar+en")


# --- every word is found again ------------------------------------------------------------------


@pytest.mark.parametrize("reader", [pdftotext, pdfium_text], ids=["poppler", "pdfium"])
def test_every_word_with_harakat_allah_codes_and_links_is_found(typo, reader):
    text = reader(typo["pdf"])
    assert missing_words(record_texts(TYPO, "ar"), text) == []
    assert not PRESENTATION_FORMS.search(text)
    for whole in (URL, EMAIL):
        assert whole in text, whole
    if reader is pdftotext:  # PDFium orders the parts of a Latin run inside Arabic its own way
        for whole in ("GCC-CERT", "I-24/7", "C++", "+966 11 234 5678", "ISO/IEC 27001:2022"):
            assert whole in text, whole


def test_without_the_text_fix_words_are_lost(typo, unfixed):
    # The comparison above has teeth: the page as WeasyPrint writes it loses words.
    path = typo["pdf"].parent / "unfixed.pdf"
    path.write_bytes(unfixed)
    lost = missing_words([VOCALISED, TYPO["summary"]], pdftotext(path))
    assert len(lost) >= 5, lost


@pytest.mark.parametrize("reader", [pdftotext, pdfium_text], ids=["poppler", "pdfium"])
def test_every_word_of_both_columns_is_found(bilingual, reader):
    text = reader(bilingual["pdf"])
    assert missing_words(record_texts(BILINGUAL, "ar"), text) == []
    assert missing_words(record_texts(BILINGUAL, "en"), text) == []  # no hyphenated halves


# --- mixed text displays as written -------------------------------------------------------------


def _middle(box) -> float:
    return (box[1] + box[3]) / 2


def _line_of(chars, anchor: str):
    """The characters PDFium finds on the same line as the first `anchor` (glyph boxes are
    tight: a "+" and a "g" have different bottoms, but their middles are close)."""
    text = "".join(c for c, _ in chars)
    middle = _middle(chars[text.index(anchor)][1])
    return [(c, box) for c, box in chars if abs(_middle(box) - middle) < 6 and c.strip()]


def test_c_plus_plus_and_a_phone_number_inside_arabic_read_left_to_right(typo):
    page = pdfium_chars(typo["pdf"])[0]
    line = _line_of(page, "والهاتف")
    (c,) = [box[0] for ch, box in line if ch == "C"]
    pluses = [box[0] for ch, box in line if ch == "+"]
    # "C++", not "++C"; the phone number's "+" stands further left (it comes next in Arabic)
    right = sorted(x for x in pluses if x > c)
    assert len(right) == 2 and right[0] - c < 12 and len(pluses) == 3, (c, pluses)
    phone = "".join(ch for ch, box in sorted(line, key=lambda x: x[1][0]) if ch in "+0123456789")
    assert "+966112345678" in phone


# --- links --------------------------------------------------------------------------------------


def test_urls_and_email_are_link_annotations_and_nothing_else_is(typo):
    uris = link_uris(typo["pdf"])
    assert URL in uris and f"mailto:{EMAIL}" in uris
    assert f"{URL}/ar/security/cyber-shield-2024/index.html" in uris
    assert "mailto:security@gcc-sg.org" in uris
    assert all(u.startswith(("https://", "http://", "mailto:")) for u in uris), uris
    with pikepdf.open(typo["pdf"]) as pdf:
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                assert annot.A.S == pikepdf.Name.URI


def test_links_in_html_are_anchors_with_the_text_escaped(typo):
    html = typo["html"].read_text(encoding="utf-8")
    # Latin runs inside Arabic say their language (a screen reader's voice); digits do not.
    # What may not break is a no-wrap span in a browser (the joiners are for print only).
    nb = '<span class="nb">{}</span>'.format
    assert f'<a href="{URL}" dir="ltr" lang="en">{nb(URL)}</a>' in html
    assert f'<a href="mailto:{EMAIL}" dir="ltr" lang="en">{nb(EMAIL)}</a>' in html
    assert '<bdi dir="ltr" lang="en">C++</bdi>' in html
    assert f'<bdi dir="ltr" lang="en">{nb("(GCC-CERT)")}</bdi>' in html
    assert f'<bdi dir="ltr">{nb("+966 11 234 5678")}</bdi>' in html
    assert ".nb { white-space: nowrap; }" in html
    assert 'href="javascript' not in html and 'href="file' not in html
    # the print-only break controls stay out of a browser's HTML (they would be copied)
    assert "\u2060" not in html and "\u200b" not in html


def test_a_run_with_markup_stays_text(tmp_path):
    record = {
        "conference": {"title": "مؤتمر <b>C++</b> و https://x.org/a?b=1&c=2 و <i>code</i>"},
    }
    html = _export(record, tmp_path)["html"].read_text(encoding="utf-8")
    assert "<b>C++</b>" not in html and "&lt;b&gt;C++&lt;/b&gt;" in html
    assert 'href="https://x.org/a?b=1&amp;c=2"' in html


def test_a_url_never_breaks_at_its_hyphen_nor_after_its_scheme(bilingual):
    expected = sum(
        t.count("gcc-sg.org") for lang in ("ar", "en") for t in record_texts(BILINGUAL, lang)
    )
    for text in (pdftotext(bilingual["pdf"]), pdftotext(bilingual["pdf"], "-layout")):
        assert text.count("gcc-sg.org") == expected  # every one whole, on one line
        assert not [
            line for line in text.splitlines() if line.rstrip().endswith(("gcc-", "https://"))
        ]
    # PDFium too: each "gcc-sg" stands on one line (PDFium may give a Latin run at the start of
    # an Arabic line backwards, "sg-gcc": the glyphs' places are what count)
    found = 0
    for chars in pdfium_chars(bilingual["pdf"]):
        text = "".join(c for c, _ in chars)
        for match in re.finditer("gcc-sg|sg-gcc", text):
            middles = [_middle(box) for _, box in chars[match.start() : match.end()]]
            assert max(middles) - min(middles) < 6, middles  # lines are 15 pt apart or more
            found += 1
    assert found == expected


def test_a_url_3000_characters_long_still_wraps_inside_its_column(tmp_path):
    url = URL + "/" + "-".join(f"part{i:04d}" for i in range(300))
    record = {"conference": {"title": "مؤتمر"}, "summary": f"الرابط {url} في آخره"}
    pdf = _export(record, tmp_path)["pdf"]
    width = 595.3
    for chars in pdfium_chars(pdf):
        for _, (left, _, right, _) in chars:
            assert -0.5 <= left and right <= width + 0.5
    # No header or footer. In its default mode pdftotext joins a line that ends with a hyphen
    # to the next one without the hyphen (it takes it for a word hyphenated at the line's end);
    # its layout mode keeps every character.
    body = pdftotext(pdf, "-layout", "-x", "0", "-y", "80", "-W", "595", "-H", "695")
    assert url in re.sub(r"[^\x21-\x7e]", "", body)


# --- glyphs -------------------------------------------------------------------------------------


def test_symbols_and_emoji_are_drawn_from_our_fallback_fonts_never_as_notdef(typo):
    fonts = pdffonts(typo["pdf"])
    names = {f["name"].split("+", 1)[-1] for f in fonts}
    assert {"Noto-Emoji", "Noto-Sans-Symbols2"} <= names, names
    assert all(name.startswith("Noto-") for name in names), names  # no system font
    drawn = drawn_glyph_ids(typo["pdf"])
    assert drawn
    for name, (ids, count) in drawn.items():
        assert 0 not in ids, name
        assert max(ids) < count, (name, sorted(i for i in ids if i >= count))


# --- the bilingual handout ----------------------------------------------------------------------


def test_each_outline_entry_is_in_one_language(bilingual):
    entries = outline_entries(bilingual["pdf"])
    titles = [title for title, _, _ in entries]
    assert titles[0] == BILINGUAL["conference"]["title"]["ar"]
    assert "Opening" not in titles and "بسم الله الرحمن الرحيم" in titles
    assert not any("GCC-CERT team meeting" in t for t in titles)


def test_field_labels_stand_on_their_values_first_line(bilingual):
    page = pdfium_chars(bilingual["pdf"])[0]
    text = "".join(c for c, _ in page)
    label = page[text.index("المكان")][1]
    value = page[text.index("الرياض")][1]
    # the city takes several lines; its label stands on the first, not in the middle
    assert abs(label[1] - value[1]) < 3, (label, value)


def test_the_latin_column_is_ragged_not_hyphenated(bilingual):
    text = pdftotext(bilingual["pdf"], "-layout")
    assert "\u2010\n" not in text and not any(
        line.rstrip().endswith("\u2010") for line in text.splitlines()
    )
    html = bilingual["html"].read_text(encoding="utf-8")
    assert '<td lang="en" dir="ltr">' in html


# --- the archive --------------------------------------------------------------------------------


def test_the_corrected_pdf_is_valid_and_stays_pdfa(tmp_path):
    pdf = _export(TYPO, tmp_path, "--pdfa")["pdf"]
    check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    report = pdfa_report(pdf)
    assert report.passed, report.summary()
    assert missing_words(record_texts(TYPO, "ar"), pdftotext(pdf)) == []


def test_the_text_fix_changes_nothing_drawn(unfixed):
    # The same glyphs in the same places: only ToUnicode maps and marked content change.
    from reportkit.writers.pdftext import fix_pdf

    drawing = ("TJ", "Tj", "Tm", "Td", "TD", "Ts", "Tf", "cm", "re", "Do")
    with (
        pikepdf.open(io.BytesIO(unfixed)) as one,
        pikepdf.open(io.BytesIO(fix_pdf(unfixed))) as two,
    ):
        for a, b in zip(one.pages, two.pages, strict=True):
            ops = [
                [
                    (str(op), [repr(o) for o in operands])
                    for operands, op in pikepdf.parse_content_stream(page.obj)
                    if str(op) in drawing
                ]
                for page in (a, b)
            ]
            assert ops[0] == ops[1]


def test_standalone_html_embeds_a_fallback_font_only_when_the_text_needs_it(typo, tmp_path):
    assert 'font-family: "Noto Emoji"' in typo["html"].read_text(encoding="utf-8")
    plain = _export({"conference": {"title": "مؤتمر بلا رموز"}}, tmp_path)["html"]
    css = plain.read_text(encoding="utf-8")
    for family in FALLBACK_FAMILIES:
        assert f'font-family: "{family}"; src' not in css
    assert 'font-family: "Noto Naskh Arabic"; font-weight: 400; src: url("data:' in css
