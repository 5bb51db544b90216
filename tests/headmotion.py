"""Video of real faces with head motion of exactly known timing and amplitude.

How a frame is made (:class:`HeadRenderer`):

1. A short, nearly still stretch of a real clip from ``../shared/media/faces`` is the *base*;
   its frames are replayed back and forth (so blinks, micro-motion and sensor noise are real)
   and the Face Landmarker gives each base frame its 478 landmarks.
2. For output time ``t`` the script gives a head rotation ``(yaw, pitch, roll)`` in degrees
   (sign conventions of :mod:`presence_coach.vision.pose`). The base frame's 3-D landmarks
   (x, y in pixels, z in the same scale as x) are rotated about a pivot behind and below the
   face centre (roughly the top of the neck), then projected orthographically.
3. The image is re-rendered through the face mesh: every triangle of MediaPipe's tessellation
   (``FACE_LANDMARKS_TESSELATION``) is mapped by its own affine transform from its rotated to
   its original position (nearer triangles drawn over farther ones); outside the mesh the head
   (hair, ears) follows the face's average motion, fading to the untouched background at
   ``BACKGROUND_FADE`` face radii. One ``cv2.remap`` per frame, no extra dependency.

Scripts (:func:`scenarios`) are seeded: nods (1-4 down-up cycles, 3-15 degrees, 0.25-1 s per
cycle), shakes (1-3 cycles, 6-20 degrees), slow turns, roll tilts and pitch posture shifts
(no gesture), and stillness, each on at least three different real faces; talking is real
talking frames replayed as they are (no motion added, so it holds no scripted gesture).
Ground truth is the list of :class:`Motion` s of each :class:`Scenario`.

Use :func:`analyze_scenario` to render a scenario at 30 fps and feed it straight into the
analyzer at 30 fps and at 15 fps (every second frame), without writing video files.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from presence_coach.sources.video import VideoSource
from presence_coach.vision.face import FaceAnalyzer, FaceSample
from presence_coach.vision.pose import rotation_matrix

RENDER_FPS = 30.0
GENERATOR_VERSION = 2  # bump when the rendering changes (cache keys use it and the base)
MAX_WIDTH = 640  # base frames wider than this are scaled down (a common webcam size; faster)
BACKGROUND_FADE = 1.9  # head motion fades to zero between 1 and this many face radii
PIVOT_BACK = 0.7  # pivot depth behind the face centre, in face widths
PIVOT_DOWN = 0.25  # pivot below the face centre, in face widths
# MediaPipe's landmark z is flatter than a real head (its depth range is about half the true
# one); rotating the flat mesh would move the face too little for the angle scripted.
Z_SCALE = 2.0
# Where a base clip can be: the shared faces (passed in as ``faces_dir``) or the repo's own
# bench clips (``bench/media/faces``, see ``bench/media/SOURCES.md``).
FOLDERS = {"shared": None, "bench": Path(__file__).resolve().parents[1] / "bench/media/faces"}


@dataclass(frozen=True)
class Base:
    """A stretch of a real clip used as the base of generated frames."""

    clip: str  # file name in media/faces
    start_s: float
    end_s: float
    folder: str = "shared"  # where the clip is: one of FOLDERS

    def __post_init__(self) -> None:
        if self.folder not in FOLDERS:
            raise ValueError(f"folder must be one of {tuple(FOLDERS)}, not {self.folder!r}")

    def __repr__(self) -> str:
        # cache keys use the repr: a shared clip's keeps the form it had before folders
        where = "" if self.folder == "shared" else f", folder={self.folder!r}"
        return f"Base(clip={self.clip!r}, start_s={self.start_s!r}, end_s={self.end_s!r}{where})"

    def path(self, faces_dir: Path) -> Path:
        """The clip's file; ``faces_dir`` is the shared faces folder (``../shared/media/faces``)."""
        return (faces_dir if self.folder == "shared" else FOLDERS[self.folder]) / self.clip


# Nearly still stretches (no labelled or visible gesture) on four different people. They are
# replayed back and forth, so a quick step inside one would turn into a down-up "nod" at every
# turn-around: d14 ends before the head drops 2 degrees at 11.2 s.
STILL_BASES = {
    "d0": Base("d0.mp4", 0.2, 2.6),
    "d6": Base("d6.mp4", 0.0, 1.6),
    "d14": Base("d14.mp4", 9.6, 11.1),
    "d18": Base("d18.mp4", 5.4, 6.6),  # later its roll drifts by 4 degrees
}
# Real talking / expressive stretches, replayed unchanged as no-gesture motion.
TALK_BASES = {
    "d10": Base("d10.mp4", 8.0, 14.9),
    "d6": Base("d6.mp4", 2.0, 7.5),
    "d18": Base("d18.mp4", 0.4, 5.3),
}


@dataclass(frozen=True)
class Motion:
    """One scripted head motion; for gestures also the ground-truth event."""

    kind: str  # nod, shake, turn, tilt, posture
    start_s: float
    end_s: float
    amplitude_deg: float  # peak to peak for nods/shakes, total change for the others
    cycles: int = 0  # nods and shakes only
    returns: bool = True  # turns/tilts/posture: go back to the start pose at the end

    def offsets(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(yaw, pitch, roll) added at times ``t`` (seconds)."""
        zero = np.zeros_like(t)
        span = self.end_s - self.start_s
        u = np.clip((t - self.start_s) / span, 0.0, 1.0)
        a = self.amplitude_deg
        if self.kind == "nod":  # down and back up, ``cycles`` times
            return zero, -a / 2 * (1 - np.cos(2 * np.pi * self.cycles * u)), zero
        if self.kind == "shake":  # centred side-to-side
            return a / 2 * np.sin(2 * np.pi * self.cycles * u), zero, zero
        # smooth there, hold and back (returns) or smooth there and stay
        ramp = np.clip(np.minimum(u, 1 - u) * 3, 0, 1) if self.returns else u
        ramp = (1 - np.cos(np.pi * ramp)) / 2 * a
        if self.kind == "turn":
            return ramp, zero, zero
        if self.kind == "tilt":
            return zero, zero, ramp
        if self.kind == "posture":
            return zero, ramp, zero
        raise ValueError(f"unknown motion kind {self.kind}")


@dataclass(frozen=True)
class Scenario:
    """A generated clip: a base, a length and the motions scripted on it."""

    name: str
    face: str  # key of STILL_BASES or TALK_BASES
    talking: bool  # True: replay real talking frames, no motion added
    duration_s: float
    motions: tuple[Motion, ...] = ()

    @property
    def base(self) -> Base:
        return (TALK_BASES if self.talking else STILL_BASES)[self.face]

    def pose_offsets(self, t: np.ndarray) -> np.ndarray:
        """(n, 3) yaw, pitch, roll offsets at times ``t``."""
        out = np.zeros((len(t), 3))
        for m in self.motions:
            out += np.stack(m.offsets(t), axis=1)
        return out

    def events(self, kind: str) -> list[Motion]:
        return [m for m in self.motions if m.kind == kind]


def gesture_script(rng: random.Random, duration_s: float) -> tuple[Motion, ...]:
    """Nods and shakes at random sizes and speeds, 1.5-2.5 s of rest between them."""
    out: list[Motion] = []
    t = rng.uniform(1.5, 2.0)
    while True:
        if rng.random() < 0.6:
            cycles, amp, cycle_s = rng.randint(1, 4), rng.uniform(3, 15), rng.uniform(0.25, 1.0)
            kind = "nod"
        else:
            cycles, amp, cycle_s = rng.randint(1, 3), rng.uniform(6, 20), rng.uniform(0.4, 1.0)
            kind = "shake"
        end = t + cycles * cycle_s
        if end > duration_s - 1.5:
            return tuple(out)
        out.append(Motion(kind, round(t, 3), round(end, 3), round(amp, 2), cycles))
        t = end + rng.uniform(1.5, 2.5)


def negative_script(rng: random.Random, duration_s: float) -> tuple[Motion, ...]:
    """Slow turns, tilts and posture shifts (1.5-4 s each) with stillness between."""
    out: list[Motion] = []
    t = rng.uniform(1.0, 2.0)
    while True:
        kind = rng.choice(("turn", "tilt", "posture"))
        span = rng.uniform(1.5, 4.0)
        amp = rng.uniform(8, 25) * rng.choice((-1, 1))
        if kind == "posture":
            amp = rng.uniform(5, 12) * rng.choice((-1, 1))
        if t + span > duration_s - 1.0:
            return tuple(out)
        out.append(Motion(kind, round(t, 3), round(t + span, 3), round(amp, 2)))
        t += span + rng.uniform(1.0, 3.0)


def scenarios(
    *,
    seed: int = 7,
    gesture_s: float = 36.0,
    negative_s: float = 24.0,
    negatives_per_face: int = 1,
    faces: Sequence[str] = tuple(STILL_BASES),
    talking: bool = True,
) -> list[Scenario]:
    """The generated set: per still face one gesture clip and ``negatives_per_face`` no-gesture
    clips (each its own script), plus the real talking replays when ``talking``."""
    rng = random.Random(seed)
    out = []
    for face in faces:
        out.append(
            Scenario(f"{face}-gestures", face, False, gesture_s, gesture_script(rng, gesture_s))
        )
        for k in range(negatives_per_face):
            name = f"{face}-negative" + (f"{k + 1}" if k else "")
            out.append(Scenario(name, face, False, negative_s, negative_script(rng, negative_s)))
    if talking:
        for face, base in TALK_BASES.items():
            out.append(Scenario(f"{face}-talk", face, True, 2 * (base.end_s - base.start_s)))
    return out


@cache
def _triangles() -> np.ndarray:
    """Triangles (k, 3) of the face mesh, from the tessellation's edges (3-cliques)."""
    from mediapipe.tasks.python.vision import FaceLandmarksConnections

    edges = {(c.start, c.end) for c in FaceLandmarksConnections.FACE_LANDMARKS_TESSELATION}
    nbrs: dict[int, set[int]] = {}
    for a, b in edges:
        nbrs.setdefault(a, set()).add(b)
        nbrs.setdefault(b, set()).add(a)
    tris = set()
    for a, b in edges:
        for c in nbrs[a] & nbrs[b]:
            tris.add(tuple(sorted((a, b, c))))
    return np.array(sorted(tris), dtype=np.int32)


def _read_base(path: Path, base: Base, model: Path) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Frames of the base stretch (at most MAX_WIDTH wide) and their landmarks (pixels x, y
    and z scaled like x)."""
    frames, marks = [], []
    with FaceAnalyzer(model) as analyzer, VideoSource(path) as source:
        for frame in source:
            if frame.t > base.end_s:
                break
            rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
            h, w = frame.image.shape[:2]
            sample = analyzer.sample(analyzer.detect(rgb, frame.t), frame.t, (w, h))
            if frame.t < base.start_s or sample.landmarks is None:
                continue
            image = frame.image
            if w > MAX_WIDTH:  # landmarks are normalised: scale the image only
                h, w = round(h * MAX_WIDTH / w), MAX_WIDTH
                image = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
            lm = sample.landmarks[:468].astype(np.float64) * np.array([w, h, w])
            frames.append(image)
            marks.append(lm)
    if len(frames) < 2:
        raise ValueError(f"base {base} has no usable face frames")
    return frames, marks


class HeadRenderer:
    """Renders base frames of one face with added head rotation (see module docstring)."""

    def __init__(self, faces_dir: Path, base: Base, model: Path) -> None:
        self.frames, self.marks = _read_base(base.path(faces_dir), base, model)
        cap = cv2.VideoCapture(str(base.path(faces_dir)))
        self.base_fps = cap.get(cv2.CAP_PROP_FPS) or RENDER_FPS
        cap.release()
        self.tris = _triangles()
        h, w = self.frames[0].shape[:2]
        self.grid_x, self.grid_y = np.meshgrid(
            np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)
        )

    def base_index(self, t: float) -> int:
        """Back-and-forth replay of the base frames."""
        n = len(self.frames)
        k = int(t * self.base_fps) % (2 * n - 2)
        return k if k < n else 2 * n - 2 - k

    def render(self, t: float, yaw: float, pitch: float, roll: float) -> np.ndarray:
        i = self.base_index(t)
        image, src = self.frames[i], self.marks[i]
        if abs(yaw) < 1e-6 and abs(pitch) < 1e-6 and abs(roll) < 1e-6:
            return image
        dst = rotate_landmarks(src, yaw_deg=yaw, pitch_deg=pitch, roll_deg=roll)
        map_x, map_y = self._maps(src, dst)
        return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def _maps(self, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h, w = self.grid_x.shape
        # head outside the mesh: least-squares affine dst -> src of all mesh points
        design = np.column_stack([dst[:, :2], np.ones(len(dst))])
        affine, *_ = np.linalg.lstsq(design, src[:, :2], rcond=None)  # (3, 2)
        centre = dst[:, :2].mean(axis=0)
        radii = np.maximum(np.ptp(dst[:, :2], axis=0) / 2.0, 1.0)
        map_x, map_y = self.grid_x.copy(), self.grid_y.copy()
        x0, y0 = np.maximum(np.floor(centre - BACKGROUND_FADE * radii), 0).astype(int)
        x1, y1 = np.minimum(np.ceil(centre + BACKGROUND_FADE * radii) + 1, (w, h)).astype(int)
        gx, gy = self.grid_x[y0:y1, x0:x1], self.grid_y[y0:y1, x0:x1]
        r = np.hypot((gx - centre[0]) / radii[0], (gy - centre[1]) / radii[1])
        weight = np.clip((BACKGROUND_FADE - r) / (BACKGROUND_FADE - 1.0), 0.0, 1.0)
        ax = gx * affine[0, 0] + gy * affine[1, 0] + affine[2, 0]
        ay = gx * affine[0, 1] + gy * affine[1, 1] + affine[2, 1]
        map_x[y0:y1, x0:x1] = gx + weight * (ax - gx)
        map_y[y0:y1, x0:x1] = gy + weight * (ay - gy)
        # the mesh itself: per-triangle affine, far triangles first
        tris = self.tris
        d = dst[tris]  # (k, 3, 3)
        s = src[tris]
        order = np.argsort(-d[:, :, 2].mean(axis=1))
        ids = np.full((h, w), -1, dtype=np.int32)
        pts = np.round(d[:, :, :2]).astype(np.int32)
        for k in order:
            cv2.fillConvexPoly(ids, pts[k], int(k))
        dm = np.concatenate([d[:, :, :2], np.ones((len(tris), 3, 1))], axis=2)  # (k, 3, 3)
        det = np.linalg.det(dm)
        ok = np.abs(det) > 1e-6
        inv = np.zeros_like(dm)
        inv[ok] = np.linalg.inv(dm[ok])
        coef = np.einsum("kij,kjc->kic", inv, s[:, :, :2])  # (k, 3, 2): [x y 1] @ coef = src
        inside = ids >= 0
        inside &= ok[np.where(inside, ids, 0)]
        yy, xx = np.nonzero(inside)
        c = coef[ids[yy, xx]]
        map_x[yy, xx] = xx * c[:, 0, 0] + yy * c[:, 1, 0] + c[:, 2, 0]
        map_y[yy, xx] = xx * c[:, 0, 1] + yy * c[:, 1, 1] + c[:, 2, 1]
        return map_x, map_y


def rotate_landmarks(
    points: np.ndarray, *, yaw_deg: float, pitch_deg: float, roll_deg: float
) -> np.ndarray:
    """Rotate image-space 3-D landmarks (x right, y down, z away) about the neck pivot."""
    width = float(np.ptp(points[:, 0]))
    deep = points * np.array([1.0, 1.0, Z_SCALE])
    pivot = deep.mean(axis=0) + np.array([0.0, PIVOT_DOWN * width, PIVOT_BACK * width])
    flip = np.array([1.0, -1.0, -1.0])  # image space <-> camera space (y up, z toward viewer)
    rot = rotation_matrix(yaw_deg=yaw_deg, pitch_deg=pitch_deg, roll_deg=roll_deg)
    cam = (deep - pivot) * flip
    return (cam @ rot.T) * flip + pivot


@dataclass
class Rendered:
    """Analyzer output of one scenario at one frame rate."""

    fps: float
    samples: list[FaceSample]


def frames(
    scenario: Scenario, renderer: HeadRenderer | None, talk: list[np.ndarray] | None
) -> Iterator[tuple[float, np.ndarray]]:
    """(t, BGR image) at RENDER_FPS for the whole scenario."""
    n = round(scenario.duration_s * RENDER_FPS)
    t = np.arange(n) / RENDER_FPS
    offsets = scenario.pose_offsets(t)
    for i in range(n):
        if scenario.talking:
            assert talk is not None
            m = len(talk)
            k = i % (2 * m - 2)
            yield float(t[i]), talk[k if k < m else 2 * m - 2 - k]
        else:
            assert renderer is not None
            yield float(t[i]), renderer.render(float(t[i]), *offsets[i])


def analyze_scenario(
    scenario: Scenario, *, faces_dir: Path, model: Path, rates: Sequence[float] = (30.0, 15.0)
) -> dict[float, list[FaceSample]]:
    """Render ``scenario`` and run the Face Landmarker at each rate (divisors of 30 fps)."""
    renderer = talk = None
    if scenario.talking:
        talk, _ = _read_base(scenario.base.path(faces_dir), scenario.base, model)
    else:
        renderer = HeadRenderer(faces_dir, scenario.base, model)
    steps = {fps: round(RENDER_FPS / fps) for fps in rates}
    out: dict[float, list[FaceSample]] = {fps: [] for fps in rates}
    analyzers = {fps: FaceAnalyzer(model) for fps in rates}
    try:
        for i, (t, image) in enumerate(frames(scenario, renderer, talk)):
            rgb = None
            for fps, step in steps.items():
                if i % step:
                    continue
                if rgb is None:
                    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
                a = analyzers[fps]
                h, w = image.shape[:2]
                out[fps].append(a.sample(a.detect(rgb, t), t, (w, h)))
    finally:
        for a in analyzers.values():
            a.close()
    return out


def clean_samples(samples: Sequence[FaceSample]) -> list[FaceSample]:
    """Samples without landmarks (smaller to cache)."""
    return [
        FaceSample(
            **{f: getattr(s, f) for f in FaceSample.__dataclass_fields__ if f != "landmarks"}
        )
        for s in samples
    ]


def rng_check(seed: int) -> float:
    """A number that changes if the seeded script changes (for cache keys)."""
    return math.fsum(m.start_s + m.amplitude_deg for s in scenarios(seed=seed) for m in s.motions)
