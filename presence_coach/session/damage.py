"""What an sqlite3 error on the session store means for the user, in one line.

A damaged file (a corrupt page: bad disk, power loss during a write on a lying disk) is
named with the sessions that can and cannot still be read and the command that fixes it;
read-only and busy databases name their fix too. Functions take the store duck-typed
(``path``, ``dir``, ``db`` and its read methods), so this module does not import it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from presence_coach.errors import StoreBusyError, StoreDamagedError, StoreError

FIX_ALL = "`presence-coach forget --all` deletes everything"


def is_corruption(exc: BaseException) -> bool:
    """Whether an sqlite3 error says the file is damaged (not busy, not read-only)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    return type(exc) is sqlite3.DatabaseError


def explain(store: Any, exc: sqlite3.Error) -> StoreError:
    """A one-line error for an sqlite3 error on ``store``'s database, naming the fix."""
    text, path = str(exc), store.path
    if is_corruption(exc):
        return StoreDamagedError(damage_message(store, text))
    if "readonly" in text or "unable to open" in text:
        return StoreError(
            f"cannot write the session database {path} ({text}); make the folder and its "
            f"files yours and writable (`chmod 700 {store.dir}`, `chmod 600 {path}*`) or "
            "choose another folder with --data-dir"
        )
    if "locked" in text:
        return StoreBusyError(
            f"the session database {path} is busy ({text}): another presence-coach is "
            "writing to it; try again"
        )
    return StoreError(f"the session database {path}: {text}")


def damage_message(store: Any, detail: str) -> str:
    msg = f"the session database {store.path} is damaged ({detail})"
    try:
        readable, damaged = damage_report(store)
    except sqlite3.DatabaseError:
        return f"{msg} and its list of sessions cannot be read; {FIX_ALL}"
    if not damaged:
        return (
            f"{msg}, though every session can still be read; `presence-coach forget "
            f"SESSION` rebuilds the file without that session, {FIX_ALL}"
        )
    msg += f": {_sessions(damaged)} cannot be read"
    if readable:
        msg += f", {_sessions(readable)} can"
    return (
        f"{msg}; `presence-coach forget {damaged[0]}` deletes a damaged session and keeps the "
        f"rest, {FIX_ALL}"
    )


def quick_check(db: sqlite3.Connection) -> list[str]:
    """SQLite's ``PRAGMA quick_check`` (reads the whole file): ``["ok"]``, else up to about
    five problems, one a line."""
    try:
        rows = [r[0] for r in db.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        if not is_corruption(exc):
            raise
        return [str(exc)]
    lines = [line for r in rows for line in r.splitlines()]  # one row may hold several
    return [line for line in lines if not line.startswith("*** in database")]


def damage_report(store: Any) -> tuple[list[int], list[int]]:
    """``(readable, damaged)`` session ids, reading every row of every session once.

    Raises:
        sqlite3.DatabaseError: the list of sessions itself cannot be read.
    """
    ids = [r[0] for r in store.db.execute("SELECT id FROM sessions ORDER BY id")]
    readable, damaged = [], []
    for sid in ids:
        try:
            store.session(sid), store.notes(sid), store.events(sid)
            store.face_timeline(sid), store.voice_timeline(sid)
        except ValueError:  # a stored JSON text garbled by the damage
            damaged.append(sid)
        except sqlite3.DatabaseError as exc:
            if not is_corruption(exc):
                raise
            damaged.append(sid)
        else:
            readable.append(sid)
    return readable, damaged


def _sessions(ids: Sequence[int]) -> str:
    return f"session{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))}"
