"""Session summary numbers: pure functions over per-frame values.

Every number has a unit in its key.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def describe(values: Sequence[float] | np.ndarray) -> dict[str, float | int | None]:
    """Count, median, mean, standard deviation, 5th/95th percentile, min and max of the
    finite values (NaN, i.e. no face, left out); ``None`` where there are no values."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        keys = ("median", "mean", "sd", "p5", "p95", "min", "max")
        return {"count": 0} | dict.fromkeys(keys)
    p5, p50, p95 = np.percentile(x, [5, 50, 95])
    return {
        "count": int(x.size),
        "median": _round(p50),
        "mean": _round(x.mean()),
        "sd": _round(x.std()),
        "p5": _round(p5),
        "p95": _round(p95),
        "min": _round(x.min()),
        "max": _round(x.max()),
    }


def video_summary(
    t: np.ndarray, face: np.ndarray, yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray
) -> dict[str, object]:
    """Summary of the face track.

    Args:
        t: (n,) frame times in seconds; face: (n,) bool; yaw, pitch, roll: (n,) degrees, NaN
        where no face.
    """
    n = len(t)
    return {
        "duration_s": _round(float(t[-1] - t[0])) if n else 0.0,
        "frames": n,
        "face_present_fraction": _round(float(np.mean(face))) if n else None,
        "pose": {
            "yaw_deg": describe(yaw),
            "pitch_deg": describe(pitch),
            "roll_deg": describe(roll),
        },
    }


def _round(value: float, digits: int = 3) -> float | None:
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None
