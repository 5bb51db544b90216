"""One head angle cut into monotone swings between turning points (for the nod detector).

A turning point is confirmed once the angle has come back from its running extreme by
``max(min_reversal_deg, reversal_fraction * swing so far)``, or once the angle has stayed near
the extreme for ``settle_s`` (the head came to rest). Time comes with the samples; no clock is
read. See :class:`SwingTracker`.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

EDGE_FRACTION = 0.2  # a swing's travel time runs from 20 % to 80 % of its amplitude
# a half-cosine move of amplitude A at peak speed v takes 0.644 A / v from 20 % to 80 %
SMOOTH_TRAVEL = 0.41 * math.pi / 2
SPEED_SPAN_S = 0.06  # peak speed over at least this long (two frames at 30 fps, one at 15)


def detrend(t: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """Peak-to-peak of ``v`` (shape (n,)) less its least-squares line over ``t`` (n,), and the
    line's slope (units of ``v`` per second). Fewer than three points: (0, 0)."""
    if len(t) < 3:
        return 0.0, 0.0
    span = float(t[-1] - t[0])
    if span <= 0:
        return float(np.ptp(v)), 0.0
    slope, intercept = np.polyfit(t - t[0], v, 1)
    return float(np.ptp(v - (slope * (t - t[0]) + intercept))), float(slope)


@dataclass(frozen=True, slots=True)
class SwingOptions:
    """How an angle is cut into swings (degrees and seconds)."""

    # a turning point needs the angle to come back by at least this much ...
    min_reversal_deg: float = 0.8
    # ... and by at least this fraction of the swing it ends
    reversal_fraction: float = 0.3
    # an extreme held this long (within settle_band_deg) ends the swing: the head rests
    settle_s: float = 0.45
    # creeping on by less than this does not restart the settle_s clock, so slow drift after
    # a swing still lets it settle
    settle_band_deg: float = 0.5
    # samples kept to measure a swing's travel (at least its longest possible duration)
    history_s: float = 3.0


@dataclass(frozen=True, slots=True)
class Swing:
    """A monotone move of one angle between two turning points."""

    t0: float  # time of the starting extreme
    v0: float  # angle there (degrees)
    t1: float  # time of the ending extreme
    v1: float
    t_leave: float  # last time the angle was within 20 % of the amplitude of v0
    t_arrive: float  # first time the angle was within 20 % of the amplitude of v1
    settled: bool  # ended because the head came to rest (not by a reversal)
    peak_speed: float = math.inf  # fastest change over SPEED_SPAN_S within it (deg/s)

    @property
    def amplitude_deg(self) -> float:
        return abs(self.v1 - self.v0)

    @property
    def direction(self) -> int:
        """+1 when the angle grew, -1 when it fell."""
        return 1 if self.v1 > self.v0 else -1

    @property
    def travel_s(self) -> float:
        """Time from 20 % to 80 % of the way; when the angle crept before or after the move
        (which stretches that), the time a smooth move at the swing's peak speed takes."""
        return min(
            self.t_arrive - self.t_leave, SMOOTH_TRAVEL * self.amplitude_deg / self.peak_speed
        )


class SwingTracker:
    """Cuts one angle's stream into :class:`Swing` s: ``update(t, v) -> Swing | None``."""

    def __init__(self, options: SwingOptions) -> None:
        self.options = options
        self.reset()

    def reset(self) -> None:
        self._history: deque[tuple[float, float]] = deque()
        self._anchor: tuple[float, float] | None = None  # last turning point (t, v)
        self._direction = 0  # +1 rising, -1 falling, 0 at rest
        self._extreme: tuple[float, float] = (0.0, 0.0)  # running extreme (t, v)
        self._moved: tuple[float, float] = (0.0, 0.0)  # last clear step of the extreme (t, v)

    def pending(self) -> Swing | None:
        """The swing in progress (anchor to running extreme), if the angle is moving."""
        if self._direction == 0 or self._anchor is None:
            return None
        return self._swing(self._anchor, self._extreme, settled=False)

    def update(self, t: float, v: float) -> Swing | None:
        """Feed one sample; returns a swing when a turning point is confirmed."""
        opts = self.options
        self._history.append((t, v))
        horizon = t - opts.history_s
        while len(self._history) > 2 and self._history[0][0] < horizon:
            if self._anchor is not None and self._history[0][0] >= self._anchor[0]:
                break
            self._history.popleft()
        if self._anchor is None:
            self._anchor = (t, v)
            return None
        if self._direction == 0:
            if abs(v - self._anchor[1]) >= opts.min_reversal_deg:
                self._direction = 1 if v > self._anchor[1] else -1
                self._extreme = self._moved = (t, v)
            elif t - self._anchor[0] > opts.settle_s:
                # at rest: the anchor follows slow drift so the next swing starts from here
                self._anchor = (t, v)
            return None
        d = self._direction
        ext_v = self._extreme[1]
        if (v - ext_v) * d > 0:
            self._extreme = (t, v)
            if (v - self._moved[1]) * d > opts.settle_band_deg:
                self._moved = (t, v)
            return None
        size = abs(ext_v - self._anchor[1])
        if (ext_v - v) * d >= max(opts.min_reversal_deg, opts.reversal_fraction * size):
            swing = self._swing(self._anchor, self._extreme, settled=False)
            self._anchor = self._extreme
            self._direction = -d
            self._extreme = self._moved = (t, v)
            return swing
        if t - self._moved[0] >= opts.settle_s:
            swing = self._swing(self._anchor, self._extreme, settled=True)
            self._anchor = self._extreme
            self._direction = 0
            return swing
        return None

    def _swing(
        self, start: tuple[float, float], end: tuple[float, float], *, settled: bool
    ) -> Swing:
        (t0, v0), (t1, v1) = start, end
        margin = EDGE_FRACTION * abs(v1 - v0)
        t_leave, t_arrive = t0, t1
        inside = [(t, v) for t, v in self._history if t0 <= t <= t1]
        for t, v in inside:
            if abs(v - v0) <= margin:
                t_leave = t
            if abs(v - v1) <= margin and t_arrive == t1:
                t_arrive = t
        speed, j = 0.0, 0
        for tb, vb in inside:  # fastest change over at least SPEED_SPAN_S
            while j + 1 < len(inside) and tb - inside[j + 1][0] >= SPEED_SPAN_S:
                j += 1
            ta, va = inside[j]
            if tb - ta >= SPEED_SPAN_S:
                speed = max(speed, abs(vb - va) / (tb - ta))
        peak = speed if speed > 0 else math.inf
        return Swing(t0, v0, t1, v1, t_leave, max(t_leave, t_arrive), settled, peak)
