"""Gaze state per frame, episodes, eye-contact moments, and the iris centre learnt uncalibrated."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from presence_coach.vision.face import FaceSample
from presence_coach.vision.gaze_state import (
    DEFAULT_CALIBRATION,
    GazeCalibration,
    GazeTracker,
    frame_states,
    gaze_direction,
    gaze_state,
    iris_centre,
)
from presence_coach.vision.iris_centre import IrisCentreOptions


def face(t=0.0, *, yaw=0.0, pitch=0.0, h=0.0, v=0.1, blink=0.0) -> FaceSample:
    return FaceSample(
        t=t,
        face=True,
        yaw=yaw,
        pitch=pitch,
        roll=0.0,
        gaze_h_left=h,
        gaze_h_right=h,
        gaze_v_left=v,
        gaze_v_right=v,
        blink=blink,
    )


def test_default_is_flagged_uncalibrated():
    assert DEFAULT_CALIBRATION.calibrated is False
    assert GazeTracker().calibrated is False
    assert GazeTracker(calibration=GazeCalibration()).calibrated is True


def test_states_from_iris_and_head():
    assert gaze_state(face()) == "camera"
    assert gaze_state(face(h=0.45)) == "away"  # eyes to the viewer's right
    assert gaze_state(face(h=-0.45)) == "away"
    assert gaze_state(face(pitch=-25.0)) == "screen"  # looking down at the call window
    assert gaze_state(face(blink=0.8)) == "unknown"
    assert gaze_state(FaceSample(t=0.0, face=False)) == "unknown"


def test_head_turn_compensated_by_eyes_is_still_camera():
    # head turned 30 degrees to the viewer's right, eyes turned back toward the lens: the
    # iris offset shows only the half of the turn that yaw_weight (0.5) does not add
    assert gaze_state(face(yaw=30.0, h=-0.25)) == "camera"
    assert gaze_state(face(yaw=30.0, h=0.1)) == "away"  # eyes further along with the head
    h, _ = gaze_direction(yaw=30.0, pitch=0.0, gaze_h=-0.25, gaze_v=0.1)
    assert h == pytest.approx(0.0)


def test_a_look_well_below_the_lens_is_not_eye_contact_by_default():
    # the call window's top sits about 12 degrees below the lens on a monitor: a camera region
    # reaching 18 below (tried) read looks at the client's face as eye contact (bench/
    # calibration.py: default 74.0 -> 70.1 % right); the default keeps 15 each way, and a
    # calibration may set the reach below apart (camera_radius_below_deg)
    assert gaze_state(face(pitch=-12.0)) == "camera"
    assert gaze_state(face(pitch=-17.0)) == "screen"
    assert gaze_state(face(pitch=17.0)) == "away"
    wide = GazeCalibration(camera_radius_below_deg=18.0)
    assert gaze_state(face(pitch=-17.0), calibration=wide) == "camera"


# Real portraits, hand-labelled (bench/media/stills/deepface-gaze.json, bench/gaze_stills.py):
# heads turned up to 14 degrees and bowed up to 18 degrees, most with the eyes on the lens.
STILLS = Path(__file__).resolve().parents[2] / "bench" / "media" / "stills" / "deepface-gaze.json"


def _stills() -> list[tuple[str, FaceSample]]:
    data = json.loads(STILLS.read_text())
    return [(s["label"], FaceSample(t=0.0, face=True, **s["sample"])) for s in data["stills"]]


def test_gaze_on_the_lens_does_not_follow_a_head_turn_on_real_photos():
    """Adding the whole yaw (the old rule) made the gaze of people looking into the lens drift
    with their head: 0.6 degrees per degree of turn on these photos, away from about 20."""
    cam = [s for label, s in _stills() if label == "camera"]
    yaw = np.array([s.yaw for s in cam])
    h = np.array(
        [gaze_direction(yaw=s.yaw, pitch=s.pitch, gaze_h=s.gaze_h, gaze_v=s.gaze_v)[0] for s in cam]
    )
    assert len(cam) >= 50 and np.ptp(yaw) > 20  # the photos do span head turns both ways
    slope = np.polyfit(yaw, h, 1)[0]
    assert abs(slope) < 0.3, slope


def test_real_photos_looking_into_the_lens_read_as_camera():
    """Whole yaw (the old rule): 49 of 56, a turned head read away. Now 50: three are
    narrowed smiling eyes at a blink score of 0.31-0.33 (unknown), three bowed heads with
    the eyes up on the lens read 15-17 degrees low (the screen; see the test above)."""
    states = [(label, gaze_state(s)) for label, s in _stills()]
    cam = [state for label, state in states if label == "camera"]
    assert "away" not in cam
    assert cam.count("camera") >= len(cam) - 6
    averted = [state for label, state in states if label != "camera"]
    assert averted and "camera" not in averted


def test_calibration_moves_the_regions():
    cal = GazeCalibration(camera_v_deg=-8.0, screen_v_deg=-30.0, centre_h=0.1)
    assert gaze_state(face(pitch=-8.0, h=0.1), calibration=cal) == "camera"
    assert GazeCalibration.from_dict({"camera_h_deg": 2.0}).camera_h_deg == 2.0
    with pytest.raises(ValueError):
        GazeCalibration.from_dict({"nonsense": 1})
    with pytest.raises(ValueError):
        GazeCalibration(camera_radius_h_deg=0)


def test_episodes_eye_contact_and_no_flicker():
    tracker = GazeTracker()
    seq = [face(i / 30) for i in range(45)]  # 1.5 s at the camera
    seq += [face(1.5 + i / 30, h=0.5) for i in range(2)]  # 2-frame glance: too short
    seq += [face(1.5 + (i + 2) / 30) for i in range(10)]
    seq += [face(1.9 + i / 30, h=0.5) for i in range(30)]  # 1 s away
    events = []
    for s in seq:
        events += tracker.update(s)
    events += tracker.finish(seq[-1].t)
    gaze = [
        (e.attrs["state"], round(e.start, 2), round(e.end, 2)) for e in events if e.type == "gaze"
    ]
    assert [g[0] for g in gaze] == ["camera", "away"]
    contact = [e for e in events if e.type == "eye_contact"]
    assert len(contact) == 1 and contact[0].duration_s >= 1.8
    assert tracker.time_s["camera"] == pytest.approx(2.0, abs=0.1)  # debounced state


def stream(seconds, fps, *, start=0.0, **kw) -> list[FaceSample]:
    """Frames of one look for ``seconds`` (the uncalibrated iris centre is learnt from them)."""
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
