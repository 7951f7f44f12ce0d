"""The DOCX export is accessible: Word's navigation pane, its accessibility checker and screen
readers find what they need. Every file is made by the real command and read back with
python-docx and the package's XML; LibreOffice's PDF bookmarks show the headings are real.

- pictures say what they are: the verification code in each language of the document, a
  letterhead's header art marked decorative unless it describes itself;
- the core properties name the document's title and language;
- the title and headings are Word's built-in Heading 1 and Heading 2, in order;
- tables say what they hold and read label before value.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import docx
import pytest
import yaml
from docx.oxml.ns import qn

from conftest import EXAMPLE, run_cli
from support.readers import docx_to_pdf, outline_entries
from support.records import BILINGUAL

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
PIC = "http://schemas.openxmlformats.org/drawingml/2006/picture"
ADEC = "http://schemas.microsoft.com/office/drawing/2017/decorative"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS = {"w": W, "wp": WP, "pic": PIC, "adec": ADEC, "a": A}
ARABIC_LETTER = re.compile("[\u0620-\u064a]")
INVISIBLE = re.compile("[\u200e\u200f\u2060]")  # direction marks and word joiners in the runs

# Human translations for every text, so that --lang ar+en needs no translation model.


def export(folder: Path, record: Path, name: str, *options: str) -> Path:
    out = folder / f"{name}.docx"
    done = run_cli("export", str(record), "-f", "docx", "-o", str(out), *options)
    assert done.returncode == 0, done.stderr.decode()
    return out


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    return export(tmp_path_factory.mktemp("a11y-example"), EXAMPLE, "example")


@pytest.fixture(scope="module")
def example_data() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("a11y-bilingual")
    record = folder / "record.yaml"
    record.write_text(yaml.safe_dump(BILINGUAL, allow_unicode=True), encoding="utf-8")
    return export(folder, record, "bilingual", "--lang", "ar+en")


@pytest.fixture(scope="module")
def soffice():
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")


def body(path: Path):
    return docx.Document(str(path)).element.body


def pictures(root) -> list:
    """(wp:docPr, pic:cNvPr or None) of every drawing under `root`."""
    out = []
    for doc_pr in root.iter(f"{{{WP}}}docPr"):
        c_nv_pr = doc_pr.getparent().find(f".//{{{PIC}}}cNvPr")
        out.append((doc_pr, c_nv_pr))
    return out


def text(element) -> str:
    """The text under `element`, a tab as a tab, without the invisible marks."""
    pieces = (
        ("\t" if e.getparent().tag == qn("w:r") else "") if e.tag == qn("w:tab") else e.text or ""
        for e in element.iter(qn("w:t"), qn("w:tab"))
    )
    return INVISIBLE.sub("", "".join(pieces))


# -- pictures ----------------------------------------------------------------------------------


def test_verification_code_says_what_it_carries(example, example_data):
    [(doc_pr, c_nv_pr)] = pictures(body(example))
    reference = example_data["conference"]["reference"]
    assert doc_pr.get("title") == "رمز التحقق"
    description = doc_pr.get("descr")
    assert description == f"رمز التحقق: المرجع {reference} وبصمة السجل (SHA-256)"
    assert c_nv_pr.get("descr") == description  # where Word writes it too


def test_bilingual_verification_code_speaks_both_languages(bilingual):
    [(doc_pr, _)] = pictures(body(bilingual))
    arabic, english = doc_pr.get("descr").split("\n")
    assert arabic == "رمز التحقق: المرجع GS/12/2024 وبصمة السجل (SHA-256)"
    assert english == "Verification code: reference GS/12/2024 and record fingerprint (SHA-256)"
    assert doc_pr.get("title") == "رمز التحقق / Verification code"


def png() -> bytes:
    from reportkit.verification import verification_qr_png

    return verification_qr_png("logo", "0" * 64)


def letterhead(path: Path) -> Path:
    """A letterhead with two pictures in its header: a logo that says nothing of itself and a
    seal that its author described."""
    from docx.shared import Inches

    d = docx.Document()
    p = d.sections[0].header.paragraphs[0]
    p.text = "LETTERHEAD "
    p.add_run().add_picture(io.BytesIO(png()), width=Inches(0.6))
    seal = p.add_run().add_picture(io.BytesIO(png()), width=Inches(0.4))
    seal._inline.docPr.set("descr", "ختم الوزارة")
    d.add_paragraph("Placeholder body text of the letterhead")
    d.save(str(path))
    return path


def test_letterhead_pictures_are_decorative_unless_described(tmp_path):
    template = letterhead(tmp_path / "letterhead.docx")
    out = export(tmp_path, EXAMPLE, "letter", "--docx-template", str(template))
    word = docx.Document(str(out))
    header = word.sections[0].header._element
    assert "LETTERHEAD" in text(header)
    found = pictures(header)
    assert len(found) == 2
    described = [d for d, _ in found if d.get("descr")]
    undescribed = [d for d, _ in found if not d.get("descr")]
    assert [d.get("descr") for d in described] == ["ختم الوزارة"]  # the author's words stay
    [logo] = undescribed
    mark = logo.find("a:extLst/a:ext/adec:decorative", NS)
    assert mark is not None and mark.get("val") == "1"
    assert mark.getparent().get("uri") == "{C183D7F6-B498-43B3-948B-1728B52AA6E4}"
    for doc_pr in described:
        assert doc_pr.find(".//adec:decorative", NS) is None
    # the report's own picture still has its text
    [(code, _)] = pictures(word.element.body)
    assert code.get("descr").startswith("رمز التحقق")


# -- properties --------------------------------------------------------------------------------


def test_core_properties_name_title_language_subject_and_creator(example, example_data):
    props = docx.Document(str(example)).core_properties
    conference = example_data["conference"]
    assert props.title == conference["title"]["ar"]
    assert props.language == "ar"
    assert props.author == conference["organizer"]
    assert props.subject


def test_bilingual_properties_are_the_first_language(bilingual):
    props = docx.Document(str(bilingual)).core_properties
    assert props.title == BILINGUAL["conference"]["title"]["ar"]
    assert props.language == "ar"


def test_the_office_locale_names_the_language(tmp_path):
    out = export(tmp_path, EXAMPLE, "morocco", "--locale", "ar-MA")
    assert docx.Document(str(out)).core_properties.language == "ar-MA"


def test_language_defaults_cover_both_columns(bilingual):
    styles = docx.Document(str(bilingual)).styles.element
    lang = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert (lang.get(qn("w:val")), lang.get(qn("w:bidi"))) == ("en-GB", "ar-SA")


# -- headings ----------------------------------------------------------------------------------


def headings(path: Path) -> list[tuple[int, str]]:
    """(level, text) of every paragraph in a built-in heading style, in document order (table
    cells included), the level read from the style's name as Word knows it ("heading 2")."""
    word = docx.Document(str(path))
    levels = {}
    for style in word.styles.element.iterfind("w:style", NS):
        name = style.find("w:name", NS).get(qn("w:val"))
        match = re.fullmatch(r"heading ([1-9])", name)
        if match:
            level = int(match.group(1))
            outline = style.find("w:pPr/w:outlineLvl", NS)
            assert outline is not None and outline.get(qn("w:val")) == str(level - 1), name
            levels[style.get(qn("w:styleId"))] = level
    out = []
    for p in word.element.body.iter(qn("w:p")):
        style = p.find("w:pPr/w:pStyle", NS)
        if style is not None and style.get(qn("w:val")) in levels:
            out.append((levels[style.get(qn("w:val"))], text(p)))
    return out


def assert_in_order(found: list[tuple[int, str]]) -> None:
    """A heading 1 first, and no level skipped on the way down."""
    assert found and found[0][0] == 1, found
    for (before, _), (level, name) in zip(found, found[1:], strict=False):
        assert level <= before + 1, (name, found)


def test_title_and_sections_are_heading_1_and_2(example, example_data):
    from reportkit.labels import label

    found = headings(example)
    assert_in_order(found)
    assert found[0] == (1, example_data["conference"]["title"]["ar"])
    expected = [label("ar", k) for k in ("summary", "participants", "topics", "recommendations")]
    expected += [s["heading"] for s in example_data["sections"]]
    assert found[1:] == [(2, name) for name in expected]


def test_bilingual_headings_are_in_order_in_both_languages(bilingual):
    found = headings(bilingual)
    assert_in_order(found)
    title = BILINGUAL["conference"]["title"]
    assert found[:2] == [(1, title["ar"]), (1, title["en"])]
    assert (2, "Summary") in found and (2, "Proceedings") in found
    assert found.index((2, "ملخص")) + 1 == found.index((2, "Summary"))


def test_headings_keep_reportkit_look(example):
    styles = {
        s.get(qn("w:styleId")): s
        for s in docx.Document(str(example)).styles.element.iterfind("w:style", NS)
    }
    title, section = styles["Heading1"], styles["Heading2"]
    assert title.find("w:rPr/w:szCs", NS).get(qn("w:val")) == "38"
    assert title.find("w:pPr/w:jc", NS).get(qn("w:val")) == "center"
    assert title.find("w:pPr/w:pBdr/w:bottom", NS) is not None  # the rule under the title
    assert section.find("w:rPr/w:szCs", NS).get(qn("w:val")) == "28"
    for style in (title, section):
        assert style.find("w:pPr/w:bidi", NS) is not None
        assert style.find("w:rPr/w:rFonts", NS).get(qn("w:cs")) == "Noto Naskh Arabic"
        assert style.find("w:pPr/w:keepNext", NS) is not None


# -- tables ------------------------------------------------------------------------------------


def tables(path: Path) -> list:
    return list(body(path).iter(qn("w:tbl")))


def look(table) -> dict[str, str]:
    element = table.find("w:tblPr/w:tblLook", NS)
    return {k: element.get(qn(f"w:{k}")) for k in ("firstRow", "firstColumn")}


def description(table) -> str | None:
    element = table.find("w:tblPr/w:tblDescription", NS)
    return None if element is None else element.get(qn("w:val"))


def test_bilingual_table_describes_itself(bilingual):
    pairs = next(t for t in tables(bilingual) if "Summary" in text(t))
    arabic, english = description(pairs).split("\n")
    assert english == "Arabic text and its English translation, side by side"
    assert ARABIC_LETTER.search(arabic)
    assert look(pairs) == {"firstRow": "0", "firstColumn": "0"}  # no row of headers to repeat


def test_every_body_table_says_what_it_holds(example, bilingual):
    for path in (example, bilingual):
        for table in tables(path):
            assert description(table), text(table)[:40]
            assert look(table)["firstRow"] == "0", text(table)[:40]


def test_title_block_reads_label_then_value(example, bilingual, example_data):
    from reportkit.labels import label

    block = tables(example)[0]
    assert look(block) == {"firstRow": "0", "firstColumn": "1"}  # the labels are the headers
    first = block.find("w:tr", NS).findall("w:tc", NS)
    assert [text(c) for c in first] == [
        label("ar", "number"),
        str(example_data["conference"]["number"]),
    ]
    # In a bilingual handout each cell holds one language's label, a tab, then its value: in a
    # right-to-left table a left-to-right pair of cells would read value before label.
    block = next(t for t in tables(bilingual) if "Venue" in text(t))
    rows = {text(c).split("\t")[0]: text(c) for c in block.iter(qn("w:tc"))}
    assert rows["Venue"] == "Venue\tTunis"
    assert rows[label("ar", "venue")] == f"{label('ar', 'venue')}\tتونس"
    cells = [text(c) for c in block.find("w:tr", NS).findall("w:tc", NS)]
    assert [ARABIC_LETTER.search(c) is not None for c in cells] == [True, False]


# -- LibreOffice -------------------------------------------------------------------------------


def test_libreoffice_bookmarks_list_the_headings(example, example_data, soffice, tmp_path):
    from reportkit.labels import label

    entries = outline_entries(docx_to_pdf(example, tmp_path))
    title = example_data["conference"]["title"]["ar"]
    assert entries[0][:2] == (title, 0)
    sections = [label("ar", k) for k in ("summary", "participants", "topics", "recommendations")]
    sections += [s["heading"] for s in example_data["sections"]]
    assert [(name, depth) for name, depth, _ in entries[1:]] == [(s, 1) for s in sections]
    pages = [page for _, _, page in entries]
    assert pages == sorted(pages) and pages[0] == 0


def test_libreoffice_bookmarks_of_a_bilingual_handout(bilingual, soffice, tmp_path):
    entries = outline_entries(docx_to_pdf(bilingual, tmp_path))
    names = [name for name, _, _ in entries]
    title = BILINGUAL["conference"]["title"]
    assert names[:2] == [title["ar"], title["en"]]
    assert {"ملخص", "Summary", "وقائع الاجتماع", "Proceedings"} <= set(names)
    assert all(depth == (0 if name in title.values() else 1) for name, depth, _ in entries)


def test_no_blank_paragraphs_in_a_row(example, bilingual):
    """Word's checker reads two empty paragraphs in a row as spacing made of blank characters."""
    for path in (example, bilingual):
        blocks = [e for e in body(path) if e.tag in (qn("w:p"), qn("w:tbl"))]
        empty = [e.tag == qn("w:p") and e.find("w:r", NS) is None for e in blocks]
        assert not any(a and b for a, b in zip(empty, empty[1:], strict=False)), path.name
