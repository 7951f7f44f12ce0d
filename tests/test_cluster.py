"""Batches on a Dask cluster: a real scheduler and workers, started here as processes on
127.0.0.1, and reportkit sending them the records as bytes.

The promises: the outputs are those of a local batch; a cluster that goes away mid-batch ends it
with one line and no partial file; a worker with another reportkit, a scheduler that is not
there, or a missing `cluster` extra is one clear line before any work.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLE, run_cli, run_cli_without
from support.readers import pdftotext

pytest.importorskip("distributed")

DASK = str(Path(sys.executable).parent / "dask")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A scheduler and workers as processes of their own (each in its own process group)."""

    def __init__(self, folder: Path, workers: int = 2, worker_env: dict | None = None):
        folder.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.log = folder / "scheduler.log"
        self.procs: list[subprocess.Popen] = []
        self._start(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"],
            folder,
            self.log,
        )
        for i in range(workers):
            self._start(
                [DASK, "worker", self.address, "--nthreads", "1", "--no-nanny",
                 "--no-dashboard", "--host", "127.0.0.1",
                 "--local-directory", str(folder / f"worker{i}")],
                folder,
                folder / f"worker{i}.log",
                env=worker_env,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while self.log.read_text(errors="replace").count("Register worker") < workers:
            assert time.monotonic() < deadline, self.log.read_text(errors="replace")
            assert all(p.poll() is None for p in self.procs), "a cluster process ended"
            time.sleep(0.1)

    def _start(self, cmd: list[str], cwd: Path, log: Path, env: dict | None = None) -> None:
        with open(log, "wb") as out:
            self.procs.append(
                subprocess.Popen(
                    cmd, cwd=cwd, stdout=out, stderr=out, env=env, start_new_session=True
                )
            )

    def kill(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        for proc in self.procs:
            proc.wait(timeout=30)


@pytest.fixture
def cluster(tmp_path):
    running = Cluster(tmp_path / "cluster")
    yield running
    running.kill()


def _record(folder: Path, name: str, title: str, times: int = 1) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["conference"]["title"] = title
    data["recommendations"] = data["recommendations"] * times
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _same_text(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert pdftotext(a / name) == pdftotext(b / name), name


def test_a_batch_on_a_cluster_gives_the_local_batch_outputs(tmp_path, cluster):
    records = tmp_path / "records"
    for i, title in enumerate(("المؤتمر الأول", "المؤتمر الثاني", "المؤتمر الثالث")):
        _record(records, f"r{i}.yaml", title)
    local = run_cli("export", "records", "-o", "local", "-j", "2", cwd=tmp_path)
    assert local.returncode == 0, local.stderr
    remote = run_cli(
        "export", "records", "-o", "remote", "--cluster", cluster.address, cwd=tmp_path
    )
    assert remote.returncode == 0, remote.stderr
    assert remote.stderr == b""
    assert len(list((tmp_path / "remote").iterdir())) == 3
    _same_text(tmp_path / "local", tmp_path / "remote")
    assert "المؤتمر الثاني" in pdftotext(tmp_path / "remote" / "r1.pdf")


def test_the_cluster_gone_mid_batch_is_one_line_and_no_partial_file(tmp_path, cluster):
    records = tmp_path / "records"
    for i in range(8):
        _record(records, f"r{i}.yaml", f"مؤتمر {i}", times=6)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "reportkit", "export", str(records), "-o", str(out),
         "--cluster", cluster.address],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while not (out.exists() and any(out.iterdir())):
        assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
        time.sleep(0.05)
    cluster.kill()  # scheduler and workers, mid-batch
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 1, err
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1, err.decode()  # one line, no log or traceback
    assert lines[0].startswith(
        f"reportkit: error: --cluster {cluster.address}: the cluster went away ("
    )
    assert "records were written, the others were not" in lines[0]
    written = sorted(out.iterdir())
    assert written and len(written) < 8
    for path in written:  # every file there is a whole report; no temporary file is left
        assert not path.name.startswith("."), path
        assert "مؤتمر" in pdftotext(path)


def test_a_scheduler_that_is_not_there_is_one_line(tmp_path):
    _record(tmp_path / "r", "a.yaml", "أ")
    _record(tmp_path / "r", "b.yaml", "ب")
    address = f"tcp://127.0.0.1:{_free_port()}"
    result = run_cli("export", "r", "-o", "out", "--cluster", address, cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"reportkit: error: --cluster {address}: no Dask scheduler answers there ("
    ), lines
    assert not (tmp_path / "out").exists()


def test_a_worker_with_another_reportkit_version_is_refused(tmp_path):
    other = tmp_path / "other-version"
    other.mkdir()
    (other / "sitecustomize.py").write_text(
        "import reportkit\nreportkit.__version__ = '0.0.1-other'\n", encoding="utf-8"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(other), os.environ.get("PYTHONPATH")])),
    }
    running = Cluster(tmp_path / "cluster", workers=1, worker_env=env)
    try:
        _record(tmp_path / "r", "a.yaml", "أ")
        _record(tmp_path / "r", "b.yaml", "ب")
        result = run_cli("export", "r", "-o", "out", "--cluster", running.address, cwd=tmp_path)
    finally:
        running.kill()
    assert result.returncode == 1
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert "has reportkit 0.0.1-other, this is reportkit" in lines[0]
    assert "install reportkit" in lines[0] and "on every worker" in lines[0]
    assert not (tmp_path / "out").exists()


def test_a_local_cluster_gives_the_local_batch_outputs(tmp_path):
    _record(tmp_path / "r", "a.yaml", "أ")
    _record(tmp_path / "r", "b.yaml", "ب")
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # the workers' scratch space stays here
    local = run_cli("export", "r", "-o", "local", "-j", "2", cwd=tmp_path)
    assert local.returncode == 0, local.stderr
    result = subprocess.run(
        [sys.executable, "-m", "reportkit", "export", "r", "-o", "dask", "--cluster", "local",
         "-j", "2"],
        cwd=tmp_path, capture_output=True, timeout=180, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == b"", result.stderr.decode()
    _same_text(tmp_path / "local", tmp_path / "dask")


def test_a_missing_cluster_extra_names_the_install_command(tmp_path):
    _record(tmp_path / "r", "a.yaml", "أ")
    _record(tmp_path / "r", "b.yaml", "ب")
    result = run_cli_without(
        ("dask", "distributed"), tmp_path, "export", "r", "-o", "out", "--cluster", "local"
    )
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "pip install 'reportkit[cluster]'" in lines[0], lines
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_ctrl_c_ends_a_local_cluster_batch_quietly_and_leaves_no_process(tmp_path):
    from support.processes import descendants, gone_within

    for i in range(4):
        _record(tmp_path / "r", f"r{i}.yaml", f"مؤتمر {i}", times=8)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reportkit", "export", "r", "-o", "out", "--cluster", "local",
         "-j", "2"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while not (tmp_path / "out").exists():  # the cluster runs: a first record is written
        assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
        time.sleep(0.05)
    children = descendants(proc.pid)
    assert children
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the cluster's processes too
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.decode().strip().splitlines() == ["reportkit: error: interrupted"]
    assert gone_within(children, 10), "a cluster process outlived reportkit"
