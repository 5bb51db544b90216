"""Rebuilding a damaged session database without one session (``forget N`` on a damaged file).

SQLite cannot delete rows through a corrupt page, nor compact a damaged file, so the sessions
to keep are copied into a new file (one bulk copy per session and table; row by row where
that fails) and the new file replaces the old one. What can be read is kept; the forgotten
session goes with the old file. No other process has the store open meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from presence_coach.errors import StoreDamagedError, UnknownSessionError
from presence_coach.session.damage import is_corruption
from presence_coach.session.datadir import DB_NAME, PRIVATE_FILE_MODE, db_files, exclusive_store
from presence_coach.session.store import MIGRATIONS

ROW_TABLES = ("face_timeline", "voice_timeline", "events", "notes", "feelings")  # not trend_cache


@dataclass(frozen=True)
class Rebuilt:
    """What a rebuild kept."""

    whole: list[int]  # sessions copied with every row
    partly: list[int]  # sessions of which some rows could not be read (the rest is kept)
    lost: list[int]  # sessions whose own entry could not be read (not kept)


def rebuild_without(folder: Path, session_id: int) -> Rebuilt:
    """Replace the database in ``folder`` by a copy of everything readable but ``session_id``.

    Raises:
        StoreBusyError: another presence-coach has the store open.
        StoreDamagedError: the list of sessions cannot be read (only deleting everything can).
        UnknownSessionError: no such session.
    """
    db_path = folder / DB_NAME
    tmp = folder / f".rebuild-{os.getpid()}.sqlite3"
    with exclusive_store(folder):
        tmp.unlink(missing_ok=True)
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
        try:
            result = _copy_into(db_path, tmp, session_id)
            for side in db_files(folder)[1:]:
                side.unlink(missing_ok=True)  # they belong to the old file
            os.replace(tmp, db_path)
        finally:
            tmp.unlink(missing_ok=True)
    return result


def _copy_into(db_path: Path, tmp: Path, session_id: int) -> Rebuilt:
    src = sqlite3.connect(db_path)
    dest = sqlite3.connect(tmp)
    try:
        ids = _session_ids(src, db_path)
        if session_id not in ids:
            raise UnknownSessionError(
                f"no session {session_id}; `presence-coach history` lists the sessions"
            )
        for i, script in enumerate(MIGRATIONS):
            dest.executescript(f"BEGIN; {script} PRAGMA user_version = {i + 1}; COMMIT;")
        with dest:
            return _copy_sessions(src, dest, [i for i in ids if i != session_id])
    finally:
        src.close()
        dest.close()


def _session_ids(src: sqlite3.Connection, db_path: Path) -> list[int]:
    try:
        return [r[0] for r in src.execute("SELECT id FROM sessions ORDER BY id")]
    except sqlite3.DatabaseError as exc:
        if not is_corruption(exc):
            raise
        raise StoreDamagedError(
            f"the session database {db_path} is damaged ({exc}) and its list of sessions "
            "cannot be read; `presence-coach forget --all` deletes everything"
        ) from None


def _copy_sessions(src: sqlite3.Connection, dest: sqlite3.Connection, ids: list[int]) -> Rebuilt:
    whole, partly, lost = [], [], []
    for sid in ids:
        session, _ = _read(src, "sessions", "id", sid)
        if not session:
            lost.append(sid)
            continue
        _insert(dest, "sessions", session)
        complete = True
        for table in ROW_TABLES:
            rows, ok = _read(src, table, "session_id", sid)
            _insert(dest, table, rows)
            complete &= ok
        (whole if complete else partly).append(sid)
    return Rebuilt(whole, partly, lost)


def _insert(dest: sqlite3.Connection, table: str, rows: list[tuple]) -> None:
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        dest.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)


def _read(src: sqlite3.Connection, table: str, key: str, sid: int) -> tuple[list[tuple], bool]:
    """One session's rows of ``table``, and whether every one of them could be read."""
    try:
        return src.execute(f"SELECT * FROM {table} WHERE {key} = ?", (sid,)).fetchall(), True
    except sqlite3.DatabaseError as exc:
        if not is_corruption(exc):
            raise
    rowids, complete = _rowids(src, table, key, sid)
    rows = []
    for rowid in rowids:
        try:
            row = src.execute(f"SELECT * FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
        except sqlite3.DatabaseError as exc:
            if not is_corruption(exc):
                raise
            row = None
        if row is None:  # on a damaged page (which may also just look empty)
            complete = False
        else:
            rows.append(row)
    return rows, complete


def _rowids(src: sqlite3.Connection, table: str, key: str, sid: int) -> tuple[list[int], bool]:
    """The session's row ids found through the index and by a plain scan (each stops at a
    damaged page); True when one of them read to the end."""
    found: set[int] = set()
    complete = False
    for how in ("", "NOT INDEXED"):
        with contextlib.suppress(sqlite3.DatabaseError):
            sql = f"SELECT rowid FROM {table} {how} WHERE {key} = ?"
            for (rowid,) in src.execute(sql, (sid,)):
                found.add(rowid)
            complete = True
    return sorted(found), complete
