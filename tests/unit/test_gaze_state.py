"""Gaze state per frame, episodes and eye-contact moments."""

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
