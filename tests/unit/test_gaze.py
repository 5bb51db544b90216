"""Iris offsets on constructed eye landmarks."""

import math

import numpy as np
import pytest

from presence_coach.vision.gaze import LEFT_EYE, N_LANDMARKS_WITH_IRIS, RIGHT_EYE, iris_offset


def _eye(corner_a, corner_b, iris, eye=RIGHT_EYE) -> np.ndarray:
    pts = np.zeros((N_LANDMARKS_WITH_IRIS, 2))
    pts[eye.viewer_left_corner] = corner_a
    pts[eye.viewer_right_corner] = corner_b
    pts[eye.iris_center] = iris
    return pts


def test_centred_iris_is_zero() -> None:
    assert iris_offset(_eye((100, 200), (140, 200), (120, 200)), RIGHT_EYE) == (0.0, 0.0)


def test_iris_toward_viewers_right_and_up() -> None:
    h, v = iris_offset(_eye((100, 200), (140, 200), (130, 195)), RIGHT_EYE)
    assert h == pytest.approx(0.5)  # 10 px of a 20 px half width
    assert v == pytest.approx(0.25)  # image y grows downward: 5 px up


def test_left_eye_uses_its_own_landmarks() -> None:
    h, v = iris_offset(_eye((300, 200), (340, 200), (310, 210), LEFT_EYE), LEFT_EYE)
    assert (h, v) == pytest.approx((-0.5, -0.5))


@pytest.mark.parametrize("roll_deg", [-30, -10, 15, 40])
def test_offsets_do_not_change_with_in_plane_roll(roll_deg: float) -> None:
    a, b, c = np.array([100.0, 200.0]), np.array([140.0, 200.0]), np.array([130.0, 194.0])
    theta = math.radians(roll_deg)
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    centre = np.array([120.0, 200.0])
    pts = [rot @ (p - centre) + centre for p in (a, b, c)]
    expected = iris_offset(_eye(a, b, c), RIGHT_EYE)
    assert iris_offset(_eye(*pts), RIGHT_EYE) == pytest.approx(expected, abs=1e-9)


def test_offsets_do_not_change_with_face_size() -> None:
    small = iris_offset(_eye((100, 200), (120, 200), (115, 198)), RIGHT_EYE)
    large = iris_offset(_eye((200, 400), (240, 400), (230, 396)), RIGHT_EYE)
    assert small == pytest.approx(large)


def test_degenerate_eye_is_nan() -> None:
    h, v = iris_offset(_eye((100, 200), (100, 200), (100, 200)), RIGHT_EYE)
    assert math.isnan(h) and math.isnan(v)
