"""Batch export promises, measured as whole processes on this machine.

50 records (the example record under 50 titles, a few of them longer):

- `reportkit export DIR --jobs 2` against 50 separate `reportkit export` processes (run one after
  the other, as a shell loop would) and against `--jobs 1`: records per second and the ratios
  (promise: the 2-job batch takes at most 0.4x the separate processes' time on 2 cores);
- the same 50 on `--cluster local` with 2 workers: outputs' text identical to the local batch's,
  and its overhead over `--jobs 2`;
- memory: peak resident memory of the 50-record batch (the largest of the parent and each worker:
  the kernel's rusage of the whole process tree) against the export of the largest record alone
  (promise: under 2x).

Run: .venv/bin/python benchmarks/bench_batch.py [--repeat N] [--records N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from common import REPORTKIT, ROOT, compare, report, run_once


def make_records(folder: Path, count: int) -> Path:
    """`count` records; every tenth is four times as long (an archive is not uniform)."""
    data = yaml.safe_load((ROOT / "examples" / "conference-47.yaml").read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    largest = None
    for i in range(count):
        record = dict(data)
        record["conference"] = {**data["conference"], "title": f"المؤتمر رقم {i + 1}"}
        times = 4 if i % 10 == 9 else 1
        record["recommendations"] = data["recommendations"] * times
        path = folder / f"record-{i:03d}.yaml"
        path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
        if times == 4 and largest is None:
            largest = path
    return largest or path


def separate_processes(records: Path, out: Path) -> list[str]:
    """One `reportkit export` per record, one after the other (a shell loop), as one command."""
    loop = (
        "import subprocess, sys, pathlib\n"
        "for r in sorted(pathlib.Path(sys.argv[1]).iterdir()):\n"
        "    subprocess.run([sys.argv[2], 'export', str(r), '-q', '-o',\n"
        "                    str(pathlib.Path(sys.argv[3]) / (r.stem + '.pdf'))], check=True)\n"
    )
    return [sys.executable, "-c", loop, str(records), REPORTKIT, str(out)]


def texts(folder: Path) -> dict[str, str]:
    return {
        p.name: subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(p), "-"], capture_output=True, check=True
        ).stdout.decode()
        for p in sorted(folder.iterdir())
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--records", type=int, default=50)
    args = parser.parse_args()
    n = args.records
    print(f"{n} records; {os.cpu_count()} cores (shared with other work: timings are noisy)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        records = tmp / "records"
        largest = make_records(records, n)
        env = {**os.environ, "TMPDIR": str(tmp)}
        commands = {
            "50 separate processes": separate_processes(records, tmp / "separate"),
            "export DIR --jobs 1": [REPORTKIT, "export", str(records), "-q", "-j", "1", "-o", str(tmp / "j1")],
            "export DIR --jobs 2": [REPORTKIT, "export", str(records), "-q", "-j", "2", "-o", str(tmp / "j2")],
            "export DIR --cluster local (2)": [
                REPORTKIT, "export", str(records), "-q", "-j", "2", "--cluster", "local",
                "-o", str(tmp / "dask"),
            ],
        }  # fmt: skip
        for folder in ("separate", "j1", "j2", "dask"):
            (tmp / folder).mkdir()
        results = compare(commands, args.repeat, env=env)
        report(f"{n} records to PDF (whole process)", results, baseline="50 separate processes")
        print()
        for name, r in results.items():
            print(f"{name:34s} {n / r['median_s']:.1f} records/s")
        sep = results["50 separate processes"]["median_s"]
        j1 = results["export DIR --jobs 1"]["median_s"]
        j2 = results["export DIR --jobs 2"]["median_s"]
        dask = results["export DIR --cluster local (2)"]["median_s"]
        print(f"--jobs 2 / separate processes: {j2 / sep:.2f}x (promise: at most 0.40x)")
        print(f"--jobs 2 / --jobs 1:           {j2 / j1:.2f}x")
        print(
            f"--cluster local over --jobs 2: {dask - j2:+.2f} s ({dask / j2:.2f}x, "
            f"{(dask - j2) / n * 1000:+.0f} ms per record)"
        )

        local, clustered = texts(tmp / "j2"), texts(tmp / "dask")
        same = local == clustered and len(local) == n
        print(
            f"--cluster local outputs' text identical to --jobs 2: {same} ({len(clustered)} files)"
        )
        separate = texts(tmp / "separate")
        print(f"--jobs 2 outputs' text identical to separate exports: {separate == local}")

        # Memory: the batch's peak (parent or any worker) against the largest record alone.
        single_peaks, batch_peaks = [], []
        for _ in range(args.repeat):
            single_peaks.append(
                run_once([REPORTKIT, "export", str(largest), "-q", "-o", str(tmp / "one.pdf")])[1]
            )
            batch_peaks.append(
                run_once(
                    [REPORTKIT, "export", str(records), "-q", "-j", "2", "-o", str(tmp / "j2")],
                    env=env,
                )[1]
            )
        single, batch = statistics.median(single_peaks), statistics.median(batch_peaks)
        print(
            f"\npeak RSS per process: {n}-record batch {batch:.0f} MB, largest record alone "
            f"{single:.0f} MB: {batch / single:.2f}x (promise: under 2x)"
        )


if __name__ == "__main__":
    main()
