"""The Face Landmarker's raw outputs of a clip, kept as arrays (run the model once, tune often).

A :class:`Track` holds per frame the 478 landmarks, the facial transformation matrix and the 52
blendshape scores (NaN where no face was found), at one analysis rate. Features are rebuilt
from it with the product's own :func:`~presence_coach.vision.face.face_sample`, so a change in
how pose or gaze is computed needs no new model run. Tracks are saved as compressed ``.npz``
files under ``bench/_work/`` (git-ignored).

:func:`analyse` runs one tracking run per rate over a stream of frames (a rate of 15 fps takes
every second frame of a 30 fps stream and tracks it on its own, as a live session would).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from presence_coach.sources.video import VideoSource
from presence_coach.vision.face import FaceAnalyzer, FaceSample, face_sample

N_LANDMARKS = 478


@dataclass
class Track:
    """Raw landmarker outputs of one clip at one rate."""

    t: np.ndarray  # (n,) seconds
    landmarks: np.ndarray  # (n, 478, 3) float32 normalised x, y, z; NaN without a face
    matrix: np.ndarray  # (n, 4, 4) float32 facial transformation matrix; NaN without a face
    shapes: np.ndarray  # (n, k) float32 blendshape scores; NaN without a face
    names: tuple[str, ...]  # the k blendshape names
    size: tuple[int, int]  # image width, height in pixels

    @property
    def face(self) -> np.ndarray:
        """(n,) True where a face was found."""
        return np.isfinite(self.landmarks[:, 0, 0])

    def shape(self, name: str) -> np.ndarray:
        """(n,) scores of one blendshape."""
        return self.shapes[:, self.names.index(name)]

    def samples(self) -> list[FaceSample]:
        """One :class:`FaceSample` per frame, computed as the product computes them."""
        out = []
        face = self.face
        for i, t in enumerate(self.t.tolist()):
            if not face[i]:
                out.append(FaceSample(t=t, face=False))
                continue
            shapes = dict(zip(self.names, self.shapes[i].astype(np.float64).tolist(), strict=True))
            out.append(
                face_sample(
                    t,
                    landmarks=self.landmarks[i],
                    matrix=self.matrix[i].astype(np.float64),
                    blendshapes=shapes,
                    image_size=self.size,
                )
            )
        return out

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part.npz")
        np.savez_compressed(
            tmp,
            t=self.t,
            landmarks=self.landmarks,
            matrix=self.matrix,
            shapes=self.shapes,
            names=np.array(self.names),
            size=np.array(self.size),
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Track:
        with np.load(path) as z:
            return cls(
                t=z["t"],
                landmarks=z["landmarks"],
                matrix=z["matrix"],
                shapes=z["shapes"],
                names=tuple(str(n) for n in z["names"]),
                size=(int(z["size"][0]), int(z["size"][1])),
            )


class _Collector:
    """Gathers one rate's outputs frame by frame."""

    def __init__(self, model: Path) -> None:
        self.analyzer = FaceAnalyzer(model)
        self.t: list[float] = []
        self.marks: list[np.ndarray] = []
        self.matrix: list[np.ndarray] = []
        self.shapes: list[dict[str, float] | None] = []
        self.size = (0, 0)

    def add(self, t: float, rgb: np.ndarray) -> None:
        out = self.analyzer.detect(rgb, t)
        self.size = (rgb.shape[1], rgb.shape[0])
        self.t.append(t)
        nan_marks = np.full((N_LANDMARKS, 3), np.nan, np.float32)
        ok = out.landmarks is not None and len(out.landmarks) >= N_LANDMARKS
        self.marks.append(out.landmarks[:N_LANDMARKS] if ok else nan_marks)
        matrix = out.matrix if ok and out.matrix is not None else np.full((4, 4), np.nan)
        self.matrix.append(np.asarray(matrix, np.float32))
        self.shapes.append(out.blendshapes if ok else None)

    def track(self) -> Track:
        self.analyzer.close()
        names = next((tuple(s) for s in self.shapes if s), ())
        shapes = np.full((len(self.t), len(names)), np.nan, np.float32)
        for i, s in enumerate(self.shapes):
            if s:
                shapes[i] = [s[n] for n in names]
        return Track(
            t=np.array(self.t),
            landmarks=np.stack(self.marks) if self.marks else np.zeros((0, N_LANDMARKS, 3)),
            matrix=np.stack(self.matrix) if self.matrix else np.zeros((0, 4, 4)),
            shapes=shapes,
            names=names,
            size=self.size,
        )


def analyse(
    frames: Iterable[tuple[float, np.ndarray]],
    *,
    model: Path,
    rates: Sequence[float] = (30.0, 15.0),
    source_fps: float = 30.0,
) -> dict[float, Track]:
    """Tracks of a stream of ``(t, BGR image)`` frames at ``source_fps``, one per rate (each
    rate keeps every ``round(source_fps / rate)``-th frame)."""
    steps = {fps: max(1, round(source_fps / fps)) for fps in rates}
    collectors = {fps: _Collector(model) for fps in rates}
    try:
        for i, (t, image) in enumerate(frames):
            rgb = None
            for fps, step in steps.items():
                if i % step:
                    continue
                if rgb is None:
                    rgb = np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
                collectors[fps].add(t, rgb)
    finally:
        tracks = {fps: c.track() for fps, c in collectors.items()}
    return tracks


def clip_frames(path: Path) -> Iterable[tuple[float, np.ndarray]]:
    """``(t, BGR image)`` of every frame of a video file."""
    with VideoSource(path) as source:
        for frame in source:
            yield frame.t, frame.image


def cached_clip(
    path: Path, *, model: Path, work: Path, rates: Sequence[float] = (30.0, 15.0)
) -> dict[float, Track]:
    """Tracks of a real clip per rate, from ``work`` when there (else analysed and saved)."""
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    cap.release()
    files = {r: work / f"{path.stem}-{int(r)}fps.npz" for r in rates}
    if not all(f.exists() for f in files.values()):
        tracks = analyse(clip_frames(path), model=model, rates=rates, source_fps=fps)
        for r, f in files.items():
            tracks[r].save(f)
    return {r: Track.load(f) for r, f in files.items()}
