"""How much does talking move the head pitch? The facial transformation matrix against rigid
fits on landmarks that do not move with the jaw, on the real clips (no model run: cached
landmarker outputs, ``bench/facecache.py``).

Pitch estimates compared, per frame:

* ``matrix``: :func:`presence_coach.vision.pose.head_pose` of MediaPipe's facial transformation
  matrix (what the product uses). MediaPipe fits it by weighted Procrustes on 33 landmarks of
  its ``procrustes_landmark_basis``, which include points on the jaw line (136, 365, 132, 361).
* ``fit-basis``: our own weighted similarity fit (Umeyama) of the same 33 points, in image
  space (x, y in pixels, z scaled like x), to the canonical face model of the model bundle.
* ``fit-upper``: the same without the lower-face points (jaw line, lower cheeks, nose tip).
* ``fit-stable``: 29 points that do not move with the jaw: forehead, temples, brows' inner
  ends, nose bridge and eye corners, equal weights.

Measures, on each clip's whole length at 30 fps (pitch and jawOpen high-passed by subtracting a
1 s running median, so posture does not count): the share of pitch variance the jaw explains
(R^2) and the slope (degrees per unit of jawOpen), the high-passed pitch's standard deviation,
frame-to-frame jitter (second differences / sqrt 6), and the median and 90th percentile of the
pitch range in 1 s windows (what a nod must stand out from).

Usage: ``python bench/pose_jaw.py`` (prints a markdown table).
"""

from __future__ import annotations

import os
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np
from scipy.ndimage import median_filter

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import facecache  # noqa: E402

from presence_coach.vision.pose import head_pose  # noqa: E402

SHARED = Path(os.environ.get("PRESENCE_COACH_SHARED", REPO.parent / "shared")).resolve()
MODEL = SHARED / "models" / "face_landmarker.task"
FACES = SHARED / "media" / "faces"
WORK = REPO / "bench" / "_work" / "life" / "real"
STABLE = (10, 151, 9, 8, 168, 6, 197, 67, 297, 109, 338, 54, 284, 21, 251, 127, 356, 162, 389,
          33, 133, 362, 263, 130, 359, 70, 300, 107, 336)  # fmt: skip
LOWER = {136, 365, 361, 132, 147, 376, 205, 425, 4, 129, 358}
DEV, HELDOUT = ("d6", "d14", "d18"), ("d0", "d10")


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    out = shift = 0
    while True:
        byte = buf[i]
        i += 1
        out |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return out, i


def _fields(buf: bytes) -> list[tuple[int, object]]:
    """(field number, value) of a protobuf message (varint, 32-bit and length-delimited)."""
    out, i = [], 0
    while i < len(buf):
        tag, i = _varint(buf, i)
        wire = tag & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 5:
            value, i = struct.unpack("<f", buf[i : i + 4])[0], i + 4
        elif wire == 2:
            n, i = _varint(buf, i)
            value, i = buf[i : i + n], i + n
        else:
            raise ValueError(f"wire type {wire}")
        out.append((tag >> 3, value))
    return out


def canonical_model(model: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bundle's canonical face (468, 3) and its Procrustes basis (ids, weights)."""
    with zipfile.ZipFile(model) as z:
        data = z.read("geometry_pipeline_metadata_landmarks.binarypb")
    vertices: list[float] = []
    ids, weights = [], []
    for number, value in _fields(data):
        if number == 1:  # canonical_mesh: vertex_buffer (x, y, z, u, v per vertex)
            vertices = [v for n, v in _fields(value) if n == 3]  # type: ignore[arg-type]
        elif number == 2:  # procrustes_landmark_basis: landmark_id, weight
            ref = dict(_fields(value))  # type: ignore[arg-type]
            ids.append(int(ref.get(1, 0)))
            weights.append(float(ref.get(2, 0.0)))
    mesh = np.array(vertices, dtype=np.float64).reshape(-1, 5)[:, :3]
    return mesh, np.array(ids), np.array(weights)


def rigid_pose(
    landmarks: np.ndarray, size: tuple[int, int], canon: np.ndarray, ids, weights
) -> tuple[float, float, float]:
    """Yaw, pitch, roll of the weighted similarity fit of canonical points to landmarks."""
    w, h = size
    p = landmarks[ids].astype(np.float64) * np.array([w, h, w])
    cam = np.column_stack([p[:, 0], -p[:, 1], -p[:, 2]])  # camera space: y up, z to viewer
    wt = np.asarray(weights, dtype=np.float64) / np.sum(weights)
    src, dst = canon[ids], cam
    a, b = src - wt @ src, dst - wt @ dst
    u, _, vt = np.linalg.svd((b * wt[:, None]).T @ a)
    fix = np.diag([1.0, 1.0, np.sign(np.linalg.det(u) * np.linalg.det(vt))])
    return head_pose(u @ fix @ vt)


def measures(pitch: np.ndarray, jaw: np.ndarray, fps: float) -> dict[str, float]:
    n = int(fps)
    hp = pitch - median_filter(pitch, n | 1, mode="nearest")
    hj = jaw - median_filter(jaw, n | 1, mode="nearest")
    r = float(np.corrcoef(hj, hp)[0, 1])
    p2p = np.array([np.ptp(pitch[i : i + n]) for i in range(0, len(pitch) - n, 3)])
    return {
        "r2": r * r,
        "slope": float(np.polyfit(hj, hp, 1)[0]),
        "hp_std": float(hp.std()),
        "jitter": float(np.std(np.diff(pitch, 2)) / np.sqrt(6)),
        "p2p50": float(np.median(p2p)),
        "p2p90": float(np.percentile(p2p, 90)),
    }


def main() -> None:
    canon, ids, weights = canonical_model(MODEL)
    upper = np.array([i not in LOWER for i in ids])
    stable = np.array(STABLE)
    print("| clip | split | pitch from | jaw R^2 | deg per jawOpen | hp std | jitter |"
          " 1 s range median / p90 |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for clip in DEV + HELDOUT:
        track = facecache.cached_clip(FACES / f"{clip}.mp4", model=MODEL, work=WORK)[30.0]
        ok = track.face
        lms, jaw = track.landmarks[ok], track.shape("jawOpen")[ok]
        subsets = {
            "fit-basis": (ids, weights),
            "fit-upper": (ids[upper], weights[upper]),
            "fit-stable": (stable, np.ones(len(stable))),
        }
        variants = {"matrix": [head_pose(m) for m in track.matrix[ok]]}
        for name, (points, w) in subsets.items():
            variants[name] = [rigid_pose(x, track.size, canon, points, w) for x in lms]
        split = "dev" if clip in DEV else "held-out"
        for name, pose in variants.items():
            m = measures(np.array(pose)[:, 1], jaw, 30.0)
            cells = (
                f"{m['r2']:.3f}",
                f"{m['slope']:+.1f}",
                f"{m['hp_std']:.2f}",
                f"{m['jitter']:.2f}",
                f"{m['p2p50']:.1f} / {m['p2p90']:.1f}",
            )
            print(f"| {clip} | {split} | {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
