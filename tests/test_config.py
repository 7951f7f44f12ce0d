"""reportkit.toml: an office's export defaults, found in the working folder or a parent, or named
with --config; command-line options win; bad files are one line naming the file and option."""

from __future__ import annotations

from conftest import EXAMPLE, run_cli


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
