"""Disk space kept in reserve, so a session can still be finished when the disk fills up.

A run keeps a file of :data:`SPARE_BYTES` (allocated, not sparse) beside the database. When
the disk is full at the end of a run, or when ``recover`` finds it full, the file is deleted
to make room for the last rows and the session's final record; the next run makes it again
once there is space. It holds only zeros.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

SPARE_NAME = "presence-coach.spare"
SPARE_BYTES = 8 * 1024 * 1024  # the last 10 min of rows, a WAL checkpoint and the summary
_CHUNK = 1024 * 1024


def keep_spare(data_dir: Path) -> bool:
    """Make sure the spare file exists (best effort: False when there is no room for it)."""
    path = Path(data_dir) / SPARE_NAME
    with contextlib.suppress(OSError):
        if path.stat().st_size >= SPARE_BYTES:
            return True
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            _allocate(fd, SPARE_BYTES)
        finally:
            os.close(fd)
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink()
        return False
    return True


def release_spare(data_dir: Path) -> bool:
    """Delete the spare file to make room; True if there was one."""
    try:
        (Path(data_dir) / SPARE_NAME).unlink()
    except OSError:
        return False
    return True


def _allocate(fd: int, size: int) -> None:
    """Give the file ``size`` bytes of real disk blocks (raises OSError when they do not fit)."""
    try:
        os.posix_fallocate(fd, 0, size)
        return
    except AttributeError:  # macOS, Windows: no posix_fallocate
        pass
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
            raise
    zeros = bytes(_CHUNK)
    os.lseek(fd, 0, os.SEEK_SET)
    for _ in range(0, size, _CHUNK):
        os.write(fd, zeros)
    os.fsync(fd)
