"""Translation memory: an SQLite cache of machine-translated sentences, keyed by model, language
pair and normalized (protected) source sentence, so the same record never costs the model twice."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def default_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reportkit" / "translation-memory.sqlite3"


class Memory:
    def __init__(self, path: Path | None = None):
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS tm (model TEXT, src TEXT, tgt TEXT, source TEXT, "
            "target TEXT, PRIMARY KEY (model, src, tgt, source))"
        )

    def get_many(self, model: str, src: str, tgt: str, sentences: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for i in range(0, len(sentences), 500):
            chunk = sentences[i : i + 500]
            rows = self.db.execute(
                f"SELECT source, target FROM tm WHERE model=? AND src=? AND tgt=? AND source IN ({','.join('?' * len(chunk))})",
                (model, src, tgt, *chunk),
            )
            found.update(rows)
        return found

    def put_many(self, model: str, src: str, tgt: str, pairs: dict[str, str]) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO tm VALUES (?, ?, ?, ?, ?)",
                [(model, src, tgt, s, t) for s, t in pairs.items()],
            )

    def close(self) -> None:
        self.db.close()


class NoMemory:
    """--no-cache: remembers nothing and finds nothing."""

    def get_many(self, *args) -> dict[str, str]:
        return {}

    def put_many(self, *args) -> None:
        pass

    def close(self) -> None:
        pass
