"""The typesetting rule every writer applies: foreign runs are isolates with their own direction,
URLs and e-mail addresses are links, sentence punctuation stays with the sentence."""

from __future__ import annotations

import re

import pytest
from bidi import get_display

from reportkit.inline import LRI, PDI, RLI, Run, isolated_text, printed, runs


def foreign(text: str, base: str = "rtl") -> list[str]:
    return [r.text for r in runs(text, base) if r.dir]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("برنامج C++ الجديد", ["C++"]),
        ("لبرنامج Cyber Shield خلال", ["Cyber Shield"]),
        ("فريق (GCC-CERT) و I-24/7 و ISO 9001:2015 هنا", ["(GCC-CERT)", "I-24/7", "ISO 9001:2015"]),
        ("الاتصال على +966 11 234 5678 أو", ["+966 11 234 5678"]),
        ("اجتماع عام 2023م في الدوحة بتاريخ 2023/11/15", []),
        ("تخصيص 250 مليون دولار", []),
    ],
)
def test_latin_runs_with_their_punctuation_digits_and_symbols_are_isolated(text, expected):
    assert foreign(text) == expected


def test_arabic_inside_english_is_isolated_right_to_left():
    assert [
        (r.text, r.dir) for r in runs("The ministry (وزارة الداخلية) met.", "ltr") if r.dir
    ] == [("وزارة الداخلية", "rtl")]


def test_numbers_with_signs_flow_with_left_to_right_text():
    assert foreign("pages 5–6 and +44 20 7946 0000", "ltr") == []


def test_sentence_punctuation_stays_outside_links_and_runs():
    got = runs(
        "راسلونا على info@gcc-sg.org. أو زوروا https://www.gcc-sg.org/ar/page، ثم INTERPOL.", "rtl"
    )
    links = [(r.text, r.href) for r in got if r.href]
    assert links == [
        ("info@gcc-sg.org", "mailto:info@gcc-sg.org"),
        ("https://www.gcc-sg.org/ar/page", "https://www.gcc-sg.org/ar/page"),
    ]
    assert [r.text for r in got if r.dir and not r.href] == ["INTERPOL"]


def test_www_addresses_link_with_a_scheme():
    (link,) = [r for r in runs("الموقع www.example.org للمزيد", "rtl") if r.href]
    assert link == Run("www.example.org", "ltr", "https://www.example.org")


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "  C++  ",
        "a\nb  c",
        "(((",
        "x) (y",
        "كلمة،  (C++)، و",
        "https://",
        "@@",
        "\u2067x\u2069",
    ],
)
def test_runs_keep_every_character_in_order(text):
    assert "".join(r.text for r in runs(text, "rtl")) == text
    assert "".join(r.text for r in runs(text, "ltr")) == text


def test_isolates_show_latin_as_written_inside_arabic():
    # A conforming bidi implementation (python-bidi's, the Rust unicode-bidi crate) shows the
    # isolated text in its written order inside the right-to-left line.
    assert "C++" not in get_display("برنامج C++ الجديد", base_dir="R")
    shown = get_display(isolated_text("برنامج C++ الجديد", "rtl"), base_dir="R")
    assert "C++" in shown
    shown = get_display(isolated_text("الاتصال على +966 11 234 5678 أو", "rtl"), base_dir="R")
    assert "+966 11 234 5678" in shown.replace("\u2060", "")  # the joiners hold the lines


def test_isolated_text_wraps_each_run_in_its_own_direction():
    assert isolated_text("a وزارة b", "ltr") == f"a {RLI}وزارة{PDI} b"
    assert isolated_text("في C++ اليوم", "rtl") == f"في {LRI}C++{PDI} اليوم"


def test_a_run_in_the_other_script_has_the_documents_language_of_that_script(tmp_path):
    """A screen reader voices a Latin name inside Arabic in a Latin language: the document's
    (French in an Arabic-French handout), else English; an Arabic name inside French in Arabic.
    Digits and symbols keep their text's language, and so does a run of another script."""
    import yaml

    from reportkit.document import build_document
    from reportkit.record import load_record

    source = tmp_path / "record.yaml"
    text = {
        "ar": "اجتماع منظمة INTERPOL على www.example.org والهاتف +966 11 234 5678 و 中文",
        "fr": "Réunion à الرياض avec INTERPOL",
    }
    record = {"language": "ar", "conference": {"title": text}, "summary": text}
    source.write_text(yaml.safe_dump(record, allow_unicode=True), "utf-8")
    loaded = load_record(source)

    def languages(document) -> list[dict[str, str]]:
        summary = next(b for b in document.blocks if b.texts[0].text.startswith("اجتماع"))
        return [{r.text: s.run_lang(r) for r in s.runs if r.dir} for s in summary.texts]

    arabic, french = languages(build_document(loaded, "ar+fr"))
    assert arabic == {
        "INTERPOL": "fr",
        "www.example.org": "fr",
        "+966 11 234 5678": "",
        "中文": "",
    }
    assert french == {"الرياض": "ar"}
    (arabic,) = languages(build_document(loaded, "ar"))
    assert arabic["INTERPOL"] == "en" and arabic["+966 11 234 5678"] == ""


WJ, ZWSP = "\u2060", "\u200b"


def _printed(text: str, base: str = "rtl") -> list[str]:
    return [printed(r) for r in runs(text, base) if r.dir]


def test_code_names_hold_at_their_inner_hyphens_and_slashes():
    assert _printed("فريق (GCC-CERT) و I-24/7 و v2.3.1") == [
        f"(GCC-{WJ}CERT)",
        f"I-{WJ}24/{WJ}7",
        "v2.3.1",
    ]
    assert printed(Run("a-", "ltr")) == "a-"  # nothing to hold at the end
    long = "cyber-shield-annual-report-2024"  # a writer breaks it anywhere if it must
    assert printed(Run(long, "ltr")) == long.replace("-", "-" + WJ)


def test_a_number_is_tied_to_the_run_before_it():
    assert _printed("الهاتف +966 11 234 5678 و ISO/IEC 27001:2022 و Windows 11 Pro") == [
        f"+966 {WJ}11 {WJ}234 {WJ}5678",
        f"ISO/{WJ}IEC {WJ}27001:2022",
        f"Windows {WJ}11 Pro",
    ]
    many = " ".join(["12"] * 20)  # longer than a narrow column: its spaces stay breaks
    assert printed(Run(many, "ltr")) == many


def test_links_hold_at_hyphens_and_scheme_and_break_only_after_a_slash():
    (url, short, long) = [
        r
        for r in runs(
            "https://www.gcc-sg.org/a-b/c?x=1 و info@gcc-sg.org و very.long.mailbox@gcc-sg.org",
            "rtl",
        )
        if r.href
    ]
    assert printed(url) == f"https:/{WJ}/{WJ}www.gcc-{WJ}sg.org/a-{WJ}b/c?{WJ}x=1"
    assert printed(short) == f"info@gcc-{WJ}sg.org"  # short: never broken
    assert printed(long) == f"very.long.mailbox@{ZWSP}gcc-{WJ}sg.org"  # long: after its "@"


def test_isolated_text_carries_the_joiners():
    assert isolated_text("فريق (GCC-CERT) هنا", "rtl") == f"فريق {LRI}(GCC-{WJ}CERT){PDI} هنا"


def test_a_link_inside_a_latin_phrase_is_one_isolate_with_it():
    text = "برنامج Cyber Shield https://www.gcc-sg.org portal هنا"
    got = runs(text, "rtl")
    assert [(r.text, r.joined) for r in got if r.dir] == [
        ("Cyber Shield ", False),
        ("https://www.gcc-sg.org", True),
        (" portal", True),
    ]
    assert "".join(r.text for r in got) == text
    shown = get_display(isolated_text(text, "rtl"), base_dir="R")
    assert "Cyber Shield https://www.gcc-sg.org portal" in re.sub(
        "[\u2060\u2066-\u2069]", "", shown
    )
    # Sentence punctuation after the link ends the phrase; an English text has nothing to join.
    assert not any(r.joined for r in runs("الموقع https://x.org. Cyber هنا", "rtl"))
    assert not any(r.joined for r in runs("see https://x.org now", "ltr"))


def test_an_address_in_brackets_is_a_link_and_the_brackets_stay_with_the_sentence():
    got = runs("الموقع (www.gcc-sg.org) والبريد (info@gcc-sg.org). هنا", "rtl")
    assert [(r.text, r.href) for r in got if r.dir] == [
        ("www.gcc-sg.org", "https://www.gcc-sg.org"),
        ("info@gcc-sg.org", "mailto:info@gcc-sg.org"),
    ]
    assert [r.text for r in got if not r.dir] == ["الموقع (", ") والبريد (", "). هنا"]
    assert foreign("فريق (GCC-CERT) هنا") == ["(GCC-CERT)"]  # not an address: one run
