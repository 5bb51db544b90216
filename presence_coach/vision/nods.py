"""Head nods and head shakes from the per-frame head pose.

Both are found from the pose angles alone (time comes with the samples; no clock is read):

1. **Swings** (:mod:`presence_coach.vision.swings`): pitch and yaw are each cut into monotone
   swings between turning points; a swing that ends with the head at rest is *settled*.
2. **Chains.** Consecutive swings form a chain while each is large enough
   (``min_swing_deg``), quick enough (its 20-80 % travel within ``max_swing_s``) and follows
   the one before without a pause (``max_pause_s``) or a rest; a pitch dip may rest at the
   bottom before the head comes back up (``max_hold_s``, even when the dip settled).
3. **Nods.** In a pitch chain, a *cycle* is a down swing and the up swing after it, within
   ``min_cycle_s..max_cycle_s``, the smaller of the two at least ``min_nod_deg`` and the return
   at least ``min_return_ratio`` of the dip (a dip that is held or only partly undone is a
   posture change or a look down, not a nod). The up swing may be slower than the dip (a
   listening nod dips quickly and comes back slowly) up to ``max_travel_ratio``. A cycle
   that held at the bottom for longer than a pause must come back at least
   ``held_return_ratio`` times slower than it went down: a listening nod's quick dip and slow
   return, not a laugh's lean forward and back or a glance down, which move at one pace.
   A small held cycle (both swings at most ``max_small_dip_deg``) is a listening nod at any
   pace of return, and its rest at the bottom does not count toward its length.
   Consecutive cycles are one gesture: a single nod or a nodding run, one event with its
   ``cycles``. A nod that starts within ``merge_gap_s`` of the last one's end continues it.
4. **Shakes** (:mod:`presence_coach.vision.shakes`). In a yaw chain, stretches of swings
   with back-and-forth periods within ``min_cycle_s..max_cycle_s`` and neighbours similar in
   size (``max_shake_ratio``); a shake is the swings around a stretch's largest down to
   ``shake_edge_ratio`` of it (the wobble before and after is not part of it; one chain may
   hold several shakes): at least three, the largest at least ``min_shake_deg``, ending about
   where they started (``max_shake_net_ratio``: a turn to one side with a wobble on the way
   is not a "no") and at one pace (``max_shake_pace_ratio``).
5. **Standing out.** A gesture must stand out from what the head was doing just before: its
   amplitude is at least ``min_contrast`` times the range (less a straight-line drift) of its
   own angle in the ``rest_window_s`` before it (``talk_contrast`` for a nod made while
   talking; ``run_contrast`` for a nodding run of ``run_cycles`` or more: its rhythm is
   evidence enough). Talking, laughing and grimacing
   move the pose estimate by a few degrees, so a gesture made in the middle of them must be
   larger in proportion, instead of meeting a fixed talking floor. The jaw itself explains
   only 1-10 % of talking's pitch motion (bench/pose_jaw.py), so it only sets a small floor
   while the mouth moves (``jaw_floor_deg`` per unit of jawOpen range, at most
   ``max_jaw_floor_deg``). The other angles must stay steadier than the gesture, judged per
   cycle or swing (``max_off_axis_ratio``, ``max_shake_cross_ratio``): no diagonal bobs, no
   tilts, no grimaces. A long nodding run (``coupled_run_cycles``) whose yaw and roll do not
   go in step with its pitch, cycle by cycle, passes whatever else the head does
   (``max_run_coupling``): expressions turn and roll a head nodding along, not with each nod.
   Its jaw floor likewise counts only the jaw's motion in step with the nods.
   A shake must also be ``shake_activity`` times the head's typical yaw
   range of the seconds before (the gestures already found left out): a head that wobbles all
   the time is not shaking "no", a head that said "no" a moment ago may say it again (in the
   first seconds, before that is known, the rest window alone); and its pitch and roll must
   not follow the yaw over the shake (a bob along the diagonal). While
   talking (the jaw opening and closing at speech's pace, not a mouth held open or a single
   "mm-hmm"), a nod must also reach ``talk_activity`` times the head's typical 1 s pitch
   range of the seconds before, the gestures accepted there left out (a person whose head
   bobs with their speech is not nodding at every bob; before that motion is known, at least
   TALK_UNKNOWN_DEG unless it is a run of ``long_run_cycles``), unless it is a nodding run of
   TALK_RUN_CYCLES or more that keeps a beat
   (its longest cycle at most ``max_run_period_ratio`` times its shortest, the sloppy cycles
   left out of a long run: one in ten each way, at least one; speech bobs follow the uneven
   stresses).
6. **On the neck.** A nod turns the head about a point behind and below the face, so the face
   moves down in the picture as it pitches down (by about half a face height per radian).
   Grimaces and talking also move the pose *estimate* by a few degrees, with the face hardly
   moving in the picture: the height of the top of the face (the chin moves with the jaw)
   against a nod's pitch must give a turning point at least ``min_neck_depth`` face heights
   behind the face (skipped without boxes).
   A shake turns the head on the neck too: the face moves sideways in the picture the way the
   nose turns (``min_shake_pivot``: the direction, not how far). A head that sways
   sideways while the face stays toward the camera moves the other way, and the yaw the
   estimate reads into grimaces hardly moves the face (development set, both less a
   straight-line drift: generated shakes 0.2-0.55 on the calm faces, -0.1-0.55 on d6, whose
   own sway mixes in; d6's own yaw wobble that passes the other checks -0.7-0.17; on the real
   d6 clip its larger yaw moves go with the face moving the other way, r = -0.9).

A nod that passes with less than ``clear_margin`` times the amplitude it needed is not
``clear`` (the report then shows the count as approximate).

Amplitude is in degrees peak to peak: for nods the largest cycle's smaller swing (posture drift
does not inflate it), for shakes the largest swing. Events say whether the person was
talking (``talking``, as the talking test reads it).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from presence_coach.events import Event
from presence_coach.vision.face import FaceSample
from presence_coach.vision.gestures import Gesture, HeadGestureOptions, nods_in, shake_in
from presence_coach.vision.pose_measures import (
    COLUMNS,
    in_step,
    jaw_turns,
    neck_depth,
    off_axis_nod,
    off_axis_shake,
    pose_row,
    shake_pivot,
)
from presence_coach.vision.swings import Swing, SwingTracker, detrend

ACTIVITY_S = 8.0  # how far back a shake is compared with the head's ongoing motion
MIN_ACTIVITY_S = 2.0  # ... and at least this much of it must have been seen
TALK_BEFORE_S = 2.0  # talking: the jaw moved as in speech from this long before a nod
# while talking, a run needs this many cycles to skip the talking test: four or five bobs at
# an even pace are a talking head's stresses as often as a nodding run (the most the
# development runs allow: 7 loses one of them, bench/nodtune.py)
TALK_RUN_CYCLES = 6
TALK_UNKNOWN_DEG = 6.0  # ... which asks this much before the head's usual motion is known
POSE_HISTORY_S = 16.0  # pose kept for the rest and cross-axis checks (longest run + rest)


@dataclass
class _Axis:
    """One angle's swing tracker and the chain of swings in progress."""

    kind: str  # "nod" (pitch) or "shake" (yaw)
    tracker: SwingTracker
    chain: list[Swing] = field(default_factory=list)

    def add(self, swing: Swing, opts: HeadGestureOptions) -> list[Swing] | None:
        """Feed a confirmed swing; returns a finished chain when this swing ends one."""
        fits = self.fits(swing, opts)
        finished = None
        if self.chain:
            last = self.chain[-1]
            pause = swing.t_leave - last.t_arrive
            if self._holds(last, swing):  # the return from a dip that rested at the bottom
                ends = pause > opts.max_hold_s
            else:
                ends = last.settled or pause > opts.max_pause_s
            if not fits or ends:
                finished, self.chain = self.chain, []
        if fits:
            self.chain.append(swing)
            if swing.settled:
                finished = self._merge(finished, self.chain)
                # a dip that came to rest may still come back (a listening nod holds a moment
                # at the bottom): it starts the next chain
                self.chain = [swing] if self._holds(swing, None) else []
        return finished

    def _holds(self, down: Swing, up: Swing | None) -> bool:
        """Whether ``down`` is a pitch dip that may rest at the bottom before ``up`` (any
        swing when None) brings the head back: the pause allowed is then ``max_hold_s``."""
        dip = self.kind == "nod" and down.direction < 0
        return dip and (up is None or up.direction > 0)

    def waiting(self) -> bool:
        """Whether a gesture may be under way: a chain with more than a dip at rest."""
        return bool(self.chain) and not (len(self.chain) == 1 and self.chain[0].settled)

    @staticmethod
    def _merge(first: list[Swing] | None, second: list[Swing]) -> list[Swing]:
        # a swing that both ends one chain and settles alone: keep the longer
        return second if first is None or len(second) >= len(first) else first

    def flush(self, opts: HeadGestureOptions) -> list[Swing] | None:
        """End the chain, counting the swing in progress if it belongs to it."""
        chain, self.chain = self.chain, []
        pending = self.tracker.pending()
        if chain and pending is not None and pending.t0 >= chain[-1].t1:
            chain = [*chain, pending] if self.fits(pending, opts) else chain
        return chain or None

    @staticmethod
    def fits(swing: Swing, opts: HeadGestureOptions) -> bool:
        """Large and quick enough to be part of a gesture."""
        return swing.amplitude_deg >= opts.min_swing_deg and swing.travel_s <= opts.max_swing_s


class HeadGestureDetector:
    """Streaming nod and shake detector: ``update(sample) -> list[Event]``, ``reset()``.

    Events: ``Event("nod" | "shake", start, end, {"cycles", "amplitude_deg", "duration_s",
    "talking"})``, emitted once the gesture is over (a nod ``merge_gap_s`` after its last
    cycle, or later while a pitch chain that began within that time is under way, so a
    nodding run is one event).
    """

    def __init__(self, options: HeadGestureOptions | None = None) -> None:
        self.options = options or HeadGestureOptions()
        swings = self.options.swings
        self._axes = {k: _Axis(k, SwingTracker(swings)) for k in ("nod", "shake")}
        # pose rows (pose_measures.COLUMNS) for the rest, cross-axis, talking and neck checks
        self._pose: deque[tuple[float, ...]] = deque()
        self._last_t: float | None = None
        # accepted nod that a next one may continue, and the amplitude it needed
        self._open_nod: tuple[Gesture, float] | None = None
        # (start, end) of the gestures accepted lately: left out of the head's ongoing motion
        self._accepted: deque[tuple[float, float]] = deque()

    def reset(self) -> None:
        for axis in self._axes.values():
            axis.tracker.reset()
            axis.chain = []
        self._pose.clear()
        self._last_t = None
        self._open_nod = None
        self._accepted.clear()

    def in_progress(self) -> str:
        """ "nod" or "shake" while a gesture of that kind is under way, else ""."""
        if self._open_nod is not None or self._axes["nod"].waiting():
            return "nod"
        return "shake" if len(self._axes["shake"].chain) >= 2 else ""

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
        self._pose.append(pose_row(sample))
        while self._pose[0][0] < t - POSE_HISTORY_S:
            self._pose.popleft()
        for kind, value in (("nod", sample.pitch), ("shake", sample.yaw)):
            axis = self._axes[kind]
            swing = axis.tracker.update(t, value)
            chain = axis.add(swing, self.options) if swing is not None else None
            if chain:
                events += self._judge(kind, chain)
        opened = self._open_nod
        gap = self.options.merge_gap_s
        if opened is not None and t - opened[0].end > gap and not self._may_continue(opened[0]):
            events.append(self._close_nod())
        return events

    def finish(self, t: float) -> list[Event]:
        """Emit the gestures still in progress at the end of the stream (time ``t``)."""
        events = []
        for kind, axis in self._axes.items():
            chain = axis.flush(self.options)
            if chain:
                events += self._judge(kind, chain)
        if self._open_nod is not None:
            events.append(self._close_nod())
        return events

    def _judge(self, kind: str, chain: list[Swing]) -> list[Event]:
        """Events for the gestures of a finished chain that pass the checks."""
        if kind == "shake":
            return self._judge_shakes(chain)
        events = []
        for nod in nods_in(chain, self.options):
            opened = self._open_nod
            if opened is not None and nod.start - opened[0].end <= self.options.merge_gap_s:
                self._open_nod = (opened[0].joined(nod), opened[1])
                self._accept(nod)
                continue
            needed = self._needed(nod)
            if nod.amplitude_deg < needed:
                continue
            if opened is not None:
                events.append(self._close_nod())
            self._open_nod = (nod, needed)
            self._accept(nod)
        return events

    def _may_continue(self, nod: Gesture) -> bool:
        """Whether a pitch chain under way (or a swing in progress large and quick enough to
        start one) began within ``merge_gap_s`` of ``nod``'s end: a run's next cycles, judged
        when its chain ends, may still continue it (one event)."""
        axis = self._axes["nod"]
        if axis.waiting():  # not a dip at rest, which may wait for its return for long
            first = axis.chain[0]
        else:
            first = axis.tracker.pending()
            if first is None or not axis.fits(first, self.options):
                return False
        return first.t_leave - nod.end <= self.options.merge_gap_s

    def _accept(self, gesture: Gesture) -> None:
        """Remember an accepted gesture's time: it is not the head's ongoing motion."""
        self._accepted.append((gesture.start, gesture.end))
        while self._accepted and self._accepted[0][1] < gesture.end - POSE_HISTORY_S:
            self._accepted.popleft()

    def _judge_shakes(self, chain: list[Swing]) -> list[Event]:
        """Events for the shakes of a finished yaw chain that pass the checks (remembered: a
        shake is not the head's wobble that a later one must beat)."""
        events = []
        for shake in shake_in(chain, self.options):
            needed = self._needed(shake)
            if shake.amplitude_deg >= needed:
                events.append(self._event(shake, needed))
                self._accept(shake)
        return events

    def _close_nod(self) -> Event:
        opened, self._open_nod = self._open_nod, None
        assert opened is not None
        return self._event(*opened)

    def _window(self, start: float, end: float) -> np.ndarray:
        """(n, 9) pose rows (:data:`COLUMNS`) with start <= t <= end."""
        rows = [p for p in self._pose if start <= p[0] <= end]
        return np.array(rows, dtype=np.float64).reshape(-1, len(COLUMNS))

    def _needed(self, gesture: Gesture) -> float:
        """The amplitude the gesture needs to count (module docstring, step 5): ``inf`` when
        it fails a check that size cannot make up for."""
        opts = self.options
        own = 1 if gesture.kind == "nod" else 2  # the pitch or the yaw
        before = self._window(gesture.start - opts.rest_window_s, gesture.start)
        if len(before) < 2 or before[0, 0] > gesture.start - opts.rest_window_s / 2:
            return math.inf  # too little seen before it to tell
        rest_range, rest_slope = detrend(before[:, 0], before[:, own])
        # a rhythmic nodding run (run_cycles or more) is its own evidence: it may start out of
        # motion
        run = gesture.kind == "nod" and gesture.cycles >= opts.run_cycles
        run = run and self._rhythmic(gesture)
        if abs(rest_slope) > opts.max_rest_drift_deg_s and not run:
            return math.inf
        if gesture.kind == "nod" and self._neck_depth(gesture) < opts.min_neck_depth:
            return math.inf
        if gesture.kind == "shake" and self._shake_pivot(gesture) < opts.min_shake_pivot:
            return math.inf
        limit = opts.max_off_axis_ratio if gesture.kind == "nod" else opts.max_shake_cross_ratio
        talking = gesture.kind == "nod" and self._talking(
            gesture.start - TALK_BEFORE_S, gesture.end
        )
        if run and gesture.cycles >= opts.long_run_cycles and not talking:
            limit = opts.max_long_run_off_axis_ratio
        in_step = self._in_step(gesture)  # a long run's yaw, roll and jaw with its beat
        uncoupled = in_step is not None and in_step[0] <= opts.max_run_coupling
        if self._off_axis(gesture) > limit and not uncoupled:
            return math.inf
        contrast = opts.run_contrast if run else opts.min_contrast
        if talking and not run:  # speech moves the pose estimate: stand out more
            contrast = max(contrast, opts.talk_contrast)
        if gesture.kind == "shake":
            activity = self._activity(own, gesture.start)
            if not math.isfinite(activity):  # the first seconds: the rest window must do
                activity = 0.0
            return max(contrast * rest_range, opts.shake_activity * activity)
        during = self._window(gesture.start, gesture.end)
        jaw_range = float(np.ptp(during[:, 4])) if len(during) else 0.0
        if in_step is not None:  # over a long run, only the jaw's part in step with the nods
            jaw_range = in_step[1]
        jaw_floor = min(opts.jaw_floor_deg * jaw_range, opts.max_jaw_floor_deg)
        if talking:
            activity = self._activity(1, gesture.start)
            if not math.isfinite(activity):  # how this head moves with its speech is unknown
                if gesture.cycles < opts.long_run_cycles or not run:
                    jaw_floor = max(jaw_floor, TALK_UNKNOWN_DEG)
            elif not run or gesture.cycles < TALK_RUN_CYCLES:
                jaw_floor = max(jaw_floor, opts.talk_activity * activity)
        return max(contrast * rest_range, jaw_floor)

    def _neck_depth(self, gesture: Gesture) -> float:
        """How far behind the face a nod turned the head (:func:`neck_depth`)."""
        return neck_depth(self._window(gesture.start, gesture.end))

    def _shake_pivot(self, gesture: Gesture) -> float:
        """How far in front of the turning axis the face is during a shake
        (:func:`shake_pivot`)."""
        return shake_pivot(self._window(gesture.start, gesture.end))

    def _talking(self, start: float, end: float) -> bool:
        """Whether the jaw moved as speech moves it between ``start`` and ``end``: opening
        and closing by ``talking_jaw_swing`` at least ``talking_jaw_hz`` times a second (a
        mouth held open, a smile or an "mm-hmm" is not talking)."""
        rows = self._window(start, end)
        if len(rows) < 3:
            return False
        span = max(float(rows[-1, 0] - rows[0, 0]), 1.0)
        turns = jaw_turns(rows[:, 4], self.options.talking_jaw_swing)
        return turns >= self.options.talking_jaw_hz * span

    def _rhythmic(self, gesture: Gesture) -> bool:
        """Whether a nod's cycles keep a beat (longest at most ``max_run_period_ratio`` times
        the shortest; in a long run, one cycle in ten each way, at least one, is left out:
        sloppy cycles in seconds of nodding along still keep a beat)."""
        periods = sorted(b - a for a, b, _ in gesture.spans)
        if len(periods) >= self.options.long_run_cycles:
            sloppy = max(1, len(periods) // 10)
            periods = periods[sloppy:-sloppy]
        return periods[-1] <= self.options.max_run_period_ratio * periods[0]

    def _activity(self, column: int, before: float) -> float:
        """The typical range of one angle (less a straight-line drift) in 1 s windows over the
        ACTIVITY_S before ``before``: how much the head moves anyway."""
        rows = self._window(before - ACTIVITY_S, before)
        if len(rows) < 3 or rows[-1, 0] - rows[0, 0] < MIN_ACTIVITY_S:
            return math.inf  # too little seen yet to know how much the head moves anyway
        ranges, free = [], []
        for start in np.arange(rows[0, 0], before - 1.0 + 1e-9, 0.25):
            inside = rows[(rows[:, 0] >= start) & (rows[:, 0] <= start + 1.0)]
            ranges.append(detrend(inside[:, 0], inside[:, column])[0])
            free.append(not any(a < start + 1.0 and start < b for a, b in self._accepted))
        # the gestures accepted lately are not how much the head moves anyway; for the pitch,
        # unless they were most of it (a head that "nods" at every stress of its speech is
        # talking), while a "no" a moment ago is never the yaw's wobble
        if 2 * sum(free) >= len(free) or column != 1:
            ranges = [r for r, f in zip(ranges, free, strict=True) if f]
        return float(np.median(ranges)) if ranges else 0.0

    def _off_axis(self, gesture: Gesture) -> float:
        """How much the other angles move, relative to the gesture (:func:`off_axis_nod`,
        :func:`off_axis_shake`)."""
        cycles = [(self._window(a, b), amp) for a, b, amp in gesture.spans]
        if gesture.kind == "nod":
            return off_axis_nod(cycles)
        return off_axis_shake(cycles, self._window(gesture.start, gesture.end))

    def _in_step(self, gesture: Gesture) -> tuple[float, float] | None:
        """For a long nodding run (``coupled_run_cycles``), how much the other angles and the
        jaw keep step with its pitch (:func:`in_step`); None for a shake, a single nod or a
        shorter run."""
        if gesture.kind != "nod" or gesture.cycles < self.options.coupled_run_cycles:
            return None
        return in_step([(self._window(a, b), a, b) for a, b, _ in gesture.spans])

    def _event(self, gesture: Gesture, needed_deg: float) -> Event:
        opts = self.options
        floor = opts.min_nod_deg if gesture.kind == "nod" else opts.min_shake_deg
        clear = gesture.amplitude_deg >= opts.clear_margin * max(needed_deg, floor)
        talking = self._talking(gesture.start - TALK_BEFORE_S, gesture.end)
        return Event(
            gesture.kind,
            gesture.start,
            gesture.end,
            {
                "cycles": gesture.cycles,
                "amplitude_deg": round(gesture.amplitude_deg, 2),
                "duration_s": round(gesture.end - gesture.start, 3),
                "talking": talking,
                "clear": clear,
            },
        )
