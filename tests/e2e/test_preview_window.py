"""``session --preview`` opens a real window (on a virtual X display, Xvfb) and closing it
stops the session, as a user closing the self-view would."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import EXE
from tests.display import start_xvfb
from tests.e2e.test_live_stream import live_stream  # noqa: F401 - fixture

WINDOW = "Presence Coach"


@pytest.fixture
def display() -> Iterator[str]:
    """A virtual X display on a free number (Xvfb picks it and reports it)."""
    assert shutil.which("xdotool"), "xdotool is missing: apt-get install xdotool"
    xvfb, name = start_xvfb()
    try:
        yield name
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


def _window_ids(env: dict[str, str]) -> list[str]:
    found = subprocess.run(["xdotool", "search", "--name", WINDOW], env=env,
                           capture_output=True, text=True)  # fmt: skip
    return found.stdout.split()


def _close_like_a_window_manager(display: str, window_id: str) -> None:
    """Send WM_DELETE_WINDOW, what a window manager sends when the user clicks the x."""
    from Xlib import X, protocol
    from Xlib import display as xdisplay

    d = xdisplay.Display(display)
    window = d.create_resource_object("window", int(window_id))
    message = protocol.event.ClientMessage(
        window=window,
        client_type=d.intern_atom("WM_PROTOCOLS"),
        data=(32, [d.intern_atom("WM_DELETE_WINDOW"), X.CurrentTime, 0, 0, 0]),
    )
    window.send_event(message, event_mask=X.NoEventMask)
    # a round trip, not just a flush: a connection closed right after a flush can lose the
    # request (the server may see the hang-up first), which made this test flaky under load
    d.sync()
    d.close()


def _press_q(env: dict[str, str], window_id: str) -> None:
    subprocess.run(["xdotool", "windowfocus", window_id], env=env, check=True)
    subprocess.run(["xdotool", "key", "q"], env=env, check=True)


@pytest.mark.parametrize("how", ["close the window", "press q in it"])
def test_the_preview_window_stops_the_session(
    display: str,
    live_stream: str,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    how: str,
) -> None:
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    out = tmp_path / "s.json"
    proc = subprocess.Popen(
        [*EXE, "session", "--camera", live_stream, "--preview", "--no-mic", "--no-open",
         "--duration", "60",
         "--json", str(out), "--data-dir", str(tmp_path / "data")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:  # the status line: wait until it has shown some frames
        if (m := re.search(r"frames (\d+)", line)) and int(m[1]) >= 15:
            break
    else:
        raise AssertionError(f"the session ended early: {proc.wait()}")
    ids = _window_ids(env)
    assert ids, "no preview window"
    if how == "close the window":
        for window_id in ids:
            _close_like_a_window_manager(display, window_id)
    else:
        _press_q(env, ids[-1])
    _, stderr = proc.communicate(timeout=30)  # the rest of stderr
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    data = json.loads(out.read_text())
    assert data["run"]["stopped"] == "by you" and data["run"]["frames"] > 10
    assert _window_ids(env) == []  # the window is gone


def test_preview_without_a_display_is_one_clear_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.run([*EXE, "session", "--preview", "--no-mic"], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode != 0
    assert proc.stderr.strip() == (
        "presence-coach: error: --preview needs a desktop display; run without --preview"
    )
