"""What a page costs in WeasyPrint with reportkit's markup, against pandoc's markup of the same text.

A long record (the example record's own sentences, grown to about 100 and 400 pages, as in
bench_engines.py) is built into reportkit's document once. The same document is then rendered
in this one process, by the same WeasyPrint:

- as reportkit's HTML (templates/report.html.j2 and report.css): layout alone, the untagged PDF,
  the tagged PDF (PDF/UA-1, with reportkit's structure hints), and the text-layer and structure
  fixes that follow (writers/pdftext.py, writers/weasyprint/tags.py), each timed on its own;
- as pandoc's HTML: the document written as Markdown (title, fields, headings, paragraphs,
  lists), turned into HTML by `pandoc`, in a page with a minimal stylesheet that sets the same
  fonts (reportkit's, with the same fallback stack), size, line height, page size and margins.

Each stage's median CPU time over `--repeat` runs is printed per page (its page count from the PDF), with
the ratio of reportkit's to pandoc's. A last line times reading the 400-page record's YAML with
reportkit's loader, by libyaml (PyYAML's C loader) and by PyYAML's pure-Python loader.

Run: .venv/bin/python benchmarks/bench_weasy_pages.py [--pages 100 400] [--repeat N]
     [--profile FILE] (cProfile of one reportkit layout of the first size, to FILE)
     [--quick] (untagged PDFs and layouts only) [--attribute] (the layout cost of each feature of
     reportkit's look, and of the same look by other markup, at the first size; cases take turns)
Needs pandoc on PATH (Debian: apt-get install pandoc; scripts/setup.sh installs it).
"""

from __future__ import annotations

import argparse
import gc
import io
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from common import ROOT

# The example record grown by whole units of 8 sections of 5 paragraphs and 60 recommendations;
# one unit makes about this many pages (measured; every figure is divided by the real count).
PAGES_PER_UNIT = 11
SECTIONS = 8
PARAGRAPHS = 5
RECOMMENDATIONS = 60

MINIMAL_CSS = """
@font-face { font-family: "Noto Naskh Arabic"; font-weight: 400; src: url("../fonts/NotoNaskhArabic-Regular.ttf"); }
@font-face { font-family: "Noto Naskh Arabic"; font-weight: 700; src: url("../fonts/NotoNaskhArabic-Bold.ttf"); }
@font-face { font-family: "Noto Serif"; font-weight: 400; src: url("../fonts/NotoSerif-Regular.ttf"); }
@font-face { font-family: "Noto Serif"; font-weight: 700; src: url("../fonts/NotoSerif-Bold.ttf"); }
@font-face { font-family: "Noto Sans Symbols2"; src: url("../fonts/NotoSansSymbols2-Regular.ttf"); }
@font-face { font-family: "Noto Sans Math"; src: url("../fonts/NotoSansMath-Regular.ttf"); }
@font-face { font-family: "Noto Emoji"; src: url("../fonts/NotoEmoji-Regular.ttf"); }
@page { size: A4; margin: 30mm 20mm 24mm 20mm; }
html {
  font-family: "Noto Naskh Arabic", "Noto Serif", "Noto Sans Symbols2", "Noto Sans Math", "Noto Emoji";
  font-size: 12pt;
  line-height: 1.65;
}
"""


def long_record(example: dict, units: int) -> dict:
    """The example record with `units` times 8 sections and 60 recommendations, from its own
    sentences (each numbered, so that no two are the same)."""
    recs = example["recommendations"]
    paragraphs = [p for s in example["sections"] for p in s["paragraphs"]]
    headings = [s["heading"] for s in example["sections"]]
    record = {k: v for k, v in example.items() if k not in ("recommendations", "sections")}
    record["recommendations"] = [
        {
            "text": f"{recs[i % len(recs)]['text']} (البند {i + 1})",
            "category": recs[i % len(recs)]["category"],
        }
        for i in range(RECOMMENDATIONS * units)
    ]
    record["sections"] = [
        {
            "heading": f"{headings[s % len(headings)]} ({s + 1})",
            "paragraphs": [
                paragraphs[(s * PARAGRAPHS + k) % len(paragraphs)] for k in range(PARAGRAPHS)
            ],
        }
        for s in range(SECTIONS * units)
    ]
    return record


_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")


def md(text: str) -> str:
    """Text as literal Markdown: every ASCII punctuation mark escaped, lines joined."""
    return _PUNCT.sub(r"\\\1", " ".join(text.split("\n")))


def markdown(document) -> str:
    """The document's first language as Markdown: what pandoc is given."""
    from reportkit.document import Heading, ItemList, Paragraph

    out = [f"# {md(document.title.title[0].text)}"]
    if document.title.organizer:
        out.append(f"**{md(document.title.organizer[0].text)}**")
    for f in document.title.fields:
        out.append(f"**{md(f.label[0].text)}:** {md(f.value[0].text)}")
    for block in document.blocks:
        if isinstance(block, Heading):
            out.append(f"## {md(block.texts[0].text)}")
        elif isinstance(block, Paragraph):
            out.append(md(block.texts[0].text))
        elif isinstance(block, ItemList):
            lines = []
            for n, item in enumerate(block.items, 1):
                mark = f"{n}." if block.numbered else "-"
                category = f"**{md(item.category[0].text)} —** " if item.category else ""
                lines.append(f"{mark} {category}{md(item.texts[0].text)}")
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def pandoc_html(document) -> str:
    body = subprocess.run(
        ["pandoc", "-f", "markdown", "-t", "html5"],
        input=markdown(document),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return (
        f'<!DOCTYPE html>\n<html lang="{document.lang}" dir="{document.dir}">\n<head>'
        f'<meta charset="utf-8"><title>pandoc</title><style>{MINIMAL_CSS}</style></head>\n'
        f"<body>\n{body}</body>\n</html>\n"
    )


def median_time(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median seconds of `repeat` calls of `fn`, and the last call's result. The seconds are
    this process's CPU time: the stages run in this one thread, and on a shared machine the
    wall clock also counts the time others took the core."""
    times, result = [], None
    for _ in range(repeat):
        # The last call's result (a laid-out document of hundreds of pages) would otherwise
        # still be alive during the next call, whose garbage collections would walk it.
        result = None
        gc.collect()
        start = time.process_time()
        result = fn()
        times.append(time.process_time() - start)
    return statistics.median(times), result


def page_count(pdf: bytes) -> int:
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def measure(document, repeat: int, quick: bool = False) -> dict[str, tuple[float, int]]:
    """Stage → (median seconds, pages); `quick`: the untagged PDFs and layouts only."""
    import pikepdf
    import weasyprint

    from reportkit.resources import templates_dir
    from reportkit.writers.html import render_html
    from reportkit.writers.pdftext import fix_text_layer
    from reportkit.writers.weasyprint.tags import fix_structure, tagging
    from reportkit.writers.weasyprint.writer import _own_files_fetcher, html_to_pdf

    base = templates_dir().as_uri() + "/"
    html = render_html(document)
    theirs = pandoc_html(document)

    def page(markup: str) -> weasyprint.HTML:
        return weasyprint.HTML(string=markup, base_url=base, url_fetcher=_own_files_fetcher())

    def tagged() -> bytes:
        with tagging():
            return page(html).write_pdf(pdf_variant="pdf/ua-1")

    results: dict[str, tuple[float, int]] = {}
    t, pdf = median_time(lambda: page(theirs).write_pdf(), repeat)
    results["pandoc HTML: untagged PDF"] = (t, page_count(pdf))
    t, _ = median_time(lambda: len(page(theirs).render().pages), repeat)
    results["pandoc HTML: layout only"] = (t, results["pandoc HTML: untagged PDF"][1])
    t, pdf = median_time(lambda: page(html).write_pdf(), repeat)
    pages = page_count(pdf)
    results["reportkit HTML: untagged PDF"] = (t, pages)
    t, _ = median_time(lambda: len(page(html).render().pages), repeat)
    results["reportkit HTML: layout only"] = (t, pages)
    if quick:
        return results
    t, raw = median_time(tagged, repeat)
    results["reportkit HTML: tagged PDF"] = (t, pages)

    def text_layer() -> None:
        with pikepdf.open(io.BytesIO(raw)) as pdf:
            fix_text_layer(pdf)

    def structure() -> None:
        with pikepdf.open(io.BytesIO(raw)) as pdf:
            fix_structure(pdf)

    t, _ = median_time(text_layer, repeat)
    results["  text-layer fix (pdftext)"] = (t, pages)
    t, _ = median_time(structure, repeat)
    results["  structure fix (tags)"] = (t, pages)
    options = {"pdf_variant": "pdf/ua-1"}
    t, _ = median_time(lambda: html_to_pdf(html, options), repeat)
    results["reportkit html_to_pdf (all of it)"] = (t, pages)
    t, _ = median_time(lambda: render_html(document), repeat)
    results["  reportkit HTML from the document"] = (t, pages)
    return results


# What reportkit's look asks of WeasyPrint beyond pandoc's page, each taken away in turn (on the
# stylesheet the page embeds): the cost of each, for `--attribute`. Not a look to print.
FEATURES = {
    "justified text": [("text-align: justify", "text-align: start")],
    "running header and page footer": [
        ("@top-center { content: element(running);", "@top-center { content: none;")
    ],
    "list markers out of flow": [(".marker { position: absolute;", ".marker { display: none;")],
    "kept-together items and headings": [
        ("break-inside: avoid", "break-inside: auto"),
        ("break-after: avoid", "break-after: auto"),
    ],
}
# The same look by other means, priced the same way (`--attribute`): each draws the same pixels
# as reportkit's page (compared page by page with pdftoppm), so only its cost could tell them
# apart.
SAME_LOOK = {
    # No item is positioned (no drawing layer per item): the marker is a block of no height
    # before the body, pulled into the item's padding, its line drawn from the item's top.
    "list markers in flow, no layer per item": [
        (".item { position: relative;", ".item {"),
        (".marker { position: absolute; top: 0;", ".marker { display: block; height: 0;"),
        (
            '.item[dir="rtl"] .marker { right: 0;',
            '.item[dir="rtl"] .marker { margin-right: -2.2em;',
        ),
        ('.item[dir="ltr"] .marker { left: 0;', '.item[dir="ltr"] .marker { margin-left: -2.2em;'),
    ],
}


def attribute(document, repeat: int) -> None:
    """Layout time per page of reportkit's page without each feature of FEATURES, without all
    of them, and with each markup of SAME_LOOK, against pandoc's page. The cases take turns,
    round by round, so that a shared machine's busy minute weighs on all of them alike."""
    import weasyprint

    from reportkit.resources import templates_dir
    from reportkit.writers.html import render_html
    from reportkit.writers.weasyprint.writer import _own_files_fetcher

    css = (templates_dir() / "report.css").read_text(encoding="utf-8")
    footer = re.compile(r"@page \{ @bottom-center \{ content: [^}]*\} \}")

    def changed(changes: list[tuple[str, str]]) -> str:
        sheet = css
        for old, new in changes:
            assert old in sheet, old
            sheet = sheet.replace(old, new)
        return sheet

    def without(names: list[str]) -> str:
        html = render_html(document, stylesheet=changed([c for n in names for c in FEATURES[n]]))
        return footer.sub("", html) if "running header and page footer" in names else html

    def page(markup: str) -> weasyprint.HTML:
        return weasyprint.HTML(
            string=markup, base_url=templates_dir().as_uri() + "/", url_fetcher=_own_files_fetcher()
        )

    cases = {"pandoc's page": pandoc_html(document), "reportkit's page": without([])}
    cases.update({f"without {n}": without([n]) for n in FEATURES})
    cases["without all of these"] = without(list(FEATURES))
    for name, changes in SAME_LOOK.items():
        cases[f"same look: {name}"] = render_html(document, stylesheet=changed(changes))
    times: dict[str, list[float]] = {label: [] for label in cases}
    pages: dict[str, int] = {}
    for _ in range(repeat):
        for label, markup in cases.items():
            t, pages[label] = median_time(lambda markup=markup: len(page(markup).render().pages), 1)
            times[label].append(t)
    per_page = {label: statistics.median(t) * 1000 / pages[label] for label, t in times.items()}
    theirs = per_page["pandoc's page"]
    for label, ms in per_page.items():
        print(
            f"{label:52s} layout {ms:6.1f} ms/page ({pages[label]} pages)  {ms / theirs:.2f}x pandoc's"
        )


def time_yaml_load(text: bytes, repeat: int) -> None:
    """reportkit's loader on the record's YAML, with libyaml and with pure-Python PyYAML."""
    import yaml

    from reportkit.record import load

    timings = {}
    chosen = getattr(load, "Loader", None)  # None: code from before libyaml was used
    loaders = {"libyaml (CSafeLoader)": chosen, "pure Python (SafeLoader)": yaml.SafeLoader}
    for name, loader in loaders.items():
        if loader is None:
            continue
        load.Loader = loader
        try:
            timings[name], _ = median_time(
                lambda: load.parse_data(text, "long.yaml", "yaml"), repeat
            )
        finally:
            load.Loader = chosen
    pure = timings["pure Python (SafeLoader)"]
    for name, t in timings.items():
        print(f"{name:36s} {t * 1000:8.1f} ms  ({t / pure:.2f}x of pure Python)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", nargs="+", type=int, default=[100, 400])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="write a cProfile of one reportkit layout")
    parser.add_argument(
        "--quick", action="store_true", help="untagged PDFs and layouts only (long documents)"
    )
    parser.add_argument(
        "--attribute", action="store_true", help="layout cost of each look feature, first size"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    import yaml

    from reportkit.export import ExportOptions, document_for
    from reportkit.record import record_from_data
    from reportkit.resources import example_record

    example = yaml.safe_load(example_record().read_text(encoding="utf-8"))
    version = subprocess.run(["pandoc", "--version"], capture_output=True, text=True).stdout
    print(f"{version.splitlines()[0]}; CPU-time medians of {args.repeat} runs, one process")
    source = b""
    for wanted in args.pages:
        units = max(1, round(wanted / PAGES_PER_UNIT))
        data = long_record(example, units)
        source = yaml.safe_dump(data, allow_unicode=True).encode("utf-8")
        document = document_for(record_from_data(data, "long.yaml"), ExportOptions())
        if args.profile:
            import cProfile

            import weasyprint

            from reportkit.resources import templates_dir
            from reportkit.writers.html import render_html
            from reportkit.writers.weasyprint.writer import _own_files_fetcher

            html = render_html(document)
            page = weasyprint.HTML(
                string=html,
                base_url=templates_dir().as_uri() + "/",
                url_fetcher=_own_files_fetcher(),
            )
            cProfile.runctx("page.render()", globals(), {"page": page}, str(args.profile))
            print(f"profile of one layout written to {args.profile}")
            return
        if args.attribute:
            print(f"\n## what the look costs, about {wanted} pages (layout only)")
            attribute(document, args.repeat)
            return
        results = measure(document, args.repeat, args.quick)
        print(f"\n## about {wanted} pages ({units} units of the example's texts)")
        theirs = results["pandoc HTML: untagged PDF"]
        theirs_layout = results["pandoc HTML: layout only"]
        for name, (t, pages) in results.items():
            ms = t * 1000 / pages
            ratio = ""
            if name.startswith("reportkit HTML: layout"):
                ratio = (
                    f"  {ms / (theirs_layout[0] * 1000 / theirs_layout[1]):.2f}x pandoc's layout"
                )
            elif name.startswith("reportkit"):
                ratio = f"  {ms / (theirs[0] * 1000 / theirs[1]):.2f}x pandoc's untagged PDF"
            print(f"{name:36s} {t:7.2f} s  {pages:4d} pages  {ms:6.1f} ms/page{ratio}")
    print(f"\n## reading the last record's YAML ({len(source) / 1024:.0f} KB)")
    time_yaml_load(source, max(args.repeat, 3))


if __name__ == "__main__":
    main()
