"""The second engine's speed promise: the ReportLab engine is clearly faster than WeasyPrint on a long report.

A LONG record is generated from the example record's own texts: 60 recommendations (with their
categories) and 8 sections of several Arabic paragraphs each, besides the example's summary,
participants and topics. It is exported to PDF as whole processes,
`reportkit export --engine weasyprint` against `--engine reportlab`, medians over interleaved
runs (benchmarks/common.py), and the example record itself as a short document for comparison.

Run: .venv/bin/python benchmarks/bench_engines.py [--repeat N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from common import REPORTKIT, ROOT, compare, report

RECOMMENDATIONS = 60
SECTIONS = 8
PARAGRAPHS = 5  # per section


def long_record(example: dict) -> dict:
    """The example record grown to a long report, from its own sentences."""
    recs = example["recommendations"]
    paragraphs = [p for s in example["sections"] for p in s["paragraphs"]]
    headings = [s["heading"] for s in example["sections"]]
    record = {
        key: value for key, value in example.items() if key not in ("recommendations", "sections")
    }
    record["recommendations"] = [
        {
            "text": f"{recs[i % len(recs)]['text']} (البند {i + 1})",
            "category": recs[i % len(recs)]["category"],
        }
        for i in range(RECOMMENDATIONS)
    ]
    record["sections"] = [
        {
            "heading": f"{headings[s % len(headings)]} ({s + 1})",
            "paragraphs": [
                paragraphs[(s * PARAGRAPHS + k) % len(paragraphs)] for k in range(PARAGRAPHS)
            ],
        }
        for s in range(SECTIONS)
    ]
    return record


def pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return -1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    import yaml

    from reportkit.resources import example_record

    example = yaml.safe_load(example_record().read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        long = tmp / "long.yaml"
        long.write_text(yaml.safe_dump(long_record(example), allow_unicode=True), encoding="utf-8")

        def export(record: Path, engine: str) -> list[str]:
            out = tmp / f"{record.stem}-{engine}.pdf"
            return [REPORTKIT, "export", str(record), "--engine", engine, "-o", str(out)]

        for title, record in (
            (
                f"LONG record ({RECOMMENDATIONS} recommendations, {SECTIONS} sections of "
                f"{PARAGRAPHS} paragraphs): PDF export, whole process",
                long,
            ),
            ("the example record: PDF export, whole process", example_record()),
        ):
            weasy, rl = "--engine weasyprint", "--engine reportlab"
            results = compare(
                {weasy: export(record, "weasyprint"), rl: export(record, "reportlab")},
                args.repeat,
            )
            report(title, results, baseline=weasy)
            w, r = results[weasy]["median_s"], results[rl]["median_s"]
            print(
                f"pages: weasyprint {pages(tmp / f'{record.stem}-weasyprint.pdf')}, "
                f"reportlab {pages(tmp / f'{record.stem}-reportlab.pdf')}; "
                f"reportlab is {w / r:.2f}x as fast (median {r:.3f}s against {w:.3f}s)"
            )


if __name__ == "__main__":
    main()
