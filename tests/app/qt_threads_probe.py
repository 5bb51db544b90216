"""Run as a program by tests/app/test_app_threads.py: what the app does with threads, fast.

A Python thread sends status to the window's thread by a Qt signal (as the session runner and
the calibration worker do) while the window's thread makes and deletes objects with signals
(as the window does when it fills its pages). Prints ``ok <rounds> <received>`` and exits 0
when the process survived ``seconds``; PySide6 6.12.0 dies here within a second ("Fatal Python
error: none_dealloc", a reference count broken while another Python thread runs).
"""

from __future__ import annotations

import faulthandler
import sys
import threading
import time

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel

HANG_AFTER_S = 60.0  # a deadlock prints every thread's stack and exits non-zero


class Sender(QObject):
    status = Signal(object)


def main(seconds: float) -> None:
    faulthandler.dump_traceback_later(HANG_AFTER_S, exit=True)
    app = QApplication(["qt-threads-probe"])
    sender, received, stop = Sender(), [0], threading.Event()
    sender.status.connect(lambda _: received.__setitem__(0, received[0] + 1))

    def session() -> None:
        while not stop.is_set():
            sender.status.emit({"t_s": time.monotonic()})
            time.sleep(0.001)

    worker = threading.Thread(target=session, daemon=True)
    worker.start()
    rounds, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(20):
            label, other = QLabel("text"), Sender()
            other.status.connect(label.setText)
            label.deleteLater()
            other.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        app.processEvents()
        rounds += 1
    stop.set()
    worker.join(5.0)
    app.processEvents()
    print("ok", rounds, received[0], flush=True)


if __name__ == "__main__":
    main(float(sys.argv[1]))
