"""How dates and numbers are written in the documents."""

from __future__ import annotations

import datetime as dt

from .labels import months

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def digits(text: str, style: str) -> str:
    """Write the ASCII digits of `text` in `style` ("western" or "arabic-indic")."""
    return text.translate(ARABIC_INDIC) if style == "arabic-indic" else text


def date_range(start: dt.date | None, end: dt.date | None, lang: str) -> str:
    """`15–16 November 2023`, `من 15 إلى 16 نوفمبر 2023م`."""
    if start is None and end is None:
        return ""
    start = start or end
    end = end or start
    names = months(lang)
    era = "م" if lang == "ar" else ""

    def day_month(d: dt.date) -> str:
        return f"{d.day} {names[d.month - 1]}"

    if start == end:
        text = f"{day_month(start)} {start.year}"
    elif lang == "ar":
        # Words instead of a dash: a dash between numbers reads ambiguously in right-to-left text.
        first = day_month(start) if start.month != end.month else str(start.day)
        if start.year != end.year:
            first += f" {start.year}م"
        text = f"من {first} إلى {day_month(end)} {end.year}"
    elif (start.year, start.month) == (end.year, end.month):
        text = f"{start.day}–{end.day} {names[end.month - 1]} {end.year}"
    elif start.year == end.year:
        text = f"{day_month(start)} – {day_month(end)} {end.year}"
    else:
        text = f"{day_month(start)} {start.year} – {day_month(end)} {end.year}"
    return text + era


# Maghreb offices write 0123456789; Gulf, Levant, Egypt and Iraq write ٠١٢٣٤٥٦٧٨٩.
WESTERN_DIGIT_REGIONS = {"MA", "DZ", "TN", "LY", "MR", "EH"}


def digits_for_locale(locale: str | None) -> str:
    """The digit style an office in `locale` (e.g. ar-MA, ar-SA) writes; western when unknown."""
    if not locale:
        return "western"
    lang, _, region = locale.replace("_", "-").partition("-")
    if lang.lower() != "ar" or not region:
        return "western"
    return "western" if region.upper() in WESTERN_DIGIT_REGIONS else "arabic-indic"
