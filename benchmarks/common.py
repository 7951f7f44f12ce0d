"""Timing whole processes: medians over repeated runs, peak memory from the kernel's rusage."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REPORTKIT = str(BIN / "reportkit")


def run_once(cmd: list[str], **kwargs) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one run of `cmd` in a process of its own."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(
            f"benchmark command failed: {' '.join(cmd)}\n{proc.stderr.read().decode()}"
        )
    proc.stderr.close()
    return wall, usage.ru_maxrss / 1024


def compare(named: dict[str, list[str]], repeat: int, **kwargs) -> dict[str, dict[str, float]]:
    """Run each command `repeat` times, interleaved so that machine noise hits all alike."""
    for cmd in named.values():  # warm the page cache and fontconfig's cache once
        run_once(cmd, **kwargs)
    walls: dict[str, list[float]] = {n: [] for n in named}
    peaks: dict[str, list[float]] = {n: [] for n in named}
    for _ in range(repeat):
        for name, cmd in named.items():
            wall, peak = run_once(cmd, **kwargs)
            walls[name].append(wall)
            peaks[name].append(peak)
    return {
        n: {
            "median_s": statistics.median(walls[n]),
            "min_s": min(walls[n]),
            "peak_mb": max(peaks[n]),
        }
        for n in named
    }


def report(title: str, results: dict[str, dict[str, float]], baseline: str | None = None) -> None:
    print(f"\n## {title}")
    for name, r in results.items():
        ratio = ""
        if baseline and name != baseline:
            ratio = f"  ratio {r['median_s'] / results[baseline]['median_s']:.2f}x of {baseline}"
        print(
            f"{name:34s} median {r['median_s']:.3f}s  min {r['min_s']:.3f}s  peak {r['peak_mb']:.0f} MB{ratio}"
        )
