"""Devices that stall, vanish and come back, with real parts: the camera is a shared clip sent
live by ``ffmpeg -re`` over loopback UDP (stopped mid-session and started again on the same
URL), the microphone a PulseAudio null sink whose server is told to exit mid-session, and a
camera that never sends is a UDP port nobody sends to or a TCP server that never writes.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from presence_coach.session.store import SessionStore
from tests.cli_helpers import EXE, assert_one_line_error, run_cli
from tests.conftest import FACE_CLIPS, SPEECH
from tests.e2e.conftest import SINK
from tests.e2e.test_live_stream import _free_udp_port

VIDEO = next(p for p in FACE_CLIPS if p.stem == "d6")  # 33.6 s, face in every frame
SPEECH_WAV = SPEECH / "conversation_sample.wav"  # 30 s, two people
START_TIMEOUT_S = 60.0  # the first status line, under load (model load included)


def _send(url: str) -> subprocess.Popen:
    """The camera: the clip, looped, sent in real time to ``url``."""
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
         "-i", str(VIDEO), "-an", "-c:v", "libx264", "-preset", "ultrafast", "-tune",
         "zerolatency", "-g", "15", "-f", "mpegts", f"{url}?pkt_size=1316"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


class _Session:
    """``presence-coach session`` as a child process; its status lines (stderr) and its
    output (stdout) are collected by a reader thread each."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [*EXE, "session", "--no-open", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        self.lines: list[str] = []
        self.out: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(pipe, into), daemon=True)
            for pipe, into in ((self.proc.stderr, self.lines), (self.proc.stdout, self.out))
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(pipe: IO[str], into: list[str]) -> None:
        for line in pipe:
            into.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout_s: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while not any(text in line for line in self.lines):
            assert self.proc.poll() is None, f"session ended early: {self.lines}"
            assert time.monotonic() < deadline, f"no {text!r} within {timeout_s} s: {self.lines}"
            time.sleep(0.1)

    def finish(self, timeout_s: float = 90.0) -> tuple[int, str]:
        """Wait for the session to end; its exit code and its whole output."""
        code = self.proc.wait(timeout=timeout_s)
        for reader in self._readers:
            reader.join(timeout=10)
        return code, "\n".join(self.out)


@pytest.fixture
def camera_url() -> Iterator[str]:
    yield f"udp://127.0.0.1:{_free_udp_port()}"


def test_a_camera_stall_is_a_gap_and_video_comes_back(camera_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    sender = _send(camera_url)
    try:
        session = _Session("--camera", camera_url, "--no-mic", "--data-dir", str(data),
                           "--duration", "24", "--json", str(tmp_path / "live.json"))  # fmt: skip
        session.wait_for("face found")
        time.sleep(5.0)
        sender.kill()  # the camera stalls for 5 s ...
        sender.wait()
        session.wait_for("camera: no picture", timeout_s=10)
        time.sleep(4.0)
        sender = _send(camera_url)  # ... and comes back on the same address
        code, stdout = session.finish()
    finally:
        sender.kill()
        sender.wait()
    assert code == 0, session.lines
    assert "Traceback" not in "\n".join(session.lines)
    # the status line said so while it was gone, and went back to the face after
    gone = [i for i, line in enumerate(session.lines) if "camera: no picture" in line]
    assert len(gone) >= 3
    assert any("face found" in line for line in session.lines[gone[-1] :])

    with SessionStore(data) as store:
        (info,) = store.sessions()
        face_t = [r["t"] for r in store.face_timeline(info.id)]
        events = store.events(info.id)
    (gap,) = [e for e in events if e["type"] == "dropout"]
    assert gap["device"] == "camera"
    assert 4.0 <= gap["end"] - gap["start"] <= 15.0
    # a gap, not stale samples: no face row inside it, rows again after it
    assert not [t for t in face_t if gap["start"] + 0.05 < t < gap["end"] - 0.05]
    after = [t for t in face_t if t >= gap["end"]]
    assert len(after) >= 30 and after[-1] - after[0] >= 4.0
    # no gaze episode (or any other face event) spans the stretch nobody saw
    spanning = [e for e in events if e["start"] < gap["start"] - 0.1 and e["end"] > gap["end"]]
    assert not [e for e in spanning if e["type"] != "dropout"]

    # the gap is in the session's JSON, in the report's JSON and on the page
    live = json.loads((tmp_path / "live.json").read_text())
    assert [g["device"] for g in live["device_gaps"]] == ["camera"]
    assert any(n.startswith("The camera gave no picture from") for n in live["device_notes"])
    assert "The camera gave no picture from" in stdout  # said after the session too
    report = run_cli("report", "--data-dir", data, "--no-open", "--json", tmp_path / "r.json")
    assert report.returncode == 0, report.stderr
    summary = json.loads((tmp_path / "r.json").read_text())
    (shown,) = summary["device_gaps"]
    assert shown["start_s"] == pytest.approx(gap["start"], abs=0.01)
    camera_s = summary["metrics"]["camera_s"]["value"]
    expected = summary["session"]["duration_s"] - face_t[0] - (gap["end"] - gap["start"])
    assert camera_s == pytest.approx(expected, abs=0.2)
    page = (data / "reports" / f"session-{info.id}.html").read_text()
    assert all(n.lower() in page.lower() for n in summary["device_notes"]) and 'class="gap"' in page


def test_a_camera_lost_for_good_ends_the_session_on_time(camera_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    sender = _send(camera_url)
    try:
        session = _Session("--camera", camera_url, "--no-mic", "--data-dir", str(data),
                           "--duration", "14", "--json", str(tmp_path / "live.json"))  # fmt: skip
        session.wait_for("face found")
        time.sleep(4.0)
    finally:
        sender.kill()  # unplugged: it never comes back
        sender.wait()
    code, stdout = session.finish()
    assert code == 0, session.lines
    live = json.loads((tmp_path / "live.json").read_text())
    assert live["run"]["stopped"] == "after the set duration"  # the gap did not hold the session
    assert 14.0 <= live["session"]["duration_s"] < 20.0
    assert "camera: no picture" in session.lines[-1]
    assert "The camera gave no picture from" in stdout and "to the end of the session" in stdout
    report = run_cli("report", "--data-dir", data, "--no-open", "--json", tmp_path / "r.json")
    assert report.returncode == 0, report.stderr
    summary = json.loads((tmp_path / "r.json").read_text())
    (gap,) = summary["device_gaps"]
    assert gap["device"] == "camera" and gap["until_end"]
    assert gap["end_s"] == pytest.approx(live["session"]["duration_s"], abs=0.1)
    # face numbers are over the seconds the camera worked
    with SessionStore(data) as store:
        (info,) = store.sessions()
        face_t = [r["t"] for r in store.face_timeline(info.id)]
    camera_s = summary["metrics"]["camera_s"]["value"]
    assert camera_s == pytest.approx(gap["start_s"] - face_t[0], abs=0.2)
    assert 2.0 <= camera_s <= 8.0
    page = (data / "reports" / f"session-{info.id}.html").read_text()
    assert all(n.lower() in page.lower() for n in summary["device_notes"])
    assert "to the end of the session" in page
    assert "the camera worked" in page


def test_a_lost_microphone_counts_only_its_own_time(
    pulse: dict, camera_url: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    sender = _send(camera_url)
    player = None
    try:
        session = _Session("--camera", camera_url, "--mic", "pulse", "--data-dir", str(data),
                           "--duration", "22", env=pulse)  # fmt: skip
        session.wait_for("face found")
        player = subprocess.Popen(["paplay", f"--device={SINK}", str(SPEECH_WAV)], env=pulse)
        time.sleep(9.0)
        subprocess.run(["pactl", "exit"], env=pulse, check=True)  # the audio server goes away
        session.wait_for("mic: no sound", timeout_s=10)
        code, stdout = session.finish()
    finally:
        sender.kill()
        sender.wait()
        if player is not None:
            player.kill()
            player.wait()
    assert code == 0, session.lines
    assert "Traceback" not in "\n".join(session.lines)

    with SessionStore(data) as store:
        (info,) = store.sessions()
        voice = store.voice_timeline(info.id)
        (lost,) = [e for e in store.events(info.id) if e["type"] == "dropout"]
    assert lost["device"] == "microphone"
    assert lost["start"] == pytest.approx(voice[-1]["t"] + 0.1, abs=0.3)
    assert lost["end"] == pytest.approx(info.duration_s, abs=0.01)
    assert info.duration_s - lost["start"] >= 5.0  # the video went on without it

    report = run_cli("report", "--data-dir", data, "--no-open", "--json", tmp_path / "r.json")
    assert report.returncode == 0, report.stderr
    summary = json.loads((tmp_path / "r.json").read_text())
    metrics = {k: m["value"] for k, m in summary["metrics"].items()}
    # the microphone's time is the stretch its rows cover, and speech is a share of it
    assert metrics["microphone_s"] == pytest.approx(len(voice) * 0.1, abs=0.5)
    rows_share = sum(r["speaking"] for r in voice) / len(voice)
    assert metrics["speaking_fraction"] == pytest.approx(rows_share, abs=0.06)
    whole = summary["voice"]["speaking_s"] / summary["session"]["duration_s"]
    assert metrics["speaking_fraction"] > whole * 1.4  # not spread over the whole session
    (gap,) = summary["device_gaps"]
    assert gap["device"] == "microphone" and gap["until_end"]
    page = (data / "reports" / f"session-{info.id}.html").read_text()
    assert "The microphone gave no sound from" in page
    assert "The microphone gave no sound from" in stdout


class _SilentTcpServer:
    """A TCP server that accepts connections (the kernel completes them) and never sends."""

    def __enter__(self) -> str:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        return f"tcp://127.0.0.1:{self.sock.getsockname()[1]}"

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


@pytest.mark.parametrize("kind", ["udp", "tcp"])
def test_a_camera_that_sends_nothing_ends_the_start_with_one_line(
    kind: str, camera_url: str, tmp_path: Path
) -> None:
    with _SilentTcpServer() as tcp_url:
        url = camera_url if kind == "udp" else tcp_url
        proc = run_cli("session", "--camera", url, "--data-dir", tmp_path, "--no-open",
                       timeout_s=60)  # fmt: skip
    # the product's promise: a silent camera ends the start at its own open deadline (measured
    # by the product's clock, so no wall-clock check here: start-up time varies with load),
    # saying what to do
    assert_one_line_error(proc, f"cannot open video stream {url}", "no picture arrived within")
    assert "check the address and that the stream is running" in proc.stderr
    with SessionStore(tmp_path) as store:
        assert store.sessions() == []  # nothing was started
