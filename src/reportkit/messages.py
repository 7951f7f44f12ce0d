"""Warnings and progress notes for the person running reportkit, on standard error.

One place decides whether they are shown (`--quiet` hides both, `--verbose` adds the notes), so
library code can warn without knowing whether it runs under the CLI. A warning is printed once,
however often the same thing is found.
"""

from __future__ import annotations

import sys
import time

_quiet = False
_verbose = False
_seen: set[str] = set()
_start = time.perf_counter()
_step_listener = None  # a progress bar following the steps (see `progress.SingleBar`)


def configure(*, quiet: bool = False, verbose: bool = False) -> None:
    global _quiet, _verbose
    _quiet, _verbose = quiet, verbose


def warn(message: str, key: str | None = None) -> None:
    """`reportkit: warning: <message>` on one line, unless --quiet or the same `key` (default:
    the message) was already warned about in this process."""
    key = message if key is None else key
    if _quiet or key in _seen:
        return
    _seen.add(key)
    text = " ".join(message.split())  # one line, whatever the message quotes
    print(f"reportkit: warning: {text}", file=sys.stderr, flush=True)


def on_step(listener) -> None:
    """Send every step `note`d from now on to `listener` (None: to no one), verbose or not."""
    global _step_listener
    _step_listener = listener


def note(message: str) -> None:
    """A step of the work, with the seconds since start, under --verbose only."""
    if _step_listener is not None:
        _step_listener(message)
    if _verbose and not _quiet:
        print(f"reportkit: {time.perf_counter() - _start:6.2f}s {message}", file=sys.stderr)
