"""Distribution numbers of stored per-row values (head pose): pure array functions.

Every number has a unit in its key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

POSE_KEYS = {"yaw_deg": "yaw", "pitch_deg": "pitch", "roll_deg": "roll"}  # summary key: row key


def describe(values: Sequence[float] | np.ndarray) -> dict[str, float | int | None]:
    """Count, median, mean, standard deviation, 5th/95th percentile, min and max of the
    finite values (NaN, i.e. no face, left out); ``None`` where there are no values.

    Args:
        values: (n,) numbers.
    """
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


def pose_stats(face_rows: Sequence[Mapping[str, Any]]) -> dict[str, dict] | None:
    """Head turn, lift and tilt (:func:`describe`, degrees) over the stored face rows with a
    face; None for a session without a camera."""
    if not face_rows:
        return None
    return {
        key: describe(
            np.fromiter(
                (np.nan if r[col] is None or not r["face"] else r[col] for r in face_rows),
                np.float64,
                len(face_rows),
            )
        )
        for key, col in POSE_KEYS.items()
    }


def _round(value: float, digits: int = 3) -> float | None:
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None
