"""The fast path: MediaPipe Face Landmarker results read straight from its C result struct.

MediaPipe's Python wrapper turns every result into 478 landmark and 52 category objects: 1.8 ms
of Python a frame in a profile, on the analysis thread (5 % of a core at 30 fps). Where the
wrapper is the ctypes one, :class:`CResults` makes the same C call and reads the result struct
into arrays. It relies on the wrapper's private ``_lib`` / ``_handle`` and struct layout, so it
is used only for the versions it is known to work with (:data:`FAST_PATH_VERSIONS`); any
other version uses the public ``detect_for_video`` (same numbers, slower;
tests/integration/test_face_analysis.py compares both).
"""

from __future__ import annotations

import ctypes
import re
from typing import Any

import numpy as np

from presence_coach.vision.outputs import NO_FACE, FaceOutputs

# mediapipe versions whose ctypes wrapper this module reads: 0.10.30 up to (not including) 2
# (``FaceLandmarkerResultC`` in 0.10.3x, ``MpFaceLandmarkerResultC`` in 1.x, same fields)
FAST_PATH_VERSIONS = ((0, 10, 30), (2, 0, 0))


def supported_version(version: str) -> bool:
    """Whether a mediapipe ``__version__`` is one the fast path is known to work with."""
    numbers = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    if numbers is None:
        return False
    v = tuple(int(n or 0) for n in numbers.groups())
    low, below = FAST_PATH_VERSIONS
    return low <= v < below


def _float_fields(pointer: Any, count: int, first_field: Any, n_fields: int) -> np.ndarray:
    """(count, n_fields) float32 copy of consecutive float fields of a C struct array."""
    struct = type(pointer.contents)
    stride = ctypes.sizeof(struct) // 4  # the structs hold 4-byte fields and pointers
    flat = np.ctypeslib.as_array(ctypes.cast(pointer, ctypes.POINTER(ctypes.c_float)),
                                 shape=(count * stride,))  # fmt: skip
    start = first_field.offset // 4
    return flat.reshape(count, stride)[:, start : start + n_fields].copy()


def _c_result_type() -> Any:
    """The wrapper's ctypes result struct, or None for a wrapper or version not supported."""
    try:
        import mediapipe
        from mediapipe.tasks.python.vision import face_landmarker as fl
    except ImportError:
        return None
    if not supported_version(getattr(mediapipe, "__version__", "")):
        return None
    return getattr(fl, "MpFaceLandmarkerResultC", None) or getattr(
        fl, "FaceLandmarkerResultC", None
    )


class CResults:
    """Runs the landmarker's C detect call and reads its result struct into arrays."""

    def __init__(self, landmarker: Any) -> None:
        self._lib, self._handle = landmarker._lib, landmarker._handle
        self._result_type = _c_result_type()
        self._names: list[str] = []  # blendshape names by index (fixed by the model)

    @staticmethod
    def available(landmarker: Any) -> bool:
        lib = getattr(landmarker, "_lib", None)
        return (
            _c_result_type() is not None
            and getattr(landmarker, "_handle", None) is not None
            and hasattr(lib, "MpFaceLandmarkerDetectForVideo")
            and hasattr(lib, "MpFaceLandmarkerCloseResult")
        )

    def detect_for_video(self, image: Any, timestamp_ms: int) -> FaceOutputs:
        result = self._result_type()
        self._lib.MpFaceLandmarkerDetectForVideo(
            self._handle, image._image_ptr, None, timestamp_ms, ctypes.byref(result)
        )
        try:
            return self._read(result)
        finally:
            self._lib.MpFaceLandmarkerCloseResult(ctypes.byref(result))

    def _read(self, result: Any) -> FaceOutputs:
        if result.face_landmarks_count == 0:
            return NO_FACE
        face = result.face_landmarks[0]
        n = face.landmarks_count
        landmarks = _float_fields(face.landmarks, n, type(face.landmarks.contents).x, 3)
        matrix = None
        if result.facial_transformation_matrixes_count:
            matrix = result.facial_transformation_matrixes[0].to_numpy()
        shapes = None
        if result.face_blendshapes_count:
            cats = result.face_blendshapes[0]
            k = cats.categories_count
            if len(self._names) != k:
                self._names = [cats.categories[j].category_name.decode() for j in range(k)]
            scores = _float_fields(cats.categories, k, type(cats.categories.contents).score, 1)
            shapes = dict(zip(self._names, scores[:, 0].astype(np.float64).tolist(), strict=True))
        return FaceOutputs(landmarks=landmarks, matrix=matrix, blendshapes=shapes)
