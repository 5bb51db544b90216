"""The Face Landmarker's outputs for one frame, as arrays (a small leaf module: the public
wrapper path in :mod:`~presence_coach.vision.face` and the C-struct fast path in
:mod:`~presence_coach.vision.landmarker_c` both give these)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class FaceOutputs:
    """The landmarker's outputs for the first face of one frame, as arrays."""

    landmarks: np.ndarray | None = None  # (478, 3) float32 normalised x, y and z; None: no face
    matrix: np.ndarray | None = None  # (4, 4) facial transformation matrix
    blendshapes: dict[str, float] | None = None  # name -> score


NO_FACE = FaceOutputs()
