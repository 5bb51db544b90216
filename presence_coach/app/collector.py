"""Python's cyclic garbage collector, run on the window's thread only.

Python collects reference cycles in whichever thread happens to allocate when a generation's
count passes its threshold; in the app that is often the session's thread. A Qt object found
in such a cycle is then destroyed on that thread: its destructor takes Qt's lock on the
object's connections and asks for the GIL (to look for a Python override), while the window's
thread, holding the GIL, waits for that lock to delete a widget. Both wait for ever: the app
froze in the middle of a session (the app tests hung; gdb showed the session thread in
``gc`` -> ``QObject::~QObject`` -> ``PyGILState_Ensure`` and the window's thread in
``QObject::~QObject`` -> ``QBasicMutex::lockInternal``, holding the GIL).

So while a window is open the automatic collector is off, and a timer on the window's thread
collects as the automatic one would: the oldest generation whose count has passed its
threshold (the pattern pyqtgraph's ``GarbageCollector`` uses for the same reason).
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer

CHECK_EVERY_MS = 250  # how often the window's thread looks at the collector's counts
# a full collection at most this often (it walks every object: tens of milliseconds with the
# model loaded; Python spaces them out too, until a quarter of the long-lived objects are new)
FULL_EVERY_S = 60.0


class GuiThreadCollector(QObject):
    """Cyclic garbage collection on the thread that made this object (the window's), for as
    long as it is installed: :meth:`release` hands collection back to Python. Several may be
    installed at once (automatic collection comes back with the last one)."""

    _installed = 0  # collectors installed and not released
    _was_enabled = True  # the automatic collector's state before the first

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if GuiThreadCollector._installed == 0:
            GuiThreadCollector._was_enabled = gc.isenabled()
        GuiThreadCollector._installed += 1
        gc.disable()
        self._released = False
        self._last_full = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_EVERY_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> int | None:
        """Collect the oldest generation past its threshold, as Python would (the whole heap
        at most every FULL_EVERY_S); the generation collected, or None."""
        counts, limits = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] <= limits[generation]:
                continue
            if generation == 2:
                if time.monotonic() - self._last_full < FULL_EVERY_S:
                    continue
                self._last_full = time.monotonic()
            gc.collect(generation)
            return generation
        return None

    def release(self) -> None:
        """The window is going: collect everything here, and with the last collector give
        collection back to Python. Safe to call twice."""
        if self._released:
            return
        self._released = True
        self._timer.stop()
        gc.collect()
        GuiThreadCollector._installed -= 1
        if GuiThreadCollector._installed == 0 and GuiThreadCollector._was_enabled:
            gc.enable()
