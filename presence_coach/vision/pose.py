"""Head pose from the Face Landmarker's facial transformation matrix.

The matrix maps MediaPipe's canonical face model into camera space. Camera space is
right-handed with x to the image right, y up and z toward the viewer; the canonical face
looks along +z, so the identity rotation is a face looking straight into the lens.

Sign conventions (all in degrees, as seen by the viewer of an un-mirrored image):

* ``yaw``   > 0 when the nose turns toward the viewer's right (the person's own left).
* ``pitch`` > 0 when the chin lifts and the nose points up; a nod starts with pitch < 0.
* ``roll``  > 0 when the top of the head tips toward the viewer's right (clockwise on screen).

The rotation is decomposed as ``R = Ry(yaw) @ Rx(-pitch) @ Rz(-roll)`` (y-x-z, intrinsic), so
yaw and pitch are where the nose points and roll is the tilt about the nose axis.
"""

from __future__ import annotations

import math

import numpy as np


def head_pose(matrix: np.ndarray) -> tuple[float, float, float]:
    """Yaw, pitch and roll in degrees from a 4x4 (or 3x3) facial transformation matrix.

    Any uniform scale in the matrix is removed first. Gimbal lock (|pitch| = 90) returns
    roll 0.
    """
    m = np.asarray(matrix, dtype=np.float64)
    if m.shape not in ((4, 4), (3, 3)):
        raise ValueError(f"expected a 4x4 or 3x3 matrix, got shape {m.shape}")
    r = m[:3, :3] / np.linalg.norm(m[:3, :3], axis=0)
    pitch = math.degrees(math.asin(max(-1.0, min(1.0, r[1, 2]))))
    yaw = math.degrees(math.atan2(r[0, 2], r[2, 2]))
    roll = -math.degrees(math.atan2(r[1, 0], r[1, 1]))
    return yaw, pitch, roll


def rotation_matrix(*, yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """The 3x3 rotation for the given pose; the inverse of :func:`head_pose`."""
    a, b, c = np.radians([yaw_deg, -pitch_deg, -roll_deg])
    ry = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
    rx = np.array([[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]])
    rz = np.array([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
    return ry @ rx @ rz
