"""Installing and listing Argos Translate models.

A model package is a zip file from anywhere, so it is checked before anything lands in the
packages folder: one top-level folder holding a `metadata.json` that names a translation pair, a
CTranslate2 `model/` and a tokenizer; no absolute, `..` or symbolic-link entries; a bounded number
of entries and unpacked size, counted while unpacking rather than trusted from the zip's headers.
It is unpacked into a temporary folder next to the packages folder and renamed into place, so a
refused or interrupted install leaves nothing behind and never half-replaces an installed model.

Folders already in the packages folder that are not usable models are skipped with one warning
each, so one broken folder never stops `models list` or a translation.

argostranslate's own installer (`install_from_path`) unpacks blindly and its index download
retries and recurses for minutes when offline: neither is used here.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..languages import is_language
from ..messages import warn

# Real Argos models unpack to 100-400 MB in a few dozen files. 1 GiB leaves room for bigger
# models to come while refusing a zip bomb long before it fills a disk; 10,000 entries likewise.
MAX_UNPACKED_BYTES = 1 << 30
MAX_MEMBERS = 10_000
MAX_METADATA_BYTES = 1 << 20
MAX_INDEX_BYTES = 16 << 20
NETWORK_TIMEOUT = (
    10.0  # seconds per connection step: offline fails at once, a slow link still works
)
_CHUNK = 1 << 20

# Codes Argos uses beyond ISO 639-1: traditional Chinese and Brazilian Portuguese.
_ARGOS_CODES = frozenset({"zt", "pb"})
_TOKENIZERS = ("sentencepiece.model", "bpe.model")


class Unusable(Exception):
    """Why a package (a zip or an installed folder) is not a usable translation model."""


@dataclass(frozen=True)
class Metadata:
    type: str
    from_code: str
    to_code: str
    version: str


def check_metadata(raw: bytes) -> Metadata:
    """The fields reportkit relies on in a package's metadata.json, or Unusable saying why."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise Unusable("metadata.json is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise Unusable(f"metadata.json is not valid JSON (line {err.lineno}: {err.msg})") from None
    if not isinstance(data, dict):
        raise Unusable("metadata.json is not a JSON object")
    for key in ("type", "from_code", "to_code"):
        if key not in data:
            raise Unusable(f"metadata.json has no {key}")
        if not isinstance(data[key], str):
            raise Unusable(f"metadata.json: {key} is not text")
    # argostranslate prints these and compares versions: anything but text breaks it later.
    for key in ("package_version", "argos_version", "from_name", "to_name", "target_prefix"):
        if key in data and not isinstance(data[key], str):
            raise Unusable(f"metadata.json: {key} is not text")
    for key in ("from_code", "to_code"):
        code = data[key]
        if not (is_language(code) or code in _ARGOS_CODES):
            raise Unusable(f"metadata.json: {key} {code!r} is not a language code")
    return Metadata(
        data["type"], data["from_code"], data["to_code"], data.get("package_version", "")
    )


def _check_layout(has_file) -> None:
    """A CTranslate2 model and a tokenizer: what the translation engine opens."""
    if not has_file("model/model.bin"):
        raise Unusable("no model/ folder with model.bin (the CTranslate2 model)")
    if not any(has_file(name) for name in _TOKENIZERS):
        raise Unusable("no sentencepiece.model or bpe.model (the tokenizer)")


def check_folder(folder: Path) -> Metadata:
    """An installed package folder's metadata, or Unusable saying what is wrong with it."""
    path = folder / "metadata.json"
    try:
        if path.stat().st_size > MAX_METADATA_BYTES:
            raise Unusable("metadata.json is too large")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise Unusable("no metadata.json") from None
    except OSError as err:
        raise Unusable(f"cannot read metadata.json ({err.strerror or err})") from None
    metadata = check_metadata(raw)
    if metadata.type == "translate":
        _check_layout(lambda name: (folder / name).is_file())
    return metadata


# ------------------------------------------------------------------------------------------
# Installed packages


def _settings():
    from argostranslate import settings

    return settings


def packages_dir() -> Path:
    """Where packages are installed (argostranslate's setting, ARGOS_PACKAGES_DIR)."""
    return Path(_settings().package_data_dir)


def _folders(root: Path) -> list[Path]:
    try:
        # Dot-folders are reportkit's own install staging (or other tools'), never packages.
        return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except FileNotFoundError:
        return []
    except OSError as err:
        warn(f"{root}: cannot read the models folder ({err.strerror or err})")
        return []


def installed_packages() -> list:
    """argostranslate Packages of every usable translation model; unusable folders are skipped
    with one warning each."""
    from argostranslate.package import Package

    found = []
    for root in _settings().package_dirs:
        for folder in _folders(Path(root)):
            try:
                if check_folder(folder).type != "translate":
                    continue  # another kind of Argos package (e.g. "sbd"): not ours to judge
                package = Package(folder)
            except Unusable as err:
                warn(f"{folder}: skipped, not a usable translation model: {err}")
                continue
            except Exception as err:  # argostranslate's own reading failed: same promise
                warn(f"{folder}: skipped, not a usable translation model: {err}")
                continue
            found.append(package)
    return found


def installed_state() -> tuple:
    """What identifies the installed packages' files right now (each folder, and its model's
    weights, by inode, size and modification time): equal states, same models."""
    state = []
    for root in _settings().package_dirs:
        for folder in _folders(Path(root)):
            entry: list = [str(folder)]
            for path in (folder, folder / "model" / "model.bin"):
                try:
                    st = path.stat()
                except OSError:
                    entry.append(None)
                else:
                    entry.append((st.st_ino, st.st_size, st.st_mtime_ns))
            state.append(tuple(entry))
    return tuple(state)


def installed() -> list[str]:
    return [
        f"{p.from_code} → {p.to_code}  {p.package_version}  {p.package_path}"
        for p in installed_packages()
    ]


# ------------------------------------------------------------------------------------------
# Installing from a file


def _check_name(name: str) -> list[str]:
    """The parts of a member's path, or Unusable if it could land outside the package."""
    if "\x00" in name or "\\" in name or name.startswith("/") or name[1:2] == ":":
        raise Unusable(f"{name!r}: an absolute or unsafe path")
    parts = name.rstrip("/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise Unusable(f"{name!r}: a path with '..' or empty parts")
    return parts


def _readable(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int):
    """A member's bytes in chunks, stopping as soon as they exceed what its header declares or
    `limit`: a forged header cannot make unpacking run away."""
    produced = 0
    try:
        with zf.open(info) as member:
            while chunk := member.read(_CHUNK):
                produced += len(chunk)
                if produced > info.file_size:
                    raise Unusable(f"{info.filename}: unpacks beyond its declared size")
                if produced > limit:
                    raise Unusable(
                        f"unpacks to more than {_size(MAX_UNPACKED_BYTES)} (a zip bomb?)"
                    )
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as err:
        raise Unusable(f"{info.filename}: damaged ({err})") from None
    if produced != info.file_size:
        raise Unusable(f"{info.filename}: shorter than its declared size")


def _size(n: int) -> str:
    return f"{n / (1 << 30):g} GiB" if n >= 1 << 30 else f"{n / (1 << 20):g} MiB"


@dataclass
class _Plan:
    top: str
    members: list[zipfile.ZipInfo]
    metadata: Metadata


def _inspect(zf: zipfile.ZipFile) -> _Plan:
    """Everything that can be checked from the zip's directory and its metadata.json."""
    infos = zf.infolist()
    if not infos:
        raise Unusable("the archive is empty")
    if len(infos) > MAX_MEMBERS:
        raise Unusable(f"{len(infos)} entries (a model has far fewer than {MAX_MEMBERS})")
    tops, seen, total = set(), set(), 0
    for info in infos:
        parts = _check_name(info.filename)
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise Unusable(f"{info.filename!r}: a symbolic link")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise Unusable(f"{info.filename!r}: not a regular file or folder")
        if info.flag_bits & 0x1:
            raise Unusable(f"{info.filename!r}: encrypted")
        key = "/".join(parts)
        if key in seen:
            raise Unusable(f"{info.filename!r}: appears twice")
        seen.add(key)
        if len(parts) == 1 and not info.is_dir():
            raise Unusable(f"{info.filename!r}: a file outside the package's folder")
        tops.add(parts[0])
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise Unusable(f"unpacks to more than {_size(MAX_UNPACKED_BYTES)} (a zip bomb?)")
    if len(tops) != 1:
        raise Unusable(f"not one top-level folder ({', '.join(sorted(tops)[:5])})")
    top = tops.pop()
    if top.startswith("."):
        raise Unusable(f"{top!r}: a hidden folder name")
    files = {i.filename.removeprefix(top + "/") for i in infos if not i.is_dir()}
    if "metadata.json" not in files:
        raise Unusable(f"no {top}/metadata.json")
    info = zf.getinfo(f"{top}/metadata.json")
    if info.file_size > MAX_METADATA_BYTES:
        raise Unusable("metadata.json is too large")
    metadata = check_metadata(b"".join(_readable(zf, info, MAX_METADATA_BYTES)))
    if metadata.type != "translate":
        raise Unusable(
            f"type {metadata.type!r} in metadata.json (a translation model is 'translate')"
        )
    _check_layout(files.__contains__)
    return _Plan(top, infos, metadata)


def _unpack(zf: zipfile.ZipFile, plan: _Plan, into: Path) -> None:
    budget = MAX_UNPACKED_BYTES
    for info in plan.members:
        target = into.joinpath(*_check_name(info.filename))
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        # Regular files with plain permissions, whatever modes the zip claims.
        with open(target, "xb") as out:
            for chunk in _readable(zf, info, budget):
                out.write(chunk)
            budget -= out.tell()


def _staging(root: Path) -> Path:
    """A temporary folder on the packages folder's file system, so the last step is a rename:
    next to the packages folder if possible, else a dot-folder inside it (never listed)."""
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{root.name}.installing-", dir=root.parent))
        if stage.stat().st_dev == root.stat().st_dev:
            return stage
        shutil.rmtree(stage, ignore_errors=True)
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix=".installing-", dir=root))


def _replaced(root: Path, plan: _Plan) -> list[Path]:
    """Installed folders the new package takes the place of: the same language pair (an older
    or another version), and a broken folder of the same name."""
    out = []
    for folder in _folders(root):
        try:
            metadata = check_folder(folder)
        except Unusable:
            if folder.name == plan.top:
                out.append(folder)
            continue
        same_pair = (metadata.type, metadata.from_code, metadata.to_code) == (
            "translate",
            plan.metadata.from_code,
            plan.metadata.to_code,
        )
        if same_pair:
            out.append(folder)
        elif folder.name == plan.top:
            raise UsageError(
                f"{folder}: already holds the {metadata.from_code} → {metadata.to_code} model, "
                f"which this package would overwrite; remove that folder first"
            )
    if (root / plan.top).exists() and not (root / plan.top).is_dir():
        raise UsageError(f"{root / plan.top}: a file is in the way; remove it first")
    return out


def install_file(path: Path, shown: str | None = None) -> str:
    """Install a .argosmodel file after checking it; nothing is left behind if it is refused.
    Messages name the file as `shown` (default: its path)."""
    path = Path(path)
    name = shown or str(path)
    if not path.is_file():
        raise UsageError(f"{name}: no such file")
    root = packages_dir()
    root.mkdir(parents=True, exist_ok=True)
    stage = None
    moved: list[tuple[Path, Path]] = []
    try:
        with zipfile.ZipFile(path) as zf:
            plan = _inspect(zf)
            olds = _replaced(root, plan)
            stage = _staging(root)
            _unpack(zf, plan, stage / "new")
        new = stage / "new" / plan.top
        check_folder(new)
        for i, old in enumerate(olds):
            aside = stage / f"old-{i}"
            os.rename(old, aside)
            moved.append((old, aside))
        os.rename(new, root / plan.top)
        moved.clear()  # installed: the old versions go with the staging folder
    except (Unusable, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as err:
        reason = "not a zip archive" if isinstance(err, zipfile.BadZipFile) else str(err)
        raise UsageError(f"{name}: not a usable translation model: {reason}") from None
    except OSError as err:
        where = f" ({err.filename})" if err.filename and str(err.filename) != str(path) else ""
        raise UsageError(f"{name}: cannot install: {err.strerror or err}{where}") from None
    finally:
        for old, aside in reversed(moved):  # put back what a failed swap had moved
            try:
                os.rename(aside, old)
            except OSError:
                pass
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
    _forget_loaded()
    m = plan.metadata
    return f"installed {m.from_code} → {m.to_code} {m.version} in {root / plan.top}".replace(
        "  ", " "
    )


def _forget_loaded() -> None:
    """argostranslate caches the installed languages per process; only if it is loaded already
    (importing it would pull torch for nothing)."""
    translate = sys.modules.get("argostranslate.translate")
    if translate is not None:
        translate.get_installed_languages.cache_clear()


# ------------------------------------------------------------------------------------------
# Installing from the Argos package index


class _Unreachable(Exception):
    pass


def _fetch(url: str, out, limit: int) -> None:
    """Copy `url` into `out`, in one attempt with a short timeout, at most `limit` bytes."""
    import http.client
    import urllib.error
    import urllib.request

    if not url.startswith(("https://", "http://", "file:")):
        raise _Unreachable(f"{url!r} is not an http(s) address")
    request = urllib.request.Request(url, headers={"User-Agent": "reportkit"})
    try:
        with urllib.request.urlopen(request, timeout=NETWORK_TIMEOUT) as response:
            size = 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise _Unreachable(f"{url} is larger than {_size(limit)}")
                out.write(chunk)
    except urllib.error.HTTPError as err:
        raise _Unreachable(f"HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        raise _Unreachable(str(err.reason)) from None
    except (OSError, http.client.HTTPException, ValueError) as err:
        raise _Unreachable(str(err) or type(err).__name__) from None


def install_from_index(source: str, target: str) -> str:
    """Download the source→target model named in the Argos package index and install it."""
    import io

    for code in (source, target):
        if not is_language(code) and code not in _ARGOS_CODES:
            raise UsageError(f"{code!r}: not a language code")
    url = _settings().remote_package_index
    offline = (
        f"On a machine with internet, download translate-{source}_{target}.argosmodel, "
        f"then: reportkit models install --file FILE"
    )
    buffer = io.BytesIO()
    try:
        _fetch(url, buffer, MAX_INDEX_BYTES)
        index = json.loads(buffer.getvalue().decode("utf-8"))
    except _Unreachable as err:
        raise UsageError(f"cannot reach the Argos package index {url} ({err}). {offline}") from None
    except ValueError:
        raise UsageError(f"the Argos package index {url} is not valid JSON") from None
    entries = [
        e
        for e in (index if isinstance(index, list) else [])
        if isinstance(e, dict)
        and e.get("type", "translate") == "translate"
        and (e.get("from_code"), e.get("to_code")) == (source, target)
    ]
    if not entries:
        raise UsageError(f"the Argos package index has no {source} → {target} model")
    links = [link for link in entries[0].get("links") or [] if isinstance(link, str)]
    root = packages_dir()
    root.mkdir(parents=True, exist_ok=True)
    failure = "the index gives no download address"
    for link in links:
        stage = _staging(root)
        try:
            with open(stage / "package.argosmodel", "wb") as out:
                _fetch(link, out, MAX_UNPACKED_BYTES)
            return install_file(stage / "package.argosmodel", shown=link)
        except _Unreachable as err:
            failure = f"{link}: {err}"
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    raise UsageError(f"cannot download the {source} → {target} model ({failure}). {offline}")
