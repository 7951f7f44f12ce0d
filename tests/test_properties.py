"""A valid record always renders, in every format and engine: random valid records (see
tests/support/strategies.py) through the real pipeline, and a few through the real command.

Bounded for CI by the `ci` profile: a fixed number of new records per writer, a deadline per
record that only a hang reaches, and Hypothesis's example database in the checkout's .hypothesis
folder, so a record that failed is replayed first on every later run until it passes (a failure
also prints the `@reproduce_failure` line that replays it elsewhere). `scripts/fuzz.py` runs the
same promise for as long as you like; each crash it finds becomes an ordinary regression test."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from support.strategies import CI, TARGETS, Case, cases, check_export, open_output


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("properties")


def _fresh(folder: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=folder))


@pytest.mark.parametrize("target", list(TARGETS))
@CI
@given(case=cases())
def test_a_valid_record_renders_in_every_writer(folder, target, case: Case):
    work = _fresh(folder)
    try:
        event(check_export(case, target, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)


@settings(CI, max_examples=3)
@given(case=cases(), engine=st.sampled_from(["weasyprint", "reportlab", "typst"]))
def test_the_command_exports_a_valid_record_or_says_why_in_one_line(folder, case, engine):
    work = _fresh(folder)
    try:
        path = case.write(work)
        out = work / "out"
        out.mkdir()
        args = ["export", str(path), "-f", "pdf", "-f", "docx", "-f", "html", "-o", str(out)]
        result = run_cli(*args, "--engine", engine, *case.cli_options())
        err = result.stderr.decode("utf-8")
        assert "Traceback" not in err and "internal error" not in err, err
        if result.returncode == 0:
            for written in out.iterdir():
                open_output(written, written.suffix.lstrip("."))
            assert len(list(out.iterdir())) == 3
        else:
            assert result.returncode == 2, err
            # One error line, last; before it only warnings (a bidi override the record holds).
            *warnings, error = err.strip().splitlines()
            assert error.startswith("reportkit: error: "), err
            assert case.strict, f"a valid record was refused without --strict: {err}"
            assert all(w.startswith("reportkit: warning: ") for w in warnings), err
            assert list(out.iterdir()) == []
    finally:
        shutil.rmtree(work, ignore_errors=True)
