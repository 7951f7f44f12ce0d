"""Random valid records, and the promise every one of them must keep: it renders in every format
and engine, or fails with one line a user can act on.

Records are built as plain data (what a user writes in YAML or JSON) from the text that matters for
an Arabic report: Arabic with and without harakat, Persian and Urdu letters, presentation forms,
Latin words and punctuation, three digit systems, bidi marks, isolates, embeddings and overrides,
every other format character a record may hold, every kind of separator, emoji sequences, CJK, very
short and very long texts (now and then a title, heading or reference of thousands of characters:
longer than a page, longer than a QR code holds), optional fields left out or written empty (`city:`
with nothing after it), several languages per text and machine translations.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

# ---------------------------------------------------------------------------------------------
# Profiles. Both keep Hypothesis's example database in the repository's .hypothesis folder (never
# in the home directory, which the tests point at a throwaway folder): a record that failed is
# replayed first on the next run, until it passes.
# `ci` (the test suite): a fixed number of new records per test after the replayed ones, and a
# deadline per record that only a hang reaches — a record takes 0.1-6 s, a long one on a slow,
# shared machine perhaps ten times that, and a deadline missed by timing noise would fail CI.
# `long` (scripts/fuzz.py): as many records as time allows, no deadline.
# ---------------------------------------------------------------------------------------------

EXAMPLES_FOLDER = Path(__file__).resolve().parents[2] / ".hypothesis" / "reportkit"
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
_DATABASE = DirectoryBasedExampleDatabase(str(EXAMPLES_FOLDER))

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=dt.timedelta(seconds=120),
    database=_DATABASE,
    print_blob=True,  # a failure prints the @reproduce_failure line that replays it anywhere
    suppress_health_check=_SLOW_IS_FINE,
)


CI = settings.get_profile("ci")  # a decorator: tests use it without changing the session's


def register_long_profile() -> None:
    settings.register_profile(
        "long",
        max_examples=100,
        deadline=None,
        database=_DATABASE,
        print_blob=True,
        suppress_health_check=_SLOW_IS_FINE,
    )


# ---------------------------------------------------------------------------------------------
# Pools of text.
# ---------------------------------------------------------------------------------------------


def _assigned(*ranges: tuple[int, int]) -> list[str]:
    out = []
    for start, end in ranges:
        out += [chr(c) for c in range(start, end + 1) if unicodedata.name(chr(c), "")]
    return out


ARABIC_LETTERS = _assigned((0x0621, 0x063A), (0x0641, 0x064A))
HARAKAT = _assigned((0x064B, 0x0652)) + ["\u0670"]
TATWEEL = "\u0640"
PERSIAN_URDU_LETTERS = list("پچژگکیٹڈڑںھہےۓۀ")
PRESENTATION_FORMS = _assigned((0xFB50, 0xFDCF), (0xFDF0, 0xFDFF), (0xFE70, 0xFEFC))
LATIN_WORDS = (
    "INTERPOL GCC Cyber Shield the of and conference security police Council Ministers "
    "Interior coopération sécurité à Ça naïve Straße Ærø déjà-vu O'Neil e.g. UN/ESCWA"
).split()
PUNCTUATION = list(".,;:!?()[]{}«»\"'-–—/\\…%&*#@+=<>|~^_$") + ["،", "؛", "؟", "٪", "٫", "٬", "۔"]
DIGITS = {"western": "0123456789", "arabic-indic": "٠١٢٣٤٥٦٧٨٩", "persian": "۰۱۲۳۴۵۶۷۸۹"}
BIDI_MARKS = ["\u200e", "\u200f", "\u061c"]  # LRM, RLM, ALM
ISOLATES = ["\u2066", "\u2067", "\u2068", "\u2069"]  # LRI, RLI, FSI, PDI
EMBEDDINGS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e"]  # LRE, RLE, PDF, LRO, RLO
SEPARATORS = (
    [" "] * 12
    + ["\u00a0", "\n", "\r\n", "\u2028", "\u2029", " \u2029", " \u2028", "\t", "  "]
    + ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202f", "\u2009", "\u3000"]
)


def _format_characters() -> list[str]:
    """Every format character (category Cf) a record may hold: the Arabic number signs and end
    of ayah, which are drawn over the digits after them, and the many that only steer."""
    from reportkit.record.text import TextCharacterError, check_characters

    out = []
    for code in range(0x110000):
        char = chr(code)
        if unicodedata.category(char) == "Cf":
            try:
                check_characters(char)
            except TextCharacterError:
                continue
            out.append(char)
    return out


FORMAT_CHARACTERS = _format_characters()
EMOJI = [
    "😀",
    "👍🏽",  # skin tone modifier
    "👨\u200d👩\u200d👧",  # ZWJ family
    "🏳️\u200d🌈",  # variation selector and ZWJ
    "🇸🇦",  # regional indicator flag
    "🇪🇬🇲🇦",
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # tag sequence (Scotland)
    "❤️",
    "1️⃣",
    "☪︎",
]
CJK_WORDS = ["会议", "中文", "日本語", "한국어", "安全理事会", "ｶﾀｶﾅ", "〔第四十七〕"]
SPECIALS = [
    "https://www.example.org/a-b?x=1&y=2",
    "info@example.org",
    "GS/12/2024",
    "م ق ش/47/2023",
    "{{ x }}",
    "{% raw %}",
    "<b>bold</b>",
    "&amp;",
    "\\n",
    "%s",
    "{page}",
]
LANGUAGES = ["ar"] * 6 + ["en", "fr", "fa", "ur", "he"]
OTHER_LANGUAGES = ["en", "fr", "ar", "fa", "de", "zh", "ru", "es", "he", "ur"]


def _word(letters: list[str], marks: list[str] | None = None) -> st.SearchStrategy[str]:
    letter = st.sampled_from(letters)
    if marks:
        letter = st.tuples(letter, st.sampled_from(["", "", ""] + list(marks))).map("".join)
    return st.lists(letter, min_size=1, max_size=9).map("".join)


def _number() -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(list(DIGITS.values())), st.integers(0, 10**12)).map(
        lambda p: str(p[1]).translate(str.maketrans("0123456789", p[0]))
    )


TOKENS = st.one_of(
    _word(ARABIC_LETTERS),
    _word(ARABIC_LETTERS, HARAKAT + [TATWEEL]),
    _word(ARABIC_LETTERS),
    _word(ARABIC_LETTERS + PERSIAN_URDU_LETTERS, HARAKAT),
    _word(PRESENTATION_FORMS),
    st.sampled_from(LATIN_WORDS),
    _number(),
    st.sampled_from(PUNCTUATION),
    st.sampled_from(BIDI_MARKS + ISOLATES + EMBEDDINGS),
    st.tuples(st.sampled_from(FORMAT_CHARACTERS), _number()).map("".join),
    st.sampled_from(EMOJI),
    st.sampled_from(CJK_WORDS),
    st.sampled_from(SPECIALS),
)


def raw_text(min_tokens: int = 1, max_tokens: int = 12) -> st.SearchStrategy[str]:
    """Tokens joined by separators; may be blank or start and end with separators."""
    pair = st.tuples(TOKENS, st.sampled_from(SEPARATORS)).map("".join)
    return st.lists(pair, min_size=min_tokens, max_size=max_tokens).map("".join)


def _nonblank(text: str) -> str:
    return text if text.strip() else "نص" + text  # a plain text may not be blank


@st.composite
def _title(draw) -> str:
    # One title in 15 runs to thousands of characters (a weighted sample: Hypothesis draws
    # integers(0, 14) == 0 far more often than one time in 15).
    if draw(st.sampled_from([False] * 14 + [True])):
        return draw(raw_text(200, 600))
    return draw(raw_text(1, 20))[:300]


def plain_text(kind: str = "short") -> st.SearchStrategy[str]:
    """A plain record text: `short` (labels, names), `title` (titles, headings, references:
    mostly under 300 characters, now and then one of thousands) or `long` (summaries, paragraphs;
    now and then a few thousand characters)."""
    if kind == "title":
        return _title().map(_nonblank)
    if kind == "long":
        return st.one_of(raw_text(1, 3), raw_text(1, 40), raw_text(150, 500)).map(_nonblank)
    return st.one_of(raw_text(1, 2), raw_text(1, 8)).map(_nonblank)


@st.composite
def text_value(draw, languages: tuple[str, ...], record_language: str, kind: str = "short"):
    """A record text: plain where the document's only language is the record's, else a mapping
    holding every document language (now and then more, or a machine translation)."""
    plain = plain_text(kind)
    if languages == (record_language,) and draw(st.integers(0, 3)):
        return draw(plain)
    extra = draw(st.lists(st.sampled_from(OTHER_LANGUAGES), max_size=2))
    out: dict[str, Any] = {}
    for lang in dict.fromkeys(languages + tuple(extra)):
        # A mapping's texts may be empty: the model accepts that, so every writer must too.
        text = draw(st.one_of(plain, st.just(""))) if draw(st.integers(0, 9)) == 0 else draw(plain)
        if lang != record_language and draw(st.integers(0, 2)) == 0:
            machine: dict[str, Any] = {"from": record_language}
            if draw(st.booleans()):
                machine["via"] = "en"
            out[lang] = {"text": text, "machine": machine}
        else:
            out[lang] = text
    return out


def _iso(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


@st.composite
def date_fields(draw) -> dict[str, str]:
    """Start and end dates, mostly inside the Hijri tables' range, sometimes far outside."""
    likely = st.dates(dt.date(1990, 1, 1), dt.date(2070, 12, 31))
    start = draw(st.one_of(likely, likely, likely, st.dates()))
    out = {}
    if draw(st.booleans()):
        out["start_date"] = _iso(start)
    if draw(st.booleans()):
        span = draw(st.sampled_from([0, 1, 2, 5, 40, 400, 4000]))
        try:
            out["end_date"] = _iso(start + dt.timedelta(days=span))
        except OverflowError:
            out["end_date"] = _iso(start)
    return out


@dataclass
class Case:
    """One generated record, the file format it is written in and the export options."""

    data: dict[str, Any]
    file_format: str = "yaml"
    lang: str | None = None
    digits: str | None = None
    locale: str | None = None
    marking: str | None = None
    draft: bool = False
    verification: bool = True
    strict: bool = False  # refuse characters no font has: the one-line user error path

    def write(self, folder: Path) -> Path:
        if self.file_format == "json":
            path = folder / "record.json"
            path.write_text(json.dumps(self.data, ensure_ascii=False, indent=1), encoding="utf-8")
        else:
            path = folder / "record.yaml"
            path.write_text(
                yaml.safe_dump(self.data, allow_unicode=True, sort_keys=False), encoding="utf-8"
            )
        return path

    def export_options(self, engine: str):
        from reportkit.export import ExportOptions

        return ExportOptions(
            lang=self.lang,
            engine=engine,
            digits=self.digits,
            locale=self.locale,
            marking=self.marking,
            draft=self.draft,
            verification=self.verification,
            strict=self.strict,
        )

    def cli_options(self) -> list[str]:
        args = []
        for flag, value in (("--lang", self.lang), ("--digits", self.digits)):
            if value:
                args += [flag, value]
        if self.locale:
            args += ["--locale", self.locale]
        if self.marking:
            args += ["--marking", self.marking]
        if self.draft:
            args.append("--draft")
        if not self.verification:
            args.append("--no-verification")
        if self.strict:
            args.append("--strict")
        return args

    def reproducer(self) -> str:
        """The record as JSON (every invisible character escaped) and the options, to paste into
        a regression test."""
        options = {k: v for k, v in vars(self).items() if k != "data" and v}
        return (
            f"record = {json.dumps(self.data, ensure_ascii=True, indent=1)}\n"
            f"options = {options!r}\n"
        )


@st.composite
def cases(draw) -> Case:
    """A valid record as plain data, and how to export it."""
    record_language = draw(st.sampled_from(LANGUAGES))
    bilingual = draw(st.integers(0, 3)) == 0
    languages: tuple[str, ...] = (record_language,)
    if bilingual:
        other = draw(st.sampled_from([lang for lang in OTHER_LANGUAGES if lang != record_language]))
        languages = (record_language, other) if draw(st.booleans()) else (other, record_language)

    def text(kind: str = "short"):
        return draw(text_value(languages, record_language, kind))

    def written_empty() -> bool:
        """An optional field present but empty (`city:` in YAML, null in JSON), as a template
        filled in halfway leaves it."""
        return draw(st.sampled_from([False] * 7 + [True]))

    conference: dict[str, Any] = {"title": text("title")}
    if draw(st.booleans()):
        conference["number"] = draw(st.one_of(st.integers(1, 200), st.integers(1, 10**30)))
    for key in ("organizer", "city", "country"):
        if draw(st.booleans()):
            conference[key] = text("title" if key == "organizer" else "short")
        elif written_empty():
            conference[key] = None
    conference.update(draw(date_fields()))
    if draw(st.booleans()):
        conference["reference"] = draw(
            st.one_of(plain_text("title"), st.sampled_from(SPECIALS), st.just(""), st.none())
        )
    data: dict[str, Any] = {"conference": conference}
    if record_language != "ar" or draw(st.integers(0, 4)) == 0:
        data["language"] = record_language
    if draw(st.booleans()):
        data["summary"] = text("long")
    elif written_empty():
        data["summary"] = None
    for key in ("participants", "topics"):
        if draw(st.booleans()):
            data[key] = [text() for _ in range(draw(st.integers(0, 6)))]
    if draw(st.booleans()):
        recommendations = []
        for _ in range(draw(st.integers(0, 6))):
            item = {"text": text("long" if draw(st.integers(0, 3)) == 0 else "short")}
            if draw(st.booleans()):
                item["category"] = text()
            elif written_empty():
                item["category"] = None
            recommendations.append(item)
        data["recommendations"] = recommendations
    if draw(st.booleans()):
        sections = []
        for _ in range(draw(st.integers(0, 3))):
            section: dict[str, Any] = {"heading": text("title")}
            if not written_empty():  # a heading with no paragraphs key at all
                section["paragraphs"] = [text("long") for _ in range(draw(st.integers(0, 3)))]
            sections.append(section)
        data["sections"] = sections
    return Case(
        data=data,
        file_format=draw(st.sampled_from(["yaml", "json"])),
        lang="+".join(languages) if languages != (record_language,) else None,
        digits=draw(st.sampled_from([None, None, "western", "arabic-indic"])),
        locale=draw(st.sampled_from([None, None, "ar-MA", "ar-SA"])),
        marking=draw(st.sampled_from([None, None, None, "سري", "سري للغاية", "CONFIDENTIAL"])),
        draft=draw(st.booleans()),
        verification=draw(st.integers(0, 3)) > 0,
        strict=draw(st.sampled_from([False] * 9 + [True])),
    )


# ---------------------------------------------------------------------------------------------
# The promise.
# ---------------------------------------------------------------------------------------------

TARGETS: dict[str, tuple[str, str]] = {
    "html": ("html", "weasyprint"),
    "docx": ("docx", "weasyprint"),
    "pdf-weasyprint": ("pdf", "weasyprint"),
    "pdf-reportlab": ("pdf", "reportlab"),
    "pdf-typst": ("pdf", "typst"),
}


class InvalidCase(AssertionError):
    """The strategy made a record the model refuses: a bug in the strategy, not in reportkit."""


def check_reads_back(case: Case, path: Path) -> None:
    """The file holds a valid record, the same one its data describes."""
    from reportkit.errors import RecordError
    from reportkit.record import load_record, record_from_data

    try:
        expected = record_from_data(case.data, "data")
    except RecordError as err:
        raise InvalidCase(f"the strategy made an invalid record: {err}") from None
    assert load_record(path) == expected, f"{case.file_format} file reads back differently"


def open_output(path: Path, fmt: str) -> None:
    """The file opens in real readers: pikepdf and poppler for PDF, python-docx for DOCX."""
    if fmt == "pdf":
        import pikepdf

        with pikepdf.open(path) as pdf:
            assert len(pdf.pages) >= 1
        # pdftotext, not pdfinfo: it parses every page's content and fonts, not just the trailer.
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert text.returncode == 0, text.stderr
        assert "Error" not in text.stderr, text.stderr
    elif fmt == "docx":
        import docx

        assert docx.Document(str(path)).paragraphs
    else:
        from html.parser import HTMLParser

        text = path.read_text(encoding="utf-8")
        HTMLParser().feed(text)
        assert text.rstrip().endswith("</html>")


def check_export(case: Case, target: str, folder: Path) -> str:
    """Export `case` to one target in-process: "ok" with a file real readers open, or "user
    error" with one line and no file — only with --strict, the one option that refuses a valid
    record (for a character no font has). Anything else raises."""
    from reportkit.errors import ReportkitError
    from reportkit.export import export

    path = case.write(folder)
    check_reads_back(case, path)
    fmt, engine = TARGETS[target]
    out = folder / f"out.{fmt}"
    try:
        export(path, [fmt], out, case.export_options(engine))
    except ReportkitError as err:
        message = str(err).strip()
        assert message and "\n" not in message, f"not a one-line message: {message!r}"
        assert case.strict, f"a valid record was refused without --strict: {message}"
        assert not out.exists(), "a failed export left a file behind"
        return "user error"
    open_output(out, fmt)
    return "ok"
