"""The Typst engine: record text is data to the compiler, the PDF is tagged (PDF/UA-1) with the
language of every element, `--pdfa` gives PDF/A-3a carrying the record, Arabic words come back
whole (the Allah ligature and vocalised words included), and mixed runs, emoji and links stand
where the record has them. Exported through the real command, read back with poppler, pikepdf,
the `pdfua` checker and pikepdf's PDF/A validator."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
import yaml

from conftest import EXAMPLE, record_texts, run_cli
from support.letterheads import letterhead
from support.readers import (
    link_uris,
    missing_words,
    normalize,
    pdfa_report,
    pdffonts,
    pdftotext,
)
from support.records import BILINGUAL, MIXED, check_mixed_order, check_mixed_words

pytest.importorskip("typst")

# Typst markup and code a record might carry: each must print as the characters it is.
TYPST_HOSTILE = {
    "language": "ar",
    "conference": {
        "title": '#read("/etc/passwd") #eval("1+1") $x^2$',
        "organizer": '#set page(width: 3cm) #import "@preview/cetz:0.3.0": *',
        "reference": ']; #panic("x") [',
    },
    "summary": "*غامق* _مائل_ `كود` #let x = 7 * 7 #x <label> @ref = عنوان",
    "participants": ['#image("/etc/hosts")', '#link("file:///etc/passwd")[x]', "\\ \\# {}"],
    "recommendations": [{"text": '#show: none #sys.inputs "}]}}'}],
}
VOCALISED = {
    "language": "ar",
    "conference": {"title": "بِسْمِ اللَّهِ الرَّحْمَٰنِ الرَّحِيمِ", "reference": "م/1/2024"},
    "summary": "وَزَارَةُ الدَّاخِلِيَّةِ تُعْلِنُ أَنَّ الأَمْنَ وَالسَّلَامَ مَسْؤُولِيَّةُ الجَمِيعِ. "
    "عبدالله وعبد الله ولا إله إلا الله",
    "recommendations": [{"text": "كَتَبَ الطَّالِبُ الدَّرْسَ فِي الْمَدْرَسَةِ كُلٌّ حَسَبَ ظُرُوفِهِ"}],
}
SYMBOLS = {
    "language": "ar",
    "conference": {"title": "رموز ✓ و 🛡 في النص", "reference": "S/1"},
    "summary": "لغة C++ والهاتف +966 11 234 5678 والحالة ✅ والسهم → والرمز ★",
}


def _export(folder: Path, record: dict | Path, *args: str) -> Path:
    if isinstance(record, dict):
        source = folder / "record.yaml"
        source.write_text(yaml.safe_dump(record, allow_unicode=True, width=10**9), "utf-8")
    else:
        source = record
    out = folder / "report.pdf"
    result = run_cli("export", str(source), "--engine", "typst", "-o", str(out), *args)
    assert result.returncode == 0, result.stderr.decode()
    return out


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    return _export(tmp_path_factory.mktemp("example"), EXAMPLE, "--marking", "سري", "--draft")


@pytest.fixture(scope="module")
def archival(tmp_path_factory) -> Path:
    return _export(tmp_path_factory.mktemp("archival"), EXAMPLE, "--pdfa")


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    return _export(tmp_path_factory.mktemp("handout"), BILINGUAL, "--lang", "ar+en")


@pytest.fixture(scope="module")
def lettered(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("letterhead")
    return _export(folder, EXAMPLE, "--letterhead", str(letterhead(folder)))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    return _export(tmp_path_factory.mktemp("hostile"), TYPST_HOSTILE)


def pdfinfo(path: Path, *args: str) -> str:
    return subprocess.run(
        ["pdfinfo", *args, str(path)], check=True, capture_output=True, text=True
    ).stdout


# --- text is data -------------------------------------------------------------------------------


def test_typst_markup_in_a_record_prints_literally_and_runs_nothing(hostile):
    text = normalize(pdftotext(hostile))
    for literal in (
        '#read("/etc/passwd")',
        '#eval("1+1")',
        "$x^2$",
        "page(width",
        '"@preview/cetz:0.3.0',
        "*غامق*",
        "#let x",
        "<label>",
        "#image(",
        "/etc/hosts",
        "#sys.inputs",
    ):
        assert literal in text, literal
    assert "root:" not in text  # nothing was read
    assert "49" not in re.findall(r"\d+", text)  # nothing was evaluated
    with pikepdf.open(hostile) as pdf:  # the layout is the template's: A4, every page
        for page in pdf.pages:
            assert [round(float(v)) for v in page.mediabox] == [0, 0, 595, 842]
        assert not any(str(uri).startswith("file:") for uri in link_uris(hostile))


def test_the_compiler_reads_only_the_template_and_the_fonts(tmp_path):
    """The compiler's root is reportkit's templates folder: a path outside it is refused even
    to reportkit's own code, so a record could not reach one either."""
    import typst

    from reportkit.writers.typst.writer import new_compiler

    secret = tmp_path / "secret.txt"
    secret.write_text("geheim", "utf-8")
    with pytest.raises(typst.TypstError):
        new_compiler().compile(
            input=f'#read("{secret}")'.encode(), format="pdf", sys_inputs={"doc": "{}"}
        )


# --- text comes back ----------------------------------------------------------------------------


def test_allah_and_vocalised_words_come_back_with_poppler(tmp_path):
    pdf = _export(tmp_path, VOCALISED)
    text = pdftotext(pdf)
    expected = [VOCALISED["conference"]["title"], VOCALISED["summary"]]
    expected.append(VOCALISED["recommendations"][0]["text"])
    assert missing_words(expected, text) == []
    assert normalize(text).count("الله") >= 4  # never "اهلل"
    assert "اهلل" not in normalize(text)


def test_mixed_runs_stand_in_place_and_links_are_clickable(tmp_path):
    pdf = _export(tmp_path, MIXED)
    text = pdftotext(pdf)
    check_mixed_words(text, record_texts)
    check_mixed_order(text)
    assert {"https://www.example.org/a-b", "mailto:info@example.org"} <= set(link_uris(pdf))


def test_isolate_controls_shape_the_line_but_never_reach_the_text(tmp_path):
    from support.readers import pdfium_text

    pdf = _export(tmp_path, MIXED)
    for reader in (pdftotext, pdfium_text):
        text = reader(pdf)
        assert not re.search("[\u2066-\u2069\u200b\u2060]", text), reader.__name__


def test_code_names_phone_numbers_symbols_and_emoji(tmp_path):
    pdf = _export(tmp_path, SYMBOLS)
    text = normalize(pdftotext(pdf))
    for token in ("C++", "+966 11 234 5678", "✓", "🛡", "✅", "→", "★"):
        assert token in text, token
    names = {re.sub(r"^[A-Z]{6}\+", "", f["name"]) for f in pdffonts(pdf)}
    assert {"NotoEmoji-Regular", "NotoSansSymbols2-Regular"} <= names, names
    assert all(f["emb"] == "yes" and f["uni"] == "yes" for f in pdffonts(pdf))


def test_every_word_of_the_handout_and_the_letterhead(handout, lettered, example_data):
    handout_text = pdftotext(handout)
    for lang in ("ar", "en"):
        assert missing_words(record_texts(BILINGUAL, lang), handout_text) == [], lang
    text = pdftotext(lettered)
    assert missing_words(record_texts(example_data, "ar"), text) == []
    for phrase in ("الجمهورية التونسية", "République Tunisienne", "بسم الله الرحمن الرحيم"):
        assert phrase in normalize(text), phrase


def test_arabic_indic_digits_number_the_pages(tmp_path):
    pdf = _export(tmp_path, EXAMPLE, "--digits", "arabic-indic")
    footer = normalize(pdftotext(pdf, "-f", "1", "-l", "1")).splitlines()
    line = next(line for line in footer if "صفحة" in line)
    assert "١" in line and "٣" in line and not re.search("[0-9]", line), line


def test_words_longer_than_a_line_break_and_stay_on_the_page(tmp_path):
    from support.readers import char_boxes, pdf_page_count

    long = {
        "language": "ar",
        "conference": {"title": "عنوان " + "ب" * 3000, "reference": "R/" + "x" * 300},
        "summary": "نص " + "a" * 5000 + " ونهاية",
        "participants": ["https://example.org/" + "a" * 400],
    }
    pdf = _export(tmp_path, long)
    text = re.sub(r"\s", "", normalize(pdftotext(pdf)))
    assert text.count("a") >= 5400 and text.count("ب") >= 3000  # every letter is printed
    for page in range(pdf_page_count(pdf)):
        for char, (left, _, right, _) in char_boxes(pdf, page):
            assert -1 <= left and right <= 596, (page, char, left, right)


# --- tagged and archival ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["example", "handout", "lettered", "archival"])
def test_tagged_pdfua_1_and_the_checker_finds_nothing(name, request):
    import pdfua

    pdf = request.getfixturevalue(name)
    assert re.search(r"^Tagged:\s+yes$", pdfinfo(pdf), re.M)
    with pikepdf.open(pdf) as doc:
        assert doc.Root.MarkInfo.Marked is True
        assert doc.Root.ViewerPreferences.DisplayDocTitle is True
        assert str(doc.Root.Lang) == "ar"
        assert "<pdfuaid:part>1</pdfuaid:part>" in doc.Root.Metadata.read_bytes().decode()
    report = pdfua.validate(str(pdf))
    assert report.findings == (), [f.to_dict() for f in report.findings]


def _elements(path: Path) -> list[dict]:
    """The structure tree's elements in reading order: role, /Lang (own or inherited), /Alt,
    and the text of the content they mark, read by pdfinfo -struct-text element by element."""
    out: list[dict] = []
    with pikepdf.open(path) as pdf:

        def walk(node, lang: str) -> None:
            lang = str(node.Lang) if "/Lang" in node else lang
            alt = str(node.Alt) if "/Alt" in node else None
            out.append({"role": str(node.S)[1:], "lang": lang, "alt": alt, "text": ""})
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    walk(kid, lang)

        for top in pdf.Root.StructTreeRoot.K:
            walk(top, str(pdf.Root.get("/Lang", "")))
    raw = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, check=True)
    index = 0
    for line in raw.stdout.decode("utf-8", "replace").splitlines():
        body = line.strip()
        if body.startswith('"') and index:
            out[index - 1]["text"] += body[1:-1]
        elif re.match(r"[A-Z][A-Za-z0-9]*(?: |:|$)", body) and not body.startswith("Object "):
            index += 1
    return out


def test_headings_lists_and_the_qr_figure_are_tagged(example):
    elements = _elements(example)
    roles = [e["role"] for e in elements]
    assert roles.count("H1") == 1 and roles.count("H2") == 6
    assert {"L", "LI", "Lbl", "LBody"} <= set(roles)
    figures = [e for e in elements if e["role"] == "Figure"]
    assert len(figures) == 1 and figures[0]["alt"]


def test_an_elements_runs_are_one_marked_content_sequence(example):
    """Typst opens a sequence for each glyph run; the writer joins those of one element that
    follow each other, so the tagged file is not a fifth larger than the untagged one. Read
    back: no sequence begins right where one of the same element and properties ended."""
    with pikepdf.open(example) as pdf:
        nums = list(pdf.Root.StructTreeRoot.ParentTree.Nums)
        tree = dict(zip(nums[::2], nums[1::2], strict=True))
        sequences = 0
        for page in pdf.pages:
            owners = tree[int(page.StructParents)]
            depth, closed = 0, None  # (owner, properties) of the sequence that just ended
            current = None
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op in ("BDC", "BMC"):
                    props = operands[1] if op == "BDC" else None
                    if depth == 0 and isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
                        rest = {k: str(v) for k, v in props.items() if k != "/MCID"}
                        key = (owners[int(props.MCID)].objgen, str(operands[0]), rest)
                        assert key != closed, key
                        current, sequences = key, sequences + 1
                    depth += 1
                    closed = None
                elif op == "EMC":
                    depth -= 1
                    closed = current if depth == 0 else None
                else:
                    closed = None
            assert len(owners) == len({m for m in range(len(owners))})  # numbered 0, 1, 2...
        assert sequences


def test_english_text_of_the_handout_carries_its_language(handout):
    elements = _elements(handout)
    # the handout's paragraphs and list items, block by block in two columns
    english = [
        e for e in elements if e["role"] in ("P", "LBody") and re.search("[A-Za-z]{4}", e["text"])
    ]
    arabic = [e for e in elements if e["role"] in ("P", "LBody") and re.search("[ء-ي]", e["text"])]
    assert english and arabic
    assert all(e["lang"] == "en" for e in english), english
    assert all(e["lang"] == "ar" for e in arabic), arabic


def test_addresses_in_page_furniture_are_text_not_links(tmp_path):
    """The running header, the marking band and the footer are artifacts, which a tagged PDF
    may not give a link: a reference, marking or footer line that is an address prints as text."""
    import pdfua

    record = {
        "language": "ar",
        "conference": {"title": "اجتماع", "reference": "https://www.example.org/ref?x=1"},
        "summary": " ".join(["فقرة طويلة تملأ الصفحة الأولى وما بعدها."] * 400),
    }
    pdf = _export(tmp_path, record, "--marking", "https://example.org/secret")
    assert report_ok(pdfua.validate(str(pdf)))
    from support.readers import pdf_page_count

    assert pdf_page_count(pdf) >= 2  # the reference stands in the running header of page 2
    assert "https://www.example.org/ref?x=1" in normalize(pdftotext(pdf))


def test_empty_title_and_heading_still_make_a_tagged_pdf(tmp_path):
    """A tagged PDF needs a document title and refuses empty headings; a record may leave
    texts empty (here the English title and a section heading): they print as a dash."""
    import pdfua

    record = {
        "language": "ar",
        "conference": {"title": {"ar": "اجتماع", "en": ""}, "reference": "R/1"},
        "summary": {"ar": "نص", "en": "Text"},
        "sections": [{"heading": {"ar": "", "en": ""}, "paragraphs": [{"ar": "فقرة", "en": "P"}]}],
    }
    pdf = _export(tmp_path, record, "--lang", "en+ar")
    assert re.search(r"^Tagged:\s+yes$", pdfinfo(pdf), re.M)
    # The file's metadata title is the document model's (the first language's title, empty
    # here, in every engine): the checker's only remark.
    findings = pdfua.validate(str(pdf)).findings
    assert {f.rule_id for f in findings} <= {"UA-07-001"}, [f.to_dict() for f in findings]
    assert "—" in pdftotext(pdf)


def test_an_address_run_into_arabic_letters_still_renders(tmp_path):
    """An address glued to an Arabic word ("…y=2ؤ") would be a link of two directions, which
    Typst cannot tag: it prints as text, and the plain address beside it stays a link."""
    summary = (  # as scripts/fuzz.py found it, pared down
        "☪ﺱﰜﰉﮙ h//www.example.org/a-b?x=1&y=2 https://www.example.org/a-b?x=1&y=2ؤ\u300027غخـهض "
        "ذقهﰙﭯﭺﳑﶠﮁﶙﻇ中文 🏳🌈 ٣٩٣٠٨٥déjà-vu خؤكؤءلطس🇦\xadچھءفہكةش "
        "وعنوان https://www.example.org/plain فقط"
    )
    record = {"language": "fa", "conference": {"title": "ع"}, "summary": summary}
    pdf = _export(tmp_path, record, "--draft")
    assert "https://www.example.org/plain" in link_uris(pdf)
    text = normalize(pdftotext(pdf))  # wrapped after a "/", never after its "?" or hyphen
    assert "https://www.example.org/" in text and "a-b?x=1&y=2" in text


def test_the_fallback_without_links_keeps_every_address_as_text(tmp_path):
    """When Typst cannot tag a link, the report is made again without links: the same data,
    every address still there as text."""
    from reportkit.export import ExportOptions, document_for, load
    from reportkit.writers.typst.writer import _without_links, document_data

    source = tmp_path / "mixed.yaml"
    source.write_text(yaml.safe_dump(MIXED, allow_unicode=True), "utf-8")
    data = document_data(document_for(load(source), ExportOptions()))
    runs = [r for b in data["blocks"] for t in b.get("texts", []) for r in t["runs"]]
    assert any(r["href"] for r in runs)
    bare = _without_links(data)
    bare_runs = [r for b in bare["blocks"] for t in b.get("texts", []) for r in t["runs"]]
    assert not any(r["href"] for r in bare_runs)
    assert [r["t"] for r in bare_runs] == [r["t"] for r in runs]


def report_ok(report) -> bool:
    assert report.findings == (), [f.to_dict() for f in report.findings]
    return True


def test_without_tags_the_file_is_untagged(tmp_path):
    pdf = _export(tmp_path, EXAMPLE, "--no-tags")
    assert re.search(r"^Tagged:\s+no$", pdfinfo(pdf), re.M)
    with pikepdf.open(pdf) as doc:
        assert "/StructTreeRoot" not in doc.Root
        assert "pdfuaid" not in doc.Root.Metadata.read_bytes().decode()


def test_pdfa_3a_with_the_record_as_its_source(archival, tmp_path):
    report = pdfa_report(archival)
    assert report.passed, report.summary()
    with pikepdf.open(archival) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "<pdfaid:part>3</pdfaid:part>" in xmp
        assert "<pdfaid:conformance>A</pdfaid:conformance>" in xmp
        spec = pdf.attachments["record.json"].obj
        assert spec.AFRelationship == "/Source"
        assert any(f.objgen == spec.objgen for f in pdf.Root.AF)
    out = tmp_path / "record.yaml"
    result = run_cli("extract", str(archival), "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    data, example = (
        yaml.safe_load(out.read_text("utf-8")),
        yaml.safe_load(EXAMPLE.read_text("utf-8")),
    )
    assert data["conference"]["title"] == example["conference"]["title"]
    for key in ("summary", "recommendations", "sections"):
        assert data[key] == example[key], key


def test_reportlab_still_refuses_pdfa(tmp_path):
    result = run_cli(
        "export", str(EXAMPLE), "--engine", "reportlab", "--pdfa", "-o", str(tmp_path / "r.pdf")
    )
    assert result.returncode == 2
    assert b"--pdfa needs" in result.stderr and not (tmp_path / "r.pdf").exists()


# --- an optional engine -------------------------------------------------------------------------


def test_without_the_typst_package_the_command_names_the_extra(tmp_path):
    code = (
        "import sys; sys.modules['typst'] = None; "  # as if the extra were not installed
        "sys.argv = ['reportkit', 'export', '--engine', 'typst', '-o', sys.argv[1]]; "
        "from reportkit.cli import main; main()"
    )
    out = tmp_path / "r.pdf"
    result = subprocess.run(
        [sys.executable, "-c", code, str(out)], capture_output=True, timeout=120
    )
    assert result.returncode == 2, result.stderr
    assert b"pip install 'reportkit[typst]'" in result.stderr
    assert b"Traceback" not in result.stderr and not out.exists()


def test_the_command_line_does_not_import_typst():
    code = "import sys; import reportkit.cli, reportkit.export; print('typst' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_a_link_gets_no_break_inside_a_word_and_a_long_part_gets_some():
    """The word joiners `inline.printed` puts in a link print nothing, so they do not make it
    long; a link breaks after its own "/" and only a part with no break of its own is cut."""
    from reportkit.writers.typst.writer import LONG_RUN, breakable

    url = "https:/\u2060/\u2060www.example.org/a-\u2060b"
    assert breakable(url) == url
    long = "https:/\u2060/\u2060www.example.org/" + "abcdefghij" * 4 + "/x"
    cut = breakable(long)
    assert cut.replace("\u200b", "") == long
    assert cut.startswith("https:/\u2060/\u2060www.example.org/abc")  # the short part is whole
    assert "\u200b/" not in cut and max(map(len, cut.split("\u200b"))) < LONG_RUN + 20


def test_no_actual_text_repeats_what_the_glyphs_say(tmp_path):
    """Typst wraps each later plain use of a glyph first drawn beside a joiner in an ActualText
    span; once the joiners are out of the text, such a span only splits the word for PDFium
    ("Shie" "l" "d"), so none is left: every span says something the glyphs do not."""
    source = tmp_path / "mixed.yaml"
    source.write_text(yaml.safe_dump(MIXED, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "mixed.pdf"
    assert (
        run_cli("export", str(source), "-f", "pdf", "--engine", "typst", "-o", str(out)).returncode
        == 0
    )
    said = []
    with pikepdf.open(out) as pdf:
        for page in pdf.pages:
            for operands, op in pikepdf.parse_content_stream(page):
                if str(op) == "BDC" and len(operands) > 1:
                    props = operands[1]
                    if isinstance(props, pikepdf.Dictionary) and "/ActualText" in props:
                        said.append(str(props.ActualText))
    assert not [s for s in said if s.strip() and s.isascii()], said
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True).stdout
    assert "Cyber Shield" in text.decode()


def _page_with_one_paragraph(content: bytes) -> pikepdf.Pdf:
    """A one-page PDF whose structure has one /P owning MCIDs 0 and 1 of that page."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0].obj
    page.Contents = pdf.make_stream(content)
    page.StructParents = 0
    paragraph = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.P, Pg=page, K=pikepdf.Array([0, 1]))
    )
    pdf.Root.StructTreeRoot = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.StructTreeRoot,
            K=paragraph,
            ParentTree=pikepdf.Dictionary(
                Nums=pikepdf.Array([0, pikepdf.Array([paragraph, paragraph])])
            ),
        )
    )
    return pdf


def test_joining_an_elements_sequences_never_pulls_text_into_an_artifact():
    """Two sequences of one element with only their own boundary between them become one; with
    a decoration (an /Artifact) drawn between them they stay two, or the second's text would end
    inside the artifact, out of the structure a screen reader reads."""
    from reportkit.writers.typst.structure import join_marked_content

    joined = _page_with_one_paragraph(
        b"/P<</MCID 0>>BDC BT (a)Tj ET EMC/P<</MCID 1>>BDC\nBT (b)Tj ET EMC"
    )
    join_marked_content(joined)
    page = joined.pages[0].obj
    assert page.Contents.read_bytes().count(b"BDC") == 1
    assert list(joined.Root.StructTreeRoot.K.K) == [0]

    apart = _page_with_one_paragraph(
        b"/P<</MCID 0>>BDC BT (a)Tj ET EMC /Artifact<</Type/Layout>>BDC 0 0 m 1 1 l S EMC"
        b"/P<</MCID 1>>BDC\nBT (b)Tj ET EMC"
    )
    before = apart.pages[0].obj.Contents.read_bytes()
    join_marked_content(apart)
    assert apart.pages[0].obj.Contents.read_bytes() == before
    assert list(apart.Root.StructTreeRoot.K.K) == [0, 1]
