"""What machine translation must not touch: glossary terms, numbers, dates, URLs, e-mail
addresses and Latin acronyms are swapped for placeholders before the model sees a sentence and
put back, exactly as written, afterwards."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..errors import Problem, RecordError

STARTER = Path(__file__).with_name("glossary.yaml")

# Attached Arabic prefixes: conjunction (و، ف) then preposition (ب، ل، ك), each optional.
_CONJ = {"": "", "و": "and", "ف": "and"}
_PREP_EN = {"": "", "ب": "by", "ل": "to", "ك": "as"}
_PREP_FR = {"": "", "ب": "par", "ل": "à", "ك": "comme"}
_FR_CONTRACT = {("à", "le"): "au", ("à", "les"): "aux"}

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
        return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]

    def merged(self, other: Glossary) -> Glossary:
        """`other`'s entries added; an entry for the same source term replaces this one's."""
        theirs = {e.source for e in other.entries}
        return Glossary([e for e in self.entries if e.source not in theirs] + other.entries)


def load_glossary(path: Path) -> Glossary:
    """A glossary file: YAML (a list of {ar: …, en: …, fr: …, article: {en: …}}) or CSV (a header
    row of language codes, optionally article_en, article_fr)."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise RecordError([Problem(name, f"cannot read the glossary: {err}")]) from None
    rows: list[dict] = []
    if name.lower().endswith(".csv"):
        for row in csv.DictReader(text.splitlines()):
            articles = {
                k.removeprefix("article_"): v
                for k, v in row.items()
                if k and k.startswith("article_") and v is not None
            }
            rows.append(
                {
                    **{k: v for k, v in row.items() if k and not k.startswith("article_")},
                    "article": articles,
                }
            )
    else:
        from ..record.load import parse_data

        data, _ = parse_data(text.encode("utf-8"), name, "yaml")
        if not isinstance(data, list):
            raise RecordError(
                [Problem(name, "a glossary is a list of entries ({ar: …, en: …, fr: …})")]
            )
        rows = data
    entries = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("ar"), str) or not row["ar"].strip():
            raise RecordError([Problem(name, "each entry needs an Arabic term (ar)", f"[{i}]")])
        articles = row.get("article") or {}
        targets = {
            k: v for k, v in row.items() if k not in ("ar", "article") and isinstance(v, str) and v
        }
        entries.append(
            Entry(
                normalize(row["ar"]),
                targets,
                {k: v for k, v in articles.items() if isinstance(v, str)},
            )
        )
    return Glossary(entries)


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


def render_term(entry: Entry, conj: str, prep: str, lang: str) -> str | None:
    """The glossary's target text with the Arabic prefixes put into words of `lang`."""
    target = entry.targets.get(lang)
    if target is None:
        return None
    article = entry.articles.get(lang, "")
    words: list[str] = []
    if lang == "fr":
        if conj:
            words.append("et")
        preposition = _PREP_FR[prep]
        if preposition and article:
            contracted = _FR_CONTRACT.get((preposition, article))
            words += [contracted] if contracted else [preposition, article]
        elif preposition:
            words.append(preposition)
        elif article and prep == "" and conj:
            words.append(article)
        body = " ".join(words + [target])
        return body.replace("' ", "'")
    if conj:
        words.append(_CONJ[conj])
    if prep:
        words.append(_PREP_EN[prep])
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
            rendered = render_term(entry, conj, prep, target)
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
