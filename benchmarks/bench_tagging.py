"""What tagging costs: a tagged PDF/UA-1 export against `--no-tags`, on a report of about 100 pages.

The promise: tagging costs under 15% of the whole export's time and of the file's size, on each
engine that tags (WeasyPrint: its structure tree, then reportkit's structure pass,
writers/weasyprint/tags.py; Typst: the compiler's own tags). A record of about 100 pages is grown
from the example's own texts (its recommendations and section paragraphs, repeated), exported as
whole processes, `reportkit export` against `reportkit export --no-tags`, all the commands of all
the engines taking turns (benchmarks/common.py), medians over those runs.

Run: .venv/bin/python benchmarks/bench_tagging.py [--repeat N] [--sections N] [--engines weasyprint,typst]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench_engines import pages
from common import REPORTKIT, ROOT, compare, report

PROMISE = 1.15  # tagged / untagged: median wall time, and file size


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
    parser.add_argument("--engines", default="weasyprint,typst", help="comma-separated")
    args = parser.parse_args()
    engines = [e for e in args.engines.split(",") if e]
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
        named, files = {}, {}
        for engine in engines:
            for tags in ("tagged", "no-tags"):
                out = tmp / f"{engine}-{tags}.pdf"
                extra = ["--no-tags"] if tags == "no-tags" else []
                cmd = [REPORTKIT, "export", str(record), "--engine", engine, *extra, "-o", str(out)]
                named[f"{engine} {tags}"] = cmd
                files[f"{engine} {tags}"] = out
        results = compare(named, args.repeat)
        broken = False
        for engine in engines:
            tagged, untagged = f"{engine} tagged", f"{engine} no-tags"
            report(
                f"{engine}, {pages(files[tagged])} pages: PDF export, whole process",
                {n: results[n] for n in (tagged, untagged)},
                untagged,
            )
            ratio = results[tagged]["median_s"] / results[untagged]["median_s"]
            size_t, size_u = files[tagged].stat().st_size, files[untagged].stat().st_size
            print(
                f"file size: tagged {size_t / 1024:.0f} KiB, untagged {size_u / 1024:.0f} KiB "
                f"({size_t / size_u:.2f}x)"
            )
            kept = ratio < PROMISE and size_t / size_u < PROMISE
            broken |= not kept
            print(
                f"tagging costs {100 * (ratio - 1):.1f}% of the time and "
                f"{100 * (size_t / size_u - 1):.1f}% of the size: promise (< 15%) "
                f"{'kept' if kept else 'BROKEN'}"
            )
        if broken:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
