"""Hostile and broken Argos packages, and a sandbox to run the real command against them.

Every builder starts from a real tiny package (`tinyargos.build_package`) and rewrites its zip:
entries dropped, replaced or added, modes changed, bytes flipped, header sizes forged. They are
cheap: the "zip bomb" ones forge headers or inflate a few MiB of zeros, never gigabytes.
"""

from __future__ import annotations

import os
import shutil
import stat
import struct
import textwrap
import warnings
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

from support import tinyargos

Entry = tuple[zipfile.ZipInfo, bytes]


def good_package(dest: Path, src: str = "ar", tgt: str = "en", vocab=None, name=None) -> Path:
    """A real tiny package in `dest` (see tinyargos)."""
    vocab = vocab or {"المؤتمر": "conference", "الأمن": "security"}
    return tinyargos.build_package(dest, src, tgt, vocab, name=name)


def entries(package: Path) -> list[Entry]:
    with zipfile.ZipFile(package) as zf:
        return [(info, zf.read(info)) for info in zf.infolist()]


def write(path: Path, items: list[Entry], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A zip of `items` as given: names, modes and data are not checked or normalized."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # duplicate names are the point of some
        for info, data in items:
            info.compress_type = zipfile.ZIP_STORED if info.is_dir() else compression
            zf.writestr(info, data)
    return path


def member(name: str, data: bytes = b"", mode: int = stat.S_IFREG | 0o644) -> Entry:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.create_system = 3
    info.external_attr = mode << 16
    return info, data


def top(package: Path) -> str:
    return entries(package)[0][0].filename.split("/")[0]


def variant(
    package: Path,
    out: Path,
    *,
    drop: Callable[[str], bool] = lambda name: False,
    replace: Mapping[str, bytes] = {},  # noqa: B006 (never mutated)
    add: list[Entry] = (),  # type: ignore[assignment]
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """`package` rewritten: members whose name (without the top folder) `drop` accepts left
    out, `replace` (by name without the top folder) given new bytes, `add` appended as is."""
    root = top(package)
    items = []
    for info, data in entries(package):
        inner = info.filename.removeprefix(root + "/")
        if drop(inner):
            continue
        items.append((info, replace.get(inner, data)))
    return write(out, items + list(add), compression)


def metadata(**fields) -> bytes:
    import json

    base = {
        "package_version": "1.0",
        "from_code": "ar",
        "from_name": "Arabic",
        "to_code": "en",
        "to_name": "English",
        "type": "translate",
    }
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...}).encode()


def zip_bomb(path: Path, unpacked: int = (1 << 30) + (1 << 20)) -> Path:
    """A package-shaped zip bomb with honest headers: metadata.json, a tokenizer, and a
    model/model.bin of `unpacked` zero bytes (default just over reportkit's 1 GiB bound), about
    1 MB on disk. Written in chunks, so building it needs little memory (a few seconds of CPU)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("bomb/metadata.json", metadata())
        zf.writestr("bomb/sentencepiece.model", b"")
        info = zipfile.ZipInfo("bomb/model/model.bin", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as out:
            left = unpacked
            while left > 0:
                out.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
    return path


def _central_entries(data: bytes):
    """(offset of the central directory header, its name) for each member."""
    at = data.rfind(b"PK\x05\x06")
    count, _size, start = struct.unpack("<HII", data[at + 10 : at + 20])
    offset = start
    for _ in range(count):
        assert data[offset : offset + 4] == b"PK\x01\x02"
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[offset + 28 : offset + 34])
        yield offset, data[offset + 46 : offset + 46 + name_len].decode()
        offset += 46 + name_len + extra_len + comment_len


def forge_size(path: Path, name_suffix: str, size: int) -> Path:
    """Make the headers of the member whose name ends with `name_suffix` declare `size` bytes
    unpacked, whatever it really holds."""
    data = bytearray(path.read_bytes())
    for offset, name in _central_entries(bytes(data)):
        if name.endswith(name_suffix):
            data[offset + 24 : offset + 28] = struct.pack("<I", size)
            local = struct.unpack("<I", data[offset + 42 : offset + 46])[0]
            data[local + 22 : local + 26] = struct.pack("<I", size)
    path.write_bytes(bytes(data))
    return path


def flip_byte(path: Path, name_suffix: str, at: int = 10) -> Path:
    """Flip one byte of the stored data of a member: its CRC no longer matches."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith(name_suffix))
    local = info.header_offset
    name_len, extra_len = struct.unpack("<HH", data[local + 26 : local + 30])
    data[local + 30 + name_len + extra_len + at] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


# ------------------------------------------------------------------------------------------
# A sandbox for the real command


_GUARD = textwrap.dedent(
    """
    # Installed by the tests through PYTHONPATH: any connection or name lookup beyond this
    # machine fails and is reported on stderr, so a test can prove none was tried.
    import socket, sys

    _LOCAL = {"127.0.0.1", "::1", "localhost"}
    _connect, _getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def _refuse(what):
        sys.stderr.write(f"reportkit-test: network attempt {what!r}\\n")
        return OSError(f"tests run offline: {what!r} refused")

    def connect(self, address):
        if self.family == socket.AF_UNIX or (isinstance(address, tuple) and address[0] in _LOCAL):
            return _connect(self, address)
        raise _refuse(address)

    def getaddrinfo(host, *args, **kwargs):
        if host in _LOCAL or host is None:
            return _getaddrinfo(host, *args, **kwargs)
        raise _refuse(host)

    socket.socket.connect = connect
    socket.getaddrinfo = getaddrinfo
    """
)

# A closed port on this machine: asking it for anything fails at once and sends nothing out.
CLOSED = "http://127.0.0.1:9/"


def sandbox(root: Path, extra_pythonpath: str = "") -> dict[str, str]:
    """Environment for one test's commands: argostranslate's folders and the translation memory
    in `root`, no traffic off the machine (index and proxies on a closed loopback port, and a
    guard that reports any other connection attempt as `reportkit-test: network attempt`)."""
    root = Path(root)
    guard = root / "guard"
    guard.mkdir(parents=True, exist_ok=True)
    (guard / "sitecustomize.py").write_text(_GUARD, encoding="utf-8")
    env = tinyargos.argos_env_vars(root / "argos")
    # The folders argostranslate makes when imported, made now so that tests can compare
    # before and after a command.
    for folder in (
        "data/argos-translate",
        "config/argos-translate",
        "cache/argos-translate/downloads",
        "packages",
    ):
        (root / "argos" / folder).mkdir(parents=True, exist_ok=True)
    env.update(
        ARGOS_PACKAGE_INDEX=CLOSED,
        https_proxy=CLOSED,
        http_proxy=CLOSED,
        HTTPS_PROXY=CLOSED,
        HTTP_PROXY=CLOSED,
        no_proxy="",
        NO_PROXY="",
        # the guard first, then the code under test where PYTHONPATH names it (a worktree's src)
        PYTHONPATH=os.pathsep.join(
            p for p in (str(guard), os.environ.get("PYTHONPATH", ""), extra_pythonpath) if p
        ),
    )
    return env


def listing(folder: Path) -> list[str]:
    """Every path under `folder`, relative, sorted: to show nothing was left behind."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def copy_installed(package: Path, packages_dir: Path) -> Path:
    """Unpack a (good) package straight into a packages folder, as another tool might have."""
    packages_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(package) as zf:
        zf.extractall(packages_dir)
    return packages_dir / top(package)


def remove(path: Path) -> None:
    shutil.rmtree(path) if path.is_dir() else path.unlink()
