"""The session store: schema, batching, privacy, crash safety (real SQLite, real processes)."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from presence_coach.session.live import recover_sessions
from presence_coach.session.salvage import rebuild_without
from presence_coach.session.store import (
    FACE_ROW_HZ,
    FLUSH_EVERY_S,
    MIGRATIONS,
    SCHEMA_VERSION,
    SessionRecorder,
    SessionStore,
    StoreBusyError,
    StoreDamagedError,
    StoreError,
)
from presence_coach.vision.face import FaceSample
from presence_coach.voice import TimelineRow
from tests.damage import corrupt_rows_of


def _sample(t: float, face: bool = True) -> FaceSample:
    if not face:
        return FaceSample(t=t, face=False)
    return FaceSample(t=t, face=True, yaw=1.0, pitch=-2.0, roll=0.5, gaze_h_left=0.1,
                      gaze_v_left=0.0, gaze_h_right=0.1, gaze_v_right=0.0, smile=0.2, blink=0.1,
                      jaw_open=0.05)  # fmt: skip


def test_round_trip_with_thinning_and_events(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "data") as store:
        sid = store.begin_session(kind="recording", source="clip.mp4", calibration=None)
        rec = SessionRecorder(store, sid)
        for i in range(90):  # 3 s at 30 fps
            rec.add_face(_sample(i / 30, face=i % 10 != 0), {"gaze": "camera", "head": ""})
        rec.add_voice([TimelineRow(t=0.0, speaking=1, rms_dbfs=-23.5, f0_hz=float("nan"))])
        rec.add_events([{"type": "nod", "start": 1.0, "end": 1.6, "cycles": 2}])
        rec.flush()
        store.finalize(sid, summary={"frames": 90}, status="complete", duration_s=3.0)

        face = store.face_timeline(sid)
        assert len(face) == 3 * FACE_ROW_HZ  # 30 fps thinned to 10 rows a second
        assert [r["t"] for r in face][:3] == pytest.approx([0.0, 0.1, 0.2], abs=0.034)
        assert face[0]["face"] == 0 and face[0]["yaw"] is None  # no face: NULL, not NaN
        assert face[1]["yaw"] == 1.0 and face[1]["gaze"] == "camera"
        voice = store.voice_timeline(sid)
        assert voice == [{"t": 0.0, "speaking": 1, "rms_dbfs": -23.5, "f0_hz": None}]
        assert store.events(sid) == [{"type": "nod", "start": 1.0, "end": 1.6, "cycles": 2}]
        info = store.session(sid)
        assert (info.status, info.kind, info.summary, info.calibration) == (
            "complete",
            "recording",
            {"frames": 90},
            None,
        )
        assert info.ended_at is not None and info.duration_s == 3.0


def _modes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*")}


def test_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with SessionStore(data) as store:
        sid = store.begin_session(kind="live", source="0")
        SessionRecorder(store, sid).flush()
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        modes = _modes(data)
        assert {"presence-coach.sqlite3-wal", "presence-coach.sqlite3-shm"} <= set(modes)
        assert f"locks/session-{sid}.lock" in modes
        for name, mode in modes.items():
            assert mode == (0o700 if (data / name).is_dir() else 0o600), name


def test_side_files_left_at_the_wrong_mode_are_made_private(tmp_path: Path) -> None:
    """-wal/-shm left 0644 or read-only (a copy, a read-only database earlier) are set back
    to 0600 when the store opens; so are the database and the folder."""
    with SessionStore(tmp_path) as store:
        store.begin_session(kind="live", source="0")
    other = sqlite3.connect(tmp_path / "presence-coach.sqlite3")  # keeps -wal/-shm in place
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("UPDATE sessions SET source = 'x'")
    other.commit()
    for name, mode in [("", 0o444), ("-wal", 0o644), ("-shm", 0o444)]:
        os.chmod(tmp_path / f"presence-coach.sqlite3{name}", mode)
    os.chmod(tmp_path, 0o755)
    with SessionStore(tmp_path) as store:
        store.add_note(1, "written through the repaired files")
    modes = _modes(tmp_path)  # -wal/-shm are still there: the other connection is open
    other.close()
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700
    for name in (
        "presence-coach.sqlite3",
        "presence-coach.sqlite3-wal",
        "presence-coach.sqlite3-shm",
    ):
        assert modes[name] == 0o600, name


def test_notes_forget_and_unknown_session(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        a = store.begin_session(kind="live", source="0")
        b = store.begin_session(kind="live", source="0")
        store.add_note(a, "felt rushed in the first ten minutes")
        assert [text for _, text in store.notes(a)] == ["felt rushed in the first ten minutes"]
        SessionRecorder(store, a).add_events([{"type": "pause", "start": 0, "end": 4}])
        assert store.forget(a) == 1
        assert [s.id for s in store.sessions()] == [b]
        assert store.notes(a) == []
        with pytest.raises(StoreError, match=f"no session {a}"):
            store.add_note(a, "x")
        assert store.forget() == 1 and store.sessions() == []


def test_schema_version_and_newer_database(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        path = store.path
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer Presence Coach"):
        SessionStore(tmp_path)


def test_corrupt_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "presence-coach.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="move the file aside"):
        SessionStore(tmp_path)


WRITER = textwrap.dedent(
    """
    import sys, time
    from presence_coach.session.store import SessionRecorder, SessionStore
    from presence_coach.vision.face import FaceSample
    store = SessionStore(sys.argv[1])
    sid = store.begin_session(kind="live", source="test")
    rec = SessionRecorder(store, sid)
    t0 = time.monotonic()
    print("ready", flush=True)
    while True:  # 30 rows a second in real time, until killed
        t = time.monotonic() - t0
        rec.add_face(FaceSample(t=t, face=True, yaw=0.0), {})
        rec.add_events([{"type": "tick", "start": t, "end": t}])
        rec.maybe_flush()
        print(t, flush=True)  # what has been produced so far
        time.sleep(1 / 30)
    """
)


def test_kill_9_loses_at_most_about_a_second(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE,
                            text=True)  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    produced: list[float] = []
    reader = threading.Thread(target=lambda: produced.extend(map(float, proc.stdout)))
    reader.start()
    time.sleep(4.0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    reader.join()
    with SessionStore(tmp_path) as store:
        (sid,) = store.unfinished()  # still 'running': the process died
        stored = [r["t"] for r in store.face_timeline(sid)]
        ticks = store.events(sid, "tick")
    assert len(produced) > 30  # it really ran
    # everything but the batch not yet committed survived: at most about a second of rows
    lost_s = produced[-1] - max(stored)
    assert 0 <= lost_s <= FLUSH_EVERY_S + 0.2, lost_s
    assert len(ticks) >= len([t for t in produced if t <= max(stored)])
    assert all(not math.isnan(t) for t in stored)


def test_a_first_version_database_is_migrated_and_keeps_its_sessions(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "presence-coach.sqlite3")
    db.executescript(f"BEGIN; {MIGRATIONS[0]} PRAGMA user_version = 1; COMMIT;")
    db.execute(
        "INSERT INTO sessions (started_at, kind, source, status, app_version) "
        "VALUES ('2026-11-01T10:00:00+00:00', 'live', '0', 'complete', '0.1.0')"
    )
    db.commit()
    db.close()
    with SessionStore(tmp_path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 3
        assert [s.source for s in store.sessions()] == ["0"]
        store.cache_trend(1, "test", {"nods_per_min": 1.5})
        assert store.cached_trend(1, "test") == {"nods_per_min": 1.5}
        assert store.cached_trend(1, "another") is None


HOLDER = textwrap.dedent(
    """
    import sys
    from presence_coach.session.store import SessionRecorder, SessionStore
    store = SessionStore(sys.argv[1])
    sid = store.begin_session(kind="live", source="holder")
    rec = SessionRecorder(store, sid)
    rec.add_events([{"type": "nod", "start": 1.0, "end": 1.5}])
    rec.flush()
    print(sid, flush=True)
    sys.stdin.readline()  # recording until killed
    """
)


def test_a_session_running_in_another_process_is_left_alone_until_it_dies(
    tmp_path: Path,
) -> None:
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert child.stdout is not None
        sid = int(child.stdout.readline())
        with SessionStore(tmp_path) as store:
            assert recover_sessions(store) == []  # it is being recorded: not cut off
            assert store.session(sid).status == "running"
            assert store.is_running(sid) and store.unfinished() == []
            with pytest.raises(StoreBusyError, match=f"session {sid} is still running"):
                store.forget(sid)
            with pytest.raises(StoreBusyError), store.hold_session_lock(sid):
                pass
            assert store.events(sid) == [{"type": "nod", "start": 1.0, "end": 1.5}]
    finally:
        child.kill()  # SIGKILL: the OS gives its locks back
        child.wait()
    with SessionStore(tmp_path) as store:
        assert not store.is_running(sid) and store.unfinished() == [sid]
        assert recover_sessions(store) == [sid]
        assert store.session(sid).status == "recovered"
        assert recover_sessions(store) == []
    assert not (tmp_path / "locks" / f"session-{sid}.lock").exists()


def test_the_session_lock_is_per_store_within_a_process(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as recording, SessionStore(tmp_path) as other:
        sid = recording.begin_session(kind="live", source="0")
        assert recording.is_running(sid) and other.is_running(sid)
        assert other.unfinished() == []
        recording.finalize(sid, summary={}, status="complete", duration_s=1.0)
        assert not other.is_running(sid)
        with other.hold_session_lock(sid):  # the API another stage takes it with
            assert recording.is_running(sid)
        lost = recording.begin_session(kind="live", source="0")
    with SessionStore(tmp_path) as store:  # closed without finalize: as after a crash
        assert store.unfinished() == [lost]


def test_forget_leaves_no_trace_in_the_files(tmp_path: Path) -> None:
    secret = "Zephyrine-Quillfeather"
    with SessionStore(tmp_path) as store, SessionStore(tmp_path) as reader:
        keep = store.begin_session(kind="recording", source="kept.wav")
        gone = store.begin_session(kind="recording", source=f"{secret}.wav")
        rec = SessionRecorder(store, gone)
        rec.add_events([{"type": "tag", "start": 0.0, "end": 1.0, "label": secret}])
        rec.add_voice([TimelineRow(t=i / 10, speaking=1, rms_dbfs=-20.0, f0_hz=180.0)
                       for i in range(3000)])  # fmt: skip
        rec.flush()
        store.add_note(gone, f"{secret} spoke about her sister")
        store.finalize(gone, summary={"source": secret}, status="complete", duration_s=300.0)
        store.cache_trend(gone, "test", {"label": secret})
        assert reader.notes(gone)  # another connection has read it (as a report would)
        on_disk = b"".join(f.read_bytes() for f in tmp_path.rglob("*") if f.is_file())
        assert secret.encode() in on_disk
        assert store.forget(gone) == 1
        assert [s.id for s in store.sessions()] == [keep]
        assert store.db.execute("SELECT COUNT(*) FROM trend_cache").fetchone()[0] == 0
        for f in (f for f in tmp_path.rglob("*") if f.is_file()):
            assert secret.encode() not in f.read_bytes(), f
        assert store.voice_timeline(gone) == [] and store.notes(gone) == []


def _three_sessions(folder: Path) -> list[int]:
    """Three finished sessions of 300 voice rows and a note each; checkpointed to disk."""
    with SessionStore(folder) as store:
        ids = []
        for k in range(3):
            sid = store.begin_session(kind="recording", source=f"clip{k}.wav")
            rec = SessionRecorder(store, sid)
            rec.add_voice([TimelineRow(t=i / 10, speaking=i % 2, rms_dbfs=-30.0 + k,
                                       f0_hz=150.0 + i) for i in range(300)])  # fmt: skip
            rec.flush()
            store.add_note(sid, f"note {k}")
            store.finalize(sid, summary={"k": k}, status="complete", duration_s=30.0)
            ids.append(sid)
    return ids


def test_a_damaged_page_is_named_and_forget_rebuilds_without_the_session(
    tmp_path: Path,
) -> None:
    first, second, third = _three_sessions(tmp_path)
    with SessionStore(tmp_path) as store:
        rows = {sid: store.voice_timeline(sid) for sid in (first, second, third)}
        store.set_feeling(third, before=3, after=4)
    lost = corrupt_rows_of(tmp_path / "presence-coach.sqlite3", "voice_timeline", second)
    with SessionStore(tmp_path) as store:
        assert store.quick_check() != ["ok"]
        assert store.damage_report() == ([first, third], [second])
        assert store.voice_timeline(first) == rows[first]  # what is readable stays readable
        with pytest.raises(StoreDamagedError, match="is damaged"):
            store.forget(first)  # nothing deleted on a damaged file
        # leaving the store's block with SQLite's error gives the one-line explanation
        named = rf"session {second} cannot be read, sessions {first}, {third} can"
        with pytest.raises(StoreDamagedError, match=named), store:
            store.voice_timeline(second)
    rebuilt = rebuild_without(tmp_path, first)
    assert (rebuilt.whole, rebuilt.partly, rebuilt.lost) == ([third], [second], [])
    with SessionStore(tmp_path) as store:
        assert store.quick_check() == ["ok"]
        assert [s.id for s in store.sessions()] == [second, third]
        assert store.voice_timeline(third) == rows[third]
        assert [n for _, n in store.notes(third)] == ["note 2"]
        assert store.feelings() == {third: (3, 4)}  # how the user felt is kept too
        kept = store.voice_timeline(second)
        assert len(kept) == 300 - lost and all(r in rows[second] for r in kept)
        assert store.forget(second) == 1  # a healthy file again: the ordinary way
    modes = _modes(tmp_path)
    assert modes["presence-coach.sqlite3"] == 0o600 and not any(".rebuild" in n for n in modes)
