"""What a record's text may contain, and the text every writer receives.

A record is untrusted input that ends up in four renderers (HTML, WeasyPrint, ReportLab, Word),
each with its own idea of invisible characters. The rules are decided here, once:

Refused by validation — with the field path, line, column, code point and name — because nothing
printable can come of them, or renderers disagree about them:

- C0 controls except tab, line feed and carriage return; DEL; C1 controls (U+0080–U+009F);
  lone surrogates;
- noncharacters (U+FDD0–U+FDEF and the last two code points of every plane, U+FFFE, U+FFFF…);
- interlinear annotation characters U+FFF9–U+FFFB, which hide or show text only between programs
  that agree on them;
- U+FFFC OBJECT REPLACEMENT CHARACTER, which stands for an embedded object a record cannot carry;
- the deprecated format characters U+206A–U+206F (symmetric swapping, Arabic form shaping,
  national digit shapes), which some renderers obey and others ignore;
- U+E0001 LANGUAGE TAG (deprecated).

Kept as they are, because they are part of ordinary writing and every writer renders them: bidi
marks (U+200E LRM, U+200F RLM, U+061C ALM), isolates (U+2066–U+2069), ZWJ and ZWNJ, tatweel,
U+200B ZERO WIDTH SPACE, U+2060 WORD JOINER, U+FEFF inside a text (a zero-width no-break space),
soft hyphens, variation selectors (emoji and CJK variants), tag characters U+E0020–U+E007F
(emoji subdivision flags), private-use and unassigned code points.

Line breaks: U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR, CR LF and a lone CR are valid in
a record and become one line feed in the document model — the same as a line break written in the
record (a YAML `|` block) — and every writer breaks the line there (HTML and WeasyPrint with a
`<br>`); one-line places (running header, bookmarks) print it as a space. A U+2029 is a line
break, not a new paragraph: a record's text is one paragraph of the report, in step with its
translations, and a separator typed into one language cannot split them. A record keeps its
characters as written (its fingerprint is of the record), only the document's text is normalised.
WeasyPrint cannot lay out a U+2029 it receives, so no writer receives one.

Direction: bidi embeddings and overrides (U+202A–U+202E) are valid, and `reportkit validate`
warns about them (`text_warnings`), because an override reverses what a reader sees. In the
document model each line of a text is confined: every embedding, override or isolate it opens is
closed before the line ends, and closers that close nothing are dropped — the scope the Unicode
Bidirectional Algorithm gives them at a paragraph separator, made explicit so that renderers that
do not end a paragraph at a line feed (HTML) agree with those that do. A writer that wraps each
text in an isolate of its own direction can then never let a text reorder anything outside it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
_EMBEDDINGS = frozenset((LRE, RLE, LRO, RLO))
_ISOLATES = frozenset((LRI, RLI, FSI))

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_REFUSED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufff9-\ufffc\ufffe\uffff"
    "\u206a-\u206f\U000e0001"
    + "".join(f"\\U{plane:04X}FFFE\\U{plane:04X}FFFF" for plane in range(1, 17))
    + "]"
)
_WARNED = re.compile(f"[{LRE}{RLE}{LRO}{RLO}]")
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")
_NEEDS_NORMALISING = re.compile(f"[\r\u2028\u2029{LRE}{RLE}{PDF}{LRO}{RLO}{LRI}{RLI}{FSI}{PDI}]")

_WHY_WARNED = {
    RLO: "which reverses the text a reader sees",
    LRO: "which forces the text a reader sees into left-to-right order",
    RLE: "which embeds the text after it right to left and can reorder it; "
    "an isolate (U+2067 … U+2069) is safer",
    LRE: "which embeds the text after it left to right and can reorder it; "
    "an isolate (U+2066 … U+2069) is safer",
}


def char_name(char: str) -> str:
    """`U+202E RIGHT-TO-LEFT OVERRIDE`: the code point and, where Unicode has one, its name."""
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")
    return f"{code} {name}" if name else code


class TextCharacterError(ValueError):
    """A character a record's text may not hold, and where it is in the text."""

    def __init__(self, message: str, char: str, index: int, subpath: tuple[Any, ...] = ()):
        super().__init__(message)
        self.char = char
        self.index = index
        self.subpath = subpath  # below the field pydantic names (a language code, "text")

    def below(self, *parts: Any) -> TextCharacterError:
        """The same error, one level further down the field path."""
        return TextCharacterError(str(self), self.char, self.index, parts + self.subpath)


def why_refused(char: str) -> str:
    """Why a record may not hold `char`, as the end of a problem's message."""
    code = ord(char)
    if _CONTROL.match(char):
        if 0xD800 <= code <= 0xDFFF:
            return f"contains U+{code:04X}, half of a UTF-16 pair without its other half"
        return f"contains the control character U+{code:04X}, which cannot be printed"
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return f"contains U+{code:04X}, a noncharacter, which is not text"
    if 0xFFF9 <= code <= 0xFFFB:
        why = "which marks annotations only cooperating programs understand"
    elif code == 0xFFFC:
        why = "which stands for an embedded object (an image?) a record cannot carry"
    else:
        why = "a deprecated format character that renderers treat differently"
    return f"contains {char_name(char)}, {why}; remove it"


def check_characters(text: str) -> None:
    """Raise TextCharacterError for the first character a record's text may not hold."""
    bad = _REFUSED.search(text)
    if bad:
        char = bad.group()
        raise TextCharacterError(why_refused(char), char, bad.start())


def warned_characters(text: str) -> Iterator[tuple[str, int, int, str]]:
    """(char, index of its first occurrence, occurrences, why) for each character of `text` a
    reader should be warned about."""
    seen: dict[str, list[int]] = {}
    for m in _WARNED.finditer(text):
        seen.setdefault(m.group(), []).append(m.start())
    for char, indices in seen.items():
        yield char, indices[0], len(indices), _WHY_WARNED[char]


def _confine_line(line: str) -> str:
    out: list[str] = []
    stack: list[str] = []  # the closer each open embedding or isolate needs, innermost last
    for ch in line:
        if ch in _EMBEDDINGS:
            stack.append(PDF)
        elif ch in _ISOLATES:
            stack.append(PDI)
        elif ch == PDF:
            if not stack or stack[-1] != PDF:
                continue  # closes nothing (or would close across an isolate): dropped
            stack.pop()
        elif ch == PDI:
            if PDI not in stack:
                continue
            # The PDI also ends the embeddings opened inside its isolate; say so explicitly.
            while stack[-1] != PDI:
                out.append(stack.pop())
            stack.pop()
        out.append(ch)
    out.extend(reversed(stack))
    return "".join(out)


def document_text(text: str) -> str:
    """The text writers receive: one line feed for each line break, and every embedding,
    override or isolate closed on the line that opens it (see the module's rules)."""
    if not _NEEDS_NORMALISING.search(text):
        return text
    text = _LINE_BREAKS.sub("\n", text)
    return "\n".join(_confine_line(line) for line in text.split("\n"))
