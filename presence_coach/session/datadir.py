"""The data folder: where it is, its private modes, the store lock, removing everything.

Layout (all owner-only: folders 0700, files 0600)::

    presence-coach.sqlite3 (+ -wal, -shm)   the session store
    locks/store.lock                         held shared by every open store
    locks/session-N.lock                     held by the process recording session N
    reports/session-N.html                   report pages written by the CLI
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import platformdirs

from presence_coach.errors import StoreBusyError, StoreError
from presence_coach.session.locks import FileLock, try_lock

DATA_ENV = "PRESENCE_COACH_DATA"
DB_NAME = "presence-coach.sqlite3"
DB_SIDE_FILES = ("-wal", "-shm", "-journal")  # what SQLite keeps beside the database
LOCKS_DIR = "locks"
STORE_LOCK = "store.lock"
REPORTS_DIR = "reports"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
FOLDER_FIX = "choose another folder with --data-dir"


def default_data_dir() -> Path:
    """``$PRESENCE_COACH_DATA`` if set, else the per-user data dir."""
    env = os.environ.get(DATA_ENV)
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir("presence-coach"))


def data_dir_path(data_dir: str | Path | None) -> Path:
    """The folder meant by a ``--data-dir`` value (None: the default)."""
    return Path(data_dir).expanduser() if data_dir else default_data_dir()


def db_files(folder: Path) -> list[Path]:
    """The database and the files SQLite keeps beside it."""
    db = folder / DB_NAME
    return [db, *(db.with_name(db.name + suffix) for suffix in DB_SIDE_FILES)]


def session_lock_path(folder: Path, session_id: int) -> Path:
    return folder / LOCKS_DIR / f"session-{int(session_id)}.lock"


def prepare_folder(folder: Path) -> None:
    """Create the data folder and its lock folder; give them and the database files their
    private modes (a file left 0644 or read-only by anything is set back to 0600).

    Raises:
        StoreError: something there belongs to another user (or is on a read-only disk) and
            cannot be fixed; the message names it and the fix.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    except OSError as exc:
        raise StoreError(
            f"cannot use data folder {folder} ({exc.strerror}); {FOLDER_FIX}"
        ) from None
    make_private(folder, PRIVATE_DIR_MODE)
    locks = folder / LOCKS_DIR
    with contextlib.suppress(FileExistsError):
        locks.mkdir(mode=PRIVATE_DIR_MODE)
    for sub in (locks, folder / REPORTS_DIR):
        make_private(sub, PRIVATE_DIR_MODE)
    for path in (*db_files(folder), locks / STORE_LOCK):
        make_private(path, PRIVATE_FILE_MODE)


def make_private(path: Path, mode: int) -> None:
    """Give an existing data file or folder ``mode`` and check this user can write it.

    Raises:
        StoreError: it cannot be changed or written (another user's, a read-only disk).
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    try:
        if stat.S_IMODE(st.st_mode) != mode:
            os.chmod(path, mode)
    except PermissionError:
        raise StoreError(_not_yours(path, st)) from None
    except OSError as exc:
        raise StoreError(f"cannot use {path} ({exc.strerror}); {FOLDER_FIX}") from None
    need = os.R_OK | os.W_OK | (os.X_OK if stat.S_ISDIR(st.st_mode) else 0)
    if not os.access(path, need):
        raise StoreError(_not_yours(path, st))


def _not_yours(path: Path, st: os.stat_result) -> str:
    return (
        f"cannot use {path}: it belongs to another user (uid {st.st_uid}) and is not "
        f"writable for you; make it yours (`sudo chown -R $USER {path}`) or {FOLDER_FIX}"
    )


def lock_file(path: Path, *, shared: bool = False, create: bool = True) -> FileLock | None:
    """:func:`~presence_coach.session.locks.try_lock` with a one-line error."""
    try:
        return try_lock(path, shared=shared, create=create)
    except OSError as exc:
        raise StoreError(
            f"cannot use lock file {path} ({exc.strerror}); make the data folder yours and "
            f"writable, or {FOLDER_FIX}"
        ) from None


@contextlib.contextmanager
def exclusive_store(folder: Path) -> Iterator[None]:
    """Hold the store lock exclusively: no other process has the session store open.

    Raises:
        StoreBusyError: another presence-coach (a session, a report, history) has it open.
    """
    prepare_folder(folder)
    lock = lock_file(folder / LOCKS_DIR / STORE_LOCK)
    if lock is None:
        raise StoreBusyError(
            f"another presence-coach (a session, report or history) is using {folder}; "
            "close it, then try again"
        )
    try:
        yield
    finally:
        lock.release()


def delete_store_files(folder: Path) -> None:
    """Remove the database, its side files and the session locks, with no other process
    using them; works when SQLite cannot read the file at all.

    Raises:
        StoreBusyError: another presence-coach has the store open.
        StoreError: a file cannot be removed.
    """
    with exclusive_store(folder):
        for path in (*db_files(folder), *(folder / LOCKS_DIR).glob("session-*.lock")):
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot delete {path} ({exc.strerror})") from None
