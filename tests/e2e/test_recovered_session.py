"""A live session killed mid-sentence: once recovered, its numbers come from all its stored
rows, the speech of the utterance that never closed included.

Real parts: ``presence-coach session`` on a live camera (d6 streamed by ``ffmpeg -re``) and a
live microphone (d6's own sound track, one long stretch of talk, played into a PulseAudio
null sink), killed with SIGKILL while talk is going on, then ``recover`` and ``report``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from presence_coach.session.store import SessionStore
from tests.cli_helpers import run_cli, wait_for_stored_rows
from tests.e2e.conftest import SINK
from tests.e2e.test_live_session import VIDEO, _start_session, _stream
from tests.e2e.test_live_stream import _free_udp_port


def test_recovered_session_counts_the_utterance_in_progress(pulse: dict, tmp_path: Path) -> None:
    talk = tmp_path / "d6.wav"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(VIDEO), "-vn", "-ac", "1",
         str(talk)],
        check=True,
    )  # fmt: skip
    url = f"udp://127.0.0.1:{_free_udp_port()}"
    data = tmp_path / "data"
    stream = _stream(url)
    try:
        proc = _start_session(url, data)
        player = subprocess.Popen(["paplay", f"--device={SINK}", str(talk)], env=pulse)
        wait_for_stored_rows(proc, data, 80, table="voice_timeline")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        player.kill()
        player.wait()
    finally:
        stream.kill()
        stream.wait()

    with SessionStore(data) as store:
        (sid,) = store.unfinished()
        voice = store.voice_timeline(sid)
        utterances = store.events(sid, "utterance")
    speaking_rows = sum(r["speaking"] for r in voice)
    assert speaking_rows >= 40, "the talk was heard"
    # the talk goes on past the kill: its last utterance never closed
    last_closed = max((u["end"] for u in utterances), default=0.0)
    assert sum(r["speaking"] for r in voice if r["t"] >= last_closed) >= 20

    recovered = run_cli("recover", "--data-dir", data)
    assert recovered.returncode == 0, recovered.stderr
    report = run_cli("report", str(sid), "--data-dir", data, "--no-open", "--json",
                     tmp_path / "r.json")  # fmt: skip
    assert report.returncode == 0, report.stderr
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["session"]["status"] == "recovered"
    share = r["metrics"]["speaking_fraction"]["value"]
    assert share == pytest.approx(speaking_rows / len(voice), abs=0.001)
    # the utterance in progress was closed at its last stored speaking row, and counts
    open_rows = [r["t"] for r in voice if r["speaking"] and r["t"] >= last_closed]
    cut_off_s = open_rows[-1] + 0.1 - open_rows[0]
    assert r["metrics"]["utterances"]["value"] == len(utterances) + 1
    assert r["metrics"]["longest_speech_s"]["value"] >= round(cut_off_s, 2) - 0.01
    closed = [u["end"] - u["start"] for u in utterances]  # their speech rate only: the cut-off
    assert r["voice"]["rate"]["syllables"] == sum(u["syllables"] for u in utterances)
    if closed:  # utterance's syllables are unknown
        rate = r["voice"]["rate"]["articulation_rate_syl_per_s"]
        assert rate == pytest.approx(
            sum(u["syllables"] for u in utterances) / sum(closed), abs=0.01
        )
    history = run_cli("history", "--data-dir", data, "--json", tmp_path / "h.json")
    assert history.returncode == 0, history.stderr
    (past,) = json.loads((tmp_path / "h.json").read_text())["sessions"]
    assert past["speaking_fraction"] == pytest.approx(share, abs=0.01)  # the same number
