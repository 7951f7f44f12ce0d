"""Writing output files: what the user asked for, the way it was asked, and nothing else.

The lowest layer, imported by export, archive and the CLI alike. Its promises:

- A regular file is replaced atomically: the bytes go to a hidden temporary file in the target's
  own folder, which is then renamed over the target, so a reader sees the old file or the whole
  new one, and a failure leaves the old file untouched and no temporary file behind.
- A symbolic link to a regular file stays a link: its *target* is replaced.
- A special file (a device such as a terminal, a FIFO, a socket, ``/dev/stdout``) is opened and
  written through, never replaced by a regular file.
- A new file gets the mode the umask gives (the kernel applies it: no chmod); a replaced file
  keeps its mode, and its owner and group where the process may set them.
- Messages name the user's path, never a temporary one.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import sys
from pathlib import Path

from .errors import ReportkitError, UsageError

STDOUT = "-"


class OutputError(ReportkitError):
    """An output that cannot be written (a read-only folder, a full disk, no permission)."""

    exit_code = 1


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Are `a` and `b` the same file, following links? (Paths that do not exist yet are compared
    by their resolved names.)"""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_overlaps(inputs: list[str | os.PathLike], outputs: list[str | os.PathLike]) -> None:
    """UsageError if an output is one of the inputs, or two outputs are the same file."""
    real_inputs = [p for p in inputs if p is not None and str(p) != STDOUT]
    real_outputs = [p for p in outputs if str(p) != STDOUT]
    for out in real_outputs:
        if _is_special(out):
            continue  # a device or FIFO may well be named twice, and is never "the input record"
        for source in real_inputs:
            if same_file(out, source):
                same = "" if str(out) == str(source) else f" ({source}, by another name)"
                raise UsageError(f"-o {out}: that is the input file{same}; choose another output")
    for i, out in enumerate(real_outputs):
        for other in real_outputs[i + 1 :]:
            if not _is_special(out) and same_file(out, other):
                raise UsageError(f"{out} and {other} are one file; give each output its own")


def _is_special(path: str | os.PathLike) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def write_output(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` (``-``: standard output) by the rules in this module's docstring."""
    if str(path) == STDOUT:
        _write_stream(sys.stdout.buffer, data, "standard output")
        return
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise cannot_write(path, err) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise UsageError(f"{path}: is a folder")
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_through(path, data)
        return
    # A link (or a chain of them) to a regular file, or to where one will be: replace the target.
    target = Path(os.path.realpath(path))
    _replace(target, data, st, shown=path)


# The older name, kept for the callers that write whole files: the same rules apply.
write_atomic = write_output


def _write_stream(stream, data: bytes, name: str) -> None:
    try:
        stream.write(data)
        stream.flush()
    except BrokenPipeError:
        # The reader went away (`reportkit export -o - | head -c 10`): not our failure to report,
        # but nothing more may be written to it either, not even at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        raise OutputError(
            f"{name}: the reader closed it before the whole file was written"
        ) from None
    except OSError as err:
        raise OutputError(f"{name}: cannot write: {err.strerror or err}") from None


def _write_through(path: Path, data: bytes) -> None:
    """A device, FIFO or socket: open it and write, as `cat > path` would."""
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise cannot_write(path, err) from None
    with os.fdopen(fd, "wb") as out:
        _write_stream(out, data, str(path))


def _replace(target: Path, data: bytes, old: os.stat_result | None, shown: Path) -> None:
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise cannot_write(shown, err) from None
    tmp = None
    try:
        # Created with mode 0o666: the kernel applies the umask, exactly as for any new file.
        fd, tmp = _create_hidden(folder, target.name)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            if old is not None:
                _keep_owner_and_mode(out.fileno(), old)
            os.fsync(out.fileno())
        os.replace(tmp, target)
        tmp = None
    except OSError as err:
        raise cannot_write(shown, err) from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _create_hidden(folder: Path, name: str) -> tuple[int, str]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = str(folder / f".{name}.{secrets.token_hex(4)}.part")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(folder))


def _keep_owner_and_mode(fd: int, old: os.stat_result) -> None:
    try:
        os.fchown(fd, old.st_uid, old.st_gid)
    except (PermissionError, AttributeError):
        pass  # only root (or the owner, for the group) may: keep what the process can
    os.fchmod(fd, stat.S_IMODE(old.st_mode))


def cannot_write(path: Path, err: OSError) -> OutputError:
    """The one line for an output that `err` stopped, naming the user's `path`."""
    reason = err.strerror or str(err)
    if isinstance(err, PermissionError):
        reason = "permission denied (the file or its folder is not writable)"
    elif err.errno == errno.EROFS:
        reason = "the file system is read-only"
    elif err.errno == errno.ENOSPC:
        reason = "no space left on the device"
    return OutputError(f"{path}: cannot write: {reason}")
