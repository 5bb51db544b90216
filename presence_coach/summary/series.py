"""Per-minute series and first-half/second-half numbers of a session, from its stored rows."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from presence_coach.summary.conversation import talk_share_per_minute
from presence_coach.summary.definitions import MINUTE_S, RATE_MIN_SPEECH_S
from presence_coach.summary.rows import (
    Row,
    gesture_while_speaking,
    round_or_none,
    slot_index,
    speaking_share_between,
)


def _minute_index(t: np.ndarray, n: int) -> np.ndarray:
    return slot_index(t, slot_s=MINUTE_S, n=n)


def per_minute_series(
    *,
    duration_s: float,
    face_rows: Sequence[Row],
    voice_t: np.ndarray,
    voice_speaking: np.ndarray,
    by_type: Mapping[str, list[Row]],
) -> dict[str, list]:
    """Per-minute values for the bars (a last partial minute counts as one):

    ``speaking_fraction`` (share of voice rows speaking), ``nods`` and ``listening_nods``
    and ``eye_contacts`` (events starting in the minute), ``gaze_camera_fraction`` (of
    face-present rows), ``articulation_rate_syl_per_s`` (syllables / speaking time of the
    utterances overlapping the minute, split by overlap; None below RATE_MIN_SPEECH_S),
    ``talk_share_you`` (with call audio: your share of the minute's talk, see
    :func:`~presence_coach.summary.conversation.talk_share_per_minute`).
    """
    n = max(1, math.ceil(duration_s / MINUTE_S - 1e-9))
    out: dict[str, list] = {"start_s": [i * MINUTE_S for i in range(n)]}
    if voice_t.size:
        idx = _minute_index(voice_t, n)
        rows = np.bincount(idx, minlength=n)
        spk = np.bincount(idx, weights=voice_speaking, minlength=n)
        out["speaking_fraction"] = [
            round(float(s / r), 3) if r else None for s, r in zip(spk, rows, strict=True)
        ]
        syl = np.zeros(n)
        speech_s = np.zeros(n)
        for u in by_type.get("utterance", []):
            a, b = float(u["start"]), float(u["end"])
            if b <= a:
                continue
            for m in range(int(a // MINUTE_S), min(n - 1, int(b // MINUTE_S)) + 1):
                overlap = min(b, (m + 1) * MINUTE_S) - max(a, m * MINUTE_S)
                if overlap > 0:
                    speech_s[m] += overlap
                    syl[m] += (u.get("syllables") or 0) * overlap / (b - a)
        out["articulation_rate_syl_per_s"] = [
            round(float(s / d), 2) if d >= RATE_MIN_SPEECH_S else None
            for s, d in zip(syl, speech_s, strict=True)
        ]
    else:
        out["speaking_fraction"] = [None] * n
        out["articulation_rate_syl_per_s"] = [None] * n
    if face_rows:
        t = np.fromiter((r["t"] for r in face_rows), np.float64, len(face_rows))
        present = np.fromiter((bool(r["face"]) for r in face_rows), bool, len(face_rows))
        camera = np.fromiter(
            (bool(r["face"]) and r["gaze"] == "camera" for r in face_rows), bool, len(face_rows)
        )
        idx = _minute_index(t, n)
        pres = np.bincount(idx, weights=present, minlength=n)
        cam = np.bincount(idx, weights=camera, minlength=n)
        out["gaze_camera_fraction"] = [
            round(float(c / p), 3) if p else None for c, p in zip(cam, pres, strict=True)
        ]

        def count(kind: str, keep: Callable[[Row], bool] = lambda e: True) -> list[int]:
            starts = np.array([e["start"] for e in by_type.get(kind, []) if keep(e)], float)
            return np.bincount(_minute_index(starts, n), minlength=n).tolist()

        out["nods"] = count("nod")
        out["eye_contacts"] = count("eye_contact")

        def silent(e: Row) -> bool:
            s = gesture_while_speaking(
                e,
                speaking_share=lambda a, b: speaking_share_between(
                    voice_t, voice_speaking, start_s=a, end_s=b
                ),
            )
            return s is False

        out["listening_nods"] = count("nod", silent)
    else:
        for key in ("gaze_camera_fraction", "nods", "eye_contacts", "listening_nods"):
            out[key] = [None] * n
    talk = (by_type.get("you_speech", []), by_type.get("client_speech", []))
    out["talk_share_you"] = talk_share_per_minute(*talk, n)
    return out


def halves(
    *,
    face_rows: Sequence[Row],
    voice_t: np.ndarray,
    voice_speaking: np.ndarray,
    duration_s: float,
) -> dict[str, list[float | None]]:
    """First and second half of the session: camera-gaze share of face-present rows, the
    spread of the per-ten-seconds camera share (how steady it was) and the speaking share."""
    mid = duration_s / 2
    out: dict[str, list[float | None]] = {
        "gaze_camera_fraction": [None, None],
        "gaze_camera_sd": [None, None],
        "speaking_fraction": [None, None],
    }
    if voice_t.size:
        first = voice_t < mid
        for i, m in enumerate((first, ~first)):
            out["speaking_fraction"][i] = (
                round_or_none(voice_speaking[m].mean(), 3) if m.any() else None
            )
    if face_rows:
        t = np.fromiter((r["t"] for r in face_rows), np.float64, len(face_rows))
        present = np.fromiter((bool(r["face"]) for r in face_rows), bool, len(face_rows))
        camera = np.fromiter((r["gaze"] == "camera" for r in face_rows), bool, len(face_rows))
        for i, m in enumerate((t < mid, t >= mid)):
            p = m & present
            if p.sum() == 0:
                continue
            out["gaze_camera_fraction"][i] = round_or_none(camera[p].mean(), 3)
            blocks = (t[p] // 10.0).astype(np.int64)
            blocks -= blocks.min()
            cnt = np.bincount(blocks)
            cam = np.bincount(blocks, weights=camera[p])
            shares = cam[cnt > 0] / cnt[cnt > 0]
            out["gaze_camera_sd"][i] = round_or_none(shares.std(), 3) if shares.size >= 3 else None
    return out
