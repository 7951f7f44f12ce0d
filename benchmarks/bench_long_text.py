"""Pathological text in linear time: a single word of 200 KB, 1 MB and 2 MB (no space at all) and
titles of 10,000 and 50,000 characters, exported to PDF by all three engines as whole processes
(`reportkit export --engine …`), the median wall time, CPU time and the peak resident memory of a
few runs. On a shared machine the CPU time (the renderer process's included) is the steadier
measure of growth.

The promise is linear growth: each size is printed with its ratio to the previous one, beside the
ratio of the input sizes (double the input, about double the time). The titles have no organizer,
so that the title is also the running header of every page: the worst case for a long title.
And every character must reach the page: the last run's PDF is read back with poppler's
`pdftotext`, and the characters of the word (or title) it lacks are counted ("lost 0").

Run: .venv/bin/python benchmarks/bench_long_text.py [--repeat N] [--engine E ...] [--arabic]
     [--words 204800 1048576 2097152] [--titles 10000 50000] [--src OTHER/src] [--timeout S]

--src runs another checkout's code (its src/ folder first on PYTHONPATH), e.g. a `git worktree`
of an older commit, for before/after figures; --timeout gives up on a run after S seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import ROOT

LATIN = "abcdefghijklmnopqrstuvwxyz"
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
SENTENCE = "المؤتمر السابع والأربعون لقادة الشرطة والأمن العرب "


def repeated(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def word_record(n: int, alphabet: str) -> dict:
    return {
        "language": "ar",
        "conference": {"title": "مؤتمر", "organizer": "الأمانة العامة", "reference": "GS/1/2024"},
        "summary": repeated(alphabet, n),
    }


def title_record(n: int) -> dict:
    return {
        "language": "ar",
        "conference": {"title": repeated(SENTENCE, n).strip(), "reference": "GS/1/2024"},
        "summary": "ملخص قصير.",
    }


def lost_characters(pdf: Path, expected: str) -> int:
    """How many characters of `expected` (spaces aside) poppler does not find in `pdf`."""
    from collections import Counter

    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    missing = Counter(expected.replace(" ", "")) - Counter(text)
    return sum(missing.values())


def run_limited(cmd: list[str], timeout: float, env: dict) -> tuple[float, float, float] | None:
    """(wall seconds, peak resident MB, CPU seconds) of one run in a process of its own (its
    CPU time includes the renderer process it waited for), or None when it failed or took
    longer than `timeout` (then it is killed)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        print(f"    failed after {wall:.1f}s: {(err or ['killed'])[-1][:150]}")
        return None
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def measure(cmd: list[str], repeat: int, timeout: float, env: dict) -> dict | None:
    walls, peaks, cpus = [], [], []
    for _ in range(repeat):
        result = run_limited(cmd, timeout, env)
        if result is None:
            return None  # a failure or a timeout is not repeated
        walls.append(result[0])
        peaks.append(result[1])
        cpus.append(result[2])
    return {
        "median_s": statistics.median(walls),
        "peak_mb": max(peaks),
        "cpu_s": statistics.median(cpus),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine", nargs="+", default=["weasyprint", "reportlab", "typst"])
    parser.add_argument("--words", nargs="*", type=int, default=[204_800, 1_048_576, 2_097_152])
    parser.add_argument("--titles", nargs="*", type=int, default=[10_000, 50_000])
    parser.add_argument("--arabic", action="store_true", help="Arabic letters instead of Latin")
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    import yaml

    env = {**os.environ, "PYTHONPATH": str(args.src.resolve())}
    alphabet = ARABIC if args.arabic else LATIN
    script = "Arabic" if args.arabic else "Latin"
    cases = [(f"{script} word of {n:,} letters", n, word_record(n, alphabet)) for n in args.words]
    cases += [(f"title of {n:,} characters", n, title_record(n)) for n in args.titles]
    shown = {
        name: r["summary"] if "word" in name else r["conference"]["title"] for name, _, r in cases
    }
    print(f"code: {args.src}; {args.repeat} runs each, whole process (median wall, peak RSS)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for engine in args.engine:
            print(f"\n## --engine {engine}")
            previous: dict[str, tuple[int, float, float]] = {}
            for name, n, record in cases:
                kind = name.split(" of ")[0]
                source = tmp / "record.yaml"
                source.write_text(
                    yaml.safe_dump(record, allow_unicode=True, width=10**9), encoding="utf-8"
                )
                cmd = [sys.executable, "-m", "reportkit", "export", str(source)]
                cmd += ["--engine", engine, "-o", str(tmp / "out.pdf")]
                r = measure(cmd, args.repeat, args.timeout, env)
                if r is None:
                    print(f"{name:34s} no result (failed or over {args.timeout:.0f}s)")
                    previous.pop(kind, None)
                    continue
                growth = ""
                if kind in previous:
                    n0, t0, c0 = previous[kind]
                    growth = (
                        f"  input x{n / n0:.1f} -> time x{r['median_s'] / t0:.1f}, "
                        f"CPU x{r['cpu_s'] / c0:.1f}"
                    )
                previous[kind] = (n, r["median_s"], r["cpu_s"])
                lost = lost_characters(tmp / "out.pdf", shown[name])
                print(
                    f"{name:34s} median {r['median_s']:7.2f}s  CPU {r['cpu_s']:7.2f}s  "
                    f"peak {r['peak_mb']:6.0f} MB  lost {lost}{growth}"
                )


if __name__ == "__main__":
    main()
