"""The DOCX export's speed promises, measured as whole processes on this machine.

- `reportkit export -f docx` of the example record, fonts embedded (the default): median wall time
  (promise: under 0.6 s, and well under the PDF export's), peak memory (promise: under 120 MB);
- the same without embedded fonts, and the PDF export, in the same interleaved runs for comparison.

Run: .venv/bin/python benchmarks/bench_docx.py [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from common import REPORTKIT, ROOT, compare, report

TARGET_S = 0.6
TARGET_MB = 120


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from reportkit.resources import example_record

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)

        def export(fmt: str, *extra: str) -> list[str]:
            out = tmp / f"rk{len(extra)}.{fmt}"
            return [REPORTKIT, "export", str(example_record()), "-f", fmt, *extra, "-o", str(out)]

        docx = "reportkit export -f docx"
        commands = {
            docx: export("docx"),
            "  … --no-embed-fonts": export("docx", "--no-embed-fonts"),
            "reportkit export -f pdf": export("pdf"),
        }
        results = compare(commands, args.repeat)
        report("DOCX export of the example record (whole process)", results)
        r = results[docx]
        ratio = r["median_s"] / results["reportkit export -f pdf"]["median_s"]
        print(
            f"\nDOCX median {r['median_s']:.3f}s (target < {TARGET_S}s: "
            f"{'met' if r['median_s'] < TARGET_S else 'MISSED'}), "
            f"{ratio:.2f}x of the PDF export; "
            f"peak {r['peak_mb']:.0f} MB (target < {TARGET_MB} MB: "
            f"{'met' if r['peak_mb'] < TARGET_MB else 'MISSED'}); "
            f"min {r['min_s']:.3f}s (the median swings with other jobs on a shared machine)"
        )


if __name__ == "__main__":
    main()
