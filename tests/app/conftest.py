"""The desktop app under test: a real X server (Xvfb), the real Qt app driven by pytest-qt,
the same real stand-ins for camera and microphone as the e2e tests (an ``ffmpeg -re`` UDP
stream, a PulseAudio null sink). Each test has its own config and data folders."""

from __future__ import annotations

import gc
import os
import subprocess
import time
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.display import start_xvfb
from tests.e2e.conftest import pulse  # noqa: F401 - fixture
from tests.e2e.test_live_stream import live_stream  # noqa: F401 - fixture

_X_ENV = ("DISPLAY", "QT_QPA_PLATFORM")
_BEFORE = {k: os.environ.get(k) for k in _X_ENV}  # restored after each test: the rest of the
# suite (CLI commands that look for a display) must not see this one


def _x_environment(display: str) -> None:
    os.environ["DISPLAY"] = display
    os.environ["QT_QPA_PLATFORM"] = "xcb"


@pytest.fixture(scope="session")
def x_display() -> Iterator[str]:
    """A virtual X display for the whole test session (Qt's application lives that long)."""
    xvfb, display = start_xvfb()
    try:
        yield display
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


@pytest.fixture(scope="session")
def qapp_args(x_display: str) -> list[str]:
    """pytest-qt creates the QApplication with these: the X server is started, and named in
    the environment, first."""
    _x_environment(x_display)
    return ["presence-coach-tests"]


@pytest.fixture(autouse=True)
def x_environment(x_display: str, qapp: QApplication) -> Iterator[str]:
    """The display is in the environment during an app test only."""
    _x_environment(x_display)
    yield x_display
    for key, value in _BEFORE.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Own config (settings, calibration profiles, instance socket) and data folders."""
    folders = {"config": tmp_path / "config", "data": tmp_path / "data"}
    monkeypatch.setenv("PRESENCE_COACH_CONFIG", str(folders["config"]))
    monkeypatch.setenv("PRESENCE_COACH_DATA", str(folders["data"]))
    return folders


@pytest.fixture
def make_window(qtbot, app_env) -> Iterator[Callable[..., object]]:
    """``make_window(camera_url=...)``: the app's main window, shown, devices listed. Any
    session still running at the end is stopped and waited for."""
    from presence_coach.app.main_window import MainWindow
    from presence_coach.app.style import STYLE

    QApplication.instance().setStyleSheet(STYLE)
    windows = []

    def make(**kwargs: object) -> MainWindow:
        window = MainWindow(**kwargs)
        window.show()
        qtbot.waitExposed(window)
        window.load_devices()
        qtbot.waitUntil(lambda: window.session_page.calibration.text() != "")
        windows.append(window)
        return window

    yield make
    for window in windows:  # (not qtbot.addWidget: it closes windows before this runs, and
        # closing asks while a session runs)
        if window.runner.running:
            window.runner.stop()
            assert window.runner.wait(60), "the session did not end"
        window.tray.hide()
        window.hide()
        window.collector.release()
        window.deleteLater()
    # the windows go now, and what was left of them in reference cycles with them, on this
    # thread (presence_coach/app/collector.py): not later, on a thread of the next test
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


SHOTS_ENV = "PRESENCE_COACH_SCREENSHOTS"  # a folder: the tests keep their screenshots there
# (`make screenshots` sets docs/screenshots; otherwise they go to the test's own folder)


@pytest.fixture
def screenshot(tmp_path: Path) -> Callable[[object, str], Path]:
    """``screenshot(widget, name)``: the widget as the user sees it now, as a PNG."""
    from PySide6.QtGui import QColor

    folder = Path(os.environ.get(SHOTS_ENV) or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(widget: object, name: str) -> Path:
        QApplication.processEvents()
        pixmap = widget.grab()  # type: ignore[attr-defined]
        path = folder / f"{name}.png"
        assert pixmap.save(str(path)), path
        image = pixmap.toImage()
        colours = {QColor(image.pixel(x, y)).name() for x in range(0, image.width(), 16)
                   for y in range(0, image.height(), 16)}  # fmt: skip
        assert len(colours) > 3, f"{name}: a blank picture"
        return path

    return shoot


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``$BROWSER`` is a script that writes down the pages it is asked to open."""
    opened = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    script.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(script))
    # webbrowser reads $BROWSER once per process: let it read it again
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    return opened


class DialogAnswers:
    """Answers the app's questions (modal message boxes) as a user would, by the button's text;
    keeps each question's text."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self._answers: list[str] = []
        self._timer = QTimer()
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._look)

    def answer(self, button: str) -> None:
        """The next question is answered with the button that says ``button``."""
        self._answers.append(button)
        self._timer.start()

    def _look(self) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or not self._answers:
            return
        self.asked.append(box.text())
        wanted = self._answers.pop(0)
        for b in box.buttons():
            if b.text() == wanted:
                b.click()
                break
        else:
            raise AssertionError(f"no button {wanted!r} in {[b.text() for b in box.buttons()]}")
        if not self._answers:
            self._timer.stop()


@pytest.fixture
def dialogs() -> DialogAnswers:
    return DialogAnswers()


def play_loop(path: Path, env: dict[str, str], sink: str) -> subprocess.Popen:
    """``path`` played into the PulseAudio sink over and over (the room, a voice)."""
    return subprocess.Popen(
        ["sh", "-c", f"while true; do paplay --device={sink} {path}; done"], env=env,
        start_new_session=True,
    )  # fmt: skip


def stop_process_group(proc: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 10
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
