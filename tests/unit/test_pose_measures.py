"""The nod detector's measures of a gesture, on pose rows with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from presence_coach.vision.face import FaceSample
from presence_coach.vision.pose_measures import (
    COLUMNS,
    cycle_phasors,
    in_step,
    jaw_turns,
    neck_depth,
    off_axis_nod,
    off_axis_shake,
    pose_row,
    shake_pivot,
)


def rows(t, *, pitch=0.0, yaw=0.0, roll=0.0, jaw=0.0, top=0.3, height=0.4, x=0.5, width=0.3):
    """Pose rows (n, 9) over ``t``; every other column a constant or an array like ``t``."""
    cols = [t, pitch, yaw, roll, jaw, top, height, x, width]
    return np.column_stack([np.broadcast_to(np.asarray(c, dtype=float), t.shape) for c in cols])


@pytest.mark.parametrize("fps", [15, 30])
def test_cycle_phasors_known_answer(fps):
    # one 0.45 s cycle: a cosine of 3, a sine of 2 and a drift alone, each on a drift: the
    # drift is left out
    t = np.arange(0, 0.45, 1 / fps)
    w = 2 * np.pi * t / 0.45
    values = np.column_stack([3 * np.cos(w), 2 * np.sin(w), np.zeros_like(w)]) + 4 * t[:, None]
    waves = cycle_phasors(t, values, 0.45)
    assert waves == pytest.approx([3.0, 2.0j, 0.0], abs=0.05)


def test_pose_row_follows_the_columns():
    sample = FaceSample(t=1.5, face=True, pitch=-3.0, yaw=2.0, box=(0.2, 0.1, 0.4, 0.5))
    row = dict(zip(COLUMNS, pose_row(sample), strict=True))
    # no roll or jawOpen read as 0; the box gives its top, height, centre x and width
    assert row == {"t": 1.5, "pitch": -3.0, "yaw": 2.0, "roll": 0.0, "jaw_open": 0.0,
                   "top": 0.1, "height": 0.5, "centre_x": 0.4, "width": 0.4}  # fmt: skip
    no_box = pose_row(FaceSample(t=0.0, face=True, pitch=0.0, yaw=0.0))
    assert all(math.isnan(v) for v in no_box[5:])


def test_neck_depth_is_the_face_tops_travel_per_radian_in_face_heights():
    # the head pitches down by 10 degrees and the face's top moves down the picture by 0.5
    # face heights per radian of it: a turn 0.5 face heights behind the face
    t = np.linspace(0, 0.5, 16)
    pitch = -10.0 * np.sin(np.pi * t / 0.5)
    top = 0.3 - 0.5 * 0.4 * np.radians(pitch)
    assert neck_depth(rows(t, pitch=pitch, top=top)) == pytest.approx(0.5)
    # a pose estimate that dips while the face stays put in the picture: no neck at all
    assert neck_depth(rows(t, pitch=pitch)) == pytest.approx(0.0, abs=1e-9)
    assert neck_depth(rows(t, pitch=pitch, top=np.nan)) == math.inf  # no face boxes


def test_shake_pivot_is_the_sideways_travel_per_radian_less_a_sway():
    # the face moves 0.4 face widths per radian the way the nose turns, while the whole
    # head sways slowly sideways: the sway (a straight line) is left out
    t = np.linspace(0, 1.0, 31)
    yaw = 12.0 * np.sin(2 * np.pi * t)
    x = 0.5 + 0.4 * 0.3 * np.radians(yaw) + 0.05 * t
    assert shake_pivot(rows(t, yaw=yaw, x=x)) == pytest.approx(0.4)
    # the face moving against the turn (a sway in time with a grimace's yaw) is negative
    assert shake_pivot(rows(t, yaw=yaw, x=1.0 - x)) == pytest.approx(-0.4)


def test_off_axis_of_a_nod_is_the_median_cycle_ratio():
    t = np.linspace(0, 0.5, 16)
    clean = rows(t, pitch=-6 * np.sin(np.pi * t / 0.5))
    tilted = rows(t, pitch=-6 * np.sin(np.pi * t / 0.5), yaw=3 * t / 0.5, roll=4 * t / 0.5)
    # yaw range 3 and roll range 4 make 5, on a 5-degree cycle: 1.0; the clean ones 0
    assert off_axis_nod([(tilted, 5.0)]) == pytest.approx(1.0)
    assert off_axis_nod([(clean, 5.0), (tilted, 5.0), (clean, 5.0)]) == 0.0


def test_off_axis_of_a_shake_leaves_out_drift_but_not_a_diagonal():
    t = np.linspace(0, 1.0, 31)
    yaw = 10 * np.sin(2 * np.pi * t)
    halves = [(rows(t[:16], yaw=yaw[:16], pitch=5 * t[:16]), 10.0)]
    # a pitch that only drifts during the swing: nothing across
    assert off_axis_shake(halves, rows(t, yaw=yaw)) == pytest.approx(0.0, abs=1e-9)
    # a pitch that follows the yaw at half its size: a bob along the diagonal
    diagonal = rows(t, yaw=yaw, pitch=0.5 * yaw)
    assert off_axis_shake(halves, diagonal) == pytest.approx(0.5)


@pytest.mark.parametrize("fps", [15, 30])
def test_in_step_tells_a_diagonal_bob_from_a_roll_on_its_own_rhythm(fps):
    # ten 0.45 s cycles of a 6-degree nod; the roll either goes with each nod at half its
    # size, or moves as much at an unrelated 1.3 Hz; the jaw opens by 0.2 with each dip
    t = np.arange(0, 4.5, 1 / fps)
    pitch = -3 + 3 * np.cos(2 * np.pi * t / 0.45)
    jaw = 0.1 - 0.1 * np.cos(2 * np.pi * t / 0.45)
    spans = [(k * 0.45, (k + 1) * 0.45) for k in range(10)]

    def cycles(roll):
        pose = rows(t, pitch=pitch, roll=roll, jaw=jaw)
        return [(pose[(t >= a) & (t <= b)], a, b) for a, b in spans]

    coupling, jaw_in_step = in_step(cycles(0.5 * pitch))
    assert coupling == pytest.approx(0.5, abs=0.05)
    assert jaw_in_step == pytest.approx(0.2, abs=0.03)
    assert in_step(cycles(3 * np.sin(2 * np.pi * 1.3 * t)))[0] < 0.2
    assert in_step([(rows(t[:3]), 0.0, 0.1)]) is None  # too few samples to fit a cycle


def test_jaw_turns_counts_openings_and_closings_past_the_swing():
    # open, close, open, close by 0.3: three turns (the first movement is not one); the
    # same with a ripple of 0.08 peak to peak on top counts no more, the ripple alone none
    jaw = np.array([0.0, 0.3, 0.0, 0.3, 0.0])
    assert jaw_turns(np.interp(np.linspace(0, 4, 81), np.arange(5), jaw), 0.1) == 3
    ripple = 0.04 * np.sin(np.linspace(0, 40 * np.pi, 81))
    assert jaw_turns(np.interp(np.linspace(0, 4, 81), np.arange(5), jaw) + ripple, 0.1) == 3
    assert jaw_turns(ripple, 0.1) == 0
