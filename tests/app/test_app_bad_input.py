"""Bad input in the window: each is one clear sentence in the window, nothing is recorded
(or, with no microphone at all, a video-only session that says so), and the app stays
usable. No camera, a named microphone that is not connected, no microphone at all, a camera
that does not answer, a data folder that cannot be written (a real read-only file system),
and a settings file that cannot be read."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from presence_coach.app.icons import PROBLEM
from presence_coach.app.settings import load_settings
from presence_coach.session.store import SessionStore
from presence_coach.summary.session import summary_from_store
from tests.e2e.test_live_stream import _free_udp_port


def _start_and_fail(qtbot, window) -> str:
    page = window.session_page
    qtbot.mouseClick(page.start_stop, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.running, timeout=60000)
    assert page.start_stop.text() == "Start session" and page.start_stop.isEnabled()
    assert page.banner.isVisible() and page.banner.property("kind") == "problem"
    text = page.banner.text()
    assert "\n" not in text and "Traceback" not in text and text.endswith("."), text
    return text


def _no_sessions(folder: Path) -> None:
    with SessionStore(folder) as store:
        assert store.sessions() == []


def test_no_camera_says_what_to_do(qtbot, make_window, app_env: dict) -> None:
    window = make_window()  # this machine has no camera and none was remembered
    page = window.session_page
    assert page.camera.currentText() == "No camera found"
    qtbot.mouseClick(page.start_stop, Qt.MouseButton.LeftButton)
    assert not window.running
    assert page.banner.text() == (
        "No camera was found. Connect one (or close the program using it), then choose it "
        "in the list."
    )


def test_a_remembered_microphone_that_is_not_connected(
    qtbot, make_window, live_stream: str, pulse: dict, app_env: dict
) -> None:
    app_env["config"].mkdir()
    (app_env["config"] / "app-settings.json").write_text(json.dumps({"mic": "USB Microphone"}))
    window = make_window(camera_url=live_stream)
    page = window.session_page
    assert page.mic.currentText() == "USB Microphone (not found now)"
    text = _start_and_fail(qtbot, window)
    assert text.startswith("No input device named 'USB Microphone'; inputs are "), text
    assert "pulse" in text and window.tray.state == PROBLEM
    _no_sessions(app_env["data"])


def test_a_camera_that_does_not_answer(qtbot, make_window, app_env: dict) -> None:
    url = f"udp://127.0.0.1:{_free_udp_port()}"  # nobody sends there (a busy or dead camera)
    window = make_window(camera_url=url)
    combo = window.session_page.mic
    combo.setCurrentIndex(combo.count() - 1)  # video only
    text = _start_and_fail(qtbot, window)
    assert text.startswith(f"Cannot open video stream {url}: no picture arrived within "), text
    assert text.endswith("check the address and that the stream is running."), text
    _no_sessions(app_env["data"])


def test_no_microphone_at_all_is_said_and_the_session_is_video_only(
    qtbot, make_window, live_stream: str, app_env: dict
) -> None:
    window = make_window(camera_url=live_stream)  # no audio server here: no input device
    page, tray = window.session_page, window.tray
    assert [page.mic.itemText(i) for i in range(page.mic.count())] == [
        "The system's microphone",
        "No microphone (video only)",
    ]
    window.start_session()
    qtbot.waitUntil(lambda: len(tray.notifications) == 1, timeout=30000)
    assert tray.notifications[0][0] == "No sound from the microphone"
    assert page.banner.text().startswith("No sound from the microphone. This session goes on")
    assert tray.state == PROBLEM and page.face_label.text() == "Face in view"
    window.stop_session()
    qtbot.waitUntil(lambda: not window.running, timeout=60000)
    text = page.banner.text()
    assert text.startswith("Session kept") and "Note: No microphone: no microphone found" in text
    assert "analyze a file" not in text and "choose “No microphone”" in text, text
    with SessionStore(app_env["data"]) as store:
        (info,) = store.sessions()
        summary = summary_from_store(store, info.id)
    assert not summary["has_voice"] and summary["voice"] is None
    assert summary["metrics"]["face_present_fraction"]["value"] > 0.9


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A real read-only file system (tmpfs mounted ro; the tests run as root)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_data_folder_that_cannot_be_written(
    qtbot, make_window, app_env: dict, read_only_folder: Path
) -> None:
    target = read_only_folder / "sessions"
    window = make_window(camera_url=f"udp://127.0.0.1:{_free_udp_port()}")
    settings_page = window.settings_page
    # chosen in Settings: refused at once, with the reason, and not remembered
    assert window.set_data_dir(str(target)) is False
    assert settings_page.banner.text() == (
        f"Cannot use data folder {target} (Read-only file system); choose another folder in "
        "Settings."
    )
    assert load_settings()[0].data_dir == ""
    # remembered from before, now read-only: the session does not start, and says why
    app_env["config"].mkdir(exist_ok=True)
    (app_env["config"] / "app-settings.json").write_text(json.dumps({"data_dir": str(target)}))
    window = make_window(camera_url=f"udp://127.0.0.1:{_free_udp_port()}")
    text = _start_and_fail(qtbot, window)
    assert text.startswith(f"Cannot use data folder {target} (Read-only file system)"), text
    # a folder that works is taken
    assert window.set_data_dir(str(app_env["data"] / "elsewhere")) is True
    assert window.settings_page.banner.text() == ""
    assert load_settings()[0].data_dir == str(app_env["data"] / "elsewhere")


def test_a_settings_file_that_cannot_be_read(qtbot, make_window, app_env: dict) -> None:
    app_env["config"].mkdir()
    (app_env["config"] / "app-settings.json").write_text('{"eco": tru')
    window = make_window()
    assert window.session_page.banner.text().startswith(
        "Your saved settings could not be read (Expecting value: line 1 column 9"
    )
    assert not window.settings.eco  # the defaults
    window.session_page.eco.click()  # the next change writes a good file
    assert json.loads((app_env["config"] / "app-settings.json").read_text())["eco"] is True
