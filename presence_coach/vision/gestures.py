"""The shapes of head gestures in chains of swings, and the detector's options.

:class:`HeadGestureOptions` holds every threshold of the nod and shake detector
(:mod:`presence_coach.vision.nods`, whose docstring explains each rule). The pure functions
here find the candidate gestures in a chain of swings (:mod:`presence_coach.vision.swings`):
:func:`nods_in` the down-up cycles of a pitch chain, one :class:`Gesture` per single nod or
nodding run; :func:`shake_in` the shakes of a yaw chain (:mod:`presence_coach.vision.shakes`).
Whether a candidate stands out from the head's other motion is judged by the detector.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from presence_coach.vision.shakes import ShakeShape, shake_runs
from presence_coach.vision.swings import Swing, SwingOptions


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
    # ... and between a nod's dip and its return: a listening nod often rests a moment at the
    # bottom (the hand-labelled nods of the real d14 clip hold 0.2-0.3 s), even long enough
    # for the dip to count as settled
    max_hold_s: float = 0.7
    # ... if the return is slower than the dip by at least this factor (their 20-80 % times,
    # not the travel at peak speed: a return that comes back in steps is still slow): the
    # listening nod's quick dip and slow return. A laugh's lean forward and back, or a glance
    # down, moves at one pace each way
    held_return_ratio: float = 1.5
    # ... unless the dip and the return are both at most this: a small listening nod may rest
    # at the bottom and come back at any pace (the generated ones come back in 0.2-0.9 s after
    # a dip of 0.12-0.25 s), and its rest does not count toward its cycle's length. A laugh's
    # lean (7-10 degrees read) and a glance at notes (12-30) are larger
    max_small_dip_deg: float = 7.0
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
    min_contrast: float = 1.8
    rest_window_s: float = 0.6
    # ... and this for a nod made while talking (speech bobs the pose estimate; a listener's
    # small nod on a quiet head need not stand out as much)
    talk_contrast: float = 2.2
    # ... (run_contrast for a nodding run of run_cycles or more, which may start out of
    # other motion: a posture shift, a laugh)
    run_cycles: int = 3
    run_contrast: float = 1.0
    # ... if it is rhythmic: its longest cycle at most this many times its shortest (speech
    # moves the head at the uneven pace of its stresses; a nodding run keeps a beat)
    max_run_period_ratio: float = 3.0
    # ... and the angle was not ramping faster than this there (degrees per second; not
    # asked of a nodding run; at 15 fps the 0.6 s holds nine samples and its slope is rough:
    # 8 lost two listening nods there, 10-12 no false nod on the development set)
    max_rest_drift_deg_s: float = 10.0
    # within each cycle of a nod, the length of the (yaw range, roll range) is at most this
    # fraction of the cycle's amplitude (the median over a run's cycles)
    max_off_axis_ratio: float = 0.8
    # ... or this for a rhythmic run of long_run_cycles or more made while not talking (its
    # beat is evidence enough: over seconds of nodding along, expressions roll and turn the
    # head too; while talking, a beat of rolling bobs is as likely the speech's own)
    long_run_cycles: int = 5
    max_long_run_off_axis_ratio: float = 1.2
    # a nodding run of at least coupled_run_cycles whose yaw and roll do not go in step with
    # its pitch passes the off-axis check whatever else the head does, talking or not: over
    # seconds of nodding along, expressions turn and roll the head (d6's grimaces), but not
    # with each nod, while a diagonal bob or a rolling beat does. In step is measured at each
    # cycle's own frequency: the yaw and roll waves turned to the pitch wave's phase (so a
    # fixed lag still counts), summed over the cycles, against the pitch's (0: unrelated, 1:
    # a bob along the diagonal); at most max_run_coupling
    coupled_run_cycles: int = 8
    max_run_coupling: float = 0.3
    # while the mouth opens and closes, the expression moves the pose estimate too (non-nod
    # dips of 2.6-4.8 degrees with the jawOpen range at 0.4-0.8 in the development set): a
    # nod then needs at least this many degrees per unit of jawOpen range during it, up to
    # max_jaw_floor_deg (a nod while talking is rarely smaller than that; for a run of
    # coupled_run_cycles or more, the jawOpen's range in step with the nods: a mouth talking
    # at its own pace beside seconds of nodding along does not make the nods)
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
    # behind the face centre; 0.3 lost a nod and a listening nod at each rate to the base's
    # own motion, 0.2 let one dip that is no nod through)
    min_neck_depth: float = 0.25
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
    a, b = down.amplitude_deg, up.amplitude_deg
    held_s = max(0.0, up.t_leave - down.t_arrive - opts.max_pause_s)  # rest at the bottom
    small = max(a, b) <= opts.max_small_dip_deg
    period = up.t_arrive - down.t_leave - (held_s if small else 0.0)
    if not opts.min_cycle_s <= period <= opts.max_cycle_s:
        return False
    if min(a, b) < min_deg or b < opts.min_return_ratio * a or b > opts.max_rise_ratio * a:
        return False
    ta, tb = max(down.travel_s, opts.min_travel_s), max(up.travel_s, opts.min_travel_s)
    if held_s > 0 and not small:  # held at the bottom
        dip_s, back_s = (max(s.t_arrive - s.t_leave, opts.min_travel_s) for s in (down, up))
        if back_s < opts.held_return_ratio * dip_s:
            return False  # and back as quickly: a lean or a look down
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
