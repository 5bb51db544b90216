"""SIGTERM, closing the terminal (SIGHUP) and Ctrl+C pressed again and again end a run like
one Ctrl+C: it stops, the session is stored and its report written, with no traceback.

Real parts: a live camera (a clip streamed by ``ffmpeg -re`` over loopback UDP), a live
microphone (speech played into a PulseAudio null sink), a real terminal (a pseudo-terminal
whose closing sends the real SIGHUP), real signals to the real ``presence-coach`` process.

Exit codes: ``session`` exits 0 whichever way it was stopped (stopping is how a session ends);
``analyze`` stopped early exits 128 + the signal (130 Ctrl+C, 129 SIGHUP, 143 SIGTERM).
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

from presence_coach.session.stop import SIGNAL_REASONS
from presence_coach.session.store import SessionStore
from tests.cli_helpers import EXE, wait_for_stored_rows
from tests.conftest import FACE_CLIPS
from tests.e2e.conftest import SINK
from tests.e2e.test_live_session import SPEECH_WAV, _start_session, _stream
from tests.e2e.test_live_stream import _free_udp_port


def _speak(pulse: dict) -> subprocess.Popen:
    return subprocess.Popen(["paplay", f"--device={SINK}", str(SPEECH_WAV)], env=pulse)


def _stored_session(data: Path, stopped: str) -> None:
    """The one session in ``data`` is finished, says why it stopped, has both halves, and
    its report page was written."""
    with SessionStore(data) as store:
        (info,) = store.sessions()
        assert store.face_timeline(info.id) and store.voice_timeline(info.id)
    assert info.status == "complete" and info.summary["stopped"] == stopped
    assert info.duration_s > 3.0
    page = data / "reports" / f"session-{info.id}.html"
    assert "Speaking share" in page.read_text()


@pytest.mark.parametrize(
    ("signum", "again"),
    [(signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["sigterm", "ctrl-c-again-and-again"],
)
def test_a_stop_signal_keeps_the_session_and_its_report(
    pulse: dict, tmp_path: Path, signum: int, again: bool
) -> None:
    url = f"udp://127.0.0.1:{_free_udp_port()}"
    data = tmp_path / "data"
    stream = _stream(url)
    try:
        proc = _start_session(url, data)
        player = _speak(pulse)
        wait_for_stored_rows(proc, data, 30, table="voice_timeline")
        proc.send_signal(signum)
        # an impatient user: Ctrl+C every 0.1 s until the program has ended (while the
        # session is stored, the report written, the program exits)
        sent = 1
        while again and proc.poll() is None and sent < 300:
            time.sleep(0.1)
            proc.send_signal(signal.SIGINT)
            sent += 1
        stdout, stderr = proc.communicate(timeout=60)
        player.kill()
        player.wait()
    finally:
        stream.kill()
        stream.wait()
    assert not again or sent >= 3
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr and "presence-coach: error" not in stderr
    assert "Kept as session 1" in stdout and "Report: " in stdout
    _stored_session(data, SIGNAL_REASONS[signum])


def _read_until(fd: int, needles: tuple[bytes, ...], timeout_s: float) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout_s
    while not any(n in out for n in needles):
        assert time.monotonic() < deadline, out.decode(errors="replace")
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            chunk = os.read(fd, 4096)
            assert chunk, out.decode(errors="replace")
            out += chunk
    return out


def _wait_exit(pid: int, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError(f"the session did not end within {timeout_s} s of the hangup")


def test_closing_the_terminal_stores_the_session_and_writes_the_report(
    pulse: dict, tmp_path: Path
) -> None:
    url = f"udp://127.0.0.1:{_free_udp_port()}"
    data = tmp_path / "data"
    stream = _stream(url)
    cmd = [*EXE, "session", "--camera", url, "--mic", "pulse", "--data-dir", str(data),
           "--no-open"]  # fmt: skip
    try:
        # the session runs in a terminal of its own (stdin, stdout and stderr, the q key)
        pid, terminal = pty.fork()
        if pid == 0:  # the child: becomes presence-coach at once
            os.execvpe(cmd[0], cmd, os.environ)
        try:
            shown = _read_until(terminal, (b"face found", b"no face"), 60)
            player = _speak(pulse)
            wait_for_stored_rows(_Alive(pid), data, 30, table="voice_timeline")
        finally:
            os.close(terminal)  # the terminal window is closed: the kernel sends SIGHUP
        code = _wait_exit(pid, 60)
        player.kill()
        player.wait()
    finally:
        stream.kill()
        stream.wait()
    assert b"Traceback" not in shown
    assert code == 0
    _stored_session(data, SIGNAL_REASONS[signal.SIGHUP])


class _Alive:
    """The ``poll()`` of a forked child for :func:`wait_for_stored_rows`."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        done, status = os.waitpid(self.pid, os.WNOHANG)
        if done:
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


CLIP = next(p for p in FACE_CLIPS if p.stem == "d6")


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
def test_analyze_stopped_by_a_signal_keeps_a_partial_session(tmp_path: Path, signum: int) -> None:
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [*EXE, "analyze", str(CLIP), "--realtime", "--quiet", "--data-dir", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    wait_for_stored_rows(proc, data, 30)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr
    assert "stopped early at" in stdout
    with SessionStore(data) as store:
        (info,) = store.sessions()
    assert info.status == "interrupted" and info.summary["partial"].startswith("stopped early")
