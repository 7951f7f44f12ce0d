"""Pathological text paginates in both PDF engines and every character reaches the page: a word of
20,000 letters with no space, a 3,000-character identifier and a long URL inside Arabic text, a
title, organizer, reference, heading and recommendation of thousands of characters. Exported
through the real command, read back with poppler (pdftotext) and PDFium.

Timing is the benchmark's business (benchmarks/bench_long_text.py), not these tests'."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import yaml

from conftest import run_cli
from support.readers import BIDI_MARKS, missing_words, pdftotext

LATIN = "abcdefghijklmnopqrstuvwxyz"
# Letters that join both sides and letters that join only the one before (alef, dal, reh, waw):
# a line may break inside the word between any two of them.
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
SENTENCE = "المؤتمر السابع والأربعون لقادة الشرطة والأمن العرب "
# The body of an A4 page, in points from the top: below the running header's rule (30 mm margin
# less 3 mm), above the footer's text (24 mm margin less 2 mm). pdftotext reads only this area,
# so that headers and footers do not stand between the lines of a word that crosses pages.
BODY = ("-x", "0", "-y", "80", "-W", "595", "-H", "695")


@pytest.fixture(params=["weasyprint", "reportlab", "typst"])
def engine(request) -> str:
    return request.param


def _word(alphabet: str, n: int) -> str:
    return (alphabet * (n // len(alphabet) + 1))[:n]


def _sentences(n: int) -> str:
    return (SENTENCE * (n // len(SENTENCE) + 1))[:n].strip()


def _record(**fields) -> dict:
    record = {
        "language": "ar",
        "conference": {"title": "مؤتمر", "organizer": "الأمانة العامة", "reference": "GS/1/2024"},
    }
    record["conference"].update(fields.pop("conference", {}))
    record.update(fields)
    return record


def _export(record: dict, engine: str, folder) -> str:
    """Export through the real command; the PDF's path."""
    source = folder / "record.yaml"
    source.write_text(yaml.safe_dump(record, allow_unicode=True, width=10**9), encoding="utf-8")
    out = folder / f"report-{engine}.pdf"
    result = run_cli("export", str(source), "--engine", engine, "-o", str(out), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    return out


def _letters(text: str) -> str:
    """The text without whitespace and bidi marks: what comparing extracted letters needs."""
    return re.sub(r"\s", "", BIDI_MARKS.sub("", text))


def _lost(expected: str, extracted: str) -> Counter:
    """Characters of `expected` (whitespace aside) that `extracted` lacks, with their counts."""
    return Counter(_letters(expected)) - Counter(_letters(extracted))


def _in_sequence(word: str, extracted: str) -> bool:
    """Whether `word` stands whole, in order, in the extracted text once everything but its own
    letters is taken out: line breaks inside the word, and text around it, do not count; a
    letter lost, doubled or out of order does. poppler gives each line in logical order, Arabic
    lines included, so an Arabic word is checked in sequence too."""
    alphabet = set(word)
    return word in "".join(ch for ch in extracted if ch in alphabet)


def _off_page(pdf) -> int:
    """How many characters PDFium finds outside their page (clipped from any print or view)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        off = 0
        for page in doc:
            width, height = page.get_size()
            text = page.get_textpage()
            for i in range(text.count_chars()):
                left, bottom, right, top = text.get_charbox(i)
                if left < -0.5 or bottom < -0.5 or right > width + 0.5 or top > height + 0.5:
                    off += 1
        return off
    finally:
        doc.close()


@pytest.mark.parametrize("alphabet", [LATIN, ARABIC], ids=["latin", "arabic"])
def test_every_letter_of_a_20000_letter_word_reaches_the_page(alphabet, engine, tmp_path):
    word = _word(alphabet, 20_000)
    pdf = _export(_record(summary=word), engine, tmp_path)
    assert _in_sequence(word, pdftotext(pdf, *BODY))
    assert not _lost(word, pdftotext(pdf))
    assert _off_page(pdf) == 0


def test_a_long_identifier_and_url_inside_arabic_text_wrap_anywhere(engine, tmp_path):
    # Capitals only: on the line where the identifier ends, poppler may put the Arabic words and
    # the URL's digits on either side of its last part, but that part stays one run of capitals.
    identifier = "".join(LATIN.upper()[(i * 7 + i // 26) % 26] for i in range(3000))
    url = "https://www.example.org/" + "/".join(f"section{i:03d}" for i in range(60))
    summary = f"ورد المعرف {identifier} في التقرير، ونصه الكامل على {url} في نهاية المطاف."
    pdf = _export(_record(summary=summary), engine, tmp_path)
    body = pdftotext(pdf, *BODY)
    assert _in_sequence(identifier, body)
    assert _in_sequence(re.sub(r"[^a-z0-9]", "", url), re.sub(r"[^a-z0-9]", "", body))
    words_around = summary.replace(identifier, " ").replace(url, " ")  # broken over lines
    assert missing_words([words_around], pdftotext(pdf)) == []
    assert not _lost(summary, pdftotext(pdf))
    assert _off_page(pdf) == 0


def test_long_title_fields_heading_and_recommendation_paginate(engine, tmp_path):
    reference = "GS-" + _word("0123456789ABCDEF", 2997)
    record = _record(
        conference={
            "title": _sentences(2500),
            "organizer": _sentences(2000),
            "reference": reference,
            "city": _sentences(1000),
        },
        recommendations=[
            {"text": _sentences(3000), "category": _sentences(500)},
            {"text": "توصية قصيرة بعدها"},
        ],
        sections=[{"heading": _sentences(3000), "paragraphs": ["فقرة قصيرة بعد العنوان الطويل"]}],
    )
    pdf = _export(record, engine, tmp_path)
    text = pdftotext(pdf)
    c = record["conference"]
    rec, section = record["recommendations"], record["sections"][0]
    expected = [c["title"], c["organizer"], c["city"], rec[0]["text"], rec[0]["category"]]
    expected += [rec[1]["text"], section["heading"], section["paragraphs"][0]]
    assert missing_words(expected, text) == []
    assert not _lost("".join(expected), text)
    assert _in_sequence(reference, pdftotext(pdf, *BODY))
    assert _off_page(pdf) == 0


def test_a_reference_longer_than_a_page_paginates_in_the_title_block_and_verification(
    engine, tmp_path
):
    # the title block's fields table and the verification block both print it whole
    reference = _sentences(12_000)
    pdf = _export(_record(conference={"reference": reference}), engine, tmp_path)
    text = pdftotext(pdf)
    assert not _lost(reference + reference, text)
    assert _off_page(pdf) == 0


def test_a_2500_character_title_alone_paginates(engine, tmp_path):
    # no organizer: the title is also the running header, which repeats only its beginning
    record = _record(conference={"title": _sentences(2500)})
    del record["conference"]["organizer"]
    pdf = _export(record, engine, tmp_path)
    assert not _lost(record["conference"]["title"], pdftotext(pdf))
    assert _off_page(pdf) == 0
    # beside the title's short form, the running header keeps the short reference on one line
    header = pdftotext(pdf, "-f", "2", "-l", "2", "-x", "0", "-y", "0", "-W", "595", "-H", "80")
    assert "GS/1/2024" in header


def test_a_heading_taller_than_a_page_before_an_empty_section_paginates(engine, tmp_path):
    """A heading of 120 lines (its line breaks) whose section has no paragraphs, kept with the
    next heading: ReportLab's inner stack could not see that its page was empty, so it never split
    (LayoutError, found by the long property run)."""
    lines = [f"سطر {n}" for n in range(1, 121)]
    record = {
        "language": "ar",
        "conference": {"title": "عنوان", "reference": "T/1"},
        "sections": [
            {"heading": "\n".join(lines), "paragraphs": []},
            {"heading": "باب", "paragraphs": ["نص"]},
        ],
    }
    pdf = _export(record, engine, tmp_path)
    text = pdftotext(pdf)
    assert text.count("سطر") == 120
    assert {str(n) for n in range(1, 121)} <= set(re.findall(r"\d+", text))
    assert _off_page(pdf) == 0


# -- the pieces the engines are built from --------------------------------------------------


def test_short_forms_end_with_an_ellipsis_and_keep_marks_with_their_letter():
    from reportkit.writers.html import short_text

    assert short_text("قصير", 10) == "قصير"
    cut = short_text(SENTENCE * 20, 100)
    assert len(cut) <= 100 and cut.endswith("…") and SENTENCE.startswith(cut[:40])
    assert not cut[:-1].endswith(" ")
    marked = "بِ" * 100  # every second character a kasra
    cut = short_text(marked, 51)
    assert cut.endswith("ِ…") and len(cut) <= 51


def test_pieces_of_a_long_run_join_back_and_cut_where_no_letter_changes_shape():
    from reportkit.writers.html import PIECE, pieces

    run = _word(ARABIC, 5000)
    parts = pieces(run)
    assert "".join(parts) == run
    assert all(len(p) < 2 * PIECE + 1 for p in parts)
    for p in parts[:-1]:  # each piece ends with a letter that does not join the next one
        assert p[-1] in "اأإآدذرزوؤةء"
    joining = "ب" * 1000  # no such place: cut between letters, never before a mark
    assert "".join(pieces(joining)) == joining
    marked = "بِ" * 1000
    assert all(not p.startswith("ِ") for p in pieces(marked))


def test_long_runs_in_html_stay_text_not_markup():
    from reportkit.writers.html import breakable

    html = str(breakable("<b>" + "x" * 1000 + "&</b>", "ltr"))
    assert "<b>" not in html and "&lt;b&gt;" in html and "&amp;&lt;/b&gt;" in html
    assert html.count('<span class="brk">') >= 4
    # a Latin run inside right-to-left text keeps its own order
    assert str(breakable("نص " + "y" * 1000, "rtl")).startswith('نص <span dir="ltr">')
    assert str(breakable("short words only", "ltr", cell=True)) == "short words only"


def test_a_broken_word_keeps_every_letter_and_each_line_fits():
    from reportkit.resources import ARABIC_FAMILY, LATIN_FAMILY, font_path
    from reportkit.writers.reportlab.paragraph import TextEngine
    from reportkit.writers.reportlab.shaping import Fonts

    engine = TextEngine(
        Fonts(
            arabic=font_path(ARABIC_FAMILY),
            arabic_bold=font_path(ARABIC_FAMILY, "bold"),
            latin=font_path(LATIN_FAMILY),
            latin_bold=font_path(LATIN_FAMILY, "bold"),
        )
    )
    for word, direction in ((_word(ARABIC, 5000), "rtl"), (_word(LATIN, 5000), "ltr")):
        text = f"قبل {word} بعد"
        laid = engine.layout(text, size=12, width=300, base_dir=direction)
        assert all(line.width <= 300 + 1e-6 for line in laid.lines)
        shown = "".join(laid.paragraphs[0][line.start : line.end] for line in laid.lines)
        assert shown.replace(" ", "") == text.replace(" ", "")
        assert len(laid.lines) > 20
