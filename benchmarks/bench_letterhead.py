"""What a letterhead costs a DOCX export, measured as whole processes on this machine: the example
record without a letterhead, with a PNG emblem, and with an SVG emblem (which the DOCX keeps beside
a 300 dpi PNG of it, drawn by resvg), in the same interleaved runs; medians and ratios to the plain
export.

Run: .venv/bin/python benchmarks/bench_letterhead.py [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from common import REPORTKIT, ROOT, compare, report

SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 120" width="100" height="120">
  <rect width="100" height="120" fill="#006233"/>
  <circle cx="50" cy="55" r="30" fill="#ffffff"/>
  <polygon points="50,30 57,50 78,50 61,62 67,82 50,70 33,82 39,62 22,50 43,50" fill="#c8102e"/>
  <text x="50" y="112" font-size="14" text-anchor="middle" fill="#ffffff">حرية نظام عدالة</text>
</svg>
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "tests"))
    from reportkit.resources import example_record
    from support.letterheads import LETTERHEAD, letterhead

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        png = letterhead(tmp / "png")
        svg = letterhead(tmp / "svg", LETTERHEAD.replace("emblem.png", "emblem.svg"))
        (tmp / "svg" / "emblem.svg").write_text(SVG, encoding="utf-8")

        def export(name: str, *extra: str) -> list[str]:
            out = tmp / f"{name}.docx"
            return [
                REPORTKIT,
                "export",
                str(example_record()),
                "-f",
                "docx",
                *extra,
                "-o",
                str(out),
            ]

        plain = "export -f docx"
        results = compare(
            {
                plain: export("plain"),
                "  … --letterhead (PNG emblem)": export("png", "--letterhead", str(png)),
                "  … --letterhead (SVG emblem)": export("svg", "--letterhead", str(svg)),
            },
            args.repeat,
        )
        report(f"DOCX with a letterhead (medians of {args.repeat})", results, baseline=plain)


if __name__ == "__main__":
    main()
