"""Mixed text in the ReportLab PDF as a careful Arab typesetter sets it: Latin code names, phone
numbers and URLs inside Arabic read as written, links are live on every line they take, symbols
and emoji come from fallback fonts (never an empty box), digits in Arabic text are the Arabic
font's, and English in a bilingual column is set ragged, without wide justified gaps.

Exported through the real command and read back with poppler (pdftotext), PDFium (text and
character boxes) and pikepdf (annotations, content streams, fonts). No mocks."""

from __future__ import annotations

import re

import pytest
import yaml

pytest.importorskip("reportlab")
pytest.importorskip("uharfbuzz")

from conftest import record_texts, run_cli  # noqa: E402
from support.readers import (  # noqa: E402
    char_boxes,
    drawn_glyphs,
    link_annotations,
    missing_words,
    normalize,
    pdffonts,
    pdfium_text,
    pdftotext,
)

URL = "https://www.example.org/a-b"
EMAIL = "info@example.org"
# A URL longer than a line, with hyphens it must never break at.
LONG_URL = "https://www.example.org/" + "/".join(f"section-{i:03d}" for i in range(30))
# Capitals no other text of the record uses, so that its letters can be followed in order.
TOKEN = "".join("JKQVXZ"[(i * 5 + i // 6) % 6] for i in range(3000))
SYMBOLS = "🛡️ ✅ → ✓ ☎"
# The body of an A4 page for pdftotext (from below the running header to above the footer), so
# that a header does not stand between the lines of a URL that crosses pages.
BODY = ("-x", "0", "-y", "80", "-W", "595", "-H", "695")

RECALL = {
    "language": "ar",
    "conference": {
        "title": "بِسْمِ اللَّهِ الرَّحْمَٰنِ الرَّحِيمِ",
        "organizer": "مكتب الأستاذ عبدالله للتنسيق",
        "reference": "GS/7/2024",
    },
    "summary": f"الحمد لله، وقد اعتمد المؤتمر لغة C++ ومركز (GCC-CERT) وخدمة I-24/7 {SYMBOLS}، "
    f"وتفاصيله على {URL} أو عبر البريد {EMAIL}.",
    "recommendations": [
        {"text": "تخصيص 250 مليون دولار لبرنامج Cyber Shield خلال الفترة القادمة ✅"},
        {"text": "التواصل عبر الهاتف +966 11 234 5678 في أوقات الدوام", "category": "الاتصال ☎"},
    ],
    "sections": [
        {
            "heading": "المراجع",
            "paragraphs": [
                f"ورد المعرف {TOKEN} في التقرير كاملا.",
                f"والنص الكامل على {LONG_URL} في نهاية المطاف.",
            ],
        }
    ],
}

# One code per paragraph, so each stands alone on its line of the page.
CODES = {
    "language": "ar",
    "conference": {"title": "برامج التدريب", "organizer": "الأمانة العامة"},
    "sections": [
        {
            "heading": "البرامج",
            "paragraphs": [
                "تدريب المبرمجين على لغة C++ في المعهد",
                "للتواصل الهاتف +966 11 234 5678 مباشرة",
                "بالتعاون مع مركز (GCC-CERT) وخدمة I-24/7",
                "وبرنامج Cyber Shield للحماية",
            ],
        }
    ],
}

EMOJI = {
    "language": "ar",
    "conference": {"title": f"الدرع السيبراني {SYMBOLS}", "organizer": "الأمانة العامة"},
    "summary": f"رموز الحالة {SYMBOLS} 👨‍👩‍👧 🇸🇦 ≤ ∑ ★ في التقرير.",
    "recommendations": [{"text": "اعتماد الخطة ✓", "category": "القرار ✅"}],
}

ENGLISH = (
    "The conference commended the experience of the Kingdom of Morocco in fighting cybercrime, "
    "called on the member states to benefit from it, and urged them to assess the risks that "
    "modern technology poses in all crimes, to take the measures needed to fight them, and to "
    "use advanced technology and artificial intelligence against terrorism and organized crime."
)
BILINGUAL = {
    "language": "ar",
    "conference": {
        "title": {"ar": "المؤتمر السابع والأربعون", "en": "The 47th Conference"},
        "organizer": {"ar": "الأمانة العامة", "en": "General Secretariat"},
    },
    "sections": [
        {
            "heading": {"ar": "الوقائع", "en": "Proceedings"},
            "paragraphs": [
                {
                    "ar": "وثمن المؤتمر تجربة المملكة المغربية في مجال مكافحة الجرائم السيبرانية، "
                    "داعيا الدول الأعضاء إلى الاستفادة منها، كما دعاها إلى الاهتمام بتقييم "
                    "المخاطر التي يشكلها استعمال التكنولوجيا الحديثة في كافة الجرائم.",
                    "en": ENGLISH,
                }
            ],
        }
    ],
}


def _export(folder, record: dict, *options: str):
    source = folder / "record.yaml"
    source.write_text(yaml.safe_dump(record, allow_unicode=True, width=10**9), encoding="utf-8")
    out = folder / "out.pdf"
    result = run_cli("export", str(source), "--engine", "reportlab", "-o", str(out), *options)
    assert result.returncode == 0, result.stderr.decode()
    return out


@pytest.fixture(scope="module")
def recall_pdf(tmp_path_factory):
    return _export(tmp_path_factory.mktemp("recall"), RECALL)


@pytest.fixture(scope="module")
def codes_pdf(tmp_path_factory):
    return _export(tmp_path_factory.mktemp("codes"), CODES)


@pytest.fixture(scope="module")
def emoji_pdf(tmp_path_factory):
    return _export(tmp_path_factory.mktemp("emoji"), EMOJI)


@pytest.fixture(scope="module")
def bilingual_pdf(tmp_path_factory):
    return _export(tmp_path_factory.mktemp("bilingual"), BILINGUAL, "--lang", "ar+en")


def _in_sequence(word: str, extracted: str) -> bool:
    """`word` whole and in order once everything but its own letters is taken out (it is broken
    over lines)."""
    alphabet = set(word)
    return word in "".join(ch for ch in extracted if ch in alphabet)


def _rows(path, page: int = 0, tolerance: float = 3.0) -> list[list[tuple[float, float, str]]]:
    """The non-blank characters of each line of a page as (left, right, character), sorted left
    to right by their boxes: what the eye reads, whatever order the text is stored in. Lines
    are told apart by the middle of their characters' loose boxes (ascent to descent)."""
    rows: list[tuple[float, list[tuple[float, float, str]]]] = []
    for char, (left, bottom, right, top) in char_boxes(path, page, loose=True):
        if not char.strip():
            continue
        middle = (bottom + top) / 2
        for y, row in rows:
            if abs(y - middle) < tolerance:
                row.append((left, right, char))
                break
        else:
            rows.append((middle, [(left, right, char)]))
    return [sorted(row) for _, row in rows]


def _lines(path, page: int = 0) -> list[str]:
    return ["".join(c for _, _, c in row) for row in _rows(path, page)]


# --- every word comes back ---------------------------------------------------------------------


@pytest.mark.parametrize("reader", [pdftotext, pdfium_text], ids=["poppler", "pdfium"])
def test_every_word_of_tashkeel_codes_links_and_a_long_token_is_read_back(recall_pdf, reader):
    text = reader(recall_pdf)
    expected = [t.replace(TOKEN, " ").replace(LONG_URL, " ") for t in record_texts(RECALL, "ar")]
    assert missing_words(expected, text) == []
    flat = normalize(text)
    for whole in (URL, EMAIL, "عبدالله", "الله", "بسم الله الرحمن الرحيم"):
        assert whole in flat, whole
    assert _in_sequence(TOKEN, text)  # 3,000 capitals over many lines, none lost or moved
    if reader is pdftotext:
        body = re.sub(r"[^a-z0-9]", "", pdftotext(recall_pdf, *BODY))
        assert _in_sequence(re.sub(r"[^a-z0-9]", "", LONG_URL), body)


def test_poppler_reads_codes_whole_where_they_stand(recall_pdf):
    # PDFium puts a right-to-left line back in logical order with a bidi pass of its own that
    # knows no isolates ("++C"); what it draws is checked by character boxes below. Brackets
    # are left out: readers mirror them, or not, by their own rules (tests/test_reportlab.py
    # checks them on the picture).
    flat = normalize(pdftotext(recall_pdf))
    for code in ("C++", "GCC-CERT", "I-24/7", "+966 11 234 5678", "Cyber Shield"):
        assert code in flat, code


@pytest.mark.parametrize("reader", [pdftotext, pdfium_text], ids=["poppler", "pdfium"])
def test_isolate_controls_draw_nothing_and_never_reach_the_text(recall_pdf, reader):
    assert not re.search("[\u2066-\u2069]", reader(recall_pdf))
    assert all(not re.search("[\u2066-\u2069]", g["text"]) for g in drawn_glyphs(recall_pdf))


# --- codes, numbers and names read as written --------------------------------------------------


def test_code_names_and_phone_numbers_read_left_to_right_inside_arabic(codes_pdf):
    lines = _lines(codes_pdf)

    def line_with(*chars: str) -> str:
        found = [line for line in lines if all(c in line for c in chars)]
        assert len(found) == 1, (chars, lines)
        return found[0]

    # C is drawn left of its pluses ("++C" is what the bare algorithm shows)
    assert re.sub(r"[^C+]", "", line_with("C", "+")) == "C++"
    assert re.sub(r"[^+0-9]", "", line_with("+", "9")) == "+966112345678"
    codes = re.sub(r"[^A-Za-z0-9/+-]", "", line_with("G", "I"))
    assert "GCC-CERT" in codes and "I-24/7" in codes
    assert "CyberShield" in re.sub(r"[^A-Za-z]", "", line_with("y"))


def test_pdftotext_keeps_codes_whole_in_their_sentence(codes_pdf):
    text = normalize(pdftotext(codes_pdf))
    for code in ("C++", "+966 11 234 5678", "GCC-CERT", "I-24/7", "Cyber Shield"):
        assert code in text, code


def test_western_digits_in_arabic_text_come_from_the_arabic_font():
    from reportkit.writers.reportlab.writer import _engine

    laid = _engine().layout("اجتماع عام 2023 والهاتف \u2066+966 11\u2069", size=12, width=400)
    fonts = {run.text: run.font for run in laid.lines[0].runs}
    assert fonts["2023"] == "arabic"
    glued = _engine().layout("الإصدار \u2066v2.3.1\u2069 الجديد", size=12, width=400)
    assert [run.font for run in glued.lines[0].runs if run.text in ("v", "2.3.1")] == [
        "latin",
        "arabic",
    ]
    english = _engine().layout("In 2023 the meeting", size=12, width=400, base_dir="ltr")
    assert {run.font for run in english.lines[0].runs} == {"latin"}


# --- links ------------------------------------------------------------------------------------


def test_urls_and_email_are_link_annotations_over_their_glyphs(recall_pdf):
    links = link_annotations(recall_pdf)
    uris = [uri for _, uri, _ in links]
    assert URL in uris and f"mailto:{EMAIL}" in uris
    # the annotation covers the glyphs of the address, and only on its own line
    boxes = char_boxes(recall_pdf, 0)
    chars = [c for c, _ in boxes]
    for uri, shown in ((URL, URL), (f"mailto:{EMAIL}", EMAIL)):
        (rect,) = [r for page, u, r in links if u == uri and page == 0]
        (start,) = [k for k in range(len(chars)) if chars[k : k + len(shown)] == list(shown)]
        for _, (left, bottom, right, top) in boxes[start : start + len(shown)]:
            x, y = (left + right) / 2, (bottom + top) / 2
            assert rect[0] <= x <= rect[2] and rect[1] <= y <= rect[3], (uri, rect, x, y)
        ink = [box for _, box in boxes[start : start + len(shown)]]
        assert rect[0] >= min(b[0] for b in ink) - 1 and rect[2] <= max(b[2] for b in ink) + 1


def test_a_long_url_breaks_only_after_a_slash_and_links_every_line(recall_pdf):
    parts = [
        m.group()
        for line in pdftotext(recall_pdf).splitlines()
        for m in re.finditer(r"[\w:/.-]*section-\d{3}[\w:/.-]*", line)
    ]
    assert len(parts) >= 3
    assert "".join(parts) == LONG_URL  # never broken at a hyphen: only after a slash
    assert all(part.endswith("/") for part in parts[:-1]), parts
    rects = [(page, rect) for page, uri, rect in link_annotations(recall_pdf) if uri == LONG_URL]
    assert len(rects) == len(parts)
    assert len({(page, round(rect[1])) for page, rect in rects}) == len(parts)  # one per line


# --- fallback fonts: no empty boxes --------------------------------------------------------------


def test_symbols_and_emoji_draw_real_glyphs_with_unicode(emoji_pdf):
    glyphs = drawn_glyphs(emoji_pdf)
    assert glyphs
    notdef = [g for g in glyphs if g["gid"] == 0]
    assert notdef == [], notdef
    unmapped = [g for g in glyphs if not g["text"]]
    assert unmapped == [], unmapped
    font_of = {}
    for g in glyphs:
        font_of.setdefault(g["text"].replace("\ufe0f", ""), set()).add(g["font"])
    assert font_of["🛡"] == {"NotoEmoji-Regular"}  # with its emoji selector: the emoji face
    assert font_of["✅"] == {"NotoEmoji-Regular"}
    assert font_of["✓"] == {"NotoSansSymbols2-Regular"}
    assert font_of["☎"] == {"NotoSansSymbols2-Regular"}
    assert font_of["→"] == {"NotoSansMath-Regular"}
    # one glyph for the ZWJ sequence and one for the flag; right to left, a glyph's several
    # characters are stored reversed, as extractors read them back (see shaping.py)
    family = "👨\u200d👩\u200d👧"
    assert font_of.get(family, font_of.get(family[::-1])) == {"NotoEmoji-Regular"}
    assert font_of["🇸🇦"] == {"NotoEmoji-Regular"}


def test_fallback_fonts_are_embedded_subsets_with_tounicode(emoji_pdf):
    fonts = {re.sub(r"^[A-Z]{6}\+", "", row["name"]): row for row in pdffonts(emoji_pdf)}
    for name in ("NotoSansSymbols2-Regular", "NotoSansMath-Regular", "NotoEmoji-Regular"):
        assert fonts[name]["emb"] == "yes" and fonts[name]["sub"] == "yes", fonts
        assert fonts[name]["uni"] == "yes"


def test_symbols_read_back_in_poppler(emoji_pdf):
    text = pdftotext(emoji_pdf)
    for char in "✅→✓☎≤∑★🛡":
        assert char in text, char


# --- English in a bilingual column -------------------------------------------------------------


def test_english_in_a_bilingual_column_is_ragged_with_natural_spaces(bilingual_pdf):
    width = 595.28
    body = []  # the English paragraph's lines: the left column's long lines
    for row in _rows(bilingual_pdf):
        latin = [(a, b) for a, b, c in row if re.match(r"[A-Za-z,.]", c)]
        if len(latin) > 30 and all(b < width / 2 for _, b in latin):
            body.append(latin)
    assert len(body) >= 5
    starts = [row[0][0] for row in body]
    assert max(starts) - min(starts) < 1  # flush left, each line
    ends = [row[-1][1] for row in body]
    assert max(ends) - min(ends) > 5  # ragged right
    gaps = [b[0] - a[1] for row in body for a, b in zip(row, row[1:], strict=False)]
    assert max(gaps) < 0.45 * 11  # word spaces stay a space wide (11 pt text)
