"""What tagging costs: a tagged PDF/UA-1 export against `--no-tags`, on a report of about 100 pages.

The promise: tagging (WeasyPrint's structure tree, then reportkit's structure pass, writers/weasyprint/tags.py)
costs under 15% of the whole export's time. A record of about 100 pages is grown from the example's
own texts (its recommendations and section paragraphs, repeated), exported as whole processes,
`reportkit export` against `reportkit export --no-tags`, medians over interleaved runs
(benchmarks/common.py); the file sizes are printed too.

Run: .venv/bin/python benchmarks/bench_tagging.py [--repeat N] [--pages N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench_engines import pages
from common import REPORTKIT, ROOT, compare, report

PROMISE = 1.15  # tagged / untagged, median wall time


def hundred_pages(example: dict, sections: int) -> dict:
    """The example with its recommendations repeated and `sections` sections of its paragraphs."""
    recs = example["recommendations"]
    paragraphs = [p for s in example["sections"] for p in s["paragraphs"]]
    headings = [s["heading"] for s in example["sections"]]
    record = {k: v for k, v in example.items() if k not in ("recommendations", "sections")}
    record["recommendations"] = [
        {
            "text": f"{recs[i % len(recs)]['text']} ({i + 1})",
            "category": recs[i % len(recs)]["category"],
        }
        for i in range(4 * sections)
    ]
    record["sections"] = [
        {
            "heading": f"{headings[s % len(headings)]} ({s + 1})",
            "paragraphs": [paragraphs[(s + k) % len(paragraphs)] for k in range(5)],
        }
        for s in range(sections)
    ]
    return record


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sections", type=int, default=90, help="about 1 page each")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    import yaml

    from reportkit.resources import example_record

    example = yaml.safe_load(example_record().read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        record = tmp / "long.yaml"
        record.write_text(
            yaml.safe_dump(hundred_pages(example, args.sections), allow_unicode=True),
            encoding="utf-8",
        )
        tagged, untagged = tmp / "tagged.pdf", tmp / "untagged.pdf"
        named = {
            "reportkit export (tagged)": [REPORTKIT, "export", str(record), "-o", str(tagged)],
            "reportkit export --no-tags": [
                REPORTKIT,
                "export",
                str(record),
                "--no-tags",
                "-o",
                str(untagged),
            ],
        }
        results = compare(named, args.repeat)
        report(
            f"{pages(tagged)} pages: PDF export, whole process",
            results,
            "reportkit export --no-tags",
        )
        ratio = (
            results["reportkit export (tagged)"]["median_s"]
            / results["reportkit export --no-tags"]["median_s"]
        )
        size_t, size_u = tagged.stat().st_size, untagged.stat().st_size
        print(
            f"file size: tagged {size_t / 1024:.0f} KiB, untagged {size_u / 1024:.0f} KiB "
            f"({size_t / size_u:.2f}x)"
        )
        verdict = "kept" if ratio < PROMISE else "BROKEN"
        print(f"tagging costs {100 * (ratio - 1):.1f}% of the export: promise (< 15%) {verdict}")


if __name__ == "__main__":
    main()
