"""Runs inside a text: what a careful typesetter isolates, links and keeps unbroken.

Arabic official text is full of Latin code names, acronyms, versions, URLs, e-mail addresses,
phone numbers and ISO references. Left to the Unicode Bidirectional Algorithm inside a
right-to-left paragraph, the weak characters at their edges take the paragraph's direction:
"C++" shows as "++C", "+966 11 234 5678" comes out backwards, "(GCC-CERT)" breaks as "(-GCC".
The rule, decided once here and applied by every writer:

- A *foreign run* is a stretch of whitespace-separated tokens written in the other direction
  than the text's own (Latin in Arabic, Arabic in English or French), together with its attached
  punctuation, digits and symbols, and with the spaces between such tokens (so "Cyber Shield"
  keeps its word order). A run of digits with inner symbols ("+966", "9001:2015", "I-24/7") is
  one too. Sentence punctuation at its end (. , ; : ! ? ، ؛ ؟) and unbalanced brackets stay
  outside: they belong to the sentence.
- Each foreign run is a directional *isolate* with its own direction: it displays as written,
  and nothing inside it reorders anything outside it.
- URLs and e-mail addresses are isolates and *links*. Their inner hyphens never break a line; a
  long URL may break after "/" (and any text wraps anywhere when nothing else fits).
- Where a run may not break is decided here too (`printed`): a word joiner (U+2060, which draws
  nothing and leaves nothing in a PDF's text) after each inner hyphen and slash of a code name,
  before each number that continues a run ("+966 11 234 5678", "ISO 9001:2015"), after a
  URL's hyphens and its scheme. Every line breaker (Pango, ICU, Typst's, LibreOffice's and
  reportkit's own) honours it.

A writer either renders the runs as structure (HTML `<bdi>`/`<a>`, DOCX runs and `w:hyperlink`,
PDF link annotations), or takes `isolated_text`, the text with Unicode isolate controls around
each foreign run, which any conforming bidi implementation (Pango, ICU, reportkit's own) honours.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

LRI, RLI, PDI = "\u2066", "\u2067", "\u2069"
WORD_JOINER = "\u2060"  # no line break on either side
ZERO_WIDTH_SPACE = "\u200b"  # a line may break here
# Numbers tied together ("+966 11 234 5678") longer than this keep their spaces as break
# opportunities; a code name or link held longer than this may break anywhere (the writers'
# last resort), or it could be wider than a narrow column.
UNBROKEN = 24

# A link: a URL with a scheme or starting www., or an e-mail address (the same shapes the
# translation step protects).
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_TRAILING = ".,;:!?\u060c\u061b\u061f\u2026\"'»«"  # sentence punctuation after a token
_OPEN, _CLOSE = "([{", ")]}"
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class Run:
    """A piece of a text. `dir` is "" where the piece flows in the text's own direction, "ltr"
    or "rtl" where it is an isolate of that direction; `href` is set on links."""

    text: str
    dir: str = ""
    href: str = ""
    # Continues the isolate of the run before it: a link inside a Latin phrase in Arabic
    # ("Cyber Shield https://… portal") is one isolate with the phrase, or the phrase would
    # split around it.
    joined: bool = False

    @property
    def isolated(self) -> bool:
        return bool(self.dir)


def _strong(char: str) -> str:
    kind = unicodedata.bidirectional(char)
    if kind == "L":
        return "ltr"
    if kind in ("R", "AL"):
        return "rtl"
    return ""


def _token_direction(token: str) -> tuple[str, bool]:
    """(direction of the token's strong letters, "" for none or mixed; has a digit)."""
    found = {_strong(c) for c in token} - {""}
    digit = any(unicodedata.bidirectional(c) in ("EN", "AN") for c in token)
    return (found.pop() if len(found) == 1 else ""), digit


def _trim(token: str) -> tuple[str, str, str]:
    """(leading, core, trailing): sentence punctuation and unbalanced brackets kept apart."""
    start, end = 0, len(token)
    while end > start and token[end - 1] in _TRAILING:
        end -= 1
    while True:
        core = token[start:end]
        if (
            core
            and core[0] in _OPEN
            and core.count(core[0]) > core.count(_CLOSE[_OPEN.index(core[0])])
        ):
            start += 1
        elif (
            core
            and core[-1] in _CLOSE
            and core.count(core[-1]) > core.count(_OPEN[_CLOSE.index(core[-1])])
        ):
            end -= 1
            while end > start and token[end - 1] in _TRAILING:
                end -= 1
        else:
            break
    return token[:start], token[start:end], token[end:]


def _href(core: str) -> str:
    if _EMAIL.fullmatch(core):
        return f"mailto:{core}"
    if _URL.fullmatch(core):
        return core if "://" in core else f"https://{core}"
    return ""


@lru_cache(maxsize=65536)  # words repeat: a long report asks about the same ones many times
def _kind(core: str, other: str) -> str:
    """ "link", "foreign" (the other direction's letters, or digits with symbols such as "+966"),
    "number" (digits alone, which join a foreign run they follow: "ISO 9001") or "plain"."""
    if not core:
        return "plain"
    if _href(core):
        return "link"
    direction, digit = _token_direction(core)
    if direction == other:
        return "foreign"
    if digit and direction == "" and other == "ltr":
        # Only inside right-to-left text do a number's signs turn around ("+966" → "966+");
        # in left-to-right text "5–6" flows with the sentence.
        numeric = all(unicodedata.bidirectional(c) in ("EN", "AN", "CS") for c in core)
        return "number" if numeric else "foreign"
    return "plain"


@lru_cache(maxsize=65536)
def script(text: str) -> str:
    """ "latin" or "arabic" when every letter of `text` is of that script, else "" (no letter:
    digits and symbols alone; another script; a mix). A screen reader can voice a run of one of
    these scripts in a language of it; of anything else, reportkit cannot say which."""
    found = ""
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        kind = (
            "latin" if name.startswith("LATIN") else "arabic" if name.startswith("ARABIC") else ""
        )
        if not kind or (found and kind != found):
            return ""
        found = kind
    return found


@lru_cache(maxsize=4096)
def runs(text: str, base: str) -> tuple[Run, ...]:
    """The runs of `text`, whose own direction is `base` ("rtl" or "ltr")."""
    other = "ltr" if base == "rtl" else "rtl"
    out: list[Run] = []
    plain: list[str] = []  # text flowing in the base direction, not yet emitted
    foreign: list[str] = []  # the open foreign run; it may take the next token
    joined = False  # the open foreign run continues the isolate of a link before it
    after_link = False  # a left-to-right link was the last token: Latin words may join it
    pos = 0

    def emit(run: Run) -> None:
        if plain:
            out.append(Run("".join(plain)))
            plain.clear()
        out.append(run)

    def close() -> None:
        nonlocal joined
        if foreign:
            emit(Run("".join(foreign), other, joined=joined))
            foreign.clear()
        joined = False

    for match in _TOKEN.finditer(text):
        space, pos = text[pos : match.start()], match.end()
        lead, core, trail = _trim(match.group())
        if (
            len(core) > 2
            and core[0] in _OPEN
            and core[-1] == _CLOSE[_OPEN.index(core[0])]
            and _href(core[1:-1])
        ):
            # "(www.gcc-sg.org)": the brackets belong to the sentence, the address is a link
            lead, core, trail = lead + core[0], core[1:-1], core[-1] + trail
        kind = _kind(core, other)
        continues = not lead and other == "ltr"  # Latin in Arabic, with nothing between
        if foreign and not lead and (kind == "foreign" or kind == "number"):
            foreign += [space, core]  # the space between two foreign words stays inside
        elif kind == "link" and continues and foreign:
            foreign.append(space)  # the phrase goes on in the link: one isolate
            close()
            emit(Run(core, "ltr", _href(core), joined=True))
        elif kind == "foreign" and continues and after_link:
            foreign += [space, core]
            joined = True
        else:
            close()
            plain.append(space)
            after_link = False
            if kind == "plain" or (kind == "number" and not foreign):
                plain.append(match.group())
                continue
            plain.append(lead)
            if kind == "link":
                emit(Run(core, "ltr", _href(core)))
            else:
                foreign.append(core)
        after_link = kind == "link" and not trail
        if trail:  # sentence punctuation ends the run
            close()
            plain.append(trail)
    close()
    plain.append(text[pos:])
    if "".join(plain):
        out.append(Run("".join(plain)))
    return _merge(out)


def _merge(pieces: list[Run]) -> tuple[Run, ...]:
    out: list[Run] = []
    for piece in pieces:
        if out and not piece.dir and not out[-1].dir:
            out[-1] = Run(out[-1].text + piece.text)
        elif piece.text:
            out.append(piece)
    return tuple(out)


def isolates(pieces: tuple[Run, ...]) -> list[tuple[Run, ...]]:
    """The runs grouped as they are isolated: text in the base direction alone, a foreign run
    alone or with the link it continues into (`Run.joined`), and a link alone."""
    groups: list[list[Run]] = []
    for run in pieces:
        if run.joined and groups and groups[-1][-1].dir:
            groups[-1].append(run)
        else:
            groups.append([run])
    return [tuple(group) for group in groups]


def isolated_text(text: str, base: str) -> str:
    """`text` with an isolate (LRI/RLI … PDI) around each foreign run and link, each as
    `printed`."""

    def one(r: Run) -> str:
        return (LRI if r.dir == "ltr" else RLI) + printed(r) + PDI if r.dir else r.text

    out = []
    for group in isolates(runs(text, base)):
        if len(group) == 1:
            out.append(one(group[0]))
        else:  # the phrase and its link: one isolate, the link an isolate inside it
            inner = (one(r) if r.href else printed(r) for r in group)
            out.append(LRI + "".join(inner) + PDI)
    return "".join(out)


# Inside a code name: where UAX #14 would break after a hyphen or a slash ("(GCC-" … "CERT)").
_INNER_BREAK = re.compile(r"([-\u2010/])(?=\S)")
# Inside a link: after hyphens and the other characters a line breaker may break after, except
# a single "/" (a long URL breaks between its path's parts).
_LINK_INNER_BREAK = re.compile(r"([-\u2010?!|)\]}])(?=.)")
_SCHEME_SLASHES = re.compile(r"^([a-z][a-z0-9+.-]*:)(//)?", re.IGNORECASE)
_NUMBER_START = re.compile(r"[+(\[]?\d")


def _hold(token: str) -> str:
    return _INNER_BREAK.sub("\\1" + WORD_JOINER, token)


@lru_cache(maxsize=16384)
def _printed(text: str, link: bool, mail: bool) -> str:
    if link:
        if mail:  # short, it stays whole; long, it may break after its "@"
            held = _LINK_INNER_BREAK.sub("\\1" + WORD_JOINER, text)
            return held if len(text) <= UNBROKEN else held.replace("@", "@" + ZERO_WIDTH_SPACE, 1)
        scheme = _SCHEME_SLASHES.match(text)
        head = ""
        if scheme and scheme.group(2):  # "https:/⁠/⁠": never a line ending "https://"
            head = scheme.group(1) + "/" + WORD_JOINER + "/" + WORD_JOINER
            text = text[scheme.end() :]
        return head + _LINK_INNER_BREAK.sub("\\1" + WORD_JOINER, text)
    # A foreign run: each token held at its hyphens and slashes, and a number tied to the token
    # before it, as long as the numbers held together stay short.
    tokens = text.split(" ")
    out: list[str] = []
    group = [tokens[0]]
    for token in tokens[1:]:
        if token and _NUMBER_START.match(token):
            group.append(token)
            continue
        out.append(_join(group))
        group = [token]
    out.append(_join(group))
    return " ".join(out)


def _join(group: list[str]) -> str:
    if len(group) > 1 and sum(map(len, group)) + len(group) - 1 <= UNBROKEN:
        return (" " + WORD_JOINER).join(_hold(t) for t in group)
    return " ".join(_hold(t) for t in group)


def printed(run: Run) -> str:
    """The run's text as it is laid out: word joiners (and, in a long e-mail address, a break
    opportunity after its "@") where a typesetter would not break the line. Text flowing in its
    paragraph's direction is left as it is."""
    if not run.dir:
        return run.text
    return _printed(run.text, bool(run.href), run.href.startswith("mailto:"))
