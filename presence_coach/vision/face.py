"""Face analysis: MediaPipe Face Landmarker in VIDEO mode, one face, one FaceSample per frame.

:class:`FaceAnalyzer` owns the landmarker (open it with ``with``; ``close()`` is safe twice).
Inference (:meth:`FaceAnalyzer.detect`, giving :class:`FaceOutputs` arrays) and feature
extraction (:func:`face_sample`) are separate steps so the frame loop can time them apart. A
frame without a face is data: a ``FaceSample`` with ``face=False`` and NaN features, never an
exception.

Where the installed mediapipe is one the fast path supports
(:mod:`~presence_coach.vision.landmarker_c`), :class:`FaceAnalyzer` reads the result struct
straight into arrays; otherwise it uses the public ``detect_for_video``. Both give identical
numbers (tests/integration/test_face_analysis.py).
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from presence_coach.errors import ModelError
from presence_coach.vision.gaze import LEFT_EYE, N_LANDMARKS_WITH_IRIS, RIGHT_EYE, iris_offset
from presence_coach.vision.landmarker_c import CResults
from presence_coach.vision.outputs import NO_FACE, FaceOutputs
from presence_coach.vision.pose import head_pose

NAN = float("nan")

# Blendshape categories we keep (names as in the Face Landmarker's 52-category output).
SMILE_SHAPES = ("mouthSmileLeft", "mouthSmileRight")
BLINK_SHAPES = ("eyeBlinkLeft", "eyeBlinkRight")
JAW_OPEN_SHAPE = "jawOpen"


@dataclass(frozen=True)
class FaceOptions:
    """Landmarker settings; MediaPipe's own defaults unless there is a reason."""

    # score a new face must reach in the detector (full-frame search)
    min_face_detection_confidence: float = 0.5
    # score the mesh model must give for the face to count as present
    min_face_presence_confidence: float = 0.5
    # below this, tracking is dropped and the detector runs again on the next frame
    min_tracking_confidence: float = 0.5

    def __post_init__(self) -> None:
        for name in (
            "min_face_detection_confidence",
            "min_face_presence_confidence",
            "min_tracking_confidence",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name}={value} must be within 0..1")


@dataclass(frozen=True, slots=True)
class FaceSample:
    """What one frame tells about the face. Angles in degrees (see ``vision.pose``),
    gaze offsets in half eye widths (see ``vision.gaze``), scores 0..1, box normalised 0..1.
    Every float is NaN when ``face`` is False."""

    t: float  # seconds on the session clock
    face: bool
    yaw: float = NAN
    pitch: float = NAN
    roll: float = NAN
    gaze_h_left: float = NAN  # person's left eye
    gaze_v_left: float = NAN
    gaze_h_right: float = NAN  # person's right eye
    gaze_v_right: float = NAN
    box: tuple[float, float, float, float] = (NAN, NAN, NAN, NAN)  # x, y, width, height
    smile: float = NAN  # mean of mouthSmileLeft/Right
    blink: float = NAN  # mean of eyeBlinkLeft/Right (1 = closed)
    jaw_open: float = NAN
    # (478, 3) normalised landmarks, kept for overlays and tools; never stored
    landmarks: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def gaze_h(self) -> float:
        return (self.gaze_h_left + self.gaze_h_right) / 2.0

    @property
    def gaze_v(self) -> float:
        return (self.gaze_v_left + self.gaze_v_right) / 2.0


def blendshape_scores(categories: Sequence[object]) -> dict[str, float]:
    """Blendshape name -> score from one face's category list."""
    return {c.category_name: float(c.score) for c in categories}  # type: ignore[attr-defined]


def outputs_of(result: Any) -> FaceOutputs:
    """:class:`FaceOutputs` from MediaPipe's public ``FaceLandmarkerResult``."""
    faces = result.face_landmarks
    if not faces:
        return NO_FACE
    matrices, shapes = result.facial_transformation_matrixes, result.face_blendshapes
    return FaceOutputs(
        landmarks=np.array([(p.x, p.y, p.z) for p in faces[0]], dtype=np.float32),
        matrix=np.asarray(matrices[0]) if matrices else None,
        blendshapes=blendshape_scores(shapes[0]) if shapes else None,
    )


def face_sample(
    t: float,
    *,
    landmarks: np.ndarray | None,
    matrix: np.ndarray | None,
    blendshapes: dict[str, float] | None,
    image_size: tuple[int, int],
) -> FaceSample:
    """Build a :class:`FaceSample` from one face's raw outputs.

    Args:
        t: session-clock seconds of the frame.
        landmarks: (478, 3) normalised x, y (0..1 of width/height) and z; None if no face.
        matrix: 4x4 facial transformation matrix.
        blendshapes: name -> score.
        image_size: (width, height) in pixels, to measure the eyes in square pixels.
    """
    if landmarks is None or len(landmarks) < N_LANDMARKS_WITH_IRIS:
        return FaceSample(t=t, face=False)
    width, height = image_size
    px = landmarks[:, :2] * np.array([width, height], dtype=np.float64)
    gh_r, gv_r = iris_offset(px, RIGHT_EYE)
    gh_l, gv_l = iris_offset(px, LEFT_EYE)
    yaw, pitch, roll = head_pose(matrix) if matrix is not None else (NAN, NAN, NAN)
    x0, y0 = np.clip(landmarks[:, :2].min(axis=0), 0.0, 1.0)
    x1, y1 = np.clip(landmarks[:, :2].max(axis=0), 0.0, 1.0)
    shapes = blendshapes or {}

    def mean_of(names: Sequence[str]) -> float:
        values = [shapes[n] for n in names if n in shapes]
        return float(sum(values) / len(values)) if values else NAN

    return FaceSample(
        t=t,
        face=True,
        yaw=yaw,
        pitch=pitch,
        roll=roll,
        gaze_h_left=gh_l,
        gaze_v_left=gv_l,
        gaze_h_right=gh_r,
        gaze_v_right=gv_r,
        box=(float(x0), float(y0), float(x1 - x0), float(y1 - y0)),
        smile=mean_of(SMILE_SHAPES),
        blink=mean_of(BLINK_SHAPES),
        jaw_open=shapes.get(JAW_OPEN_SHAPE, NAN),
        landmarks=landmarks,
    )


@contextlib.contextmanager
def native_stderr_captured() -> Iterator[list[str]]:
    """Capture what native code writes to fd 2 (MediaPipe's start-up log lines).

    Yields a list that holds the captured text once the block ends, so an error message can
    include it; on success it is simply dropped.
    """
    out: list[str] = []
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr: nothing to hide
        yield out
        return
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield out
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            out.append(tmp.read().decode(errors="replace"))


class FaceAnalyzer:
    """MediaPipe Face Landmarker in VIDEO mode for one face.

    Use as a context manager; timestamps must increase (they are session-clock seconds,
    turned into the whole milliseconds MediaPipe wants, nudged up by 1 ms if two frames
    round to the same value).
    """

    def __init__(self, model_path: str | Path, *, options: FaceOptions | None = None) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        opts = options or FaceOptions()
        path = Path(model_path)
        mp_options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=vision.RunningMode.VIDEO,
            num_faces=1,
            min_face_detection_confidence=opts.min_face_detection_confidence,
            min_face_presence_confidence=opts.min_face_presence_confidence,
            min_tracking_confidence=opts.min_tracking_confidence,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        with native_stderr_captured():
            try:
                self._landmarker = vision.FaceLandmarker.create_from_options(mp_options)
            except (RuntimeError, ValueError, OSError) as exc:
                raise ModelError(
                    f"cannot load {path} as a Face Landmarker model ({exc}); "
                    "run `presence-coach models fetch` to get the official file"
                ) from None
        self._c_results = (
            CResults(self._landmarker) if CResults.available(self._landmarker) else None
        )
        self._last_ms = -1
        self._closed = False

    @property
    def reads_c_results(self) -> bool:
        """True when results are read straight from MediaPipe's C struct (the fast path)."""
        return self._c_results is not None

    def __enter__(self) -> FaceAnalyzer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the landmarker; safe to call more than once."""
        if not self._closed:
            self._closed = True
            self._landmarker.close()

    def detect(self, rgb: np.ndarray, t: float) -> FaceOutputs:
        """Run the landmarker on an RGB uint8 image (H, W, 3) at session time ``t`` seconds."""
        import mediapipe as mp

        ms = max(math.floor(t * 1000.0 + 0.5), self._last_ms + 1)
        self._last_ms = ms
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._c_results is not None:
            return self._c_results.detect_for_video(image, ms)
        return outputs_of(self._landmarker.detect_for_video(image, ms))

    @staticmethod
    def sample(outputs: FaceOutputs, t: float, image_size: tuple[int, int]) -> FaceSample:
        """Turn one frame's :class:`FaceOutputs` into a :class:`FaceSample`."""
        return face_sample(
            t,
            landmarks=outputs.landmarks,
            matrix=outputs.matrix,
            blendshapes=outputs.blendshapes,
            image_size=image_size,
        )
