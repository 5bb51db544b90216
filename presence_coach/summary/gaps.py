"""Device gaps of a session: when the camera or the microphone gave nothing (pure functions).

A live session stores one ``dropout`` event per gap (:func:`dropout_event`): ``device``
("camera" or "microphone"), ``start``/``end`` on the session clock and the ``reason`` the
source gave. From the stored events:

* :func:`device_gaps` lists the gaps (clipped to the session);
* :func:`signal_time_s` is the time a signal was there (from its first stored row to the end,
  minus its gaps): the session's shares and rates of that signal are taken over it;
* :func:`gap_sentence` says a gap in words, :func:`coverage_sentence` what the numbers cover.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

DROPOUT = "dropout"  # event type of a device gap
DEVICES = ("camera", "microphone")
UNTIL_END_S = 0.5  # a gap ending this close to the session's end lasted to the end
_NUMBERS = {
    "camera": "face, gaze and head numbers",
    "microphone": "speech, pause and voice numbers",
}

Gap = Mapping[str, Any]


def dropout_event(device: str, start_s: float, end_s: float, reason: str) -> dict[str, Any]:
    """The stored form of a gap: a flat event (``type``, ``start``, ``end``, attributes)."""
    if device not in DEVICES:
        raise ValueError(f"device={device!r} must be one of {DEVICES}")
    return {
        "type": DROPOUT,
        "start": round(start_s, 3),
        "end": round(max(end_s, start_s), 3),
        "device": device,
        "reason": reason,
    }


def device_gaps(events: Iterable[Mapping[str, Any]], *, duration_s: float) -> list[dict]:
    """The session's gaps from its events, clipped to ``[0, duration_s]``, in time order:
    ``{device, start_s, end_s, duration_s, until_end, reason}``."""
    out = []
    for e in events:
        if e["type"] != DROPOUT:
            continue
        a, b = max(0.0, float(e["start"])), min(float(e["end"]), duration_s)
        if b <= a:
            continue
        out.append(
            {
                "device": str(e.get("device") or "camera"),
                "start_s": round(a, 2),
                "end_s": round(b, 2),
                "duration_s": round(b - a, 2),
                "until_end": b >= duration_s - UNTIL_END_S,
                "reason": str(e.get("reason") or ""),
            }
        )
    return sorted(out, key=lambda g: (g["start_s"], g["device"]))


def gap_seconds(gaps: Sequence[Gap], device: str, *, after_s: float = 0.0) -> float:
    """Seconds after ``after_s`` covered by ``device``'s gaps (overlaps counted once)."""
    spans = sorted((max(g["start_s"], after_s), g["end_s"]) for g in gaps if g["device"] == device)
    total, reach = 0.0, after_s
    for a, b in spans:
        a = max(a, reach)
        if b > a:
            total += b - a
            reach = b
    return total


def signal_time_s(
    gaps: Sequence[Gap], device: str, *, duration_s: float, first_row_t: float | None
) -> float | None:
    """Seconds the device's signal was there: from its first stored row to the end of the
    session, minus its gaps; None when it never gave a row."""
    if first_row_t is None:
        return None
    span = duration_s - first_row_t
    return round(max(span - gap_seconds(gaps, device, after_s=first_row_t), 0.0), 2)


def clock(t_s: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) of a session time."""
    t = round(t_s)
    h, rest = divmod(t, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _length(seconds: float) -> str:
    """A length for people: "45 s", "1 min 45 s", "2 h 05 min"."""
    t = round(seconds)
    if t < 90:
        return f"{t} s"
    if t < 5400:
        m, s = divmod(t, 60)
        return f"{m} min {s} s" if s else f"{m} min"
    h, m = divmod(t // 60, 60)
    return f"{h} h {m:02d} min"


def gap_sentence(gap: Gap) -> str:
    """One gap in words, e.g. "The camera gave no picture from 0:07 to 0:12 (5 s)."."""
    camera = gap["device"] == "camera"
    what = "The camera gave no picture" if camera else "The microphone gave no sound"
    if gap["until_end"]:
        return (
            f"{what} from {clock(gap['start_s'])} to the end of the session "
            f"({_length(gap['duration_s'])})."
        )
    return (
        f"{what} from {clock(gap['start_s'])} to {clock(gap['end_s'])} "
        f"({_length(gap['duration_s'])})."
    )


def coverage_sentence(device: str, signal_s: float | None) -> str:
    """What a device's numbers cover after a gap, e.g. "The face, gaze and head numbers
    cover the 3 min the camera worked."."""
    return f"The {_NUMBERS[device]} cover the {_length(signal_s or 0.0)} the {device} worked."
