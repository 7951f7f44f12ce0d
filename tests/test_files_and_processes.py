"""What reportkit promises about files, processes and its command line, checked through the real
command: it writes only what was asked, the way it was asked; no process outlives it; every
failure a user can cause is one line and a documented exit code.

Every path these tests write is inside their temporary folder: the FIFO and the links are their
own, never the machine's /dev/null or /dev/stdout.
"""

from __future__ import annotations

import os
import shlex
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLE, run_cli, run_cli_without
from support.processes import alive, descendants, gone_within


@pytest.fixture
def record(tmp_path) -> Path:
    path = tmp_path / "r.yaml"
    path.write_bytes(EXAMPLE.read_bytes())
    return path


def one_error_line(result) -> str:
    err = result.stderr.decode()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("reportkit: error: "), err
    assert "Traceback" not in err and "internal error" not in err
    return lines[0]


# --- Outputs that must be refused ------------------------------------------------------------


def test_the_record_is_never_overwritten_by_its_own_export(record):
    before = record.read_bytes()
    result = run_cli("export", str(record), "-f", "html", "-o", str(record))
    assert result.returncode == 2
    assert "that is the input file" in one_error_line(result)
    assert record.read_bytes() == before


def test_the_record_is_not_overwritten_through_a_link_either(record, tmp_path):
    link = tmp_path / "report.html"
    link.symlink_to(record)
    before = record.read_bytes()
    result = run_cli("export", str(record), "-f", "html", "-o", str(link))
    assert result.returncode == 2
    assert "by another name" in one_error_line(result)
    assert record.read_bytes() == before and link.is_symlink()


def test_extract_does_not_replace_the_pdf_it_reads(record, tmp_path):
    pdf = tmp_path / "r.pdf"
    assert run_cli("export", str(record), "-o", str(pdf)).returncode == 0
    before = pdf.read_bytes()
    result = run_cli("extract", str(pdf), "-o", str(pdf))
    assert result.returncode == 2
    assert "that is the input file" in one_error_line(result)
    assert pdf.read_bytes() == before


def test_translate_does_not_replace_the_record(record):
    before = record.read_bytes()
    result = run_cli("translate", str(record), "--to", "en", "-o", str(record))
    assert result.returncode == 2
    assert "that is the input file" in one_error_line(result)
    assert record.read_bytes() == before


def test_two_outputs_of_one_run_may_not_be_one_file(record, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "r.pdf").write_bytes(b"%PDF-old")
    (out / "r.html").symlink_to(out / "r.pdf")
    result = run_cli("export", str(record), "-f", "pdf", "-f", "html", "-o", str(out))
    assert result.returncode == 2
    assert "one file" in one_error_line(result)
    assert (out / "r.pdf").read_bytes() == b"%PDF-old"


def test_an_extension_that_names_another_format_is_refused(record, tmp_path):
    result = run_cli("export", str(record), "-f", "html", "-o", str(tmp_path / "x.pdf"))
    assert result.returncode == 2
    assert "the extension says pdf, but the format is html" in one_error_line(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.yaml"]


def test_several_formats_to_standard_output_are_refused(record, tmp_path):
    result = run_cli("export", str(record), "-f", "pdf", "-f", "html", "-o", "-", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == b""
    assert "standard output takes one format" in one_error_line(result)


# --- Outputs written the way they were asked -------------------------------------------------


def test_the_extension_of_output_chooses_the_format(record, tmp_path):
    result = run_cli("export", str(record), "-o", str(tmp_path / "report.docx"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "report.docx").read_bytes()[:2] == b"PK"


def test_a_trailing_slash_means_a_folder(record, tmp_path):
    result = run_cli("export", str(record), "-f", "html", "-o", str(tmp_path / "new") + "/")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "new").is_dir()
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["r.html"]
    # an existing folder is a folder without the slash too
    result = run_cli("export", str(record), "-f", "docx", "-o", str(tmp_path / "new"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["r.docx", "r.html"]


def test_dash_writes_the_one_format_to_standard_output(record, tmp_path):
    result = run_cli("export", str(record), "-o", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"%PDF-") and result.stdout.rstrip().endswith(b"%%EOF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.yaml"]


def test_translate_writes_to_standard_output_and_by_extension(record, tmp_path):
    # --to ar: the record has every Arabic text, so no model is needed to reach the write
    result = run_cli("translate", str(record), "--to", "ar", "-o", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = yaml.safe_load(result.stdout)
    assert written["conference"]["reference"] and written["recommendations"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.yaml"]
    result = run_cli("translate", str(record), "--to", "ar", "-o", "out.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    import json

    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8")) == written


def test_a_fifo_is_written_through_not_replaced(record, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result, received = _read_fifo_while(
        fifo, ("export", str(record), "-f", "html", "-o", str(fifo))
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received.startswith(b"<!DOCTYPE html>")
    assert result.stdout == b""  # the path is not printed into a stream that may carry the file


def _own_null_device(folder: Path) -> Path:
    """A character device like /dev/null (1, 3), made in the test's folder: writing to it goes
    nowhere, and replacing it would turn it into a regular file."""
    device = folder / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        with open(device, "wb") as f:  # a file system mounted nodev refuses to open it
            f.write(b"")
    except OSError:
        pytest.skip("device files cannot be made or opened here (not root, or nodev)")
    return device


@pytest.mark.parametrize("command", ["export", "extract", "translate"])
def test_a_device_is_written_through_not_replaced(record, report_pdf, tmp_path, command):
    device = _own_null_device(tmp_path)
    args = {
        "export": ("export", str(record), "-f", "html", "-o", str(device)),
        "extract": ("extract", str(report_pdf), "-o", str(device)),
        # nothing to translate (the record has it all): no model is needed to reach the write
        "translate": ("translate", str(record), "--to", "ar", "-o", str(device)),
    }[command]
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode) and os.lstat(device).st_rdev == os.makedev(1, 3)
    assert result.stdout == b""  # the device's name is not printed as a file written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null", "r.yaml"]


def test_a_link_keeps_pointing_at_its_replaced_target(record, tmp_path):
    target = tmp_path / "kept.html"
    target.write_text("old")
    link = tmp_path / "link.html"
    link.symlink_to(target.name)
    result = run_cli("export", str(record), "-f", "html", "-o", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == "kept.html"
    assert target.read_bytes().startswith(b"<!DOCTYPE html>")


def _cli_with_umask(umask: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reportkit", *args],
        capture_output=True,
        timeout=120,
        preexec_fn=lambda: os.umask(umask),
    )


def test_new_files_honour_the_umask_and_replaced_files_keep_their_mode(record, tmp_path):
    new = tmp_path / "new.html"
    assert (
        _cli_with_umask(0o027, "export", str(record), "-f", "html", "-o", str(new)).returncode == 0
    )
    assert stat.S_IMODE(new.stat().st_mode) == 0o640
    secret = tmp_path / "secret.html"
    secret.write_text("old")
    secret.chmod(0o600)
    result = _cli_with_umask(0o022, "export", str(record), "-f", "html", "-o", str(secret))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert secret.read_bytes().startswith(b"<!DOCTYPE html>")


def test_a_write_failure_names_the_users_path_not_a_temporary_one(record, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    target = blocker / "report.html"
    result = run_cli("export", str(record), "-f", "html", "-o", str(target))
    assert result.returncode == 1
    line = one_error_line(result)
    assert str(target) in line and ".part" not in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder", "r.yaml"]


def test_quiet_prints_nothing_and_verbose_says_each_step(record, tmp_path):
    quiet = run_cli("export", str(record), "-f", "html", "-q", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stdout == b"" and quiet.stderr == b""
    loud = run_cli("export", str(record), "-f", "html", "-v", "-o", "v.html", cwd=tmp_path)
    assert loud.returncode == 0
    assert b"rendering html" in loud.stderr and b"writing v.html" in loud.stderr


# --- Every command that writes files follows the same rules -----------------------------------


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory) -> Path:
    """A reportkit PDF for `extract` to read (ReportLab: the quickest engine)."""
    pdf = tmp_path_factory.mktemp("report") / "report.pdf"
    result = run_cli("export", str(EXAMPLE), "--engine", "reportlab", "-o", str(pdf))
    assert result.returncode == 0, result.stderr
    return pdf


def _read_fifo_while(fifo: Path, args: tuple[str, ...], **kwargs):
    """Run the command with a reader on the FIFO `fifo`; (result, the bytes the reader got)."""
    received = bytearray()

    def read():
        with open(fifo, "rb") as f:
            received.extend(f.read())

    reader = threading.Thread(target=read)
    reader.start()
    result = run_cli(*args, **kwargs)
    reader.join(timeout=60)
    return result, bytes(received)


def test_extract_writes_through_a_fifo_and_a_link_and_to_standard_output(report_pdf, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result, received = _read_fifo_while(fifo, ("extract", str(report_pdf), "-o", str(fifo)))
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and result.stdout == b""
    expected = yaml.safe_load(received)
    assert expected["conference"]["reference"]

    target = tmp_path / "kept.yaml"
    target.write_text("old")
    link = tmp_path / "link.yaml"
    link.symlink_to(target.name)
    result = run_cli("extract", str(report_pdf), "-o", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == "kept.yaml"
    assert yaml.safe_load(target.read_text(encoding="utf-8")) == expected

    result = run_cli("extract", str(report_pdf), cwd=tmp_path)  # standard output by default
    assert result.returncode == 0 and yaml.safe_load(result.stdout) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.yaml", "link.yaml", "pipe"]


def test_extract_into_a_folder_or_by_the_extension_of_output(report_pdf, tmp_path):
    result = run_cli("extract", str(report_pdf), "-o", "new/", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["report.yaml"]
    expected = yaml.safe_load((tmp_path / "new" / "report.yaml").read_text(encoding="utf-8"))
    result = run_cli("extract", str(report_pdf), "-o", "record.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    import json

    assert json.loads((tmp_path / "record.json").read_text(encoding="utf-8")) == expected
    assert run_cli("validate", str(tmp_path / "record.json")).returncode == 0


@pytest.mark.parametrize(
    "args",
    [("extract", "REPORT", "-o", "x.pdf"), ("translate", "RECORD", "--to", "en", "-o", "x.html")],
)
def test_a_record_written_under_another_formats_extension_is_refused(
    report_pdf, record, tmp_path, args
):
    args = tuple({"REPORT": str(report_pdf), "RECORD": str(record)}.get(a, a) for a in args)
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    line = one_error_line(result)
    assert "the extension says" in line and "name the file x.yaml" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.yaml"]


def test_extract_honours_the_umask_and_keeps_a_replaced_files_mode(report_pdf, tmp_path):
    new = tmp_path / "new.yaml"
    result = _cli_with_umask(0o027, "extract", str(report_pdf), "-o", str(new))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(new.stat().st_mode) == 0o640
    secret = tmp_path / "secret.yaml"
    secret.write_text("old")
    secret.chmod(0o600)
    assert _cli_with_umask(0o022, "extract", str(report_pdf), "-o", str(secret)).returncode == 0
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and secret.read_text() != "old"


def _records(folder: Path, *names: str) -> list[Path]:
    folder.mkdir()
    for name in names:
        (folder / name).write_bytes(EXAMPLE.read_bytes())
    return [folder / name for name in names]


def test_a_batch_writes_each_output_the_way_a_single_export_does(tmp_path):
    _records(tmp_path / "records", "fifo.yaml", "link.yaml", "secret.yaml", "new.yaml")
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "fifo.html")
    kept = tmp_path / "kept.html"
    kept.write_text("old")
    (out / "link.html").symlink_to(kept)
    (out / "secret.html").write_text("old")
    (out / "secret.html").chmod(0o600)
    received = bytearray()

    def read():
        with open(out / "fifo.html", "rb") as f:
            received.extend(f.read())

    reader = threading.Thread(target=read)
    reader.start()
    result = _cli_with_umask(0o027, "export", str(tmp_path / "records"), "-f", "html",
                             "-o", str(out), "-j", "1")  # fmt: skip
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert received.startswith(b"<!DOCTYPE html>") and stat.S_ISFIFO(
        os.lstat(out / "fifo.html").st_mode
    )
    assert (out / "link.html").is_symlink() and kept.read_bytes().startswith(b"<!DOCTYPE html>")
    assert stat.S_IMODE((out / "secret.html").stat().st_mode) == 0o600
    assert (out / "secret.html").read_bytes().startswith(b"<!DOCTYPE html>")
    assert stat.S_IMODE((out / "new.html").stat().st_mode) == 0o640
    assert sorted(p.name for p in out.iterdir()) == [
        "fifo.html", "link.html", "new.html", "secret.html",
    ]  # fmt: skip
    # the FIFO's path is not printed into what may be the stream that carries the file
    assert sorted(result.stdout.decode().split()) == sorted(
        str(out / n) for n in ("link.html", "new.html", "secret.html")
    )


def test_a_batch_output_that_is_one_of_its_records_by_a_link_is_refused(tmp_path):
    first, _ = _records(tmp_path / "records", "a.yaml", "b.yaml")
    before = first.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.html").symlink_to(first)
    result = run_cli("export", str(tmp_path / "records"), "-f", "html", "-o", str(out))
    assert result.returncode == 2
    assert "that is the input file" in one_error_line(result)
    assert first.read_bytes() == before and sorted(p.name for p in out.iterdir()) == ["a.html"]


def test_template_init_honours_the_umask_and_never_writes_through_a_link(tmp_path):
    result = _cli_with_umask(0o027, "template", "init", str(tmp_path / "mine"))
    assert result.returncode == 0, result.stderr
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "mine").iterdir()}
    assert modes == {"README.md": 0o640, "report.css": 0o640, "report.html.j2": 0o640}
    folder = tmp_path / "linked"
    folder.mkdir()
    (folder / "report.css").symlink_to(tmp_path / "elsewhere.css")  # pointing at nothing yet
    result = run_cli("template", "init", str(folder))
    assert result.returncode == 2
    assert "report.css exists" in one_error_line(result)
    assert not (tmp_path / "elsewhere.css").exists()
    assert [p.name for p in folder.iterdir()] == ["report.css"]


@pytest.mark.parametrize(
    "command, shown",
    [
        (("export", "RECORD", "-f", "html", "-o", "ro/report.html"), "ro/report.html"),
        (("export", "RECORD", "-f", "pdf", "-f", "html", "-o", "ro/"), "ro/r.pdf"),
        (("export", "records", "-f", "html", "-o", "ro", "-j", "1"), "ro/a.html"),
        (("extract", "REPORT", "-o", "ro/record.yaml"), "ro/record.yaml"),
        (("template", "init", "ro/templates"), "ro/templates"),
    ],
    ids=["export", "export-formats", "batch", "extract", "template-init"],
)
def test_a_read_only_folder_is_named_as_the_user_gave_it(
    record, report_pdf, tmp_path, command, shown
):
    from support.processes import read_only_folder, run_without_root_override

    _records(tmp_path / "records", "a.yaml", "b.yaml")
    read_only_folder(tmp_path / "ro")
    names = {"RECORD": str(record), "REPORT": str(report_pdf)}
    args = [sys.executable, "-m", "reportkit", *(names.get(a, a) for a in command)]
    result = run_without_root_override(args, capture_output=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    line = one_error_line(result)
    assert line.startswith(f"reportkit: error: {shown}: cannot write: permission denied")
    assert ".part" not in line and str(tmp_path) not in line
    assert list((tmp_path / "ro").iterdir()) == []


# --- Processes ---------------------------------------------------------------------------------


def _long_record(tmp_path: Path, times: int = 1) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    # About 70 pages: WeasyPrint renders it for several seconds, far longer than a worker that
    # notices its parent's end needs to exit.
    data["recommendations"] = data["recommendations"] * 80 * times
    data["sections"] = data["sections"] * 16 * times
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm", "kill-9"])
@pytest.mark.parametrize("engine", ["reportlab", "typst"])
def test_the_other_engines_end_with_the_export_leaving_no_file_and_no_process(
    tmp_path, engine, how
):
    # ReportLab and Typst render in reportkit's own process (Typst in compiled code, which
    # returns to Python between its steps): the export ends there and then, all of it.
    record = _long_record(tmp_path, times=2)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reportkit", "export", str(record), "--engine", engine, "-v",
         "-o", str(tmp_path / "long.pdf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    for line in proc.stderr:
        if b"rendering pdf" in line:
            break
    time.sleep(0.3)
    assert proc.poll() is None, "the export ended before the test could stop it"
    started = descendants(proc.pid)
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    expected = {"ctrl-c": 130, "sigterm": 128 + signal.SIGTERM, "kill-9": -signal.SIGKILL}
    assert proc.returncode == expected[how], err
    if how != "kill-9":
        assert err.decode().strip().splitlines()[-1].startswith("reportkit: error: ")
    assert gone_within(started, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.yaml"]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _start_export_with_worker(tmp_path: Path, target: Path):
    """An export of a long record, caught while its worker renders (after reportkit says, under
    --verbose, that it sends the page to the renderer)."""
    record = _long_record(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reportkit", "export", str(record), "-v", "-o", str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's foreground job has
    )
    deadline = time.monotonic() + 30
    while not _children(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = _children(proc.pid)
    assert workers, "the WeasyPrint worker did not start with reportkit"
    for line in proc.stderr:
        if b"rendering pdf" in line:
            break
    time.sleep(1.0)  # the page is with the worker now, which renders for several seconds
    assert proc.poll() is None and all(alive(w) for w in workers)
    return proc, workers


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_ctrl_c_ends_the_whole_export_with_130_and_no_file(tmp_path):
    target = tmp_path / "long.pdf"
    proc, workers = _start_export_with_worker(tmp_path, target)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.decode().strip().splitlines()[-1] == "reportkit: error: interrupted"
    assert gone_within(workers, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.yaml"]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_sigterm_ends_the_export_and_its_worker(tmp_path):
    target = tmp_path / "long.pdf"
    proc, workers = _start_export_with_worker(tmp_path, target)
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert gone_within(workers, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.yaml"]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_kill_9_leaves_no_worker_behind(tmp_path):
    proc, workers = _start_export_with_worker(tmp_path, tmp_path / "long.pdf")
    proc.kill()
    proc.wait(timeout=30)
    assert gone_within(workers, 2), "the WeasyPrint worker outlived reportkit"


def test_the_worker_exits_when_its_lifeline_closes_before_any_job():
    # A parent that dies before sending work: the worker must not wait for input forever.
    code = (
        "import os, sys, time\n"
        "from reportkit.writers.weasyprint.writer import Worker\n"
        "w = Worker()\n"
        "print(w.proc.pid, flush=True)\n"
        "os._exit(0)\n"  # no close(), no cleanup: as if killed
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    worker = int(out.stdout.split()[0])
    assert gone_within([worker], 2)


# --- The command line a user expects ---------------------------------------------------------


def test_version_and_short_help():
    from reportkit import __version__

    version = run_cli("--version")
    assert version.returncode == 0 and version.stdout.decode().strip() == f"reportkit {__version__}"
    for args in (("-h",), ("export", "-h"), ("models", "install", "-h")):
        result = run_cli(*args)
        assert result.returncode == 0 and b"Usage: " in result.stdout, args
    assert b"Examples:" in run_cli("export", "-h").stdout
    assert b"Exit codes:" in run_cli("-h").stdout


def _command_paths() -> list[tuple[str, ...]]:
    """Every command and group of the real command line, as the words that name it."""
    import typer

    from reportkit.cli import app

    paths = []

    def walk(command, path):
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():  # a group's (Typer's Click)
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return paths[1:]


def test_every_commands_help_ends_with_examples():
    paths = _command_paths()
    assert ("export",) in paths and ("models", "install") in paths and len(paths) >= 10
    for path in paths:
        result = run_cli(*path, "-h")
        assert result.returncode == 0, path
        help_text = result.stdout.decode()
        assert "Examples:" in help_text, path
        assert f"reportkit {' '.join(path)}" in help_text.split("Examples:", 1)[1], path


def test_shell_completion_is_offered():
    """`--show-completion` prints the script for the shell it is typed in (Typer finds it among
    the command's parent processes), so the test types it in bash."""
    assert b"--install-completion" in run_cli("--help").stdout
    # (a second command keeps bash from replacing itself with the first)
    command = f"{shlex.quote(sys.executable)} -m reportkit --show-completion; exit $?"
    result = subprocess.run(["bash", "-c", command], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert b"complete -o default -F" in result.stdout and b"_REPORTKIT_COMPLETE" in result.stdout


@pytest.mark.parametrize(
    "args, says",
    [
        (("translate", "EXAMPLE", "--to", "xx"), "--to 'xx': unknown language code"),
        (("models", "install"), "give a language pair"),
        (
            ("export", "-f", "html", "--marking", "سري\x07"),
            "--marking: contains the control character U+0007",
        ),
    ],
)
def test_a_usage_error_is_one_line_with_exit_2(args, says):
    args = tuple(str(EXAMPLE) if a == "EXAMPLE" else a for a in args)
    result = run_cli(*args)
    assert result.returncode == 2
    assert says in one_error_line(result)


@pytest.mark.parametrize(
    "args",
    [
        ("export", "EXAMPLE", "--lang", "en", "-f", "html"),
        ("translate", "EXAMPLE", "--to", "en"),
        ("models", "list"),
        ("models", "install", "--file", "EXAMPLE"),  # the extra is named before the file is read
        ("models", "install", "ar", "en"),
    ],
)
def test_a_missing_translate_extra_names_the_install_command(args, tmp_path):
    args = tuple(str(EXAMPLE) if a == "EXAMPLE" else a for a in args)
    result = run_cli_without(("argostranslate", "ctranslate2"), tmp_path, *args)
    assert result.returncode == 2
    assert "pip install 'reportkit[translate]'" in one_error_line(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]


def test_a_missing_sign_extra_names_the_install_command(tmp_path):
    p12 = tmp_path / "office.p12"
    p12.write_bytes(b"not read before the extra is found missing")
    result = run_cli_without(("pyhanko",), tmp_path, "export", "--sign", str(p12), "-o", "r.pdf")
    assert result.returncode == 2
    assert "pip install 'reportkit[sign]'" in one_error_line(result)
    assert not (tmp_path / "r.pdf").exists()
