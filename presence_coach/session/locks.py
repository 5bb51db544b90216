"""File locks the operating system releases when the holding process dies (even by kill -9).

POSIX: ``flock`` on a small lock file, shared or exclusive. Windows: ``msvcrt.locking`` on
its first byte, exclusive only; there a shared request takes no lock (Windows refuses to
delete or replace a file another process has open, which is what the shared lock guards).

Locks are per open file: a second :func:`try_lock` of the same file in the same process
conflicts with the first, as another process's would.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

LOCK_FILE_MODE = 0o600
_RETRIES = 3  # the file was replaced between open and lock: try the new one


class FileLock:
    """A held lock; :meth:`release` (safe twice) or process exit gives it back."""

    def __init__(self, fd: int, path: Path, *, locked: bool) -> None:
        self.fd: int | None = fd
        self.path = path
        self._locked = locked  # False: a Windows shared request (nothing to unlock)

    def release(self, *, unlink: bool = False) -> None:
        """Give the lock back; with ``unlink`` remove the file first (while still held)."""
        if self.fd is None:
            return
        if unlink:
            with contextlib.suppress(OSError):
                self.path.unlink()
        if self._locked and sys.platform == "win32":
            import msvcrt

            with contextlib.suppress(OSError):
                os.lseek(self.fd, 0, os.SEEK_SET)
                msvcrt.locking(self.fd, msvcrt.LK_UNLCK, 1)
        os.close(self.fd)  # POSIX: closing the last descriptor releases the flock
        self.fd = None


def try_lock(path: Path, *, shared: bool = False, create: bool = True) -> FileLock | None:
    """Take the lock on ``path`` without waiting.

    Returns None when another holder has it, or when the file does not exist and not
    ``create``. Raises OSError when the file cannot be opened or created.
    """
    for _ in range(_RETRIES):
        try:
            fd = os.open(path, os.O_RDWR | (os.O_CREAT if create else 0), LOCK_FILE_MODE)
        except FileNotFoundError:
            if create:
                raise
            return None
        if not _lock_fd(fd, shared=shared):
            os.close(fd)
            return None
        if _same_file(fd, path):
            return FileLock(fd, path, locked=not (shared and sys.platform == "win32"))
        os.close(fd)  # its holder removed it as we opened it; lock the current file
        if not create and not path.exists():
            return None
    return None


def _lock_fd(fd: int, *, shared: bool) -> bool:
    if sys.platform == "win32":
        if shared:
            return True
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd`` (not removed or replaced)."""
    if sys.platform == "win32":
        return True  # an open file cannot be removed there
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    return os.path.samestat(os.fstat(fd), st)
