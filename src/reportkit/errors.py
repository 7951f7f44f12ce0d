"""Errors a user can cause, reported as one message and a non-zero exit, never a traceback."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """A name from a user's file, safe to print in a one-line message (its controls and line
    separators as "?")."""
    return _LINE_BREAKING.sub("?", text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file: where it is and what is wrong."""

    file: str
    message: str
    field: str = ""
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class ReportkitError(Exception):
    """Base of every error reportkit reports to the user as a message."""


class RecordError(ReportkitError):
    """The record cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class UsageError(ReportkitError):
    """An option or argument combination that cannot work."""
