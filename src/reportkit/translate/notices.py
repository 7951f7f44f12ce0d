"""Warnings: one line on standard error each, said once per process.

Translation keeps going past what it can work around (a broken model folder, an unreadable
translation memory); the user is told in one line, once, rather than in a traceback or not at all.
"""

from __future__ import annotations

import sys

_said: set[str] = set()


def warn(message: str, key: str | None = None) -> None:
    """Print `reportkit: warning: <message>` on stderr, unless the same `key` (default: the
    message) was already warned about in this process."""
    key = message if key is None else key
    if key in _said:
        return
    _said.add(key)
    text = " ".join(message.split())  # one line, whatever the message quotes
    print(f"reportkit: warning: {text}", file=sys.stderr, flush=True)
