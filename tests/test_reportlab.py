"""The ReportLab PDF (`export --engine reportlab`), read back with the same real readers as the
WeasyPrint one (tests/test_pdf.py): poppler, PDFium, pikepdf, qpdf, zbar. No mocks."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pikepdf
import pytest
import yaml

pytest.importorskip("reportlab")
pytest.importorskip("uharfbuzz")

from conftest import EXAMPLE, ROOT, record_texts, run_cli  # noqa: E402
from reportkit.conventions import digits  # noqa: E402
from reportkit.export import ExportOptions, export  # noqa: E402
from support.readers import (  # noqa: E402
    PRESENTATION_FORMS,
    has_phrase,
    missing_words,
    normalize,
    outline_entries,
    pdf_page_count,
    pdf_pages_text,
    pdffonts,
    pdfium_text,
    pdftotext,
    words,
)
from support.records import MIXED  # noqa: E402

ARABIC_INDIC = "arabic-indic"
MARKING = "سري"

# A record with human Arabic and English for every text, so `--lang ar+en` needs no translation.
# The proceedings are one long paragraph (longer than a page in a half-width column), so its row
# of the bilingual table must split across pages; both languages hold "(INTERPOL)".
PROCEEDINGS = {
    "ar": "وكان المؤتمر قد حظي بمشاركة وفود أمنية رفيعة المستوى من مختلف الدول العربية، كما حضر "
    "المؤتمر رئيس المنظمة الدولية للشرطة الجنائية (INTERPOL) وناقش المؤتمر جملة من المواضيع الهامة "
    "من بينها: استعمال التكنولوجيا الحديثة في الجرائم الإرهابية والجريمة المنظمة، وثمن في هذا "
    "الإطار تجربة المملكة المغربية في مجال مكافحة الجرائم السيبرانية، داعيا الدول الأعضاء إلى "
    "الاستفادة منها، كما دعاها إلى الاهتمام بتقييم المخاطر التي يشكلها استعمال التكنولوجيا الحديثة "
    "في كافة الجرائم وإلى اتخاذ الإجراءات اللازمة لمكافحتها، والاستفادة من التكنولوجيا المتقدمة "
    "والذكاء الاصطناعي في مجال مكافحة الجرائم الإرهابية والجريمة المنظمة. وثمن المؤتمر كذلك تجربة "
    "دولة قطر في تأمين بطولة كأس العالم لكرة القدم الدوحة 2022م، داعيا الدول الأعضاء إلى الاستفادة "
    "منها، كما دعا جامعة نايف العربية للعلوم الأمنية إلى تنظيم ورشة عمل لممثلي الأجهزة الأمنية "
    "وأجهزة الحماية المدنية حول إدارة وتأمين الأحداث الرياضية الكبرى، بما يسمح بتبادل التجارب "
    "الناجحة والممارسات الفضلى ويعزز خبراتهم في هذا المجال. وحث المؤتمر في سياق مناقشته للآلية "
    "التنسيقية التشاركية بين البلدان العربية للتكفل بعلاج المصابين من رجال الشرطة، الدول الأعضاء "
    "على تبادل المساعدة في علاج المصابين من رجال الشرطة بصورة ثنائية، كلٌ حسب ظروفها وإمكانياتها. "
    "كما أكد المؤتمر على حث الاتحادات الرياضية العربية للشرطة على المشاركة الفعّالة في نشاطات "
    "الاتحاد الرياضي العربي للشرطة، ليتسنى تحقيق الأهداف المنشودة. وقد وافق المؤتمر على توصيات "
    "مؤتمرات رؤساء القطاعات الأمنية واجتماعات اللجان التي انعقدت في نطاق الأمانة العامة خلال عام "
    "2023م، وسترفع الأمانة العامة توصيات المؤتمر إلى الدورة المقبلة لمجلس وزراء الداخلية العرب "
    "لاتخاذ ما يراه مناسبا بشأنها.",
    "en": "The conference was attended by high-level security delegations from the Arab states and "
    "by the President of the International Criminal Police Organization (INTERPOL). It discussed a "
    "number of important subjects, among them the use of modern technology in terrorist crimes and "
    "organized crime; it commended the experience of the Kingdom of Morocco in fighting cybercrime, "
    "called on the member states to benefit from it, and urged them to assess the risks that modern "
    "technology poses in all crimes, to take the measures needed to fight them, and to use advanced "
    "technology and artificial intelligence against terrorism and organized crime. The conference "
    "also commended the experience of the State of Qatar in securing the FIFA World Cup Doha 2022, "
    "and called on Naif Arab University for Security Sciences to organize a workshop for the "
    "security and civil protection services on managing and securing major sporting events, so "
    "that successful experiences and best practices can be shared. Discussing the joint mechanism "
    "of the Arab countries for the treatment of injured police officers, the conference urged the "
    "member states to help one another bilaterally, each according to its circumstances and means. "
    "It also urged the Arab police sports federations to take an active part in the activities of "
    "the Arab Police Sports Federation. Finally, the conference approved the recommendations of "
    "the meetings held within the General Secretariat during 2023, which the General Secretariat "
    "will submit to the next session of the Council of Arab Interior Ministers, closing words.",
}
BILINGUAL = {
    "language": "ar",
    "conference": {
        "title": {
            "ar": "المؤتمر السابع والأربعون لقادة الشرطة والأمن العرب",
            "en": "47th Conference of Arab Police and Security Leaders",
        },
        "number": 47,
        "organizer": {
            "ar": "الأمانة العامة لمجلس وزراء الداخلية العرب",
            "en": "General Secretariat of the Council of Arab Interior Ministers",
        },
        "city": {"ar": "طنجة", "en": "Tangier"},
        "country": {"ar": "المملكة المغربية", "en": "Kingdom of Morocco"},
        "start_date": "2023-11-15",
        "end_date": "2023-11-16",
        "reference": "م ق ش/47/2023",
    },
    "summary": {
        "ar": "اختتم بمدينة طنجة بالمملكة المغربية المؤتمر السابع والأربعون لقادة الشرطة والأمن العرب.",
        "en": "The 47th Conference of Arab Police and Security Leaders concluded in Tangier, "
        "Kingdom of Morocco.",
    },
    "participants": [
        {
            "ar": "وفود أمنية رفيعة المستوى من مختلف الدول العربية",
            "en": "High-level security delegations from the Arab states",
        },
        {
            "ar": "رئيس المنظمة الدولية للشرطة الجنائية",
            "en": "The President of the International Criminal Police Organization",
        },
    ],
    "topics": [
        {
            "ar": "استعمال التكنولوجيا الحديثة في الجرائم الإرهابية والجريمة المنظمة",
            "en": "The use of modern technology in terrorist crimes and organized crime",
        },
        {
            "ar": "تأمين بطولة كأس العالم لكرة القدم الدوحة 2022م",
            "en": "Securing the FIFA World Cup Doha 2022",
        },
        {
            "ar": "نشاطات الاتحاد الرياضي العربي للشرطة",
            "en": "Activities of the Arab Police Sports Federation",
        },
    ],
    "recommendations": [
        {
            "text": {
                "ar": "الاستفادة من تجربة المملكة المغربية في مجال مكافحة الجرائم السيبرانية.",
                "en": "Benefit from the experience of the Kingdom of Morocco in fighting cybercrime.",
            },
            "category": {"ar": "التكنولوجيا الحديثة والجريمة", "en": "Modern technology and crime"},
        },
        {
            "text": {
                "ar": "الاستفادة من تجربة دولة قطر في تأمين بطولة كأس العالم لكرة القدم الدوحة 2022م.",
                "en": "Benefit from the experience of the State of Qatar in securing the FIFA "
                "World Cup Doha 2022.",
            },
            "category": {"ar": "تأمين الأحداث الرياضية", "en": "Securing sporting events"},
        },
        {
            "text": {
                "ar": "تبادل المساعدة في علاج المصابين من رجال الشرطة بصورة ثنائية.",
                "en": "Exchange assistance, bilaterally, in treating injured police officers.",
            },
            "category": {"ar": "رعاية المصابين من رجال الشرطة", "en": "Care of injured officers"},
        },
    ],
    "sections": [
        {"heading": {"ar": "وقائع المؤتمر", "en": "Proceedings"}, "paragraphs": [PROCEEDINGS]},
        {
            "heading": {"ar": "على هامش المؤتمر", "en": "On the sidelines"},
            "paragraphs": [
                {
                    "ar": "هذا وقد تم على هامش المؤتمر الإعلان عن الدول الفائزة في المسابقة التي "
                    "تجريها الأمانة العامة بصورة سنوية في مجال التوعية الأمنية.",
                    "en": "On the sidelines of the conference, the winners of the yearly security "
                    "awareness competition of the General Secretariat were announced.",
                }
            ],
        },
    ],
}


def _export(folder, source, **options):
    return export(
        source, ["pdf"], folder / "out.pdf", ExportOptions(engine="reportlab", **options)
    )["pdf"]


def _record(folder, data):
    path = folder / "record.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rl_example_pdf(tmp_path_factory):
    return _export(tmp_path_factory.mktemp("rl-example"), EXAMPLE)


@pytest.fixture(scope="module")
def rl_mixed_pdf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rl-mixed")
    return _export(folder, _record(folder, MIXED))


@pytest.fixture(scope="module")
def rl_marked_pdf(tmp_path_factory):
    """The example with a classification marking and Arabic-Indic digits."""
    folder = tmp_path_factory.mktemp("rl-marked")
    return _export(folder, EXAMPLE, marking=MARKING, digits=ARABIC_INDIC)


@pytest.fixture(scope="module")
def rl_bilingual_pdf(tmp_path_factory):
    """The bilingual record as ar+en, a draft (the watermark in both languages)."""
    folder = tmp_path_factory.mktemp("rl-bilingual")
    return _export(folder, _record(folder, BILINGUAL), lang="ar+en", draft=True)


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")


def qpdf_check(path) -> None:
    need("qpdf")
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


# --- brackets, seen on the page --------------------------------------------------------------


def _brackets(path, page_index: int = 0) -> list[tuple[str, str, str]]:
    """Every parenthesis on a page next to a Latin word, as drawn: (its column, which side of it
    the word stands, which side its glyph bulges to). The glyph is found by PDFium's character
    box; its shape is read from the ink of the rendered page inside that box (readers disagree on
    which character a mirrored bracket is, so only the picture counts)."""
    pdfium = pytest.importorskip("pypdfium2")
    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[page_index]
        scale = 4
        image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
        width, height = page.get_width(), page.get_height()
        textpage = page.get_textpage()
        n = textpage.count_chars()
        text = textpage.get_text_range(0, n)
        latin = re.compile(r"[A-Za-z0-9-]")
        out = []
        for i, char in enumerate(text):
            if char not in "()":
                continue
            near = [j for j in (i + 1, i - 1, i + 2, i - 2) if 0 <= j < n and latin.match(text[j])]
            if not near:
                continue
            j = k = near[0]
            while j > 0 and latin.match(text[j - 1]):
                j -= 1
            while k + 1 < n and latin.match(text[k + 1]):
                k += 1
            word = [textpage.get_charbox(m) for m in range(j, k + 1)]
            word_x = (min(b[0] for b in word) + max(b[2] for b in word)) / 2
            left, bottom, right, top = textpage.get_charbox(i)
            crop = image.crop(
                (
                    int(left * scale),
                    int((height - top) * scale),
                    int(right * scale) + 1,
                    int((height - bottom) * scale) + 1,
                )
            )
            w, h = crop.size
            ink = [[crop.getpixel((x, y)) < 128 for x in range(w)] for y in range(h)]

            def mean_x(rows, w=w, ink=ink):
                xs = [x for y in rows for x in range(w) if ink[y][x]]
                return sum(xs) / len(xs)

            ends = mean_x(list(range(0, h // 5)) + list(range(h - h // 5, h)))
            middle = mean_x(range(2 * h // 5, 3 * h // 5))
            x = (left + right) / 2
            out.append(
                (
                    "right" if word_x > width / 2 else "left",
                    "right" if word_x > x else "left",
                    "right" if middle > ends else "left",
                )
            )
        return out
    finally:
        pdf.close()


def test_parentheses_mirror_in_arabic_lines(rl_mixed_pdf):
    # "(GCC)" twice, "(INTERPOL)" and the verification block's "(SHA-256)": right to left, each
    # bracket is drawn mirrored, so that it bulges away from the word it encloses
    brackets = _brackets(rl_mixed_pdf)
    assert len(brackets) == 8
    assert all(side != bulge for _, side, bulge in brackets), brackets


def test_parentheses_in_both_columns_of_the_bilingual_pdf(rl_bilingual_pdf):
    brackets = []
    for index in range(pdf_page_count(rl_bilingual_pdf)):
        brackets += _brackets(rl_bilingual_pdf, index)
    columns = sorted(column for column, _, _ in brackets)
    assert columns.count("left") >= 2 and columns.count("right") >= 2  # "(INTERPOL)" in each
    assert all(side != bulge for _, side, bulge in brackets), brackets


def test_the_bracket_check_sees_a_wrong_bracket(tmp_path):
    # brackets written the wrong way round in the record do point at their word: the check
    # above would catch a mirroring that went wrong
    record = {**MIXED, "summary": "حضر ممثل المنظمة الدولية للشرطة الجنائية )INTERPOL( اجتماع"}
    path = _export(tmp_path, _record(tmp_path, record))
    brackets = [b for b in _brackets(path) if b]
    assert sum(side == bulge for _, side, bulge in brackets) == 2, brackets


# --- marking, draft, digits, verification ------------------------------------------------------


def pdfium_pages(path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def test_marking_on_every_page(rl_marked_pdf):
    pages = pdf_pages_text(rl_marked_pdf)
    assert len(pages) >= 2
    for text in pages:
        assert words(text)[0] == MARKING  # the band at the top of the page comes first


def test_draft_watermark_on_every_page(rl_bilingual_pdf):
    # Poppler cuts diagonal text into the letters of the lines it crosses (WeasyPrint's
    # watermark too), so the words are read with PDFium, which reads the rotated line whole.
    pages = pdfium_pages(rl_bilingual_pdf)
    assert len(pages) == pdf_page_count(rl_bilingual_pdf) >= 2
    for text in pages:
        assert "مسودة" in words(text) and "DRAFT" in words(text)


def test_arabic_indic_page_numbers_and_list_numbers(rl_marked_pdf, example_data):
    pages = pdf_pages_text(rl_marked_pdf)
    count = len(pages)
    for number, text in enumerate(pages, start=1):
        label = f"صفحة {digits(str(number), ARABIC_INDIC)} من {digits(str(count), ARABIC_INDIC)}"
        assert has_phrase(text, label), label
        assert not has_phrase(text, f"صفحة {number} من {count}")
    tokens = words(pdftotext(rl_marked_pdf))
    for n, rec in enumerate(example_data["recommendations"], start=1):
        start = words(rec["category"])[0]
        assert any(
            tokens[i] == digits(str(n), ARABIC_INDIC) and tokens[i + 1] == start
            for i in range(len(tokens) - 1)
        ), n
    assert has_phrase(pages[0], "رقم الدورة ٤٧")


def test_verification_block_on_the_last_page(rl_example_pdf, tmp_path):
    from reportkit.export import document_for, load

    verification = document_for(load(EXAMPLE), ExportOptions()).verification
    pages = pdf_pages_text(rl_example_pdf)
    last = pages[-1]
    assert verification.sha256 in last.replace("\n", "")
    assert has_phrase(last, "التحقق من الوثيقة")
    assert has_phrase(last, "المرجع م ق ش/47/2023")
    assert all(verification.sha256 not in p for p in pages[:-1])
    # the QR code holds the payload (zbar reads the rendered page)
    need("zbarimg")
    need("pdftoppm")
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "200",
            "-f",
            str(len(pages)),
            "-l",
            str(len(pages)),
            str(rl_example_pdf),
            str(tmp_path / "last"),
        ],
        check=True,
    )
    (image,) = tmp_path.glob("last*.png")
    scan = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True)
    assert scan.stdout.decode("utf-8").strip() == verification.payload


# --- bilingual ---------------------------------------------------------------------------------


def test_bilingual_every_word_of_both_languages(rl_bilingual_pdf):
    for reader in (pdftotext, pdfium_text):
        text = reader(rl_bilingual_pdf)
        for lang in ("ar", "en"):
            assert missing_words(record_texts(BILINGUAL, lang), text) == [], (reader, lang)
        assert not PRESENTATION_FORMS.search(text)


def _word_boxes(path) -> list[tuple[int, str, float, float, float, float]]:
    """(page, word, xMin, yMin, xMax, yMax) of every word, from `pdftotext -bbox`."""
    html = pdftotext(path, "-bbox")
    out = []
    for page, body in enumerate(re.split(r"<page ", html)[1:]):
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            body,
        ):
            x0, y0, x1, y1 = map(float, m.groups()[:4])
            out.append((page, normalize(m.group(5)), x0, y0, x1, y1))
    return out


def test_bilingual_columns_arabic_right_rows_aligned_and_split(rl_bilingual_pdf):
    boxes = _word_boxes(rl_bilingual_pdf)
    middle = 595.276 / 2

    def find(word):  # -bbox gives right-to-left words in visual order, letters reversed
        return [b for b in boxes if word in words(b[1]) + words(b[1][::-1])]

    # headings: Arabic in the right column, English in the left, on one row
    for ar, en in (("وقائع", "Proceedings"), ("هامش", "sidelines")):
        a = min(find(ar), key=lambda b: (b[0], b[3]))  # the first one: the heading
        e = min(find(en), key=lambda b: (b[0], b[3]))
        assert a[2] > middle > e[4], (ar, en)
        assert a[0] == e[0] and abs(a[3] - e[3]) < 8, (a, e)
    # the proceedings row starts on one page and ends on the next, in both columns
    start_en, end_en = find("attended")[0], find("closing")[0]
    start_ar, end_ar = find("حظي")[0], find("بشأنها")[0]
    assert end_en[0] == start_en[0] + 1 and end_ar[0] == start_ar[0] + 1
    assert start_ar[2] > middle > start_en[4] and end_ar[2] > middle > end_en[4]
    # page X of Y in both languages, and the watermark in both, on every page
    pages = pdf_pages_text(rl_bilingual_pdf)
    for number, text in enumerate(pages, start=1):
        # one footer line holds both labels; poppler reads such a line left to right, so the
        # Arabic label's words come out in visual order (WeasyPrint's footer alike)
        footer = next(line for line in text.splitlines() if f"Page {number} " in line)
        assert has_phrase(footer, f"Page {number} of {len(pages)}")
        assert {"صفحة", "من", str(number), str(len(pages))} <= set(words(footer))
    with pikepdf.open(rl_bilingual_pdf) as pdf:
        assert str(pdf.Root.Lang) == "ar"
        assert str(pdf.docinfo["/Title"]) == BILINGUAL["conference"]["title"]["ar"]
    titles = [t for t, _, _ in outline_entries(rl_bilingual_pdf)]
    assert "وقائع المؤتمر" in titles and "Proceedings" not in titles


def test_list_numbers_on_the_start_side(rl_example_pdf, tmp_path):
    # right to left, the numbers stand against the right margin (A4 595.3 pt, margins 56.7 pt)
    markers = [b for b in _word_boxes(rl_example_pdf) if re.fullmatch(r"\.?[1-9]\.?", b[1])]
    markers = [b for b in markers if "." in b[1]]
    assert len(markers) == 9
    assert all(abs(b[4] - (595.276 - 56.693)) < 1 for b in markers), markers
    # left to right (the English record alone), against the left margin
    english = _export(tmp_path, _record(tmp_path, BILINGUAL), lang="en")
    text = pdftotext(english)
    assert missing_words(record_texts(BILINGUAL, "en"), text) == []
    assert has_phrase(text, "1. Modern technology and crime — Benefit from the experience")
    numbers = [b for b in _word_boxes(english) if b[1] in ("1.", "2.", "3.")]
    bullets = [b for b in _word_boxes(english) if b[1] == "•"]
    assert len(numbers) == 3 and len(bullets) == 5
    assert all(abs(b[2] - 56.693) < 1 for b in numbers + bullets)
    with pikepdf.open(english) as pdf:
        assert str(pdf.Root.Lang) == "en"


@pytest.mark.parametrize("seed", range(6))
def test_no_text_is_lost_where_pages_break(seed, tmp_path):
    # Random lengths of paragraphs, lists and sections put page breaks everywhere: inside
    # paragraphs, list items and bilingual rows, right after headings, at spaces between blocks.
    import copy
    import random

    from reportkit.document import Presentation, build_document
    from reportkit.record import record_from_data
    from reportkit.writers.reportlab.writer import render

    rnd = random.Random(seed)
    ar, en = PROCEEDINGS["ar"].split(), PROCEEDINGS["en"].split()

    def text(n: int) -> dict:
        a, e = rnd.randrange(len(ar)), rnd.randrange(len(en))
        return {"ar": " ".join((ar * 8)[a : a + n]), "en": " ".join((en * 8)[e : e + n + n // 5])}

    data = copy.deepcopy(BILINGUAL)
    sizes = (3, 12, 40, 150, 420)
    data["recommendations"] = [
        {"text": text(rnd.choice(sizes)), "category": {"ar": "مجال", "en": "Area"}}
        for _ in range(rnd.randrange(1, 9))
    ]
    data["sections"] = [
        {
            "heading": {"ar": f"القسم {i + 1}", "en": f"Section {i + 1}"},
            "paragraphs": [text(rnd.choice(sizes)) for _ in range(rnd.randrange(1, 5))],
        }
        for i in range(rnd.randrange(1, 5))
    ]
    languages = [("ar",), ("ar", "en"), ("en",), ("en", "ar")][seed % 4]
    document = build_document(
        record_from_data(data, "generated"), languages, Presentation(draft=seed % 2 == 0)
    )
    path = tmp_path / "generated.pdf"
    path.write_bytes(render(document))
    extracted = pdftotext(path)
    for lang in languages:
        assert missing_words(record_texts(data, lang), extracted) == [], lang
    assert pdf_page_count(path) >= 2


# --- the text engine's additions the writer relies on -----------------------------------------


def test_bold_ranges_use_the_bold_fonts_and_survive_a_split():
    from reportkit.writers.reportlab.paragraph import BidiParagraph
    from reportkit.writers.reportlab.writer import _engine

    engine = _engine()
    category = "التكنولوجيا الحديثة —"
    text = f"{category} الاستفادة من تجربة Cyber Shield في مجال مكافحة الجرائم السيبرانية " * 3
    laid = engine.layout(text, size=12, width=200, bold_ranges=[(0, len(category))])
    first = laid.lines[0].items[::-1]  # right to left: the first words are at the end
    weights = [
        ("Bold" in item.face.path.name, item.text) for item in first if hasattr(item, "face")
    ]
    assert weights[:3] == [(True, "التكنولوجيا"), (True, "الحديثة"), (True, "—")]
    assert all(not bold for bold, _ in weights[3:])
    para = BidiParagraph(text, engine, size=12, bold_ranges=[(0, len(category))])
    para.wrap(200, 10_000)
    head, tail = para.split(200, para.height / 2)
    assert head.bold_ranges == ((0, len(category)),) and tail.bold_ranges == ()
    # a paragraph laid out again at another width keeps its bold part
    relaid = engine.layout(head.text, size=12, width=300, bold_ranges=head.bold_ranges)
    assert "Bold" in relaid.lines[0].items[-1].face.path.name


def test_orphans_and_widows():
    from reportkit.writers.reportlab.paragraph import BidiParagraph
    from reportkit.writers.reportlab.writer import _engine

    text = "هذا وقد تم على هامش المؤتمر الإعلان عن الدول الفائزة في المسابقة " * 4
    para = BidiParagraph(text, _engine(), size=12, orphans=2, widows=2)
    para.wrap(150, 10_000)
    lines, leading = len(para._laid.lines), para._laid.leading
    assert lines >= 6
    assert para.split(150, leading * 1.5) == []  # one line would stand alone: move it all
    head, tail = para.split(150, leading * (lines - 1))  # one line would be left over
    assert len(head._laid.lines) == lines - 2 and len(tail._laid.lines) == 2


# --- the file and the command ------------------------------------------------------------------


def test_qpdf_check_passes(rl_example_pdf, rl_mixed_pdf, rl_marked_pdf, rl_bilingual_pdf):
    for path in (rl_example_pdf, rl_mixed_pdf, rl_marked_pdf, rl_bilingual_pdf):
        qpdf_check(path)


def test_pdf_export_through_the_command(tmp_path, example_data):
    out = tmp_path / "r.pdf"
    result = run_cli("export", str(EXAMPLE), "--engine", "reportlab", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip() == str(out)
    assert out.read_bytes().startswith(b"%PDF-")
    qpdf_check(out)
    assert missing_words(record_texts(example_data, "ar"), pdftotext(out)) == []
    assert pdffonts(out) and all(f["emb"] == "yes" for f in pdffonts(out))


def test_the_reportlab_engine_never_imports_weasyprint(tmp_path):
    code = (
        "import sys\n"
        "import reportkit.writers.reportlab.writer\n"
        "from reportkit.export import ExportOptions, export\n"
        f"export({str(EXAMPLE)!r}, ['pdf'], __import__('pathlib').Path({str(tmp_path / 'x.pdf')!r}),"
        " ExportOptions(engine='reportlab'))\n"
        "assert 'weasyprint' not in sys.modules, 'weasyprint was imported'\n"
        "assert 'pango' not in ' '.join(sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x.pdf").exists()
