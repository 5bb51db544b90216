"""The main job end to end with real parts: ``presence-coach session`` on a live camera
stream (a shared clip sent in real time by ``ffmpeg -re`` over loopback UDP) and a live
microphone (real speech played into a PulseAudio null sink), stopped with SIGINT or killed.

Tolerances against ``analyze`` of the same media: the live run joins the stream a moment
late, drops a few frames and captures audio through a real audio server, so shares may
differ by a few points and angles by a degree or two; counts of rare events are not compared.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from presence_coach.calibration.profile import default_profile
from presence_coach.session.store import SessionStore
from tests.cli_helpers import EXE, run_cli
from tests.conftest import FACE_CLIPS, SPEECH
from tests.e2e.conftest import SINK
from tests.e2e.test_live_stream import _free_udp_port

VIDEO = next(p for p in FACE_CLIPS if p.stem == "d6")  # 33.6 s, face in every frame
SPEECH_WAV = SPEECH / "conversation_sample.wav"  # 30 s, two people, a 4 s silence at 2.7 s


def _stream(url: str) -> subprocess.Popen:
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", str(VIDEO), "-an",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15",
         "-f", "mpegts", f"{url}?pkt_size=1316"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _start_session(url: str, data: Path, *extra: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [*EXE, "session", "--camera", url, "--mic", "pulse", "--data-dir", str(data), "--no-open",
         *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    deadline = time.monotonic() + 30
    for line in proc.stderr:  # the live status line appears once frames are analysed
        if "face found" in line or "no face" in line:
            return proc
        assert time.monotonic() < deadline, "the session did not start"
    raise AssertionError(f"session ended early: {proc.wait()}")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[dict]]:
    out = tmp_path_factory.mktemp("rec")
    proc = run_cli("analyze", VIDEO, "--audio", SPEECH_WAV, "--json", out / "s.json",
                   "--timeline", out / "t.csv", "--quiet", "--no-store")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads((out / "s.json").read_text()), list(csv.DictReader((out / "t.csv").open()))


def test_live_session_stopped_with_ctrl_c(pulse: dict, tmp_path: Path, recorded) -> None:
    url = f"udp://127.0.0.1:{_free_udp_port()}"
    data = tmp_path / "data"
    stream = _stream(url)
    try:
        proc = _start_session(url, data, "--json", str(tmp_path / "live.json"))
        player = subprocess.Popen(["paplay", f"--device={SINK}", str(SPEECH_WAV)], env=pulse)
        time.sleep(22.0)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
        player.wait(timeout=30)
    finally:
        stream.kill()
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "Kept as session 1" in stdout

    with SessionStore(data) as store:
        (info,) = store.sessions()
        face = store.face_timeline(info.id)
        voice = store.voice_timeline(info.id)
        events = store.events(info.id)
    assert (info.kind, info.status) == ("live", "complete")
    assert info.duration_s >= 22.0
    live = json.loads((tmp_path / "live.json").read_text())  # the one summary, from the store
    assert info.summary["stopped"] == live["run"]["stopped"] == "by you"  # Ctrl+C
    # uncalibrated, the live session used the same default profile as `analyze`
    assert info.calibration == default_profile().to_dict()

    # stored at the promised rates: 10 face rows and 10 voice rows a second
    span = face[-1]["t"] - face[0]["t"]
    assert len(face) == pytest.approx(10 * span, rel=0.1)
    assert len(voice) == pytest.approx(10 * (voice[-1]["t"] - voice[0]["t"]), rel=0.05)
    kinds = {e["type"] for e in events}
    assert {"gaze", "utterance", "pause"} <= kinds

    rec, rec_rows = recorded
    assert live["calibration"] == rec["calibration"]
    # the camera half: the same face, pose and gaze as the file analysis
    assert live["metrics"]["face_present_fraction"]["value"] >= 0.95
    assert live["performance"]["frames_analyzed"] >= 20 * 25
    # CPU is broken down by thread: the loop, the capture, the voice and MediaPipe's own
    by_thread = live["performance"]["cpu_by_thread_pct"]
    assert {"MainThread", "video-capture", "audio-analysis", "mediapipe"} <= set(by_thread)
    assert by_thread["mediapipe"] > 1.0 and all(v >= 0 for v in by_thread.values())
    assert sum(by_thread.values()) < 100.0 * (os.cpu_count() or 1)
    for key in ("yaw_deg", "pitch_deg", "roll_deg"):
        assert live["pose"][key]["median"] == pytest.approx(rec["pose"][key]["median"], abs=2.5), (
            key
        )
    cam_live = live["metrics"]["gaze_camera_fraction"]["value"]
    cam_rec = rec["metrics"]["gaze_camera_fraction"]["value"]
    assert cam_live == pytest.approx(cam_rec, abs=0.1)

    # the microphone half: speaking share over the same stretch of the conversation
    covered = min(live["session"]["duration_s"], 30.0)
    rec_speaking = [int(r["speaking"]) for r in rec_rows if float(r["t"]) <= covered]
    rec_share = sum(rec_speaking) / len(rec_speaking)
    live_share = sum(r["speaking"] for r in voice) / len(voice)
    assert live_share == pytest.approx(rec_share, abs=0.12)
    # pauses between the speakers' turns are found live too; the 4 s silence near the start
    # follows only a short beep, so whether it counts as a pause (silence between two
    # utterances) depends on the beep being caught, which is not compared here
    assert live["voice"]["pauses"]["count"] >= 1
    assert live["voice"]["pitch"]["f0_median_hz"] == pytest.approx(
        rec["voice"]["pitch"]["f0_median_hz"], rel=0.1
    )

    # the report page was written privately beside the store, and shows this session
    page = data / "reports" / f"session-{info.id}.html"
    assert f"Report: {page}" in stdout
    html = page.read_text()
    assert html.count("<svg") >= 2 and "Speaking share" in html
    report = run_cli("report", "--data-dir", data, "--no-open", "--json", tmp_path / "r.json")
    assert report.returncode == 0, report.stderr
    stored = json.loads((tmp_path / "r.json").read_text())
    assert stored["session"]["id"] == info.id
    assert stored == live  # the session's JSON is the report's


def test_kill_9_then_recover_keeps_all_but_the_last_second(pulse: dict, tmp_path: Path) -> None:
    url = f"udp://127.0.0.1:{_free_udp_port()}"
    data = tmp_path / "data"
    stream = _stream(url)
    try:
        proc = _start_session(url, data)
        status: list[str] = []  # the live status lines: "MM:SS  face found ..." once a second
        reader = threading.Thread(target=lambda: status.extend(proc.stderr), daemon=True)
        reader.start()
        player = subprocess.Popen(["paplay", f"--device={SINK}", str(SPEECH_WAV)], env=pulse)
        time.sleep(8.0)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        reader.join(timeout=10)
        player.kill()
    finally:
        stream.kill()
    stamps = [m for line in status if (m := re.match(r"(\d\d):(\d\d)  ", line))]
    last_seen_s = 60 * int(stamps[-1][1]) + int(stamps[-1][2])  # time of an analysed frame
    assert last_seen_s >= 5

    with SessionStore(data) as store:
        (sid,) = store.unfinished()
        face_t = [r["t"] for r in store.face_timeline(sid)]
    recovered = run_cli("recover", "--data-dir", data)
    assert recovered.returncode == 0, recovered.stderr
    assert f"Recovered session {sid}" in recovered.stdout + recovered.stderr
    with SessionStore(data) as store:
        info = store.session(sid)
        assert store.unfinished() == []
        assert [r["t"] for r in store.face_timeline(sid)] == face_t  # nothing lost by recovery
        voice = store.voice_timeline(sid)
    assert info.status == "recovered" and info.duration_s >= face_t[-1]
    # everything analysed up to about a second before the kill was kept
    assert face_t[-1] >= last_seen_s - 1.2
    assert voice, "the microphone rows were kept too"
    report = run_cli("report", str(sid), "--data-dir", data, "--no-open")
    assert report.returncode == 0, report.stderr  # a recovered session has its report too
    again = run_cli("recover", "--data-dir", data)
    assert "Nothing to recover" in again.stdout
