"""Refusals are quick and small: every hostile or mistaken input reportkit refuses is refused in
under 2 s and 300 MB, whole process, with exit code 2 and one line on standard error.

Each case is built in a temporary folder by the same builders the tests use (tests/support), then
the real command runs `--repeat` times; the median wall time and the peak resident memory
(kernel rusage of that one process) are reported against the two bounds.

Run: .venv/bin/python benchmarks/bench_refusals.py [--repeat N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT

LIMIT_S = 2.0
LIMIT_MB = 300
RK = [sys.executable, "-m", "reportkit"]


def refusal(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak MB, the one stderr line) of a command that must exit 2."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    lines = err.strip().splitlines()
    if code != 2 or len(lines) != 1:
        raise SystemExit(f"not a one-line refusal (exit {code}): {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss / 1024, lines[0]


def cases(tmp: Path) -> dict[str, list[str]]:
    sys.path.insert(0, str(ROOT / "tests"))
    from support import argos_packages, bombs

    example = ROOT / "examples" / "conference-47.yaml"
    record = tmp / "r.yaml"
    record.write_bytes(example.read_bytes())
    pdf_bomb = bombs.pdf_with_inflating_record(tmp / "bomb.pdf")
    docx_bomb = bombs.docx_with_inflating_part(tmp / "bomb.docx")
    theme = bombs.rewrite_docx(
        tmp / "entities.docx",
        replace={"word/theme/theme1.xml": bombs.external_entity(Path("/etc/hostname"))},
    )
    now = dt.datetime.now(dt.UTC)
    expired = bombs.self_signed_p12(
        tmp / "expired.p12",
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=35),
        password=b"bench",
    )
    zip_bomb = argos_packages.zip_bomb(tmp / "bomb.argosmodel")
    report = tmp / "report.pdf"
    subprocess.run(
        RK + ["export", str(record), "--engine", "reportlab", "-o", str(report)], check=True
    )
    glossary = tmp / "glossary.yaml"
    glossary.write_text("- ar: مجلس الأمن\n  en: Security Council\n  article: 5\n", "utf-8")

    def docx_with(template: Path) -> list[str]:
        return RK + ["export", str(record), "-f", "docx", "--docx-template", str(template),
                     "-o", str(tmp / "o.docx")]  # fmt: skip

    return {
        "export -o the record itself": RK
        + ["export", str(record), "-o", str(record), "-f", "html"],
        "export -f html -o x.pdf": RK
        + ["export", str(record), "-f", "html", "-o", str(tmp / "x.pdf")],
        "extract: record inflating to 1 GiB": RK + ["extract", str(pdf_bomb)],
        "--docx-template: part inflating to 1 GiB": docx_with(docx_bomb),
        "--docx-template: entity tricks": docx_with(theme),
        "--sign with an expired certificate": RK
        + ["export", str(record), "--sign", str(expired), "-o", str(tmp / "o.pdf")],
        "models install --file: zip bomb": RK + ["models", "install", "--file", str(zip_bomb)],
        "models install ar en, offline": RK + ["models", "install", "ar", "en"],
        "extract -o x.pdf": RK + ["extract", str(report), "-o", str(tmp / "x.pdf")],
        "translate --glossary: a number as article": RK
        + ["translate", str(record), "--to", "en", "--glossary", str(glossary)],
        "translate --to xx": RK + ["translate", str(record), "--to", "xx"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = {
            **os.environ,
            "REPORTKIT_SIGN_PASSWORD": "bench",
            "ARGOS_PACKAGES_DIR": str(tmp_path / "packages"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
            # no package index, no proxy: what a machine without internet sees, at once
            "ARGOS_PACKAGE_INDEX": "http://127.0.0.1:9/",
            "https_proxy": "",
            "http_proxy": "",
            "HTTPS_PROXY": "",
            "HTTP_PROXY": "",
        }
        print(f"## Refusals: median of {args.repeat} runs; bounds {LIMIT_S} s and {LIMIT_MB} MB")
        worst_s = worst_mb = 0.0
        for name, cmd in cases(tmp_path).items():
            runs = [refusal(cmd, env) for _ in range(args.repeat)]
            median = statistics.median(r[0] for r in runs)
            peak = max(r[1] for r in runs)
            worst_s, worst_mb = max(worst_s, median), max(worst_mb, peak)
            ok = "ok" if median < LIMIT_S and peak < LIMIT_MB else "OVER"
            print(f"{name:42s} median {median:.3f}s  peak {peak:4.0f} MB  {ok}   {runs[0][2][:70]}")
        print(f"worst: {worst_s:.3f} s, {worst_mb:.0f} MB")


if __name__ == "__main__":
    main()
