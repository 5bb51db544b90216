"""A request to stop a run, and who made it.

Ctrl+C, SIGTERM, closing the terminal (SIGHUP), the q key and closing the preview window all
end a run the same way: the loops see the request, stop, and everything measured is stored
and reported. The first request's reason is kept for the summary ("stopped by you").
"""

from __future__ import annotations

import signal
import threading

BY_YOU = "by you"

# why a run stopped, by the signal that stopped it
SIGNAL_REASONS = {
    signal.SIGINT: BY_YOU,  # Ctrl+C
    signal.SIGTERM: "by a stop request (SIGTERM)",
}
SIGHUP = getattr(signal, "SIGHUP", None)  # the terminal was closed (not on Windows)
if SIGHUP is not None:
    SIGNAL_REASONS[SIGHUP] = "the terminal was closed"


class StopRequest(threading.Event):
    """A ``threading.Event`` that also keeps the first requester's reason and signal."""

    def __init__(self) -> None:
        super().__init__()
        self.reason: str | None = None  # in words; None until requested
        self.signum: int | None = None  # the signal that asked first, if one did

    def request(self, reason: str = BY_YOU, signum: int | None = None) -> None:
        """Ask the run to stop (safe from a signal handler; repeats change nothing)."""
        if self.reason is None:
            self.reason, self.signum = reason, signum
        self.set()


def stop_reason(stop: threading.Event) -> str:
    """Why ``stop`` was set, in words (a plain event: by you)."""
    return getattr(stop, "reason", None) or BY_YOU
