"""A progress bar on standard error, for work long enough to wonder about.

Shown only when standard error is a terminal and `--quiet` was not given: a log file or a pipe
gets no bar and no control characters, only the lines reportkit always prints. The bar is
`rich.progress` (Typer already depends on Rich), imported when a bar is actually shown, so
`reportkit --help` and short exports never load it.

- A batch shows records done out of the total, the record being worked on, and the time left.
- A single export shows nothing for its first seconds (most exports end before anyone waits),
  then the step under way (reading, translating, rendering pdf…) and the time spent.

The bar is transient: it is erased when the work ends, leaving the terminal as the lines printed
meanwhile (written paths, warnings) left it. Lines printed while it is shown go above it.
"""

from __future__ import annotations

import sys
import threading

SINGLE_DELAY = 2.0  # seconds a single export runs before its bar appears


def wanted(quiet: bool) -> bool:
    """Whether a bar may be shown: a terminal on standard error, and no --quiet."""
    try:
        return not quiet and sys.stderr.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def _console():
    from rich.console import Console

    return Console(stderr=True)


class BatchBar:
    """Records done / total, the current record and the time left; a no-op when disabled."""

    def __init__(self, total: int, enabled: bool):
        self.total = total
        self.enabled = enabled
        self._bar = None
        self._task = None

    def __enter__(self) -> BatchBar:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("records"),
                MofNCompleteColumn(),
                BarColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[current]}"),
                console=_console(),
                transient=True,
            )
            self._task = self._bar.add_task("batch", total=self.total, current="")
            self._bar.start()
        return self

    def working_on(self, name: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, current=name)

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


class SingleBar:
    """For one record: appears after `delay` seconds, then follows the steps reported through
    `messages.note` (the same steps `--verbose` prints). It steps aside while translating: the
    translation shows its own bar, sentences done out of the total."""

    def __init__(self, name: str, enabled: bool, delay: float = SINGLE_DELAY):
        self.name = name
        self.enabled = enabled
        self.delay = delay
        self._step = "reading"
        self._bar = None
        self._task = None
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._closed = False
        self._paused = False

    def __enter__(self) -> SingleBar:
        if self.enabled:
            from . import messages

            messages.on_step(self._on_step)
            self._timer = threading.Timer(self.delay, self._show)
            self._timer.daemon = True
            self._timer.start()
        return self

    def _on_step(self, step: str) -> None:
        with self._lock:
            self._step = step
            translating = step.startswith("translating")
            if translating and self._bar is not None:
                self._bar.stop()  # one live display on the terminal at a time
                self._bar = None
                self._paused = True
            elif not translating and self._paused:
                self._paused = False
                self._start_bar()
            elif self._bar is not None:
                self._bar.update(self._task, step=step)

    def _show(self) -> None:
        with self._lock:
            if self._closed:
                return
            if self._step.startswith("translating"):
                self._paused = True
                return
            self._start_bar()

    def _start_bar(self) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}: {task.fields[step]}"),
            TimeElapsedColumn(),
            console=_console(),
            transient=True,
        )
        self._task = self._bar.add_task(self.name, total=None, step=self._step)
        self._bar.start()

    def __exit__(self, *exc) -> None:
        if not self.enabled:
            return
        from . import messages

        messages.on_step(None)
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            if self._bar is not None:
                self._bar.stop()
                self._bar = None
