"""Hostile inputs get one line and exit 2, quickly and in little memory — never "internal error",
never a half-written file: PDFs whose attachment inflates to gigabytes (extract), Word templates
with bombs, DTD and entity tricks or links to the outside (--docx-template), signing certificates
outside their validity period (--sign). And a record whose reference is too long for a QR code
still exports, with the same code from every writer.

Each case runs the real command in a process of its own; the hostile files are built in the test's
folder by tests/support/bombs.py, a megabyte at most.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import quote

import pikepdf
import pytest
import yaml

from conftest import EXAMPLE, run_cli
from reportkit.verification import (
    QR_CAPACITY,
    QR_VERSION,
    code_reference,
    parse_verification_payload,
    verification_payload,
)
from support import bombs
from support.letterheads import png
from support.readers import has_phrase, normalize, pdftotext, zbar

PEAK_LIMIT_KIB = 300 * 1024

# Runs the command as its only child, so the peak memory it reports is the command's alone.
_MEASURE = """
import resource, subprocess, sys
code = subprocess.call([sys.executable, "-m", "reportkit", *sys.argv[2:]])
with open(sys.argv[1], "w") as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def run_measured(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, int]:
    """`run_cli`, and the command's peak resident memory in KiB."""
    peak = tmp_path / "peak.txt"
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(peak), *args], capture_output=True, timeout=120
    )
    return result, int(peak.read_text())


def assert_refused(result: subprocess.CompletedProcess, *names: object) -> str:
    """Exit 2 with one line on stderr naming each of `names`, and no traceback."""
    err = result.stderr.decode("utf-8")
    assert result.returncode == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reportkit: error: "), err
    assert "Traceback" not in err and "internal error" not in err
    for name in names:
        assert str(name) in lines[0], err
    return lines[0]


def small_record(**conference) -> dict:
    return {"language": "ar", "conference": {"title": "مؤتمر القادة", **conference}}


@pytest.fixture
def record_file(tmp_path) -> Path:
    path = tmp_path / "record.yaml"
    path.write_text(yaml.safe_dump(small_record(), allow_unicode=True), encoding="utf-8")
    return path


# --- reportkit extract ----------------------------------------------------------------------------


def test_an_attachment_inflating_to_a_gigabyte_is_refused_in_little_memory(tmp_path):
    pdf = bombs.pdf_with_inflating_record(tmp_path / "bomb.pdf", bombs.GIB)
    assert pdf.stat().st_size < 2 * bombs.MIB
    out = tmp_path / "out.yaml"
    result, peak = run_measured(tmp_path, "extract", str(pdf), "-o", str(out))
    line = assert_refused(result, pdf, "record.json")
    assert "larger than a record can be" in line
    assert not out.exists()
    assert peak < PEAK_LIMIT_KIB, f"{peak // 1024} MB"


def test_metadata_inflating_to_a_gigabyte_is_not_read_and_the_record_still_comes_out(tmp_path):
    record = json.dumps(small_record(), ensure_ascii=False).encode("utf-8")
    pdf = bombs.pdf_with_inflating_metadata(tmp_path / "meta-bomb.pdf", record, bombs.GIB)
    out = tmp_path / "out.yaml"
    result, peak = run_measured(tmp_path, "extract", str(pdf), "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == small_record()
    assert peak < PEAK_LIMIT_KIB, f"{peak // 1024} MB"


@pytest.mark.parametrize(
    "kind",
    ["lzw", "ascii-hex-then-flate", "predictor", "damaged"],
)
def test_a_record_stored_in_a_way_reportkit_does_not_write_is_refused(tmp_path, kind):
    pdf = tmp_path / f"{kind}.pdf"
    if kind == "lzw":
        bombs.pdf_with_filtered_record(pdf, ["/LZWDecode"], b"\x80\x0b\x60\x50\x22\x0c\x0c\x85\x01")
    elif kind == "ascii-hex-then-flate":
        bombs.pdf_with_filtered_record(pdf, ["/ASCIIHexDecode", "/FlateDecode"], b"789c>")
    elif kind == "predictor":
        bombs.pdf_with_predictor_record(pdf)
    else:
        bombs.pdf_with_filtered_record(pdf, ["/FlateDecode"], b"\x78\x9cnot deflate at all")
    out = tmp_path / "out.yaml"
    line = assert_refused(run_cli("extract", str(pdf), "-o", str(out)), pdf, "record.json")
    assert "cannot be read" in line
    assert not out.exists()


def test_an_attachment_list_of_a_hundred_thousand_entries_is_searched_no_further(tmp_path):
    pdf = bombs.pdf_with_many_attachments(tmp_path / "many.pdf", 200_000)
    out = tmp_path / "out.yaml"
    result, peak = run_measured(tmp_path, "extract", str(pdf), "-o", str(out))
    line = assert_refused(result, pdf)
    assert "no reportkit record" in line and "first 1000" in line
    assert not out.exists()
    assert peak < PEAK_LIMIT_KIB, f"{peak // 1024} MB"


# --- --docx-template --------------------------------------------------------------------------------


def export_docx(record: Path, template: Path, out: Path, measure_in: Path | None = None):
    args = ("export", str(record), "-f", "docx", "--docx-template", str(template), "-o", str(out))
    if measure_in is not None:
        return run_measured(measure_in, *args)
    return run_cli(*args), 0


@pytest.mark.parametrize("lying", [False, True], ids=["honest-size", "lying-size"])
def test_a_template_part_inflating_to_a_gigabyte_is_refused_naming_the_part(
    tmp_path, record_file, lying
):
    build = bombs.docx_with_lying_sizes if lying else bombs.docx_with_inflating_part
    template = build(tmp_path / "letterhead.docx", "word/media/image9.png", bombs.GIB)
    out = tmp_path / "out.docx"
    result, peak = export_docx(record_file, template, out, measure_in=tmp_path)
    assert_refused(result, template, "word/media/image9.png")
    assert not out.exists()
    assert peak < PEAK_LIMIT_KIB, f"{peak // 1024} MB"


def test_template_parts_together_over_the_total_limit_are_refused(tmp_path, record_file):
    template = bombs.docx_with_many_parts(tmp_path / "letterhead.docx", count=8, each=60 * 2**20)
    out = tmp_path / "out.docx"
    result, peak = export_docx(record_file, template, out, measure_in=tmp_path)
    line = assert_refused(result, template, "word/media/filler")
    assert "256 MB" in line
    assert not out.exists()
    assert peak < PEAK_LIMIT_KIB, f"{peak // 1024} MB"


@pytest.mark.parametrize("trick", ["billion-laughs", "external-entity", "undefined-entity", "dtd"])
def test_entity_and_dtd_tricks_in_the_theme_are_one_usage_line(tmp_path, record_file, trick):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    theme = {
        "billion-laughs": bombs.BILLION_LAUGHS,
        "external-entity": bombs.external_entity(secret),
        "undefined-entity": bombs.UNDEFINED_ENTITY,
        "dtd": bombs.HARMLESS_DTD,
    }[trick]
    template = bombs.rewrite_docx(
        tmp_path / "letterhead.docx", replace={"word/theme/theme1.xml": theme}
    )
    out = tmp_path / "out.docx"
    result, _ = export_docx(record_file, template, out)
    line = assert_refused(result, template, "word/theme/theme1.xml: not usable XML (")
    assert "TOP-SECRET-CONTENT" not in line
    assert not out.exists()


def test_external_relationships_are_dropped_and_the_letterhead_still_works(tmp_path, record_file):
    template = bombs.letterhead_with_external_links(tmp_path / "letterhead.docx", png(12, 6))
    with zipfile.ZipFile(template) as z:  # the builder made what the test is about
        rels = b"".join(z.read(n) for n in z.namelist() if n.endswith(".rels"))
        assert rels.count(b'TargetMode="External"') == 3
    out = tmp_path / "out.docx"
    result, _ = export_docx(record_file, template, out)
    assert result.returncode == 0, result.stderr.decode()
    with zipfile.ZipFile(out) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    for name, data in parts.items():
        for outside in (bombs.REMOTE_TEMPLATE, bombs.REMOTE_IMAGE, bombs.LOCAL_LINK):
            assert outside.encode() not in data, (name, outside)
        assert b'TargetMode="External"' not in data, name
    assert b"attachedTemplate" not in parts["word/settings.xml"]
    (header,) = [d for n, d in parts.items() if n.startswith("word/header") and b"LETTERHEAD" in d]
    assert b"OFFICE SITE" in header  # the hyperlink's text stays, without the link
    assert b"w:hyperlink" not in header
    assert header.count(b"<a:blip ") == 1  # the embedded logo stays, the linked picture goes


# --- --sign ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["expired", "not-yet-valid"])
def test_a_certificate_outside_its_validity_period_does_not_sign(
    tmp_path, record_file, monkeypatch, when
):
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if when == "expired":
        start, end = now - dt.timedelta(days=400), now - dt.timedelta(days=35)
    else:
        start, end = now + dt.timedelta(days=10), now + dt.timedelta(days=400)
    p12 = bombs.self_signed_p12(tmp_path / "office.p12", not_before=start, not_after=end)
    monkeypatch.setenv("REPORTKIT_SIGN_PASSWORD", "s3cret")
    out = tmp_path / "out.pdf"
    result = run_cli(
        "export", str(record_file), "-f", "pdf", "--engine", "reportlab", "--sign", str(p12),
        "-o", str(out),
    )  # fmt: skip
    line = assert_refused(result, p12, start.isoformat(), end.isoformat())
    assert ("has expired" if when == "expired" else "is not valid yet") in line
    assert not out.exists()


# --- the verification QR code -----------------------------------------------------------------------


def test_the_capacity_is_what_the_qr_tables_say():
    import qrcode.util

    bits = qrcode.util.BIT_LIMIT_TABLE[qrcode.constants.ERROR_CORRECT_M][QR_VERSION]
    assert QR_CAPACITY == (bits - 4 - 16) // 8  # byte mode: 4-bit mode, 16-bit length


@pytest.mark.parametrize("reference", ["م ق ش/" * 400, "GS/" * 700, "٪;=%" * 500, "x" * 908])
def test_the_code_carries_the_sha_and_the_longest_beginning_of_the_reference_that_fits(reference):
    sha = "ab" * 32
    payload = verification_payload(reference, sha)
    assert payload.isascii() and len(payload) <= QR_CAPACITY
    carried, found = parse_verification_payload(payload)
    assert found == sha and reference.startswith(carried) and carried == code_reference(reference)
    if len(carried) < len(reference):  # the next character would not have fitted
        assert len(payload) + len(quote(reference[len(carried)], safe="/-._~")) > QR_CAPACITY


def _pdf_code(pdf: Path, tmp_path: Path) -> str:
    """The verification code in a PDF, looked for from the last page back: the block may begin
    a page or more before the end when a long reference is printed beneath it."""
    with pikepdf.open(pdf) as p:
        pages = len(p.pages)
    for page in range(pages, 0, -1):
        stem = tmp_path / f"{pdf.stem}-{page}"
        subprocess.run(
            ["pdftoppm", "-r", "300", "-png", "-f", str(page), "-l", str(page), "-singlefile"]
            + [str(pdf), str(stem)],
            check=True,
            capture_output=True,
        )
        code = zbar(stem.with_suffix(".png"), missing_ok=True)
        if code:
            return code
    raise AssertionError(f"no QR code on any page of {pdf.name}")


def _docx_code(docx: Path, tmp_path: Path) -> str:
    codes = []
    with zipfile.ZipFile(docx) as z:
        for name in z.namelist():
            if name.startswith("word/media/") and name.endswith(".png"):
                image = tmp_path / Path(name).name
                image.write_bytes(z.read(name))
                codes.append(zbar(image))
    (code,) = codes
    return code


def _html_code(html: Path, tmp_path: Path) -> str:
    """The HTML page's own code (its inline SVG), drawn alone on a page by WeasyPrint and read."""
    import weasyprint

    (svg,) = re.findall(r"<svg\b[^>]*verification-qr.*?</svg>", html.read_text("utf-8"), re.S)
    pdf = tmp_path / "html-code.pdf"
    weasyprint.HTML(string=f"<html><body>{svg}</body></html>").write_pdf(pdf)
    return _pdf_code(pdf, tmp_path)


def _html_text(html: Path) -> str:
    from html.parser import HTMLParser

    parts: list[str] = []

    class Text(HTMLParser):
        def handle_data(self, data: str) -> None:
            parts.append(data)

    Text().feed(html.read_text("utf-8"))
    return " ".join(parts)


def _docx_text(docx: Path) -> str:
    import docx as python_docx

    document = python_docx.Document(str(docx))
    paragraphs = list(document.paragraphs)
    for table in document.tables:
        paragraphs += [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
    return "\n".join(p.text for p in paragraphs)


ALL_WRITERS = {
    "weasyprint": ("weasy.pdf", ("-f", "pdf", "--engine", "weasyprint")),
    "reportlab": ("reportlab.pdf", ("-f", "pdf", "--engine", "reportlab")),
    "typst": ("typst.pdf", ("-f", "pdf", "--engine", "typst")),
    "docx": ("report.docx", ("-f", "docx")),
    "html": ("report.html", ("-f", "html")),
}


def _codes_and_texts(record: Path, tmp_path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The QR code each writer prints for `record` (read by zbar) and the text it prints."""
    codes, texts = {}, {}
    for name, (file_name, args) in ALL_WRITERS.items():
        out = tmp_path / file_name
        result = run_cli("export", str(record), *args, "-o", str(out))
        assert result.returncode == 0, (name, result.stderr.decode())
        if out.suffix == ".pdf":
            codes[name], texts[name] = _pdf_code(out, tmp_path), pdftotext(out)
        elif out.suffix == ".docx":
            codes[name], texts[name] = _docx_code(out, tmp_path), _docx_text(out)
        else:
            codes[name], texts[name] = _html_code(out, tmp_path), _html_text(out)
    return codes, texts


PARTIAL_NOTE = "يحمل الرمز بداية المرجع فقط"


def test_a_2000_character_reference_exports_with_every_writer_and_the_same_code(tmp_path):
    reference = ("م ق ش/" * 334)[:1998] + "47"
    assert len(reference) == 2000
    record = tmp_path / "long-reference.yaml"
    record.write_text(
        yaml.safe_dump(small_record(reference=reference), allow_unicode=True), encoding="utf-8"
    )
    codes, texts = _codes_and_texts(record, tmp_path)
    assert len(set(codes.values())) == 1, codes
    carried, sha = parse_verification_payload(codes["docx"])
    assert 0 < len(carried) < len(reference) and reference.startswith(carried)
    with pikepdf.open(tmp_path / "reportlab.pdf") as pdf:
        attached = pdf.attachments["record.json"].get_file().read_bytes()
    assert sha == hashlib.sha256(attached).hexdigest()
    # Every writer prints the fingerprint and says that the code carries only the reference's
    # beginning, and how much of it: the same sentence everywhere (word for word in the PDFs,
    # where poppler places spaces around RTL punctuation and numbers as it likes).
    note = f"{PARTIAL_NOTE}: أول {len(carried)} من أحرفه."
    for name, text in texts.items():
        assert sha in text and has_phrase(text, note), (name, normalize(text)[-600:])
    assert note in texts["docx"] and note in texts["html"]


def test_a_normal_reference_is_carried_whole_without_a_note(tmp_path):
    codes, texts = _codes_and_texts(EXAMPLE, tmp_path)
    assert len(set(codes.values())) == 1, codes
    carried, _ = parse_verification_payload(codes["docx"])
    assert carried == yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["conference"]["reference"]
    for name, text in texts.items():
        assert not has_phrase(text, PARTIAL_NOTE), name
