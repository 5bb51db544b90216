"""Head nods and head shakes from the per-frame head pose.

Both are found from the pose angles alone (time comes with the samples; no clock is read):

1. **Swings** (:mod:`presence_coach.vision.swings`): pitch and yaw are each cut into monotone
   swings between turning points; a swing that ends with the head at rest is *settled*.
2. **Chains.** Consecutive swings form a chain while each is large enough
   (``min_swing_deg``), quick enough (its 20-80 % travel within ``max_swing_s``) and follows
   the one before without a pause (``max_pause_s``) or a rest.
3. **Nods.** In a pitch chain, a *cycle* is a down swing and the up swing after it, within
   ``min_cycle_s..max_cycle_s``, the smaller of the two at least ``min_nod_deg`` and the return
   at least ``min_return_ratio`` of the dip (a dip that is held or only partly undone is a
   posture change or a look down, not a nod). The up swing may be slower than the dip (a
   listening nod dips quickly and comes back slowly) up to ``max_travel_ratio``.
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
   own angle in the ``rest_window_s`` before it (``run_contrast`` for a nodding run of
   ``run_cycles`` or more: its rhythm is evidence enough). Talking, laughing and grimacing
   move the pose estimate by a few degrees, so a gesture made in the middle of them must be
   larger in proportion, instead of meeting a fixed talking floor. The jaw itself explains
   only 1-10 % of talking's pitch motion (bench/pose_jaw.py), so it only sets a small floor
   while the mouth moves (``jaw_floor_deg`` per unit of jawOpen range, at most
   ``max_jaw_floor_deg``). The other angles must stay steadier than the gesture, judged per
   cycle or swing (``max_off_axis_ratio``, ``max_shake_cross_ratio``): no diagonal bobs, no
   tilts, no grimaces. A shake must also be ``shake_activity`` times the head's typical yaw
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
   (its longest cycle at most ``max_run_period_ratio`` times its shortest, a sloppy cycle each
   way left out of a long run; speech bobs follow the uneven stresses).
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

import itertools
import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from presence_coach.events import Event
from presence_coach.vision.face import FaceSample
from presence_coach.vision.shakes import ShakeShape, shake_runs
from presence_coach.vision.swings import Swing, SwingOptions, SwingTracker, detrend

ACTIVITY_S = 8.0  # how far back a shake is compared with the head's ongoing motion
MIN_ACTIVITY_S = 2.0  # ... and at least this much of it must have been seen
TALK_BEFORE_S = 2.0  # talking: the jaw moved as in speech from this long before a nod
TALK_RUN_CYCLES = 4  # while talking, a run needs this many cycles to skip the talking test
TALK_UNKNOWN_DEG = 6.0  # ... which asks this much before the head's usual motion is known
POSE_HISTORY_S = 16.0  # pose kept for the rest and cross-axis checks (longest run + rest)


@dataclass(frozen=True)
class HeadGestureOptions:
    """Thresholds of the nod and shake detectors (angles in degrees, times in seconds)."""

    # swings: a turning point needs the angle to come back by this much, and by this fraction
    # of the swing it ends; an extreme held settle_s (within settle_band_deg) is a rest
    min_reversal_deg: float = 0.8
    reversal_fraction: float = 0.3
    settle_s: float = 0.45
    settle_band_deg: float = 0.5
    # smallest swing that can be part of a gesture
    min_swing_deg: float = 1.5
    # longest 20-80 % travel of one swing; slower motion is a turn or a posture change
    max_swing_s: float = 0.45
    # longest pause between two swings of one gesture
    max_pause_s: float = 0.35
    # shortest and longest down-up cycle of a nod (from 20 % of the dip to 80 % of the return,
    # about 0.7 of the whole cycle: 0.18 s is a 3.9 Hz nod), and back-and-forth period of a
    # shake (from arrival to arrival)
    min_cycle_s: float = 0.18
    max_cycle_s: float = 1.4
    # smallest nod: the smaller of its down and up swings
    min_nod_deg: float = 2.0
    # ... and the smallest cycle that continues a run once it has started
    min_run_cycle_deg: float = 1.5
    # the up swing undoes at least this fraction of the dip
    min_return_ratio: float = 0.5
    # the up swing is at most this many times larger than the dip (else: a raise)
    max_rise_ratio: float = 2.5
    # the slower of a cycle's down and up travels is at most this many times the quicker
    # (counted as at least min_travel_s): a pose jump of a frame or two next to a slow drift
    # is not a nod
    max_travel_ratio: float = 5.0
    min_travel_s: float = 0.07
    # a nod starting within this long after the last nod ended continues it (one run)
    merge_gap_s: float = 0.8
    # smallest shake (its largest swing) and the size ratio of neighbouring shake swings
    min_shake_deg: float = 4.0
    max_shake_ratio: float = 3.0
    # a shake is the swings around its largest down to this fraction of it (smaller ones next
    # to it are the wobble before or after)
    shake_edge_ratio: float = 0.3
    # a shake ends facing about where it started: its swings add up to at most this fraction
    # of its largest (a turn to one side with a wobble on the way is not a "no")
    max_shake_net_ratio: float = 0.5
    # ... and keeps one pace: its slowest swing's travel at most this many times its quickest
    # (counted as at least min_travel_s; a slow turn among quick wobbles is not a "no")
    max_shake_pace_ratio: float = 3.0
    # a gesture's amplitude is at least this many times the range of its angle (less a
    # straight-line drift) in the rest_window_s before it
    min_contrast: float = 2.2
    rest_window_s: float = 0.6
    # ... (run_contrast for a nodding run of run_cycles or more, which may start out of
    # other motion: a posture shift, a laugh)
    run_cycles: int = 3
    run_contrast: float = 1.0
    # ... if it is rhythmic: its longest cycle at most this many times its shortest (speech
    # moves the head at the uneven pace of its stresses; a nodding run keeps a beat)
    max_run_period_ratio: float = 3.0
    # ... and the angle was not ramping faster than this there (degrees per second; not
    # asked of a nodding run)
    max_rest_drift_deg_s: float = 8.0
    # within each cycle of a nod, the length of the (yaw range, roll range) is at most this
    # fraction of the cycle's amplitude (the median over a run's cycles)
    max_off_axis_ratio: float = 0.8
    # ... or this for a rhythmic run of long_run_cycles or more made while not talking (its
    # beat is evidence enough: over seconds of nodding along, expressions roll and turn the
    # head too; while talking, a beat of rolling bobs is as likely the speech's own)
    long_run_cycles: int = 5
    max_long_run_off_axis_ratio: float = 1.2
    # while the mouth opens and closes, the expression moves the pose estimate too (non-nod
    # dips of 2.6-4.8 degrees with the jawOpen range at 0.4-0.8 in the development set): a
    # nod then needs at least this many degrees per unit of jawOpen range during it, up to
    # max_jaw_floor_deg (a nod while talking is rarely smaller than that)
    jaw_floor_deg: float = 11.0
    max_jaw_floor_deg: float = 4.5
    # ... and while talking (talking_jaw_hz, in the 2 s before the nod or in it), at least
    # this many times the head's typical 1 s pitch range over the 8 s before (less a
    # straight-line drift; accepted gestures left out): a person whose head bobs with their
    # speech is not nodding at each bob (bobs of the habitual size pass at 1.0 about half
    # the time; at 1.3 none do)
    talk_activity: float = 1.3
    # a shake is at least this many times the typical 1 s yaw range over the 8 s before it:
    # a head that wobbles side to side all the time (grimacing, laughing) is not shaking no
    shake_activity: float = 1.5
    # within each swing of a shake, the length of the (pitch, roll) ranges less a straight-line
    # drift is at most this fraction of the swing (the median over the swings); loose, as a
    # shake on an expressive face carries the face's own pitch and roll (min_shake_pivot
    # tells a turning head from a grimace)
    max_shake_cross_ratio: float = 0.8
    # a nod turns the head on the neck, so the face moves down in the picture as it pitches
    # down: the slope of the face top's height against the pitch (per radian, in face
    # heights) is at least this (development set: the generated nods' middle 80 % 0.38-0.69;
    # the dips that are no nod 0.05-0.57; the generator turns the head 0.7 face widths
    # behind the face centre)
    min_neck_depth: float = 0.3
    # a shake turns the head on the neck too, so the face moves sideways in the picture the
    # way the nose turns (positive yaw points the nose to the right of the picture): the
    # slope of the face centre's x against the yaw (per radian, in face widths) is at least
    # this. A head that sways sideways while the face stays toward the camera, and the yaw
    # wobble of grimaces, give zero or a negative slope. Only the direction is asked: how far
    # the face moves differs between faces and framings (generated shakes on the GRID
    # speakers read 0.1-0.14, -0.14 once, on the calm shared faces 0.2-0.55); at 0.15 a
    # third of the GRID shakes were lost, at 0.02 none of the development set's false shakes
    # comes back
    min_shake_pivot: float = 0.02
    # a gesture at least this many times the amplitude it needed is "clear"; a count with
    # nods that are not is shown as approximate
    clear_margin: float = 1.5
    # speech opens and closes the jaw several times a second: talking is at least
    # talking_jaw_hz openings or closings a second of at least talking_jaw_swing (jawOpen).
    # Real clips, per 2 s: d6's speech and grimaces 4-12, d18's wide mouth 0-2, d14 0-1; a
    # smaller swing counts the jawOpen wobble a nod itself draws on a still face
    talking_jaw_swing: float = 0.1
    talking_jaw_hz: float = 1.25
    # a gap in the samples (no face) longer than this ends any gesture in progress
    max_gap_s: float = 0.3

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name}={value} must be a positive number")
        if max(self.reversal_fraction, self.min_return_ratio) > 1.0:
            raise ValueError("reversal_fraction and min_return_ratio are at most 1")
        at_least_one = ("max_rise_ratio", "max_travel_ratio", "max_shake_ratio", "min_contrast")
        for name in (*at_least_one, "clear_margin"):
            if getattr(self, name) < 1.0:
                raise ValueError(f"{name}={getattr(self, name)} must be at least 1")
        if self.min_cycle_s >= self.max_cycle_s:
            raise ValueError("min_cycle_s must be below max_cycle_s")
        _ = self.shake_shape  # validates the shake options too

    @property
    def swings(self) -> SwingOptions:
        history = 2.0 * self.max_cycle_s + self.settle_s
        return SwingOptions(
            self.min_reversal_deg,
            self.reversal_fraction,
            self.settle_s,
            self.settle_band_deg,
            history,
        )

    @property
    def shake_shape(self) -> ShakeShape:
        return ShakeShape(
            self.min_cycle_s,
            self.max_cycle_s,
            self.min_shake_deg,
            self.max_shake_ratio,
            self.shake_edge_ratio,
            self.max_shake_net_ratio,
            self.max_shake_pace_ratio,
            self.min_travel_s,
        )


@dataclass(frozen=True, slots=True)
class Gesture:
    """A candidate nod or shake: its swings, cycles and amplitude."""

    kind: str  # "nod" or "shake"
    swings: tuple[Swing, ...]
    cycles: int
    amplitude_deg: float
    # (start, end, amplitude) of each cycle of a nod; the whole gesture for a shake
    spans: tuple[tuple[float, float, float], ...]

    @property
    def start(self) -> float:
        return self.swings[0].t_leave

    @property
    def end(self) -> float:
        return self.swings[-1].t_arrive

    def joined(self, later: Gesture) -> Gesture:
        """This gesture continued by a later one of the same kind (one run)."""
        return Gesture(
            self.kind,
            self.swings + later.swings,
            self.cycles + later.cycles,
            max(self.amplitude_deg, later.amplitude_deg),
            self.spans + later.spans,
        )


def nod_cycle_ok(down: Swing, up: Swing, opts: HeadGestureOptions, min_deg: float) -> bool:
    """Whether a down swing and the up swing after it make one nod cycle of at least
    ``min_deg`` (the smaller of the two swings)."""
    if down.direction > 0 or up.direction < 0:
        return False
    period = up.t_arrive - down.t_leave
    if not opts.min_cycle_s <= period <= opts.max_cycle_s:
        return False
    a, b = down.amplitude_deg, up.amplitude_deg
    if min(a, b) < min_deg or b < opts.min_return_ratio * a or b > opts.max_rise_ratio * a:
        return False
    ta, tb = max(down.travel_s, opts.min_travel_s), max(up.travel_s, opts.min_travel_s)
    return max(ta, tb) <= opts.max_travel_ratio * min(ta, tb)


def _nod(chain: list[Swing], first: int, last: int, opts: HeadGestureOptions) -> Gesture:
    """The nod made by ``chain[first..last]`` (a down swing to an up swing): its cycles are
    the down-up pairs of at least ``min_run_cycle_deg`` (a sloppy one inside a run counts)."""
    swings = chain[first : last + 1]
    pairs = [
        (d, u)
        for d, u in itertools.pairwise(swings)
        if d.direction < 0 and min(d.amplitude_deg, u.amplitude_deg) >= opts.min_run_cycle_deg
    ]
    spans = tuple((d.t_leave, u.t_arrive, min(d.amplitude_deg, u.amplitude_deg)) for d, u in pairs)
    amplitude = max(a for _, _, a in spans)
    return Gesture("nod", tuple(swings), len(pairs), amplitude, spans)


def nods_in(chain: list[Swing], opts: HeadGestureOptions) -> list[Gesture]:
    """The nods of a chain: runs of consecutive valid down-up cycles (the first at least
    ``min_nod_deg``, the others ``min_run_cycle_deg``); runs less than ``merge_gap_s`` apart
    are one (a sloppy cycle does not cut a nodding run in two)."""
    groups: list[list[int]] = []  # [first, last] chain indices
    current: list[int] | None = None
    i = 0
    while i + 1 < len(chain):
        # a run once started goes on through smaller cycles (amplitude drifts in long runs)
        min_deg = opts.min_run_cycle_deg if current else opts.min_nod_deg
        if nod_cycle_ok(chain[i], chain[i + 1], opts, min_deg):
            if current is None:
                current = [i, i + 1]
                gap = chain[i].t_leave - chain[groups[-1][1]].t_arrive if groups else math.inf
                if gap <= opts.merge_gap_s:
                    current = groups.pop()
            current[1] = i + 1
            i += 2
        else:
            if current is not None:
                groups.append(current)
            current = None
            i += 1
    if current is not None:
        groups.append(current)
    return [_nod(chain, a, b, opts) for a, b in groups]


def shake_in(chain: list[Swing], opts: HeadGestureOptions) -> list[Gesture]:
    """The shakes a yaw chain makes (:func:`presence_coach.vision.shakes.shake_runs`)."""
    return [_shake(run) for run in shake_runs(chain, opts.shake_shape)]


def _shake(swings: list[Swing]) -> Gesture:
    amplitude = max(s.amplitude_deg for s in swings)
    spans = tuple((s.t0, s.t1, s.amplitude_deg) for s in swings)
    return Gesture("shake", tuple(swings), (len(swings) - 1) // 2, amplitude, spans)


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
            if not fits or last.settled or swing.t_leave - last.t_arrive > opts.max_pause_s:
                finished, self.chain = self.chain, []
        if fits:
            self.chain.append(swing)
            if swing.settled:
                finished = self._merge(finished, self.chain)
                self.chain = []
        return finished

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
    cycle, so a nodding run is one event).
    """

    def __init__(self, options: HeadGestureOptions | None = None) -> None:
        self.options = options or HeadGestureOptions()
        swings = self.options.swings
        self._axes = {k: _Axis(k, SwingTracker(swings)) for k in ("nod", "shake")}
        # (t, pitch, yaw, roll, jaw_open, face top height, face height; the last two in
        # picture heights; face centre x, face width in picture widths) for the rest,
        # cross-axis, talking and neck checks
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
        if self._open_nod is not None or self._axes["nod"].chain:
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
        roll = sample.roll if math.isfinite(sample.roll) else 0.0
        jaw = sample.jaw_open if math.isfinite(sample.jaw_open) else 0.0
        self._pose.append(
            (t, sample.pitch, sample.yaw, roll, jaw, *_face_height(sample), *_face_side(sample))
        )
        while self._pose[0][0] < t - POSE_HISTORY_S:
            self._pose.popleft()
        for kind, value in (("nod", sample.pitch), ("shake", sample.yaw)):
            axis = self._axes[kind]
            swing = axis.tracker.update(t, value)
            chain = axis.add(swing, self.options) if swing is not None else None
            if chain:
                events += self._judge(kind, chain)
        if self._open_nod is not None and t - self._open_nod[0].end > self.options.merge_gap_s:
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
        """(n, 9) pose rows with start <= t <= end."""
        rows = [p for p in self._pose if start <= p[0] <= end]
        return np.array(rows, dtype=np.float64).reshape(-1, 9)

    def _needed(self, gesture: Gesture) -> float:
        """The amplitude the gesture needs to count (module docstring, step 5): ``inf`` when
        it fails a check that size cannot make up for."""
        opts = self.options
        own, other = (1, 2) if gesture.kind == "nod" else (2, 1)
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
        if self._off_axis(gesture, other) > limit:
            return math.inf
        contrast = opts.run_contrast if run else opts.min_contrast
        if gesture.kind == "shake":
            activity = self._activity(own, gesture.start)
            if not math.isfinite(activity):  # the first seconds: the rest window must do
                activity = 0.0
            return max(contrast * rest_range, opts.shake_activity * activity)
        during = self._window(gesture.start, gesture.end)
        jaw_range = float(np.ptp(during[:, 4])) if len(during) else 0.0
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
        """How far behind the face a nod turned the head (module docstring, step 6), in face
        heights: the slope of the face top's height in the picture against the pitch, per
        radian, in the nod's mean face height (down the picture as the pitch goes down is
        positive). ``inf`` without face boxes."""
        rows = self._window(gesture.start, gesture.end)
        rows = rows[np.isfinite(rows[:, 5])]
        if len(rows) < 3 or np.ptp(rows[:, 1]) <= 0:
            return math.inf
        slope = np.polyfit(rows[:, 1], rows[:, 5], 1)[0] / float(np.mean(rows[:, 6]))
        return float(-slope * 180.0 / math.pi)

    def _shake_pivot(self, gesture: Gesture) -> float:
        """How far in front of the turning axis the face is during a shake (module docstring,
        step 6), in face widths: the slope of the face centre's x in the picture against the
        yaw (both less a straight-line drift: a slow sway is not the shake), per radian, in
        the shake's mean face width. ``inf`` without face boxes."""
        rows = self._window(gesture.start, gesture.end)
        rows = rows[np.isfinite(rows[:, 7])]
        if len(rows) < 3 or np.ptp(rows[:, 2]) <= 0:
            return math.inf
        t = rows[:, 0] - rows[0, 0]
        yaw, side = (v - np.polyval(np.polyfit(t, v, 1), t) for v in (rows[:, 2], rows[:, 7]))
        if np.ptp(yaw) <= 0:
            return math.inf
        return float(np.polyfit(np.radians(yaw), side, 1)[0] / np.mean(rows[:, 8]))

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
        the shortest)."""
        periods = sorted(b - a for a, b, _ in gesture.spans)
        if len(periods) >= self.options.long_run_cycles:  # a sloppy cycle or two: still a beat
            periods = periods[1:-1]
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

    def _off_axis(self, gesture: Gesture, other: int) -> float:
        """How much the other angles move, relative to the gesture, per cycle of a nod or
        swing of a shake (the median over them: a run lasts seconds, over which talking
        moves the head anyway, while a diagonal bob, a tilt or a grimace moves the other
        angles within each cycle). For a nod the length of the (yaw, roll) ranges within the
        cycle (a nod cycle is short: a roll coming back from a tilt counts, slow drift
        hardly); for a shake the (pitch, roll) ranges less a straight-line drift over the
        swing (pitch steps with expressions next to a shake). Divided by the amplitude."""
        ratios = []
        for a, b, amp in gesture.spans:
            during = self._window(a, b)
            if gesture.kind == "nod":
                cross = math.hypot(float(np.ptp(during[:, other])), float(np.ptp(during[:, 3])))
            else:
                cross = detrend(during[:, 0], during[:, other])[0]
                cross = math.hypot(cross, detrend(during[:, 0], during[:, 3])[0])
            ratios.append(cross / amp)
        if gesture.kind == "shake":  # a diagonal bob's pitch follows the yaw within each swing
            return max(
                float(np.median(ratios)), _diagonal(self._window(gesture.start, gesture.end))
            )
        return float(np.median(ratios))

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


def _diagonal(rows: np.ndarray) -> float:
    """How much the pitch and roll go with the yaw over pose rows (n, 9): the length of
    their least-squares slopes against it (1 for a bob along the diagonal, near 0 for a
    turn of the head alone)."""
    if len(rows) < 3 or np.ptp(rows[:, 2]) <= 0:
        return 0.0
    slopes = [np.polyfit(rows[:, 2], rows[:, c], 1)[0] for c in (1, 3)]
    return float(math.hypot(*slopes))


def jaw_turns(jaw: np.ndarray, swing: float) -> int:
    """How many times the jaw-open score ``jaw`` (n,) turns back after moving by ``swing``
    or more, and comes back by as much (a hysteresis count of the ends of openings and
    closings; the first movement is not a turn)."""
    turns, direction = 0, 0
    high = low = float(jaw[0])
    for value in jaw.tolist():
        high, low = max(high, value), min(low, value)
        if direction >= 0 and high - value >= swing:
            turns, direction, low = turns + (direction > 0), -1, value
        elif direction <= 0 and value - low >= swing:
            turns, direction, high = turns + (direction < 0), 1, value
    return turns


def _face_height(sample: FaceSample) -> tuple[float, float]:
    """The height of the face box's top in the picture (down is positive; the forehead, which
    the jaw does not move) and the box's height, both in picture heights (NaN without a
    box)."""
    _x, y, _w, h = sample.box
    return (y, h) if math.isfinite(y) and h > 0 else (math.nan, math.nan)


def _face_side(sample: FaceSample) -> tuple[float, float]:
    """The face box's centre x in the picture and the box's width, both in picture widths
    (NaN without a box)."""
    x, _y, w, _h = sample.box
    return (x + w / 2, w) if math.isfinite(x) and w > 0 else (math.nan, math.nan)
