"""Reading a record file safely: YAML or JSON in, a validated Record or one clear error out.

YAML is composed into nodes with PyYAML's safe loader and turned into data here, so that every
value keeps its line, duplicate keys are caught, only plain YAML tags are accepted (a
`!!python/...` tag is refused, never run), and alias expansion has a budget (an alias bomb fails
fast instead of eating memory). The nodes come from libyaml (PyYAML's C parser, about nine times as
fast on a long record) when PyYAML was built with it; its nodes carry the same line, column and
offset. A file libyaml refuses is read again by the pure-Python parser, whose message (and
verdict) it gets: what is refused, and how it is worded, does not depend on the build.

Problems and warnings name the field path and the line and column where the character at fault
is written (for an invisible character, the only way to find it), or where the field's value
starts when the file spells it otherwise (a JSON `\\u202e` escape, a folded YAML block).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem, RecordError
from .text import TextCharacterError, char_name, warned_characters, why_refused

MAX_BYTES = 5 * 1024 * 1024
MAX_NODES = 100_000  # far above any real record; an alias bomb reaches it in microseconds

_T = "tag:yaml.org,2002:"
_AS_STRING = {_T + "str", _T + "timestamp"}  # dates stay text; the model parses and checks them
_SCALARS = {_T + "int", _T + "float", _T + "bool", _T + "null"}

# libyaml's composer when PyYAML has it (the wheels do), else PyYAML's own.
Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Position = tuple[int, int]
Path_ = tuple[Any, ...]
Extent = tuple[int, int]  # where a text value is written: start and end offsets in the source


@dataclass
class Source:
    """A record file's text and where each of its values is written."""

    name: str
    text: str = ""
    positions: dict[Path_, Position] | None = None
    extents: dict[Path_, Extent] | None = None

    def locate(self, path: Path_, value: str | None = None, index: int = 0) -> Position | None:
        """Line and column of `value[index]` in the file if the file writes that character as
        itself, else of the nearest enclosing field."""
        extent = (self.extents or {}).get(path)
        if value is not None and extent is not None and index < len(value):
            char = value[index]
            written = self.text[extent[0] : extent[1]]
            nth = value.count(char, 0, index)
            if written.count(char) == value.count(char):
                at = extent[0] - 1
                for _ in range(nth + 1):
                    at = self.text.find(char, at + 1)
                line_start = self.text.rfind("\n", 0, at) + 1
                return self.text.count("\n", 0, at) + 1, at - line_start + 1
        positions = self.positions or {}
        for n in range(len(path), -1, -1):
            if path[:n] in positions:
                return positions[path[:n]]
        return None


def field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Walker:
    def __init__(self, name: str):
        self.name = name
        self.positions: dict[Path_, Position] = {}
        self.extents: dict[Path_, Extent] = {}
        self.count = 0
        self.loader = yaml.SafeLoader("")

    def fail(self, node: yaml.Node, path: Path_, message: str) -> RecordError:
        mark = node.start_mark
        return RecordError(
            [Problem(self.name, message, field_path(path), mark.line + 1, mark.column + 1)]
        )

    def build(self, node: yaml.Node, path: Path_, is_key: bool = False) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(
                node, path, f"more than {MAX_NODES} values (an alias bomb?); refusing to expand"
            )
        self.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.ScalarNode):
            if node.tag in _AS_STRING:
                if not is_key:
                    self.extents.setdefault(path, (node.start_mark.index, node.end_mark.index))
                return node.value
            if node.tag in _SCALARS:
                return self.loader.construct_object(node)
            raise self.fail(node, path, f"YAML tag {node.tag!r} is not allowed in a record")
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _T + "seq":
                raise self.fail(node, path, f"YAML tag {node.tag!r} is not allowed in a record")
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != _T + "map":
                raise self.fail(node, path, f"YAML tag {node.tag!r} is not allowed in a record")
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _T + "merge":
                    raise self.fail(key_node, path, "YAML merge keys (<<) are not supported")
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.fail(key_node, path, "a key must be plain text")
                key = self.build(key_node, path, is_key=True)
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    key = str(key)
                if key in out:
                    raise self.fail(key_node, path + (key,), f"duplicate key {key!r}")
                out[key] = self.build(value_node, path + (key,))
            return out
        raise self.fail(node, path, "unsupported YAML node")  # pragma: no cover


def _decode(data: bytes, name: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        col = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise RecordError(
            [Problem(name, f"not UTF-8 text (byte 0x{data[err.start]:02X})", "", line, col)]
        ) from None
    if not text.strip():
        raise RecordError([Problem(name, "the file is empty")])
    return text


def _compose(text: str) -> yaml.Node | None:
    """The YAML document's node tree, by libyaml when it can; whatever libyaml refuses is
    composed again by PyYAML's pure-Python parser, which raises its own error (or, where
    libyaml is stricter, such as its nesting limit, reads the file as before)."""
    if Loader is not yaml.SafeLoader:
        try:
            return yaml.compose(text, Loader=Loader)
        except (yaml.YAMLError, UnicodeError):
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _parse_yaml(text: str, name: str) -> tuple[Any, Source]:
    walker = _Walker(name)
    try:
        node = _compose(text)
        if node is None:
            raise RecordError([Problem(name, "the file is empty")])
        return walker.build(node, ()), Source(name, text, walker.positions, walker.extents)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        message = f"YAML syntax error: {err.problem or err.context}"
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise RecordError([Problem(name, message, "", line, col)]) from None
    except yaml.reader.ReaderError as err:
        # PyYAML refuses most control characters before parsing: same message, same position
        # form as the model's, instead of PyYAML's two lines about "<unicode string>".
        line = text.count("\n", 0, err.position) + 1
        column = err.position - (text.rfind("\n", 0, err.position) + 1) + 1
        problem = why_refused(chr(err.character))
        raise RecordError([Problem(name, problem, "", line, column)]) from None
    except yaml.YAMLError as err:
        raise RecordError([Problem(name, f"YAML error: {err}")]) from None
    except RecursionError:
        raise RecordError([Problem(name, "the record is nested too deeply")]) from None


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a record may hold")


def _parse_json(text: str, name: str) -> tuple[Any, Source]:
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise RecordError(
            [Problem(name, f"JSON syntax error: {err.msg}", "", err.lineno, err.colno)]
        ) from None
    except _DuplicateKey as err:
        # JSON has no positions of its own: the YAML reader (JSON is nearly YAML) finds the line.
        try:
            _parse_yaml(text, name)
        except RecordError as located:
            if "duplicate key" in str(located):
                raise located from None
        raise RecordError([Problem(name, f"duplicate key {err.args[0]!r}")]) from None
    except (ValueError, RecursionError) as err:
        raise RecordError([Problem(name, f"JSON error: {err}")]) from None
    try:
        _, source = _parse_yaml(text, name)
    except RecordError:
        source = Source(name, text)
    return data, source


def _parse(data: bytes, name: str, fmt: str) -> tuple[Any, Source]:
    if len(data) > MAX_BYTES:
        raise RecordError(
            [Problem(name, f"the file is larger than {MAX_BYTES // 1024 // 1024} MB")]
        )
    text = _decode(data, name)
    return _parse_json(text, name) if fmt == "json" else _parse_yaml(text, name)


def parse_data(data: bytes, name: str, fmt: str) -> tuple[Any, dict[Path_, Position]]:
    """Bytes of a record file → plain data and the line/column of each field path."""
    parsed, source = _parse(data, name, fmt)
    return parsed, source.positions or {}


def record_from_data(data: Any, name: str, positions: dict[Path_, Position] | Source | None = None):
    """Plain data → a validated Record, or a RecordError naming each field that is wrong."""
    from pydantic import ValidationError

    from .model import Record

    source = positions if isinstance(positions, Source) else Source(name, positions=positions)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise RecordError([Problem(name, f"the record must be a mapping of fields, not {kind}")])
    try:
        return Record.model_validate(data)
    except ValidationError as err:
        raise RecordError(_problems(err, data, source)) from None


def _value_at(data: Any, path: Path_) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _problems(err: Any, data: Any, source: Source) -> list[Problem]:
    problems = []
    for e in err.errors(include_url=False):
        loc = tuple(e["loc"])
        message = e["msg"].removeprefix("Value error, ")
        if e["type"] == "missing":
            message = "is required"
        elif e["type"] == "extra_forbidden":
            message = "is not a field of the record"
        cause = (e.get("ctx") or {}).get("error")
        value, index = None, 0
        if isinstance(cause, TextCharacterError):
            loc += cause.subpath
            value, index = _value_at(data, loc), cause.index
            if not isinstance(value, str):
                value = None
        pos = source.locate(loc, value, index)
        line, col = pos if pos else (None, None)
        problems.append(Problem(source.name, message, field_path(loc), line, col))
    return problems


def _texts(data: Any, path: Path_ = ()) -> Iterator[tuple[Path_, str]]:
    """(path, text) of every text value in a record's data."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _texts(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _texts(value, path + (i,))


def text_warnings(data: Any, source: Source) -> list[Problem]:
    """A warning for each field whose text holds characters that can mislead a reader (bidi
    overrides and embeddings): the record stays valid, and the document confines them. The
    message does not say "warning": whoever prints it does (messages.warn)."""
    warnings = []
    for path, text in _texts(data):
        for char, index, count, why in warned_characters(text):
            line, col = source.locate(path, text, index) or (None, None)
            times = f" ({count} times)" if count > 1 else ""
            message = f"contains {char_name(char)}{times}, {why}"
            warnings.append(Problem(source.name, message, field_path(path), line, col))
    return warnings


def format_of(path: str) -> str:
    return "json" if path.lower().endswith(".json") else "yaml"


@dataclass(frozen=True)
class LoadedRecord:
    """A validated record and the warnings its file deserves (each printed like a problem)."""

    record: Any  # Record
    warnings: tuple[Problem, ...] = ()


def read_record(path: str | Path) -> LoadedRecord:
    """Read and validate a record file (`-` reads YAML from standard input), with warnings."""
    if str(path) == "-":
        name, data, fmt = "<stdin>", sys.stdin.buffer.read(), "yaml"
    else:
        name = str(path)
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise RecordError([Problem(name, "no such file")]) from None
        except IsADirectoryError:
            raise RecordError([Problem(name, "is a directory, not a record file")]) from None
        except OSError as err:
            raise RecordError([Problem(name, f"cannot be read: {err.strerror}")]) from None
        fmt = format_of(name)
    return record_from_bytes(data, name, fmt)


def record_from_bytes(data: bytes, name: str, fmt: str | None = None) -> LoadedRecord:
    """A record file's bytes → the validated record and its warnings, as `read_record` gives
    them. `name` is for messages and, without `fmt`, tells JSON from YAML. A batch worker that
    received the bytes from elsewhere reads them this way."""
    parsed, source = _parse(data, name, fmt or format_of(name))
    record = record_from_data(parsed, name, source)
    return LoadedRecord(record, tuple(text_warnings(parsed, source)))


def load_record(path: str | Path):
    """Read and validate a record file (`-` reads YAML from standard input)."""
    return read_record(path).record
