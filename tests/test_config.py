"""reportkit.toml: an office's export defaults, found in the working folder or a parent, or named
with --config; command-line options win; bad files are one line naming the file and option."""

from __future__ import annotations

import pikepdf

from conftest import EXAMPLE, run_cli
from support.letterheads import letterhead
from support.readers import has_phrase, pdf_pages_text


def write_config(folder, text: str):
    path = folder / "reportkit.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_in_a_parent_folder_sets_the_defaults(tmp_path):
    write_config(tmp_path, '[export]\nformats = ["html"]\noutput = "reports/"\nlocale = "ar-SA"\n')
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    result = run_cli("export", str(EXAMPLE), cwd=work)
    assert result.returncode == 0, result.stderr
    written = tmp_path / "reports" / "conference-47.html"  # relative to the file, not to cwd
    assert result.stdout.decode().strip() == str(written)
    assert "١٤٤٥" in written.read_text(encoding="utf-8")  # ar-SA: Arabic-Indic digits
    assert list(work.iterdir()) == []


def test_the_command_line_wins_over_the_file(tmp_path):
    write_config(tmp_path, '[export]\nformats = ["html"]\nlocale = "ar-SA"\n')
    out = tmp_path / "r.docx"
    result = run_cli(
        "export", str(EXAMPLE), "-f", "docx", "--locale", "ar-MA", "-o", str(out), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:2] == b"PK"
    assert not (tmp_path / "conference-47.html").exists()


def test_config_names_each_option_and_where_it_comes_from(tmp_path):
    office = tmp_path / "office.toml"
    office.write_text('[export]\nengine = "reportlab"\nglossary = "terms.yaml"\n', encoding="utf-8")
    result = run_cli("config", "--config", str(office), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert f'engine = "reportlab"  # {office}' in lines
    assert f'glossary = "{tmp_path / "terms.yaml"}"  # {office}' in lines
    assert "tags = true  # default" in lines
    assert "# lang is not set (default)" in lines


def test_an_explicit_config_is_used_instead_of_the_one_found(tmp_path):
    write_config(tmp_path, '[export]\nformats = ["docx"]\n')
    other = tmp_path / "other.toml"
    other.write_text('[export]\nformats = ["html"]\n', encoding="utf-8")
    result = run_cli("export", str(EXAMPLE), "--config", str(other), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "conference-47.html",
        "other.toml",
        "reportkit.toml",
    ]


def test_bad_files_are_one_line_naming_the_file_and_the_option(tmp_path):
    path = write_config(tmp_path, '[export]\nlocael = "ar-MA"\nthreads = 0\n')
    for args in (("export", str(EXAMPLE)), ("config",)):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2
        (line,) = result.stderr.decode().strip().splitlines()
        assert line.startswith(f"reportkit: error: {path}: [export] unknown option 'locael'")
        assert "threads: must be a whole number of 1 or more" in line
    write_config(tmp_path, "[exprot]\n")
    assert "unknown table [exprot]" in run_cli("config", cwd=tmp_path).stderr.decode()
    write_config(tmp_path, "formats = [\n")
    result = run_cli("config", cwd=tmp_path)
    assert result.returncode == 2 and "not valid TOML" in result.stderr.decode()
    missing = run_cli("config", "--config", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2 and "no such file" in missing.stderr.decode()


def test_every_export_option_can_be_set_in_the_file_and_every_choice_is_accepted(tmp_path):
    import inspect

    from reportkit import cli
    from reportkit.config import EXPORT_OPTIONS

    # the file's options are the command line's (by the parameter's name; -f is formats)
    params = set(inspect.signature(cli.export).parameters) - {
        "ctx",
        "records",
        "config",
        "quiet",
        "verbose",
    }
    assert {"format" if key == "formats" else key for key in EXPORT_OPTIONS} == params
    for key, choices in (("engine", cli.Engine), ("digits", cli.Digits), ("formats", cli.Format)):
        for choice in choices:
            path = write_config(tmp_path, f'[export]\n{key} = "{choice.value}"\n')
            result = run_cli("config", cwd=tmp_path)
            assert result.returncode == 0, result.stderr.decode()
            shown = f'["{choice.value}"]' if key == "formats" else f'"{choice.value}"'
            assert f"{key} = {shown}  # {path}" in result.stdout.decode().splitlines()


def test_the_issues_options_from_the_file_shape_the_report(tmp_path):
    """engine, digits, formats, letterhead, template and marking from reportkit.toml, with
    paths relative to the file, exported from a folder below it."""
    letterhead(tmp_path / "office")
    templates = tmp_path / "office" / "templates"
    assert run_cli("template", "init", str(templates)).returncode == 0
    page = templates / "report.html.j2"
    page.write_text(
        page.read_text(encoding="utf-8").replace("<body", '<body data-office="from-toml"'),
        encoding="utf-8",
    )
    write_config(
        tmp_path,
        "[export]\n"
        'engine = "reportlab"\n'
        'locale = "ar-MA"\n'
        'digits = "arabic-indic"\n'
        'formats = ["pdf", "html"]\n'
        'output = "out/"\n'
        'letterhead = "office/letterhead.yaml"\n'
        'template = "office/templates"\n'
        'marking = "سري للغاية"\n',
    )
    work = tmp_path / "work"
    work.mkdir()
    result = run_cli("export", str(EXAMPLE), cwd=work)
    assert result.returncode == 0, result.stderr.decode()
    pdf, html = tmp_path / "out" / "conference-47.pdf", tmp_path / "out" / "conference-47.html"
    with pikepdf.open(pdf) as doc:
        assert "ReportLab" in str(doc.docinfo["/Producer"])
    pages = pdf_pages_text(pdf)
    first = pages[0]
    assert has_phrase(first, "سري للغاية") and has_phrase(first, "وزارة الداخلية")
    assert has_phrase(first, f"صفحة ١ من {'١٢٣٤٥٦٧٨٩'[len(pages) - 1]}")  # over ar-MA's 0-9
    text = html.read_text(encoding="utf-8")
    assert 'data-office="from-toml"' in text and "سري للغاية" in text
    assert "وزارة الداخلية" in text


def test_a_glossary_in_the_file_is_the_one_translation_reads(tmp_path):
    (tmp_path / "terms.yaml").write_text("terms: 5\n", encoding="utf-8")
    write_config(tmp_path, '[export]\nglossary = "terms.yaml"\n')
    result = run_cli("export", str(EXAMPLE), "--lang", "en", "-f", "html", cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.decode().strip().splitlines()
    assert line.startswith(f"reportkit: error: {tmp_path / 'terms.yaml'}:1:1: a glossary is")


def test_the_command_line_turns_off_what_the_file_turns_on(tmp_path):
    write_config(tmp_path, '[export]\ndraft = true\nformats = ["html"]\n')
    assert run_cli("export", str(EXAMPLE), "-o", "on.html", cwd=tmp_path).returncode == 0
    result = run_cli("export", str(EXAMPLE), "--no-draft", "-o", "off.html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert 'class="watermark"' in (tmp_path / "on.html").read_text(encoding="utf-8")
    assert 'class="watermark"' not in (tmp_path / "off.html").read_text(encoding="utf-8")
    listed = run_cli("config", cwd=tmp_path).stdout.decode().splitlines()
    assert f"draft = true  # {tmp_path / 'reportkit.toml'}" in listed


def test_a_cluster_in_the_file_is_for_batches_only(tmp_path):
    write_config(tmp_path, '[export]\ncluster = "local"\nformats = ["html"]\n')
    result = run_cli("export", str(EXAMPLE), cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert (tmp_path / "conference-47.html").exists()
    refused = run_cli("export", str(EXAMPLE), "--cluster", "local", cwd=tmp_path)
    assert refused.returncode == 2 and b"runs a batch" in refused.stderr
