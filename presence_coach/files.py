"""Writing user data: files readable only by the user, never half-written.

An output path the user names (``--json``, ``--timeline``, ``--events``) is written *through*:
a symbolic link keeps pointing where it pointed (its target is replaced), a device or pipe is
written in place (never replaced by a regular file), and ``-`` means standard output. A write
that fails (a full disk, ``/dev/full``, a closed pipe) is one :class:`OutputError` line.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from pathlib import Path
from typing import IO

from presence_coach.errors import PresenceCoachError, SourceError, UsageError

PRIVATE_FILE_MODE = 0o600  # owner read/write only
STDOUT = "-"  # an output path that means standard output


class OutputError(PresenceCoachError):
    """An output file could not be written (disk full, no permission, a device that refuses)."""


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def output_error(path: str | Path, exc: OSError) -> OutputError:
    """The one-line error for a failed write of ``path``."""
    return OutputError(f"cannot write {path}: {_reason(exc)}")


def is_stdout(path: str | Path | None) -> bool:
    return path is not None and str(path) == STDOUT


def check_readable(path: Path) -> None:
    """Raise a one-line :class:`SourceError` if ``path`` exists but cannot be opened for
    reading (so that a permission problem is never reported as a corrupt file)."""
    try:
        with open(path, "rb"):
            pass
    except PermissionError:
        raise SourceError(
            f"cannot read {path}: permission denied; check the file's permissions "
            "(it must be readable by you)"
        ) from None
    except OSError as exc:
        if not isinstance(exc, FileNotFoundError | IsADirectoryError):
            raise SourceError(f"cannot read {path}: {_reason(exc)}") from None


def check_writable(path: str | Path, *, flag: str) -> Path:
    """Fail before any work starts if ``path`` cannot be written (``-`` is standard output)."""
    if is_stdout(path):
        return Path(STDOUT)
    p = Path(path).expanduser()
    if p.is_dir():
        raise UsageError(f"{flag} {p} is a directory; give a file name")
    if p.exists() and not p.resolve().is_file():
        if not os.access(p, os.W_OK):
            raise UsageError(f"{flag} {p} is not writable")
        return p  # a device or a pipe: written in place
    target = p.resolve() if p.is_symlink() else p
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{flag} {p}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{flag} {p}: folder {parent} is not writable")
    return p


class _Guarded:
    """A text stream whose failed writes are one :class:`OutputError` naming the path."""

    def __init__(self, raw: IO, path: str | Path) -> None:
        self._raw, self._path = raw, path

    @property
    def closed(self) -> bool:
        return self._raw.closed

    def write(self, text: str) -> int:
        try:
            return self._raw.write(text)
        except OSError as exc:
            raise output_error(self._path, exc) from None

    def flush(self) -> None:
        try:
            self._raw.flush()
        except OSError as exc:
            raise output_error(self._path, exc) from None

    def close(self) -> None:
        """Flush and close; the descriptor is closed even when the flush fails."""
        if self._raw.closed:
            return
        try:
            self._raw.flush()
        except OSError as exc:
            raise output_error(self._path, exc) from None
        finally:
            with contextlib.suppress(OSError):
                self._raw.close()

    def __enter__(self) -> _Guarded:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_private(path: str | Path, mode: str = "w", **kwargs: object) -> IO:
    """Open a text output stream: ``-`` is standard output; a file is created 0600 (an
    existing regular file is tightened to 0600); a device is written in place. Failed writes
    raise :class:`OutputError`."""
    if is_stdout(path):  # fd 1 itself: the CLI sends its own prints to stderr meanwhile
        try:
            raw = os.fdopen(os.dup(1), mode, **kwargs)  # type: ignore[call-overload]
        except OSError as exc:
            raise output_error("standard output", exc) from None
        return _Guarded(raw, "standard output")
    try:
        fd = os.open(Path(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
        if stat.S_ISREG(os.fstat(fd).st_mode):  # never chmod a device such as /dev/stdout
            os.fchmod(fd, PRIVATE_FILE_MODE)
    except OSError as exc:
        raise output_error(path, exc) from None
    return _Guarded(os.fdopen(fd, mode, **kwargs), path)  # type: ignore[call-overload]


def write_text_private(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` whole: a regular file (or a link's target) is replaced
    atomically by a 0600 file; a device or pipe is written in place; ``-`` is stdout."""
    if is_stdout(path):
        with open_private(STDOUT) as out:
            out.write(text)
        return
    target = Path(os.path.realpath(path))  # through symbolic links: the link stays a link
    if target.exists() and not target.is_file():
        with open_private(target, encoding="utf-8") as fh:
            fh.write(text)
        return
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        with open_private(tmp, encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except (OSError, OutputError) as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OutputError):
            raise OutputError(str(exc).replace(str(tmp), str(path))) from None
        raise output_error(path, exc) from None


def write_json_private(path: str | Path, data: object) -> None:
    """Write JSON whole (see :func:`write_text_private`), mode 0600."""
    write_text_private(path, json.dumps(data, indent=2, allow_nan=False) + "\n")
