"""Glyph coverage: no character is printed as an empty box without a word said.

Before any writer renders, every character of the document is checked against the fonts it will
be drawn with (`resources.font_stack` for its direction: the text fonts, then the symbol, math and
emoji fallbacks). What none of them has is listed once — field, code point and character name —
as a warning, or as an error under `--strict`.

Characters that draw nothing are not checked: white space, and the format characters that only steer
(bidi marks and isolates, ZWJ and ZWNJ, variation selectors, tag characters). A few format
characters and one space are drawn all the same and are checked like letters (`_DRAWN_FORMAT`): a
font without them prints an empty box, and the Typst engine's tagged PDF refuses to print them at
all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from .errors import UsageError
from .resources import FONT_FILES, font_path, font_stack


@dataclass(frozen=True)
class MissingGlyph:
    char: str
    field: str  # where the character is, e.g. "summary" or "recommendations[2].text"

    def __str__(self) -> str:
        name = unicodedata.name(self.char, "unnamed character")
        where = f"{self.field}: " if self.field else ""
        return (
            f"{where}U+{ord(self.char):04X} {name} is in none of reportkit's fonts "
            f"and would print as an empty box"
        )


class MissingGlyphs(UsageError):
    """--strict: characters no font can draw."""


@cache
def coverage(family: str) -> frozenset[int]:
    """The code points the family's files map to glyphs (read once per process)."""
    from fontTools.ttLib import TTFont

    styles = [style for fam, style in FONT_FILES if fam == family]
    codes: set[int] = set()
    for style in styles:  # bold and italic faces cover what the regular does here, or more
        with TTFont(font_path(family, style), lazy=True) as font:
            codes.update(font.getBestCmap())
    return frozenset(codes)


# The format characters (category Cf) that are not default-ignorable (Unicode's
# DerivedCoreProperties): the prepended concatenation marks, which stand over the digits that
# follow — U+0600–0605 ARABIC NUMBER SIGN … NUMBER MARK ABOVE, U+06DD ARABIC END OF AYAH, U+070F
# SYRIAC ABBREVIATION MARK, U+0890–0891 ARABIC POUND and PIASTRE MARK ABOVE, U+08E2 ARABIC
# DISPUTED END OF AYAH, the two Kaithi number signs — and the Egyptian hieroglyph format controls;
# and the one space that is drawn, U+1680 OGHAM SPACE MARK (a stroke).
_DRAWN_FORMAT = re.compile(
    "[\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u1680\U000110bd\U000110cd\U00013430-\U0001343f]"
)


def _draws_nothing(char: str) -> bool:
    if _DRAWN_FORMAT.match(char):
        return False
    return (
        char.isspace()
        or unicodedata.category(char) in ("Cf", "Cc", "Zl", "Zp")
        or (
            0xFE00 <= ord(char) <= 0xFE0F or 0xE0100 <= ord(char) <= 0xE01EF  # variation selectors
        )
    )


# Per direction, the characters found drawable so far: a report repeats the same few hundred
# characters, each looked up once per process rather than once per text.
_DRAWABLE: dict[str, set[str]] = {}


def uncovered(text: str, direction: str) -> list[str]:
    """The distinct characters of `text` that no font of its stack has, in order of appearance."""
    drawable = _DRAWABLE.setdefault(direction, set())
    unknown = set(text) - drawable
    if not unknown:
        return []
    stack = font_stack(direction)
    missing: dict[str, None] = {}
    for char in dict.fromkeys(text):
        if char not in unknown or char in missing:
            continue
        if _draws_nothing(char) or any(ord(char) in coverage(family) for family in stack):
            drawable.add(char)
        else:
            missing[char] = None
    return list(missing)


def missing_glyphs(spans: Iterable) -> list[MissingGlyph]:
    """Every character of `spans` (document Spans) no font can draw, once per character."""
    found: dict[str, MissingGlyph] = {}
    for span in spans:
        for char in uncovered(span.text, span.dir):
            found.setdefault(char, MissingGlyph(char, getattr(span, "field", "")))
    return list(found.values())


def check_glyphs(spans: Iterable, *, strict: bool = False) -> list[MissingGlyph]:
    """Warn about (or, `strict`, refuse) characters that would print as empty boxes."""
    from .messages import warn

    missing = missing_glyphs(spans)
    if missing and strict:
        raise MissingGlyphs(
            "--strict: "
            + "; ".join(str(m) for m in missing[:10])
            + (f"; and {len(missing) - 10} more" if len(missing) > 10 else "")
        )
    for item in missing:
        warn(str(item))
    return missing
