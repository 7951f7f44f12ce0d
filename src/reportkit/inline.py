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
    pos = 0

    def emit(run: Run) -> None:
        if plain:
            out.append(Run("".join(plain)))
            plain.clear()
        out.append(run)

    def close() -> None:
        if foreign:
            emit(Run("".join(foreign), other))
            foreign.clear()

    for match in _TOKEN.finditer(text):
        space, pos = text[pos : match.start()], match.end()
        lead, core, trail = _trim(match.group())
        kind = _kind(core, other)
        if foreign and not lead and (kind == "foreign" or kind == "number"):
            foreign += [space, core]  # the space between two foreign words stays inside
        else:
            close()
            plain.append(space)
            if kind == "plain" or (kind == "number" and not foreign):
                plain.append(match.group())
                continue
            plain.append(lead)
            if kind == "link":
                emit(Run(core, "ltr", _href(core)))
            else:
                foreign.append(core)
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


def isolated_text(text: str, base: str) -> str:
    """`text` with an isolate (LRI/RLI … PDI) around each foreign run and link."""
    return "".join(
        (LRI if r.dir == "ltr" else RLI) + r.text + PDI if r.dir else r.text
        for r in runs(text, base)
    )
