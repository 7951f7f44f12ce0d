"""Writing a record back out as YAML (or JSON) that reportkit's loader reads to the same Record."""

from __future__ import annotations

from typing import Any


def record_yaml(data: dict[str, Any]) -> bytes:
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    # Long paragraphs stay on one line each: diff-friendly, and nothing is folded or re-wrapped.
    return yaml.dump(
        data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000
    ).encode("utf-8")


def record_json(data: dict[str, Any]) -> bytes:
    import json

    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
