"""The app's threads and Qt.

- A session (or calibration) thread sends status to the window while the window makes and
  deletes widgets. PySide6 6.12.0 breaks a reference count when another Python thread runs
  (tests/app/qt_threads_probe.py dies with "Fatal Python error: none_dealloc" within a
  second), so pyproject.toml keeps PySide6 below 6.12; the probe runs on the PySide6 installed,
  in its own process (a crash must not take the test run with it; Qt's offscreen platform).
- Qt objects left in reference cycles are collected on the window's thread, never on a
  session's (presence_coach/app/collector.py: collected on the session's thread they froze the
  app). The real window, a real Python thread allocating as a session does, Python's own
  collector.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import weakref
from pathlib import Path

import PySide6
from PySide6.QtCore import QTimer

from presence_coach.app.collector import GuiThreadCollector

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


class _Cycle:
    """A Qt object without a parent, kept only by a reference cycle."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.me = self


def test_qt_objects_in_cycles_are_collected_on_the_windows_thread(qtbot, make_window) -> None:
    make_window()
    assert not gc.isenabled()  # the window's thread collects
    collected_on: list[str] = []
    garbage = _Cycle()
    ref = weakref.ref(garbage, lambda _: collected_on.append(threading.current_thread().name))
    del garbage
    stop = threading.Event()

    def session() -> None:  # allocates as a session does: Python's collector would run here
        while not stop.is_set():
            rows = [[] for _ in range(2000)]
            del rows

    worker = threading.Thread(target=session, name="session-like")
    worker.start()
    try:
        qtbot.waitUntil(lambda: bool(collected_on), timeout=20000)
    finally:
        stop.set()
        worker.join()
    assert ref() is None and collected_on == ["MainThread"]


def test_collection_goes_back_to_python_with_the_last_window(qapp) -> None:
    assert gc.isenabled()
    first, second = GuiThreadCollector(), GuiThreadCollector()
    assert not gc.isenabled()
    first.release()
    first.release()  # safe twice
    assert not gc.isenabled()  # one window is still open
    second.release()
    assert gc.isenabled()


def test_the_whole_heap_is_walked_at_most_once_a_minute(qapp) -> None:
    # a full collection takes tens of milliseconds on the window's thread: the collector
    # spaces them out, and does the younger generations meanwhile
    thresholds = gc.get_threshold()
    collector = GuiThreadCollector()
    try:
        gc.set_threshold(10, 1, 1)
        seen = []
        for _ in range(6):
            # instances of a Python class (lists come from a free list, uncounted), without
            # their QTimer: past the youngest generation's threshold
            keep = [_Cycle.__new__(_Cycle) for _ in range(50)]
            seen.append(collector.check())
            del keep
        assert 2 not in seen and set(seen) <= {0, 1} and 1 in seen, seen
        collector._last_full -= 61.0  # a minute later
        assert collector.check() == 2
    finally:
        gc.set_threshold(*thresholds)
        collector.release()
