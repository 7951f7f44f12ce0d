"""The three PDF engines side by side, and the Typst engine against the bare Typst compiler.

Records: the bundled example, and the example grown from its own sentences (recommendations with
their categories, sections of Arabic paragraphs) to about 16 and about 400 pages. Each is
exported to PDF as whole processes, `reportkit export --engine weasyprint|reportlab|typst`,
medians over interleaved runs (benchmarks/common.py), with peak memory, file size and pages.

The Typst engine's own cost: the same process against a bare `typst.compile` of reportkit's
template on the JSON reportkit generates for that record (tagged PDF/UA-1, the same fonts), in a
process of its own too. Promises: Typst through reportkit at most 1.3x the bare compiler, and at
most 0.4x the ReportLab engine's time at 400 pages.

Run: .venv/bin/python benchmarks/bench_engines.py [--repeat N] [--long-repeat N]
     [--engines typst,reportlab] [--only example|16|400]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from common import REPORTKIT, ROOT, compare, report

ENGINES = ("weasyprint", "reportlab", "typst")
# (name, recommendations, sections of PARAGRAPHS paragraphs): about 16 and 400 pages
SIZES = (("16 pages", 75, 12), ("400 pages", 1800, 360))
PARAGRAPHS = 5

BARE_TYPST = """
import sys, typst
from reportkit.resources import fonts_dir, templates_dir
fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                    font_paths=[str(fonts_dir())])
pdf = typst.compile(str(templates_dir() / "report.typ"), root=str(templates_dir()),
                    font_paths=fonts, ignore_system_fonts=True, format="pdf",
                    sys_inputs={"doc": open(sys.argv[1], encoding="utf-8").read()},
                    pdf_standards=["ua-1"])
open(sys.argv[2], "wb").write(pdf)
"""


def grown_record(example: dict, recommendations: int, sections: int) -> dict:
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
        for i in range(recommendations)
    ]
    record["sections"] = [
        {
            "heading": f"{headings[s % len(headings)]} ({s + 1})",
            "paragraphs": [
                paragraphs[(s * PARAGRAPHS + k) % len(paragraphs)] for k in range(PARAGRAPHS)
            ],
        }
        for s in range(sections)
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
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--long-repeat", type=int, default=3, help="runs for the 400-page record")
    parser.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help="comma-separated engines to run (typst and reportlab for the ratios; weasyprint "
        "takes about half a minute a run at 400 pages)",
    )
    parser.add_argument(
        "--only", choices=("example", "16", "400"), help="one record instead of all three"
    )
    args = parser.parse_args()
    engines = [e for e in args.engines.split(",") if e in ENGINES]
    sys.path.insert(0, str(ROOT / "src"))
    import yaml

    from reportkit.export import ExportOptions, document_for, load
    from reportkit.resources import example_record
    from reportkit.writers.typst.writer import document_json

    example = yaml.safe_load(example_record().read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        records = [("the example", example_record())]
        for name, recs, sections in SIZES:
            path = tmp / f"grown-{recs}.yaml"
            grown = grown_record(example, recs, sections)
            path.write_text(yaml.safe_dump(grown, allow_unicode=True), encoding="utf-8")
            records.append((name, path))

        if args.only:
            records = [records[("example", "16", "400").index(args.only)]]
        for title, record in records:
            repeat = args.long_repeat if title == "400 pages" else args.repeat
            named = {}
            for engine in engines:
                out = tmp / f"{record.stem}-{engine}.pdf"
                named[engine] = [
                    REPORTKIT,
                    "export",
                    str(record),
                    "--engine",
                    engine,
                    "-o",
                    str(out),
                ]
            data = tmp / f"{record.stem}.json"
            document = document_for(load(record), ExportOptions(engine="typst"))
            data.write_text(document_json(document), encoding="utf-8")
            bare_out = tmp / f"{record.stem}-bare.pdf"
            named["bare typst"] = [sys.executable, "-c", BARE_TYPST, str(data), str(bare_out)]
            results = compare(named, repeat)
            baseline = "reportlab" if "reportlab" in results else None
            report(f"{title}: PDF export, whole process, median of {repeat}", results, baseline)
            for engine in engines:
                out = tmp / f"{record.stem}-{engine}.pdf"
                print(
                    f"  {engine:10s} pages {pages(out):4d}  size {out.stat().st_size / 1024:8.0f} KB"
                )
            if "typst" not in results:
                continue
            t = results["typst"]["median_s"]
            ratios = [f"typst / bare typst compiler: {t / results['bare typst']['median_s']:.2f}x"]
            ratios[0] += " (goal <= 1.3x)"
            if "reportlab" in results:
                ratios.append(
                    f"typst / reportlab: {t / results['reportlab']['median_s']:.2f}x "
                    "(goal <= 0.4x at 400 pages)"
                )
            if "weasyprint" in results:
                ratios.append(f"typst / weasyprint: {t / results['weasyprint']['median_s']:.2f}x")
            print("  " + "; ".join(ratios))


if __name__ == "__main__":
    main()
