"""The office's letterhead in the DOCX (`export -f docx --letterhead`), and a letterhead
`--docx-template` that leaves reportkit's own title alone. Every file is made by the real
command and read back with python-docx and the package's XML, then through LibreOffice's PDF with
poppler, PDFium and as pixels:

- page one's header is the letterhead: right block, emblem, left block in a layout table, the
  reference under it; the basmala above the title; the signature at the end, on the left; the
  footer lines on every page under "page X of Y";
- the emblem is a picture that says what it is in each language of the document;
- an SVG logo is the SVG itself (for Word) beside a PNG of it (for every other reader);
- a template with default styles keeps the title's font and centring; one that designed its
  Heading 1 keeps its own.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
import yaml
from docx.oxml.ns import qn
from docx.shared import Mm

from conftest import EXAMPLE, run_cli
from support.letterheads import (
    BASMALA,
    EMBLEM_RGB,
    FOOTER,
    LEFT,
    LETTERHEAD,
    MM,
    RIGHT,
    SIGNATURE_NAME,
    SIGNATURE_TITLE,
    SVG,
    TITLE,
    box_of,
    letterhead,
    png,
    word_boxes,
)
from support.readers import (
    KASHIDA_ARTIFACT,
    _pdfium_chars,
    docx_to_pdf,
    has_phrase,
    normalize,
    pdf_pages_text,
    pdffonts,
)
from support.records import BILINGUAL

WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
HEADER_ART = "Ministry of the Interior Letterhead"  # the plain template's own header text


def export(folder: Path, record: Path = EXAMPLE, *options: str, name: str = "report") -> Path:
    out = folder / f"{name}.docx"
    done = run_cli("export", str(record), "-f", "docx", *options, "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    return out


@pytest.fixture(scope="module")
def soffice():
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) and poppler are needed")


@pytest.fixture(scope="module")
def lh_docx(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lh-docx")
    return export(folder, EXAMPLE, "--letterhead", str(letterhead(folder)))


@pytest.fixture(scope="module")
def lh_pdf(lh_docx, soffice) -> Path:
    return docx_to_pdf(lh_docx, lh_docx.parent)


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lh-bilingual")
    record = folder / "record.yaml"
    record.write_text(yaml.safe_dump(BILINGUAL, allow_unicode=True), encoding="utf-8")
    lh = letterhead(folder)
    return export(folder, record, "--lang", "ar+en", "--letterhead", str(lh))


def plain_template(path: Path) -> Path:
    """A letterhead as an office makes one with python-docx: header text and an image, every
    style as the blank template has it."""
    template = docx.Document()
    p = template.sections[0].header.paragraphs[0]
    p.text = "Ministry of the Interior — Letterhead"
    p.add_run().add_picture(io.BytesIO(png(40, 40, (200, 30, 30))), width=Mm(15))
    template.save(str(path))
    return path


@pytest.fixture(scope="module")
def templated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lh-template")
    template = plain_template(folder / "plain.docx")
    return export(folder, EXAMPLE, "--docx-template", str(template))


def pages_text(pdf: Path) -> list[str]:
    """Each page's text as poppler reads LibreOffice's PDF, kashida glyphs taken out."""
    return [KASHIDA_ARTIFACT.sub("", page) for page in pdf_pages_text(pdf)]


def line_of(boxes, word: str) -> tuple[float, float, float]:
    """(left, right, vertical centre) of the line of words `word` stands on."""
    _, top, _, bottom = box_of(boxes, word)
    centre = (top + bottom) / 2
    line = [b for b in boxes if abs((b[2] + b[4]) / 2 - centre) < 3]
    return min(b[1] for b in line), max(b[3] for b in line), centre


def page_width(pdf: Path) -> float:
    import pikepdf

    with pikepdf.open(pdf) as document:
        return float(document.pages[0].mediabox[2])


def first_header(path: Path):
    section = docx.Document(str(path)).sections[0]
    assert section.different_first_page_header_footer  # w:titlePg
    return section.first_page_header._element, section.header._element


def text_of(element) -> str:
    return normalize("".join(t.text or "" for t in element.iter(qn("w:t")))).replace("\u2060", "")


# --- page one ----------------------------------------------------------------------------------


def test_page_one_header_is_the_letterhead_in_a_layout_table(lh_docx):
    first, running = first_header(lh_docx)
    [table] = first.findall(qn("w:tbl"))
    cells = table.findall(f"{qn('w:tr')}/{qn('w:tc')}")
    assert len(cells) == 3
    # a right-to-left table: the first cell is on the right, and read first
    assert table.find(f"{qn('w:tblPr')}/{qn('w:bidiVisual')}") is not None
    assert [text_of(c) for c in cells] == ["".join(RIGHT), "", "".join(LEFT)]
    assert cells[1].find(f".//{{{WP}}}inline") is not None  # the emblem in the middle
    for cell in (cells[0], cells[2]):
        for p in cell.findall(qn("w:p")):
            assert p.find(f"{qn('w:pPr')}/{qn('w:jc')}").get(qn("w:val")) == "center"
    # a layout table says so, and has no header row or column to announce
    props = table.find(qn("w:tblPr"))
    assert "ترويسة" in props.find(qn("w:tblDescription")).get(qn("w:val"))
    look = props.find(qn("w:tblLook"))
    assert look.get(qn("w:firstRow")) == "0" and look.get(qn("w:firstColumn")) == "0"
    assert props.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    # the other pages keep the running header, without the letterhead
    assert "التونسية" not in text_of(running)
    assert "47/2023" in text_of(running)


def test_page_one_has_the_letterhead_the_basmala_and_the_title(lh_docx, lh_pdf):
    first = pages_text(lh_pdf)[0]
    for phrase in (*RIGHT, *LEFT, TITLE, "المرجع: م ق ش/47/2023"):
        assert has_phrase(first, phrase), phrase
    # LibreOffice sets الله as one ligature, which poppler reads back as "اهلل": the other
    # words, and the whole basmala in the file itself
    for word in ("بسم", "الرحمن", "الرحيم"):
        assert has_phrase(first, word), word
    body = docx.Document(str(lh_docx)).element.body
    paragraphs = [text_of(p) for p in body.iter(qn("w:p"))]
    assert paragraphs.index(BASMALA) < paragraphs.index(TITLE)


def test_right_lines_stand_right_and_left_lines_left(lh_pdf):
    boxes = word_boxes(lh_pdf, 1)
    middle = page_width(lh_pdf) / 2
    assert all(box_of(boxes, w)[0] > middle + 20 * MM for w in ("التونسية", "الداخلية"))
    assert all(box_of(boxes, w)[2] < middle - 20 * MM for w in ("Tunisienne", "l'Intérieur"))
    # the basmala and the title are centred on the text
    for word in ("الرحيم", "والأربعون"):
        left, right, _ = line_of(boxes, word)
        assert abs((left + right) / 2 - middle) < 6, word


def test_the_date_faces_the_reference_on_one_line_under_the_band(lh_docx, lh_pdf):
    first, _ = first_header(lh_docx)
    [line] = [p for p in first.findall(qn("w:p")) if "المرجع" in text_of(p)]
    shown = text_of(line).replace("\u200e", "").replace("\u200f", "")  # the runs' marks
    assert shown == normalize("المرجع: م ق ش/47/2023التاريخ: 1445/05/02هـ الموافق 2023/11/16م")
    # a tab to an end-aligned stop at the far edge, the header style's own stops cleared
    stops = line.findall(f"{qn('w:pPr')}/{qn('w:tabs')}/{qn('w:tab')}")
    assert [t.get(qn("w:val")) for t in stops] == ["clear", "clear", "end"]
    assert len(line.findall(f"{qn('w:r')}/{qn('w:tab')}")) == 1
    boxes = word_boxes(lh_pdf, 1)
    middle = page_width(lh_pdf) / 2
    reference, date = box_of(boxes, "المرجع"), box_of(boxes, "التاريخ")
    assert reference[0] > middle and date[2] < middle
    assert abs((reference[1] + reference[3]) / 2 - (date[1] + date[3]) / 2) < 3  # one line
    gregorian = [b[1:] for b in boxes if "2023/11/16" in b[0]][0]
    section = docx.Document(str(lh_docx)).sections[0]
    assert abs(gregorian[0] - section.left_margin.pt) < 3 * MM  # it ends at the left margin


def emblem_on_page_one(pdf: Path, tmp_path: Path) -> tuple[tuple[int, int, int, int], int]:
    """The emblem's box on page one at 72 dpi (its colour's pixels), and the page's width."""
    from PIL import Image, ImageChops

    subprocess.run(
        ["pdftoppm", "-png", "-r", "72", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    (page,) = tmp_path.glob("p*.png")
    image = Image.open(page).convert("RGB")
    solid = Image.new("RGB", image.size, EMBLEM_RGB)
    mask = ImageChops.difference(image, solid).convert("L").point(lambda v: 255 if v < 24 else 0)
    return mask.getbbox(), image.size[0]


def test_the_emblem_is_centred_and_about_25_mm_tall(lh_pdf, tmp_path):
    (left, top, right, bottom), width = emblem_on_page_one(lh_pdf, tmp_path)
    assert 22 * MM <= bottom - top <= 28 * MM
    assert abs((right - left) - (bottom - top)) <= 2  # a square emblem stays square
    assert abs((left + right) / 2 - width / 2) < 3 * MM
    assert top < 40 * MM  # at the top of the page


# --- the emblem -----------------------------------------------------------------------------


def test_the_emblem_says_what_it_is_in_each_language(bilingual):
    first, _ = first_header(bilingual)
    [inline] = first.iter(f"{{{WP}}}inline")
    doc_pr = inline.find(f"{{{WP}}}docPr")
    # the office's own emblem, named by the letterhead's lines: Arabic side, then the other
    assert doc_pr.get("descr").split("\n") == [
        f"شعار: {' — '.join(RIGHT)}",
        f"Emblem: {' — '.join(LEFT)}",
    ]
    assert doc_pr.get("title") == "شعار / Emblem"
    # its own id, apart from the body's pictures (the verification code)
    body_ids = {d.get("id") for d in docx.Document(str(bilingual)).element.body.iter(doc_pr.tag)}
    assert doc_pr.get("id") not in body_ids
    extent = inline.find(f"{{{WP}}}extent")
    assert int(extent.get("cy")) == Mm(25)
    assert int(extent.get("cx")) == int(extent.get("cy"))  # the 64×64 emblem's proportions


SVG_BLIP = "{http://schemas.microsoft.com/office/drawing/2016/SVG/main}svgBlip"
A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"


@pytest.fixture(scope="module")
def svg_docx(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lh-svg")
    lh = letterhead(folder, LETTERHEAD.replace("emblem.png", "emblem.svg"))
    (folder / "emblem.svg").write_text(SVG, encoding="utf-8")
    return export(folder, EXAMPLE, "--letterhead", str(lh))


def test_an_svg_emblem_is_the_svg_itself_beside_a_png_of_it(svg_docx):
    from PIL import Image

    word = docx.Document(str(svg_docx))
    header = word.sections[0].first_page_header
    [inline] = header._element.iter(f"{{{WP}}}inline")
    [blip] = inline.iter(A_BLIP)
    [svg_blip] = blip.iter(SVG_BLIP)
    # Word draws the SVG: the letterhead's own file, byte for byte, as an SVG part
    svg = header.part.related_parts[svg_blip.get(qn("r:embed"))]
    assert svg.content_type == "image/svg+xml"
    assert svg.blob == SVG.encode("utf-8")
    # every other reader draws the PNG the blip names: the emblem at 300 dpi for 25 mm
    png = header.part.related_parts[blip.get(qn("r:embed"))]
    assert png.content_type == "image/png"
    image = Image.open(io.BytesIO(png.blob))
    assert abs(image.height - 295) <= 1 and abs(image.width / image.height - 100 / 120) < 0.01
    assert image.convert("RGB").getpixel((5, 5)) == EMBLEM_RGB
    assert image.convert("RGB").getpixel((123, 147)) == (255, 255, 255)  # the circle
    extent = inline.find(f"{{{WP}}}extent")
    assert int(extent.get("cy")) == Mm(25)
    assert abs(int(extent.get("cx")) / int(extent.get("cy")) - 100 / 120) < 0.01


def test_an_svg_emblem_is_drawn_on_page_one_through_libreoffice(svg_docx, soffice, tmp_path):
    pdf = docx_to_pdf(svg_docx, tmp_path)
    first = pages_text(pdf)[0]
    assert has_phrase(first, RIGHT[0]) and has_phrase(first, TITLE)
    (left, top, right, bottom), width = emblem_on_page_one(pdf, tmp_path)
    assert 22 * MM <= bottom - top <= 28 * MM
    assert abs((right - left) / (bottom - top) - 100 / 120) < 0.05  # its proportions kept
    assert abs((left + right) / 2 - width / 2) < 3 * MM
    assert top < 40 * MM


def test_an_svg_emblem_that_cannot_be_drawn_is_one_line(tmp_path):
    (tmp_path / "emblem.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="-3" height="5"><rect width="1" '
        'height="1"/></svg>',
        encoding="utf-8",
    )
    lh = letterhead(tmp_path, LETTERHEAD.replace("emblem.png", "emblem.svg"))
    out = tmp_path / "report.docx"
    done = run_cli("export", str(EXAMPLE), "-f", "docx", "--letterhead", str(lh), "-o", str(out))
    assert done.returncode == 2, done.stderr.decode()
    [message] = done.stderr.decode().strip().splitlines()
    assert f"{lh}: logo emblem.svg: the SVG cannot be drawn" in message and "PNG" in message
    assert not out.exists()


def test_without_resvg_an_svg_emblem_is_refused_naming_it_and_png(tmp_path, monkeypatch):
    import sys

    from reportkit.errors import UsageError
    from reportkit.export import ExportOptions, document_for, load
    from reportkit.writers.docx import writer as docx_writer

    lh = letterhead(tmp_path, LETTERHEAD.replace("emblem.png", "emblem.svg"))
    (tmp_path / "emblem.svg").write_text(SVG, encoding="utf-8")
    document = document_for(load(EXAMPLE), ExportOptions(letterhead=lh))
    monkeypatch.setitem(sys.modules, "resvg_py", None)  # as if it were not installed
    with pytest.raises(UsageError, match=r"resvg-py.*PNG") as err:
        docx_writer.render(document)
    assert "\n" not in str(err.value)


# --- the end of the report and every page -----------------------------------------------------


def test_signature_closes_the_report_on_the_left_kept_together(lh_docx, lh_pdf):
    body = docx.Document(str(lh_docx)).element.body
    blocks = list(body)
    paragraphs = [(i, e) for i, e in enumerate(blocks) if e.tag == qn("w:p")]
    [(at_title, title)] = [(i, p) for i, p in paragraphs if text_of(p) == SIGNATURE_TITLE]
    [(at_name, name)] = [(i, p) for i, p in paragraphs if text_of(p) == SIGNATURE_NAME]
    verification = max(i for i, e in enumerate(blocks) if e.tag == qn("w:tbl"))
    assert at_title < at_name < verification  # the title, then the name, then the verification
    for p in (title, name):
        assert p.find(f"{qn('w:pPr')}/{qn('w:keepLines')}") is not None
    assert title.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None
    last = pages_text(lh_pdf)[-1]
    assert has_phrase(last, SIGNATURE_TITLE) and has_phrase(last, SIGNATURE_NAME)
    boxes = word_boxes(lh_pdf, len(pdf_pages_text(lh_pdf)))
    middle = page_width(lh_pdf) / 2
    for word in ("التعاون", "منير"):
        assert box_of(boxes, word)[2] < middle, word
    assert box_of(boxes, "التعاون")[1] < box_of(boxes, "منير")[1]  # the title above the name


def test_every_page_has_the_footer_lines_and_its_page_number(lh_pdf):
    pages = pages_text(lh_pdf)
    assert len(pages) > 1
    for n, page in enumerate(pages, 1):
        assert has_phrase(page, FOOTER), n
        assert has_phrase(page, f"صفحة {n} من {len(pages)}"), n


def test_bilingual_footer_keeps_both_page_labels_and_the_footer_lines(bilingual):
    section = docx.Document(str(bilingual)).sections[0]
    for footer in (section.footer, section.first_page_footer):
        text = text_of(footer._element)
        assert "صفحة" in text and "Page" in text and normalize(FOOTER) in text


# --- a letterhead template ----------------------------------------------------------------------


def effective(styles, style_id: str, path: str):
    """The first `path` (e.g. "w:pPr/w:jc") along the style's basedOn chain, or None."""
    by_id = {s.get(qn("w:styleId")): s for s in styles.findall(qn("w:style"))}
    while style_id in by_id:
        style = by_id[style_id]
        found = style.find("/".join(qn(p) for p in path.split("/")))
        if found is not None:
            return found
        based = style.find(qn("w:basedOn"))
        style_id = based.get(qn("w:val")) if based is not None else None
    return None


def test_a_plain_template_keeps_reportkits_title_in_the_file(templated):
    word = docx.Document(str(templated))
    [title] = [p for p in word.paragraphs if text_of(p._p) == TITLE]
    style_id = title._p.pPr.find(qn("w:pStyle")).get(qn("w:val"))
    styles = word.styles.element
    assert effective(styles, style_id, "w:pPr/w:jc").get(qn("w:val")) == "center"
    assert effective(styles, style_id, "w:rPr/w:rFonts").get(qn("w:cs")) == "Noto Naskh Arabic"


def test_a_plain_template_keeps_reportkits_title_on_the_page(templated, soffice):
    pdf = docx_to_pdf(templated, templated.parent)
    assert any(f["name"].endswith("NotoNaskhArabic-Bold") for f in pdffonts(pdf))
    boxes = word_boxes(pdf, 1)
    left, right, title_line = line_of(boxes, "والأربعون")
    section = docx.Document(str(templated)).sections[0]
    text_left = section.left_margin.pt
    text_right = section.page_width.pt - section.right_margin.pt
    assert abs((left + right) / 2 - (text_left + text_right) / 2) < 6
    # every character of the title line is drawn in the Arabic font, bold
    height = section.page_height.pt
    fonts = {
        font
        for _, char, (_, low, _, high), font in _pdfium_chars(pdf, [0])
        if char.strip() and abs(height - (low + high) / 2 - title_line) < 6
    }
    assert fonts == {"NotoNaskhArabic-Bold"}, fonts
    # the template's own header text is whole: the embedded subset has its letters
    assert has_phrase(pages_text(pdf)[0], HEADER_ART)


def test_a_template_that_designed_its_heading_keeps_it(tmp_path):
    template = docx.Document()
    heading = template.styles["Heading 1"]
    heading.font.name = "DejaVu Serif"  # w:ascii and w:hAnsi: the office chose a font
    heading.element.rPr.find(qn("w:rFonts")).set(qn("w:cs"), "DejaVu Sans")
    template.save(str(tmp_path / "designed.docx"))
    out = export(tmp_path, EXAMPLE, "--docx-template", str(tmp_path / "designed.docx"))
    word = docx.Document(str(out))
    [title] = [p for p in word.paragraphs if text_of(p._p) == TITLE]
    rfonts = word.styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
    assert (rfonts.get(qn("w:ascii")), rfonts.get(qn("w:cs"))) == ("DejaVu Serif", "DejaVu Sans")
    # its runs name no font over the style's
    for run in title._p.iter(qn("w:r")):
        rfonts = run.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        assert rfonts is None or rfonts.get(qn("w:cs")) is None
    # and the style keeps its own alignment (none: the start side), not reportkit's centring
    assert word.styles["Heading 1"].element.pPr.find(qn("w:jc")) is None


def test_a_long_thin_svg_emblem_gets_a_png_the_size_of_its_column(tmp_path):
    """The PNG beside an SVG emblem is drawn within the emblem's column and 25 mm: a 100000 × 1
    drawing gives a few hundred pixels (drawn 25 mm high it was 35 GB, and the allocation
    failure killed the process)."""
    from PIL import Image

    lh = letterhead(tmp_path, LETTERHEAD.replace("emblem.png", "emblem.svg"))
    (tmp_path / "emblem.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="1" '
        'viewBox="0 0 100000 1"><rect width="100000" height="1"/></svg>',
        encoding="utf-8",
    )
    out = export(tmp_path, EXAMPLE, "--letterhead", str(lh))
    word = docx.Document(str(out))
    pngs = [
        Image.open(io.BytesIO(part.blob)).size
        for part in word.part.package.parts
        if part.content_type == "image/png"
    ]
    thin = [(w, h) for w, h in pngs if w > 10 * h]  # the emblem's (the other is the QR code)
    assert thin and all(w <= 600 for w, _ in thin), pngs
