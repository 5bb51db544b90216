"""The session store: one SQLite database per user (stdlib ``sqlite3``, WAL).

What is stored: sessions, a down-sampled face timeline (10 rows a second), the voice
timeline, events, the calibration used, and the user's own notes. Never frames or audio.

Writes are batched: :class:`SessionRecorder` keeps rows in memory and commits them about once
a second, so a crash or ``kill -9`` loses at most about a second. A session that was running
when the process died stays ``running`` until :meth:`SessionStore.recover` finalises it.
When a commit fails (a full disk) the rows wait in memory, at most :data:`MAX_PENDING_S` of
them, and the next flush tries again; what was committed before stays readable.

Who is running: the process that begins a session holds an OS lock on
``locks/session-N.lock`` until it finalises the session or dies (the OS releases it even on
``kill -9``), so recovery never takes a session that is still being recorded
(:meth:`SessionStore.is_running`, :meth:`SessionStore.hold_session_lock`). Every open store
also holds ``locks/store.lock`` shared; deleting or rebuilding the files takes it exclusive.

Privacy: the data folder is 0700 and its files 0600 (fixed at each open when they are ours);
deleting a session overwrites its rows (``secure_delete``, ``VACUUM``, WAL truncated).
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import errno
import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from presence_coach import __version__
from presence_coach.errors import (
    StoreBusyError,
    StoreDamagedError,
    StoreError,
    UnknownSessionError,
)
from presence_coach.session import damage
from presence_coach.session.damage import is_corruption
from presence_coach.session.datadir import DATA_ENV as DATA_ENV  # re-exported
from presence_coach.session.datadir import (
    DB_NAME,
    LOCKS_DIR,
    STORE_LOCK,
    data_dir_path,
    lock_file,
    prepare_folder,
    session_lock_path,
)
from presence_coach.session.datadir import default_data_dir as default_data_dir  # re-exported
from presence_coach.session.locks import FileLock

MAX_SESSION_ID = 2**63 - 1  # SQLite's largest INTEGER
FLUSH_EVERY_S = 1.0  # a crash loses at most about this much
FACE_ROW_HZ = 10.0  # face timeline rows per second (frames are 15-30 a second)
BUSY_TIMEOUT_S = 5.0
# while commits fail, rows of at most this much session time wait in memory (a few MB);
# older ones are dropped and counted
MAX_PENDING_S = 600.0
FULL_DISK_BYTES = 256 * 1024  # less free space than this: the disk counts as full

# Schema migrations: entry i brings the database from user_version i to i + 1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sessions (
        id          INTEGER PRIMARY KEY,
        started_at  TEXT NOT NULL,   -- ISO 8601 UTC, wall clock at session start
        ended_at    TEXT,            -- NULL while running (or after a crash, until recovered)
        kind        TEXT NOT NULL,   -- 'live' | 'recording'
        source      TEXT NOT NULL,   -- camera index, stream URL or file name
        status      TEXT NOT NULL,   -- 'running' | 'complete' | 'interrupted' | 'recovered'
        duration_s  REAL,            -- session-clock seconds covered
        calibration TEXT,            -- JSON of the calibration profile used; NULL = uncalibrated
        summary     TEXT,            -- JSON summary, written when the session is finalised
        app_version TEXT NOT NULL
    );
    CREATE TABLE face_timeline (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        t REAL NOT NULL, face INTEGER NOT NULL,
        yaw REAL, pitch REAL, roll REAL, gaze_h REAL, gaze_v REAL,
        smile REAL, blink REAL, jaw_open REAL, gaze TEXT, head TEXT
    );
    CREATE INDEX face_timeline_session ON face_timeline(session_id, t);
    CREATE TABLE voice_timeline (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        t REAL NOT NULL, speaking INTEGER NOT NULL, rms_dbfs REAL, f0_hz REAL
    );
    CREATE INDEX voice_timeline_session ON voice_timeline(session_id, t);
    CREATE TABLE events (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        type TEXT NOT NULL, start REAL NOT NULL, "end" REAL NOT NULL,
        attrs TEXT NOT NULL          -- JSON object
    );
    CREATE INDEX events_session ON events(session_id, type, start);
    CREATE TABLE notes (
        id         INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        text       TEXT NOT NULL
    );
    """,
    # 2: each finished session's trend numbers, so history does not re-read every session
    """
    CREATE TABLE trend_cache (
        session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
        computed_by TEXT NOT NULL,   -- what computed it (app version and keys): else stale
        numbers     TEXT NOT NULL    -- JSON object
    );
    """,
    # 3: what the user says about a session: a label (a pseudonym, optional), whether it counts
    # in "your usual" (the comparisons of later reports), and when a note was last edited
    """
    ALTER TABLE sessions ADD COLUMN label TEXT;  -- NULL: no label
    ALTER TABLE sessions ADD COLUMN in_usual INTEGER NOT NULL DEFAULT 1;  -- 0: left out
    ALTER TABLE notes ADD COLUMN edited_at TEXT;  -- NULL: never edited
    """,
    # 4: how the user felt before and after a session (the day view's one-tap check)
    """
    CREATE TABLE feelings (
        session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
        before INTEGER CHECK (before BETWEEN 1 AND 5),  -- NULL: not noted
        after  INTEGER CHECK (after BETWEEN 1 AND 5)    -- NULL: not noted
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

FACE_COLUMNS = (
    "t", "face", "yaw", "pitch", "roll", "gaze_h", "gaze_v", "smile", "blink", "jaw_open",
    "gaze", "head",
)  # fmt: skip
VOICE_COLUMNS = ("t", "speaking", "rms_dbfs", "f0_hz")
_SESSION_COLUMNS = (
    "id, started_at, ended_at, kind, source, status, duration_s, calibration, summary, label, "
    "in_usual"
)
MAX_LABEL_CHARS = 80  # a label is a short pseudonym, not a note
FEELING_RANGE = (1, 5)  # "how do I feel": 1 drained ... 5 energised (words: summary/day.py)


class SaveError(StoreError):
    """A write to the database failed; ``problem`` says why in a few calm words."""

    def __init__(self, message: str, problem: str) -> None:
        super().__init__(message)
        self.problem = problem  # e.g. "disk full"


def disk_is_full(path: Path) -> bool:
    """Whether the disk holding ``path`` has (next to) no space left for us."""
    try:
        st = os.statvfs(path)
    except (OSError, AttributeError):  # AttributeError: Windows
        return False
    return st.f_bavail * st.f_frsize < FULL_DISK_BYTES


def write_problem(exc: BaseException, data_dir: Path | None = None) -> str:
    """Why a write failed, in a few words ("disk full", "database busy", ...); an I/O error
    on a disk with no space left (e.g. growing the WAL index) is a full disk too."""
    name = str(getattr(exc, "sqlite_errorname", ""))
    if name == "SQLITE_FULL" or getattr(exc, "errno", None) == errno.ENOSPC:
        return "disk full"
    if name.startswith("SQLITE_IOERR") and data_dir is not None and disk_is_full(data_dir):
        return "disk full"
    if getattr(exc, "errno", None) == errno.EDQUOT:
        return "disk quota exceeded"
    if name.startswith("SQLITE_BUSY") or name.startswith("SQLITE_LOCKED"):
        return "database busy"
    if name.startswith("SQLITE_READONLY"):
        return "database read-only"
    if name.startswith("SQLITE_IOERR") or isinstance(exc, OSError):
        return "disk error"
    return f"database error ({exc})"


@contextlib.contextmanager
def saving(what: str, data_dir: Path) -> Iterator[None]:
    """Turn a failed database write into a :class:`SaveError` ("cannot <what>: disk full...")."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        problem = write_problem(exc, data_dir)
        fix = f"; free some space on the disk holding {data_dir}" if "disk" in problem else ""
        raise SaveError(f"cannot {what}: {problem}{fix}", problem) from None


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class SessionInfo:
    id: int
    started_at: str
    ended_at: str | None
    kind: str
    source: str
    status: str
    duration_s: float | None
    calibration: dict | None
    summary: dict | None
    label: str | None = None  # the user's label (a pseudonym), None: none
    in_usual: bool = True  # False: left out of "your usual" (the comparisons)


@dataclass(frozen=True)
class Note:
    """One of the user's notes on a session."""

    id: int  # the note's own number (for editing and deleting it)
    session_id: int
    created_at: str  # ISO 8601 UTC
    edited_at: str | None  # ISO 8601 UTC of the last edit, None: never edited
    text: str


@contextlib.contextmanager
def _private_umask() -> Iterator[None]:
    old = os.umask(0o077)  # SQLite creates -wal/-shm itself: make them owner-only too
    try:
        yield
    finally:
        os.umask(old)


@dataclass(frozen=True)
class RowCounts:
    """Timeline row counts of one session (:meth:`SessionStore.row_counts`)."""

    voice_rows: int  # voice timeline rows (10 a second while the microphone worked)
    voice_first_t: float | None  # session seconds of the first voice row (None: no rows)
    voice_last_t: float | None  # session seconds of the last voice row
    speaking_rows: int  # voice rows marked speaking
    face_rows: int  # face timeline rows (10 a second while the camera worked)
    face_first_t: float | None  # session seconds of the first face row
    face_last_t: float | None  # session seconds of the last face row


class SessionStore:
    """The user's database. Use as a context manager; ``close()`` is safe twice.

    An sqlite3 error leaving the ``with`` block becomes a one-line :class:`StoreError`
    (:meth:`explain`: damaged, read-only, busy).
    """

    def __init__(self, data_dir: str | Path | None = None) -> None:
        self.dir = data_dir_path(data_dir)
        self.path = self.dir / DB_NAME
        self._session_locks: dict[int, FileLock] = {}  # sessions this store is recording
        self._closed = True
        prepare_folder(self.dir)
        store_lock = lock_file(self.dir / LOCKS_DIR / STORE_LOCK, shared=True)
        if store_lock is None:
            raise StoreBusyError(
                f"the sessions in {self.dir} are being deleted or rebuilt by another "
                "presence-coach; try again when it has finished"
            )
        self._store_lock = store_lock
        try:
            self.db = self._connect()
        except BaseException:
            store_lock.release()
            raise
        self._closed = False

    def _connect(self) -> sqlite3.Connection:
        with _private_umask():
            try:
                db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
            except sqlite3.Error as exc:
                raise self._open_error(exc) from None
            try:
                db.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA foreign_keys=ON")
                self.db = db
                self._migrate()
            except BaseException as exc:
                db.close()
                if isinstance(exc, sqlite3.Error):
                    raise self._open_error(exc) from None
                raise
        return db

    def _open_error(self, exc: sqlite3.Error) -> StoreError:
        if write_problem(exc, self.dir) == "disk full":  # the file is fine
            return SaveError(
                f"cannot open the session database {self.path}: the disk holding it is full; "
                "free some space on it",
                "disk full",
            )
        if is_corruption(exc):
            return StoreDamagedError(
                f"cannot open the session database {self.path} ({exc}); it is damaged or not "
                "Presence Coach's: move the file aside to keep it, or `presence-coach forget "
                "--all` deletes it"
            )
        return damage.explain(self, exc)  # read-only, busy: no rows are read

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        try:
            if isinstance(exc, sqlite3.Error) and not self._closed:
                raise self.explain(exc) from exc
        finally:
            self.close()

    def close(self) -> None:
        """Close the database and give back every lock (a session still ``running`` in this
        store is then recoverable, as after a crash)."""
        if not self._closed:
            self._closed = True
            self.db.close()
            for lock in self._session_locks.values():
                lock.release(unlink=True)
            self._session_locks.clear()
            self._store_lock.release()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the session database {self.path} is from a newer Presence Coach "
                f"(schema {version} > {SCHEMA_VERSION}); update Presence Coach"
            )
        for i in range(version, SCHEMA_VERSION):
            with self.db:
                self.db.executescript(f"BEGIN; {MIGRATIONS[i]} PRAGMA user_version = {i + 1};")

    # ---- problems (presence_coach.session.damage) ---------------------------------------

    def explain(self, exc: sqlite3.Error) -> StoreError:
        """A one-line error for an sqlite3 error on this database, naming the fix."""
        return damage.explain(self, exc)

    def quick_check(self) -> list[str]:
        """``PRAGMA quick_check`` (reads the whole file): ``["ok"]``, else the problems."""
        return damage.quick_check(self.db)

    def damage_report(self) -> tuple[list[int], list[int]]:
        """``(readable, damaged)`` session ids (reads every row once)."""
        return damage.damage_report(self)

    # ---- who is recording --------------------------------------------------------------

    def is_running(self, session_id: int) -> bool:
        """Whether a live process (this one included) is recording the session: it holds
        the session's lock. A session left ``running`` by a dead process is not."""
        if session_id in self._session_locks:
            return True
        path = session_lock_path(self.dir, session_id)
        if not path.exists():
            return False
        lock = lock_file(path, create=False)
        if lock is None:
            return path.exists()  # still there: held; gone: its holder just finished
        lock.release()
        return False

    @contextlib.contextmanager
    def hold_session_lock(self, session_id: int) -> Iterator[None]:
        """Hold a session's lock for the ``with`` block, as its recording process does (no
        other process then takes it for running or recoverable). No-op if this store holds it.

        Raises:
            StoreBusyError: another live process holds it.
        """
        if session_id in self._session_locks:
            yield
            return
        lock = lock_file(session_lock_path(self.dir, session_id))
        if lock is None:
            raise StoreBusyError(
                f"session {session_id} is still running in another presence-coach; stop it "
                "there first"
            )
        try:
            yield
        finally:
            lock.release(unlink=True)

    def _release(self, session_id: int) -> None:
        lock = self._session_locks.pop(session_id, None)
        if lock is not None:
            lock.release(unlink=True)

    # ---- sessions ----------------------------------------------------------------------

    def begin_session(
        self, *, kind: str, source: str, calibration: Mapping[str, Any] | None = None
    ) -> int:
        """A new ``running`` session. This store holds its lock (taken before other
        processes can see the session) until :meth:`finalize`, :meth:`close` or death."""
        lock = None
        try:
            with self.db:  # the row is seen by others only once committed: locked by then
                cur = self.db.execute(
                    "INSERT INTO sessions (started_at, kind, source, status, calibration, "
                    "app_version) VALUES (?, ?, ?, 'running', ?, ?)",
                    (utc_now(), kind, source, _json(calibration), __version__),
                )
                session_id = int(cur.lastrowid or 0)
                lock = lock_file(session_lock_path(self.dir, session_id))
                if lock is None:
                    raise StoreBusyError(f"session {session_id} is locked by another process")
        except BaseException:
            if lock is not None:
                lock.release(unlink=True)
            raise
        self._session_locks[session_id] = lock
        return session_id

    def finalize(
        self, session_id: int, *, summary: Mapping[str, Any], status: str, duration_s: float
    ) -> None:
        """Record how a session ended. Its cached trend numbers are dropped (they are
        computed again in the new state) and this store's lock on it is given back."""
        with self.db:
            self.db.execute(
                "UPDATE sessions SET ended_at = ?, status = ?, summary = ?, duration_s = ? "
                "WHERE id = ?",
                (utc_now(), status, _json(summary), duration_s, session_id),
            )
            self.db.execute("DELETE FROM trend_cache WHERE session_id = ?", (session_id,))
        self._release(session_id)

    def sessions(self) -> list[SessionInfo]:
        rows = self.db.execute(f"SELECT {_SESSION_COLUMNS} FROM sessions ORDER BY id").fetchall()
        return [_info(r) for r in rows]

    def session(self, session_id: int) -> SessionInfo:
        row = None
        if 0 < session_id <= MAX_SESSION_ID:
            row = self.db.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?",
                (session_id,),
            ).fetchone()
        if row is None:
            raise UnknownSessionError(
                f"no session {session_id}; `presence-coach history` lists the sessions"
            )
        return _info(row)

    def unfinished(self) -> list[int]:
        """Sessions left ``running`` by a process that died (no live process holds them)."""
        ids = self.db.execute("SELECT id FROM sessions WHERE status='running' ORDER BY id")
        return [sid for (sid,) in ids.fetchall() if not self.is_running(sid)]

    def forget(self, session_id: int | None = None) -> int:
        """Delete one session (or all, with None) and everything recorded with it: rows,
        notes, feelings, cached trend numbers. Deleted rows are overwritten (``secure_delete``), the
        file compacted (``VACUUM``) and the WAL emptied, so nothing of them lingers.

        Raises:
            StoreError: no such session.
            StoreBusyError: a session to delete is running in another process.
            StoreDamagedError: ``PRAGMA quick_check`` finds the file damaged (nothing is
                deleted; :func:`presence_coach.session.salvage.rebuild_without` can).
        """
        if session_id is None:
            ids = [r[0] for r in self.db.execute("SELECT id FROM sessions")]
        else:
            ids = [self.session(session_id).id]
        for sid in ids:
            if sid not in self._session_locks and self.is_running(sid):
                raise StoreBusyError(
                    f"session {sid} is still running in another presence-coach; stop it "
                    "there, then forget it"
                )
        problems = self.quick_check()
        if problems != ["ok"]:
            raise StoreDamagedError(f"the session database {self.path} is damaged ({problems[0]})")
        with self.db:
            n = sum(
                self.db.execute("DELETE FROM sessions WHERE id = ?", (sid,)).rowcount for sid in ids
            )
        self.db.execute("VACUUM")  # no free pages keep deleted rows
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # nor old page copies in the WAL
        for sid in ids:
            self._release(sid)
            session_lock_path(self.dir, sid).unlink(missing_ok=True)  # a dead process's
        return n

    def cached_trend(self, session_id: int, computed_by: str) -> dict[str, Any] | None:
        """The trend numbers cached for a session by the same ``computed_by``, else None."""
        row = self.db.execute(
            "SELECT numbers FROM trend_cache WHERE session_id = ? AND computed_by = ?",
            (session_id, computed_by),
        ).fetchone()
        return None if row is None else json.loads(row[0])

    def cache_trend(self, session_id: int, computed_by: str, numbers: Mapping[str, Any]) -> None:
        """Keep a finished session's trend numbers (best effort: a busy, read-only or damaged
        database just means they are computed again next time)."""
        with contextlib.suppress(sqlite3.DatabaseError), self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO trend_cache (session_id, computed_by, numbers) "
                "VALUES (?, ?, ?)",
                (session_id, computed_by, _json(numbers)),
            )

    def add_note(self, session_id: int, text: str) -> None:
        self.session(session_id)
        with self.db:
            self.db.execute(
                "INSERT INTO notes (session_id, created_at, text) VALUES (?, ?, ?)",
                (session_id, utc_now(), text),
            )

    def notes(self, session_id: int) -> list[tuple[str, str]]:
        return self.db.execute(
            "SELECT created_at, text FROM notes WHERE session_id = ? ORDER BY id", (session_id,)
        ).fetchall()

    def note_list(self, session_id: int) -> list[Note]:
        """A session's notes with their numbers, oldest first."""
        rows = self.db.execute(
            "SELECT id, session_id, created_at, edited_at, text FROM notes WHERE session_id = ? "
            "ORDER BY id",
            (session_id,),
        ).fetchall()
        return [Note(*r) for r in rows]

    def edit_note(self, note_id: int, text: str) -> None:
        """Replace a note's text (the old text is overwritten on disk: ``secure_delete``)."""
        with self.db:
            cur = self.db.execute(
                "UPDATE notes SET text = ?, edited_at = ? WHERE id = ?", (text, utc_now(), note_id)
            )
        if cur.rowcount == 0:
            raise StoreError(f"there is no note {note_id}; it may have been deleted")

    def delete_note(self, note_id: int) -> None:
        """Delete a note (overwritten on disk); deleting one already gone is not an error."""
        with self.db:
            self.db.execute("DELETE FROM notes WHERE id = ?", (note_id,))

    def set_label(self, session_id: int, label: str | None) -> None:
        """Give a session a label (a pseudonym; blank or None removes it)."""
        label = (label or "").strip() or None
        if label is not None and len(label) > MAX_LABEL_CHARS:
            raise StoreError(
                f"a label is at most {MAX_LABEL_CHARS} characters; keep longer thoughts in a note"
            )
        self.session(session_id)
        with self.db:
            self.db.execute("UPDATE sessions SET label = ? WHERE id = ?", (label, session_id))

    def set_in_usual(self, session_id: int, in_usual: bool) -> None:
        """Count a session in "your usual" (the comparisons of later reports), or leave it out."""
        self.session(session_id)
        with self.db:
            self.db.execute(
                "UPDATE sessions SET in_usual = ? WHERE id = ?", (int(in_usual), session_id)
            )

    def set_feeling(
        self, session_id: int, *, before: int | None = None, after: int | None = None
    ) -> None:
        """Note how the user felt before and/or after a session (1..5; None keeps what was
        noted). Deleted with the session (``forget``)."""
        low, high = FEELING_RANGE
        for value in (before, after):
            if value is not None and not low <= value <= high:
                raise StoreError(f"a feeling is a number from {low} to {high}, not {value}")
        self.session(session_id)
        with self.db:
            self.db.execute(
                "INSERT INTO feelings (session_id, before, after) VALUES (?, ?, ?) "
                "ON CONFLICT (session_id) DO UPDATE SET before = coalesce(excluded.before, "
                "before), after = coalesce(excluded.after, after)",
                (session_id, before, after),
            )

    def clear_feeling(self, session_id: int) -> None:
        """Remove what was noted about how the user felt around a session."""
        self.session(session_id)
        with self.db:
            self.db.execute("DELETE FROM feelings WHERE session_id = ?", (session_id,))

    def feelings(self) -> dict[int, tuple[int | None, int | None]]:
        """``{session id: (before, after)}`` of the sessions with a feeling noted."""
        rows = self.db.execute("SELECT session_id, before, after FROM feelings").fetchall()
        return {sid: (before, after) for sid, before, after in rows}

    # ---- rows --------------------------------------------------------------------------

    def face_timeline(self, session_id: int) -> list[dict[str, Any]]:
        return self._rows("face_timeline", FACE_COLUMNS, session_id)

    def voice_timeline(self, session_id: int) -> list[dict[str, Any]]:
        return self._rows("voice_timeline", VOICE_COLUMNS, session_id)

    def events(self, session_id: int, type_: str | None = None) -> list[dict[str, Any]]:
        sql = 'SELECT type, start, "end", attrs FROM events WHERE session_id = ?'
        args: tuple = (session_id,)
        if type_:
            sql += " AND type = ?"
            args += (type_,)
        rows = self.db.execute(sql + " ORDER BY start, rowid", args).fetchall()
        return [{"type": r[0], "start": r[1], "end": r[2], **json.loads(r[3])} for r in rows]

    def row_counts(self, session_id: int) -> RowCounts:
        """How many timeline rows a session has and when they start and end (SQL counts,
        never the rows themselves)."""
        voice, voice_first, voice_last, speaking = self.db.execute(
            "SELECT COUNT(*), MIN(t), MAX(t), TOTAL(speaking) FROM voice_timeline "
            "WHERE session_id = ?",
            (session_id,),
        ).fetchone()
        face, face_first, face_last = self.db.execute(
            "SELECT COUNT(*), MIN(t), MAX(t) FROM face_timeline WHERE session_id = ?",
            (session_id,),
        ).fetchone()
        return RowCounts(voice, voice_first, voice_last, int(speaking), face, face_first, face_last)

    def gaze_counts(self, session_id: int) -> dict[str, int]:
        """Face-in-view rows of a session by gaze state ("unknown" when none was given)."""
        cur = self.db.execute(
            "SELECT gaze, COUNT(*) FROM face_timeline WHERE session_id = ? AND face = 1 "
            "GROUP BY gaze",
            (session_id,),
        )
        out: dict[str, int] = {}
        for gaze, n in cur:
            key = str(gaze or "unknown")
            out[key] = out.get(key, 0) + n
        return out

    def speaking_share(self, session_id: int, start_s: float, end_s: float) -> float | None:
        """Share of the voice rows starting in [``start_s``, ``end_s``) marked speaking; None
        without rows there."""
        share, n = self.db.execute(
            "SELECT AVG(speaking), COUNT(*) FROM voice_timeline WHERE session_id = ? "
            "AND t >= ? AND t < ?",
            (session_id, start_s, end_s),
        ).fetchone()
        return float(share) if n else None

    def _rows(self, table: str, columns: Sequence[str], session_id: int) -> list[dict[str, Any]]:
        cols = ", ".join(columns)
        cur = self.db.execute(
            f"SELECT {cols} FROM {table} WHERE session_id = ? ORDER BY t", (session_id,)
        )
        return [dict(zip(columns, r, strict=True)) for r in cur]

    def write_batch(
        self,
        session_id: int,
        *,
        face: Sequence[Sequence[Any]] = (),
        voice: Sequence[Sequence[Any]] = (),
        events: Sequence[tuple[str, float, float, str]] = (),
    ) -> None:
        """Commit rows in one transaction (all or none).

        Raises:
            SaveError: the commit failed (e.g. the disk is full); nothing was written.
        """
        with saving(f"save session {session_id}", self.dir), self.db:
            if face:
                self.db.executemany(
                    f"INSERT INTO face_timeline (session_id, {', '.join(FACE_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * (len(FACE_COLUMNS) + 1))})",
                    [(session_id, *row) for row in face],
                )
            if voice:
                self.db.executemany(
                    f"INSERT INTO voice_timeline (session_id, {', '.join(VOICE_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * (len(VOICE_COLUMNS) + 1))})",
                    [(session_id, *row) for row in voice],
                )
            if events:
                self.db.executemany(
                    'INSERT INTO events (session_id, type, start, "end", attrs) '
                    "VALUES (?, ?, ?, ?, ?)",
                    [(session_id, *e) for e in events],
                )


class SessionRecorder:
    """Batches one session's rows and commits them about once a second.

    ``add_*`` may be called from the video and audio threads; ``maybe_flush(now)`` is cheap
    and commits when :data:`FLUSH_EVERY_S` has passed. Face rows are thinned to
    :data:`FACE_ROW_HZ` (the first frame of each slot is kept).

    A failed commit loses nothing at once: the rows wait for the next flush (see
    :meth:`flush`), and ``problem``, ``saved_until_s`` and ``dropped_rows`` say how saving
    goes.
    """

    def __init__(
        self, store: SessionStore, session_id: int, *, max_pending_s: float = MAX_PENDING_S
    ) -> None:
        self.store = store
        self.session_id = session_id
        self.max_pending_s = max_pending_s  # session time of rows kept while commits fail
        self._face: list[tuple] = []
        self._voice: list[tuple] = []
        self._events: list[tuple[str, float, float, str]] = []
        self._next_face_slot = -math.inf
        self._last_flush = time.monotonic()
        self._lock = threading.Lock()
        self.rows_written = 0
        self.problem: str | None = None  # why the last commit failed; None once one succeeds
        self.saved_until_s = 0.0  # session time of the newest committed row
        self.dropped_rows = 0  # rows (and events) dropped while commits failed
        self.dropped_span_s: tuple[float, float] | None = None  # their session times

    def add_face(self, sample: Any, state: Mapping[str, str]) -> None:
        slot = math.floor(sample.t * FACE_ROW_HZ)
        if slot < self._next_face_slot:
            return
        self._next_face_slot = slot + 1
        features = [_num(getattr(sample, k)) for k in FACE_COLUMNS[2:10]]
        row = (sample.t, int(sample.face), *features, state.get("gaze", ""), state.get("head", ""))
        with self._lock:
            self._face.append(row)

    def add_voice(self, rows: Iterable[Any]) -> None:
        new = [(r.t, int(r.speaking), _num(r.rms_dbfs), _num(r.f0_hz)) for r in rows]
        with self._lock:
            self._voice += new

    def add_events(self, events: Iterable[Mapping[str, Any]]) -> None:
        """Events as flat dicts with ``type``, ``start``, ``end`` and attributes."""
        new = []
        for e in events:
            attrs = {k: v for k, v in e.items() if k not in ("type", "start", "end")}
            new.append((str(e["type"]), float(e["start"]), float(e["end"]), _json(attrs) or "{}"))
        with self._lock:
            self._events += new

    def maybe_flush(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if now - self._last_flush < FLUSH_EVERY_S:
            return False
        self.flush(now)
        return True

    def flush(self, now: float | None = None) -> bool:
        """Commit the rows added since the last commit; True when none is left unsaved.

        When the commit fails (a full disk, ...) nothing is lost yet: the rows wait for the
        next flush, ``problem`` says why, and False is returned. Only the newest
        ``max_pending_s`` of session time waits; older rows are dropped and counted
        (``dropped_rows``, ``dropped_span_s``). One thread at a time may flush.
        """
        with self._lock:
            face, voice, events = self._face, self._voice, self._events
            self._face, self._voice, self._events = [], [], []
        self._last_flush = time.monotonic() if now is None else now
        if face or voice or events:
            try:
                self.store.write_batch(self.session_id, face=face, voice=voice, events=events)
            except SaveError as exc:
                self.problem = exc.problem
                with self._lock:
                    self._face, self._voice = face + self._face, voice + self._voice
                    self._events = events + self._events
                    self._bound_pending()
                return False
            self.rows_written += len(face) + len(voice) + len(events)
            newest = [rows[-1][0] for rows in (face, voice) if rows]
            self.saved_until_s = max([self.saved_until_s, *newest])
        self.problem = None
        return True

    def pending_span_s(self) -> tuple[float, float] | None:
        """Session times of the first and last rows not saved yet (None: all saved)."""
        with self._lock:
            times = [t for rows in (self._face, self._voice) for t in (rows[:1] + rows[-1:])]
        return (min(t[0] for t in times), max(t[0] for t in times)) if times else None

    def _bound_pending(self) -> None:
        """Drop waiting rows older than ``max_pending_s`` before the newest (under the lock)."""
        newest = max((rows[-1][0] for rows in (self._face, self._voice) if rows), default=None)
        if newest is None:
            return
        cutoff = newest - self.max_pending_s
        dropped = []
        for name in ("_face", "_voice"):
            rows = getattr(self, name)
            n = bisect.bisect_left(rows, cutoff, key=lambda r: r[0])
            dropped += rows[:n]
            setattr(self, name, rows[n:])
        if not dropped:
            return
        kept_events = [e for e in self._events if e[2] >= cutoff]
        self.dropped_rows += len(dropped) + len(self._events) - len(kept_events)
        self._events = kept_events
        times = [r[0] for r in dropped] + list(self.dropped_span_s or ())
        self.dropped_span_s = (min(times), max(times))


def _num(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, allow_nan=False, default=_jsonable)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def _info(row: Sequence[Any]) -> SessionInfo:
    return SessionInfo(
        id=row[0],
        started_at=row[1],
        ended_at=row[2],
        kind=row[3],
        source=row[4],
        status=row[5],
        duration_s=row[6],
        calibration=json.loads(row[7]) if row[7] else None,
        summary=json.loads(row[8]) if row[8] else None,
        label=row[9],
        in_usual=bool(row[10]),
    )
