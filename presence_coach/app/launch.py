"""Starting the app: a display is needed, one instance runs, the window opens at once.

Devices are listed just after the window is shown, and the face model is loaded only when a
session starts, so the window is usable quickly (bench/app_startup.py measures it).
"""

from __future__ import annotations

import os
import signal
import sys

from presence_coach.desktop import display_problem
from presence_coach.errors import UsageError

READY_ENV = "PRESENCE_COACH_SAY_READY"  # set: print a line on stderr once the window is up
READY_LINE = "presence-coach: window ready"
ALREADY_OPEN = "Presence Coach is already open: its window was brought to the front."
SIGNAL_POLL_MS = 250  # Python signal handlers run between Qt events: wake up this often


def no_display_error(problem: str) -> UsageError:
    return UsageError(
        f"{problem}, and the desktop app needs one; for a session in this terminal run "
        "`presence-coach session`"
    )


def run_app(*, camera_url: str = "") -> int:
    """Open the app and run until it quits; the exit code. A second start brings the first
    instance's window to the front and returns 0."""
    problem = display_problem()
    if problem:
        raise no_display_error(problem)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from presence_coach.app.instance import SingleInstance
    from presence_coach.app.main_window import MainWindow
    from presence_coach.app.style import STYLE

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Presence Coach")
    app.setQuitOnLastWindowClosed(False)  # the tray keeps a running session
    app.setStyleSheet(STYLE)
    instance = SingleInstance()
    if not instance.claim():
        print(ALREADY_OPEN, file=sys.stderr)
        return 0
    window = MainWindow(camera_url=camera_url)
    instance.raise_requested.connect(window.bring_to_front)
    _stop_on_signals(window)
    wake = QTimer()
    wake.start(SIGNAL_POLL_MS)
    wake.timeout.connect(lambda: None)
    window.show()
    QTimer.singleShot(0, window.load_devices)
    if os.environ.get(READY_ENV):
        QTimer.singleShot(0, lambda: print(READY_LINE, file=sys.stderr, flush=True))
    try:
        return app.exec()
    finally:
        instance.release()
        window.tray.hide()


def _stop_on_signals(window: object) -> None:
    """Ctrl+C in the terminal, SIGTERM at log-out, SIGHUP: stop the session (it is kept and
    its report written), then quit."""
    from PySide6.QtCore import QTimer

    def handler(signum: int, frame: object) -> None:
        QTimer.singleShot(0, window.stop_and_quit)  # type: ignore[attr-defined]

    for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if s is not None:
            signal.signal(s, handler)
