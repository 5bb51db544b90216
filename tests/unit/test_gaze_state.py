"""Gaze state per frame, episodes and eye-contact moments."""

from __future__ import annotations

import pytest

from presence_coach.vision.face import FaceSample
from presence_coach.vision.gaze_state import (
    DEFAULT_CALIBRATION,
    GazeCalibration,
    GazeTracker,
    gaze_direction,
    gaze_state,
)


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
    # head turned 15 degrees to the viewer's right, eyes turned back toward the lens
    assert gaze_state(face(yaw=15.0, h=-0.25)) == "camera"
    assert gaze_state(face(yaw=15.0, h=0.0)) == "away"
    h, _ = gaze_direction(yaw=15.0, pitch=0.0, gaze_h=-0.25, gaze_v=0.1)
    assert h == pytest.approx(0.0)


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
