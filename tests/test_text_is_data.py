"""Record text is data, never code: no template evaluation, HTML escaped, nothing fetched."""

from __future__ import annotations

import pytest

from conftest import NETWORK_ATTEMPTS
from support.readers import pdftotext, words

HOSTILE = {
    "conference": {"title": "{{ 7*7 }} {% if true %}yes{% endif %}"},
    "summary": "<b>غامق</b> <script>alert(1)</script> <img src='file:///etc/passwd'> "
    "<link rel=stylesheet href='http://127.0.0.1:9/x.css'> <style>@import url(http://127.0.0.1:9/y.css)</style>",
    "participants": ["</td></tr></table><h2>injected</h2>", "url(file:///etc/shadow)"],
}


@pytest.fixture(scope="module")
def hostile_outputs(tmp_path_factory):
    import yaml

    from reportkit.export import export

    folder = tmp_path_factory.mktemp("hostile")
    src = folder / "hostile.yaml"
    src.write_text(yaml.safe_dump(HOSTILE, allow_unicode=True), encoding="utf-8")
    before = len(NETWORK_ATTEMPTS)
    paths = export(src, ["pdf", "html"], folder)
    return paths, NETWORK_ATTEMPTS[before:]


def test_template_syntax_in_a_record_prints_literally(hostile_outputs):
    paths, _ = hostile_outputs
    html = paths["html"].read_text(encoding="utf-8")
    assert "{{ 7*7 }} {% if true %}yes{% endif %}" in html
    assert "49" not in words(pdftotext(paths["pdf"]))
    assert "{{" in pdftotext(paths["pdf"])


def test_html_in_a_record_is_escaped(hostile_outputs):
    paths, _ = hostile_outputs
    html = paths["html"].read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<h2>injected</h2>" not in html
    assert "&lt;b&gt;غامق&lt;/b&gt;" in html
    text = pdftotext(paths["pdf"])
    assert "<script>alert(1)</script>" in text and "injected" in text  # shown as text on the page


def test_a_record_opens_no_connection_and_reads_no_file(hostile_outputs):
    _, attempts = hostile_outputs
    assert attempts == []


def test_the_renderer_fetches_only_its_own_files():
    from reportkit.resources import templates_dir
    from reportkit.writers.weasyprint.writer import ResourceRefused, _own_files_fetcher

    fetcher = _own_files_fetcher()
    css = fetcher.fetch((templates_dir() / "report.css").as_uri())
    assert b"@font-face" in css.read()
    for url in (
        "file:///etc/passwd",
        (templates_dir() / ".." / ".." / ".." / "etc" / "passwd").as_uri(),
        "http://127.0.0.1:9/x.css",
        "https://example.org/logo.png",
        "data:text/css,body{}",
    ):
        with pytest.raises((ResourceRefused, ValueError)):
            fetcher.fetch(url)
