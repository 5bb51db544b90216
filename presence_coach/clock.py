"""The session clock: one time base for every source.

All timestamps in Presence Coach are seconds on a session clock. For live capture the clock
is ``time.monotonic()`` shifted so that the session starts at 0; for a recording it is the
media time (seconds from the start of the file). Detectors only ever see these numbers and
never read a clock themselves, so the same code serves live and recorded input.
"""

from __future__ import annotations

import time


class SessionClock:
    """Monotonic seconds since ``start`` (shared by the capture threads of one session)."""

    def __init__(self, t0_monotonic: float | None = None) -> None:
        self.t0_monotonic = time.monotonic() if t0_monotonic is None else t0_monotonic

    def now(self) -> float:
        """Seconds since the session started."""
        return time.monotonic() - self.t0_monotonic

    def to_session(self, t_monotonic: float) -> float:
        """Convert a ``time.monotonic()`` reading to session seconds."""
        return t_monotonic - self.t0_monotonic
