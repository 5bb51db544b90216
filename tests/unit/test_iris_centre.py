"""The horizontal iris centre learnt over a session (uncalibrated gaze), with known answers."""

from __future__ import annotations

import pytest

from presence_coach.vision.face import FaceSample
from presence_coach.vision.gaze_state import (
    DEFAULT_CALIBRATION,
    GazeCalibration,
    GazeTracker,
    frame_states,
    iris_centre,
)
from presence_coach.vision.iris_centre import IrisCentreOptions


def face(t, *, h, yaw=0.0, blink=0.0) -> FaceSample:
    return FaceSample(
        t=t,
        face=True,
        yaw=yaw,
        pitch=0.0,
        roll=0.0,
        gaze_h_left=h,
        gaze_h_right=h,
        gaze_v_left=0.1,
        gaze_v_right=0.1,
        blink=blink,
    )


def stream(seconds, fps, *, start=0.0, **kw) -> list[FaceSample]:
    return [face(start + i / fps, **kw) for i in range(round(seconds * fps))]


@pytest.mark.parametrize("fps", [15, 30])
def test_an_iris_that_sits_to_one_side_is_learnt_as_straight_ahead(fps):
    # this person's iris reads 0.08 to the side when they look into the lens: 4.8 degrees,
    # read as a look past the lens's side only with the head turned a little; learnt after the
    # warm-up (2 s of frontal frames), and a look well to the side stays away
    learner = iris_centre()
    centres = [learner.update(s) for s in stream(4.0, fps, h=0.08)]
    assert centres[0] == DEFAULT_CALIBRATION.centre_h
    assert centres[-1] == pytest.approx(0.08)
    warm = [i / fps for i, c in enumerate(centres) if c != DEFAULT_CALIBRATION.centre_h]
    assert 2.0 <= warm[0] <= 2.0 + 2 / fps


def test_the_centre_moves_at_most_max_shift():
    # a person who spends the session glancing 0.3 to one side does not move the lens there
    learner = iris_centre()
    for s in stream(10.0, 30, h=0.3):
        centre = learner.update(s)
    assert centre == pytest.approx(DEFAULT_CALIBRATION.centre_h + IrisCentreOptions().max_shift)


def test_turned_heads_and_closed_eyes_teach_nothing():
    learner = iris_centre()
    for s in stream(5.0, 30, h=0.08, yaw=25.0) + stream(5.0, 30, start=5.0, h=0.08, blink=0.8):
        centre = learner.update(s)
    assert centre == DEFAULT_CALIBRATION.centre_h


def test_a_slightly_turned_head_counts_its_yaw():
    # head 8 degrees to the right with the eyes straight ahead of the face: the iris shows
    # -0.067 (half the turn: yaw_weight), which is a look straight ahead, not a shifted centre
    learner = iris_centre()
    yaw_share = DEFAULT_CALIBRATION.yaw_weight / DEFAULT_CALIBRATION.deg_per_offset
    for s in stream(4.0, 30, h=-yaw_share * 8.0, yaw=8.0):
        centre = learner.update(s)
    assert centre == pytest.approx(DEFAULT_CALIBRATION.centre_h, abs=1e-9)


def test_the_uncalibrated_tracker_reads_this_persons_look_into_the_lens_as_camera():
    # the iris reads 0.14 to the side at the lens with the head turned 10 degrees: by the
    # default centre the gaze is 5 + 8.4 = 13.4 degrees to the side, past the camera region
    # (13); with the centre learnt (0.1, its limit) 7.4, inside it
    seq = stream(6.0, 30, h=0.14, yaw=10.0)
    states = frame_states(seq)
    assert states[0] == "away"
    assert set(states[-60:]) == {"camera"}
    # a measured profile is used as it is: nothing is learnt
    assert set(frame_states(seq, GazeCalibration())) == {"away"}
    tracker = GazeTracker()
    for s in seq:
        tracker.update(s)
    assert tracker.state == "camera"


def test_options_are_validated():
    with pytest.raises(ValueError):
        IrisCentreOptions(max_shift=0)
    with pytest.raises(ValueError):
        IrisCentreOptions(warmup_s=float("nan"))
