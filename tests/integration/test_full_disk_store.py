"""The session store on a real disk that fills up (a small tmpfs): commits fail with
SQLITE_FULL, the rows wait in memory (bounded), what was committed stays readable, and the
waiting rows are written once space comes back; ``recover`` finishes a session on a full disk
with the space kept in reserve."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from presence_coach.session.live import recover_sessions
from presence_coach.session.saving import StoreWriter, finish_saving
from presence_coach.session.spare import SPARE_BYTES, SPARE_NAME, keep_spare
from presence_coach.session.store import SaveError, SessionRecorder, SessionStore
from presence_coach.voice.analyzer import TimelineRow
from tests.cli_helpers import assert_one_line_error, run_cli
from tests.disk import fill, free_bytes, small_disk


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with small_disk(tmp_path / "disk", 24) as where:
        yield where


def _voice(t0: float, t1: float) -> list[TimelineRow]:
    """Voice rows every 0.1 s from t0 to t1 (speech at 200 Hz, -20 dBFS)."""
    n = round((t1 - t0) * 10)
    return [TimelineRow(round(t0 + i / 10, 1), 1, -20.0, 200.0) for i in range(n)]


def test_rows_wait_while_the_disk_is_full_and_are_written_when_space_returns(disk: Path) -> None:
    with SessionStore(disk / "data") as store:
        sid = store.begin_session(kind="live", source="test")
        rec = SessionRecorder(store, sid, max_pending_s=5.05)
        rec.add_voice(_voice(0, 2))
        assert rec.flush() and rec.saved_until_s == pytest.approx(1.9)
        filler = fill(disk)
        rec.add_voice(_voice(2, 4))
        rec.add_events([{"type": "utterance", "start": 0.5, "end": 3.0}])
        assert not rec.flush()
        assert rec.problem == "disk full"
        assert rec.pending_span_s() == (2.0, pytest.approx(3.9))
        rec.add_voice(_voice(4, 10))
        assert not rec.flush()  # still full: now more than 5 s wait, the oldest are dropped
        assert rec.dropped_rows == 29 + 1  # rows 2.0-4.8 and the utterance that ended at 3.0
        assert rec.dropped_span_s == (2.0, 4.8)
        # what was committed before stays readable, on the full disk, by another reader
        with SessionStore(disk / "data") as reader:
            assert [r["t"] for r in reader.voice_timeline(sid)] == [r.t for r in _voice(0, 2)]
        filler.unlink()
        assert rec.flush() and rec.problem is None
        stored = [r["t"] for r in store.voice_timeline(sid)]
    assert stored == [r.t for r in _voice(0, 2) + _voice(4.9, 10)]


def test_the_end_of_a_run_on_a_full_disk_uses_the_spare_space(disk: Path) -> None:
    data = disk / "data"
    with SessionStore(data) as store:
        sid = store.begin_session(kind="live", source="test")
        assert keep_spare(data) and (data / SPARE_NAME).stat().st_size == SPARE_BYTES
        rec = SessionRecorder(store, sid)
        writer = StoreWriter(rec)
        writer.start()
        rec.add_voice(_voice(0, 3))
        filler = fill(disk)
        rec.add_voice(_voice(3, 60))  # a minute of rows that cannot be written now
        summary: dict = {"duration_s": 60.0}
        failed = finish_saving(store, writer, summary=summary, status="complete")
        assert failed is None and not (data / SPARE_NAME).exists()
        assert summary["device_notes"] == [
            "saving failed for a while (disk full); everything was saved using the space kept "
            "in reserve: free some space on this disk"
        ]
        assert len(store.voice_timeline(sid)) == 600
        assert store.session(sid).status == "complete"
        # the next run cannot keep a spare while the disk is still full, and says nothing
        assert not keep_spare(data) and not (data / SPARE_NAME).exists()
        filler.unlink()


def test_the_end_of_a_run_with_no_space_at_all_says_what_was_kept(disk: Path) -> None:
    data = disk / "data"
    with SessionStore(data) as store:
        sid = store.begin_session(kind="live", source="test")
        rec = SessionRecorder(store, sid)
        writer = StoreWriter(rec)
        rec.add_voice(_voice(0, 8))
        assert rec.flush()
        filler = fill(disk)  # and no spare kept
        rec.add_voice(_voice(8, 12))
        failed = finish_saving(store, writer, summary={"duration_s": 12.0}, status="complete")
        assert failed == (
            "saving failed (disk full): kept up to 00:08 of 00:12 (4 s of rows could not be "
            f"saved); free some space on the disk holding {data}, then `presence-coach recover` "
            "finishes the session"
        )
        assert store.session(sid).status == "running" and store.is_running(sid)
        store._release(sid)  # as this process's exit would: the OS drops its session lock
        assert store.unfinished() == [sid]
        # recover on the same full disk, with no spare: one clear error, nothing lost
        with pytest.raises(SaveError, match=r"cannot finish session 1, which was cut off: disk"):
            recover_sessions(store)
        assert len(store.voice_timeline(sid)) == 80
        filler.unlink()
        assert recover_sessions(store) == [sid]
        assert store.session(sid).duration_s == pytest.approx(8.0)


def test_recover_and_report_on_a_full_disk(disk: Path, tmp_path: Path) -> None:
    data = disk / "data"
    with SessionStore(data) as store:
        sid = store.begin_session(kind="live", source="test")
        keep_spare(data)
        rec = SessionRecorder(store, sid)
        rec.add_voice(_voice(0, 30))
        assert rec.flush()
    # the process died; the disk filled up before anyone recovered the session (and the
    # database was closed: opening it needs space for SQLite's WAL index)
    fill(disk)
    assert free_bytes(disk) == 0
    proc = run_cli("recover", "--data-dir", data)
    assert proc.returncode == 0, proc.stderr
    assert f"Recovered session {sid}" in proc.stdout
    report = run_cli("report", "--data-dir", data, "--no-open", "--json", tmp_path / "r.json")
    assert report.returncode == 0, report.stderr  # the spare's room was enough for the page
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["session"]["status"] == "recovered" and r["session"]["duration_s"] == 30.0
    assert r["metrics"]["speaking_fraction"]["value"] == 1.0
    # no spare left and the disk full again: one clear line, never "move the file aside"
    fill(disk, "filler2")
    again = run_cli("history", "--data-dir", data)
    assert_one_line_error(again, "the disk holding it is full; free some space")


def test_forget_all_on_a_full_disk(disk: Path) -> None:
    data = disk / "data"
    with SessionStore(data) as store:
        for _ in range(2):
            sid = store.begin_session(kind="live", source="test")
            keep_spare(data)
            rec = SessionRecorder(store, sid)
            rec.add_voice(_voice(0, 300))
            assert rec.flush()
            store.finalize(sid, summary={}, status="complete", duration_s=300.0)
    fill(disk)
    proc = run_cli("forget", "--all", "--yes", "--data-dir", data)
    assert proc.returncode == 0, proc.stderr
    assert "Deleted all 2 sessions" in proc.stdout
    assert free_bytes(disk) > SPARE_BYTES  # the spare's room, and the sessions' too
    with SessionStore(data) as store:
        assert store.sessions() == []
