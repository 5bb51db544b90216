"""A recording's analysis cut short, by Ctrl+C or by ``kill -9``, keeps a consistent session.

Real runs: ``presence-coach analyze --realtime`` on a real clip with its own sound track, as a
child process, stopped with real signals; the checks read the real SQLite file it wrote.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from presence_coach.session.store import SessionStore
from tests.cli_helpers import EXE, run_cli, wait_for_stored_rows
from tests.conftest import FACE_CLIPS

CLIP = next(p for p in FACE_CLIPS if p.stem == "d6")  # 33.6 s at 30 fps, talking throughout
FRAME_S = 1 / 30


def _analyze(data: Path, *extra: str | Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*EXE, "analyze", str(CLIP), "--realtime", "--quiet", "--data-dir", str(data),
         *map(str, extra)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_ctrl_c_stops_voice_and_video_at_the_same_time(tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = _analyze(data, "--json", tmp_path / "s.json")
    wait_for_stored_rows(proc, data, 40)  # 4 s of the clip analysed and committed
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr  # 128 + SIGINT: the analysis did not finish
    assert "Traceback" not in stderr

    with SessionStore(data) as store:
        (info,) = store.sessions()
        voice = store.voice_timeline(info.id)
        face = store.face_timeline(info.id)
        events = store.events(info.id)
    s = json.loads((tmp_path / "s.json").read_text())  # the one summary, from the store
    assert info.status == "interrupted" and s["run"]["interrupted"] is True
    video_s = info.summary["duration_s"]  # the run's own facts, stored with the session
    assert 3.5 < video_s < 30.0 and info.duration_s == video_s == s["session"]["duration_s"]
    assert s["session"]["partial"].startswith(f"stopped early at {video_s:.1f} s of 33.6 s")
    # both halves end at the same media time: the voice is not the whole file's
    assert s["voice"]["duration_s"] == pytest.approx(video_s, abs=FRAME_S)
    # (video_s is stored to the millisecond: CI saw a last row at 7.54313 with video_s 7.543)
    assert face[-1]["t"] <= video_s + 5e-4 and video_s < face[-1]["t"] + 0.1 + FRAME_S
    assert video_s - 0.1 - FRAME_S < voice[-1]["t"] < video_s
    assert max(e["end"] for e in events) <= video_s + 1e-6
    # the speaking share is a share: d6 is talk from start to end
    assert 0.8 <= s["voice"]["speaking_fraction"] <= 1.0
    assert s["voice"]["utterances"] >= 1  # the utterance in progress was closed at the stop

    report = run_cli("report", "--data-dir", data, "--no-open", "--json", tmp_path / "r.json")
    assert report.returncode == 0, report.stderr
    r = json.loads((tmp_path / "r.json").read_text())
    assert r == s  # the analysis said what the report says
    share = r["metrics"]["speaking_fraction"]["value"]
    assert share == pytest.approx(sum(row["speaking"] for row in voice) / len(voice), abs=0.001)
    assert len(voice) == pytest.approx(10 * video_s, abs=1.5)  # the rows cover the session
    page = (data / "reports" / f"session-{info.id}.html").read_text()
    assert "A partial session: stopped early at" in page
    assert "stopped early at" in stdout  # the terminal summary says so too


def test_kill_9_loses_at_most_a_second_and_recovery_counts_every_row(tmp_path: Path) -> None:
    """The store's promise (batches committed about once a second), measured: the timeline
    CSV is written row by row, so its last row is the media time analysed at the kill."""
    data, timeline = tmp_path / "data", tmp_path / "t.csv"
    proc = _analyze(data, "--timeline", timeline)
    wait_for_stored_rows(proc, data, 60)
    # not right after a commit (that would lose nothing whatever the interval): 2.5 s later,
    # so commits less often than every ~2 s would fail the bound below
    time.sleep(2.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    analysed_t = float(list(csv.DictReader(timeline.open()))[-1]["t"])

    with SessionStore(data) as store:
        (sid,) = store.unfinished()
        face_t = store.face_timeline(sid)[-1]["t"]
        voice = store.voice_timeline(sid)
    assert 6.0 <= analysed_t < 33.0
    end = analysed_t + 0.001  # the CSV has 4 decimals
    assert analysed_t - 2.0 <= face_t <= end  # at most ~1 s (+ one 0.1 s row) lost
    assert analysed_t - 2.0 <= voice[-1]["t"] <= end  # the voice is in step with it

    recovered = run_cli("recover", "--data-dir", data)
    assert recovered.returncode == 0, recovered.stderr
    report = run_cli("report", str(sid), "--data-dir", data, "--no-open", "--json",
                     tmp_path / "r.json")  # fmt: skip
    assert report.returncode == 0, report.stderr
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["session"]["status"] == "recovered"
    duration_s = r["session"]["duration_s"]
    assert duration_s == pytest.approx(max(face_t, voice[-1]["t"]) + 0.1, abs=0.1)
    # the recovered numbers come from every stored row, the open utterance's too
    share = r["metrics"]["speaking_fraction"]["value"]
    assert share == pytest.approx(sum(v["speaking"] for v in voice) / len(voice), abs=0.001)
    assert share > 0.8 and len(voice) == pytest.approx(10 * duration_s, abs=1.5)
