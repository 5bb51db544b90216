"""How the user felt before and after a session (the day view's check): stored, updated,
checked, migrated onto an older database and deleted with the session. Real SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from presence_coach.session.store import MIGRATIONS, SCHEMA_VERSION, SessionStore, StoreError


def test_a_version_3_database_gains_feelings_and_keeps_its_sessions(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "presence-coach.sqlite3")
    for i in (0, 1, 2):
        db.executescript(f"BEGIN; {MIGRATIONS[i]} PRAGMA user_version = {i + 1}; COMMIT;")
    db.execute(
        "INSERT INTO sessions (started_at, kind, source, status, app_version, label) "
        "VALUES ('2026-11-01T10:00:00+00:00', 'live', '0', 'complete', '0.1.0', 'R.')"
    )
    db.commit()
    db.close()
    with SessionStore(tmp_path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 4
        (info,) = store.sessions()
        assert info.label == "R." and store.feelings() == {}
        store.set_feeling(1, before=2)
        assert store.feelings() == {1: (2, None)}


def test_feelings_are_set_updated_checked_and_forgotten(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        a = store.begin_session(kind="live", source="0")
        b = store.begin_session(kind="live", source="0")
        store.set_feeling(a, before=3)
        store.set_feeling(a, after=2)  # the before is kept
        store.set_feeling(b, before=5, after=1)
        assert store.feelings() == {a: (3, 2), b: (5, 1)}
        store.set_feeling(a, before=4)
        assert store.feelings()[a] == (4, 2)
        for bad in (0, 6, -1):
            with pytest.raises(StoreError, match="from 1 to 5"):
                store.set_feeling(a, after=bad)
        assert store.feelings()[a] == (4, 2)  # a refused value changes nothing
        with pytest.raises(StoreError, match="no session 99"):
            store.set_feeling(99, before=3)
        store.clear_feeling(b)
        assert store.feelings() == {a: (4, 2)}
        store.finalize(a, summary={}, status="complete", duration_s=1.0)
        store.finalize(b, summary={}, status="complete", duration_s=1.0)
        assert store.forget(a) == 1
        assert store.feelings() == {}
        assert store.db.execute("SELECT COUNT(*) FROM feelings").fetchone()[0] == 0
