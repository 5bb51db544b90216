"""Iris position within the eye, from the 478-point face mesh.

Offsets are measured in the image plane, relative to the eye's corner-to-corner axis and
normalised by half the eye width, so they do not depend on face size or in-plane roll:

* ``h`` > 0 when the iris sits toward the viewer's right corner (about +-1 at the corners),
* ``v`` > 0 when the iris sits above the corner line (toward the brows).

A centred iris is about (0, 0) but not exactly: every face and camera differs, which is
what calibration is for. "Right eye" is the person's own right eye (on the viewer's left).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class EyeIndices(NamedTuple):
    """Face-mesh landmark indices of one eye."""

    viewer_left_corner: int
    viewer_right_corner: int
    iris_center: int


# Face-mesh indices (MediaPipe canonical topology, 468 mesh points + 10 iris points).
RIGHT_EYE = EyeIndices(viewer_left_corner=33, viewer_right_corner=133, iris_center=468)
LEFT_EYE = EyeIndices(viewer_left_corner=362, viewer_right_corner=263, iris_center=473)
N_LANDMARKS_WITH_IRIS = 478  # 468 mesh points + 2 irises x 5 points


def iris_offset(landmarks_px: np.ndarray, eye: EyeIndices) -> tuple[float, float]:
    """Horizontal and vertical iris offset ``(h, v)`` of one eye.

    Args:
        landmarks_px: shape (478, 2) or (478, 3); x, y in pixels (image y grows downward).
        eye: which eye, :data:`RIGHT_EYE` or :data:`LEFT_EYE`.

    Returns NaNs when the eye has no width (degenerate landmarks).
    """
    pts = np.asarray(landmarks_px, dtype=np.float64)
    a = pts[eye.viewer_left_corner, :2]
    b = pts[eye.viewer_right_corner, :2]
    c = pts[eye.iris_center, :2]
    axis = b - a
    width = float(np.hypot(axis[0], axis[1]))
    if width < 1e-6:
        return float("nan"), float("nan")
    u = axis / width
    up = np.array([u[1], -u[0]])  # u rotated a quarter turn toward the image top
    d = c - (a + b) / 2.0
    half = width / 2.0
    return float(d @ u / half), float(d @ up / half)
