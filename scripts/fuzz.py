"""The long run of tests/test_properties.py: random valid records through every writer and engine
for as long as you give it, printing how many it tried and each distinct failure with a minimal
reproducer (Hypothesis shrinks it first).

    .venv/bin/python scripts/fuzz.py --minutes 60
    .venv/bin/python scripts/fuzz.py --minutes 5 --target pdf-weasyprint --out fuzz-failures

Failures are kept in .hypothesis/reportkit/ (Hypothesis's example database), so the next run
replays them first until they are fixed. Paste a reproducer into tests/test_text_rules.py as a
regression test (xfail, strict, when the fix belongs to someone else).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hypothesis import given, settings  # noqa: E402

from support import strategies  # noqa: E402
from support.strategies import TARGETS, Case, cases, check_export  # noqa: E402


def _signature(tb: str) -> str:
    """What makes two failures the same: the exception line and the frame that raised it."""
    lines = [line for line in tb.strip().splitlines() if line.strip()]
    frames = [line.strip() for line in lines if line.strip().startswith("File ")]
    return (frames[-1] if frames else "") + " | " + lines[-1][:200]


def _report(n: int, failure: dict, out: Path | None) -> None:
    case: Case = failure["case"]
    tail = "\n".join(failure["traceback"].strip().splitlines()[-12:])
    text = (
        f"--- failure {n}: {failure['target']} ---\n{case.reproducer()}"
        f"export: reportkit.export.export(path, [{TARGETS[failure['target']][0]!r}], out, "
        f"ExportOptions(engine={TARGETS[failure['target']][1]!r}, ...the options above))\n"
        f"{tail}\n"
    )
    print(text, flush=True)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"failure-{n}.json").write_text(
            json.dumps(case.data, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        (out / f"failure-{n}.txt").write_text(text + "\n" + failure["traceback"], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60, help="how long to run (default 60)")
    parser.add_argument(
        "--target",
        action="append",
        choices=list(TARGETS),
        help="a writer to check (repeatable; default: all five)",
    )
    parser.add_argument("--batch", type=int, default=50, help="records per Hypothesis run")
    parser.add_argument("--out", type=Path, help="a folder to write each failure's record into")
    parser.add_argument("--stop-on-first", action="store_true", help="stop at the first failure")
    args = parser.parse_args(argv)
    targets = args.target or list(TARGETS)

    strategies.register_long_profile()
    from reportkit.messages import configure

    configure(quiet=True)  # warnings about generated records would bury the progress lines
    end = time.monotonic() + args.minutes * 60
    counts: Counter[str] = Counter()
    seen: set[str] = set()
    failure: dict = {}
    work_root = Path(tempfile.mkdtemp(prefix="reportkit-fuzz-"))
    replay_database = True

    def one_record(case: Case) -> None:
        if time.monotonic() > end and not failure.get("shrinking"):
            return  # time is up: the rest of the batch passes at once, unless a failure shrinks
        counts["records"] += 1
        work = Path(tempfile.mkdtemp(dir=work_root))
        try:
            for target in targets:
                try:
                    counts[check_export(case, target, work)] += 1
                except Exception:
                    # The last failing call is the shrunk one Hypothesis replays at the end.
                    failure.update(
                        case=case, target=target, traceback=traceback.format_exc(), shrinking=True
                    )
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)

    started = time.monotonic()
    try:
        while time.monotonic() < end:
            # Once a failure is reported, the database would replay it first in every batch.
            profile = settings(
                settings.get_profile("long"),
                max_examples=args.batch,
                **({} if replay_database else {"database": None}),
            )
            failure.clear()
            try:
                profile(given(case=cases())(one_record))()
            except Exception:
                signature = _signature(failure.get("traceback", traceback.format_exc()))
                if signature not in seen:
                    seen.add(signature)
                    _report(len(seen), failure, args.out)
                replay_database = False
                if args.stop_on_first:
                    break
            minutes = (time.monotonic() - started) / 60
            print(
                f"{minutes:.1f} min: {counts['records']} records, "
                f"{counts['ok']} exports ok, {counts['user error']} one-line user errors, "
                f"{len(seen)} distinct failures",
                flush=True,
            )
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    return 1 if seen else 0


if __name__ == "__main__":
    sys.exit(main())
