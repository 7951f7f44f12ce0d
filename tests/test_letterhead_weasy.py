"""The office's letterhead in the WeasyPrint PDF (`export --letterhead`, the default engine), read
back with real readers (poppler, pikepdf, pdfua) and looked at as pixels, as the ReportLab PDF is
in test_letterhead_reportlab: the right and left blocks with the emblem between them, the
reference and the basmala on page one, the signature at the left of the last page, the footer
lines on every page; in the tagged PDF the emblem is a Figure with its alternative text, the
letterhead's lines on page one are content and the footer lines artifacts. No mocks."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pytest
import yaml

from conftest import EXAMPLE, run_cli
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
    pixels,
    word_boxes,
)
from support.readers import has_phrase, pdf_pages_text, struct_elements


def export(folder: Path, text: str = LETTERHEAD, *extra: str, record: Path = EXAMPLE) -> Path:
    lh = letterhead(folder, text)
    out = folder / "report.pdf"
    result = run_cli("export", str(record), "--letterhead", str(lh), *extra, "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    return out


@pytest.fixture(scope="module")
def lh_pdf(tmp_path_factory) -> Path:
    return export(tmp_path_factory.mktemp("letterhead"))


# --- page one ----------------------------------------------------------------------------------


def test_page_one_has_the_letterhead_the_reference_the_basmala_and_the_title(lh_pdf):
    pages = pdf_pages_text(lh_pdf)
    first = pages[0]
    for phrase in (*RIGHT, *LEFT, BASMALA, TITLE):
        assert has_phrase(first, phrase), phrase
    assert has_phrase(first, "المرجع: م ق ش/47/2023")  # under the band, as well as in the fields
    assert len(re.findall("47/2023", first)) == 2
    assert not any(has_phrase(p, BASMALA) or has_phrase(p, RIGHT[1]) for p in pages[1:])


def test_right_lines_stand_right_left_lines_left_above_the_basmala_and_title(lh_pdf):
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
    basmala_top = box_of(boxes, "الرحيم")[1]
    assert all(b[3] < basmala_top for b in right + left)
    assert basmala_top < box_of(boxes, "السابع")[1]
    assert min(b[1] for b in right + left) < 30 * MM  # higher than the running header's place


def drawn_images(page: pikepdf.Page) -> list[tuple[int, int]]:
    """The pixel sizes of the images a page draws (WeasyPrint shares one resource dictionary
    between pages: what a page lists is not what it draws). Form XObjects are looked into."""

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


def test_the_logo_is_an_image_of_its_pixel_size_on_page_one_only(lh_pdf):
    with pikepdf.open(lh_pdf) as pdf:
        drawn = [drawn_images(page) for page in pdf.pages]
    assert drawn[0] == [(64, 64)]
    assert all(images == [] for images in drawn[1:])


def test_the_logo_is_centred_between_the_blocks_about_25_mm_high(lh_pdf, tmp_path):
    left, top, right, bottom = emblem_box(pixels(lh_pdf, 1, tmp_path))
    assert 22 * MM <= bottom - top <= 28 * MM
    assert abs((bottom - top) - (right - left)) <= 2
    assert abs((left + right) / 2 - PAGE_W / 2) <= 2
    assert top < 30 * MM


def test_an_svg_logo_is_drawn_from_its_data(tmp_path):
    (tmp_path / "emblem.svg").write_text(SVG, encoding="utf-8")
    out = export(tmp_path, LETTERHEAD.replace("emblem.png", "emblem.svg"))
    left, top, right, bottom = emblem_box(pixels(out, 1, tmp_path))
    assert 22 * MM <= bottom - top <= 28 * MM
    assert abs((right - left) / (bottom - top) - 100 / 120) < 0.05  # its proportions kept


def test_with_a_marking_the_letterhead_stands_below_the_marking_band(tmp_path):
    out = export(tmp_path, LETTERHEAD, "--marking", "سري")
    boxes = word_boxes(out, 1)
    marking = box_of(boxes, "سري")
    assert all(marking[3] < box_of(boxes, w)[1] for w in ("الجمهورية", "République"))


# --- the last page and every page --------------------------------------------------------------


def test_the_signature_ends_the_report_on_the_left_title_above_name(lh_pdf):
    pages = pdf_pages_text(lh_pdf)
    assert has_phrase(pages[-1], SIGNATURE_NAME) and has_phrase(pages[-1], SIGNATURE_TITLE)
    assert not any(has_phrase(p, SIGNATURE_NAME) for p in pages[:-1])
    boxes = word_boxes(lh_pdf, len(pages))
    name, title = box_of(boxes, "منير"), box_of(boxes, "التعاون")
    assert name[2] < PAGE_W / 2 and title[2] < PAGE_W / 2
    assert title[3] < name[1] and name[1] - title[3] > 10 * MM
    assert box_of(boxes, "المشترك")[3] < title[1]  # after the last section
    assert name[3] < box_of(boxes, "الوثيقة")[1]  # before the verification block


def test_the_signature_never_stands_alone_at_the_top_of_a_page(tmp_path, example_data):
    """Whatever the last paragraph's length, the signature's page carries the end of it."""
    words = example_data["sections"][-1]["paragraphs"][-1].split()
    lh = letterhead(tmp_path / "lh")
    for extra in range(0, 400, 67):
        data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
        data["sections"][-1]["paragraphs"][-1] = " ".join((words * 40)[: len(words) + extra])
        record = tmp_path / "record.yaml"
        record.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        out = tmp_path / "report.pdf"
        result = run_cli("export", str(record), "--letterhead", str(lh), "-o", str(out))
        assert result.returncode == 0, result.stderr.decode()
        pages = pdf_pages_text(out)
        (page,) = [n for n, text in enumerate(pages, 1) if has_phrase(text, SIGNATURE_NAME)]
        boxes = word_boxes(out, page)
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
        assert page_label[3] <= footer[1]
        assert abs((footer[0] + footer[2]) / 2 - PAGE_W / 2) < 60  # near the middle
        assert footer[3] < PAGE_H - 8 * MM


def test_a_four_line_footer_raises_the_bottom_margin_and_stays_on_the_paper(tmp_path):
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
    out = export(tmp_path, text)
    for number, page in enumerate(pdf_pages_text(out), start=1):
        for line in lines:
            assert has_phrase(page, line), (number, line)
        boxes = word_boxes(out, number)
        assert max(b[4] for b in boxes) < PAGE_H - 8 * MM
        label_top = box_of(boxes, "صفحة")[1]
        body = [b for b in boxes if b[4] < label_top - 5]
        assert body and max(b[4] for b in body) < label_top


# --- the tagged PDF ----------------------------------------------------------------------------


def test_the_logo_is_a_figure_with_its_alternative_text(lh_pdf):
    elements = struct_elements(lh_pdf)
    figures = [e for e in elements if e["role"] == "Figure"]
    emblem = [f for f in figures if f["alt"] and f["alt"].startswith("شعار")]
    assert len(emblem) == 1, [f["alt"] for f in figures]
    assert emblem[0]["alt"] == f"شعار: {' — '.join(RIGHT)}"  # the office's own lines
    left, bottom, right, top = (float(v) for v in emblem[0]["attributes"]["/BBox"])
    assert 0 < left < right <= PAGE_W and PAGE_H - 50 * MM < bottom < top <= PAGE_H


def test_page_one_lines_are_content_and_footer_lines_artifacts(lh_pdf):
    texts = [e["text"] for e in struct_elements(lh_pdf)]
    read = "".join(t[::-1] for t in texts)  # poppler gives Arabic in drawing order
    for phrase in (*RIGHT, BASMALA, SIGNATURE_NAME, SIGNATURE_TITLE):
        assert phrase in read, phrase
    assert all(line in texts for line in LEFT)
    assert "شارع الحبيب بورقيبة" not in read  # the footer, on every page, is furniture


def test_the_pdfua_checker_finds_nothing(lh_pdf):
    import pdfua

    report = pdfua.validate(str(lh_pdf))
    assert report.findings == (), [f.to_dict() for f in report.findings]
    assert {o.rule_id for o in report.skipped} <= {"UA-14-001"}, report.to_dict()["skipped"]
