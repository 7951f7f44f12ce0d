"""Templates, fonts and the example travel inside the wheel and work from there."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

from conftest import ROOT


def test_wheel_carries_templates_fonts_and_example_and_exports_from_them(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("reportkit-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "reportkit/templates/report.html.j2",
        "reportkit/templates/report.css",
        "reportkit/templates/report.typ",
        "reportkit/writers/typst/writer.py",
        "reportkit/fonts/NotoNaskhArabic-Regular.ttf",
        "reportkit/fonts/OFL.txt",
        "reportkit/examples/conference-47.yaml",
        "reportkit/cli.py",
    ):
        assert name in names, name
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    out = tmp_path / "out.html"
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = (
        "import reportkit.resources as r, sys\n"
        f"assert str(r.root()).startswith({str(site)!r}), r.root()\n"
        "from reportkit.cli import main\n"
        f"sys.argv = ['reportkit', 'export', '-f', 'html', '-o', {str(out)!r}]\n"
        "main()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=tmp_path)
    assert "المؤتمر السابع والأربعون" in out.read_text(encoding="utf-8")
