"""The translation side of "reportkit never destroys a file, never leaves a mess, and every failure
is one clear line": model packages from anywhere, broken installed packages, sentence splitters
that would download, an unreachable package index, a damaged translation memory, bad glossaries,
and the prepositions glossary terms take in official titles.

Commands run for real, in a process of their own, each test with its own packages folder and
cache (`argos_packages.sandbox`), and with every connection beyond this machine refused and
reported."""

from __future__ import annotations

import http.server
import sqlite3
import stat
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import run_cli
from support import argos_packages as ap

AR_EN = {
    "المؤتمر": "conference",
    "الأمن": "security",
    "الدورة": "session",
    "رفع": "submitting",
    "التوصيات": "recommendations",
    "تقرير": "report",
}
EN_FR = {
    "conference": "conférence",
    "security": "sécurité",
    "session": "session",
    "submitting": "soumettre",
    "recommendations": "recommandations",
    "report": "rapport",
}
RECORD = {
    "language": "ar",
    "conference": {
        "title": "المؤتمر الأمن",
        "organizer": "الأمانة العامة لمجلس وزراء الداخلية العرب",
    },
    "summary": "المؤتمر. الأمن",
}


@dataclass
class Sandbox:
    root: Path
    packages: Path  # ARGOS_PACKAGES_DIR
    argos: Path  # the folder holding it, where install staging happens
    memory: Path  # the translation memory file

    def record(self, data: dict = RECORD) -> Path:
        path = self.root / "record.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    def translate(self, *args: str, data: dict = RECORD):
        out = self.root / "out.yaml"
        out.unlink(missing_ok=True)
        result = run_cli("translate", str(self.record(data)), "--to", "en", "-o", str(out), *args)
        return result, (yaml.safe_load(out.read_text(encoding="utf-8")) if out.exists() else None)


@pytest.fixture
def sandbox(tmp_path, monkeypatch) -> Sandbox:
    env = ap.sandbox(tmp_path / "sandbox")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    packages = Path(env["ARGOS_PACKAGES_DIR"])
    memory = Path(env["XDG_CACHE_HOME"]) / "reportkit" / "translation-memory.sqlite3"
    return Sandbox(tmp_path, packages, packages.parent, memory)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Real tiny packages, built once for the module; tests copy or rewrite them."""
    folder = tmp_path_factory.mktemp("built")
    return {
        "ar-en": ap.good_package(folder, "ar", "en", AR_EN),
        "ar-en-2": ap.good_package(folder, "ar", "en", {"المؤتمر": "meeting"}, name="ar_en-v2"),
        "en-fr": ap.good_package(folder, "en", "fr", EN_FR),
    }


def lines(result) -> list[str]:
    return result.stderr.decode().splitlines()


def no_network(result) -> bool:
    return b"network attempt" not in result.stderr


# ------------------------------------------------------------------------------------------
# models install --file: checked before anything is installed


def _hostile(built: Path, out: Path, case: str) -> Path:
    top = ap.top(built)
    meta = lambda **f: ap.variant(built, out, replace={"metadata.json": ap.metadata(**f)})  # noqa: E731
    if case == "not a zip":
        out.write_bytes(b"PK\x03\x04 but not really a zip")
        return out
    if case == "empty zip":
        return ap.write(out, [])
    if case == "no metadata.json":
        return ap.variant(built, out, drop=lambda n: n == "metadata.json")
    if case == "metadata not JSON":
        return ap.variant(built, out, replace={"metadata.json": b'{"type": "translate",'})
    if case == "metadata not an object":
        return ap.variant(built, out, replace={"metadata.json": b'["ar", "en"]'})
    if case == "metadata without type":
        return meta(type=...)
    if case == "from_code not text":
        return meta(from_code=5)
    if case == "unknown language code":
        return meta(to_code="klingon")
    if case == "not a translation package":
        return meta(type="sbd")
    if case == "no model folder":
        return ap.variant(built, out, drop=lambda n: n.startswith("model"))
    if case == "no tokenizer":
        return ap.variant(built, out, drop=lambda n: n == "sentencepiece.model")
    if case == "junk beside the folder":
        return ap.variant(built, out, add=[ap.member("junk.txt", b"junk")])
    if case == "two folders":
        return ap.variant(built, out, add=[ap.member("other/metadata.json", b"{}")])
    if case == "absolute path":
        return ap.variant(built, out, add=[ap.member("/tmp/reportkit-evil", b"x")])
    if case == "dot-dot path":
        return ap.variant(built, out, add=[ap.member(f"{top}/../../evil", b"x")])
    if case == "symbolic link":
        link = ap.member(f"{top}/model/link", b"/etc/passwd", stat.S_IFLNK | 0o777)
        return ap.variant(built, out, add=[link])
    if case == "same name twice":
        return ap.variant(built, out, add=[ap.member(f"{top}/README.md", b"again")])
    if case == "CRC error":
        path = ap.variant(built, out, compression=zipfile.ZIP_STORED)
        return ap.flip_byte(path, "model/model.bin", at=100)
    if case == "inflates beyond its declared size":
        zeros = ap.member(f"{top}/model/zeros.bin", bytes(4 << 20))
        return ap.forge_size(ap.variant(built, out, add=[zeros]), "model/zeros.bin", 1000)
    if case == "declares 2 GiB":
        zeros = ap.member(f"{top}/model/zeros.bin", bytes(1 << 20))
        return ap.forge_size(ap.variant(built, out, add=[zeros]), "model/zeros.bin", 2 << 30)
    if case == "10,001 entries":
        many = [ap.member(f"{top}/junk/{i}", b"") for i in range(10_001)]
        return ap.variant(built, out, add=many, compression=zipfile.ZIP_STORED)
    raise AssertionError(case)


HOSTILE = {
    "not a zip": "not a zip archive",
    "empty zip": "the archive is empty",
    "no metadata.json": "no translate-ar_en-tiny/metadata.json",
    "metadata not JSON": "metadata.json is not valid JSON",
    "metadata not an object": "metadata.json is not a JSON object",
    "metadata without type": "metadata.json has no type",
    "from_code not text": "metadata.json: from_code is not text",
    "unknown language code": "metadata.json: to_code 'klingon' is not a language code",
    "not a translation package": "type 'sbd'",
    "no model folder": "no model/ folder",
    "no tokenizer": "no sentencepiece.model or bpe.model",
    "junk beside the folder": "'junk.txt': a file outside the package's folder",
    "two folders": "not one top-level folder (other, translate-ar_en-tiny)",
    "absolute path": "'/tmp/reportkit-evil': an absolute or unsafe path",
    "dot-dot path": "a path with '..'",
    "symbolic link": "'translate-ar_en-tiny/model/link': a symbolic link",
    "same name twice": "'translate-ar_en-tiny/README.md': appears twice",
    "CRC error": "translate-ar_en-tiny/model/model.bin: damaged (Bad CRC-32",
    "inflates beyond its declared size": "translate-ar_en-tiny/model/zeros.bin: damaged",
    "declares 2 GiB": "unpacks to more than 1 GiB (a zip bomb?)",
    "10,001 entries": "entries (a model has far fewer than 10000)",
}


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_or_broken_package_is_refused_in_one_line_and_leaves_nothing(
    sandbox, built, case
):
    package = _hostile(built["ar-en"], sandbox.root / "bad.argosmodel", case)
    before = ap.listing(sandbox.argos)
    result = run_cli("models", "install", "--file", str(package))
    assert result.returncode == 2, result.stderr
    [line] = lines(result)
    assert line.startswith(f"reportkit: error: {package}: not a usable translation model: ")
    assert HOSTILE[case] in line
    assert ap.listing(sandbox.packages) == []
    assert ap.listing(sandbox.argos) == before  # no staging folder left next to it either
    assert not Path("/tmp/reportkit-evil").exists()
    listed = run_cli("models", "list")
    assert listed.returncode == 0 and listed.stderr == b""


def test_a_good_package_installs_into_the_packages_folder_and_nothing_else(sandbox, built):
    before = ap.listing(sandbox.argos)
    result = run_cli("models", "install", "--file", str(built["ar-en"]))
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    assert [p.name for p in sandbox.packages.iterdir()] == ["translate-ar_en-tiny"]
    added = set(ap.listing(sandbox.argos)) - set(before)
    assert all(p.startswith("packages/translate-ar_en-tiny") for p in added)
    listed = run_cli("models", "list")
    assert listed.returncode == 0 and "ar → en" in listed.stdout.decode()
    result, data = sandbox.translate()
    assert result.returncode == 0, result.stderr
    assert data["summary"]["en"]["text"] == "conference. security"


def test_a_newer_package_replaces_the_installed_one_of_the_same_pair(sandbox, built):
    assert run_cli("models", "install", "--file", str(built["ar-en"])).returncode == 0
    result = run_cli("models", "install", "--file", str(built["ar-en-2"]))
    assert result.returncode == 0, result.stderr
    assert [p.name for p in sandbox.packages.iterdir()] == ["ar_en-v2"]
    result, data = sandbox.translate()
    assert data["summary"]["en"]["text"] == "meeting. الأمن"


def test_a_refused_package_leaves_the_installed_model_as_it_was(sandbox, built):
    assert run_cli("models", "install", "--file", str(built["ar-en"])).returncode == 0
    before = ap.listing(sandbox.argos)
    bad = _hostile(built["ar-en"], sandbox.root / "bad.argosmodel", "CRC error")
    assert run_cli("models", "install", "--file", str(bad)).returncode == 2
    assert ap.listing(sandbox.argos) == before
    result, data = sandbox.translate()
    assert result.returncode == 0 and data["summary"]["en"]["text"] == "conference. security"


def test_a_package_never_overwrites_another_pairs_folder(sandbox, built):
    assert run_cli("models", "install", "--file", str(built["ar-en"])).returncode == 0
    impostor = ap.good_package(sandbox.root, "en", "fr", EN_FR, name="translate-ar_en-tiny")
    result = run_cli("models", "install", "--file", str(impostor))
    assert result.returncode == 2
    [line] = lines(result)
    assert "already holds the ar → en model" in line and "remove that folder first" in line
    assert "ar → en" in run_cli("models", "list").stdout.decode()


def test_the_production_limits_and_that_unpacking_streams_against_them(tmp_path, monkeypatch):
    from reportkit.translate import models

    # Real models unpack to 100-400 MB in a few dozen files.
    assert models.MAX_UNPACKED_BYTES == 1 << 30
    assert models.MAX_MEMBERS == 10_000
    path = ap.write(tmp_path / "z.zip", [ap.member("p/zeros", bytes(3 << 20))])
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("p/zeros")
        read = []
        with pytest.raises(models.Unusable, match="unpacks to more than 1 GiB"):
            for chunk in models._readable(zf, info, limit=1 << 20):
                read.append(len(chunk))
        assert sum(read) <= 1 << 20  # stopped at the first chunk past the limit
        monkeypatch.setattr(models, "MAX_UNPACKED_BYTES", 2 << 20)
        with pytest.raises(models.Unusable, match="unpacks to more than 2 MiB"):
            models._inspect(zf)


# ------------------------------------------------------------------------------------------
# Broken packages already installed


BROKEN_FOLDERS = {
    "no metadata.json": (lambda folder: (folder / "metadata.json").unlink(), "no metadata.json"),
    "broken metadata.json": (
        lambda folder: (folder / "metadata.json").write_text("{oops", encoding="utf-8"),
        "metadata.json is not valid JSON",
    ),
    "no model folder": (lambda folder: ap.remove(folder / "model"), "no model/ folder"),
    "empty folder": (lambda folder: [ap.remove(p) for p in folder.iterdir()], "no metadata.json"),
}


@pytest.mark.parametrize("case", BROKEN_FOLDERS)
def test_broken_installed_packages_are_skipped_with_one_warning_each(sandbox, built, case):
    ap.copy_installed(built["ar-en"], sandbox.packages)
    broken = ap.copy_installed(built["en-fr"], sandbox.packages)
    damage, reason = BROKEN_FOLDERS[case]
    damage(broken)
    warning = f"reportkit: warning: {broken}: skipped, not a usable translation model: {reason}"

    listed = run_cli("models", "list")
    assert listed.returncode == 0
    assert len(lines(listed)) == 1 and lines(listed)[0].startswith(warning)
    assert "ar → en" in listed.stdout.decode()

    result, data = sandbox.translate()
    assert result.returncode == 0, result.stderr
    assert lines(result)[0] == lines(listed)[0] and len(lines(result)) == 2  # and the summary
    assert data["summary"]["en"]["text"] == "conference. security"

    out = sandbox.root / "out.html"
    exported = run_cli(
        "export", str(sandbox.record()), "--lang", "en", "-f", "html", "-o", str(out), "--no-cache"
    )
    assert exported.returncode == 0, exported.stderr
    assert lines(exported) == lines(listed)
    assert "conference. security" in out.read_text(encoding="utf-8")

    missing = run_cli(
        "translate", str(sandbox.record()), "--to", "fr", "-o", str(sandbox.root / "fr.yaml")
    )
    assert missing.returncode == 2
    assert lines(missing)[0] == lines(listed)[0]
    assert "reportkit models install en fr" in lines(missing)[1]


@pytest.mark.parametrize("damaged", ["model/model.bin", "sentencepiece.model"])
def test_an_installed_model_with_damaged_files_fails_in_one_line(sandbox, built, damaged):
    folder = ap.copy_installed(built["ar-en"], sandbox.packages)
    (folder / damaged).write_bytes(b"damaged")
    result, data = sandbox.translate()
    assert result.returncode == 2 and data is None
    [line] = lines(result)
    assert line.startswith(f"reportkit: error: {folder}: the ar→en model cannot be loaded (")
    assert line.endswith("install it again: reportkit models install --file FILE")


# ------------------------------------------------------------------------------------------
# Sentence splitters never download


def test_a_package_without_a_splitter_model_translates_offline_with_one_warning(
    tmp_path, monkeypatch, built
):
    # Everything that would make argostranslate pick a downloading splitter: no MiniSBD model in
    # the package, "stanza" in the packages folder's path, and ARGOS_CHUNK_TYPE=STANZA.
    env = ap.sandbox(tmp_path / "stanza-sandbox")
    env["ARGOS_PACKAGES_DIR"] = str(tmp_path / "stanza" / "packages")
    env["ARGOS_CHUNK_TYPE"] = "STANZA"
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    package = ap.variant(
        built["ar-en"], tmp_path / "nosplit.argosmodel", drop=lambda n: n.startswith("minisbd")
    )
    assert run_cli("models", "install", "--file", str(package)).returncode == 0
    sandbox = Sandbox(tmp_path, Path(env["ARGOS_PACKAGES_DIR"]), tmp_path / "stanza", tmp_path)
    result, data = sandbox.translate(data={**RECORD, "summary": "المؤتمر. الأمن؟ تقرير 3.5 الأمن"})
    assert result.returncode == 0, result.stderr
    assert no_network(result)
    folder = Path(env["ARGOS_PACKAGES_DIR"]) / "translate-ar_en-tiny"
    assert lines(result)[0] == (
        f"reportkit: warning: {folder}: the model has no sentence splitter (minisbd/*.onnx or "
        "stanza/); splitting sentences at . ! ? ؟ instead (reportkit never downloads one)"
    )
    assert data["summary"]["en"]["text"] == "conference. security؟ report 3.5 security"
    # argostranslate's or MiniSBD's download folders were never created
    assert not list(tmp_path.rglob("minisbd")) and not list(tmp_path.rglob("stanza_resources"))


@pytest.mark.parametrize("broken", ["minisbd/ar.onnx", "stanza/resources.json"])
def test_a_splitter_that_does_not_load_falls_back_without_the_network(tmp_path, capsys, broken):
    from reportkit.translate.engine import splitter

    folder = tmp_path / "pkg"
    (folder / broken).parent.mkdir(parents=True)
    (folder / broken).write_bytes(b"not a model")

    class Package:
        package_path = folder
        from_code = "ar"

    sentences = splitter(Package()).split_sentences("المؤتمر. الأمن 3.5 مرة! تقرير")
    assert sentences == ["المؤتمر.", "الأمن 3.5 مرة!", "تقرير"]
    [warning] = capsys.readouterr().err.splitlines()
    assert warning.startswith(f"reportkit: warning: {folder}: the model has a sentence splitter ")
    # conftest fails the test if anything tried to connect


# ------------------------------------------------------------------------------------------
# The package index, offline and on a local server


def test_install_from_the_index_offline_is_one_line_at_once(sandbox):
    result = run_cli("models", "install", "ar", "en", timeout=30)
    assert result.returncode == 2 and no_network(result)
    [line] = lines(result)
    assert line.startswith(f"reportkit: error: cannot reach the Argos package index {ap.CLOSED}")
    assert "Connection refused" in line
    assert line.endswith(
        "download translate-ar_en.argosmodel, then: reportkit models install --file FILE"
    )
    assert ap.listing(sandbox.packages) == []


@pytest.fixture
def local_index(sandbox, monkeypatch):
    """An HTTP server on this machine serving files from a folder; the commands use it."""
    folder = sandbox.root / "www"
    folder.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", url)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    yield folder, url
    server.shutdown()
    server.server_close()


def _publish(folder: Path, url: str, package: Path) -> None:
    import json

    (folder / "pkg.argosmodel").write_bytes(package.read_bytes())
    entry = {"type": "translate", "from_code": "ar", "to_code": "en", "package_version": "1.0"}
    entry["links"] = [url + "pkg.argosmodel"]
    (folder / "index.json").write_text(json.dumps([entry]), encoding="utf-8")


def test_install_from_the_index_downloads_checks_and_installs(sandbox, built, local_index):
    folder, url = local_index
    _publish(folder, url, built["ar-en"])
    before = ap.listing(sandbox.argos)
    result = run_cli("models", "install", "ar", "en")
    assert result.returncode == 0, result.stderr
    assert no_network(result)
    assert [p.name for p in sandbox.packages.iterdir()] == ["translate-ar_en-tiny"]
    added = set(ap.listing(sandbox.argos)) - set(before)
    assert all(p.startswith("packages/") for p in added)  # the download did not stay around
    assert "ar → en" in run_cli("models", "list").stdout.decode()
    missing = run_cli("models", "install", "ar", "de")
    assert missing.returncode == 2
    assert lines(missing) == ["reportkit: error: the Argos package index has no ar → de model"]


def test_a_bad_download_is_refused_and_leaves_nothing(sandbox, built, local_index):
    folder, url = local_index
    bad = _hostile(built["ar-en"], sandbox.root / "bad.argosmodel", "symbolic link")
    _publish(folder, url, bad)
    before = ap.listing(sandbox.argos)
    result = run_cli("models", "install", "ar", "en")
    assert result.returncode == 2
    [line] = lines(result)
    assert line.startswith(f"reportkit: error: {url}pkg.argosmodel: not a usable translation model")
    assert ap.listing(sandbox.argos) == before


# ------------------------------------------------------------------------------------------
# The translation memory is a cache


@pytest.fixture
def translating(sandbox, built) -> Sandbox:
    ap.copy_installed(built["ar-en"], sandbox.packages)
    return sandbox


def _asides(memory: Path) -> list[Path]:
    return sorted(memory.parent.glob(memory.name + ".broken-*"))


def _assert_set_aside_and_fresh(sandbox: Sandbox, result, data, old: bytes) -> None:
    assert result.returncode == 0, result.stderr
    assert data["summary"]["en"]["text"] == "conference. security"
    [aside] = _asides(sandbox.memory)
    assert aside.read_bytes() == old  # set aside as it was, never destroyed
    [warning, _summary] = lines(result)
    assert warning.startswith(f"reportkit: warning: translation memory {sandbox.memory} ")
    assert warning.endswith(f"set aside as {aside.name}, starting a fresh one")
    again, _ = sandbox.translate()
    assert again.returncode == 0 and len(lines(again)) == 1  # the fresh memory works: no warning
    assert b"0 translated" in again.stderr


def _fill_memory(sandbox: Sandbox) -> None:
    result, _ = sandbox.translate()
    assert result.returncode == 0 and sandbox.memory.stat().st_size > 0


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncated", "foreign tm table", "someone else's database"],
)
def test_an_unusable_memory_is_set_aside_and_a_fresh_one_started(translating, damage):
    sandbox = translating
    sandbox.memory.parent.mkdir(parents=True, exist_ok=True)
    if damage == "garbage":
        sandbox.memory.write_bytes(b"\x00garbage" * 1000)
    elif damage == "truncated":
        _fill_memory(sandbox)
        sandbox.memory.write_bytes(sandbox.memory.read_bytes()[:1500])
    else:
        db = sqlite3.connect(sandbox.memory)
        table = "tm (source TEXT, target TEXT)" if damage == "foreign tm table" else "users (x)"
        db.execute(f"CREATE TABLE {table}")
        db.commit()
        db.close()
    old = sandbox.memory.read_bytes()
    result, data = sandbox.translate()
    _assert_set_aside_and_fresh(sandbox, result, data, old)


def test_a_locked_memory_is_done_without(translating):
    sandbox = translating
    _fill_memory(sandbox)
    holder = sqlite3.connect(sandbox.memory, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result, data = sandbox.translate()
    finally:
        holder.rollback()
        holder.close()
    assert result.returncode == 0, result.stderr
    assert data["summary"]["en"]["text"] == "conference. security"
    warning = lines(result)[0]
    assert warning == (
        f"reportkit: warning: translation memory {sandbox.memory} cannot be used "
        "(database is locked); going on without it"
    )
    assert _asides(sandbox.memory) == []  # in use is not broken: nothing is set aside


def test_a_memory_that_cannot_be_created_is_done_without(translating):
    sandbox = translating
    sandbox.memory.parent.parent.mkdir(parents=True, exist_ok=True)
    sandbox.memory.parent.write_text("a file where the cache folder should be")
    result, data = sandbox.translate()
    assert result.returncode == 0, result.stderr
    assert data["summary"]["en"]["text"] == "conference. security"
    assert lines(result)[0].startswith(
        f"reportkit: warning: translation memory {sandbox.memory} cannot be used ("
    )
    assert lines(result)[0].endswith("going on without it")


def test_a_memory_that_cannot_be_set_aside_is_done_without(tmp_path, capsys, monkeypatch):
    from reportkit.translate import memory

    path = tmp_path / "tm.sqlite3"
    path.write_bytes(b"not a database" * 100)
    monkeypatch.setattr(memory.os, "rename", _permission_denied)
    assert isinstance(memory.open_memory(path), memory.NoMemory)
    [warning] = capsys.readouterr().err.splitlines()
    assert warning.startswith(f"reportkit: warning: translation memory {path} is not usable (")
    assert warning.endswith("cannot be set aside; going on without it")
    assert path.read_bytes() == b"not a database" * 100


def _permission_denied(*args):
    raise PermissionError(13, "Permission denied")


@pytest.mark.parametrize("memory_exists", [False, True], ids=["no-memory-yet", "read-only-memory"])
def test_a_read_only_cache_is_done_without(translating, memory_exists):
    import os
    import sys

    from support.processes import read_only_folder, run_without_root_override

    sandbox = translating
    if memory_exists:
        _fill_memory(sandbox)
        sandbox.memory.chmod(0o444)
    read_only_folder(sandbox.memory.parent)  # even for root: the command gives up its override
    before = sorted(sandbox.memory.parent.iterdir())
    out = sandbox.root / "out.yaml"
    record = sandbox.record({**RECORD, "summary": "تقرير الدورة"})  # new to the memory
    result = run_without_root_override(
        [sys.executable, "-m", "reportkit", "translate", str(record), "--to", "en",
         "-o", str(out)],
        capture_output=True, timeout=120, env=os.environ,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["summary"]["en"]["text"] == "report session"
    [warning, _summary] = lines(result)
    assert warning.startswith(f"reportkit: warning: translation memory {sandbox.memory}")
    assert warning.endswith("going on without it")
    assert sorted(sandbox.memory.parent.iterdir()) == before  # nothing set aside or added


def test_failures_after_opening_degrade_to_no_memory_with_one_warning(tmp_path, capsys):
    from reportkit.translate import memory

    path = tmp_path / "tm.sqlite3"
    tm = memory.open_memory(path)
    tm.put_many("m", "ar", "en", {"a": "b"})
    assert tm.get_many("m", "ar", "en", ["a"]) == {"a": "b"}
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        tm.put_many("m", "ar", "en", {"c": "d"})  # locked: waits a moment, then gives up
        tm.put_many("m", "ar", "en", {"e": "f"})
        assert tm.get_many("m", "ar", "en", ["a"]) == {}
    finally:
        holder.rollback()
        holder.close()
    tm.close()
    [warning] = capsys.readouterr().err.splitlines()
    assert warning == (
        f"reportkit: warning: translation memory {path}: database is locked; going on without it"
    )


# ------------------------------------------------------------------------------------------
# Glossaries are checked, every problem named


def test_a_yaml_glossary_with_bad_values_names_each_problem(sandbox):
    glossary = sandbox.root / "g.yaml"
    glossary.write_text(
        "- ar: مجلس الأمن\n"
        "  en: Security Council\n"
        "  article: 5\n"
        "- ar: الأمانة\n"
        "  en: 7\n"
        "  klingon: Qapla\n"
        "- en: no Arabic\n"
        "- ar: المجلس\n"
        "- ar: مجلس الأمن\n"
        "  fr: Conseil de sécurité\n"
        "  article: {fr: [le]}\n",
        encoding="utf-8",
    )
    result = run_cli("translate", str(sandbox.record()), "--to", "en", "--glossary", str(glossary))
    assert result.returncode == 2
    g = str(glossary)
    assert lines(result) == [
        f"reportkit: error: {g}:3:12: [0].article: article is a mapping of language code to "
        "article ({en: the, fr: le}), not 5 (entry مجلس الأمن)",
        f"{g}:5:7: [1].en: the translation must be text, not 7 (entry الأمانة)",
        f"{g}:6:12: [1].klingon: not a language code (en, fr …) or article (entry الأمانة)",
        f"{g}:7:3: [2]: no Arabic term (ar)",
        f"{g}:8:3: [3]: no translation (en, fr …) (entry المجلس)",
        f"{g}:11:17: [4].article.fr: the article must be text, not a list (entry مجلس الأمن)",
        f"{g}:9:7: [4].ar: the same term as entry [0] (entry مجلس الأمن)",
    ]
    assert not (sandbox.root / "record.translated.yaml").exists()


@pytest.mark.parametrize(
    "content, problems",
    [
        ("", ["the file is empty"]),
        ("ar,en\n", ["the glossary has no entries"]),
        ("en,fr\nx,y\n", [":1: no ar column (the Arabic terms)"]),
        ("ar,en,,de\n", [":1: a column without a name"]),
        ("ar,english\nمجلس,Council\n", [":1: english: not a language code"]),
        (
            "ar,en,article_en\nمجلس,Council,the,extra\n\n,Council\nالأمن,,\n",
            [
                ":2: 4 cells for 3 columns",
                ":4: no Arabic term (ar)",
                ":5: no translation (en, fr …) (entry الأمن)",
            ],
        ),
    ],
)
def test_a_csv_glossary_that_is_empty_or_broken_is_refused(sandbox, content, problems):
    glossary = sandbox.root / "g.csv"
    glossary.write_text(content, encoding="utf-8")
    result = run_cli("translate", str(sandbox.record()), "--to", "en", "--glossary", str(glossary))
    assert result.returncode == 2
    got = [line.removeprefix("reportkit: error: ") for line in lines(result)]
    assert len(got) == len(problems)
    for line, problem in zip(got, problems, strict=True):
        assert line.startswith(str(glossary)) and problem in line, line


def test_a_good_csv_glossary_with_articles_loads():
    import tempfile

    from reportkit.translate.protect import load_glossary

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "g.csv"
        path.write_text("ar,en,fr,article_en,article_fr\nمجلس,Council,Conseil,the,le\n", "utf-8")
        [entry] = load_glossary(path).entries
    assert entry.targets == {"en": "Council", "fr": "Conseil"}
    assert entry.articles == {"en": "the", "fr": "le"}


# ------------------------------------------------------------------------------------------
# Prepositions of glossary terms: "of" after a noun (idafa), "to" after a verb or at the start


@pytest.mark.parametrize(
    "sentence, en, fr",
    [
        (
            "الأمانة العامة لمجلس التعاون لدول الخليج العربية",
            "General Secretariat of the Gulf Cooperation Council",
            "Secrétariat général du Conseil de coopération du Golfe",
        ),
        (
            "التقرير السنوي للأمانة العامة لجامعة الدول العربية",
            "of the General Secretariat of the League of Arab States",
            "du Secrétariat général de la Ligue des États arabes",
        ),
        (
            "الدورة 40 لجامعة الدول العربية",
            "of the League of Arab States",
            "de la Ligue des États arabes",
        ),
        ("وفود الدول للاتحاد الأوروبي", "of the European Union", "de l'Union européenne"),
        ("ممثل للأمم المتحدة", "of the United Nations", "des Nations unies"),
        ("رفع التوصيات لمجلس وزراء الداخلية العرب", "to the Council", "au Conseil"),
        ("رفع التوصيات الختامية لمجلس وزراء الداخلية العرب", "to the Council", "au Conseil"),
        ("وجه المؤتمر الشكر لجامعة الدول العربية", "to the League", "à la Ligue"),
        ("أكد دعمه لمجلس التعاون الخليجي", "to the Gulf", "au Conseil"),
        ("وفقاً لمجلس وزراء الداخلية العرب", "to the Council", "au Conseil"),
        ("لمجلس وزراء الداخلية العرب", "to the Council", "au Conseil"),
        ("الأمانة، لمجلس وزراء الداخلية العرب", "to the Council", "au Conseil"),
    ],
)
def test_the_attached_preposition_follows_the_construct(sentence, en, fr):
    from reportkit.translate.protect import protect, restore, starter_glossary

    glossary = starter_glossary()
    for lang, expected in (("en", en), ("fr", fr)):
        protected = protect(sentence, glossary, lang)
        out = restore(protected.text, protected)
        assert expected.casefold() in out.casefold(), (lang, out)


def test_official_titles_come_out_whole_through_a_real_model(sandbox, built):
    for pair in ("ar-en", "en-fr"):
        assert run_cli("models", "install", "--file", str(built[pair])).returncode == 0
    data = {
        "language": "ar",
        "conference": {
            "title": "المؤتمر الأمن",
            "organizer": "الأمانة العامة لمجلس التعاون لدول الخليج العربية",
        },
        "summary": "الدورة 40 لمجلس وزراء الداخلية العرب.\nرفع التوصيات لمجلس وزراء الداخلية العرب.",
        "participants": ["تقرير للأمانة العامة لجامعة الدول العربية"],
    }
    out = sandbox.root / "out.yaml"
    result = run_cli(
        "translate", str(sandbox.record(data)), "--to", "en", "--to", "fr", "-o", str(out)
    )
    assert result.returncode == 0, result.stderr
    got = yaml.safe_load(out.read_text(encoding="utf-8"))
    organizer = got["conference"]["organizer"]
    assert organizer["en"]["text"] == "General Secretariat of the Gulf Cooperation Council"
    assert organizer["fr"]["text"] == "Secrétariat général du Conseil de coopération du Golfe"
    assert got["summary"]["en"]["text"] == (
        "session 40 of the Council of Arab Interior Ministers.\n"
        "submitting recommendations to the Council of Arab Interior Ministers."
    )
    assert got["summary"]["fr"]["text"] == (
        "session 40 du Conseil des ministres arabes de l'Intérieur.\n"
        "soumettre recommandations au Conseil des ministres arabes de l'Intérieur."
    )
    assert got["participants"][0]["en"]["text"] == (
        "report of the General Secretariat of the League of Arab States"
    )
