"""The summary of one stored session: pure functions from its stored rows to its numbers.

``session_summary(info=..., face_rows=..., voice_rows=..., events=..., notes=...)`` takes what
:class:`~presence_coach.session.store.SessionStore` returns and gives a plain dict (JSON-ready):

* ``metrics``: ``{key: {key, label, value, unit, definition, group}}`` in display order,
  every number with its unit and a one-line definition (``definitions.METRICS``); ``value``
  is ``None`` when the session has no data for it (no voice, no face, ...);
* ``per_minute``: series for the per-minute bars (:mod:`presence_coach.summary.series`);
* ``timeline``: a binned picture of the whole session (:mod:`presence_coach.summary.timeline`);
  ``timeline_detail``: the same at one-second resolution for sessions over 15 minutes (the
  report's zoom), else None;
* ``voice``: the voice summary of :func:`presence_coach.voice.voice_summary`, unchanged;
* ``certainty``: whether the nod count is approximate (:mod:`presence_coach.summary.certainty`);
* ``calibration``, ``session``, ``run``, ``notes``, ``performance``
  (:mod:`presence_coach.summary.facts`);
* ``moments`` (from :func:`summary_from_store`): times worth revisiting, each with a gentle
  question (:mod:`presence_coach.summary.moments`).

Nothing here reads media: everything comes from the stored timeline rows and events. The
numbers that history compares across sessions (``definitions.TREND_KEYS``) come from
:func:`trend_numbers`, which needs only events and row counts, so history can compute them
cheaply for every past session and they always agree with the session's own report.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from presence_coach.summary.certainty import face_certainty
from presence_coach.summary.conversation import (
    CONVERSATION_TREND_KEYS,
    conversation_lanes,
    conversation_summary,
    mic_only_note,
)
from presence_coach.summary.definitions import METRICS, TREND_NUMBER_KEYS
from presence_coach.summary.facts import (
    calibration_info,
    device_notes,
    performance_numbers,
    run_facts,
    session_info,
)
from presence_coach.summary.gaps import device_gaps, signal_time_s
from presence_coach.summary.metrics import pose_stats
from presence_coach.summary.moments import moments
from presence_coach.summary.rows import (
    Row,
    events_by_type,
    gesture_while_speaking,
    round_or_none,
    speaking_share_between,
)
from presence_coach.summary.series import halves, per_minute_series
from presence_coach.summary.timeline import DETAIL_MIN_S, DETAIL_SLOT_S, timeline_picture
from presence_coach.voice import voice_summary
from presence_coach.voice.speaking import VOICE_ROW_S

if TYPE_CHECKING:
    from presence_coach.session.store import SessionStore

# raise when the summary's keys or their meaning change (scripts reading --json check it)
SUMMARY_SCHEMA = 1
GAZE_STATES = ("camera", "screen", "away")


# ---- small helpers ---------------------------------------------------------------------


def rate_per_min(count: int | None, *, duration_s: float) -> float | None:
    """``count`` per minute of ``duration_s``; None without a count or a duration."""
    if count is None or duration_s <= 0:
        return None
    return round(count * 60.0 / duration_s, 2)


def session_duration_s(
    *,
    duration_s: float | None,
    face_rows: Sequence[Row],
    voice_rows: Sequence[Row],
    events: Sequence[Row],
) -> float:
    """The stored duration, or (for an interrupted session) the last time seen in its rows."""
    if duration_s:
        return float(duration_s)
    ends = [0.0]
    if face_rows:
        ends.append(float(face_rows[-1]["t"]) + 0.1)
    if voice_rows:
        ends.append(float(voice_rows[-1]["t"]) + VOICE_ROW_S)
    ends += [float(e["end"]) for e in events]
    return max(ends)


def utterance_left_open(
    voice_rows: Sequence[Row], utterances: Sequence[Row]
) -> dict[str, Any] | None:
    """The utterance a session cut off mid-speech never closed, from its stored rows: first
    to last speaking row after the last stored utterance (None when there is none). Its
    syllables are unknown (None), so the speech rate leaves it out."""
    after = max((float(u["end"]) for u in utterances), default=-math.inf)
    speaking = [float(r["t"]) for r in voice_rows if r["speaking"] and float(r["t"]) >= after]
    if not speaking:
        return None
    start, end = speaking[0], speaking[-1] + VOICE_ROW_S
    return {
        "type": "utterance",
        "start": round(start, 3),
        "end": round(end, 3),
        "duration_s": round(end - start, 3),
        "syllables": None,
        "cut_off": True,  # closed by the recovery, not heard to its end
    }


def _voice_events(by_type: Mapping[str, list[Row]]) -> list[dict[str, Any]]:
    """Utterance and pause events in the form :func:`voice_summary` reads (``kind`` key)."""
    out = []
    for kind in ("utterance", "pause"):
        for e in by_type.get(kind, []):
            out.append({"kind": kind, **{k: v for k, v in e.items() if k != "type"}})
    return out


def gaze_fractions(counts: Mapping[str, int]) -> dict[str, float | None]:
    """Gaze shares of face-present time from counts of face-present rows by gaze state."""
    total = sum(counts.values())
    return {s: (round(counts.get(s, 0) / total, 4) if total else None) for s in GAZE_STATES}


# ---- the numbers that history compares -------------------------------------------------


def signal_times(
    events: Sequence[Row],
    *,
    duration_s: float,
    first_face_t: float | None,
    first_voice_t: float | None,
) -> dict[str, Any]:
    """The device gaps (:func:`~presence_coach.summary.gaps.device_gaps`) and the seconds
    each signal was there: ``{"gaps", "camera_s", "microphone_s"}`` (None: never there)."""
    gaps = device_gaps(events, duration_s=duration_s)
    return {
        "gaps": gaps,
        "camera_s": signal_time_s(gaps, "camera", duration_s=duration_s, first_row_t=first_face_t),
        "microphone_s": signal_time_s(
            gaps, "microphone", duration_s=duration_s, first_row_t=first_voice_t
        ),
    }


def trend_numbers(
    *,
    duration_s: float,
    events: Sequence[Row],
    has_voice: bool,
    has_video: bool,
    face_present_rows: int,
    gaze_counts: Mapping[str, int],
    speaking_share: Callable[[float, float], float | None],
    voice_rows: int = 0,
    speaking_rows: int = 0,
    camera_s: float | None = None,
    mic_s: float | None = None,
) -> dict[str, Any]:
    """The comparable numbers of one session (:data:`TREND_KEYS` and a few more) from its
    events and row aggregates; shared by :func:`session_summary` and the history.

    ``voice_rows``, ``speaking_rows``: counts of all and of the speaking voice rows, whose
    ratio is the speaking share (rows exist only while the microphone worked). Voice rates
    are of ``mic_s``, face rates per minute of ``camera_s`` (the time each signal was there,
    :func:`signal_times`; default: the whole session)."""
    by_type = events_by_type(events)
    camera_s = duration_s if camera_s is None else camera_s
    mic_s = duration_s if mic_s is None else mic_s
    voice = voice_summary(_voice_events(by_type), [], duration_s=mic_s) if has_voice else None
    nods = by_type.get("nod", [])
    out: dict[str, Any] = dict.fromkeys(TREND_NUMBER_KEYS)
    if voice is not None:
        p = voice["pauses"]
        out |= {
            "speaking_fraction": round(speaking_rows / voice_rows, 3) if voice_rows else None,
            "utterances": voice["utterances"],
            "longest_speech_s": voice["longest_speech_s"],
            "articulation_rate_syl_per_s": voice["rate"]["articulation_rate_syl_per_s"],
            "words_per_min_approx": voice["rate"]["words_per_min_approx"],
            "pauses_short": p["short"],
            "pauses_medium": p["medium"],
            "pauses_long": p["long"],
            "pause_longest_s": p["longest_s"] if p["count"] else None,
        }
    conversation = conversation_summary(events, duration_s)
    if conversation is not None:  # with call audio
        out |= {k: conversation[k] for k in CONVERSATION_TREND_KEYS}
    if has_video:
        silent = [gesture_while_speaking(n, speaking_share=speaking_share) for n in nods]
        known = [s for s in silent if s is not None]
        counts = {
            k: len(by_type.get(t, []))
            for k, t in (
                ("nods", "nod"),
                ("shakes", "shake"),
                ("smiles", "smile"),
                ("eye_contacts", "eye_contact"),
            )
        }
        out |= counts
        out |= {
            "nods_per_min": rate_per_min(counts["nods"], duration_s=camera_s),
            "smiles_per_min": rate_per_min(counts["smiles"], duration_s=camera_s),
            "eye_contacts_per_min": rate_per_min(counts["eye_contacts"], duration_s=camera_s),
            "listening_nods": sum(not s for s in known) if len(known) == len(nods) else None,
        }
        if face_present_rows:
            shares = gaze_fractions(gaze_counts)
            out |= {f"gaze_{s}_fraction": shares[s] for s in GAZE_STATES}
    return out


# ---- the whole summary -----------------------------------------------------------------


def _voice_arrays(voice_rows: Sequence[Row]) -> tuple[np.ndarray, np.ndarray]:
    """The voice rows' times (s) and speaking flags (0/1), two float arrays of shape (n,)."""
    n = len(voice_rows)
    t = np.fromiter((r["t"] for r in voice_rows), np.float64, n)
    return t, np.fromiter((r["speaking"] for r in voice_rows), np.float64, n)


def session_summary(
    *,
    info: Any,
    face_rows: Sequence[Row],
    voice_rows: Sequence[Row],
    events: Sequence[Row],
    notes: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """The summary of one session from its stored rows (see the module docstring).

    Args:
        info: a :class:`~presence_coach.session.store.SessionInfo` (or anything with its
            attributes).
        face_rows, voice_rows, events: as returned by the store, in time order.
        notes: ``(created_at, text)`` pairs.
    """
    duration_s = session_duration_s(
        duration_s=info.duration_s, face_rows=face_rows, voice_rows=voice_rows, events=events
    )
    has_video = bool(face_rows)
    has_voice = bool(voice_rows)
    voice_t, voice_speaking = _voice_arrays(voice_rows)
    numbers, times = _stored_trend_numbers(
        duration_s=duration_s,
        events=events,
        face_rows=face_rows,
        voice_t=voice_t,
        voice_speaking=voice_speaking,
    )
    by_type = events_by_type(events)
    voice = (
        voice_summary(_voice_events(by_type), voice_rows, duration_s=times["microphone_s"])
        if has_voice
        else None
    )
    per_minute = per_minute_series(
        duration_s=duration_s,
        face_rows=face_rows,
        voice_t=voice_t,
        voice_speaking=voice_speaking,
        by_type=by_type,
    )
    performance = (info.summary or {}).get("performance") if info.summary else None
    values = {
        **numbers,
        "duration_s": round(duration_s, 1),
        "camera_s": times["camera_s"],
        "microphone_s": times["microphone_s"],
        **_more_values(per_minute, voice),
        **performance_numbers(performance),
    }
    timeline, detail = _pictures(duration_s, face_rows, voice_rows, by_type, times["gaps"])
    return {
        "schema_version": SUMMARY_SCHEMA,
        "session": session_info(info, duration_s),
        "run": run_facts(info.summary),
        "has_video": has_video,
        "has_voice": has_voice,
        "certainty": face_certainty(
            by_type.get("nod", []), face_present_fraction=values["face_present_fraction"]
        ),
        "calibration": calibration_info(info.calibration),
        "metrics": metrics_table(values),
        "device_gaps": times["gaps"],
        "device_notes": device_notes(info.summary, times["gaps"]),
        "voice": voice,
        "pose": pose_stats(face_rows),
        "halves": halves(
            face_rows=face_rows,
            voice_t=voice_t,
            voice_speaking=voice_speaking,
            duration_s=duration_s,
        ),
        "per_minute": per_minute,
        "timeline": timeline,
        "timeline_detail": detail,
        "performance": performance,
        "notes": [{"created_at": c, "text": t} for c, t in notes],
    }


def _pictures(
    duration_s: float,
    face_rows: Sequence[Row],
    voice_rows: Sequence[Row],
    by_type: Mapping[str, list[Row]],
    gaps: Sequence[Mapping[str, Any]],
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The timeline picture with the device gaps, and for a session over DETAIL_MIN_S the
    same at DETAIL_SLOT_S (the zoomable timeline's detail; None for shorter ones)."""
    marks = {"gaps": [[g["start_s"], g["end_s"], g["device"]] for g in gaps]}
    rows = {"face_rows": face_rows, "voice_rows": voice_rows, "by_type": by_type}
    timeline = timeline_picture(duration_s=duration_s, **rows) | marks
    if duration_s <= DETAIL_MIN_S:
        return timeline, None
    bins = math.ceil(duration_s / DETAIL_SLOT_S)
    return timeline, timeline_picture(duration_s=duration_s, bins=bins, **rows) | marks


def _stored_trend_numbers(
    *,
    duration_s: float,
    events: Sequence[Row],
    face_rows: Sequence[Row],
    voice_t: np.ndarray,
    voice_speaking: np.ndarray,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """:func:`trend_numbers` of the stored rows with the face-in-view share, and the
    :func:`signal_times`."""
    times = signal_times(
        events,
        duration_s=duration_s,
        first_face_t=float(face_rows[0]["t"]) if face_rows else None,
        first_voice_t=float(voice_t[0]) if voice_t.size else None,
    )
    face_present = [r for r in face_rows if r["face"]]
    numbers = trend_numbers(
        duration_s=duration_s,
        events=events,
        has_voice=bool(voice_t.size),
        has_video=bool(face_rows),
        face_present_rows=len(face_present),
        gaze_counts=Counter(str(r["gaze"] or "unknown") for r in face_present),
        speaking_share=lambda a, b: speaking_share_between(
            voice_t, voice_speaking, start_s=a, end_s=b
        ),
        voice_rows=int(voice_t.size),
        speaking_rows=int(voice_speaking.sum()),
        camera_s=times["camera_s"],
        mic_s=times["microphone_s"],
    )
    numbers["face_present_fraction"] = (
        round(len(face_present) / len(face_rows), 4) if face_rows else None
    )
    return numbers, times


def _more_values(per_minute: Mapping[str, list], voice: Mapping[str, Any] | None) -> dict:
    """The per-minute speech-rate median and spread, and the pitch and loudness numbers."""
    rates = np.array(
        [r for r in per_minute["articulation_rate_syl_per_s"] if r is not None], np.float64
    )
    out: dict[str, Any] = {
        "rate_minute_median_syl_per_s": round_or_none(np.median(rates), 2) if rates.size else None,
        "rate_minute_iqr_syl_per_s": (
            round_or_none(np.subtract(*np.percentile(rates, [75, 25])), 2)
            if rates.size >= 2
            else None
        ),
    }
    if voice is not None:
        out["f0_median_hz"] = voice["pitch"]["f0_median_hz"]
        out["f0_range_st"] = voice["pitch"]["f0_range_st"]
        out["f0_sd_st"] = voice["pitch"]["f0_sd_st"]
        out["loudness_median_dbfs"] = voice["loudness"]["median_dbfs"]
        out["loudness_sd_db"] = voice["loudness"]["sd_db"]
    return out


def metrics_table(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every :data:`METRICS` entry with its value (None when not measured), in order."""
    return {
        key: {
            "key": key,
            "label": d.label,
            "value": values.get(key),
            "unit": d.unit,
            "definition": d.definition,
            "group": d.group,
        }
        for key, d in METRICS.items()
    }


# ---- from the store --------------------------------------------------------------------


def summary_from_store(
    store: SessionStore, session_id: int, *, run: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """:func:`session_summary` of one stored session (read-only).

    ``run``: the run's own facts for a session whose final record could not be written (a
    full disk): its rows are stored, its run facts are not (yet; ``recover`` finishes it).

    Raises:
        StoreError: no such session.
    """
    info = store.session(session_id)
    if info.summary is None and run is not None:
        info = dataclasses.replace(info, summary=dict(run))
    events, voice_rows = store.events(session_id), store.voice_timeline(session_id)
    out = session_summary(
        info=info,
        face_rows=store.face_timeline(session_id),
        voice_rows=voice_rows,
        events=events,
        notes=store.notes(session_id),
    )
    out["conversation"] = conversation_summary(events, out["session"]["duration_s"])
    out["mixed_voices_note"] = None if out["conversation"] else mic_only_note(events, voice_rows)
    if out["conversation"]:  # for a client lane on the timeline
        out["timeline"].update(conversation_lanes(events))
        if out["timeline_detail"]:
            out["timeline_detail"].update(conversation_lanes(events))
    out["moments"] = moments(out)
    return out
