"""Model file faults, through the command a user runs: a model file or folder this user may
not read, a folder it may not write, a download server that trickles for ever, Ctrl+C during
a download. Each ends with one line and leaves no partial file behind.

The permission cases run as a normal user (tests/normal_user.py), since CI runs as root.
"""

from __future__ import annotations

import http.server
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import normal_user
from tests.cli_helpers import EXE, assert_one_line_error, run_cli
from tests.conftest import FACE_CLIPS, SHARED_MODELS

CLIP = next(p for p in FACE_CLIPS if p.stem == "d18")
MODEL = SHARED_MODELS / "face_landmarker.task"
TRICKLE_EVERY_S = 0.05  # one byte this often: never a stall, never done


@pytest.fixture
def home() -> Iterator[Path]:
    path = normal_user.workdir()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _model_in(folder: Path, *, file_mode: int = 0o644, folder_mode: int = 0o755) -> Path:
    folder.mkdir()
    copy = Path(shutil.copy(MODEL, folder / MODEL.name))
    copy.chmod(file_mode)
    folder.chmod(folder_mode)
    return copy


def test_a_readable_copy_works_for_the_normal_user(home: Path) -> None:
    # the control: the same set-up with the permissions a user needs passes
    folder = home / "models"
    _model_in(folder)
    proc = normal_user.run("models", "check", "--models-dir", folder, home=home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"SHA-256 verified) at {folder / MODEL.name}" in proc.stdout


def test_unreadable_model_file(home: Path) -> None:
    model = _model_in(home / "models", file_mode=0o000)
    proc = normal_user.run("analyze", CLIP, "--no-store", "--models-dir", model.parent, home=home)
    assert_one_line_error(
        proc, f"cannot read the face model at {model}: permission denied", "chmod a+r"
    )
    check = normal_user.run("models", "check", "--models-dir", model.parent, home=home)
    assert check.returncode == 1 and "Traceback" not in check.stdout + check.stderr
    assert f"PROBLEM: cannot read the face model at {model}" in check.stdout


def test_model_in_a_folder_the_user_may_not_enter(home: Path) -> None:
    model = _model_in(home / "models", folder_mode=0o000)
    proc = normal_user.run("analyze", CLIP, "--no-store", "--models-dir", model.parent, home=home)
    assert_one_line_error(proc, f"cannot read the face model at {model}: permission denied")


def test_fetch_into_a_folder_the_user_may_not_write(home: Path, trickle_url: str) -> None:
    folder = home / "locked"
    folder.mkdir(mode=0o555)
    proc = normal_user.run(
        "models", "fetch", "--force", "--models-dir", folder, "--from", trickle_url, home=home
    )
    assert_one_line_error(proc, f"cannot save {MODEL.name} in {folder}: permission denied")
    assert list(folder.iterdir()) == []


class _Trickle(http.server.BaseHTTPRequestHandler):
    """Promises the model's size, then sends one zero byte every TRICKLE_EVERY_S for ever."""

    stop: threading.Event

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(MODEL.stat().st_size))
        self.end_headers()
        while not self.stop.is_set():
            try:
                self.wfile.write(b"\0")
                self.wfile.flush()
            except OSError:  # the client gave up
                return
            time.sleep(TRICKLE_EVERY_S)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def trickle_url() -> Iterator[str]:
    """A real HTTP server on loopback that never finishes sending the model."""
    stop = threading.Event()
    handler = type("Trickle", (_Trickle,), {"stop": stop})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{MODEL.name}"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def test_fetch_from_a_trickling_server_ends_at_its_deadline(
    tmp_path: Path, trickle_url: str
) -> None:
    dest = tmp_path / "dest"
    # the contract: one line by the deadline (3 s; the margin is for a busy machine)
    proc = run_cli(
        "models", "fetch", "--force", "--models-dir", dest, "--from", trickle_url,
        "--timeout", "3", timeout_s=60,
    )  # fmt: skip
    assert_one_line_error(proc, f"gave up downloading {MODEL.name}", "after 3 s", "--timeout")
    assert list(dest.iterdir()) == []  # no .part, no model


def test_ctrl_c_during_a_download_leaves_nothing(tmp_path: Path, trickle_url: str) -> None:
    dest = tmp_path / "dest"
    part = dest / (MODEL.name + ".part")
    proc = subprocess.Popen(
        [*EXE, "models", "fetch", "--force", "--models-dir", str(dest), "--from", trickle_url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not part.exists():  # the download is under way
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no .part file within 60 s"
            time.sleep(0.05)
        time.sleep(0.3)  # bytes are coming in
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == ["presence-coach: stopped"], stderr
    assert "downloaded" not in stdout
    assert list(dest.iterdir()) == []
