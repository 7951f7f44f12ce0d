"""The ReportLab bidi text engine, checked with real readers: poppler (pdftotext, pdffonts,
pdftoppm) and pdfium (pypdfium2). No mocks."""

from __future__ import annotations

import io
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
try:
    import reportkit  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(0, str(ROOT / "src"))

pytest.importorskip("reportlab")
pytest.importorskip("uharfbuzz")

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from reportkit.writers.reportlab.bidi import _bidi_class, bidi_levels  # noqa: E402
from reportkit.writers.reportlab.paragraph import BidiParagraph, TextEngine  # noqa: E402
from reportkit.writers.reportlab.shaping import Fonts  # noqa: E402

FONTS = ROOT / "fonts"

LONG = "اختتم المؤتمر السابع والأربعون لقادة الشرطة والأمن العرب في طنجة بالمملكة المغربية"
INTERPOL = "حضر رئيس المنظمة الدولية للشرطة الجنائية (INTERPOL) اجتماع عام 2023م في الدوحة"
URL_LINE = "زوروا الموقع https://example.org/a-b للمزيد"
CUP = "تأمين بطولة كأس العالم 2022 بنجاح"
LAM_ALEF = "لا إله"
HARAKAT = "بِسْمِ اللَّهِ الرَّحْمَٰنِ الرَّحِيمِ"
ENGLISH = (
    "The 47th conference of Arab police and security leaders concluded in Tangier, "
    "Morocco, with the World Health Organization (WHO) attending in 2023."
)
SAMPLES = [
    (LONG, "rtl"),
    (INTERPOL, "rtl"),
    (URL_LINE, "rtl"),
    (CUP, "rtl"),
    (LAM_ALEF, "rtl"),
    (HARAKAT, "rtl"),
    (ENGLISH, "ltr"),
]

BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
HARAKAT_MARKS = re.compile("[\u064b-\u0652\u0670]")
PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")
TOKEN = re.compile(r"[\u0621-\u063a\u0641-\u064a\u0671-\u06d3]+|[0-9]+|[A-Za-z]+")


def clean(text: str) -> str:
    return HARAKAT_MARKS.sub("", BIDI_MARKS.sub("", text))


def tokens(text: str) -> Counter:
    """Words, split where Arabic letters meet digits or Latin letters (so "2023م" → 2023, م)."""
    return Counter(TOKEN.findall(clean(text)))


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    return path


@pytest.fixture(scope="module")
def engine() -> TextEngine:
    return TextEngine(
        Fonts(
            arabic=FONTS / "NotoNaskhArabic-Regular.ttf",
            arabic_bold=FONTS / "NotoNaskhArabic-Bold.ttf",
            latin=FONTS / "NotoSerif-Regular.ttf",
            latin_bold=FONTS / "NotoSerif-Bold.ttf",
        )
    )


@pytest.fixture(scope="module")
def sample_pdf(engine, tmp_path_factory) -> Path:
    """One page: every sample in its own box, 260 pt wide (the long line must wrap)."""
    path = tmp_path_factory.mktemp("rltext") / "samples.pdf"
    canvas = Canvas(str(path), pagesize=A4)
    y = A4[1] - 50
    for text, base_dir in SAMPLES:
        laid = engine.layout(text, size=14, width=260, base_dir=base_dir)
        laid.draw(canvas, 60, y)
        y -= laid.height + 14
    canvas.save()
    return path


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(
        [need("pdftotext"), *args, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdfium_text(path: Path) -> str:
    pdfium = pytest.importorskip("pypdfium2")
    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


# --- the bidi algorithm ------------------------------------------------------------------------


def _rust_levels(text: str, base_dir: str) -> list[int] | None:
    """Levels from python-bidi's Rust core (the unicode-bidi crate), read from its debug output:
    the only way it exposes them. None when that output cannot be read."""
    try:
        from bidi.bidi import get_display_inner
    except ImportError:
        return None
    out = get_display_inner(text, "R" if base_dir == "rtl" else "L", True)
    match = re.search(r"levels: \[(.*?)\],\s*paragraphs", out, re.S)
    if not match:
        return None
    per_byte = [int(v) for v in re.findall(r"Level\(\s*(\d+),?\s*\)", match.group(1))]
    if len(per_byte) != len(text.encode()):
        return None
    levels, pos = [], 0
    for ch in text:
        levels.append(per_byte[pos])
        pos += len(ch.encode())
    return levels


@pytest.mark.parametrize(
    "alphabet",
    [
        # brackets and explicit embeddings/overrides
        "aZبج12٣()[]-+.,:/$%\u200e\u200f\u064e\u0300א! \t\u202a\u202b\u202c\u202d\u202e",
        # isolates and explicit embeddings/overrides. Not with brackets: after an isolate the
        # crate's N0 looks back inside the isolate (see the isolate case below).
        "aZبج12٣-+.,:/$%\u200e\u200f\u064e\u0300א! \t\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202e",
    ],
    ids=["brackets", "isolates"],
)
def test_bidi_levels_agree_with_unicode_bidi_crate(alphabet):
    """Random mixes of strong, weak and neutral types, marks, brackets, isolates and explicit
    embeddings resolve as the unicode-bidi crate (python-bidi's core) resolves them; characters
    removed by rule X9 have no level to compare."""
    pytest.importorskip("bidi")
    rng = random.Random(20231)
    removed = {"RLE", "LRE", "RLO", "LRO", "PDF", "BN"}
    checked = 0
    for _ in range(1500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        for base_dir in ("rtl", "ltr"):
            theirs = _rust_levels(text, base_dir)
            if theirs is None:
                pytest.skip("python-bidi's debug output changed; cannot read its levels")
            mine, _ = bidi_levels(text, base_dir)
            keep = [i for i, c in enumerate(text) if _bidi_class(c) not in removed]
            assert [mine[i] for i in keep] == [theirs[i] for i in keep], (text, base_dir)
            checked += 1
    assert checked == 3000


@pytest.mark.parametrize(
    ("text", "base_dir", "expected"),
    [
        # Latin in Arabic: the brackets take the Arabic direction (N0), the word is level 2.
        ("ب (INTERPOL) ج", "rtl", [1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1]),
        # European number after Arabic letters becomes AN (W2): level 2, the % stays RTL.
        ("ب 85%", "rtl", [1, 1, 2, 2, 1]),
        # Isolates: the content is resolved on its own; "(Z)" after the isolate looks back past
        # it, to the Arabic number (AN counts as R in N0), so its brackets stay RTL. (The
        # unicode-bidi crate looks inside the isolate here and says L; UAX #9 N0 says the
        # search stays in the isolating run sequence.)
        ("a٣\u2066b\u2069(Z)", "rtl", [2, 2, 1, 2, 1, 1, 2, 1]),
        # Plain Latin in a left-to-right paragraph.
        ("abc (def) 12", "ltr", [0] * 12),
        # An RLE embedding in LTR text: its letters go to level 1, its number to 2.
        ("a\u202bب 1\u202cc", "ltr", [0, 0, 1, 1, 2, 2, 0]),
    ],
)
def test_bidi_levels_known_cases(text, base_dir, expected):
    assert bidi_levels(text, base_dir)[0] == expected


def test_bidi_auto_base_direction():
    assert bidi_levels("abc ب", "auto")[1] == 0
    assert bidi_levels("ب abc", "auto")[1] == 1
    assert bidi_levels("123", "auto")[1] == 0
    with pytest.raises(ValueError):
        bidi_levels("x", "up")


# --- layout --------------------------------------------------------------------------------------


def test_visual_runs_of_interpol_line(engine):
    """Base RTL, "Arabic (INTERPOL) Arabic": one LTR Latin run between its mirrored brackets,
    the Arabic on both sides in right-to-left order."""
    laid = engine.layout(
        "حضر رئيس المنظمة (INTERPOL) اجتماع عام", size=12, width=1000, base_dir="rtl"
    )
    assert len(laid.lines) == 1
    runs = [(r.text, r.rtl, r.font) for r in laid.lines[0].runs]
    assert runs == [
        ("اجتماع عام", True, "arabic"),
        (")", True, "latin"),
        ("INTERPOL", False, "latin"),
        ("(", True, "latin"),
        ("حضر رئيس المنظمة", True, "arabic"),
    ]
    # The "(" is shaped right to left, so HarfBuzz draws the mirrored glyph: ")" — the bracket at
    # the right of INTERPOL opens towards it. Its ToUnicode text stays "(".
    pieces = {it.text: it for it in laid.lines[0].items if hasattr(it, "glyphs")}
    for logical, glyph_name in (("(", "parenright"), (")", "parenleft")):
        piece = pieces[logical]
        assert [g[1] for g in piece.glyphs] == [logical]
        assert piece.face.hb_font.glyph_to_string(piece.glyphs[0][0]) == glyph_name


def test_multiword_latin_is_one_ltr_run_and_numbers_read_left_to_right(engine):
    laid = engine.layout(
        "تعاون مع World Health Organization منذ 2022 حتى 2023م", size=12, width=2000
    )
    runs = [(r.text, r.rtl) for r in laid.lines[0].runs]
    # left to right: the last logical word is leftmost; "2023م" shows the number, then م to its
    # left; the three Latin words keep their own order in one run.
    assert runs == [
        ("م", True),
        ("2023", False),
        ("حتى", True),
        ("2022", False),
        ("منذ", True),
        ("World Health Organization", False),
        ("تعاون مع", True),
    ]


def test_ltr_paragraph_keeps_embedded_arabic_rtl(engine):
    laid = engine.layout(
        "Meeting of منظمة الصحة العالمية in Geneva", size=12, width=2000, base_dir="ltr"
    )
    runs = [(r.text, r.rtl) for r in laid.lines[0].runs]
    assert runs == [("Meeting of", False), ("منظمة الصحة العالمية", True), ("in Geneva", False)]


def test_long_line_wraps_on_shaped_widths(engine):
    laid = engine.layout(LONG, size=14, width=260)
    assert len(laid.lines) >= 2
    assert all(line.width <= 260 + 1e-6 for line in laid.lines)
    assert laid.height == pytest.approx(len(laid.lines) * laid.leading)
    # the lines together show every word once, in order
    shown = " ".join(laid.paragraphs[0][ln.start : ln.end] for ln in laid.lines)
    assert shown.split() == LONG.split()
    # the first line is full: the next word would not have fitted
    first, second = laid.lines[:2]
    next_word = laid.paragraphs[0][second.start : second.end].split()[0]
    alone = engine.layout(next_word, size=14, width=1000).max_line_width
    assert first.width + alone > 260


def test_word_longer_than_line_breaks_between_clusters(engine):
    word = "سوبركاليفراجيليستيك" * 4
    laid = engine.layout(word, size=14, width=120)
    assert len(laid.lines) >= 3
    assert all(line.width <= 120 + 1e-6 for line in laid.lines)
    assert "".join(laid.paragraphs[0][ln.start : ln.end] for ln in laid.lines) == word


def test_infinite_width_gives_natural_width(engine):
    laid = engine.layout(CUP, size=12, width=float("inf"))
    assert len(laid.lines) == 1
    assert laid.width == pytest.approx(laid.max_line_width)
    assert 100 < laid.width < 400


def test_newlines_start_paragraphs_and_bad_arguments_fail(engine):
    laid = engine.layout("سطر أول\nsecond line", size=12, width=500, base_dir="auto")
    assert [ln.rtl for ln in laid.lines] == [True, False]
    with pytest.raises(ValueError):
        engine.layout("x", size=12, width=100, align="middle")


def test_shaping_joins_letters_and_never_uses_presentation_forms_in_text(engine):
    laid = engine.layout("لا إله", size=12, width=500)
    glyphs = [g for it in laid.lines[0].items if hasattr(it, "glyphs") for g in it.glyphs]
    names = [laid.lines[0].items[0].face.hb_font.glyph_to_string(g[0]) for g in glyphs]
    assert any("FEDF" in n or "FEFB" in n for n in names)  # lam-alef: contextual forms
    texts = "".join(g[1] for g in glyphs)
    assert not PRESENTATION_FORMS.search(texts)
    assert sorted(texts.replace(" ", "")) == sorted("لاإله")


# --- the PDF, through real readers ------------------------------------------------------------


def test_pdftotext_gives_back_every_word(sample_pdf):
    text = pdftotext(sample_pdf)
    assert not PRESENTATION_FORMS.search(text)
    got = tokens(text)
    for sample, _ in SAMPLES:
        missing = tokens(sample) - got
        assert not missing, (sample, missing)
    cleaned = clean(text)
    for intact in ("2023", "INTERPOL", "https://example.org/a-b", "2022", "لا إله"):
        assert intact in cleaned
    # harakat are kept, in logical order after their letters
    assert BIDI_MARKS.sub("", HARAKAT) in BIDI_MARKS.sub("", text)


def test_pdfium_gives_back_every_word(sample_pdf):
    text = pdfium_text(sample_pdf)
    assert not PRESENTATION_FORMS.search(text)
    got = tokens(text)
    for sample, _ in SAMPLES:
        missing = tokens(sample) - got
        assert not missing, (sample, missing)
    cleaned = clean(text)
    for intact in ("2023", "INTERPOL", "https://example.org/a-b", "لا إله"):
        assert intact in cleaned
    assert not re.search("[\x00-\x08\x0e-\x1f]", text)  # no glyph without a ToUnicode entry


def test_pdftotext_reading_order_of_interpol_line(sample_pdf):
    """poppler's default mode puts right-to-left lines back into logical order; -raw keeps the
    content order, which for this engine is the visual order (left to right)."""
    logical = [clean(ln) for ln in pdftotext(sample_pdf).splitlines() if "INTERPOL" in ln]
    raw = [clean(ln) for ln in pdftotext(sample_pdf, "-raw").splitlines() if "INTERPOL" in ln]
    assert len(logical) == 1 and len(raw) == 1
    order = ["INTERPOL", "اجتماع", "عام", "2023", "في", "الدوحة"]

    def positions(line):
        return [line.index(w) for w in order]

    assert positions(logical[0]) == sorted(positions(logical[0]))
    assert positions(raw[0]) == sorted(positions(raw[0]), reverse=True)
    # the wrapped first half of the paragraph comes before it, in logical order too
    text = clean(pdftotext(sample_pdf))
    assert text.index("حضر رئيس المنظمة الدولية") < text.index("INTERPOL")


def test_pdffonts_embedded_subsets_with_tounicode(sample_pdf):
    out = subprocess.run(
        [need("pdffonts"), str(sample_pdf)], check=True, capture_output=True, text=True
    ).stdout
    rows = [ln.split() for ln in out.splitlines()[2:] if "+Noto" in ln]
    names = {row[0].split("+", 1)[1] for row in rows}
    assert names == {"NotoNaskhArabic-Regular", "NotoSerif-Regular"}
    for row in rows:
        # name, "CID", "TrueType", "Identity-H", emb, sub, uni, object, generation
        assert row[1:4] == ["CID", "TrueType", "Identity-H"], row
        assert row[4:7] == ["yes", "yes", "yes"], row


def test_page_renders(sample_pdf, tmp_path):
    """Render to PNG (looked at by eye while developing: joined letters, right to left, numbers
    and Latin in place); here just check that ink landed on the page."""
    need("pdftoppm")
    subprocess.run(
        [need("pdftoppm"), "-png", "-r", "60", str(sample_pdf), str(tmp_path / "page")], check=True
    )
    png = next(tmp_path.glob("page*.png"))
    try:
        from PIL import Image
    except ImportError:
        assert png.stat().st_size > 2000
        return
    image = Image.open(png).convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 1000


def test_alignment_positions(engine, tmp_path):
    """start = right edge for rtl and left edge for ltr (checked on pdfium's character boxes)."""
    pdfium = pytest.importorskip("pypdfium2")
    path = tmp_path / "align.pdf"
    canvas = Canvas(str(path), pagesize=A4)
    engine.layout(CUP, size=12, width=300, base_dir="rtl").draw(canvas, 100, 800)
    engine.layout("Left aligned", size=12, width=300, base_dir="ltr").draw(canvas, 100, 700)
    engine.layout("Centred", size=12, width=300, base_dir="ltr", align="center").draw(
        canvas, 100, 600
    )
    canvas.save()
    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[0]
        tp = page.get_textpage()
        boxes = [tp.get_charbox(i) for i in range(tp.count_chars())]
        text = tp.get_text_range()
    finally:
        pdf.close()
    by_line: dict[int, list] = {}
    for box in boxes:
        if box[2] > box[0]:
            by_line.setdefault(round(box[1] / 50), []).append(box)
    lines = [by_line[k] for k in sorted(by_line, reverse=True)]
    assert len(lines) == 3, text
    rtl, ltr, centred = lines
    assert max(b[2] for b in rtl) == pytest.approx(400, abs=2)
    assert min(b[0] for b in ltr) == pytest.approx(100, abs=2)
    mid = (min(b[0] for b in centred) + max(b[2] for b in centred)) / 2
    assert mid == pytest.approx(250, abs=3)


def test_bidiparagraph_flows_and_splits_across_pages(engine, tmp_path):
    from reportlab.platypus import SimpleDocTemplate

    paragraphs = [f"{i}. {INTERPOL} {LONG} {CUP}" for i in range(1, 31)]
    story = [BidiParagraph(p, engine, size=13, align="justify", space_after=6) for p in paragraphs]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build(story)
    path = tmp_path / "flow.pdf"
    path.write_bytes(out.getvalue())
    text = pdftotext(path)
    assert text.count("\f") >= 3  # several pages
    got = tokens(text)
    want = sum((tokens(p) for p in paragraphs), Counter())
    assert not (want - got)

    # split by lines: the two parts hold every line once
    para = BidiParagraph(LONG * 3, engine, size=13)
    _, height = para.wrap(200, 1000)
    lines = len(para._laid.lines)
    first, rest = para.split(200, height / 2)
    assert len(first._laid.lines) + len(rest._laid.lines) == lines
    assert first.wrap(200, 1000)[1] <= height / 2 + 1e-6
    assert para.split(200, 1) == []
    assert para.split(200, height + 1) == [para]
    # laid out again at another width, a part keeps its own text
    assert rest.wrap(150, 1000)[1] > 0
    assert " ".join(rest.text.split()) in " ".join((LONG * 3).split())


def test_speed_sixty_paragraphs(engine):
    """60 paragraphs of 40 words, laid out and drawn: a fraction of a second (bound generous)."""
    rng = random.Random(7)
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    words = [
        "".join(rng.choice(letters) for _ in range(rng.randint(2, 8))) for _ in range(2000)
    ] + ["(INTERPOL)", "2023م", "https://example.org/a-b"]
    paragraphs = [" ".join(rng.choice(words) for _ in range(40)) for _ in range(60)]
    start = time.perf_counter()
    canvas = Canvas(io.BytesIO(), pagesize=A4)
    y = 800.0
    for p in paragraphs:
        laid = engine.layout(p, size=12, width=450, align="justify")
        if y - laid.height < 40:
            canvas.showPage()
            y = 800.0
        laid.draw(canvas, 70, y)
        y -= laid.height + 6
    canvas.save()
    elapsed = time.perf_counter() - start
    assert elapsed < 3.0, elapsed
