"""Shared fixtures. Tests run offline and leave nothing in the home directory: HOME and the XDG
folders point into a temporary folder before anything (argostranslate, fontconfig) reads them, and
any attempt to open a network connection fails the test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

_SANDBOX = Path(tempfile.mkdtemp(prefix="reportkit-tests-"))
for _var in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = str(_SANDBOX / _var.lower())
    Path(os.environ[_var]).mkdir(parents=True, exist_ok=True)
os.environ["ARGOS_PACKAGES_DIR"] = str(_SANDBOX / "argos-packages")
os.environ.setdefault("ARGOS_DEVICE_TYPE", "cpu")

import pytest  # noqa: E402
import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "conference-47.yaml"
sys.path.insert(0, str(Path(__file__).resolve().parent))

NETWORK_ATTEMPTS: list[object] = []
_real_connect = socket.socket.connect


def _guarded_connect(self, address):
    if self.family == socket.AF_UNIX:
        return _real_connect(self, address)
    NETWORK_ATTEMPTS.append(address)
    raise OSError(f"tests run offline: connection to {address!r} refused")


def pytest_configure(config):
    socket.socket.connect = _guarded_connect


def pytest_unconfigure(config):
    socket.socket.connect = _real_connect
    shutil.rmtree(_SANDBOX, ignore_errors=True)


@pytest.fixture(autouse=True)
def _no_network():
    before = len(NETWORK_ATTEMPTS)
    yield
    assert len(NETWORK_ATTEMPTS) == before, f"a test tried the network: {NETWORK_ATTEMPTS[before:]}"


@pytest.fixture(scope="session")
def example_data() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def record_texts(data: dict, lang: str) -> list[str]:
    """Every text of a record (as plain data) in `lang`, read straight from the data."""
    record_lang = data.get("language", "ar")
    out: list[str] = []

    def text(value):
        if isinstance(value, str):
            if lang == record_lang:
                out.append(value)
        elif isinstance(value, dict) and lang in value:
            v = value[lang]
            out.append(v["text"] if isinstance(v, dict) else v)

    c = data["conference"]
    for key in ("title", "organizer", "city", "country"):
        if key in c:
            text(c[key])
    if "summary" in data:
        text(data["summary"])
    for key in ("participants", "topics"):
        for t in data.get(key, []):
            text(t)
    for rec in data.get("recommendations", []):
        text(rec["text"])
        if "category" in rec:
            text(rec["category"])
    for section in data.get("sections", []):
        text(section["heading"])
        for p in section.get("paragraphs", []):
            text(p)
    return out


@pytest.fixture
def write_record(tmp_path):
    """Write a record (data, or raw text/bytes) to a file and return its path."""

    def write(content, name: str = "record.yaml") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        elif name.endswith(".json"):
            import json

            path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
        return path

    return write


def run_cli(*args: str, cwd: Path | None = None, input: bytes | None = None, timeout: float = 120):
    """Run the real `reportkit` command in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "reportkit", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        timeout=timeout,
    )


def run_cli_without(modules: tuple[str, ...], folder: Path, *args: str):
    """The real command, run in `folder`, in an interpreter where `modules` cannot be imported,
    as on a machine where that extra was never installed."""
    blocker = folder / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "class _Missing:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {modules!r}:\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, _Missing())\n"
    )
    # the blocker first, then the code under test where PYTHONPATH names it (a worktree's src)
    pythonpath = os.pathsep.join(filter(None, [str(blocker), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": pythonpath}
    return subprocess.run(
        [sys.executable, "-m", "reportkit", *args],
        capture_output=True,
        timeout=120,
        env=env,
        cwd=folder,
    )
