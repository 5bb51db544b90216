"""The disk fills up during a run: the run goes on, says plainly that saving failed, catches
up when space comes back, and ends with everything it could keep readable.

Real parts: a real small disk (a 24 MB tmpfs, filled to the last byte by a filler file), the
real ``presence-coach`` process on a live camera (UDP stream) and microphone (PulseAudio), and
``analyze --realtime`` on a real clip; real signals end them.
"""

from __future__ import annotations

import itertools
import json
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

from presence_coach.session.spare import SPARE_NAME
from presence_coach.session.store import SessionStore
from tests.cli_helpers import EXE, run_cli, stored_rows, wait_for_stored_rows
from tests.conftest import FACE_CLIPS
from tests.disk import fill, small_disk
from tests.e2e.conftest import SINK
from tests.e2e.test_live_session import SPEECH_WAV, _start_session, _stream
from tests.e2e.test_live_stream import _free_udp_port

FULL = "saving failed: disk full"


def _wait_for_line(lines: list[str], start: int, pred, timeout_s: float = 20.0) -> int:
    """Index of the first of ``lines`` (filled by a reader thread) from ``start`` on that
    matches ``pred``."""
    deadline = time.monotonic() + timeout_s
    while True:
        for i in range(start, len(lines)):
            if pred(lines[i]):
                return i
        assert time.monotonic() < deadline, "".join(lines[start:])
        time.sleep(0.1)


def _max_gap_s(rows: list[dict]) -> float:
    t = [r["t"] for r in rows]
    return max(b - a for a, b in itertools.pairwise(t))


def test_a_live_session_goes_on_through_a_full_disk(pulse: dict, tmp_path: Path) -> None:
    url = f"udp://127.0.0.1:{_free_udp_port()}"
    with small_disk(tmp_path / "disk", 24) as disk:
        data = disk / "data"
        stream = _stream(url)
        try:
            proc = _start_session(url, data)
            lines: list[str] = []  # the status line, once a second
            reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
            reader.start()
            player = subprocess.Popen(["paplay", f"--device={SINK}", str(SPEECH_WAV)], env=pulse)
            wait_for_stored_rows(proc, data, 30)
            filler = fill(disk)
            full_at = _wait_for_line(lines, len(lines), lambda line: FULL in line)
            rows_when_full = stored_rows(data)[0]
            time.sleep(3.0)
            assert stored_rows(data)[0] == rows_when_full  # nothing can be written now
            filler.unlink()  # space comes back: what waited is written, the line is calm again
            _wait_for_line(lines, full_at, lambda line: "frames" in line and FULL not in line)
            wait_for_stored_rows(proc, data, rows_when_full + 40)
            fill(disk, "filler2")  # full again until the end
            _wait_for_line(lines, len(lines), lambda line: FULL in line)
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
            reader.join(timeout=10)
            stdout = proc.stdout.read()  # type: ignore[union-attr]
            player.kill()
            player.wait()
        finally:
            stream.kill()
            stream.wait()
        stderr = "".join(lines)
        assert proc.returncode == 0, stderr
        assert "Traceback" not in stderr
        # the last rows went into the space kept in reserve; the end says so calmly
        assert "note: saving failed for a while (disk full); everything was saved" in stdout
        assert not (data / SPARE_NAME).exists()
        with SessionStore(data) as store:
            (info,) = store.sessions()
            face, voice = store.face_timeline(info.id), store.voice_timeline(info.id)
        assert info.status == "complete" and info.duration_s > 8.0
        # nothing was lost while the disk was full: no holes in the timelines (a lost batch
        # would be a second long; live capture itself may skip a 0.1 s voice row)
        assert len(voice) > 50, stderr + stdout
        assert _max_gap_s(face) < 0.5 and _max_gap_s(voice) < 0.5
        assert face[-1]["t"] > info.duration_s - 1.5
        assert f"Report: {data / 'reports' / 'session-1.html'}" in stdout


CLIP = next(p for p in FACE_CLIPS if p.stem == "d6")


def test_analyze_on_a_full_disk_with_no_room_left_says_what_was_kept(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", 24) as disk:
        data = disk / "data"
        proc = subprocess.Popen(
            [*EXE, "analyze", str(CLIP), "--realtime", "--quiet", "--data-dir", str(data)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        wait_for_stored_rows(proc, data, 30)
        (data / SPARE_NAME).unlink()  # as on a disk that had no room for the spare
        fill(disk)
        kept_rows, kept_t = stored_rows(data)
        time.sleep(3.0)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 1, stderr
        assert "Traceback" not in stderr
        last = stderr.strip().splitlines()[-1]
        m = re.fullmatch(
            r"presence-coach: error: saving failed \(disk full\): kept up to (\d\d):(\d\d) of "
            r"00:(\d\d) \((\d+) s of rows could not be saved\); free some space on the disk "
            rf"holding {re.escape(str(data))}, then `presence-coach recover` finishes the "
            r"session",
            last,
        )
        assert m, last
        assert int(m[4]) >= 3  # the seconds after the disk filled up
        assert "stopped early at" in stdout  # the summary of what was measured is shown
        # everything committed before the disk filled up is there, on the full disk
        assert stored_rows(data) == (kept_rows, kept_t)
        again = run_cli("recover", "--data-dir", data)
        assert again.returncode == 1 and "free some space" in again.stderr
        assert "Traceback" not in again.stderr
        (disk / "filler").unlink()
        recovered = run_cli("recover", "--data-dir", data)
        assert recovered.returncode == 0, recovered.stderr
        report = run_cli("report", "--data-dir", data, "--no-open", "--json", tmp_path / "r.json")
        assert report.returncode == 0, report.stderr
        r = json.loads((tmp_path / "r.json").read_text())
        assert r["session"]["status"] == "recovered"
        assert abs(r["session"]["duration_s"] - (kept_t + 0.1)) <= 0.15
