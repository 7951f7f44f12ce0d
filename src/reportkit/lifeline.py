"""A worker process that ends with the process that started it, however that one ends.

Both kinds of worker reportkit starts (the WeasyPrint renderer of a single export, a batch's
pool processes) use it: on Linux the kernel kills the worker when its parent dies, even in the
middle of a computation (PR_SET_PDEATHSIG); everywhere, a thread waits for a sign that only the
parent's end gives (end of file on a pipe whose write end only the parent holds) and exits.
"""

from __future__ import annotations

import os
from collections.abc import Callable


def exit_with_parent(parent_ended: Callable[[], None], parent_alive: Callable[[], bool]) -> None:
    """Exit at once when the parent is gone: `parent_ended` returns only then (it blocks),
    `parent_alive` says whether it is still there (it may have died before the watch began)."""
    import signal
    import threading

    try:  # Linux: the kernel kills us when the parent dies, even mid-computation
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        parent_ended()
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="reportkit-lifeline").start()
    if not parent_alive():
        os._exit(1)
