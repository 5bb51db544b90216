"""Measures of a head gesture on the recent pose, for the nod and shake detector.

The detector (:mod:`presence_coach.vision.nods`, whose docstring gives the rules these
serve) keeps the recent pose as rows of :data:`COLUMNS` (:func:`pose_row`). The pure
functions here measure a candidate gesture on those rows: how far behind the face the head
turned (:func:`neck_depth`, :func:`shake_pivot`), how much the other angles moved
(:func:`off_axis_nod`, :func:`off_axis_shake`), how much they kept step with a nodding run
(:func:`in_step`), and how often the jaw turned (:func:`jaw_turns`).
"""

from __future__ import annotations

import math

import numpy as np

from presence_coach.vision.face import FaceSample
from presence_coach.vision.swings import detrend

# one pose row: angles in degrees; the face box's top and height in picture heights, its
# centre x and width in picture widths (NaN without a box)
COLUMNS = ("t", "pitch", "yaw", "roll", "jaw_open", "top", "height", "centre_x", "width")


def pose_row(sample: FaceSample) -> tuple[float, ...]:
    """One row of :data:`COLUMNS` from a sample with a face (a missing roll or jawOpen
    reads 0)."""
    roll = sample.roll if math.isfinite(sample.roll) else 0.0
    jaw = sample.jaw_open if math.isfinite(sample.jaw_open) else 0.0
    box = (*_face_height(sample), *_face_side(sample))
    return (sample.t, sample.pitch, sample.yaw, roll, jaw, *box)


def neck_depth(rows: np.ndarray) -> float:
    """How far behind the face a nod turned the head, in face heights, over its pose rows
    (n, 9): the slope of the face top's height in the picture against the pitch, per
    radian, in the nod's mean face height (down the picture as the pitch goes down is
    positive). ``inf`` without face boxes."""
    rows = rows[np.isfinite(rows[:, 5])]
    slope = _slope_per_radian(rows[:, 1], rows[:, 5], rows[:, 6])
    return -slope if math.isfinite(slope) else math.inf  # down the picture is positive


def shake_pivot(rows: np.ndarray) -> float:
    """How far in front of the turning axis the face is during a shake, in face widths, over
    its pose rows (n, 9): the slope of the face centre's x in the picture against the yaw
    (both less a straight-line drift: a slow sway is not the shake), per radian, in the
    shake's mean face width. ``inf`` without face boxes."""
    rows = rows[np.isfinite(rows[:, 7])]
    if len(rows) < 3:
        return math.inf
    t = rows[:, 0] - rows[0, 0]
    yaw, side = (v - np.polyval(np.polyfit(t, v, 1), t) for v in (rows[:, 2], rows[:, 7]))
    return _slope_per_radian(yaw, side, rows[:, 8])


def off_axis_nod(cycles: list[tuple[np.ndarray, float]]) -> float:
    """How much the yaw and roll move within each cycle of a nod, relative to the cycle's
    amplitude: the median over ``cycles`` ((pose rows (n, 9), amplitude) of each) of the
    length of the (yaw range, roll range). A run lasts seconds, over which talking moves the
    head anyway, while a diagonal bob, a tilt or a grimace moves the other angles within
    each cycle; a cycle is short, so a roll coming back from a tilt counts and slow drift
    hardly does."""
    ratios = [
        math.hypot(float(np.ptp(rows[:, 2])), float(np.ptp(rows[:, 3]))) / amp
        for rows, amp in cycles
    ]
    return float(np.median(ratios))


def off_axis_shake(swings: list[tuple[np.ndarray, float]], rows: np.ndarray) -> float:
    """How much the pitch and roll move with a shake: the median over ``swings`` ((pose rows,
    amplitude) of each) of the length of their ranges less a straight-line drift over the
    swing (pitch steps with expressions next to a shake), relative to the swing; or, if
    more, how far they follow the yaw over the whole shake's ``rows`` (a diagonal bob)."""
    ratios = []
    for during, amp in swings:
        cross = detrend(during[:, 0], during[:, 1])[0]
        ratios.append(math.hypot(cross, detrend(during[:, 0], during[:, 3])[0]) / amp)
    return max(float(np.median(ratios)), _diagonal(rows))


def in_step(cycles: list[tuple[np.ndarray, float, float]]) -> tuple[float, float] | None:
    """How much the yaw, roll and jaw keep step with a nodding run's pitch, cycle by cycle,
    over ``cycles`` ((pose rows (n, 9), start, end) of each). Each cycle's waves at its own
    period, turned to the pitch wave's phase, are summed over the cycles: what keeps step
    (at any fixed lag) adds up, what does not cancels out. Returns the length of the yaw and
    roll sums in the pitch's (0: unrelated, 1: a bob along the diagonal) and the jawOpen's
    sum per cycle, peak to peak (a mouth opening with each dip moves the pose estimate with
    it); None when no cycle has enough samples."""
    pitch_sum, cross, used = 0.0, np.zeros(3, dtype=np.complex128), 0
    for rows, a, b in cycles:
        if len(rows) < 5:  # too few samples to fit one cycle's wave
            continue
        waves = cycle_phasors(rows[:, 0] - a, rows[:, [1, 2, 3, 4]], b - a)
        if abs(waves[0]) > 0:
            pitch_sum += abs(waves[0])
            cross += waves[1:] * np.conj(waves[0]) / abs(waves[0])
            used += 1
    if not used:
        return None
    coupling = float(np.linalg.norm(np.abs(cross[:2]))) / pitch_sum
    return coupling, 2.0 * abs(cross[2]) / used


def cycle_phasors(t: np.ndarray, values: np.ndarray, period_s: float) -> np.ndarray:
    """Each column's wave at one cycle's frequency: the least-squares fit of ``values``
    (n, k) over ``t`` (n,; seconds from the cycle's start) by a cosine and sine of period
    ``period_s`` plus a straight line (the drift), as complex amplitudes (k,): cos + i sin."""
    w = 2 * np.pi * t / period_s
    basis = np.column_stack([np.cos(w), np.sin(w), np.ones_like(t), t])
    coef = np.linalg.lstsq(basis, values, rcond=None)[0]
    return coef[0] + 1j * coef[1]


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


def _slope_per_radian(angle_deg: np.ndarray, position: np.ndarray, size: np.ndarray) -> float:
    """How far a face moves in the picture per radian of an angle, in its mean size: the
    least-squares slope of ``position`` against ``angle_deg`` (all (n,); position and size in
    picture units). ``inf`` with fewer than three points or an angle that did not move."""
    if len(angle_deg) < 3 or np.ptp(angle_deg) <= 0:
        return math.inf
    return float(np.polyfit(np.radians(angle_deg), position, 1)[0] / np.mean(size))


def _diagonal(rows: np.ndarray) -> float:
    """How much the pitch and roll go with the yaw over pose rows (n, 9): the length of
    their least-squares slopes against it (1 for a bob along the diagonal, near 0 for a
    turn of the head alone)."""
    if len(rows) < 3 or np.ptp(rows[:, 2]) <= 0:
        return 0.0
    slopes = [np.polyfit(rows[:, 2], rows[:, c], 1)[0] for c in (1, 3)]
    return float(math.hypot(*slopes))


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
