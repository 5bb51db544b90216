"""Small pure helpers over a session's stored rows and events (as the store returns them)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from presence_coach.voice.speaking import speaking_share, while_speaking

Row = Mapping[str, Any]


def round_or_none(value: float | None, digits: int = 3) -> float | None:
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def events_by_type(events: Iterable[Row]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for e in events:
        out.setdefault(str(e["type"]), []).append(e)
    return out


def speaking_share_between(
    voice_t: np.ndarray, voice_speaking: np.ndarray, *, start_s: float, end_s: float
) -> float | None:
    """Share of voice rows in [start_s, end_s) marked speaking; None without rows there
    (:func:`~presence_coach.voice.speaking.speaking_share`)."""
    return speaking_share(voice_t, voice_speaking, start_s=start_s, end_s=end_s)


def gesture_while_speaking(
    event: Row, *, speaking_share: Callable[[float, float], float | None]
) -> bool | None:
    """Whether a nod or shake was made while speaking: the event's own ``speaking`` attribute
    (set by the analysis when the voice was known), else
    :func:`~presence_coach.voice.speaking.while_speaking` of the voice timeline's share over
    the gesture; None when unknown (no voice)."""
    if isinstance(event.get("speaking"), bool):
        return bool(event["speaking"])
    return while_speaking(speaking_share(float(event["start"]), float(event["end"])))


def slot_index(t: np.ndarray, *, slot_s: float, n: int) -> np.ndarray:
    """Slot of each time (a row at 0.3 s is in slot 3 of 0.1 s, despite float rounding)."""
    return np.clip(np.floor(t / slot_s + 1e-6).astype(np.int64), 0, max(n - 1, 0))


def runs(states: Sequence[Any]) -> list[tuple[int, int, Any]]:
    """Run-length encoding: (first index, last index + 1, state)."""
    out: list[tuple[int, int, Any]] = []
    start = 0
    for i in range(1, len(states) + 1):
        if i == len(states) or states[i] != states[start]:
            out.append((start, i, states[start]))
            start = i
    return out
