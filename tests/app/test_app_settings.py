"""Settings are remembered (privately), "Show my files" opens the data folder in the system's
file manager, and the optional indicator and gentle cue work in a real session."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from presence_coach.app.status import CueOptions, LongSpeechCue
from tests.app.conftest import play_loop, stop_process_group
from tests.app.test_app_session import SPEECH_WAV, _choose_mic
from tests.e2e.conftest import SINK


@pytest.fixture
def file_manager(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``xdg-open`` (what Qt starts on a desktop it does not know) writes down what it opens."""
    opened = tmp_path / "xdg-opened.txt"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "xdg-open"
    script.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return opened


def test_settings_are_remembered_privately_and_show_my_files_opens_the_folder(
    qtbot, make_window, app_env: dict, file_manager: Path, screenshot
) -> None:
    window = make_window()
    page = window.settings_page
    window.tabs.setCurrentWidget(page)
    assert str(app_env["data"]) == page.folder.text()
    assert "It never keeps pictures or sound." in page.privacy.text()
    for box in (page.eco, page.cues, page.indicator):  # a click on each box itself
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert window.session_page.eco.isChecked()  # one eco mode, shown in both places
    screenshot(window, "settings")
    path = app_env["config"] / "app-settings.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(app_env["config"].stat().st_mode) == 0o700
    again = make_window()
    assert (again.settings.eco, again.settings.cues, again.settings.indicator) == (True,) * 3
    assert again.session_page.eco.isChecked() and again.settings_page.cues.isChecked()
    qtbot.mouseClick(page.show_files, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(file_manager.exists, timeout=10000)
    assert file_manager.read_text().split() == [app_env["data"].as_uri()]


def test_the_indicator_stays_on_top_and_shows_the_cue(
    qtbot, make_window, live_stream: str, pulse: dict, app_env: dict
) -> None:
    window = make_window(camera_url=live_stream)
    for box in (window.settings_page.cues, window.settings_page.indicator):
        box.setChecked(True)
    _choose_mic(window, "pulse")
    # the real cue detector, made to speak after 2 s of talk instead of two minutes
    window.cue = LongSpeechCue(CueOptions(long_speech_s=2.0))
    indicator = window.indicator
    voice = play_loop(SPEECH_WAV, pulse, SINK)
    try:
        window.start_session()
        qtbot.waitUntil(indicator.isVisible, timeout=10000)
        assert indicator.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
        assert indicator.text.text() == "Recording"
        qtbot.waitUntil(lambda: window.session_page.cue_label.text() == "Pause", timeout=40000)
        assert indicator.text.text() == "Pause"
        window.stop_session()
        qtbot.waitUntil(lambda: not window.running, timeout=60000)
    finally:
        stop_process_group(voice)
    assert not indicator.isVisible()
