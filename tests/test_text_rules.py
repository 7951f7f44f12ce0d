"""What a record's text may hold and what every writer receives (rules in reportkit.record.text):
separators become line feeds, bidi embeddings and overrides stay inside their field and are
warned about, characters renderers disagree on are refused by name and position."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_cli
from reportkit.document import build_document
from reportkit.errors import RecordError
from reportkit.record import read_record, record_from_data
from reportkit.record.text import PDF, PDI, document_text
from support.readers import docx_to_pdf, normalize, pdftotext
from support.strategies import CI, TARGETS, Case, check_export, raw_text

LRE, RLE, LRO, RLO = "\u202a", "\u202b", "\u202d", "\u202e"
LRI, RLI, FSI = "\u2066", "\u2067", "\u2068"
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _confined(line: str) -> bool:
    """Every embedding, override and isolate the line opens, it closes, innermost first, and
    every closer closes something."""
    stack = []
    for ch in line:
        if ch in (LRE, RLE, LRO, RLO):
            stack.append(PDF)
        elif ch in (LRI, RLI, FSI):
            stack.append(PDI)
        elif ch in (PDF, PDI):
            if not stack or stack.pop() != ch:
                return False
    return not stack


# --- separators -------------------------------------------------------------------------------

# WeasyPrint fails an assertion ("Got ' \u2029' between two lines") on a paragraph separator.
SEPARATOR_AT_LINE_END = {"conference": {"title": "مؤتمر"}, "summary": "كلمة " * 60 + " \u2029نص"}


@pytest.mark.parametrize("target", list(TARGETS))
def test_a_paragraph_separator_after_a_space_renders_in_every_writer(tmp_path, target):
    assert check_export(Case(SEPARATOR_AT_LINE_END), target, tmp_path) == "ok"


@pytest.mark.parametrize("target", list(TARGETS))
def test_every_separator_renders_in_every_writer(tmp_path, target):
    separators = ["\u2028", "\u2029", "\r\n", "\r", "\n", " \u2028", "\u2029 ", "\t"]
    data = {
        "conference": {"title": "مؤتمر\u2029تجريبي", "reference": "م\u2028ق/47"},
        "summary": "".join(f"كلمة{sep}" for sep in separators) * 12 + "نص",
        "participants": [f"وفد{sep}مشارك" for sep in separators],
    }
    assert check_export(Case(data, "json"), target, tmp_path) == "ok"


# A line separator, a paragraph separator and a line feed inside one text, in a title that is also
# the running header, and a summary long enough for a second page.
BROKEN_LINES = {
    "conference": {"title": "مؤتمر\u2028تجريبي", "reference": "GS/12"},
    "summary": "كلمة أولى\u2028نص جديد\u2029فقرة ثانية\nسطر ثالث " + "كلمة " * 1200,
}
BROKEN_SUMMARY = ["كلمة أولى", "نص جديد", "فقرة ثانية", "سطر ثالث"]


@pytest.mark.parametrize("engine", ["weasyprint", "reportlab", "typst"])
def test_separators_break_the_line_in_every_pdf_engine_and_not_the_running_header(tmp_path, engine):
    path = tmp_path / "record.json"
    path.write_text(json.dumps(BROKEN_LINES, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.pdf"
    result = run_cli("export", str(path), "--engine", engine, "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    lines = [" ".join(normalize(line).split()) for line in pdftotext(out).splitlines()]
    # Each part of the summary stands on a line of its own: first, middle or last of it.
    for part in BROKEN_SUMMARY[:3]:
        assert part in lines, (part, lines[:20])
    assert any(line.startswith("سطر ثالث") for line in lines), lines[:20]
    assert "مؤتمر" in lines and "تجريبي" in lines  # the title on two lines, on page one
    # The running header (page two) is one line.
    page_two = [
        " ".join(normalize(line).split()) for line in pdftotext(out, "-f", "2").splitlines()
    ]
    assert "مؤتمر تجريبي" in page_two[:4], page_two[:4]


def test_separators_break_the_line_in_html_and_docx(tmp_path):
    import docx

    path = tmp_path / "record.json"
    path.write_text(json.dumps(BROKEN_LINES, ensure_ascii=False), encoding="utf-8")
    result = run_cli("export", str(path), "-f", "html", "-f", "docx", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr.decode()
    html = (tmp_path / "record.html").read_text(encoding="utf-8")
    assert "<br>".join(BROKEN_SUMMARY) in html and "مؤتمر<br>تجريبي" in html
    paragraphs = [p.text for p in docx.Document(str(tmp_path / "record.docx")).paragraphs]
    assert any(p.startswith("\n".join(BROKEN_SUMMARY)) for p in paragraphs), paragraphs[:8]


def test_separators_become_one_line_feed_in_the_document():
    record = record_from_data(
        {
            "conference": {
                "title": {"ar": "أ\u2028ب\u2029ج\r\nد\re", "en": "t"},
                "reference": "م\u2029ق",
            },
            "summary": {"ar": "س\u2029ص", "en": "x\u2028y"},
        },
        "data",
    )
    doc = build_document(record, ("ar", "en"))
    assert doc.title.title[0].text == "أ\nب\nج\nد\ne"
    assert doc.reference.text == "م\nق"
    assert [s.text for s in doc.blocks[1].texts] == ["س\nص", "x\ny"]
    assert (
        record.conference.title["ar"] == "أ\u2028ب\u2029ج\r\nد\re"
    )  # the record keeps what it was


# --- confinement ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("abc", "abc"),
        (f"a{RLO}bc", f"a{RLO}bc{PDF}"),
        (f"a{RLO}b{PDF}c", f"a{RLO}b{PDF}c"),
        (f"a{PDF}b{PDI}c", "abc"),  # closers that close nothing are dropped
        (f"{RLI}a{LRE}b{PDI}c", f"{RLI}a{LRE}b{PDF}{PDI}c"),  # a PDI ends what its isolate opened
        (f"{LRE}{RLI}a{PDF}b", f"{LRE}{RLI}ab{PDI}{PDF}"),  # a PDF cannot close across an isolate
        (f"{RLO}a\nb{PDF}", f"{RLO}a{PDF}\nb"),  # each line is confined on its own
        (f"{FSI}{RLE}{LRO}x", f"{FSI}{RLE}{LRO}x{PDF}{PDF}{PDI}"),
    ],
)
def test_every_embedding_override_and_isolate_is_closed_on_its_line(text, expected):
    assert document_text(text) == expected


@CI
@given(raw_text(1, 30))
def test_document_text_is_confined_idempotent_and_keeps_every_visible_character(text):
    out = document_text(text)
    assert all(_confined(line) for line in out.split("\n"))
    assert document_text(out) == out
    assert not set("\r\u2028\u2029") & set(out)
    visible = re.sub("\r\n|[\r\u2028\u2029]", "\n", BIDI_CONTROLS.sub("", text))
    assert BIDI_CONTROLS.sub("", out) == visible


def test_no_span_of_the_document_can_reorder_text_outside_it():
    record = record_from_data(
        {
            "conference": {
                "title": f"مؤتمر {RLO}عكس",
                "reference": f"GS/{RLO}12/2024",
                "city": f"{LRE}Rabat",
                "country": f"{PDF}{PDI}المغرب",
            },
            "summary": f"نص {RLO}معكوس\nسطر {LRO}ثان",
            "participants": [f"{RLI}وفد"],
            "recommendations": [{"text": "x", "category": f"{RLE}فئة"}],
        },
        "data",
    )
    doc = build_document(record)
    spans = [*doc.spans(), doc.reference]
    assert all(_confined(line) for span in spans for line in span.text.split("\n"))
    assert doc.reference.text == f"GS/{RLO}12/2024{PDF}"
    venue = next(f for f in doc.title.fields if f.name == "venue").value[0].text
    assert venue == f"{LRE}Rabat{PDF}، المغرب"
    assert RLO not in doc.meta.title.split(PDF)[-1]  # metadata is built from confined Spans


@pytest.mark.parametrize("target", ["weasyprint", "reportlab", "typst", "docx"])
def test_an_override_in_a_category_leaves_the_recommendation_after_it_readable(tmp_path, target):
    # Before confinement ReportLab printed "Cat retfa sdrow elbisiv — yroge". Through the real
    # command, every PDF engine, and the DOCX as LibreOffice lays it out.
    data = {
        "language": "en",
        "conference": {"title": "Leak test"},
        "recommendations": [{"category": f"Cat {RLO}egory", "text": "visible words after"}],
    }
    path = tmp_path / "record.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    if target == "docx":
        out = tmp_path / "out.docx"
        result = run_cli("export", str(path), "-o", str(out), "--no-verification")
        assert result.returncode == 0, result.stderr
        pdf = docx_to_pdf(out, tmp_path)
    else:
        pdf = tmp_path / "out.pdf"
        result = run_cli(
            "export", str(path), "--engine", target, "-o", str(pdf), "--no-verification"
        )
        assert result.returncode == 0, result.stderr
    assert "visible words after" in pdftotext(pdf, "-layout")
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in result.stderr.decode()


def test_validate_warns_about_an_override_naming_its_field_and_code_point(tmp_path):
    path = tmp_path / "record.yaml"
    path.write_text(f"conference:\n  title: مؤتمر\n  reference: GS/{RLO}12\n", encoding="utf-8")
    result = run_cli("validate", str(path))
    assert result.returncode == 0 and result.stdout == b"ok\n"
    assert result.stderr.decode().splitlines() == [
        f"reportkit: warning: {path}:3:17: conference.reference: contains U+202E RIGHT-TO-LEFT "
        "OVERRIDE, which reverses the text a reader sees"
    ]


# --- refused and kept characters --------------------------------------------------------------

REFUSED = {
    "\ufff9": "INTERLINEAR ANNOTATION ANCHOR",
    "\ufffa": "INTERLINEAR ANNOTATION SEPARATOR",
    "\ufffb": "INTERLINEAR ANNOTATION TERMINATOR",
    "\ufffc": "OBJECT REPLACEMENT CHARACTER",
    "\u206a": "INHIBIT SYMMETRIC SWAPPING",
    "\u206e": "NATIONAL DIGIT SHAPES",
    "\U000e0001": "LANGUAGE TAG",
    "\ufdd0": "noncharacter",
    "\U0001fffe": "noncharacter",
}


@pytest.mark.parametrize("char", list(REFUSED))
def test_refused_characters_are_named_with_their_field_line_and_column(tmp_path, char):
    path = tmp_path / "record.yaml"
    path.write_text(f'conference:\n  title: "مؤتمر"\nsummary: "نص {char}هنا"\n', encoding="utf-8")
    with pytest.raises(RecordError) as caught:
        read_record(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:3:14: summary: contains U+{ord(char):04X}"), message
    assert REFUSED[char] in message


@pytest.mark.parametrize("char", ["\x07", "\x7f", "\x9b", "\ufffe"])
def test_characters_yaml_itself_refuses_are_named_with_line_and_column(tmp_path, char):
    path = tmp_path / "record.yaml"
    path.write_text(f'conference:\n  title: "مؤتمر"\nsummary: "نص {char}هنا"\n', encoding="utf-8")
    with pytest.raises(RecordError) as caught:
        read_record(path)
    assert str(caught.value).startswith(f"{path}:3:14: contains "), str(caught.value)
    assert f"U+{ord(char):04X}" in str(caught.value) and "\n" not in str(caught.value)


def test_a_refused_character_in_a_machine_translation_names_its_language(tmp_path):
    path = tmp_path / "record.json"
    data = {
        "conference": {"title": {"ar": "x", "en": {"text": "a\ufffcb", "machine": {"from": "ar"}}}}
    }
    path.write_text(json.dumps(data), encoding="utf-8")  # \ufffc escaped: the value's position
    with pytest.raises(RecordError) as caught:
        read_record(path)
    assert "conference.title.en.text: contains U+FFFC OBJECT REPLACEMENT" in str(caught.value)
    assert f"{path}:1:" in str(caught.value)


KEPT = (
    "\u200e\u200f\u061c"  # bidi marks
    "\u2066\u2067\u2068\u2069"  # isolates
    "\u200c\u200d\u0640"  # ZWNJ, ZWJ, tatweel
    "\u200b\u2060\ufeff\u00ad"  # zero width space, word joiner, ZWNBSP, soft hyphen
    "\ufe0f\ufe00\U000e0100"  # variation selectors
    "\U000e0067\U000e007f"  # tag characters (emoji subdivision flags)
    "\ue000\U000f0000\u0378"  # private use, unassigned
)


@pytest.mark.parametrize("target", list(TARGETS))
def test_kept_format_characters_validate_and_render_in_every_writer(tmp_path, target):
    data = {
        "conference": {"title": f"مؤتمر {KEPT} تجريبي", "reference": f"م{KEPT}ق/47"},
        "summary": " ".join(f"كلمة{c}" for c in KEPT) * 4,
        "participants": [f"وفد{c}" for c in KEPT],
    }
    assert check_export(Case(data, "json"), target, tmp_path) == "ok"
    assert read_record(tmp_path / "record.json").warnings == ()


# U+0605 ARABIC NUMBER MARK ABOVE is a format character that is drawn (over the digits after
# it), and none of reportkit's fonts has it: the Typst engine failed with "internal error"
# (its tagged PDF refuses a character its font cannot show), as it did for U+070F, U+0890,
# U+0891, U+08E2, the Egyptian hieroglyph format controls and U+1680 OGHAM SPACE MARK, a space
# that is drawn.
DRAWN_FORMAT = {
    "conference": {"title": "مؤتمر"},
    "summary": "رقم \u0605١٢٣ و\u06dd٤ و\u0600٥ و\u1680 و\u08e2",
}


@pytest.mark.parametrize("target", list(TARGETS))
def test_a_drawn_format_character_no_font_has_renders_in_every_writer(tmp_path, target):
    assert check_export(Case(DRAWN_FORMAT, "json"), target, tmp_path) == "ok"


def test_a_drawn_format_character_no_font_has_is_warned_about_and_strict_refuses_it(tmp_path):
    path = tmp_path / "record.json"
    path.write_text(json.dumps(DRAWN_FORMAT), encoding="utf-8")
    result = run_cli("export", str(path), "--engine", "typst", "-o", str(tmp_path / "a.pdf"))
    assert result.returncode == 0, result.stderr.decode()
    assert "U+0605 ARABIC NUMBER MARK ABOVE" in result.stderr.decode()
    result = run_cli("export", str(path), "--strict", "-o", str(tmp_path / "b.pdf"))
    assert result.returncode == 2 and "U+0605" in result.stderr.decode()
    assert not (tmp_path / "b.pdf").exists()


# --- warnings ---------------------------------------------------------------------------------


def test_overrides_and_embeddings_are_warned_about_where_they_are_written(tmp_path):
    path = tmp_path / "record.yaml"
    path.write_text(
        f"conference:\n  title: مؤتمر\n  reference: GS/{RLO}12\nsummary: |\n"
        f"  سطر\n  نص {LRO}أ{LRO}ب\nparticipants:\n  - {{ar: x, en: 'a {RLE}b {LRE}c'}}\n",
        encoding="utf-8",
    )
    loaded = read_record(path)
    assert [str(w) for w in loaded.warnings] == [
        f"{path}:3:17: conference.reference: contains U+202E RIGHT-TO-LEFT OVERRIDE, "
        "which reverses the text a reader sees",
        f"{path}:6:6: summary: contains U+202D LEFT-TO-RIGHT OVERRIDE (2 times), "
        "which forces the text a reader sees into left-to-right order",
        f"{path}:8:20: participants[0].en: contains U+202B RIGHT-TO-LEFT EMBEDDING, "
        "which embeds the text after it right to left and can reorder it; "
        "an isolate (U+2067 … U+2069) is safer",
        f"{path}:8:23: participants[0].en: contains U+202A LEFT-TO-RIGHT EMBEDDING, "
        "which embeds the text after it left to right and can reorder it; "
        "an isolate (U+2066 … U+2069) is safer",
    ]


def test_a_warning_for_an_escaped_character_points_at_its_field(tmp_path):
    path = tmp_path / "record.json"
    path.write_text(json.dumps({"conference": {"title": f"x{RLO}y"}}, indent=1), encoding="utf-8")
    (warning,) = read_record(path).warnings
    assert str(warning).startswith(f"{path}:3:12: conference.title: contains U+202E")


def test_isolates_and_marks_are_not_warned_about(tmp_path):
    path = tmp_path / "record.yaml"
    path.write_text(f"conference:\n  title: 'a {RLI}b{PDI} \u200fc {PDF}'\n", encoding="utf-8")
    assert read_record(path).warnings == ()


def test_validate_still_says_ok_for_a_record_with_an_override(tmp_path):
    path = tmp_path / "record.yaml"
    path.write_text(f"conference:\n  title: مؤتمر {RLO}عكس\n", encoding="utf-8")
    result = run_cli("validate", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip() == "ok"


def test_validate_prints_the_override_warning_on_stderr(tmp_path):
    path = tmp_path / "record.yaml"
    path.write_text(f"conference:\n  title: مؤتمر {RLO}عكس\n", encoding="utf-8")
    result = run_cli("validate", str(path))
    assert result.returncode == 0
    assert result.stderr.decode().strip() == (
        f"reportkit: warning: {path}:2:16: conference.title: contains U+202E RIGHT-TO-LEFT "
        "OVERRIDE, "
        "which reverses the text a reader sees"
    )


@settings(CI, max_examples=60)
@given(st.lists(raw_text(1, 6), min_size=1, max_size=4))
def test_reading_a_record_gives_a_record_or_one_located_message(texts):
    """Random text, refused characters included, gives a record or problems naming the field."""
    data = {"conference": {"title": texts[0] + "\ufff9" * (len(texts) % 2)}, "topics": texts[1:]}
    try:
        record_from_data(data, "data")
    except RecordError as err:
        assert all(p.field.startswith(("conference.title", "topics[")) for p in err.problems)
