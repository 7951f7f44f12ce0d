"""What machine translation must not touch: glossary terms, numbers, dates, URLs, e-mail
addresses and Latin acronyms are swapped for placeholders before the model sees a sentence and
put back, exactly as written, afterwards."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..errors import Problem, RecordError
from ..languages import is_language

STARTER = Path(__file__).with_name("glossary.yaml")

# Attached Arabic prefixes: conjunction (و، ف) then preposition (ب، ل، ك), each optional.
_CONJ = {"": "", "و": "and", "ف": "and"}
_PREP_EN = {"": "", "ب": "by", "ل": "to", "ك": "as"}
_PREP_FR = {"": "", "ب": "par", "ل": "à", "ك": "comme"}
# لـ after a noun is the idafa (genitive) construct: الأمانة العامة لمجلس … is the General
# Secretariat *of* the Council, not "to" it.
_OF = {"en": "of", "fr": "de"}
_FR_CONTRACT = {("à", "le"): "au", ("à", "les"): "aux", ("de", "le"): "du", ("de", "les"): "des"}
# Changes whenever the way terms are rendered changes, so remembered whole texts are not reused.
_RENDERING = "2"

# After these, لـ marks to whom something goes, is given, sent, submitted, owed or attached
# ("to"): verbs and verbal nouns of giving, submitting, sending, thanking, joining, belonging,
# and prepositional phrases (وفقا لـ "according to"). Compared without short vowels, with and
# without a leading و/ف and a trailing pronoun.
_TO_GOVERNORS = frozenset(
    """رفع يرفع ترفع رفعت المرفوع المرفوعة تقديم قدم يقدم تقدم قدمت المقدم المقدمة إرسال أرسل
    يرسل أرسلت المرسل المرسلة توجيه وجه يوجه توجه وجهت الموجه الموجهة إحالة أحال يحيل أحالت
    المحال المحالة إبلاغ أبلغ يبلغ تسليم سلم يسلم منح يمنح منحت عرض يعرض عرضت شكر يشكر الشكر
    شكرا تقدير التقدير امتنان الامتنان دعم الدعم يدعم دعوة الدعوة انضمام الانضمام انضم انضمت
    التابع التابعة تابع تابعة التابعين التابعتين خضوع الخاضع الخاضعة وفقا طبقا تبعا استنادا نظرا
    خلافا إضافة بالإضافة إلى ثم أو قد كما وكذلك كذلك أيضا هو هي هم أن إن لقد""".split()
)
_PRONOUNS = ("هما", "هم", "ها", "ه", "نا", "كم", "ك")
_DIACRITICS = re.compile("[\u064b-\u065f\u0670]")
_WORD_OR_MARK = re.compile(r"\w+|[^\w\s]")
_WINDOW = 3  # "رفع التوصيات الختامية لمجلس": the verb governs لـ across its object


def _governs_to(word: str) -> bool:
    word = _DIACRITICS.sub("", word)
    forms = {word, word[1:] if word[:1] in ("و", "ف") else word}
    forms |= {f[: -len(p)] for f in list(forms) for p in _PRONOUNS if f.endswith(p)}
    return not forms.isdisjoint(_TO_GOVERNORS)


def is_idafa(before: str) -> bool:
    """Is a لـ-prefixed term that follows `before` in construct with the noun before it ("of"),
    rather than the recipient of a verb ("to")? At the start of a sentence or after punctuation,
    and after a verb, verbal noun or particle that takes لـ (within the last few words), it is
    "to"; after any other word, a noun, it is "of"."""
    words = _WORD_OR_MARK.findall(before[-200:])
    if not words or not words[-1][0].isalnum():
        return False
    for word in reversed(words[-_WINDOW:]):
        if not word[0].isalnum():
            break  # a comma or a bracket: what came before governs another phrase
        if _governs_to(word):
            return False
    return True


_PLACEHOLDER = "RK{}X"
_PLACEHOLDER_BACK = re.compile(r"R\s?K\s?(\d+)\s?X")
_VERBATIM = re.compile(
    r"https?://[^\s<>\"]+[^\s<>\".,;:!?)»،؛]"  # URLs (not their closing punctuation)
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|\b[A-Z][A-Z0-9&-]*[A-Z0-9]\b"  # Latin acronyms: INTERPOL, GCC, G20
    r"|\d+(?:[.,:/-]\d+)*",  # numbers and dates: 2023, 15/11/2023, 3.5
    re.ASCII,
)


@dataclass(frozen=True)
class Entry:
    source: str
    targets: dict[str, str]
    articles: dict[str, str] = field(default_factory=dict)


@dataclass
class Glossary:
    entries: list[Entry]
    _matcher: object = field(default=False, repr=False, compare=False)

    def fingerprint(self, lang: str) -> str:
        """Changes whenever what the glossary writes in `lang` changes."""
        import hashlib

        rows = sorted(
            f"{e.source}\t{e.targets.get(lang, '')}\t{e.articles.get(lang, '')}"
            for e in self.entries
        )
        rows.append(f"rendering {_RENDERING}")
        return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]

    def merged(self, other: Glossary) -> Glossary:
        """`other`'s entries added; an entry for the same source term replaces this one's."""
        theirs = {e.source for e in other.entries}
        return Glossary([e for e in self.entries if e.source not in theirs] + other.entries)


def load_glossary(path: Path) -> Glossary:
    """A glossary file: YAML (a list of {ar: …, en: …, fr: …, article: {en: …}}) or CSV (a header
    row of language codes, optionally article_en, article_fr). Every problem is reported at once,
    each with the file, line, entry and field."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise RecordError([Problem(name, f"cannot read the glossary: {err.strerror}")]) from None
    if name.lower().endswith(".csv"):
        rows, locate, problems = _read_csv(data, name)
    else:
        rows, locate, problems = _read_yaml(data, name)
    entries = _entries(rows, name, locate, problems)
    if problems:
        raise RecordError(problems)
    return Glossary(entries)


# Where a value of a glossary entry is: (field as the user knows it, line, column).
Locate = Callable[[int, tuple], tuple[str, "int | None", "int | None"]]


def _read_yaml(data: bytes, name: str) -> tuple[list, Locate, list[Problem]]:
    from ..record.load import field_path, parse_data

    parsed, positions = parse_data(data, name, "yaml")

    def locate(i: int, keys: tuple) -> tuple[str, int | None, int | None]:
        for n in range(len(keys), -1, -1):  # the value, else the nearest enclosing one
            if (i, *keys[:n]) in positions:
                line, column = positions[(i, *keys[:n])]
                return field_path((i, *keys)), line, column
        return field_path((i, *keys)), None, None

    if not isinstance(parsed, list):
        line, column = positions.get((), (None, None))
        message = "a glossary is a list of entries ({ar: …, en: …, fr: …})"
        return [], locate, [Problem(name, message, "", line, column)]
    return parsed, locate, []


def _read_csv(data: bytes, name: str) -> tuple[list, Locate, list[Problem]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        return [], lambda i, keys: ("", None, None), [Problem(name, "not UTF-8 text", "", line)]
    reader = csv.reader(text.splitlines())
    problems: list[Problem] = []
    rows: list[dict] = []
    lines: list[int] = []
    columns: dict[str, str] = {}  # row key path → CSV column name, for messages
    try:
        header = [cell.strip() for cell in next(reader)]
        for n, column in enumerate(header, start=1):
            code = column.removeprefix("article_")
            if not column:
                problems.append(Problem(name, "a column without a name", "", 1, None))
            elif header.index(column) != n - 1:
                problems.append(Problem(name, "the same column twice", column, 1, None))
            elif column != "ar" and not is_language(code):
                problems.append(
                    Problem(name, "not a language code (ar, en, fr, article_en …)", column, 1)
                )
        if "ar" not in header:
            problems.append(Problem(name, "no ar column (the Arabic terms)", "", 1))
        if problems:
            return [], lambda i, keys: ("", None, None), problems
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            line = reader.line_num
            if len(cells) > len(header):
                problems.append(
                    Problem(name, f"{len(cells)} cells for {len(header)} columns", "", line)
                )
                continue
            row: dict = {"article": {}}
            for column, cell in zip(header, cells, strict=False):
                if column.startswith("article_"):
                    row["article"][column.removeprefix("article_")] = cell.strip()
                    columns[("article", column.removeprefix("article_"))] = column
                elif cell.strip():
                    row[column] = cell.strip()
                    columns[(column,)] = column
            rows.append(row)
            lines.append(line)
    except StopIteration:
        problems.append(Problem(name, "the file is empty"))
    except csv.Error as err:
        problems.append(Problem(name, f"CSV error: {err}", "", reader.line_num))

    def locate(i: int, keys: tuple) -> tuple[str, int | None, int | None]:
        return columns.get(keys, keys[0] if keys else ""), lines[i], None

    return rows, locate, problems


def _entries(rows: list, name: str, locate: Locate, problems: list[Problem]) -> list[Entry]:
    """The glossary's entries; each problem found is added to `problems`."""

    def problem(i: int, keys: tuple, message: str, term: str = "") -> None:
        field, line, column = locate(i, keys)
        about = f" (entry {term})" if term else ""
        problems.append(Problem(name, message + about, field, line, column))

    if not rows and not problems:
        problems.append(Problem(name, "the glossary has no entries"))
    entries: list[Entry] = []
    first: dict[str, int] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            problem(i, (), "an entry is a mapping: {ar: …, en: …, fr: …}")
            continue
        term = row.get("ar")
        if term is None:
            problem(i, (), "no Arabic term (ar)")
            continue
        if not isinstance(term, str) or not term.strip():
            problem(i, ("ar",), f"the Arabic term must be text, not {_shown(term)}")
            continue
        term = normalize(term)
        before = len(problems)
        targets: dict[str, str] = {}
        for key, value in row.items():
            if key in ("ar", "article"):
                continue
            if not isinstance(key, str) or not is_language(key):
                problem(i, (key,), "not a language code (en, fr …) or article", term)
            elif not isinstance(value, str) or not value.strip():
                problem(i, (key,), f"the translation must be text, not {_shown(value)}", term)
            else:
                targets[key] = value.strip()
        articles: dict[str, str] = {}
        raw_articles = row.get("article", {})
        if raw_articles is None:
            raw_articles = {}
        if not isinstance(raw_articles, dict):
            problem(
                i,
                ("article",),
                f"article is a mapping of language code to article ({{en: the, fr: le}}), "
                f"not {_shown(raw_articles)}",
                term,
            )
            raw_articles = {}
        for lang, article in raw_articles.items():
            if not isinstance(lang, str) or not is_language(lang):
                problem(i, ("article", lang), "not a language code (en, fr …)", term)
            elif not isinstance(article, str):
                problem(
                    i, ("article", lang), f"the article must be text, not {_shown(article)}", term
                )
            else:
                articles[lang] = article.strip()
        if not targets and len(problems) == before:
            problem(i, (), "no translation (en, fr …)", term)
        if term in first:
            problem(i, ("ar",), f"the same term as entry [{first[term]}]", term)
        first.setdefault(term, i)
        entries.append(Entry(term, targets, articles))
    return entries


def _shown(value: object) -> str:
    if value is None or value == "":
        return "empty"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return repr(value)


@cache
def starter_glossary() -> Glossary:
    return load_glossary(STARTER)


def normalize(text: str) -> str:
    """NFC, single spaces: the form sentences and terms are compared and remembered in."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _forms(term: str) -> list[tuple[str, str, str]]:
    """(written form, conjunction, preposition) for each way `term` can stand with prefixes."""
    forms = []
    for conj in _CONJ:
        for prep in _PREP_EN:
            if prep == "ل" and term.startswith("ال"):
                written = conj + "ل" + term[1:]  # ل + الأمانة → للأمانة
            else:
                written = conj + prep + term
            forms.append((written, conj, prep))
    return forms


@dataclass
class _Matcher:
    pattern: re.Pattern
    lookup: dict[str, tuple[Entry, str, str]]


def _matcher(glossary: Glossary) -> _Matcher | None:
    if glossary._matcher is not False:
        return glossary._matcher
    lookup: dict[str, tuple[Entry, str, str]] = {}
    for entry in glossary.entries:
        for written, conj, prep in _forms(entry.source):
            lookup.setdefault(written, (entry, conj, prep))
    matcher = None
    if lookup:
        alternatives = sorted(lookup, key=len, reverse=True)  # longest term wins
        pattern = re.compile(r"(?<![\w])(" + "|".join(map(re.escape, alternatives)) + r")(?![\w])")
        matcher = _Matcher(pattern, lookup)
    glossary._matcher = matcher
    return matcher


def render_term(entry: Entry, conj: str, prep: str, lang: str, idafa: bool = False) -> str | None:
    """The glossary's target text with the Arabic prefixes put into words of `lang`; `idafa`:
    the لـ prefix means "of" (see `is_idafa`)."""
    target = entry.targets.get(lang)
    if target is None:
        return None
    article = entry.articles.get(lang, "")
    of = prep == "ل" and idafa and lang in _OF
    words: list[str] = []
    if lang == "fr":
        if conj:
            words.append("et")
        preposition = _OF["fr"] if of else _PREP_FR[prep]
        if preposition and article:
            contracted = _FR_CONTRACT.get((preposition, article))
            words += [contracted] if contracted else [preposition, article]
        elif preposition == "de" and target[:1].lower() in "aeiouyéèêh":
            words.append("d'")
        elif preposition:
            words.append(preposition)
        elif article and prep == "" and conj:
            words.append(article)
        body = " ".join(words + [target])
        return body.replace("' ", "'")
    if conj:
        words.append(_CONJ[conj])
    if prep:
        words.append(_OF["en"] if of else _PREP_EN[prep])
        if article:
            words.append(article)
    return " ".join(words + [target])


@dataclass
class Protected:
    """A sentence with placeholders, and what each placeholder stands for in the target."""

    text: str
    values: list[str]


def protect(sentence: str, glossary: Glossary, target: str) -> Protected:
    values: list[str] = []

    def hold(value: str) -> str:
        values.append(value)
        return _PLACEHOLDER.format(len(values))

    text = sentence
    matcher = _matcher(glossary)
    if matcher is not None:

        def term(match: re.Match) -> str:
            entry, conj, prep = matcher.lookup[match.group(1)]
            idafa = prep == "ل" and is_idafa(match.string[: match.start()])
            rendered = render_term(entry, conj, prep, target, idafa)
            return match.group(0) if rendered is None else hold(rendered)

        text = matcher.pattern.sub(term, text)
    pieces = re.split(r"(RK\d+X)", text)
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            pieces[i] = _VERBATIM.sub(lambda m: hold(m.group(0)), piece)
    return Protected("".join(pieces), values)


def restore(translated: str, protected: Protected) -> str:
    """Put each placeholder's value back; a value the model dropped is added at the end, so that
    no protected term, number or address is ever lost."""
    seen: set[int] = set()

    def back(match: re.Match) -> str:
        n = int(match.group(1))
        if 1 <= n <= len(protected.values):
            seen.add(n)
            return protected.values[n - 1]
        return match.group(0)

    out = _PLACEHOLDER_BACK.sub(back, translated)
    lost = [v for n, v in enumerate(protected.values, start=1) if n not in seen]
    if lost:
        out = (out.rstrip() + " (" + "; ".join(lost) + ")").strip()
    if protected.text.startswith("RK") and out[:1].islower():
        out = out[0].upper() + out[1:]  # a term that opens the sentence opens it capitalized
    return out
