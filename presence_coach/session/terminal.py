"""The terminal side of a run: the live status line, the q key and the stop signals.

Ctrl+C, SIGTERM and SIGHUP (the terminal was closed) become a clean stop
(:class:`~presence_coach.session.stop.StopRequest`); on a terminal, q does the same.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

from presence_coach.session.stop import SIGHUP, SIGNAL_REASONS, StopRequest

if TYPE_CHECKING:
    from presence_coach.session.live import LiveStatus

STATUS_EVERY_S = 1.0  # live status line refresh


def status_text(status: LiveStatus) -> str:
    """The live status line: time, camera and face, microphone, frame counts."""
    if status.sample is None:
        camera = "camera: no picture"
    else:
        camera = "face found" if status.sample.face else "no face   "
    if status.mic_lost:
        mic = "mic: no sound"
    else:
        mic = "mic off" if status.mic_dbfs is None else f"mic {status.mic_dbfs:5.0f} dBFS"
    mins, secs = divmod(int(status.t_s), 60)
    saving = f"saving failed: {status.saving}  " if status.saving else ""
    return (
        f"{mins:02d}:{secs:02d}  {camera}  {mic}  frames {status.frames}  "
        f"dropped {status.dropped}  {saving}(Ctrl+C or q to stop)"
    )


class StatusLine:
    """A compact one-line live status on stderr, refreshed about once a second."""

    def __init__(self) -> None:
        self._next = 0.0
        self._tty = sys.stderr.isatty()

    def update(self, status: LiveStatus) -> None:
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + STATUS_EVERY_S
        with suppress(OSError):  # the terminal was closed: the session goes on
            print(status_text(status), end="\r" if self._tty else "\n", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._tty:
            with suppress(OSError):
                print(file=sys.stderr)


@contextmanager
def stop_on_q_key(stop: StopRequest) -> Iterator[None]:
    """On a terminal, pressing q stops the session (the terminal is restored afterwards)."""
    if not sys.stdin.isatty():
        yield
        return
    import select
    import termios  # POSIX only: imported where a terminal is there to read
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            ready, _, _ = select.select([fd], [], [], 0.25)
            if not ready:
                continue
            try:
                key = os.read(fd, 1)
            except OSError:  # the terminal was closed (SIGHUP stops the session)
                return
            if not key:
                return
            if key in (b"q", b"Q"):
                stop.request()

    tty.setcbreak(fd)
    thread = threading.Thread(target=watch, name="q-key", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        with suppress(termios.error, OSError):  # a closed terminal needs no restoring
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@contextmanager
def stop_on_signals(stop: StopRequest) -> Iterator[None]:
    """Turn Ctrl+C, SIGTERM and SIGHUP (the terminal was closed) into a clean stop: the loop
    ends, the session is stored and the outputs are still written. Repeats change nothing.

    After SIGHUP the terminal is gone: output meant for it goes to the null device instead of
    failing. Once stopped, the signals stay ignored until the process exits (a late repeat
    must not interrupt the last steps).
    """
    terminal = [name for name in ("stdout", "stderr") if _isatty(getattr(sys, name))]

    def handler(signum: int, frame: object) -> None:
        if signum == SIGHUP:
            for name in terminal:
                setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115 (lives until exit)
        stop.request(SIGNAL_REASONS[signum], signum)

    previous = {s: signal.signal(s, handler) for s in SIGNAL_REASONS}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, signal.SIG_IGN if stop.is_set() else h)


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False
