"""Translation memory: an SQLite cache of machine-translated sentences, keyed by model, language
pair and normalized (protected) source sentence, so the same record never costs the model twice.

It is only a cache, so it never stops a translation. A file that is not (or no longer) a memory
of this shape, corrupt, truncated or someone else's database, is set aside as
`<name>.broken-<UTC time>` and a fresh memory started; a memory that cannot be opened or written
(locked by another program, a read-only folder) is done without. Each time, one warning line.

Several reportkit processes on one machine (the workers of a batch) share one memory. Each read or
write of the file, and the opening check that may set a damaged file aside, happens under an
operating-system lock on `<name>.lock` beside it (`filelock`, an flock on POSIX systems): the
processes take turns, so none sees another's half-done work, none sets aside a file another has
just made fresh, and a write is an SQLite transaction that adds its entries to whatever the file
holds by then, so no process loses another's entries. The kernel drops the lock when its holder
dies, however it dies; SQLite rolls back a transaction the dead process left unfinished.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from filelock import FileLock, Timeout

from ..messages import warn

T = TypeVar("T")

_COLUMNS = ["model", "src", "tgt", "source", "target"]
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS tm (model TEXT, src TEXT, tgt TEXT, source TEXT, "
    "target TEXT, PRIMARY KEY (model, src, tgt, source))"
)
# SQLite's primary result codes for "this file is damaged" and "this is not a database".
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26
# Another program holding SQLite's own lock (reportkit processes take turns under the file lock
# first): it holds it for milliseconds, or indefinitely; waiting longer only delays the export.
_BUSY_TIMEOUT = 1.0
# reportkit processes hold the file lock for the milliseconds of one read or write; one that holds
# it far longer is hung (a dead one has lost it), and the memory is done without.
LOCK_TIMEOUT = 30.0


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
    sqlite3.Error or OSError when it cannot be used at all (`open_memory` handles both, and
    opens it holding `lock`)."""

    def __init__(self, path: Path | None = None, lock: FileLock | None = None):
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = lock or lock_for(self.path)
        self.db: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None
        with self.lock:
            self._connect()

    def _connect(self) -> None:
        self.db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT)
        try:
            self._check()
            st = os.stat(self.path)
        except BaseException:
            self.db.close()
            self.db = None
            raise
        self._identity = (st.st_dev, st.st_ino)

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

    def _follow(self) -> None:
        """Under the lock: if the file at `path` is no longer the one opened (another process
        set it aside and started a fresh one, or someone deleted it), open the one there now, so
        entries land where the other processes look."""
        try:
            st = os.stat(self.path)
            same = (st.st_dev, st.st_ino) == self._identity
        except FileNotFoundError:
            same = False
        if not same:
            self.db.close()
            self.db = None
            self._connect()

    def _failed(self, err: Exception) -> None:
        """A later failure: go on without memory; a damaged file is also set aside."""
        if self.db is not None:
            self.db.close()
            self.db = None
        if isinstance(err, Timeout):
            warn(
                f"translation memory {self.path}: another process has held its lock for over "
                f"{LOCK_TIMEOUT:g} s; going on without it"
            )
            return
        if isinstance(err, Unfit) or (isinstance(err, sqlite3.Error) and _damaged(err)):
            aside = set_aside(self.path)
            if aside:
                warn(
                    f"translation memory {self.path} is damaged ({err}); set aside as "
                    f"{aside.name}, going on without it"
                )
                return
        warn(f"translation memory {self.path}: {_reason(err)}; going on without it")

    def _turn(self, work: Callable[[], T]) -> T | None:
        """`work()` under the lock, on the file now at `path`; None once the memory is done
        without (after one warning), as after any failure."""
        if self.db is None:
            return None
        try:
            self.lock.acquire()
        except OSError as err:  # Timeout is one
            self._failed(err)
            return None
        try:
            self._follow()
            return work()
        except (sqlite3.Error, Unfit, OSError) as err:
            self._failed(err)  # still holding the lock: a file set aside is set aside once
            return None
        finally:
            self.lock.release()

    def get_many(self, model: str, src: str, tgt: str, sentences: list[str]) -> dict[str, str]:
        def read() -> dict[str, str]:
            found: dict[str, str] = {}
            for i in range(0, len(sentences), 500):
                chunk = sentences[i : i + 500]
                rows = self.db.execute(
                    "SELECT source, target FROM tm WHERE model=? AND src=? AND tgt=? "
                    f"AND source IN ({','.join('?' * len(chunk))})",
                    (model, src, tgt, *chunk),
                )
                found.update((s, t) for s, t in rows if isinstance(t, str))
            return found

        return (self._turn(read) if sentences else None) or {}

    def put_many(self, model: str, src: str, tgt: str, pairs: dict[str, str]) -> None:
        """Add `pairs` to the memory in one transaction, to whatever the file holds by then:
        entries other processes added since this one opened it stay."""

        def write() -> None:
            with self.db:
                self.db.executemany(
                    "INSERT OR REPLACE INTO tm VALUES (?, ?, ?, ?, ?)",
                    [(model, src, tgt, s, t) for s, t in pairs.items()],
                )

        if pairs:
            self._turn(write)

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


def lock_for(path: Path) -> FileLock:
    """The lock every reportkit process holds while it reads or writes the memory at `path`."""
    return FileLock(f"{path}.lock", timeout=LOCK_TIMEOUT)


def open_memory(path: Path | None = None) -> Memory | NoMemory:
    """The translation memory, or a fresh one if the file was unfit, or none: never an error."""
    path = path or default_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = lock_for(path)
        lock.acquire()
    except Timeout:
        warn(
            f"translation memory {path} cannot be used (another process has held its lock for "
            f"over {LOCK_TIMEOUT:g} s); going on without it"
        )
        return NoMemory()
    except OSError as err:
        warn(f"translation memory {path} cannot be used ({_reason(err)}); going on without it")
        return NoMemory()
    try:
        # One process at a time checks the file and sets it aside: a second process that found
        # it damaged too would otherwise set aside the fresh memory the first had just started.
        return _open(path, lock)
    finally:
        lock.release()


def _open(path: Path, lock: FileLock) -> Memory | NoMemory:
    try:
        return Memory(path, lock)
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
        memory = Memory(path, lock)
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
