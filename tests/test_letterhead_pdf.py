"""The office's letterhead in the PDF (`export --letterhead`), the same promises held on every PDF
engine, read back with real readers (poppler, pikepdf, qpdf, pdfua) and looked at as pixels: the
right and left blocks with the emblem between them, the reference and the basmala on page one, the
signature at the left of the last page, the footer lines on every page. Tests named after an
engine hold what only that engine does (the tagged PDF of WeasyPrint; ReportLab's SVG through
svglib). No mocks.

A new engine joins every shared test by adding its name to ENGINES."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
import yaml

from conftest import EXAMPLE, run_cli
from reportkit.errors import UsageError
from reportkit.export import ExportOptions, document_for, load, render
from support.letterheads import (
    BASMALA,
    FOOTER,
    LEFT,
    LETTERHEAD,
    MM,
    PAGE_H,
    PAGE_W,
    RIGHT,
    SIGNATURE_NAME,
    SIGNATURE_TITLE,
    SVG,
    TITLE,
    box_of,
    emblem_box,
    letterhead,
    need,
    pixels,
    word_boxes,
)
from support.readers import has_phrase, pdf_pages_text, pdffonts, struct_elements

# The PDF engines (`export --engine`) every shared test runs on.
ENGINES = ["weasyprint", "reportlab", "typst"]


@pytest.fixture(scope="module", params=ENGINES)
def engine(request) -> str:
    return request.param


def export(folder: Path, engine: str, text: str = LETTERHEAD, *extra: str) -> Path:
    """The example record as a PDF of `engine` with the letterhead `text`, by the command."""
    lh = letterhead(folder, text)
    out = folder / "report.pdf"
    result = run_cli(
        "export", str(EXAMPLE), "--engine", engine, "--letterhead", str(lh), *extra, "-o", str(out)
    )
    assert result.returncode == 0, result.stderr.decode()
    return out


@pytest.fixture(scope="module")
def letterhead_pdf(tmp_path_factory):
    """The example record with the shared letterhead, exported once per engine: call it with
    the engine's name."""
    made: dict[str, Path] = {}

    def get(engine: str) -> Path:
        if engine not in made:
            made[engine] = export(tmp_path_factory.mktemp(f"letterhead-{engine}"), engine)
        return made[engine]

    return get


@pytest.fixture
def lh_pdf(engine, letterhead_pdf) -> Path:
    return letterhead_pdf(engine)


def drawn_images(page: pikepdf.Page) -> list[tuple[int, int]]:
    """The pixel sizes of the images a page draws (an engine may share one resource dictionary
    between pages, as WeasyPrint does: what a page lists is not what it draws). Form XObjects
    are looked into."""

    def walk(content: pikepdf.Object, resources: pikepdf.Dictionary) -> list[tuple[int, int]]:
        out = []
        xobjects = resources.get("/XObject", {})
        for operands, operator in pikepdf.parse_content_stream(content):
            if str(operator) != "Do" or operands[0] not in xobjects:
                continue
            obj = xobjects[operands[0]]
            if obj.get("/Subtype") == "/Image":
                out.append((int(obj.Width), int(obj.Height)))
            elif obj.get("/Subtype") == "/Form":
                out += walk(obj, obj.get("/Resources", resources))
        return out

    return walk(page, page.Resources)


def pages_images(pdf: Path) -> list[list[tuple[int, int]]]:
    with pikepdf.open(pdf) as doc:
        return [drawn_images(page) for page in doc.pages]


# --- page one ----------------------------------------------------------------------------------


def test_page_one_has_the_letterhead_the_reference_the_basmala_and_the_title(lh_pdf):
    pages = pdf_pages_text(lh_pdf)
    first = pages[0]
    for phrase in (*RIGHT, *LEFT, BASMALA, TITLE):
        assert has_phrase(first, phrase), phrase
    # the reference under the letterhead, as Arab correspondence writes it, and still in the
    # title block
    assert has_phrase(first, "المرجع: م ق ش/47/2023")
    assert len(re.findall("47/2023", first)) == 2
    assert not any(has_phrase(p, BASMALA) or has_phrase(p, RIGHT[1]) for p in pages[1:])


def test_right_lines_stand_right_left_lines_left_each_centred_above_the_basmala_and_title(lh_pdf):
    boxes = word_boxes(lh_pdf, 1)
    middle = PAGE_W / 2
    right = [box_of(boxes, w) for w in ("التونسية", "الداخلية")]
    left = [box_of(boxes, w) for w in ("Tunisienne", "l'Intérieur")]
    assert all(b[0] > middle + 20 * MM for b in right)
    assert all(b[2] < middle - 20 * MM for b in left)
    for one, two in ((RIGHT[0], RIGHT[1]), (LEFT[0], LEFT[1])):  # each line centred in its block
        centres = []
        for line in (one, two):
            a, b = box_of(boxes, line.split()[0]), box_of(boxes, line.split()[-1])
            centres.append((min(a[0], b[0]) + max(a[2], b[2])) / 2)
        assert abs(centres[0] - centres[1]) < 2, (one, centres)
    # the letterhead stands above the basmala, which stands above the title
    basmala_top = box_of(boxes, "الرحيم")[1]
    assert all(b[3] < basmala_top for b in right + left)
    assert basmala_top < box_of(boxes, "السابع")[1]
    assert min(b[1] for b in right + left) < 30 * MM  # higher than the running header's place


def test_the_date_faces_the_reference_under_the_band_in_both_calendars(lh_pdf):
    """المرجع on the start side (right), التاريخ facing it on the end side (left), on one line
    between the band and the basmala: the conference's last day, Hijri then Gregorian."""
    first = pdf_pages_text(lh_pdf)[0]
    assert has_phrase(first, "التاريخ: 1445/05/02هـ الموافق 2023/11/16م")
    boxes = word_boxes(lh_pdf, 1)
    basmala_top = box_of(boxes, "الرحيم")[1]
    band_bottom = max(box_of(boxes, w)[3] for w in ("الداخلية", "l'Intérieur"))
    above = [b for b in boxes if band_bottom < b[2] and b[4] < basmala_top]
    reference, date = box_of(above, "المرجع"), box_of(above, "التاريخ")
    # engines cut words differently at the digits: the word that holds them
    gregorian, hijri = (
        [b[1:] for b in above if d in b[0]][0] for d in ("2023/11/16", "1445/05/02")
    )
    middle = PAGE_W / 2
    assert reference[0] > middle and date[2] < middle
    assert abs((reference[1] + reference[3]) / 2 - (date[1] + date[3]) / 2) < 3  # one line
    # the date ends at the left margin, where the left block starts
    left_block = box_of(boxes, "Ministère")[0] - 30 * MM
    assert min(gregorian[0], hijri[0]) < middle - 40 * MM and gregorian[0] > left_block
    assert gregorian[0] < hijri[0] < date[0]  # read right to left: label, Hijri, Gregorian


def test_the_logo_is_an_image_of_its_pixel_size_on_page_one_only(lh_pdf):
    drawn = pages_images(lh_pdf)
    assert drawn[0] == [(64, 64)]
    assert all(images == [] for images in drawn[1:])


def test_the_logo_is_centred_between_the_blocks_about_25_mm_high(lh_pdf, tmp_path):
    left, top, right, bottom = emblem_box(pixels(lh_pdf, 1, tmp_path))
    assert 22 * MM <= bottom - top <= 28 * MM
    assert abs((bottom - top) - (right - left)) <= 2  # a square emblem stays square
    assert abs((left + right) / 2 - PAGE_W / 2) <= 2
    assert top < 30 * MM  # at the top of the page, where the running header is on later pages


def test_with_a_marking_the_letterhead_stands_below_the_marking_band(engine, tmp_path):
    out = export(tmp_path, engine, LETTERHEAD, "--marking", "سري للغاية")
    boxes = word_boxes(out, 1)
    marking_bottom = box_of(boxes, "للغاية")[3]
    _, top, _, _ = emblem_box(pixels(out, 1, tmp_path))
    assert top > marking_bottom
    assert all(marking_bottom < box_of(boxes, w)[1] for w in ("الجمهورية", "République"))


def test_without_a_letterhead_page_one_is_as_before(engine, tmp_path):
    out = tmp_path / "plain.pdf"
    result = run_cli("export", str(EXAMPLE), "--engine", engine, "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    first = pdf_pages_text(out)[0]
    assert not has_phrase(first, BASMALA) and not has_phrase(first, RIGHT[0])
    assert all(images == [] for images in pages_images(out))


# --- an SVG emblem -----------------------------------------------------------------------------


def svg_letterhead(folder: Path, svg: str = SVG) -> Path:
    path = letterhead(folder, LETTERHEAD.replace("emblem.png", "emblem.svg"))
    (folder / "emblem.svg").write_text(svg, encoding="utf-8")
    return path


def test_an_svg_emblem_is_drawn_from_its_data_as_vectors_keeping_its_proportions(engine, tmp_path):
    path = svg_letterhead(tmp_path)
    out = tmp_path / "svg.pdf"
    result = run_cli(
        "export", str(EXAMPLE), "--engine", engine, "--letterhead", str(path), "-o", str(out)
    )
    assert result.returncode == 0 and result.stderr == b"", result.stderr.decode()
    assert pages_images(out)[0] == []  # not turned into pixels
    # no standard font slipped in with the drawing
    assert all(f["emb"] == "yes" for f in pdffonts(out))
    left, top, right, bottom = emblem_box(pixels(out, 1, tmp_path))
    assert 22 * MM <= bottom - top <= 28 * MM
    assert abs((right - left) / (bottom - top) - 100 / 120) < 0.05  # its proportions kept
    assert abs((left + right) / 2 - PAGE_W / 2) <= 2


def test_an_svg_emblem_with_arabic_text_prints_in_reportkits_fonts(engine, tmp_path):
    """Typst draws an SVG's text itself, shaped, as text; WeasyPrint would set its Arabic unjoined
    and in reverse order, svglib in a standard font never embedded: those two print the picture
    resvg draws of the emblem in reportkit's fonts, at print resolution. Either way no font but
    reportkit's is in the file, and the emblem keeps its size."""
    svg = SVG.replace(
        "</svg>", '<text x="50" y="60" text-anchor="middle" font-size="22">شعار</text></svg>'
    )
    path = svg_letterhead(tmp_path, svg)
    out = tmp_path / "svg-text.pdf"
    result = run_cli(
        "export", str(EXAMPLE), "--engine", engine, "--letterhead", str(path), "-o", str(out)
    )
    assert result.returncode == 0 and result.stderr == b"", result.stderr.decode()
    assert all(f["emb"] == "yes" for f in pdffonts(out))
    left, top, right, bottom = emblem_box(pixels(out, 1, tmp_path))
    assert 22 * MM <= bottom - top <= 28 * MM
    first = pdf_pages_text(out)[0]
    assert "راعش" not in first and "ﺭﺎﻌﺷ" not in first  # never reversed or unjoined
    if engine == "typst":  # Typst's own text, in reading order
        assert "شعار" in first
        return
    assert "شعار" not in first  # a picture
    with pikepdf.open(out) as pdf:
        images = [pikepdf.PdfImage(x) for x in pdf.pages[0].get_images().values()]
    assert any(image.height >= 280 for image in images)  # 25 mm at 300 dpi is 295 pixels


# --- the last page and every page --------------------------------------------------------------


def test_the_signature_ends_the_report_on_the_left_title_above_name(lh_pdf):
    pages = pdf_pages_text(lh_pdf)
    last = pages[-1]
    assert has_phrase(last, SIGNATURE_NAME) and has_phrase(last, SIGNATURE_TITLE)
    assert not any(has_phrase(p, SIGNATURE_NAME) for p in pages[:-1])
    boxes = word_boxes(lh_pdf, len(pages))
    name, title = box_of(boxes, "منير"), box_of(boxes, "التعاون")
    assert name[2] < PAGE_W / 2 and title[2] < PAGE_W / 2  # the left side of the page
    assert title[3] < name[1]  # the title above, room for the hand signature, then the name
    assert name[1] - title[3] > 10 * MM
    assert box_of(boxes, "المشترك")[3] < title[1]  # after the report's last section
    assert name[3] < box_of(boxes, "الوثيقة")[1]  # before the verification block


def test_the_signature_never_stands_alone_at_the_top_of_a_page(engine, tmp_path, example_data):
    """However long the last paragraph, the signature's page carries the end of it."""
    lh = letterhead(tmp_path / "lh")
    options = ExportOptions(engine=engine, letterhead=lh)
    words = example_data["sections"][-1]["paragraphs"][-1].split()
    for extra in range(0, 400, 23):  # the last paragraph ends across a whole page of positions
        data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
        data["sections"][-1]["paragraphs"][-1] = " ".join((words * 40)[: len(words) + extra])
        record = tmp_path / "record.yaml"
        record.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        pdf = tmp_path / "report.pdf"
        pdf.write_bytes(render(document_for(load(record), options), "pdf", options))
        pages = pdf_pages_text(pdf)
        (page,) = [n for n, text in enumerate(pages, 1) if has_phrase(text, SIGNATURE_NAME)]
        boxes = word_boxes(pdf, page)
        title_top = box_of(boxes, "التعاون")[1]
        # under the running header (its glyphs end 26 mm from the top), above the signature
        body = [b for b in boxes if 27 * MM < b[2] and b[4] < title_top]
        assert len(body) >= 3, (extra, page)


def test_every_page_has_the_footer_line_under_page_x_of_y(lh_pdf):
    pages = pdf_pages_text(lh_pdf)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert has_phrase(text, FOOTER), number
        assert has_phrase(text, f"صفحة {number} من {len(pages)}"), number
        boxes = word_boxes(lh_pdf, number)
        page_label, footer = box_of(boxes, "صفحة"), box_of(boxes, "العنوان")
        assert page_label[3] <= footer[1]  # the office's footer at the bottom, under the label
        assert abs((footer[0] + footer[2]) / 2 - PAGE_W / 2) < 60  # near the middle
        assert footer[3] < PAGE_H - 8 * MM


def test_a_four_line_footer_raises_the_bottom_margin_and_stays_on_the_paper(engine, tmp_path):
    lines = [
        "العنوان: شارع الحبيب بورقيبة، تونس",
        "الهاتف: +216 71 333 000",
        "الفاكس: +216 71 333 001",
        "www.interieur.gov.tn",
    ]
    text = LETTERHEAD.replace(
        "footer: [العنوان: شارع الحبيب بورقيبة، تونس]",
        "footer:\n" + "".join(f'  - "{line}"\n' for line in lines),
    )
    out = export(tmp_path, engine, text)
    for number, page in enumerate(pdf_pages_text(out), start=1):
        for line in lines:
            assert has_phrase(page, line), (number, line)
        boxes = word_boxes(out, number)
        assert max(b[4] for b in boxes) < PAGE_H - 8 * MM  # nothing within 8 mm of the edge
        label_top = box_of(boxes, "صفحة")[1]
        body = [b for b in boxes if b[4] < label_top - 5]
        assert body and max(b[4] for b in body) < label_top - 3 * MM  # the text clears it


def test_fonts_are_embedded_and_qpdf_finds_nothing_wrong(lh_pdf):
    fonts = pdffonts(lh_pdf)
    assert fonts and all(f["emb"] == "yes" for f in fonts), fonts
    need("qpdf")
    check = subprocess.run(["qpdf", "--check", str(lh_pdf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


# --- WeasyPrint only: the tagged PDF -----------------------------------------------------------


TAGGING = ["weasyprint", "typst"]  # the engines that write tagged PDF/UA-1


@pytest.mark.parametrize("tagger", TAGGING)
def test_the_logo_is_a_figure_with_its_alternative_text(letterhead_pdf, tagger):
    elements = struct_elements(letterhead_pdf(tagger))
    figures = [e for e in elements if e["role"] == "Figure"]
    emblem = [f for f in figures if f["alt"] and f["alt"].startswith("شعار")]
    assert len(emblem) == 1, [f["alt"] for f in figures]
    assert emblem[0]["alt"] == f"شعار: {' — '.join(RIGHT)}"  # the office's own lines
    left, bottom, right, top = (float(v) for v in emblem[0]["attributes"]["/BBox"])
    assert 0 < left < right <= PAGE_W and PAGE_H - 50 * MM < bottom < top <= PAGE_H


@pytest.mark.parametrize("tagger", TAGGING)
def test_in_a_bilingual_report_the_logo_is_described_in_both_languages(tmp_path, tagger):
    from support.records import BILINGUAL

    record = tmp_path / "bilingual.yaml"
    record.write_text(yaml.safe_dump(BILINGUAL, allow_unicode=True), "utf-8")
    lh = letterhead(tmp_path)
    out = tmp_path / "report.pdf"
    result = run_cli(
        "export", str(record), "--engine", tagger, "--lang", "ar+en", "--letterhead", str(lh),
        "-o", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    alts = [e["alt"] for e in struct_elements(out) if e["role"] == "Figure"]
    # the Arabic side's lines in Arabic, then the other side's in English
    assert f"شعار: {' — '.join(RIGHT)} / Emblem: {' — '.join(LEFT)}" in alts, alts


@pytest.mark.parametrize("tagger", TAGGING)
def test_page_one_lines_are_content_and_footer_lines_artifacts(letterhead_pdf, tagger):
    texts = [e["text"] for e in struct_elements(letterhead_pdf(tagger))]
    read = "".join(t[::-1] for t in texts)  # poppler gives Arabic in drawing order
    for phrase in (*RIGHT, BASMALA, SIGNATURE_NAME, SIGNATURE_TITLE):
        assert phrase in read, phrase
    assert all(line in texts for line in LEFT)
    assert "شارع الحبيب بورقيبة" not in read  # the footer, on every page, is furniture


@pytest.mark.parametrize("tagger", TAGGING)
def test_the_letterhead_pdf_passes_the_pdfua_checker(letterhead_pdf, tagger):
    import pdfua

    report = pdfua.validate(str(letterhead_pdf(tagger)))
    assert report.findings == (), [f.to_dict() for f in report.findings]
    assert {o.rule_id for o in report.skipped} <= {"UA-14-001"}, report.to_dict()["skipped"]


# --- ReportLab only: SVG through svglib --------------------------------------------------------


def refusal(result) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr.decode())
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    return lines[0]


def test_reportlab_without_svglib_refuses_an_svg_emblem_naming_svglib_and_png(
    tmp_path, monkeypatch
):
    from reportkit.writers.reportlab import writer as rl

    document = document_for(load(EXAMPLE), ExportOptions(letterhead=svg_letterhead(tmp_path)))
    for name in [m for m in sys.modules if m == "svglib" or m.startswith("svglib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "svglib", None)  # as if it were not installed
    with pytest.raises(UsageError, match=r"svglib.*PNG") as err:
        rl.render(document)
    assert "\n" not in str(err.value)


def test_a_long_thin_svg_emblem_with_text_is_drawn_within_its_column(engine, tmp_path):
    """The picture of an SVG with text is drawn at the size it is printed, within the emblem's
    column: a 100000 × 1 drawing is a few hundred pixels (drawn 25 mm high it was 35 GB, and
    the allocation failure killed the process)."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="1" '
        'viewBox="0 0 100000 1"><rect width="100000" height="1" fill="#1a3a5c"/>'
        '<text x="10" y="1" font-size="1">شعار</text></svg>'
    )
    path = svg_letterhead(tmp_path, svg)
    out = tmp_path / "thin.pdf"
    result = run_cli(
        "export",
        str(EXAMPLE),
        "--engine",
        engine,
        "--letterhead",
        str(path),
        "-o",
        str(out),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()
    with pikepdf.open(out) as pdf:
        sizes = [
            (image.width, image.height)
            for image in map(pikepdf.PdfImage, pdf.pages[0].get_images().values())
        ]
    assert all(w * h <= 600 * 300 for w, h in sizes), sizes
