"""Hijri dates (Umm al-Qura calendar) beside Gregorian ones, for Arabic documents.

The conversion is the `hijridate` package's, whose Umm al-Qura tables cover 1 Muharram 1343 AH to
the end of 1500 AH (1 August 1924 to 16 November 2077). A date outside that range has no Hijri
form here: every function then writes the Gregorian date alone instead of failing.
"""

from __future__ import annotations

import datetime as dt

from .conventions import digits as _digits
from .labels import months

HIJRI_MONTHS_AR: tuple[str, ...] = (
    "محرم",
    "صفر",
    "ربيع الأول",
    "ربيع الثاني",
    "جمادى الأولى",
    "جمادى الآخرة",
    "رجب",
    "شعبان",
    "رمضان",
    "شوال",
    "ذو القعدة",
    "ذو الحجة",
)
HIJRI_MONTHS_EN: tuple[str, ...] = (
    "Muharram",
    "Safar",
    "Rabi' al-Awwal",
    "Rabi' al-Thani",
    "Jumada al-Ula",
    "Jumada al-Akhirah",
    "Rajab",
    "Sha'ban",
    "Ramadan",
    "Shawwal",
    "Dhu al-Qa'dah",
    "Dhu al-Hijjah",
)

HIJRI_ERA = "هـ"  # after a Hijri date
GREGORIAN_ERA = "م"  # after a Gregorian date
CORRESPONDING = "الموافق"  # "corresponding to", between the two


def hijri_date(d: dt.date) -> tuple[int, int, int] | None:
    """(year, month, day) of `d` in the Umm al-Qura calendar; None outside hijridate's range."""
    from hijridate import Gregorian

    if isinstance(d, dt.datetime):
        d = d.date()
    try:
        h = Gregorian(d.year, d.month, d.day).to_hijri()
    except (OverflowError, ValueError):
        return None
    return h.year, h.month, h.day


def _style(value: str) -> str:
    if value not in ("western", "arabic-indic"):
        raise ValueError(f"digits must be 'western' or 'arabic-indic', not {value!r}")
    return value


def format_dual_date(d: dt.date, digits: str = "western") -> str:
    """`1446/01/07هـ الموافق 2024/07/13م`: the Hijri date, then the Gregorian one.

    Outside the Hijri range only the Gregorian part is written (`1900/01/01م`).
    """
    style = _style(digits)
    gregorian = f"{d.year:04d}/{d.month:02d}/{d.day:02d}{GREGORIAN_ERA}"
    h = hijri_date(d)
    text = (
        gregorian
        if h is None
        else f"{h[0]:04d}/{h[1]:02d}/{h[2]:02d}{HIJRI_ERA} {CORRESPONDING} {gregorian}"
    )
    return _digits(text, style)


def hijri_long(d: dt.date, digits: str = "western", lang: str = "ar") -> str:
    """`7 محرم 1446هـ` (or `7 Muharram 1446 AH` for lang="en").

    Outside the Hijri range: the Gregorian date in words (`1 يناير 1900م`).
    """
    style = _style(digits)
    h = hijri_date(d)
    if lang == "ar":
        if h is None:
            text = f"{d.day} {months('ar')[d.month - 1]} {d.year}{GREGORIAN_ERA}"
        else:
            text = f"{h[2]} {HIJRI_MONTHS_AR[h[1] - 1]} {h[0]}{HIJRI_ERA}"
        return _digits(text, style)
    if h is None:
        return f"{d.day} {months(lang)[d.month - 1]} {d.year}"
    return f"{h[2]} {HIJRI_MONTHS_EN[h[1] - 1]} {h[0]} AH"
