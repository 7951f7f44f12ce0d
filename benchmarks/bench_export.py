"""Start-up and PDF export speed promises, measured as whole processes on this machine.

- `reportkit --help` wall time (promise: under 0.3 s);
- exporting the example record to PDF against a bare WeasyPrint script that renders the very same
  HTML (promise: at most 1.3x), medians over interleaved runs;
- peak memory of that export (promise: under 150 MB).

Run: .venv/bin/python benchmarks/bench_export.py [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from common import REPORTKIT, ROOT, compare, report

BARE = """
import sys, weasyprint
html = open(sys.argv[1], encoding="utf-8").read()
weasyprint.HTML(string=html, base_url=sys.argv[2]).write_pdf(sys.argv[3])
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from reportkit.export import ExportOptions, document_for, load
    from reportkit.resources import example_record, templates_dir
    from reportkit.writers.html import render_html

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        html = tmp / "example.html"
        html.write_text(render_html(document_for(load(None), ExportOptions())), encoding="utf-8")
        bare = tmp / "bare.py"
        bare.write_text(BARE, encoding="utf-8")
        help_results = compare({"reportkit --help": [REPORTKIT, "--help"]}, args.repeat)
        report("start-up", help_results)
        results = compare(
            {
                "bare WeasyPrint (same HTML)": [
                    sys.executable,
                    str(bare),
                    str(html),
                    templates_dir().as_uri() + "/",
                    str(tmp / "bare.pdf"),
                ],
                "reportkit export --format pdf": [
                    REPORTKIT,
                    "export",
                    str(example_record()),
                    "-f",
                    "pdf",
                    "-o",
                    str(tmp / "rk.pdf"),
                ],
            },
            args.repeat,
        )
        report(
            "PDF export of the example record (whole process)",
            results,
            baseline="bare WeasyPrint (same HTML)",
        )


if __name__ == "__main__":
    main()
