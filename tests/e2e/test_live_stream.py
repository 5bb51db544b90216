"""The live path end to end: a real clip streamed in real time over loopback UDP by
``ffmpeg -re``, opened by ``presence-coach session`` as a live camera.

This is the stand-in for a webcam (there is none on these machines): frames arrive at their
own pace whether or not the analyzer keeps up, exactly the condition a camera creates.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import EXE, run_cli
from tests.conftest import FACE_CLIPS

CLIP = next(p for p in FACE_CLIPS if p.stem == "d18")


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_stream() -> Iterator[str]:
    """``ffmpeg -re`` looping the clip as MPEG-TS over UDP on loopback; yields the URL."""
    port = _free_udp_port()
    url = f"udp://127.0.0.1:{port}"
    # re-encoded with a key frame every 0.5 s, like a camera stream a receiver can join
    cmd = [
        "ffmpeg",
        "-hide_banner",
        "-loglevel",
        "error",
        "-re",
        "-stream_loop",
        "-1",
        "-i",
        str(CLIP),
        "-an",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-tune",
        "zerolatency",
        "-g",
        "15",
        "-f",
        "mpegts",
        f"{url}?pkt_size=1316",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.5)
    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def recorded_summary(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("rec") / "s.json"
    proc = run_cli("analyze", CLIP, "--json", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


def test_live_session_matches_the_recording(
    live_stream: str, tmp_path: Path, recorded_summary
) -> None:
    out = tmp_path / "live.json"
    proc = run_cli(
        "session", "--camera", live_stream, "--duration", "8", "--json", out, timeout_s=60
    )
    assert proc.returncode == 0, proc.stderr
    live = json.loads(out.read_text())
    perf = live["performance"]
    source = live["run"]["source"]
    assert source["kind"] == "live" and source["realtime"] is True
    # about 30 fps for the seconds after the stream was joined
    assert perf["frames_analyzed"] >= 90
    assert live["metrics"]["face_present_fraction"]["value"] >= 0.95
    # the same face, the same head: pose statistics agree with the file analysis
    for key in ("yaw_deg", "pitch_deg", "roll_deg"):
        assert live["pose"][key]["median"] == pytest.approx(
            recorded_summary["pose"][key]["median"], abs=2.5
        ), key
    # live latency is measured: capture to FaceSample
    assert perf["latency"]["count"] == perf["frames_analyzed"]
    assert perf["latency"]["median_ms"] > 0
    assert "face found" in proc.stderr  # the live status line


def test_ctrl_c_stops_a_live_session_cleanly(live_stream: str, tmp_path: Path) -> None:
    out = tmp_path / "live.json"
    proc = subprocess.Popen(
        [*EXE, "session", "--camera", live_stream, "--json", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(6.0)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr  # Ctrl+C is the normal way to end a session
    assert "Traceback" not in stderr
    data = json.loads(out.read_text())
    assert data["run"]["stopped"] == "by you" and data["run"]["frames"] > 30
    assert "Kept as session" in stdout and "No microphone data" in stdout
    # no microphone on this machine (no audio server): video only, and it says so
    assert data["voice"] is None
    assert any("microphone" in note for note in data["device_notes"])
