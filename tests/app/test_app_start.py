"""Starting the app as a user does, in real processes: one line and a way out when there is
no display; a second start brings the first window to the front and says so; a signal from
the system (log-out) ends the app cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from Xlib import display as xdisplay

from presence_coach.app.launch import ALREADY_OPEN, READY_ENV, READY_LINE
from tests.cli_helpers import EXE, assert_one_line_error, run_cli

NO_DISPLAY = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}


@pytest.mark.parametrize("argv", [["app"], []], ids=["app", "no command"])
def test_without_a_display_one_line_points_to_the_terminal_session(argv: list[str]) -> None:
    proc = subprocess.run([*EXE, *argv], env=NO_DISPLAY, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    assert_one_line_error(proc, "there is no desktop display here", "`presence-coach session`")


def test_a_display_that_is_named_but_gone_is_one_line_not_a_crash(tmp_path: Path) -> None:
    proc = run_cli("app", env={"DISPLAY": ":97", "XDG_RUNTIME_DIR": str(tmp_path)})
    assert_one_line_error(proc, "DISPLAY=:97 does not answer", "`presence-coach session`")
    assert proc.returncode == 2 and proc.returncode != -6  # not Qt's abort


def _start_app(env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen([*EXE, "app"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    for line in proc.stderr:
        if line.strip() == READY_LINE:
            return proc
        assert time.monotonic() < deadline, "the window did not open"
    raise AssertionError(f"the app ended: {proc.wait()}")


def _stacking(d: xdisplay.Display) -> list[int]:
    """Top-level windows, bottom to top (no window manager: the root's own children)."""
    return [w.id for w in d.screen().root.query_tree().children]


def _app_window(d: xdisplay.Display) -> int:
    root = d.screen().root
    for w in root.query_tree().children:
        attrs = w.get_attributes()
        if attrs.map_state == 2 and w.get_wm_name() == "Presence Coach":  # IsViewable
            return w.id
    raise AssertionError("no Presence Coach window on the display")


def test_a_second_start_brings_the_first_window_to_the_front(
    x_environment: str, tmp_path: Path
) -> None:
    env = {**os.environ, READY_ENV: "1", "PRESENCE_COACH_CONFIG": str(tmp_path / "config"),
           "PRESENCE_COACH_DATA": str(tmp_path / "data")}  # fmt: skip
    first = _start_app(env)
    d = xdisplay.Display(x_environment)
    try:
        app = _app_window(d)
        # another program's window now covers it
        screen = d.screen()
        cover = screen.root.create_window(0, 0, 1280, 800, 0, screen.root_depth)
        cover.map()
        d.sync()
        stack = _stacking(d)
        assert stack.index(app) < stack.index(cover.id)
        second = subprocess.run([*EXE, "app"], env=env, capture_output=True, text=True,
                                timeout=60)  # fmt: skip
        assert second.returncode == 0, second.stderr
        assert second.stderr.strip() == ALREADY_OPEN
        deadline = time.monotonic() + 10
        while (stack := _stacking(d)).index(app) < stack.index(cover.id):
            assert time.monotonic() < deadline, "the first window was not raised"
            time.sleep(0.1)
        assert first.poll() is None  # the first one still runs, alone
        first.send_signal(signal.SIGTERM)  # as at log-out: it ends cleanly
        _, stderr = first.communicate(timeout=30)
        assert first.returncode == 0, stderr
        assert "Traceback" not in stderr
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
        d.close()
    # the first one's socket is gone with it: a new start is a first start again
    again = _start_app(env)
    again.send_signal(signal.SIGTERM)
    again.communicate(timeout=30)
    assert again.returncode == 0
