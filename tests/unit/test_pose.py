"""Head pose sign conventions on constructed rotation matrices."""

import math

import numpy as np
import pytest

from presence_coach.vision.pose import head_pose, rotation_matrix


def _ry(deg: float) -> np.ndarray:
    a = math.radians(deg)
    return np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])


def _rx(deg: float) -> np.ndarray:
    a = math.radians(deg)
    return np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])


def _rz(deg: float) -> np.ndarray:
    a = math.radians(deg)
    return np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])


def test_identity_is_frontal() -> None:
    assert head_pose(np.eye(4)) == pytest.approx((0.0, 0.0, 0.0), abs=1e-9)


def test_nose_toward_viewers_right_is_positive_yaw() -> None:
    r = _ry(20)
    # the canonical face looks along +z; after the turn the nose points to +x (image right)
    nose = r @ np.array([0.0, 0.0, 1.0])
    assert nose[0] > 0
    yaw, pitch, roll = head_pose(r)
    assert yaw == pytest.approx(20.0)
    assert pitch == pytest.approx(0.0, abs=1e-9)
    assert roll == pytest.approx(0.0, abs=1e-9)


def test_chin_up_is_positive_pitch() -> None:
    r = _rx(-15)  # rotating about +x by -15 deg lifts the nose toward +y (up)
    assert (r @ np.array([0.0, 0.0, 1.0]))[1] > 0
    yaw, pitch, _ = head_pose(r)
    assert pitch == pytest.approx(15.0)
    assert yaw == pytest.approx(0.0, abs=1e-9)


def test_head_top_toward_viewers_right_is_positive_roll() -> None:
    r = _rz(-10)  # the head's up axis (+y) tips toward +x (viewer's right)
    assert (r @ np.array([0.0, 1.0, 0.0]))[0] > 0
    _, pitch, roll = head_pose(r)
    assert roll == pytest.approx(10.0)
    assert pitch == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("yaw", [-60, -25, 0, 7, 40])
@pytest.mark.parametrize("pitch", [-45, -8, 0, 12, 50])
@pytest.mark.parametrize("roll", [-30, 0, 4, 35])
def test_round_trip_with_translation_and_scale(yaw: float, pitch: float, roll: float) -> None:
    m = np.eye(4)
    m[:3, :3] = 1.7 * rotation_matrix(yaw_deg=yaw, pitch_deg=pitch, roll_deg=roll)
    m[:3, 3] = (1.0, -2.0, -30.0)
    assert head_pose(m) == pytest.approx((yaw, pitch, roll), abs=1e-6)


def test_rotation_matrix_is_a_rotation() -> None:
    r = rotation_matrix(yaw_deg=33, pitch_deg=-12, roll_deg=5)
    assert r @ r.T == pytest.approx(np.eye(3), abs=1e-12)
    assert np.linalg.det(r) == pytest.approx(1.0)


def test_bad_shape_is_rejected() -> None:
    with pytest.raises(ValueError, match="4x4 or 3x3"):
        head_pose(np.eye(2))
