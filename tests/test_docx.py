"""The DOCX export: the WordprocessingML is right to left where the text is, paragraph by
paragraph and run by run, and LibreOffice renders it so — read back from its PDF with poppler's
word boxes (`pdftotext -bbox-layout`), the way tests/test_pdf.py reads the WeasyPrint PDF.

Each exported DOCX is converted by LibreOffice once per module (module-scoped fixtures).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
import yaml
from docx.oxml.ns import qn
from docx.shared import Inches, Pt
from lxml import etree

from conftest import EXAMPLE, record_texts, run_cli
from support.letterheads import png
from support.readers import (
    KASHIDA_ARTIFACT,
    dejavu_only_fontconfig,
    docx_to_pdf,
    has_phrase,
    lo_text,
    missing_words,
    normalize,
    pdffonts,
    pdftotext,
    words,
)
from support.records import MIXED

NASKH = "Noto Naskh Arabic"
SERIF = "Noto Serif"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS = {"w": W, "a": A}
ARABIC_LETTER = re.compile("[\u0620-\u064a\u0671-\u06d3]")
# Direction marks around foreign runs and word joiners inside code names: in the file, not shown.
INVISIBLE = re.compile("[\u200e\u200f\u2060]")
LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")


def tri(ar: str, en: str, fr: str) -> dict[str, str]:
    return {"ar": ar, "en": en, "fr": fr}


# Every field in Arabic, English and French, for --lang en and --lang ar+fr.
TRILINGUAL = {
    "language": "ar",
    "conference": {
        "title": tri(
            "الاجتماع التنسيقي الثالث لمكافحة الجرائم السيبرانية",
            "Third Coordination Meeting on Cybercrime",
            "Troisième réunion de coordination sur la cybercriminalité",
        ),
        "number": 3,
        "organizer": tri(
            "الأمانة العامة لمجلس وزراء الداخلية العرب",
            "General Secretariat of the Council of Arab Interior Ministers",
            "Secrétariat général du Conseil des ministres arabes de l'Intérieur",
        ),
        "city": tri("تونس", "Tunis", "Tunis"),
        "country": tri("الجمهورية التونسية", "Tunisia", "Tunisie"),
        "start_date": "2024-03-05",
        "end_date": "2024-03-06",
        "reference": "GS/12/2024",
    },
    "summary": tri(
        "ناقش الاجتماع سبل تعزيز التعاون العربي في مكافحة الجرائم السيبرانية وتبادل المعلومات "
        "بين الأجهزة الأمنية المختصة في الدول الأعضاء.",
        "The meeting discussed ways to strengthen Arab cooperation against cybercrime and the "
        "exchange of information between the competent security services of member states.",
        "La réunion a examiné les moyens de renforcer la coopération arabe contre la "
        "cybercriminalité et l'échange d'informations entre les services de sécurité compétents.",
    ),
    "participants": [
        tri(
            "ممثلو وزارات الداخلية العربية",
            "Representatives of Arab interior ministries",
            "Représentants des ministères arabes de l'Intérieur",
        ),
        tri("خبراء في الأمن السيبراني", "Cybersecurity experts", "Experts en cybersécurité"),
    ],
    "topics": [
        tri(
            "حماية البنى التحتية الحيوية",
            "Protecting critical infrastructure",
            "Protection des infrastructures critiques",
        ),
    ],
    "recommendations": [
        {
            "text": tri(
                "إنشاء شبكة اتصال دائمة بين الأجهزة المختصة",
                "Set up a permanent contact network between the competent services",
                "Créer un réseau de contact permanent entre les services compétents",
            ),
            "category": tri("التعاون", "Cooperation", "Coopération"),
        },
        {
            "text": tri(
                "تنظيم دورات تدريبية مشتركة",
                "Organise joint training courses",
                "Organiser des formations communes",
            ),
            "category": tri("التدريب", "Training", "Formation"),
        },
    ],
    "sections": [
        {
            "heading": tri("وقائع الاجتماع", "Proceedings", "Déroulement"),
            "paragraphs": [
                tri(
                    "افتتح الاجتماع بكلمة للأمين العام رحب فيها بالمشاركين.",
                    "The Secretary General opened the meeting and welcomed the participants.",
                    "Le Secrétaire général a ouvert la réunion et accueilli les participants.",
                ),
            ],
        }
    ],
}


# -- reading the package back -----------------------------------------------------------------


class Package:
    """The parts of an exported DOCX, parsed, and Word's way of resolving a property: the run
    or paragraph itself, then its paragraph style and the styles it is based on, then the
    document defaults."""

    def __init__(self, path: Path):
        self.path = path
        with zipfile.ZipFile(path) as z:
            self.names = z.namelist()
            self._xml = {
                n: etree.fromstring(z.read(n)) for n in self.names if n.endswith((".xml", ".rels"))
            }
        styles = self.xml("word/styles.xml")
        self.styles = {s.get(qn("w:styleId")): s for s in styles.iterfind("w:style", NS)}
        self.default_rpr = styles.find("w:docDefaults/w:rPrDefault/w:rPr", NS)
        self.default_ppr = styles.find("w:docDefaults/w:pPrDefault/w:pPr", NS)

    def xml(self, name: str) -> etree._Element:
        return self._xml[name]

    def stories(self) -> dict[str, etree._Element]:
        """The document body, headers and footers."""
        return {
            n: root
            for n, root in self._xml.items()
            if re.fullmatch(r"word/(document|header\d+|footer\d+)\.xml", n)
        }

    def paragraphs(self, stories: str = "document|header|footer"):
        for name, root in self.stories().items():
            if re.match(rf"word/({stories})", name):
                yield from ((name, p) for p in root.iter(qn("w:p")))

    def runs(self, stories: str = "document|header|footer"):
        """(story, paragraph, run, text) for every run that shows text."""
        for name, p in self.paragraphs(stories):
            for r in p.iter(qn("w:r")):
                text = "".join(t.text or "" for t in r.iter(qn("w:t")))
                if text and _paragraph_of(r) is p:
                    yield name, p, r, text

    def _style_chain(self, style_id: str | None):
        seen = set()
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            style = self.styles[style_id]
            yield style
            based = style.find("w:basedOn", NS)
            style_id = based.get(qn("w:val")) if based is not None else None

    def _pstyle(self, p) -> str | None:
        element = p.find("w:pPr/w:pStyle", NS)
        return element.get(qn("w:val")) if element is not None else None

    def run_prop(self, p, r, tag: str):
        """The `w:tag` that decides this property of run `r` in paragraph `p`."""
        places = [r.find("w:rPr", NS)]
        places += [s.find("w:rPr", NS) for s in self._style_chain(self._pstyle(p))]
        places.append(self.default_rpr)
        for rpr in places:
            if rpr is not None and rpr.find(f"w:{tag}", NS) is not None:
                return rpr.find(f"w:{tag}", NS)
        return None

    def para_prop(self, p, tag: str):
        places = [p.find("w:pPr", NS)]
        places += [s.find("w:pPr", NS) for s in self._style_chain(self._pstyle(p))]
        places.append(self.default_ppr)
        for ppr in places:
            if ppr is not None and ppr.find(f"w:{tag}", NS) is not None:
                return ppr.find(f"w:{tag}", NS)
        return None

    def run_on(self, p, r, tag: str) -> bool:
        return _on(self.run_prop(p, r, tag))

    def para_on(self, p, tag: str) -> bool:
        return _on(self.para_prop(p, tag))

    def text(self, story: str) -> str:
        return "\n".join(
            "".join(t.text or "" for t in p.iter(qn("w:t")))
            for p in self.xml(story).iter(qn("w:p"))
        )


def _paragraph_of(element):
    while element is not None and element.tag != qn("w:p"):
        element = element.getparent()
    return element


def _on(element) -> bool:
    return element is not None and element.get(qn("w:val"), "1") not in ("0", "false", "off")


def _val(element, attr: str = "val"):
    return None if element is None else element.get(qn(f"w:{attr}"))


def _own(p, path: str):
    return p.find(f"w:pPr/{path}", NS)


# -- reading LibreOffice's PDF back -----------------------------------------------------------


@dataclass(frozen=True)
class Box:
    page: int
    text: str  # as poppler gives it: Arabic words in visual order, i.e. reversed
    x0: float
    y0: float
    x1: float
    y1: float

    def is_word(self, word: str) -> bool:
        tokens = words(self.text)  # punctuation dropped: "،ةجنط" is the word طنجة
        return word in tokens or word[::-1] in tokens

    def same_row(self, other: Box) -> bool:
        return self.page == other.page and abs((self.y0 + self.y1) - (other.y0 + other.y1)) < 6


@dataclass
class Layout:
    sizes: list[tuple[float, float]]  # page width, height
    words: list[Box]
    lines: list[tuple[Box, list[Box]]]  # the line's box and its words

    def find(self, word: str, page: int | None = None) -> list[Box]:
        return [b for b in self.words if b.is_word(word) and page in (None, b.page)]

    def line_of(self, box: Box) -> tuple[Box, list[Box]]:
        return next(line for line in self.lines if box in line[1])


def layout(pdf: Path) -> Layout:
    root = etree.fromstring(pdftotext(pdf, "-bbox-layout").encode("utf-8"))
    x = "{http://www.w3.org/1999/xhtml}"
    sizes, all_words, lines = [], [], []

    def box(element, page, text=""):
        return Box(page, text, *(float(element.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))

    for number, page in enumerate(root.iter(f"{x}page"), start=1):
        sizes.append((float(page.get("width")), float(page.get("height"))))
        for line in page.iter(f"{x}line"):
            line_words = [
                box(w, number, KASHIDA_ARTIFACT.sub("", w.text or ""))
                for w in line.iter(f"{x}word")
            ]
            all_words += line_words
            lines.append((box(line, number, " ".join(w.text for w in line_words)), line_words))
    return Layout(sizes, all_words, lines)


def lo_pages(pdf: Path) -> list[str]:
    return lo_text(pdf).split("\f")[:-1]


def margins_pt(package: Package) -> tuple[float, float]:
    """(left, right) text edges in PDF points, from the section's page setup."""
    sect = package.xml("word/document.xml").find("w:body/w:sectPr", NS)
    width = int(_val(sect.find("w:pgSz", NS), "w")) / 20
    mar = sect.find("w:pgMar", NS)
    return int(_val(mar, "left")) / 20, width - int(_val(mar, "right")) / 20


# -- exporting ---------------------------------------------------------------------------------


def _export(source, folder: Path, name: str, **options) -> Path:
    from reportkit.export import ExportOptions, export

    if isinstance(source, dict):
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump(source, allow_unicode=True), encoding="utf-8")
        source = path
    return export(source, ["docx"], folder / f"{name}.docx", ExportOptions(**options))["docx"]


@pytest.fixture(scope="module")
def soffice():
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")


@pytest.fixture(scope="module")
def example_docx(tmp_path_factory) -> Path:
    return _export(EXAMPLE, tmp_path_factory.mktemp("docx-example"), "conference-47")


@pytest.fixture(scope="module")
def example(example_docx) -> Package:
    return Package(example_docx)


@pytest.fixture(scope="module")
def example_pdf(example_docx, soffice, tmp_path_factory) -> Path:
    return docx_to_pdf(example_docx, tmp_path_factory.mktemp("docx-example-lo"))


@pytest.fixture(scope="module")
def example_layout(example_pdf) -> Layout:
    return layout(example_pdf)


@pytest.fixture(scope="module")
def mixed_docx(tmp_path_factory) -> Path:
    return _export(MIXED, tmp_path_factory.mktemp("docx-mixed"), "mixed")


@pytest.fixture(scope="module")
def mixed_pdf(mixed_docx, soffice, tmp_path_factory) -> Path:
    return docx_to_pdf(mixed_docx, tmp_path_factory.mktemp("docx-mixed-lo"))


@pytest.fixture(scope="module")
def english_docx(tmp_path_factory) -> Path:
    return _export(TRILINGUAL, tmp_path_factory.mktemp("docx-en"), "tri", lang="en")


@pytest.fixture(scope="module")
def bilingual_docx(tmp_path_factory) -> Path:
    return _export(TRILINGUAL, tmp_path_factory.mktemp("docx-arfr"), "tri", lang="ar+fr")


@pytest.fixture(scope="module")
def bilingual_layout(bilingual_docx, soffice, tmp_path_factory) -> Layout:
    return layout(docx_to_pdf(bilingual_docx, tmp_path_factory.mktemp("docx-arfr-lo")))


# -- right to left, paragraph by paragraph and run by run -----------------------------------------


def test_every_paragraph_of_an_arabic_report_is_rtl(example):
    counts = {"document": 0, "cell": 0, "header": 0, "footer": 0}
    for story, p in example.paragraphs():
        bidi = _own(p, "w:bidi")
        assert _on(bidi), (story, etree.tostring(p, encoding="unicode")[:300])
        kind = re.match(r"word/([a-z]+)", story).group(1)
        counts["cell" if kind == "document" and p.getparent().tag == qn("w:tc") else kind] += 1
    assert all(counts.values()), counts  # body, table cells, header and footer were all seen


def test_every_arabic_run_is_rtl_with_complex_script_properties(example):
    seen = bold = 0
    for story, p, r, text in example.runs():
        if not ARABIC_LETTER.search(text):
            continue
        seen += 1
        rpr = r.find("w:rPr", NS)
        where = (story, text)
        assert rpr is not None and _on(rpr.find("w:rtl", NS)), where
        assert _val(rpr.find("w:rFonts", NS), "cs") == NASKH, where
        assert _val(rpr.find("w:lang", NS), "bidi").startswith("ar-"), where
        # Word sizes and weighs Arabic by the complex-script twins alone.
        size, size_cs = example.run_prop(p, r, "sz"), example.run_prop(p, r, "szCs")
        assert size_cs is not None and _val(size_cs) == _val(size), where
        if example.run_on(p, r, "b"):
            bold += 1
            assert example.run_on(p, r, "bCs"), where
        if example.run_on(p, r, "i"):
            assert example.run_on(p, r, "iCs"), where
    assert seen > 50 and bold > 10


def test_page_number_fields_are_arabic_runs(example):
    footer = next(root for name, root in example.stories().items() if "footer" in name)
    fields = footer.findall(".//w:fldSimple", NS)
    assert [f.get(qn("w:instr")).strip() for f in fields] == ["PAGE", "NUMPAGES"]
    for field in fields:
        rpr = field.find("w:r/w:rPr", NS)
        assert _on(rpr.find("w:rtl", NS)) and _val(rpr.find("w:rFonts", NS), "cs") == NASKH
    assert "صفحة" in example.text(next(n for n in example.stories() if "footer" in n))


def test_defaults_make_text_typed_later_arabic_rtl(example):
    assert _on(example.default_ppr.find("w:bidi", NS))
    rpr = example.default_rpr
    assert _val(rpr.find("w:rFonts", NS), "cs") == NASKH
    assert _val(rpr.find("w:szCs", NS)) == _val(rpr.find("w:sz", NS))
    assert _val(rpr.find("w:lang", NS), "bidi") == "ar-SA"
    for style_id in ("Normal", "Heading1", "Heading2", "Title", "ListParagraph"):
        style = example.styles[style_id]
        assert _on(style.find("w:pPr/w:bidi", NS)), style_id
        assert _val(style.find("w:rPr/w:rFonts", NS), "cs") == NASKH, style_id
        # direction belongs to each run: a Latin run must not inherit w:rtl from its style
        assert style.find("w:rPr/w:rtl", NS) is None, style_id
    styles_xml = etree.tostring(example.xml("word/styles.xml"), encoding="unicode")
    for attr in ("asciiTheme", "hAnsiTheme", "cstheme", "eastAsiaTheme"):
        assert f"w:{attr}=" not in styles_xml, attr
    theme = example.xml("word/theme/theme1.xml")
    for font in ("majorFont", "minorFont"):
        assert theme.find(f".//a:{font}/a:cs", NS).get("typeface") == NASKH
        for arab in theme.iterfind(f".//a:{font}/a:font[@script='Arab']", NS):
            assert arab.get("typeface") == NASKH
    lang = example.xml("word/settings.xml").find("w:themeFontLang", NS)
    assert _val(lang, "bidi") == "ar-SA"
    # Word 2010 would read its styles from here, undoing all of the above
    assert "word/stylesWithEffects.xml" not in example.names


def test_section_and_tables_are_rtl(example):
    body = example.xml("word/document.xml").find("w:body", NS)
    assert _on(body.find("w:sectPr/w:bidi", NS))
    tables = [t for root in example.stories().values() for t in root.iter(qn("w:tbl"))]
    assert len(tables) >= 2  # the title block and the running header
    for table in tables:
        assert _on(table.find("w:tblPr/w:bidiVisual", NS))


def test_lists_are_word_numbering_not_typed_digits(example, example_data):
    numbering = example.xml("word/numbering.xml")
    nums = {
        n.get(qn("w:numId")): _val(n.find("w:abstractNumId", NS))
        for n in numbering.iterfind("w:num", NS)
    }
    abstracts = {a.get(qn("w:abstractNumId")): a for a in numbering.iterfind("w:abstractNum", NS)}
    listed = []
    for _, p in example.paragraphs("document"):
        num_id = _val(_own(p, "w:numPr/w:numId"))
        if num_id is None:
            continue
        level = abstracts[nums[num_id]].find("w:lvl[@w:ilvl='0']", NS)
        text = "".join(t.text for t in p.iter(qn("w:t")))
        assert not re.match(r"\s*[0-9\u0660-\u0669]", text), text  # the number is Word's
        assert _on(level.find("w:pPr/w:bidi", NS))
        listed.append((num_id, _val(level.find("w:numFmt", NS)), _val(level.find("w:lvlText", NS))))
    recommendations = [entry for entry in listed if entry[1] == "decimal"]
    assert len(recommendations) == len(example_data["recommendations"])
    assert {entry[2] for entry in recommendations} == {"%1."}
    assert len({entry[0] for entry in recommendations}) == 1  # one list, counted 1, 2, 3…
    bullets = [entry for entry in listed if entry[1] == "bullet"]
    assert len(bullets) == len(example_data["participants"]) + len(example_data["topics"])


def list_formats(package: Package) -> set[str]:
    """numFmt of the list level each numbered paragraph of the body uses."""
    numbering = package.xml("word/numbering.xml")
    formats = set()
    for _, p in package.paragraphs("document"):
        num_id = _val(_own(p, "w:numPr/w:numId"))
        if num_id:
            num = numbering.find(f"w:num[@w:numId='{num_id}']", NS)
            abstract_id = _val(num.find("w:abstractNumId", NS))
            abstract = numbering.find(f"w:abstractNum[@w:abstractNumId='{abstract_id}']", NS)
            formats.add(_val(abstract.find("w:lvl/w:numFmt", NS)))
    return formats


def test_arabic_indic_digits_number_the_list_in_word(example, tmp_path):
    path = _export(EXAMPLE, tmp_path, "indic", digits="arabic-indic")
    assert list_formats(Package(path)) == {"hindiNumbers", "bullet"}
    assert list_formats(example) == {"decimal", "bullet"}


def test_running_header_and_footer(example, example_data):
    headers = [n for n in example.stories() if "header" in n]
    footers = [n for n in example.stories() if "footer" in n]
    assert headers and footers
    for name in headers:
        text = example.text(name)
        assert example_data["conference"]["organizer"] in text
        assert example_data["conference"]["reference"] in text
        # no stray empty paragraph from the template's blank header above the table
        first = example.xml(name)[0]
        assert first.tag == qn("w:tbl"), etree.QName(first).localname
    for name in footers:
        assert len(example.xml(name).findall("w:p", NS)) == 1


def test_the_running_header_repeats_a_short_form_of_a_long_title_and_reference(tmp_path):
    # As in the PDF engines: Word grows a header to hold its text, and a 2,500-character title
    # repeated whole filled three quarters of every page and ran into the body.
    sentence = "انعقد المؤتمر في مدينة الرباط بحضور الوفود العربية "
    title, reference = (sentence * 60)[:2500], ("م ق ش/" * 50)[:300]
    path = _export(
        {"conference": {"title": title, "reference": reference}, "summary": "نص"}, tmp_path, "long"
    )
    package = Package(path)
    headers = [n for n in package.stories() if "header" in n]
    assert headers
    for name in headers:
        lines = [line for line in package.text(name).split("\n") if line.strip()]
        assert len(lines) == 2, lines  # the title's short form and the reference's
        assert all(line.endswith("…") for line in lines), lines
        assert len(lines[0]) <= 200 and title.startswith(lines[0][:-1].rstrip())
        assert len(lines[1]) <= 80 and reference.startswith(lines[1][:-1].rstrip())
    body = package.text("word/document.xml")
    assert title in body.replace("\n", "")  # the title block keeps the whole title


def test_document_properties(example_docx, example_data):
    props = docx.Document(str(example_docx)).core_properties
    c = example_data["conference"]
    assert props.title == c["title"]["ar"]
    assert props.author == c["organizer"]
    assert props.language == "ar"
    assert props.subject.startswith(example_data["summary"].strip()[:40])
    assert "وفود أمنية" in props.keywords
    assert props.comments == c["reference"]
    now = dt.datetime.now(dt.UTC)
    assert abs((props.created - now).total_seconds()) < 600
    with zipfile.ZipFile(example_docx) as z:
        assert "docProps/thumbnail.jpeg" not in z.namelist()  # the template's page, not ours


def test_script_runs_split_islands_of_the_other_direction():
    from reportkit.writers.docx.writer import script_runs

    assert script_runs("حضر (INTERPOL) اجتماع عام 2023م", True) == [
        ("حضر (", True),
        ("INTERPOL", False),
        (") اجتماع عام 2023م", True),
    ]
    assert script_runs("برنامج Cyber Shield خلال", True) == [
        ("برنامج ", True),
        ("Cyber Shield", False),
        (" خلال", True),
    ]
    assert script_runs("Ref. م ق ش/47", False) == [
        ("Ref. ", False),
        ("م ق ش", True),
        ("/47", False),
    ]


# -- LibreOffice renders it right to left ---------------------------------------------------------


def test_every_word_of_the_example_in_libreoffices_pdf(example_pdf, example_data):
    assert missing_words(record_texts(example_data, "ar"), lo_text(example_pdf)) == []


def test_kashida_cleanup_hides_no_real_loss():
    assert KASHIDA_ARTIFACT.sub("", 'اللج\u202aYY\u202cان الدوح""ة نوا999عتلا') == (
        "اللجان الدوحة نواعتلا"
    )
    assert KASHIDA_ARTIFACT.sub("", "GS/12 INTERPOL 2023م طنجة، الرباط") == (
        "GS/12 INTERPOL 2023م طنجة، الرباط"
    )
    assert missing_words(["المؤتمر"], KASHIDA_ARTIFACT.sub("", "المؤمYYتر")) == ["المؤتمر"]


def test_page_x_of_y_organizer_and_reference_on_every_page(example_pdf, example_data):
    pages = lo_pages(example_pdf)
    assert len(pages) >= 2
    c = example_data["conference"]
    for number, text in enumerate(pages, start=1):
        assert has_phrase(text, f"صفحة {number} من {len(pages)}"), (number, text[-200:])
        assert has_phrase(text, c["organizer"]), number
        assert missing_words([c["reference"]], text) == [], number


def test_start_aligned_and_justified_text_sit_where_rtl_puts_them(example, example_layout):
    left, right = margins_pt(example)
    # A heading (start-aligned, w:jc="left" in a bidi paragraph) ends at the right margin.
    heading = example_layout.find("ملخص")[-1]
    assert abs(heading.x1 - right) < 2 and heading.x0 > (left + right) / 2, heading
    # The one-line summary paragraph (justified; its last line is start-aligned) too.
    summary, _ = example_layout.line_of(example_layout.find("أختتم")[0])
    assert abs(summary.x1 - right) < 2 and summary.x0 > left + 50, summary
    # A full line of a justified paragraph runs from margin to margin.
    first_line, _ = example_layout.line_of(example_layout.find("وكان")[0])
    assert abs(first_line.x1 - right) < 2 and abs(first_line.x0 - left) < 2, first_line


@pytest.fixture(scope="module")
def example_document():
    from reportkit.export import ExportOptions, document_for, load

    return document_for(load(EXAMPLE), ExportOptions())


def test_title_block_label_column_is_on_the_right(example_layout, example_document):
    fields = example_document.title.fields
    assert len(fields) >= 3
    for field in fields:
        label = words(field.label[0].text)
        label_box = next(b for b in example_layout.words if b.page == 1 and b.is_word(label[0]))
        row = [b for b in example_layout.words if b.same_row(label_box)]
        value = [b for b in row if any(b.is_word(t) for t in words(field.value[0].text))]
        assert value, (field.name, row)
        assert min(b.x0 for b in row if any(b.is_word(t) for t in label)) > max(
            b.x1 for b in value
        ), (field.name, row)


def test_recommendation_numbers_stand_at_the_right_of_their_text(
    example, example_layout, example_data
):
    left, right = margins_pt(example)
    numbers = []
    for line, _ in example_layout.lines:
        match = re.fullmatch(r"\.?(\d+)\.?", line.text.replace(" ", ""))
        if match and line.x1 > right - 40:
            text = [other for other, _ in example_layout.lines if other.same_row(line)]
            text = [t for t in text if t != line]
            assert text and all(t.x1 < line.x0 for t in text), line
            assert left <= line.x0 and line.x1 <= right + 0.5, line  # inside the margins
            numbers.append(int(match.group(1)))
    assert numbers == list(range(1, len(example_data["recommendations"]) + 1))


def test_fonts_travel_embedded(example_docx, example_data, soffice, tmp_path_factory):
    """LibreOffice sees only DejaVu Sans (a fontconfig file listing one folder): the Arabic it
    draws in Noto Naskh Arabic comes from the DOCX."""
    folder = tmp_path_factory.mktemp("dejavu-only")
    conf = dejavu_only_fontconfig(folder)
    pdf = docx_to_pdf(example_docx, folder, fontconfig_file=conf)
    names = {re.sub(r"^[A-Z]{6}\+", "", f["name"]) for f in pdffonts(pdf)}
    assert {"NotoNaskhArabic-Regular", "NotoNaskhArabic-Bold"} <= names, names
    assert missing_words(record_texts(example_data, "ar"), lo_text(pdf)) == []


def test_embedded_faces_are_the_ones_the_report_uses(example_docx, mixed_docx):
    def faces(path):
        package = Package(path)
        table = package.xml("word/fontTable.xml")
        return {
            (font.get(qn("w:name")), etree.QName(embed).localname)
            for font in table.iterfind("w:font", NS)
            for embed in font
            if etree.QName(embed).localname.startswith("embed")
        }

    # An Arabic-only report needs the Latin face only for the brackets and signs Naskh lacks,
    # a subset of a few kilobytes; Latin words bring more of it.
    assert faces(example_docx) == {
        (NASKH, "embedRegular"),
        (NASKH, "embedBold"),
        (SERIF, "embedRegular"),
        (SERIF, "embedBold"),
    }
    with zipfile.ZipFile(example_docx) as z:
        sizes = sorted(i.file_size for i in z.infolist() if i.filename.endswith(".odttf"))
    assert sizes[1] < 60_000 < sizes[2], sizes  # two Serif subsets, two whole Naskh faces
    assert {(SERIF, "embedRegular"), (SERIF, "embedBold")} <= faces(mixed_docx)


def test_no_embed_fonts_through_the_command(tmp_path):
    out = tmp_path / "plain.docx"
    result = run_cli("export", str(EXAMPLE), "-f", "docx", "--no-embed-fonts", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip() == str(out)
    package = Package(out)
    assert not [n for n in package.names if n.endswith(".odttf")]
    settings = {etree.QName(c).localname for c in package.xml("word/settings.xml")}
    assert "embedTrueTypeFonts" not in settings
    docx.Document(str(out))  # and Word's reader (python-docx) opens it


# -- mixed directions, and left-to-right reports --------------------------------------------------


def test_latin_runs_inside_arabic_paragraphs_are_ltr_in_latin_fonts(mixed_docx):
    package = Package(mixed_docx)
    latin = [
        (p, r, INVISIBLE.sub("", text))
        for _, p, r, text in package.runs("document")
        if LATIN_LETTER.search(text)
    ]
    assert {"INTERPOL", "(GCC)", "Cyber Shield", "https://www.example.org/a-b"} <= {
        t for _, _, t in latin
    }
    for p, r, text in latin:
        assert not ARABIC_LETTER.search(text), text  # an island of one script
        assert not package.run_on(p, r, "rtl"), text
        assert _val(package.run_prop(p, r, "rFonts"), "ascii") == SERIF, text
        assert package.para_on(p, "bidi"), text  # …in a right-to-left paragraph


def test_mixed_runs_keep_their_order_in_libreoffice(mixed_pdf):
    text = lo_text(mixed_pdf)
    assert missing_words(record_texts(MIXED, "ar"), text) == []
    flat = normalize(text)
    for intact in ("INTERPOL", "https://www.example.org/a-b", "info@example.org", "GS/12/2024"):
        assert intact in flat, intact
    for phrase in (
        "تخصيص 250 مليون دولار لبرنامج Cyber Shield خلال الفترة القادمة",
        "الجنائية (INTERPOL) اجتماع عام 2023م في الدوحة",
        "مع منظمة INTERPOL ومجلس التعاون (GCC)",
        "التنسيق مع دول مجلس التعاون (GCC) في تبادل البيانات",
    ):
        assert has_phrase(text, phrase), phrase


def test_an_english_report_is_ltr_in_its_own_fonts(english_docx):
    package = Package(english_docx)
    paragraphs = list(package.paragraphs())
    assert paragraphs
    for story, p in paragraphs:
        assert not package.para_on(p, "bidi"), story
    runs = list(package.runs())
    for _, p, r, text in runs:
        assert not package.run_on(p, r, "rtl"), text
        assert _val(package.run_prop(p, r, "rFonts"), "ascii") == SERIF, text
        assert _val(package.run_prop(p, r, "lang")) == "en-GB", text
    body = package.xml("word/document.xml").find("w:body", NS)
    assert not _on(body.find("w:sectPr/w:bidi", NS))
    assert all(t.find("w:tblPr/w:bidiVisual", NS) is None for t in body.iter(qn("w:tbl")))
    assert not _on(package.default_ppr.find("w:bidi", NS))
    text = package.text("word/document.xml")
    for phrase in ("Third Coordination Meeting on Cybercrime", "Recommendations", "Proceedings"):
        assert phrase in text
    assert not ARABIC_LETTER.search(text)
    footer = next(n for n in package.stories() if "footer" in n)
    assert "Page " in package.text(footer) and " of " in package.text(footer)
    props = docx.Document(str(english_docx)).core_properties
    assert props.title == "Third Coordination Meeting on Cybercrime" and props.language == "en"


def test_bilingual_columns_keep_each_language_direction(bilingual_docx):
    package = Package(bilingual_docx)
    seen = set()
    reference = TRILINGUAL["conference"]["reference"]
    for _, p, r, text in package.runs("document"):
        if ARABIC_LETTER.search(text):
            assert package.para_on(p, "bidi") and package.run_on(p, r, "rtl"), text
            seen.add("ar")
        elif (
            LATIN_LETTER.search(text)
            and INVISIBLE.sub("", "".join(p.itertext())) != reference  # both columns
            and not ARABIC_LETTER.search("".join(p.itertext()))  # an Arabic line quoting a code
        ):
            # the French paragraph says w:bidi="0": the RTL styles must not make it RTL
            assert _val(_own(p, "w:bidi")) == "0" and not package.para_on(p, "bidi"), text
            assert not package.run_on(p, r, "rtl"), text
            assert _val(package.run_prop(p, r, "lang")) == "fr-FR", text
            seen.add("fr")
    assert seen == {"ar", "fr"}
    # each column is its own list: French counts 1, 2 as Arabic does
    lists = {}
    for _, p in package.paragraphs("document"):
        num_id = _val(_own(p, "w:numPr/w:numId"))
        if num_id:
            rtl = package.para_on(p, "bidi")
            lists.setdefault(rtl, set()).add(num_id)
    assert lists[True].isdisjoint(lists[False])


def test_bilingual_layout_in_libreoffice(bilingual_layout):
    lay = bilingual_layout
    # Arabic column on the right, French on the left, each aligned to its own start side.
    ar_heading, fr_heading = lay.find("ملخص")[0], lay.find("Résumé")[0]
    assert ar_heading.same_row(fr_heading) and fr_heading.x1 < ar_heading.x0
    width = lay.sizes[0][0]
    assert fr_heading.x0 < width / 4 and ar_heading.x1 > width * 3 / 4
    # Title block: left to right, "Lieu | Tunis, Tunisie | تونس، … | المكان".
    ar_label, fr_label = lay.find("المكان")[0], lay.find("Lieu")[0]
    ar_value = next(b for b in lay.find("تونس") if b.same_row(ar_label))
    fr_value = next(b for b in lay.find("Tunisie") if b.same_row(fr_label))
    assert fr_label.x1 < fr_value.x0 < fr_value.x1 < ar_value.x0 < ar_value.x1 < ar_label.x0
    # French list numbers left of the French text, Arabic numbers right of the Arabic text.
    fr_item = lay.find("Coopération")[0]
    ar_item = next(b for b in lay.find("التعاون") if b.same_row(fr_item))
    fr_number = next(b for b in lay.words if b.same_row(fr_item) and re.fullmatch(r"1\.?", b.text))
    ar_number = next(
        b
        for b in lay.words
        if b.same_row(ar_item) and re.fullmatch(r"\.?1\.?", b.text) and b.x0 > ar_item.x1
    )
    assert fr_number.x1 < fr_item.x0 and ar_number.x0 > ar_item.x1


# -- the user's letterhead ------------------------------------------------------------------------


REMOVED_STYLES = ("Heading1", "Heading2", "ListParagraph")


def make_letterhead(path: Path) -> Path:
    """A letterhead as a user's Word would hold it: Letter paper with its own margins, a header
    with text and a logo, an 11 pt Normal style — and none of the styles reportkit needs."""
    d = docx.Document()
    section = d.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    section.left_margin = section.right_margin = Inches(1.25)
    section.top_margin, section.bottom_margin = Inches(1.5), Inches(1)
    p = section.header.paragraphs[0]
    p.text = "LETTERHEAD "
    p.add_run().add_picture(io.BytesIO(png(12, 6, (0x1A, 0x3A, 0x5C))), width=Inches(0.6))
    d.styles["Normal"].font.size = Pt(11)
    d.add_paragraph("Placeholder body text of the letterhead")
    numbering = d.part.numbering_part.element  # Word ends its numbering part with this
    numbering.append(numbering.makeelement(qn("w:numIdMacAtCleanup"), {qn("w:val"): "0"}))
    styles = d.styles.element
    for style_id in REMOVED_STYLES:
        for style in styles.findall(f"w:style[@w:styleId='{style_id}']", NS):
            styles.remove(style)
    d.save(str(path))
    return path


@pytest.fixture(scope="module")
def letterhead(tmp_path_factory) -> Path:
    return make_letterhead(tmp_path_factory.mktemp("letterhead") / "letterhead.docx")


@pytest.fixture(scope="module")
def letterhead_docx(letterhead, tmp_path_factory) -> Path:
    return _export(
        EXAMPLE, tmp_path_factory.mktemp("docx-letterhead"), "letter", docx_template=letterhead
    )


def test_letterhead_template_lacks_the_styles(letterhead):
    ids = set(Package(letterhead).styles)
    assert ids.isdisjoint(REMOVED_STYLES)


def test_letterhead_page_setup_header_art_and_styles_are_used(letterhead_docx):
    package = Package(letterhead_docx)
    sect = package.xml("word/document.xml").find("w:body/w:sectPr", NS)
    size, mar = sect.find("w:pgSz", NS), sect.find("w:pgMar", NS)
    assert (_val(size, "w"), _val(size, "h")) == ("12240", "15840")  # Letter
    assert [_val(mar, s) for s in ("left", "right", "top", "bottom")] == [
        "1800",
        "1800",
        "2160",
        "1440",
    ]
    assert _on(sect.find("w:bidi", NS))
    headers = [n for n in package.stories() if "header" in n]
    assert len(headers) == 1
    header = package.xml(headers[0])
    assert "LETTERHEAD" in package.text(headers[0])
    art = next(p for p in header.iter(qn("w:p")) if "LETTERHEAD" in "".join(p.itertext()))
    assert not package.para_on(art, "bidi")  # the art keeps its left-to-right layout
    blip = header.find(".//a:blip", NS)
    rels = package.xml(headers[0].replace("word/", "word/_rels/") + ".rels")
    target = next(r.get("Target") for r in rels if r.get("Id") == blip.get(qn("r:embed")))
    assert ("word/" + target.lstrip("./")) in package.names and target.endswith(".png")
    assert header.find(".//w:tbl", NS) is not None  # organizer and reference below the art
    # the missing styles were added, and are the ones the body uses
    used = {_val(_own(p, "w:pStyle")) for _, p in package.paragraphs("document")}
    for style_id in REMOVED_STYLES:
        assert style_id in package.styles and style_id in used, style_id
        assert _on(package.styles[style_id].find("w:pPr/w:bidi", NS))
    # the letterhead's own Normal keeps its look, with the Arabic size to match
    normal = package.styles["Normal"].find("w:rPr", NS)
    assert _val(normal.find("w:sz", NS)) == "22" and _val(normal.find("w:szCs", NS)) == "22"
    assert "Placeholder" not in package.text("word/document.xml")
    # the lists reportkit adds stand where the schema wants them in the letterhead's numbering
    order = [etree.QName(c).localname for c in package.xml("word/numbering.xml")]
    kinds = [k for k in order if k in ("abstractNum", "num", "numIdMacAtCleanup")]
    assert kinds == sorted(kinds, key=["abstractNum", "num", "numIdMacAtCleanup"].index)
    assert kinds[-1] == "numIdMacAtCleanup" and kinds.count("num") >= 2


def test_letterhead_in_libreoffice(letterhead_docx, soffice, tmp_path):
    pdf = docx_to_pdf(letterhead_docx, tmp_path)
    lay = layout(pdf)
    assert all((round(w), round(h)) == (612, 792) for w, h in lay.sizes), lay.sizes
    art = lay.find("LETTERHEAD")
    assert len(art) == len(lay.sizes) >= 2  # on every page…
    assert all(abs(box.x0 - 90) < 2 for box in art), art  # …at the left margin, as drawn
    pages = lo_pages(pdf)
    for number, text in enumerate(pages, start=1):
        assert "LETTERHEAD" in text, number
        assert has_phrase(text, f"صفحة {number} من {len(pages)}"), number


def test_a_letterhead_with_its_own_first_page_gets_the_running_header_there_too(tmp_path):
    d = docx.Document()
    section = d.sections[0]
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].text = "FIRST PAGE ART"
    section.header.paragraphs[0].text = "LETTERHEAD"
    d.save(str(tmp_path / "first.docx"))
    package = Package(_export(EXAMPLE, tmp_path, "out", docx_template=tmp_path / "first.docx"))
    organizer = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["conference"]["organizer"]
    headers = {n: package.text(n) for n in package.stories() if "header" in n}
    assert len(headers) == 2
    assert sum("FIRST PAGE ART" in t for t in headers.values()) == 1
    assert all(organizer in t for t in headers.values())
    footers = [n for n in package.stories() if "footer" in n]
    assert len(footers) == 2  # page numbers on the first page as on the others
    for name in footers:
        instructions = [
            f.get(qn("w:instr")).strip() for f in package.xml(name).iter(qn("w:fldSimple"))
        ]
        assert instructions == ["PAGE", "NUMPAGES"]


def test_an_arabic_letterhead_keeps_its_direction_in_an_english_report(tmp_path):
    from docx.oxml import OxmlElement

    d = docx.Document()
    header_style = d.styles["Header"].element
    header_style.get_or_add_pPr().append(OxmlElement("w:bidi"))
    header_style.get_or_add_rPr().append(OxmlElement("w:rtl"))
    p = d.sections[0].header.paragraphs[0]
    p.style = d.styles["Header"]
    p.add_run("وزارة الداخلية")
    d.save(str(tmp_path / "arabic-letterhead.docx"))
    path = _export(
        TRILINGUAL, tmp_path, "en", lang="en", docx_template=tmp_path / "arabic-letterhead.docx"
    )
    package = Package(path)
    header = next(n for n in package.stories() if "header" in n)
    art = 0
    for _, p, r, text in package.runs(header.removeprefix("word/").removesuffix(".xml")):
        if text == "وزارة الداخلية":  # the letterhead's art: still right to left
            assert package.para_on(p, "bidi") and package.run_on(p, r, "rtl")
            art += 1
        else:  # reportkit's running header: English, left to right
            assert not package.para_on(p, "bidi") and not package.run_on(p, r, "rtl"), text
    assert art == 1


def test_a_word_template_dotx_is_accepted(letterhead, tmp_path):
    dotx = tmp_path / "letterhead.dotx"
    with zipfile.ZipFile(letterhead) as src, zipfile.ZipFile(dotx, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"template.main+xml")
                assert b"template.main+xml" in data
            out.writestr(item, data)
    path = _export(EXAMPLE, tmp_path, "from-dotx", docx_template=dotx)
    package = Package(path)
    assert "LETTERHEAD" in package.text(next(n for n in package.stories() if "header" in n))
    types = zipfile.ZipFile(path).read("[Content_Types].xml")
    assert b"document.main+xml" in types and b"template.main+xml" not in types


def _corrupt_templates(tmp: Path) -> dict[str, Path]:
    good = make_letterhead(tmp / "good.docx").read_bytes()
    junk = tmp / "junk.docx"
    junk.write_bytes(b"this is not a Word file\n" * 20)
    truncated = tmp / "truncated.docx"
    truncated.write_bytes(good[: len(good) // 2])
    not_word = tmp / "not-word.docx"
    with zipfile.ZipFile(not_word, "w") as z:
        z.writestr("hello.txt", "a zip, but no Word document inside")
    bad_xml = tmp / "bad-xml.docx"
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(bad_xml, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            out.writestr(item, b"<w:document" if item.filename == "word/document.xml" else data)
    return {
        "junk": junk,
        "truncated": truncated,
        "not-word": not_word,
        "bad-xml": bad_xml,
        "missing": tmp / "missing.docx",
    }


@pytest.mark.parametrize("kind", ["junk", "truncated", "not-word", "bad-xml", "missing"])
def test_an_unusable_template_is_one_clear_error(tmp_path, kind):
    template = _corrupt_templates(tmp_path)[kind]
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli(
        "export", str(EXAMPLE), "-f", "docx", "--docx-template", str(template), "-o", str(out)
    )
    err = result.stderr.decode("utf-8")
    assert result.returncode not in (0, 70), err  # a user error, not "internal error"
    assert err.startswith("reportkit: error: ") and "Traceback" not in err
    assert str(template) in err and len(err.strip().splitlines()) == 1, err
    assert list(out.iterdir()) == []


# -- text XML cannot hold ---------------------------------------------------------------------------


def test_the_record_refuses_xml_illegal_characters(write_record, tmp_path):
    data = {"conference": {"title": "مؤتمر"}, "summary": "نص\x0bبعد", "topics": ["بند\x1f"]}
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli("export", str(write_record(data, "r.json")), "-f", "docx", "-o", str(out))
    err = result.stderr.decode("utf-8")
    assert result.returncode != 0 and "Traceback" not in err
    assert "summary" in err and "U+000B" in err
    assert list(out.iterdir()) == []


def test_the_writer_strips_xml_illegal_characters_a_document_carries():
    from reportkit.document import (
        Document,
        Field,
        Heading,
        ItemList,
        ListItem,
        Metadata,
        Paragraph,
        Span,
        TitleBlock,
    )
    from reportkit.writers.docx.writer import render

    def ar(text):
        return (Span(text, "ar"),)

    document = Document(
        languages=("ar",),
        meta=Metadata(
            title="عنوان\x01 التقرير",
            author="الجهة\x02 المنظمة",
            subject="ملخص\x0b",
            language="ar",
            keywords=("كلمة\x01",),
            reference="م/1\x01",
        ),
        title=TitleBlock(
            ar("عنوان\x01 التقرير"),
            ar("الجهة\x1f المنظمة"),
            (Field("reference", ar("المرجع"), ar("م/1\x01")),),
        ),
        blocks=(
            Heading(ar("ملخص\x01")),
            Paragraph(ar("نص\x01 الفقرة\ufffe")),
            ItemList((ListItem(ar("بند\x01 أول"), number=1),), numbered=True),
        ),
        page_label=ar("صفحة {page} من {pages}"),
        running=ar("الجهة\x01 المنظمة"),
        reference=Span("م/1\x01", "ar"),
    )
    data = render(document)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", xml)
    reopened = docx.Document(io.BytesIO(data))
    body = "\n".join(p.text for p in reopened.paragraphs)
    for text in ("عنوان التقرير", "نص الفقرة", "بند أول"):
        assert text in body
    assert reopened.core_properties.title == "عنوان التقرير"


def test_every_word_of_an_export_is_in_the_docx(example_docx, example_data):
    text = "\n".join(Package(example_docx).text(n) for n in Package(example_docx).stories())
    assert missing_words(record_texts(example_data, "ar"), text) == []
    assert words(example_data["conference"]["reference"])[0] in words(text)


def test_the_document_model_is_not_changed_by_rendering():
    # the writer renders a Document; it must not need or alter anything else
    from reportkit.export import ExportOptions, document_for, load
    from reportkit.writers.docx.writer import render

    document = document_for(load(None), ExportOptions())
    before = dataclasses.replace(document)
    render(document, embed_fonts=False)
    assert document == before


def test_marking_draft_and_verification_block(tmp_path, example_data):
    from reportkit.document import Presentation  # noqa: F401  (the options below reach it)
    from reportkit.export import ExportOptions, export

    path = export(EXAMPLE, ["docx"], tmp_path / "m.docx", ExportOptions(marking="سري", draft=True))[
        "docx"
    ]
    package = docx.Document(str(path))
    header = package.sections[0].header._element
    marking = [
        p for p in header.iter(qn("w:p")) if "".join(t.text for t in p.iter(qn("w:t"))) == "سري"
    ]
    assert marking and marking[0].find(f"{{{W}}}pPr/{{{W}}}pBdr") is not None
    textpaths = header.findall(
        ".//{urn:schemas-microsoft-com:vml}shape/{urn:schemas-microsoft-com:vml}textpath"
    )
    assert [t.get("string") for t in textpaths] == ["مسودة"]
    body = package.element.body
    last_table = body.findall(qn("w:tbl"))[-1]
    text = "".join(t.text for t in last_table.iter(qn("w:t")))
    assert "التحقق من الوثيقة" in text and len(re.findall(r"[0-9a-f]{64}", text)) == 1
    assert last_table.find(".//" + qn("a:blip")) is not None  # the QR code picture
    pdf = docx_to_pdf(path, tmp_path)
    pages = lo_text(pdf).split("\f")[:-1]
    assert all("سري" in page for page in pages)
    sha = re.search(r"[0-9a-f]{64}", text).group()
    assert sha in re.sub(r"\s", "", normalize(pages[-1]))
