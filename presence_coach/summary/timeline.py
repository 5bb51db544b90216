"""The binned picture of a whole session that the report's timeline draws."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from presence_coach.summary.rows import (
    Row,
    gesture_while_speaking,
    runs,
    slot_index,
    speaking_share_between,
)
from presence_coach.voice.speaking import VOICE_ROW_S
from presence_coach.voice.stats import LONG_PAUSE_MIN_S

TIMELINE_BINS = 720  # resolution of the timeline picture (bins across the whole session)
DETAIL_MIN_S = 900.0  # sessions longer than this also get a detail picture (the zoom)
DETAIL_SLOT_S = 1.0  # the detail picture's resolution


def timeline_picture(
    *,
    duration_s: float,
    face_rows: Sequence[Row],
    voice_rows: Sequence[Row],
    by_type: Mapping[str, list[Row]],
    bins: int = TIMELINE_BINS,
) -> dict[str, Any]:
    """A compact picture of the session for the timeline plot, binned to ``bins`` slots:

    ``speaking``: [start_s, end_s] runs where most of a slot was speech; ``gaze``:
    [start_s, end_s, state] runs of each slot's most frequent state ("none" without a face);
    ``pitch``: [t_s, f0_hz] slot medians of voiced rows; ``long_pauses``: [start_s, end_s];
    ``nods``/``shakes``: [t_s, listening] (listening None when unknown);
    ``eye_contacts``, ``smiles``: [start_s, end_s]; ``longest_speech``: [start_s, end_s]
    of the longest utterance (None without one).
    """
    dur = max(duration_s, 1e-6)
    slot_s = max(dur / bins, VOICE_ROW_S)
    n = max(1, math.ceil(dur / slot_s))
    out: dict[str, Any] = {"duration_s": round(duration_s, 2), "slot_s": round(slot_s, 3)}
    vt_all = np.fromiter((r["t"] for r in voice_rows), np.float64, len(voice_rows))
    sp_all = np.fromiter((r["speaking"] for r in voice_rows), np.float64, len(voice_rows))

    def marks(kind: str) -> list[list[Any]]:
        res = []
        for e in by_type.get(kind, []):
            s = gesture_while_speaking(
                e,
                speaking_share=lambda a, b: speaking_share_between(
                    vt_all, sp_all, start_s=a, end_s=b
                ),
            )
            res.append([round(float(e["start"]), 2), None if s is None else not s])
        return res

    def spans(kind: str, keep: Callable[[Row], bool] = lambda e: True) -> list[list[float]]:
        return [
            [round(float(e["start"]), 2), round(float(e["end"]), 2)]
            for e in by_type.get(kind, [])
            if keep(e)
        ]

    out |= _voice_picture(voice_rows, slot_s=slot_s, n=n, dur=dur)
    out |= {
        "gaze": _gaze_picture(face_rows, slot_s=slot_s, n=n, dur=dur),
        "long_pauses": spans(
            "pause", lambda e: float(e["end"]) - float(e["start"]) >= LONG_PAUSE_MIN_S
        ),
        "nods": marks("nod"),
        "shakes": marks("shake"),
        "eye_contacts": spans("eye_contact"),
        "smiles": spans("smile"),
        "longest_speech": max(spans("utterance"), key=lambda s: s[1] - s[0], default=None),
    }
    return out


def _voice_picture(
    voice_rows: Sequence[Row], *, slot_s: float, n: int, dur: float
) -> dict[str, list[list[float]]]:
    """``speaking`` runs and ``pitch`` slot medians of :func:`timeline_picture`."""
    speaking: list[list[float]] = []
    pitch: list[list[float]] = []
    if not voice_rows:
        return {"speaking": speaking, "pitch": pitch}
    vt = np.fromiter((r["t"] for r in voice_rows), np.float64, len(voice_rows))
    spk = np.fromiter((r["speaking"] for r in voice_rows), np.float64, len(voice_rows))
    f0 = np.fromiter(
        (r["f0_hz"] if r["f0_hz"] is not None and r["speaking"] else np.nan for r in voice_rows),
        np.float64,
        len(voice_rows),
    )
    idx = slot_index(vt, slot_s=slot_s, n=n)
    cnt = np.bincount(idx, minlength=n)
    share = np.bincount(idx, weights=spk, minlength=n) / np.maximum(cnt, 1)
    on = (share >= 0.5) & (cnt > 0)
    speaking = [
        [round(a * slot_s, 2), round(min(b * slot_s, dur), 2)] for a, b, s in runs(on.tolist()) if s
    ]
    ok = np.isfinite(f0)
    if ok.any():
        order = np.argsort(idx[ok], kind="stable")
        slots, f0s = idx[ok][order], f0[ok][order]
        bounds = np.flatnonzero(np.diff(slots)) + 1
        for sl, vals in zip(np.split(slots, bounds), np.split(f0s, bounds), strict=True):
            pitch.append([round((sl[0] + 0.5) * slot_s, 2), round(float(np.median(vals)), 1)])
    return {"speaking": speaking, "pitch": pitch}


def _gaze_picture(
    face_rows: Sequence[Row], *, slot_s: float, n: int, dur: float
) -> list[list[Any]]:
    """``gaze`` runs of :func:`timeline_picture`: each slot's most frequent state."""
    if not face_rows:
        return []
    ft = np.fromiter((r["t"] for r in face_rows), np.float64, len(face_rows))
    names = ("none", "camera", "screen", "away", "unknown")
    code = {s: i for i, s in enumerate(names)}
    states = np.fromiter(
        (code.get(r["gaze"] or "unknown", 4) if r["face"] else 0 for r in face_rows),
        np.int64,
        len(face_rows),
    )
    idx = slot_index(ft, slot_s=slot_s, n=n)
    table = np.zeros((n, len(names)), np.int64)
    np.add.at(table, (idx, states), 1)
    has = table.sum(axis=1) > 0
    mode = np.where(has, table.argmax(axis=1), -1)
    return [
        [round(a * slot_s, 2), round(min(b * slot_s, dur), 2), names[s]]
        for a, b, s in runs(mode.tolist())
        if s >= 0
    ]
