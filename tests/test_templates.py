"""An office's own templates (`export --template DIR`, `template init DIR`), through the real
command: a changed template changes the PDF, a folder without a file falls back to reportkit's,
and a template that reaches for files or Python internals, or is broken, fails in one line with
exit 2 and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EXAMPLE, run_cli
from reportkit.templates import VARIABLES
from support.readers import has_phrase, pdffonts, pdftotext, words

ADDED = "Office copy for the archive"


def init(folder: Path) -> Path:
    result = run_cli("template", "init", str(folder))
    assert result.returncode == 0, result.stderr.decode()
    return folder


def export(folder: Path, out: Path, *extra: str):
    return run_cli("export", str(EXAMPLE), "--template", str(folder), *extra, "-o", str(out))


def one_error_line(result) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr.decode())
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("reportkit: error: --template "), lines
    return lines[0]


@pytest.fixture(scope="module")
def copied(tmp_path_factory) -> Path:
    return init(tmp_path_factory.mktemp("init") / "office")


def test_init_writes_the_templates_and_a_readme_of_their_variables(copied):
    from reportkit.resources import templates_dir

    for name in ("report.html.j2", "report.css"):
        assert (copied / name).read_bytes() == (templates_dir() / name).read_bytes()
    readme = (copied / "README.md").read_text(encoding="utf-8")
    for name in VARIABLES:
        assert f"`{name}`" in readme


def test_init_never_replaces_a_file(copied):
    before = (copied / "report.css").read_bytes()
    result = run_cli("template", "init", str(copied))
    assert result.returncode == 2 and b"exists" in result.stderr
    assert (copied / "report.css").read_bytes() == before


def test_the_readme_lists_what_the_template_receives():
    from reportkit.export import ExportOptions, document_for, load
    from reportkit.writers.html import context

    document = document_for(load(EXAMPLE), ExportOptions())
    assert set(context(document)) == set(VARIABLES)


def test_an_unchanged_copy_gives_the_same_report(copied, tmp_path):
    mine, plain = tmp_path / "mine.pdf", tmp_path / "plain.pdf"
    assert export(copied, mine).returncode == 0
    assert run_cli("export", str(EXAMPLE), "-o", str(plain)).returncode == 0
    assert pdftotext(mine) == pdftotext(plain)
    # the copied stylesheet still finds reportkit's fonts (../fonts/ from the folder)
    assert {f["name"].split("+")[-1] for f in pdffonts(mine)} == {
        f["name"].split("+")[-1] for f in pdffonts(plain)
    }


def test_a_changed_template_and_stylesheet_change_the_pdf(tmp_path):
    folder = init(tmp_path / "office")
    page = folder / "report.html.j2"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            '<section class="title-block">',
            f'<p class="office-note" lang="en" dir="ltr">{ADDED}</p>\n<section class="title-block">',
        ),
        encoding="utf-8",
    )
    css = folder / "report.css"
    css.write_text(
        css.read_text(encoding="utf-8") + "\n.office-note { color: #c00000; }\n", encoding="utf-8"
    )
    out = tmp_path / "office.pdf"
    result = export(folder, out)
    assert result.returncode == 0, result.stderr.decode()
    assert has_phrase(pdftotext(out), ADDED)
    assert has_phrase(pdftotext(out), "المؤتمر السابع والأربعون")
    assert b"0.752941 0 0 rg" in _content(out) or b"0.75294 0 0 rg" in _content(out)


def _content(pdf: Path) -> bytes:
    import pikepdf

    with pikepdf.open(pdf) as doc:
        return b"".join(
            stream.read_bytes()
            for page in doc.pages
            for stream in (
                page.obj.Contents
                if isinstance(page.obj.Contents, pikepdf.Array)
                else [page.obj.Contents]
            )
        )


def test_a_folder_without_the_stylesheet_falls_back_to_reportkits(tmp_path):
    folder = tmp_path / "only-page"
    folder.mkdir()
    (folder / "report.html.j2").write_text(
        (init(tmp_path / "copy") / "report.html.j2")
        .read_text(encoding="utf-8")
        .replace("<body", '<body data-office="yes"')
        .replace("</body>", f'<p lang="en" dir="ltr">{ADDED}</p>\n</body>'),
        encoding="utf-8",
    )
    out = tmp_path / "report.pdf"
    result = export(folder, out)
    assert result.returncode == 0, result.stderr.decode()
    assert has_phrase(pdftotext(out), ADDED)
    names = {f["name"].split("+")[-1] for f in pdffonts(out)}
    assert "Noto-Naskh-Arabic" in names and not any("DejaVu" in n for n in names), names


@pytest.mark.parametrize(
    "body",
    [
        '{% include "/etc/passwd" %}',
        '{% include "../../etc/passwd" %}',
        "{{ ''.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ doc.options.update({'tags': false}) }}",
        '<link rel="stylesheet" href="file:///etc/passwd">',
        '<img src="../../../../etc/passwd" alt="">',
    ],
)
def test_a_template_reaching_outside_fails_in_one_line_and_writes_nothing(tmp_path, body):
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "report.html.j2").write_text(f"<p>one</p>\n<p>two</p>\n{body}\n", encoding="utf-8")
    out = tmp_path / "out.pdf"
    line = one_error_line(export(folder, out))
    assert "root:" not in line  # nothing of the file it named
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["hostile"]


def test_a_stylesheet_reaching_outside_fails_in_one_line(tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "report.css").write_text('@import url("file:///etc/passwd");\n', encoding="utf-8")
    line = one_error_line(export(folder, tmp_path / "out.pdf"))
    assert "report.css" in line and "/etc/passwd" in line


def test_a_link_out_of_the_folder_is_refused_not_followed(tmp_path):
    folder = tmp_path / "linked"
    folder.mkdir()
    (folder / "report.html.j2").symlink_to("/etc/passwd")
    line = one_error_line(export(folder, tmp_path / "out.pdf"))
    assert "outside the folder" in line


def test_a_syntax_error_names_the_file_and_line(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "report.html.j2").write_text(
        "<html>\n" * 11 + "{{ doc.title.title[0].text }\n", encoding="utf-8"
    )
    line = one_error_line(export(folder, tmp_path / "out.pdf"))
    assert line == f"reportkit: error: --template {folder}: report.html.j2:12: unexpected '}}'"


def test_a_runtime_error_in_an_included_template_names_that_file(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "report.html.j2").write_text('<p>a</p>\n{% include "part.j2" %}\n', "utf-8")
    (folder / "part.j2").write_text("<p>b</p>\n<p>c</p>\n{{ no_such_variable }}\n", "utf-8")
    line = one_error_line(export(folder, tmp_path / "out.pdf"))
    assert "part.j2:3: 'no_such_variable' is undefined" in line


def test_record_text_stays_data_in_a_users_template(tmp_path, copied):
    import yaml

    record = tmp_path / "hostile.yaml"
    record.write_text(
        yaml.safe_dump({"conference": {"title": "{{ 7*7 }} {% include '/etc/passwd' %}"}}),
        encoding="utf-8",
    )
    out = tmp_path / "out.pdf"
    result = run_cli("export", str(record), "--template", str(copied), "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    text = pdftotext(out)
    assert "{{" in text and "7*7" in text and "49" not in words(text)
    assert "root:" not in text


def test_not_a_folder_is_one_line(tmp_path):
    line = one_error_line(export(tmp_path / "missing", tmp_path / "out.pdf"))
    assert line.endswith("missing: no such folder")


@pytest.mark.parametrize("engine", ["reportlab", "typst"])
def test_other_engines_keep_their_layout_say_so_once_and_the_html_takes_the_template(
    tmp_path, engine
):
    folder = init(tmp_path / "office")
    page = folder / "report.html.j2"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            '<section class="title-block">',
            f'<p lang="en" dir="ltr">{ADDED}</p>\n<section class="title-block">',
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run_cli(
        "export", str(EXAMPLE), "--engine", engine, "--template", str(folder),
        "-f", "pdf", "-f", "html", "-o", f"{out}/",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr.decode().strip().splitlines() == [
        "reportkit: warning: --template shapes the HTML and the WeasyPrint PDF; "
        f"--engine {engine} keeps its own layout"
    ]
    assert ADDED in (out / "conference-47.html").read_text(encoding="utf-8")
    text = pdftotext(out / "conference-47.pdf")
    assert not has_phrase(text, ADDED) and has_phrase(text, "المؤتمر السابع والأربعون")
