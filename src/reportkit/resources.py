"""Where reportkit's own files are: templates, fonts and the bundled example.

In a wheel they are package data inside `reportkit/`; in a checkout they are the top-level
folders of the repository. Only these folders are ever read while rendering.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def root() -> Path:
    """The folder that holds templates/, fonts/ and examples/."""
    for candidate in (_PACKAGE, _PACKAGE.parent.parent):
        if (candidate / "templates").is_dir() and (candidate / "fonts").is_dir():
            return candidate
    raise RuntimeError(f"reportkit's templates and fonts are missing (looked in {_PACKAGE})")


def templates_dir() -> Path:
    return root() / "templates"


def fonts_dir() -> Path:
    return root() / "fonts"


def example_record() -> Path:
    return root() / "examples" / "conference-47.yaml"


FONT_FILES = {
    ("Noto Naskh Arabic", "regular"): "NotoNaskhArabic-Regular.ttf",
    ("Noto Naskh Arabic", "bold"): "NotoNaskhArabic-Bold.ttf",
    ("Noto Serif", "regular"): "NotoSerif-Regular.ttf",
    ("Noto Serif", "bold"): "NotoSerif-Bold.ttf",
    ("Noto Serif", "italic"): "NotoSerif-Italic.ttf",
    ("Noto Sans Symbols2", "regular"): "NotoSansSymbols2-Regular.ttf",
    ("Noto Sans Math", "regular"): "NotoSansMath-Regular.ttf",
    ("Noto Emoji", "regular"): "NotoEmoji-Regular.ttf",
}
ARABIC_FAMILY = "Noto Naskh Arabic"
LATIN_FAMILY = "Noto Serif"
# Tried in this order for a character neither text font has: symbols and dingbats (✓ ☎ ★),
# arrows and mathematical signs (→ ≤ ∑), then emoji (🛡 ✅), drawn in one colour like the text.
# Families are named as the font files name themselves: Word and LibreOffice match w:rFonts
# against that name (Noto Sans Symbols 2 calls itself "Noto Sans Symbols2").
EMOJI_FAMILY = "Noto Emoji"
FALLBACK_FAMILIES = ("Noto Sans Symbols2", "Noto Sans Math", EMOJI_FAMILY)


def font_stack(direction: str) -> tuple[str, ...]:
    """The families a text of this direction is drawn with, first choice first. Arabic text takes
    its digits and punctuation from the Arabic font where it has them, Latin text from the Latin
    one; each falls back to the other, then to the symbol and emoji fonts."""
    first = (ARABIC_FAMILY, LATIN_FAMILY) if direction == "rtl" else (LATIN_FAMILY, ARABIC_FAMILY)
    return first + FALLBACK_FAMILIES


def font_path(family: str, style: str = "regular") -> Path:
    return fonts_dir() / FONT_FILES[(family, style)]


def is_resource(path: Path) -> bool:
    """True for a file inside templates/ or fonts/, the only files a render may read."""
    path = path.resolve()
    return (
        any(path.is_relative_to(d.resolve()) for d in (templates_dir(), fonts_dir()))
        and path.is_file()
    )
