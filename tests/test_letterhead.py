"""A letterhead file is untrusted input read like a record: one line per problem with file,
line and field; the logo only from the letterhead's folder, size-limited, really an image."""

from __future__ import annotations

import os

import pytest

from conftest import EXAMPLE, run_cli
from reportkit.record.letterhead import read_letterhead
from support.letterheads import LETTERHEAD, letterhead


def refused(path, tmp_path) -> str:
    result = run_cli(
        "export",
        str(EXAMPLE),
        "--letterhead",
        str(path),
        "-f",
        "html",
        "-o",
        str(tmp_path / "r.html"),
    )
    assert result.returncode == 2
    assert not (tmp_path / "r.html").exists()
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    return lines[0]


def test_the_example_letterhead_reads_as_written(tmp_path):
    lh = read_letterhead(letterhead(tmp_path))
    assert lh.right == ("الجمهورية التونسية", "وزارة الداخلية")
    assert lh.left == ("République Tunisienne", "Ministère de l'Intérieur")
    # YAML reads "العنوان: …" in a list as a mapping; the line comes back as written.
    assert lh.footer == ("العنوان: شارع الحبيب بورقيبة، تونس",)
    assert lh.basmala and lh.signature_name == "العقيد منير الحاج"
    assert lh.logo is not None and lh.logo.mime == "image/png" and lh.logo.width == 64


def test_an_unknown_key_is_named_with_its_line(tmp_path):
    path = letterhead(tmp_path, LETTERHEAD + "colour: green\n")
    assert refused(path, tmp_path) == (
        f"reportkit: error: {path}:7:9: colour: is not a field of a letterhead"
    )


def test_a_missing_logo_is_named(tmp_path):
    path = letterhead(tmp_path, LETTERHEAD.replace("emblem.png", "missing.png"))
    assert (
        refused(path, tmp_path)
        == f"reportkit: error: {path}:1:7: logo: 'missing.png': no such file"
    )


def test_a_logo_that_is_not_an_image_is_refused(tmp_path):
    (tmp_path / "emblem.txt").write_text("not an image")
    path = letterhead(tmp_path, LETTERHEAD.replace("emblem.png", "emblem.txt"))
    assert "is not a PNG, JPEG or SVG image" in refused(path, tmp_path)


def test_a_50_mb_image_is_refused_without_reading_it(tmp_path):
    huge = tmp_path / "huge.png"
    with open(huge, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.truncate(50 * 1024 * 1024)  # sparse: costs no disk
    path = letterhead(tmp_path, LETTERHEAD.replace("emblem.png", "huge.png"))
    assert "'huge.png' is 52.4 MB; a logo may be at most 5 MB" in refused(path, tmp_path)


@pytest.mark.parametrize("given", ["../outside.png", "/etc/hostname", "link.png"])
def test_a_logo_outside_the_letterhead_folder_is_refused(tmp_path, given):
    folder = tmp_path / "office"
    (tmp_path / "outside.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    path = letterhead(folder, LETTERHEAD.replace("emblem.png", given))
    os.symlink(tmp_path / "outside.png", folder / "link.png")
    line = refused(path, tmp_path)
    assert (
        "relative to the letterhead's folder" in line or "outside the letterhead's folder" in line
    )


def test_an_svg_that_reaches_outside_itself_is_refused(tmp_path):
    (tmp_path / "emblem.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<image xlink:href="file:///etc/passwd" width="10" height="10"/></svg>'
    )
    path = letterhead(tmp_path, LETTERHEAD.replace("emblem.png", "emblem.svg"))
    assert "must not reach outside itself" in refused(path, tmp_path)


def test_a_letterhead_in_reportkit_toml_is_relative_to_that_file(tmp_path):
    letterhead(tmp_path / "office")
    (tmp_path / "reportkit.toml").write_text('[export]\nletterhead = "office/letterhead.yaml"\n')
    result = run_cli("config", cwd=tmp_path)
    assert f'letterhead = "{tmp_path / "office" / "letterhead.yaml"}"' in result.stdout.decode()


def test_an_svg_without_a_size_is_refused_when_the_letterhead_is_read(tmp_path):
    (tmp_path / "emblem.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"><rect/></svg>'
    )
    path = letterhead(tmp_path, LETTERHEAD.replace("emblem.png", "emblem.svg"))
    assert refused(path, tmp_path) == (
        f"reportkit: error: {path}:1:7: logo: 'emblem.svg' has no size "
        "(give the SVG a viewBox or a width and height)"
    )


def test_the_date_under_the_band_is_the_last_day_in_the_offices_digits(tmp_path):
    from reportkit.export import ExportOptions, document_for
    from reportkit.record import record_from_data

    lh = letterhead(tmp_path)
    one_day = {"conference": {"title": "مؤتمر", "start_date": "2024-03-10"}}
    options = ExportOptions(letterhead=lh, locale="ar-SA")
    date = document_for(record_from_data(one_day, "r.yaml"), options).letterhead.date
    assert date.text == "١٤٤٥/٠٨/٢٩هـ الموافق ٢٠٢٤/٠٣/١٠م" and date.lang == "ar"
    undated = {"conference": {"title": "مؤتمر"}}
    assert document_for(record_from_data(undated, "r.yaml"), options).letterhead.date is None
