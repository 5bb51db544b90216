"""When a stream's samples were captured, from arrival times that can only be late.

A reader thread stamps each block when it gets it (a pipe from ``parec``, a PortAudio
callback). On a busy machine the thread is starved for a while and then reads a backlog at
once, so stamps are late by up to half a second (measured live on a loaded 2-core machine,
issue 12), never early. A median of recent stamps then moves with every starved stretch, and
one stream's time drifts against the other's. Each stamp implies the stream's start (its
epoch: the stamp less the samples before it); :class:`ArrivalClock` takes the earliest epoch
of the last ``window_s``: the least delayed stamp. Over that window it still follows a slow
drift of the device clock and a real loss of samples.
"""

from __future__ import annotations

import math
from collections import deque

ARRIVAL_WINDOW_S = 10.0  # the earliest epoch of this much audio is the stream's epoch


class ArrivalClock:
    """``update(frame, arrived_t)`` per block; ``time_of(frame)`` its capture time."""

    def __init__(self, rate_hz: float, *, window_s: float = ARRIVAL_WINDOW_S) -> None:
        self.rate_hz = rate_hz
        self.window_frames = window_s * rate_hz  # epochs of blocks this recent count
        self._epochs: deque[tuple[int, float]] = deque()  # (frame, epoch), epochs increasing
        # the estimate, published in one assignment: read from another thread than update's
        self._frame0_t = math.nan

    def update(self, frame: int, arrived_t: float) -> None:
        """A block whose first frame (index ``frame``) arrived at ``arrived_t``."""
        epoch = arrived_t - frame / self.rate_hz
        q = self._epochs
        while q and q[-1][1] >= epoch:  # a later block with an earlier epoch outranks it
            q.pop()
        q.append((frame, epoch))
        while q[0][0] < frame - self.window_frames:
            q.popleft()
        self._frame0_t = q[0][1]

    def time_of(self, frame: int) -> float:
        """Monotonic capture time of frame ``frame`` (NaN before the first update)."""
        return self._frame0_t + frame / self.rate_hz
