"""The command line: outputs where the user expects them, fast start, nothing half-written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLE, run_cli

HEAVY = (
    "weasyprint",
    "argostranslate",
    "torch",
    "stanza",
    "spacy",
    "ctranslate2",
    "docx",
    "reportlab",
    "dask",
    "distributed",
    "rich.progress",
    "pydantic",
)


def test_export_without_a_record_uses_the_bundled_example(tmp_path):
    result = run_cli("export", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip() == str(tmp_path / "conference-47.pdf")
    assert (tmp_path / "conference-47.pdf").read_bytes().startswith(b"%PDF-")


def test_default_name_comes_from_the_record_file(tmp_path):
    src = tmp_path / "tangier-2023.yaml"
    src.write_bytes(EXAMPLE.read_bytes())
    result = run_cli("export", str(src), "-f", "html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "tangier-2023.html").exists()


def test_several_formats_go_into_a_folder(tmp_path):
    out = tmp_path / "out"
    result = run_cli("export", str(EXAMPLE), "-f", "pdf", "-f", "html", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["conference-47.html", "conference-47.pdf"]


def test_a_failed_export_leaves_no_file_behind(tmp_path):
    target = tmp_path / "report.pdf"
    result = run_cli("export", str(EXAMPLE), "--lang", "de", "-o", str(target))
    assert result.returncode != 0
    assert b"Traceback" not in result.stderr
    assert b"translation model is installed" in result.stderr
    assert b"reportkit models install ar de" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_existing_report_is_not_damaged_by_a_failed_export(tmp_path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"%PDF-old")
    bad = tmp_path / "bad.yaml"
    bad.write_text("conference: {}\n", encoding="utf-8")
    assert run_cli("export", str(bad), "-o", str(target)).returncode != 0
    assert target.read_bytes() == b"%PDF-old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "report.pdf"]


def test_unknown_format_and_language_are_refused(tmp_path):
    assert run_cli("export", "-f", "odt", cwd=tmp_path).returncode != 0
    result = run_cli("export", "--lang", "xx", cwd=tmp_path)
    assert result.returncode != 0 and b"unknown language code 'xx'" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_help_and_validate_import_nothing_heavy():
    code = (
        "import sys\n"
        "from reportkit.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"
    code = (
        "import sys\n"
        "from reportkit.cli import app\n"
        f"try:\n    app(['validate', {str(EXAMPLE)!r}])\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {HEAVY[:-1]!r} if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_schema_is_json_schema_of_the_record():
    result = run_cli("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["type"] == "object"
    assert set(schema["properties"]) >= {
        "language",
        "conference",
        "summary",
        "participants",
        "topics",
        "recommendations",
        "sections",
    }
    assert "conference" in schema["required"]


def test_export_extract_round_trip_through_the_commands(tmp_path):
    from reportkit.record import load_record

    pdf = tmp_path / "r.pdf"
    assert run_cli("export", str(EXAMPLE), "--pdfa", "-o", str(pdf)).returncode == 0
    result = run_cli("extract", str(pdf), "-o", str(tmp_path / "back.yaml"))
    assert result.returncode == 0, result.stderr
    assert load_record(tmp_path / "back.yaml") == load_record(EXAMPLE)


def test_extract_refuses_a_pdf_without_a_record(tmp_path):
    import pikepdf

    plain = tmp_path / "plain.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(plain)
    result = run_cli("extract", str(plain))
    assert result.returncode != 0 and b"Traceback" not in result.stderr
    assert str(plain).encode() in result.stderr


def test_office_conventions_through_the_command(tmp_path):
    from support.readers import has_phrase, pdf_pages_text

    pdf = tmp_path / "r.pdf"
    args = [
        "export",
        str(EXAMPLE),
        "--locale",
        "ar-SA",
        "--marking",
        "سري",
        "--draft",
        "-o",
        str(pdf),
    ]
    assert run_cli(*args).returncode == 0
    pages = pdf_pages_text(pdf)
    for number, text in enumerate(pages, start=1):
        assert has_phrase(text, f"صفحة {'٠١٢٣٤٥٦٧٨٩'[number]} من {'٠١٢٣٤٥٦٧٨٩'[len(pages)]}")
        assert "سري" in text
    assert has_phrase(pages[0], "١٤٤٥/٠٥/٠١هـ الموافق ٢٠٢٣/١١/١٥م")


def test_pdfa_needs_an_engine_that_writes_pdfa(tmp_path):
    result = run_cli("export", "--pdfa", "--engine", "reportlab", "-o", str(tmp_path / "r.pdf"))
    assert (
        result.returncode != 0 and b"--pdfa needs the WeasyPrint or Typst engine" in result.stderr
    )
    assert list(tmp_path.iterdir()) == []


def test_the_renderer_starts_early_only_for_weasyprint_pdfs():
    from reportkit.cli import _wants_weasyprint_pdf

    assert _wants_weasyprint_pdf(["export"])
    assert _wants_weasyprint_pdf(["export", "r.yaml", "-f", "docx", "--format=pdf"])
    assert not _wants_weasyprint_pdf(["export", "-f", "docx", "-f", "html"])
    assert not _wants_weasyprint_pdf(["export", "--engine", "reportlab"])
    assert not _wants_weasyprint_pdf(["export", "--engine=reportlab", "-f", "pdf"])
    assert not _wants_weasyprint_pdf(["export", "--help"])
    assert not _wants_weasyprint_pdf(["validate", "r.yaml"])
    # a batch's workers load WeasyPrint themselves: no renderer is started for it here
    assert _wants_weasyprint_pdf(["export", "-j", "2", "--lang", "ar", "r.yaml"])
    assert not _wants_weasyprint_pdf(["export", "a.yaml", "b.yaml", "-o", "out"])
    assert not _wants_weasyprint_pdf(["export", str(Path(__file__).parent), "-o", "out"])


def test_a_failed_export_leaves_no_renderer_running(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("conference: {}\n", encoding="utf-8")
    code = (
        "import sys, subprocess\n"
        "from reportkit import cli\n"
        "from reportkit.writers.weasyprint import writer as weasy\n"
        "started = []\n"
        "class Spy(weasy.Worker):\n"
        "    def __init__(self):\n"
        "        super().__init__(); started.append(self)\n"
        "weasy.Worker = Spy\n"
        f"sys.argv = ['reportkit', 'export', {str(bad)!r}, '-o', {str(tmp_path / 'x.pdf')!r}]\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "print(len(started), [w.proc.poll() is not None for w in started])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "1 [True]"
