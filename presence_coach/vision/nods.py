"""Head nods and head shakes from the per-frame head pose.

A **nod** is one or more down-up oscillations of pitch that start from rest; a **shake** is
the yaw analogue (left-right-left or right-left-right, at least three swings). Both are found
the same way, from the pose angles alone (no clock is read; time comes with the samples):

1. **Swings.** Each angle is cut into monotone swings between turning points with a
   hysteresis: a turning point is confirmed once the angle has come back from its running
   extreme by ``max(min_reversal_deg, reversal_fraction * swing so far)``, or once the angle
   has stayed near the extreme for ``settle_s`` (the head came to rest). Posture drift and
   slow turns give few, slow swings; sensor jitter gives swings below the amplitude floor.
2. **Runs.** Consecutive swings form a gesture run while each one is large enough
   (``min_swing_deg``), quick enough (its 20-80 % travel within ``max_swing_s``), similar
   in size to the one before (ratio within ``max_swing_ratio``) and follows without a pause.
3. **Gestures.** A run is a nod when it starts with a downward swing and holds at least
   one down-up cycle whose duration is within ``min_cycle_s..max_cycle_s``; a shake when it
   holds at least three swings. It must start from rest (the swing before it is at most
   ``onset_rest_ratio`` of its amplitude, or slow) and the other angle must stay steadier
   (its range at most ``max_cross_ratio`` of the gesture amplitude), so diagonal bobbing,
   turns with a pitch wobble and the bobbing of lively talk are not counted.

While the jaw moves (talking), speech itself bobs the head, so a gesture must then be larger
(``talking_min_swing_deg``); events say whether the person was ``talking``.

Amplitude is in degrees peak to peak: for nods the larger cycle's smaller swing (down or
up, so posture drift does not inflate it), for shakes the largest swing. Cycles are down-up
pairs for nods and full back-and-forth periods for shakes (three swings = one cycle).
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from presence_coach.events import Event
from presence_coach.vision.face import FaceSample

EDGE_FRACTION = 0.2  # a swing's travel time runs from 20 % to 80 % of its amplitude
POSE_HISTORY_S = 8.0  # pose kept for the rest and cross-axis checks (longest gesture + rest)


def detrended_range(points: list[tuple[float, float]]) -> float:
    """Peak-to-peak of ``(t, value)`` points after removing their least-squares line."""
    return detrend(points)[0]


def detrend(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Peak-to-peak of ``(t, value)`` points less their least-squares line, and its slope."""
    if len(points) < 3:
        return 0.0, 0.0
    t = np.array([p[0] for p in points])
    v = np.array([p[1] for p in points])
    if np.ptp(t) <= 0:
        return float(np.ptp(v)), 0.0
    slope, intercept = np.polyfit(t - t[0], v, 1)
    return float(np.ptp(v - (slope * (t - t[0]) + intercept))), float(slope)


@dataclass(frozen=True)
class HeadGestureOptions:
    """Thresholds of the nod and shake detectors (angles in degrees, times in seconds)."""

    # smallest swing (peak to peak) that can be part of a nod
    min_nod_swing_deg: float = 2.0
    # smallest swing that can be part of a shake (a shake's first and last swings are
    # often half its amplitude, so this applies to the largest swing, half of it to the rest)
    min_shake_swing_deg: float = 4.0
    # a turning point needs the angle to come back by at least this much ...
    min_reversal_deg: float = 0.8
    # ... and by at least this fraction of the swing it ends
    reversal_fraction: float = 0.3
    # an extreme held this long (within the reversal band) ends the swing: the head rests
    settle_s: float = 0.45
    # creeping on by less than this (degrees) does not restart the settle_s clock, so slow
    # drift after a swing still lets it settle
    settle_band_deg: float = 0.5
    # longest 20-80 % travel of one swing (0.4 of a half cycle for a smooth swing); slower
    # motion is a turn or a posture change
    max_swing_s: float = 0.45
    # shortest and longest down-up cycle of a nod, and back-and-forth period of a shake
    min_cycle_s: float = 0.18
    max_cycle_s: float = 1.4
    # neighbouring swings of one gesture differ at most by this factor in size
    max_swing_ratio: float = 2.6
    # longest pause between two swings of one gesture
    max_pause_s: float = 0.35
    # the swing before a gesture is at most this fraction of its amplitude (or slow) ...
    onset_rest_ratio: float = 0.6
    # ... and in this long a window before it, the angle (less a straight-line drift) moved
    # within onset_rest_ratio of the amplitude: gestures start from rest
    rest_window_s: float = 0.6
    # ... and the straight-line drift there is at most this fast (degrees per second): a
    # gesture does not start out of a steady ramp (a raise, a turn)
    max_rest_drift_deg_s: float = 5.0
    # the 20-80 % travel times of neighbouring swings (e.g. a nod's down and up) differ at most
    # by this factor: head gestures are smooth oscillations, while a pose jump of one or two
    # frames (expression, blink, a re-fit of the landmarks) next to a slow drift is not one
    max_travel_ratio: float = 3.0
    # travel times are counted as at least this long (one or two frames) for that ratio
    min_travel_s: float = 0.05
    # the other gesture angle (yaw for nods, pitch for shakes) moves during a gesture by at
    # most this fraction of its amplitude (range less a straight-line drift): no diagonal bobs
    max_cross_ratio: float = 0.6
    # ... and drifts at most this fast (degrees per second): no pitch wobble during a turn
    max_cross_drift_deg_s: float = 5.0
    # the same for roll, which rides along with real nods and shakes more (and drifts): a
    # roll-dominated motion is a tilt
    max_roll_ratio: float = 1.0
    max_roll_drift_deg_s: float = 10.0
    # jaw-open blendshape range (0..1) around a gesture above which the person is talking;
    # speech moves the head (and the pose estimate) by several degrees, so while talking a
    # gesture must reach talking_min_swing_deg
    talking_jaw_range: float = 0.25
    talking_min_swing_deg: float = 10.0
    # a gap in the samples (no face) longer than this ends any gesture in progress
    max_gap_s: float = 0.3

    def __post_init__(self) -> None:
        positive = (
            "min_nod_swing_deg",
            "min_shake_swing_deg",
            "min_reversal_deg",
            "settle_s",
            "settle_band_deg",
            "max_swing_s",
            "min_cycle_s",
            "max_cycle_s",
            "max_pause_s",
            "onset_rest_ratio",
            "rest_window_s",
            "max_rest_drift_deg_s",
            "min_travel_s",
            "max_cross_ratio",
            "max_roll_ratio",
            "max_cross_drift_deg_s",
            "max_roll_drift_deg_s",
            "talking_jaw_range",
            "talking_min_swing_deg",
            "max_gap_s",
        )
        for name in positive:
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name}={value} must be a positive number")
        if not 0.0 <= self.reversal_fraction < 1.0:
            raise ValueError(f"reversal_fraction={self.reversal_fraction} must be within 0..1")
        if self.max_travel_ratio < 1.0:
            raise ValueError(f"max_travel_ratio={self.max_travel_ratio} must be at least 1")
        if self.max_swing_ratio < 1.0:
            raise ValueError(f"max_swing_ratio={self.max_swing_ratio} must be at least 1")
        if self.min_cycle_s >= self.max_cycle_s:
            raise ValueError("min_cycle_s must be below max_cycle_s")


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

    @property
    def amplitude_deg(self) -> float:
        return abs(self.v1 - self.v0)

    @property
    def direction(self) -> int:
        """+1 when the angle grew, -1 when it fell."""
        return 1 if self.v1 > self.v0 else -1

    @property
    def travel_s(self) -> float:
        return self.t_arrive - self.t_leave


class SwingTracker:
    """Cuts one angle's stream into :class:`Swing` s (see the module docstring, step 1)."""

    def __init__(self, options: HeadGestureOptions) -> None:
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
        # keep enough history for the longest swing we could still be measuring
        horizon = t - (2.0 * opts.max_cycle_s + opts.settle_s)
        while len(self._history) > 2 and self._history[0][0] < horizon:
            anchor_t = self._anchor[0] if self._anchor else t
            if self._history[0][0] >= anchor_t:
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
        for t, v in self._history:
            if t < t0:
                continue
            if t > t1:
                break
            if abs(v - v0) <= margin:
                t_leave = t
            if abs(v - v1) <= margin and t_arrive == t1:
                t_arrive = t
        return Swing(t0, v0, t1, v1, t_leave, max(t_leave, t_arrive), settled)


class _GestureAxis:
    """Runs of swings on one angle and the gestures they make (steps 2 and 3)."""

    def __init__(self, kind: str, options: HeadGestureOptions) -> None:
        self.kind = kind  # "nod" (pitch) or "shake" (yaw)
        self.options = options
        self.tracker = SwingTracker(options)
        self.run: list[Swing] = []
        self.before: Swing | None = None  # the swing just before the current run

    def reset(self) -> None:
        self.tracker.reset()
        self.run = []
        self.before = None

    @property
    def min_swing_deg(self) -> float:
        opts = self.options
        return opts.min_nod_swing_deg if self.kind == "nod" else opts.min_shake_swing_deg / 2

    def fits(self, swing: Swing, run: list[Swing]) -> bool:
        """Could ``swing`` extend ``run`` (or start one, when ``run`` is empty)?"""
        opts = self.options
        if swing.amplitude_deg < self.min_swing_deg or swing.travel_s > opts.max_swing_s:
            return False
        if not run:
            return self.kind != "nod" or swing.direction < 0
        last = run[-1]
        if last.settled or swing.t_leave - last.t_arrive > opts.max_pause_s:
            return False
        ratio = swing.amplitude_deg / max(last.amplitude_deg, 1e-9)
        return 1.0 / opts.max_swing_ratio <= ratio <= opts.max_swing_ratio

    def add(self, swing: Swing) -> list[Swing] | None:
        """Feed a confirmed swing; returns a finished run when this swing ends one."""
        finished = None
        if self.run and not self.fits(swing, self.run):
            finished, self.before = self.run, self.run[-1]
            self.run = []
        if not self.run:
            if self.fits(swing, []):
                self.run = [swing]
            else:
                self.before = swing
        else:
            self.run.append(swing)
        if self.run and self.run[-1].settled:
            finished = self._merge(finished, self.run)
            self.before, self.run = self.run[-1], []
        return finished

    @staticmethod
    def _merge(first: list[Swing] | None, second: list[Swing]) -> list[Swing]:
        # two runs cannot finish on one swing unless the first was cut by it; keep the longer
        if first is None or len(second) >= len(first):
            return second
        return first

    def flush(self) -> list[Swing] | None:
        """End the current run, counting the swing in progress if it completes it."""
        run = self.run
        pending = self.tracker.pending()
        if run and pending is not None and pending.t0 >= run[-1].t1:
            extended = [*run, pending]
            if self.fits(pending, run):
                run = extended
        self.run = []
        return run or None

    def gesture(self, run: list[Swing], before: Swing | None) -> tuple[list[Swing], int] | None:
        """The swings and cycles of a valid gesture in ``run``, or None."""
        opts = self.options
        if self.kind == "nod":
            swings = run[: len(run) // 2 * 2]  # whole down-up cycles only
            if not swings:
                return None
            cycles = len(swings) // 2
            periods = [swings[i + 1].t_arrive - swings[i].t_leave for i in range(0, len(swings), 2)]
        else:
            if len(run) < 3:
                return None
            swings = run
            cycles = (len(run) - 1) // 2
            periods = [run[i + 2].t_arrive - run[i].t_arrive for i in range(len(run) - 2)]
            if max(s.amplitude_deg for s in swings) < opts.min_shake_swing_deg:
                return None
        if any(not opts.min_cycle_s <= p <= opts.max_cycle_s for p in periods):
            return None
        travel = [max(s.travel_s, opts.min_travel_s) for s in swings]
        if any(
            max(a, b) > opts.max_travel_ratio * min(a, b) for a, b in itertools.pairwise(travel)
        ):
            return None  # a jump next to a slow move: not a smooth oscillation
        amplitude = max(s.amplitude_deg for s in swings)
        if (
            before is not None
            and before.amplitude_deg > opts.onset_rest_ratio * amplitude
            and before.travel_s <= opts.max_swing_s
            and swings[0].t_leave - before.t_arrive <= opts.max_pause_s
        ):
            return None  # no rest before it: part of larger ongoing motion
        return swings, cycles


class HeadGestureDetector:
    """Streaming nod and shake detector: ``update(sample) -> list[Event]``, ``reset()``.

    Events: ``Event("nod" | "shake", start, end, {"cycles", "amplitude_deg", "duration_s"})``,
    emitted when the gesture has ended (typically ``settle_s`` after its last swing).
    """

    def __init__(self, options: HeadGestureOptions | None = None) -> None:
        self.options = options or HeadGestureOptions()
        self._axes = {
            "nod": _GestureAxis("nod", self.options),
            "shake": _GestureAxis("shake", self.options),
        }
        # (t, pitch, yaw, roll, jaw_open) for the rest, cross-axis and talking checks
        self._pose: deque[tuple[float, float, float, float, float]] = deque()
        self._last_t: float | None = None

    def reset(self) -> None:
        for axis in self._axes.values():
            axis.reset()
        self._pose.clear()
        self._last_t = None

    def in_progress(self) -> str:
        """ "nod" or "shake" while a gesture of that kind is under way, else ""."""
        for kind, axis in self._axes.items():
            need = 1 if kind == "nod" else 2
            if len(axis.run) >= need:
                return kind
        return ""

    def update(self, sample: FaceSample) -> list[Event]:
        t = sample.t
        valid = sample.face and math.isfinite(sample.pitch) and math.isfinite(sample.yaw)
        events: list[Event] = []
        if self._last_t is not None and (not valid or t - self._last_t > self.options.max_gap_s):
            events = self.finish(self._last_t)
            self.reset()
        if not valid:
            return events
        self._last_t = t
        roll = sample.roll if math.isfinite(sample.roll) else 0.0
        jaw = sample.jaw_open if math.isfinite(sample.jaw_open) else 0.0
        self._pose.append((t, sample.pitch, sample.yaw, roll, jaw))
        horizon = t - POSE_HISTORY_S
        while self._pose and self._pose[0][0] < horizon:
            self._pose.popleft()
        for kind, value in (("nod", sample.pitch), ("shake", sample.yaw)):
            axis = self._axes[kind]
            swing = axis.tracker.update(t, value)
            if swing is None:
                continue
            before = axis.before
            run = axis.add(swing)
            if run:
                event = self._event(axis, run, before)
                if event is not None:
                    events.append(event)
        return events

    def finish(self, t: float) -> list[Event]:
        """Emit a gesture still in progress at the end of the stream."""
        events = []
        for axis in self._axes.values():
            before = axis.before
            run = axis.flush()
            if run:
                event = self._event(axis, run, before)
                if event is not None:
                    events.append(event)
        return events

    def _event(self, axis: _GestureAxis, run: list[Swing], before: Swing | None) -> Event | None:
        found = axis.gesture(run, before)
        if found is None:
            return None
        swings, cycles = found
        start, end = swings[0].t_leave, swings[-1].t_arrive
        if axis.kind == "nod":  # per cycle the smaller of down and up: drift inflates one
            amplitude = max(
                min(swings[i].amplitude_deg, swings[i + 1].amplitude_deg)
                for i in range(0, len(swings), 2)
            )
        else:
            amplitude = max(s.amplitude_deg for s in swings)
        opts = self.options
        own, other = (1, 2) if axis.kind == "nod" else (2, 1)
        # from the rest window on: the other angles were not moving into the gesture either
        during = [p for p in self._pose if start - opts.rest_window_s <= p[0] <= end]
        # ranges less a straight-line drift: slow posture drift is not part of the gesture
        for column, ratio, drift in (
            (other, opts.max_cross_ratio, opts.max_cross_drift_deg_s),
            (3, opts.max_roll_ratio, opts.max_roll_drift_deg_s),
        ):
            cross_range, cross_slope = detrend([(p[0], p[column]) for p in during])
            if cross_range > ratio * amplitude or abs(cross_slope) > drift:
                return None
        rest = [(p[0], p[own]) for p in self._pose if start - opts.rest_window_s <= p[0] < start]
        seen_rest = bool(rest) and rest[0][0] <= start - opts.rest_window_s / 2
        rest_range, rest_slope = detrend(rest)
        if (
            not seen_rest
            or rest_range > opts.onset_rest_ratio * amplitude
            or abs(rest_slope) > opts.max_rest_drift_deg_s
        ):
            return None  # the head was already moving: talk or expression, not a gesture
        jaw = [p[4] for p in self._pose if start - opts.rest_window_s <= p[0] <= end]
        talking = bool(jaw) and max(jaw) - min(jaw) >= opts.talking_jaw_range
        if talking and amplitude < opts.talking_min_swing_deg:
            return None
        return Event(
            axis.kind,
            start,
            end,
            {
                "cycles": cycles,
                "amplitude_deg": round(amplitude, 2),
                "duration_s": round(end - start, 3),
                "talking": talking,
            },
        )
