"""Translation memory: an SQLite cache of machine-translated sentences, keyed by model, language
pair and normalized (protected) source sentence, so the same record never costs the model twice.

It is only a cache, so it never stops a translation. A file that is not (or no longer) a memory
of this shape, corrupt, truncated or someone else's database, is set aside as
`<name>.broken-<UTC time>` and a fresh memory started; a memory that cannot be opened or written
(locked by another program, a read-only folder) is done without. Each time, one warning line.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from ..messages import warn

_COLUMNS = ["model", "src", "tgt", "source", "target"]
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS tm (model TEXT, src TEXT, tgt TEXT, source TEXT, "
    "target TEXT, PRIMARY KEY (model, src, tgt, source))"
)
# SQLite's primary result codes for "this file is damaged" and "this is not a database".
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26
# Another process writing holds the lock for milliseconds; waiting longer only delays the export.
_BUSY_TIMEOUT = 1.0


def default_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reportkit" / "translation-memory.sqlite3"


class Unfit(Exception):
    """The file is there but is not a translation memory reportkit can use: set it aside."""


def _damaged(err: sqlite3.Error) -> bool:
    code = getattr(err, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(err)
    return "malformed" in text or "not a database" in text


class Memory:
    """The translation memory at `path`. Opening raises Unfit for a file to set aside, and
    sqlite3.Error or OSError when it cannot be used at all (`open_memory` handles both)."""

    def __init__(self, path: Path | None = None):
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db: sqlite3.Connection | None = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT)
        try:
            self._check()
        except BaseException:
            self.db.close()
            raise

    def _check(self) -> None:
        try:
            tables = {
                name
                for (name,) in self.db.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                )
            }
            if tables - {"tm"}:
                raise Unfit(f"it holds other tables ({', '.join(sorted(tables - {'tm'}))})")
            columns = [row[1] for row in self.db.execute("PRAGMA table_info(tm)")]
            if columns and columns != _COLUMNS:
                raise Unfit(f"its tm table has other columns ({', '.join(columns)})")
            if not columns:
                self.db.execute(_SCHEMA)
                self.db.commit()
            # Reads the table's first page: a truncated or overwritten file fails here, not later.
            self.db.execute("SELECT 1 FROM tm LIMIT 1").fetchall()
        except sqlite3.DatabaseError as err:
            if _damaged(err):
                raise Unfit(str(err)) from None
            raise

    def _failed(self, err: sqlite3.Error) -> None:
        """A later failure: go on without memory; a damaged file is also set aside."""
        if self.db is not None:
            self.db.close()
            self.db = None
        if _damaged(err):
            aside = set_aside(self.path)
            if aside:
                warn(
                    f"translation memory {self.path} is damaged ({err}); set aside as "
                    f"{aside.name}, going on without it"
                )
                return
        warn(f"translation memory {self.path}: {err}; going on without it")

    def get_many(self, model: str, src: str, tgt: str, sentences: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        try:
            for i in range(0, len(sentences), 500):
                if self.db is None:
                    return {}
                chunk = sentences[i : i + 500]
                rows = self.db.execute(
                    "SELECT source, target FROM tm WHERE model=? AND src=? AND tgt=? "
                    f"AND source IN ({','.join('?' * len(chunk))})",
                    (model, src, tgt, *chunk),
                )
                found.update((s, t) for s, t in rows if isinstance(t, str))
        except sqlite3.Error as err:
            self._failed(err)
            return {}
        return found

    def put_many(self, model: str, src: str, tgt: str, pairs: dict[str, str]) -> None:
        if self.db is None or not pairs:
            return
        try:
            with self.db:
                self.db.executemany(
                    "INSERT OR REPLACE INTO tm VALUES (?, ?, ?, ?, ?)",
                    [(model, src, tgt, s, t) for s, t in pairs.items()],
                )
        except sqlite3.Error as err:
            self._failed(err)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


class NoMemory:
    """--no-cache, or no usable memory: remembers nothing and finds nothing."""

    def get_many(self, *args) -> dict[str, str]:
        return {}

    def put_many(self, *args) -> None:
        pass

    def close(self) -> None:
        pass


def set_aside(path: Path) -> Path | None:
    """Rename `path` (and SQLite's journal files beside it, which belong to it) to
    `<name>.broken-<UTC time>`; None if it cannot be moved."""
    now = datetime.now(UTC)
    aside = path.with_name(f"{path.name}.broken-{now:%Y%m%dT%H%M%SZ}")
    if aside.exists():  # set aside twice within a second: never replace the first
        aside = path.with_name(f"{path.name}.broken-{now:%Y%m%dT%H%M%S.%fZ}")
    try:
        os.rename(path, aside)
    except OSError:
        return None
    for suffix in ("-journal", "-wal", "-shm"):
        try:
            os.rename(f"{path}{suffix}", f"{aside}{suffix}")
        except OSError:
            pass  # usually not there at all
    return aside


def open_memory(path: Path | None = None) -> Memory | NoMemory:
    """The translation memory, or a fresh one if the file was unfit, or none: never an error."""
    path = path or default_path()
    try:
        return Memory(path)
    except Unfit as err:
        reason = str(err)
    except (sqlite3.Error, OSError) as err:
        warn(f"translation memory {path} cannot be used ({_reason(err)}); going on without it")
        return NoMemory()
    aside = set_aside(path)
    if aside is None:
        warn(
            f"translation memory {path} is not usable ({reason}) and cannot be set aside; "
            "going on without it"
        )
        return NoMemory()
    try:
        memory = Memory(path)
    except (Unfit, sqlite3.Error, OSError) as err:
        warn(
            f"translation memory {path} is not usable ({reason}); set aside as {aside.name}, "
            f"and a fresh one cannot be started ({_reason(err)}); going on without it"
        )
        return NoMemory()
    warn(
        f"translation memory {path} is not usable ({reason}); set aside as {aside.name}, "
        "starting a fresh one"
    )
    return memory


def _reason(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__
