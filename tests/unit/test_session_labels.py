"""What the user says about a session (the app's sessions list): a label, notes that can be
edited and deleted, and leaving a session out of "your usual". Real SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from presence_coach.session.store import (
    MAX_LABEL_CHARS,
    MIGRATIONS,
    SCHEMA_VERSION,
    SessionRecorder,
    SessionStore,
    StoreError,
)
from presence_coach.summary.history import history, previous_medians, render_history_text
from presence_coach.summary.report import render_report
from presence_coach.summary.session import summary_from_store
from presence_coach.vision.face import FaceSample


def _face(t: float) -> FaceSample:
    return FaceSample(t=t, face=True, yaw=0.0, pitch=0.0, roll=0.0, gaze_h_left=0.0,
                      gaze_v_left=0.0, gaze_h_right=0.0, gaze_v_right=0.0, smile=0.0,
                      blink=0.0, jaw_open=0.0)  # fmt: skip


def _minute_with_nods(store: SessionStore, nods: int) -> int:
    """A finished 60 s session with a face throughout and ``nods`` nods."""
    sid = store.begin_session(kind="live", source="0")
    rec = SessionRecorder(store, sid)
    for i in range(600):
        rec.add_face(_face(i / 10), {"gaze": "camera", "head": ""})
    rec.add_events([{"type": "nod", "start": 2.0 * i, "end": 2.0 * i + 0.5} for i in range(nods)])
    rec.flush()
    store.finalize(sid, summary={}, status="complete", duration_s=60.0)
    return sid


def test_a_version_2_database_gains_labels_and_keeps_sessions_and_notes(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "presence-coach.sqlite3")
    for i in (0, 1):
        db.executescript(f"BEGIN; {MIGRATIONS[i]} PRAGMA user_version = {i + 1}; COMMIT;")
    db.execute(
        "INSERT INTO sessions (started_at, kind, source, status, app_version) "
        "VALUES ('2026-11-01T10:00:00+00:00', 'live', '0', 'complete', '0.1.0')"
    )
    db.execute("INSERT INTO notes (session_id, created_at, text) VALUES (1, 'then', 'kept')")
    db.commit()
    db.close()
    with SessionStore(tmp_path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 3
        (info,) = store.sessions()
        assert (info.label, info.in_usual) == (None, True)
        (note,) = store.note_list(1)
        assert (note.text, note.edited_at) == ("kept", None)


def test_notes_are_added_edited_and_deleted_and_the_old_text_is_gone(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        sid = _minute_with_nods(store, 1)
        store.add_note(sid, "What moved me: the long silence after her question")
        store.add_note(sid, "Bring to supervision: my urge to fill silences")
        first, second = store.note_list(sid)
        store.edit_note(first.id, "What moved me: the silence, and that I let it be")
        store.delete_note(second.id)
        (edited,) = store.note_list(sid)
        assert edited.id == first.id and edited.edited_at is not None
        assert edited.text == "What moved me: the silence, and that I let it be"
        assert store.notes(sid) == [(first.created_at, edited.text)]
        with pytest.raises(StoreError, match="no note"):
            store.edit_note(second.id, "too late")
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = (tmp_path / "presence-coach.sqlite3").read_bytes()
    assert b"urge to fill silences" not in raw  # deleted: overwritten (secure_delete)
    assert b"after her question" not in raw  # edited: the old text is overwritten too


def test_a_label_is_optional_short_and_shown_on_the_report(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        sid = _minute_with_nods(store, 1)
        store.set_label(sid, "  Client R.  ")
        assert store.session(sid).label == "Client R."
        summary = summary_from_store(store, sid)
        assert summary["session"]["label"] == "Client R."
        assert "Client R. ·" in render_report(summary)
        store.set_label(sid, "")
        assert store.session(sid).label is None
        with pytest.raises(StoreError, match=f"at most {MAX_LABEL_CHARS} characters"):
            store.set_label(sid, "x" * (MAX_LABEL_CHARS + 1))
        with pytest.raises(StoreError, match="no session 99"):
            store.set_label(99, "nobody")


def test_a_session_left_out_of_your_usual_is_not_compared_with(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        first, unusual, third = (_minute_with_nods(store, n) for n in (2, 20, 4))
        # usual="all": these one-minute sessions are too short for the default usual
        before = previous_medians(history(store), session_id=third, usual="all")
        assert (before["sessions"], before["medians"]["nods_per_min"]) == (2, 11.0)
        store.set_in_usual(unusual, False)
        h = history(store)
        after = previous_medians(h, session_id=third, usual="all")
        assert (after["sessions"], after["medians"]["nods_per_min"]) == (1, 2.0)
        assert [r["in_usual"] for r in h["sessions"]] == [True, False, True]
        assert "* left out of your usual" in render_history_text(h)
        page = render_report(summary_from_store(store, unusual), history=h)
        assert "You left this session out of your usual" in page
        store.set_in_usual(unusual, True)
        assert previous_medians(history(store), session_id=third, usual="all")["sessions"] == 2
        assert first == 1
