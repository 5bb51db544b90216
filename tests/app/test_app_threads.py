"""The app's threads and Qt: a session (or calibration) thread sends status to the window while
the window makes and deletes widgets. PySide6 6.12.0 breaks a reference count when another
Python thread runs (the process dies with "Fatal Python error: none_dealloc" within a second of
tests/app/qt_threads_probe.py, and the app tests hung under it in the full suite), so
pyproject.toml keeps PySide6 below 6.12. This runs the probe on the PySide6 installed.

Real parts: the installed PySide6 and Qt, a real Python thread, a separate process (a crash
must not take the test run with it); Qt's offscreen platform (no window is looked at).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import PySide6

PROBE = Path(__file__).with_name("qt_threads_probe.py")


def test_a_thread_sending_status_beside_a_busy_window_does_not_break_qt() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONFAULTHANDLER": "1"}
    proc = subprocess.run(
        [sys.executable, str(PROBE), "5"], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, f"PySide6 {PySide6.__version__}: {proc.stderr[-2000:]}"
    word, rounds, received = proc.stdout.split()
    # the window's thread kept working and the thread's status arrived
    assert word == "ok" and int(rounds) > 100 and int(received) > 100, proc.stdout
