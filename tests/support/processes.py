"""Processes seen through /proc (Linux): a process's whole tree, and whether each is gone."""

from __future__ import annotations

import os
import time
from pathlib import Path


def descendants(pid: int) -> list[int]:
    """Every process started by `pid`, and by them, now."""
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for task in tasks:
        try:
            children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            out += [child, *descendants(child)]
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has exited; only its parent's reaping is left


def gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


# --- Read-only folders, even for root ------------------------------------------------------------

CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2
PR_CAPBSET_DROP = 24


def without_root_override() -> None:
    """For `preexec_fn`: the command that follows may not write where permissions forbid, even
    as root (the tests run as root in a container, where a folder of mode 0555 would not stop
    anything). Root gives up CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH before the command starts;
    any other user has no such power to give up."""
    if os.geteuid() != 0:
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot give up a capability")


def run_without_root_override(args: list[str], **kwargs):
    """`subprocess.run(args)` in a process that respects read-only folders (see above)."""
    import subprocess

    return subprocess.run(args, preexec_fn=without_root_override, **kwargs)


def read_only_folder(path: Path) -> Path:
    """`path` made as a folder of mode 0555; skips the test where even a process started by
    `run_without_root_override` could write into it (a file system that ignores modes)."""
    import subprocess
    import sys

    import pytest

    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o555)
    try:
        probe = run_without_root_override(
            [sys.executable, "-c", f"open({str(path / 'probe')!r}, 'w')"], capture_output=True
        )
    except (subprocess.SubprocessError, OSError):
        pytest.skip("root cannot give up its power to write anywhere here (no CAP_SETPCAP)")
    if probe.returncode == 0:
        (path / "probe").unlink()
        pytest.skip("this file system lets the tests write into a read-only folder")
    return path
