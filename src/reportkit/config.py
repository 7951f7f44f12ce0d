"""`reportkit.toml`: an office's defaults for every export option, so each command need not repeat
them.

```toml
[export]
locale = "ar-MA"
engine = "weasyprint"
formats = ["pdf", "docx"]
marking = "سري"
glossary = "glossaries/ministry.yaml"   # paths are relative to this file
```

The file is `--config FILE`, else the first `reportkit.toml` in the working folder or one of its
parents. An option given on the command line always wins over the file, and the file over
reportkit's defaults. Unknown tables, unknown options and values of the wrong kind are refused
with the file and the option named, as any bad input is.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UsageError

FILE_NAME = "reportkit.toml"


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty text")
    return value


def _choice(*allowed: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return check


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError("must be a whole number of 1 or more")
    return value


def _formats(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ValueError('must be a list of formats, e.g. ["pdf", "docx"]')
    return [_choice("pdf", "docx", "html")(v) for v in value]


_PATH = object()  # marks options whose value is a path, made relative to the file

# Every export option a file may set, with its check; the names are the command line's.
EXPORT_OPTIONS: dict[str, Any] = {
    "formats": _formats,
    "lang": _text,
    "output": _PATH,
    "engine": _choice("weasyprint", "reportlab", "typst"),
    "docx_template": _PATH,
    "letterhead": _PATH,
    "template": _PATH,
    "embed_fonts": _flag,
    "glossary": _PATH,
    "cache": _flag,
    "threads": _count,
    "digits": _choice("western", "arabic-indic"),
    "locale": _text,
    "marking": _text,
    "draft": _flag,
    "verification": _flag,
    "pdfa": _flag,
    "tags": _flag,
    "sign": _PATH,
    "strict": _flag,
    "jobs": _count,
    "cluster": _text,
}


@dataclass(frozen=True)
class Config:
    """The export defaults a file sets (option name → value), and the file."""

    path: Path | None = None
    export: dict[str, Any] = field(default_factory=dict)


def find(start: Path | None = None) -> Path | None:
    """The `reportkit.toml` in `start` (default: the working folder) or its nearest parent."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / FILE_NAME
        if path.is_file():
            return path
    return None


def load(path: Path | None = None, *, search: bool = True) -> Config:
    """The configuration in `path`; without one, the file `find` finds (or none at all)."""
    if path is None:
        path = find() if search else None
        if path is None:
            return Config()
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"--config {path}: no such file") from None
    except OSError as err:
        raise UsageError(f"{path}: cannot be read: {err.strerror or err}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise UsageError(f"{path}: not valid TOML: {err}") from None
    unknown = sorted(set(data) - {"export"})
    if unknown:
        raise UsageError(f"{path}: unknown table [{unknown[0]}]; reportkit reads [export]")
    table = data.get("export", {})
    if not isinstance(table, dict):
        raise UsageError(f"{path}: export must be a table ([export])")
    values: dict[str, Any] = {}
    problems = []
    for key, value in table.items():
        check = EXPORT_OPTIONS.get(key)
        if check is None:
            problems.append(f"unknown option {key!r} (known: {', '.join(EXPORT_OPTIONS)})")
            continue
        try:
            if check is _PATH:
                where = Path(path).resolve().parent / _text(value)
                # A trailing slash says "a folder" to --output: keep it.
                values[key] = f"{where}/" if value.endswith(("/", "\\")) else where
            else:
                values[key] = check(value)
        except ValueError as err:
            problems.append(f"{key}: {err}")
    if problems:
        raise UsageError("; ".join(f"{path}: [export] {p}" for p in problems))
    return Config(Path(path), values)
