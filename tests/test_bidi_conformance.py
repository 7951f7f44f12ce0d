"""The ReportLab engine's Unicode Bidirectional Algorithm against the Unicode Consortium's own
conformance file, BidiCharacterTest.txt: resolved levels and visual order of every case.

Debian ships the file in the `unicode-data` package (/usr/share/unicode/). Cases that use a
character this Python's Unicode database does not know yet are counted apart: their bidi class
is a guess here, not a property of the engine."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from reportkit.writers.reportlab.bidi import bidi_line

TEST_FILE = Path("/usr/share/unicode/BidiCharacterTest.txt")
DIRECTIONS = {"0": "ltr", "1": "rtl", "2": "auto"}


def _cases(path: Path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        codes, direction, _, levels, order = line.split(";")
        text = "".join(chr(int(c, 16)) for c in codes.split())
        expected_levels = [None if v == "x" else int(v) for v in levels.split()]
        expected_order = [int(v) for v in order.split()]
        yield number, text, DIRECTIONS[direction], expected_levels, expected_order


def _known(text: str) -> bool:
    """Whether every character is assigned in this Python's Unicode database."""
    return all(unicodedata.category(c) != "Cn" for c in text)


@pytest.mark.skipif(
    not TEST_FILE.is_file(),
    reason=f"{TEST_FILE} is missing: `apt-get install unicode-data` provides it",
)
def test_every_case_of_bidi_character_test_resolves_and_reorders_as_unicode_says():
    total = passed = unknown = 0
    failures = []
    for number, text, direction, levels, order in _cases(TEST_FILE):
        total += 1
        if not _known(text):
            unknown += 1
            continue
        got_levels, got_order = bidi_line(text, direction)
        if got_levels == levels and got_order == order:
            passed += 1
        elif len(failures) < 10:
            codes = " ".join(f"{ord(c):04X}" for c in text)
            failures.append(f"line {number}: {codes} ({direction}): {got_levels} {got_order}")
    assert not failures, "\n".join(failures)
    assert total > 90_000  # the whole file was read (91,707 cases in Unicode 15)
    assert passed + unknown == total and unknown < total // 100
