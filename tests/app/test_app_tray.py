"""The tray icon and what closing and quitting do while a session runs: with a real tray host
on the X server (``trayer``, an XEmbed system tray), closing keeps recording in the tray and
says so once; without one, closing asks. Quitting during a session always asks, and stopping
on the way out keeps the session and its report."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from presence_coach.app.icons import IDLE, RECORDING
from presence_coach.app.settings import load_settings
from presence_coach.session.store import SessionStore


@pytest.fixture
def tray_host(x_environment: str) -> Iterator[None]:
    """A system tray on the virtual display (what a desktop's panel provides)."""
    assert shutil.which("trayer"), "trayer is missing: apt-get install trayer"
    proc = subprocess.Popen(["trayer", "--edge", "top", "--align", "right"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 10
    while not QSystemTrayIcon.isSystemTrayAvailable():
        assert proc.poll() is None and time.monotonic() < deadline, "no tray appeared"
        time.sleep(0.1)
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _video_only(window) -> None:
    combo = window.session_page.mic
    combo.setCurrentIndex(combo.count() - 1)  # "No microphone (video only)"
    combo.activated.emit(combo.count() - 1)
    assert window.session_page.chosen_mic() is None


def _face_in_view(qtbot, window) -> None:
    face = window.session_page.face_label
    qtbot.waitUntil(lambda: face.text() == "Face in view", timeout=30000)


def test_the_tray_menu_starts_and_stops_and_closing_keeps_recording_there(
    qtbot, make_window, live_stream: str, tray_host, app_env: dict, dialogs
) -> None:
    window = make_window(camera_url=live_stream)
    tray = window.tray
    assert tray.available and tray.icon.isVisible()
    assert not tray.stop_action.isEnabled()
    _video_only(window)
    tray.start_action.trigger()
    _face_in_view(qtbot, window)
    assert tray.state == RECORDING and tray.stop_action.isEnabled()
    assert not tray.start_action.isEnabled()

    window.close()  # the window goes; the session goes on in the tray, and it says so
    assert not window.isVisible() and window.running
    assert tray.notifications == [
        ("Still recording", "Presence Coach keeps recording here. Stop it from this icon's menu.")
    ]
    assert load_settings()[0].tray_note_shown
    tray.open_action.trigger()
    assert window.isVisible()
    window.close()  # said once: not again
    assert len(tray.notifications) == 1 and window.running
    qtbot.wait(1500)
    tray.stop_action.trigger()
    qtbot.waitUntil(lambda: not window.running, timeout=60000)
    assert tray.state == IDLE

    # quitting from the tray while recording asks; "Keep recording" keeps it
    tray.start_action.trigger()
    _face_in_view(qtbot, window)
    dialogs.answer("Keep recording")
    tray.quit_action.trigger()
    assert dialogs.asked == [
        "A session is recording. Stop it and quit? What was recorded is kept and its report "
        "written."
    ]
    assert window.running
    dialogs.answer("Stop and quit")
    with qtbot.waitSignal(window.quitting, timeout=60000):
        tray.quit_action.trigger()
    assert not window.running
    with SessionStore(app_env["data"]) as store:
        sessions = store.sessions()
    assert [(s.status, s.summary["stopped"]) for s in sessions] == [("complete", "by you")] * 2
    assert (app_env["data"] / "reports" / f"session-{sessions[1].id}.html").is_file()


def test_without_a_tray_closing_the_window_asks_before_stopping(
    qtbot, make_window, live_stream: str, app_env: dict, dialogs
) -> None:
    window = make_window(camera_url=live_stream)
    assert not window.tray.available and window.tray.icon is None
    _video_only(window)
    window.start_session()
    _face_in_view(qtbot, window)
    dialogs.answer("Keep recording")
    window.close()
    assert window.isVisible() and window.running  # nothing changed
    dialogs.answer("Stop and quit")
    with qtbot.waitSignal(window.quitting, timeout=60000):
        window.close()
    assert len(dialogs.asked) == 2 and not window.running
    with SessionStore(app_env["data"]) as store:
        (info,) = store.sessions()
    assert info.status == "complete"
    assert (app_env["data"] / "reports" / f"session-{info.id}.html").is_file()


def test_a_stop_from_the_system_keeps_the_session_without_asking(
    qtbot, make_window, live_stream: str, app_env: dict, dialogs
) -> None:
    """What SIGTERM (log-out), SIGHUP or Ctrl+C in the starting terminal do: stop_and_quit."""
    window = make_window(camera_url=live_stream)
    _video_only(window)
    window.start_session()
    _face_in_view(qtbot, window)
    with qtbot.waitSignal(window.quitting, timeout=60000):
        window.stop_and_quit()
    assert dialogs.asked == [] and not window.running
    with SessionStore(app_env["data"]) as store:
        (info,) = store.sessions()
    assert (info.status, info.summary["stopped"]) == ("complete", "by you")
    assert (app_env["data"] / "reports" / f"session-{info.id}.html").is_file()
