"""Batches: many records and folders in one `reportkit export`, on warm worker processes.

What a user exporting an archive relies on: every good record is written even when one is
broken (and the broken one is named, with its line); output names never collide; nothing is
written when the outputs cannot all be settled; no worker process outlives the batch, however it
ends; a progress bar on a terminal and none in a log.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLE, run_cli
from support.processes import alive, cmdline, descendants, gone_within
from support.readers import pdftotext

LINUX_PROC = pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")


def _record(folder: Path, name: str, title: str, *, times: int = 1) -> Path:
    """The example record under another title (to tell outputs apart), `times` as long."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["conference"]["title"] = title
    data["recommendations"] = data["recommendations"] * times
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if name.lower().endswith(".json"):
        import json

        path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


BROKEN = "conference:\n  title: 5\n"  # line 2, column 10: a number where text belongs


def _errors(result) -> list[str]:
    return result.stderr.decode().strip().splitlines()


def test_a_broken_record_does_not_stop_the_batch(tmp_path):
    records = tmp_path / "records"
    _record(records, "alpha.yaml", "مؤتمر ألف")
    _record(records, "beta.json", "مؤتمر باء")
    (records / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("export", str(records), "-o", str(out), "--jobs", "2", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["alpha.pdf", "beta.pdf"]  # no .part left
    assert "مؤتمر ألف" in pdftotext(out / "alpha.pdf")
    assert "مؤتمر باء" in pdftotext(out / "beta.pdf")
    errors = _errors(result)
    assert errors == [
        f"reportkit: error: {records / 'broken.yaml'}:2:10: conference.title: must be text or a "
        "mapping of language code to text, not a int",
        "reportkit: error: 1 of 3 records failed; the other 2 were written",
    ]
    written = result.stdout.decode().split()
    assert sorted(written) == sorted([str(out / "alpha.pdf"), str(out / "beta.pdf")])


def test_the_same_name_from_two_folders_is_refused_before_any_work(tmp_path):
    _record(tmp_path / "2024", "minutes.yaml", "أ")
    _record(tmp_path / "2025", "minutes.json", "ب")
    out = tmp_path / "out"
    result = run_cli("export", "2024", "2025", "-o", "out", "--jobs", "2", cwd=tmp_path)
    assert result.returncode == 2
    assert _errors(result) == [
        "reportkit: error: 2024/minutes.yaml and 2025/minutes.json would both be written as "
        "out/minutes.pdf; rename one, or export them in two runs into different folders"
    ]
    assert not out.exists()


def test_folders_give_their_own_records_and_files_are_added(tmp_path):
    records = tmp_path / "records"
    _record(records, "a.yaml", "أ")
    _record(records, "b.yml", "ب")
    _record(records, "c.JSON", "ج")
    _record(records, ".hidden.yaml", "مخفي")  # an editor's backup, a temporary file
    _record(records / "older", "d.yaml", "د")  # sub-folders are named when wanted
    (records / "notes.txt").write_text("not a record", encoding="utf-8")
    extra = _record(tmp_path / "elsewhere", "extra.yaml", "إضافي")
    # the same file twice (through its folder and by name) is one record, not a collision
    result = run_cli(
        "export", "records", "records/a.yaml", str(extra), "-f", "html", "-o", "out/",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "a.html", "b.html", "c.html", "extra.html",
    ]  # fmt: skip


def test_several_formats_and_a_language_name_outputs_as_a_single_export_does(tmp_path):
    _record(tmp_path / "r", "one.yaml", "أ")
    _record(tmp_path / "r", "two.yaml", "ب")
    result = run_cli(
        "export", "r", "-f", "html", "-f", "docx", "--lang", "ar", "-o", "out", "-q",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"" and result.stderr == b""  # -q: nothing but errors
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "one.ar.docx", "one.ar.html", "two.ar.docx", "two.ar.html",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "output, says",
    [
        ("report.pdf", "several records need a folder, not a file name"),
        ("-", "standard output takes one record"),
        ("existing", "several records need a folder, and this is a file"),
    ],
)
def test_a_batch_needs_an_output_folder(tmp_path, output, says):
    _record(tmp_path / "r", "one.yaml", "أ")
    _record(tmp_path / "r", "two.yaml", "ب")
    (tmp_path / "existing").write_text("keep me", encoding="utf-8")
    result = run_cli("export", "r", "-o", output, cwd=tmp_path)
    assert result.returncode == 2
    assert says in _errors(result)[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing", "r"]
    assert (tmp_path / "existing").read_text(encoding="utf-8") == "keep me"


def test_an_empty_folder_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    _record(tmp_path, "one.yaml", "أ")
    result = run_cli("export", "empty", "one.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert _errors(result) == [
        "reportkit: error: empty: no *.yaml, *.yml or *.json record in this folder"
    ]


def test_a_batch_from_python(tmp_path):
    from reportkit.batch import export_batch
    from reportkit.export import ExportOptions

    _record(tmp_path / "r", "one.yaml", "أ")
    (tmp_path / "r" / "two.yaml").write_text(BROKEN, encoding="utf-8")
    result = export_batch([tmp_path / "r"], ["html"], tmp_path / "out", ExportOptions(), jobs=1)
    assert result.written == [tmp_path / "out" / "one.html"]
    assert [(Path(name).name, reason.split(": ", 1)[1]) for name, reason in result.failures] == [
        ("two.yaml", "conference.title: must be text or a mapping of language code to text, "
         "not a int"),
    ]  # fmt: skip


# --- Processes ---------------------------------------------------------------------------------


def _start_long_batch(tmp_path: Path):
    """A `--jobs 2` batch of long records, caught while both workers render."""
    records = tmp_path / "records"
    # more than two fast workers can finish in the moment the test waits (it is stopped early)
    for i in range(12):
        _record(records, f"long{i}.yaml", f"مؤتمر {i}", times=8)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "reportkit", "export", str(records), "-o", str(out), "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's foreground job has
    )
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline:
        workers = [p for p in descendants(proc.pid) if b"spawn_main" in cmdline(p)]
        if len(workers) == 2:
            break
        time.sleep(0.05)
    assert len(workers) == 2, "the two workers did not start"
    time.sleep(2.5)  # warm by now, and rendering the first records
    assert proc.poll() is None and all(alive(w) for w in workers)
    return proc, descendants(proc.pid), out


@LINUX_PROC
def test_ctrl_c_ends_the_batch_and_every_worker(tmp_path):
    proc, children, out = _start_long_batch(tmp_path)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.decode().strip().splitlines()[-1] == "reportkit: error: interrupted"
    assert gone_within(children, 3), "a worker outlived the batch"
    assert not [p for p in (out.iterdir() if out.exists() else []) if p.name.startswith(".")]


@LINUX_PROC
def test_sigterm_ends_the_batch_and_every_worker(tmp_path):
    proc, children, out = _start_long_batch(tmp_path)
    proc.terminate()  # to reportkit alone: it must end its workers itself
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert gone_within(children, 3), "a worker outlived the batch"
    assert not [p for p in (out.iterdir() if out.exists() else []) if p.name.startswith(".")]


@LINUX_PROC
def test_kill_9_leaves_no_worker_behind(tmp_path):
    proc, children, _ = _start_long_batch(tmp_path)
    proc.kill()
    proc.wait(timeout=30)
    assert gone_within(children, 3), "a worker outlived reportkit"


# --- Progress ----------------------------------------------------------------------------------


def _run_on_terminal(args: list[str], cwd: Path, timeout: float = 120) -> tuple[int, str]:
    """Run reportkit with its standard error on a pseudo-terminal; (exit code, what it showed)."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reportkit", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    shown = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal's other end closed: reportkit is done
                break
            if not chunk:
                break
            shown += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    proc.stdout.close()
    return proc.wait(timeout=10), shown.decode("utf-8", "replace")


def test_a_batch_shows_its_progress_on_a_terminal(tmp_path):
    for name in ("one", "two", "three"):
        _record(tmp_path / "r", f"{name}.yaml", name, times=2)
    code, shown = _run_on_terminal(["export", "r", "-o", "out", "-j", "2"], tmp_path)
    assert code == 0, shown
    assert "records" in shown and "/3" in shown  # records done out of the total
    assert "0:00:" in shown or "-:--:--" in shown  # the time left
    assert "r/" in shown  # the record being worked on


def test_no_bar_when_standard_error_is_not_a_terminal_or_with_quiet(tmp_path):
    for name in ("one", "two"):
        _record(tmp_path / "r", f"{name}.yaml", name)
    result = run_cli("export", "r", "-o", "out", "-j", "2", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == b""
    code, shown = _run_on_terminal(["export", "r", "-o", "out2", "-j", "2", "-q"], tmp_path)
    assert code == 0 and shown == ""


def test_a_long_single_export_shows_its_step_on_a_terminal(tmp_path):
    _record(tmp_path, "long.yaml", "طويل", times=40)
    code, shown = _run_on_terminal(["export", "long.yaml", "-o", "long.pdf"], tmp_path)
    assert code == 0, shown
    assert "long: rendering pdf" in shown


def test_a_batch_translates_in_its_workers(tmp_path):
    from support.tinyargos import argos_env_vars, build_package

    env = {**os.environ, **argos_env_vars(tmp_path / "argos")}
    package = build_package(tmp_path, "ar", "en", {"المؤتمر": "conference", "الأمن": "security"})
    install = subprocess.run(
        [sys.executable, "-m", "reportkit", "models", "install", "--file", str(package)],
        env=env, capture_output=True, timeout=120,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    _record(tmp_path / "r", "one.yaml", "المؤتمر الأول")
    _record(tmp_path / "r", "two.yaml", "الأمن الثاني")
    result = subprocess.run(
        [sys.executable, "-m", "reportkit", "export", "r", "--lang", "en", "-f", "html",
         "-o", "out", "-j", "2"],
        cwd=tmp_path, env=env, capture_output=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "conference الأول" in (tmp_path / "out" / "one.en.html").read_text(encoding="utf-8")
    assert "security الثاني" in (tmp_path / "out" / "two.en.html").read_text(encoding="utf-8")


def test_a_batch_signs_every_pdf_here(tmp_path):
    import datetime as dt

    import pikepdf

    from support import bombs

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    p12 = bombs.self_signed_p12(
        tmp_path / "office.p12",
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=30),
    )
    _record(tmp_path / "r", "one.yaml", "أ")
    _record(tmp_path / "r", "two.yaml", "ب")
    result = subprocess.run(
        [sys.executable, "-m", "reportkit", "export", "r", "--engine", "reportlab", "--sign",
         str(p12), "-o", "out", "-j", "2"],
        cwd=tmp_path, capture_output=True, timeout=120,
        env={**os.environ, "REPORTKIT_SIGN_PASSWORD": "s3cret"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for name in ("one.pdf", "two.pdf"):
        with pikepdf.open(tmp_path / "out" / name) as pdf:
            fields = pdf.Root.AcroForm.Fields
            assert any(f.get("/FT") == "/Sig" and "/V" in f for f in fields), name
