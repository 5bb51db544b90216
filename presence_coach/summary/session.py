"""The summary of one stored session: pure functions from its stored rows to its numbers.

``session_summary(info=..., face_rows=..., voice_rows=..., events=..., notes=...)`` takes what
:class:`~presence_coach.session.store.SessionStore` returns and gives a plain dict (JSON-ready):

* ``metrics``: ``{key: {key, label, value, unit, definition, group}}`` in display order, every
  number with its unit and a one-line definition (:data:`METRICS`); ``value`` is ``None`` when
  the session has no data for it (no voice, no face, ...);
* ``per_minute``: series for the per-minute bars (speaking share, nods, eye contact, speech rate);
* ``timeline``: a binned picture of the whole session for the timeline plot;
* ``voice``: the voice summary of :func:`presence_coach.voice.voice_summary`, unchanged;
* ``certainty``: whether the nod count is approximate (:mod:`presence_coach.summary.certainty`);
* ``calibration``, ``session``, ``notes``, ``performance``.

Nothing here reads media: everything comes from the stored timeline rows and events. The
numbers that history compares across sessions (:data:`TREND_KEYS`) come from
:func:`trend_numbers`, which needs only events and row counts, so history can compute them
cheaply for every past session and they always agree with the session's own report.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from presence_coach.summary.certainty import face_certainty
from presence_coach.summary.conversation import (
    conversation_lanes,
    conversation_summary,
    mic_only_note,
)
from presence_coach.summary.gaps import device_gaps, gap_sentence, signal_time_s
from presence_coach.summary.metrics import pose_stats
from presence_coach.voice import voice_summary
from presence_coach.voice.speaking import VOICE_ROW_S, speaking_share, while_speaking
from presence_coach.voice.stats import LONG_PAUSE_MIN_S, SHORT_PAUSE_MAX_S

if TYPE_CHECKING:
    from presence_coach.session.store import SessionInfo, SessionStore

# raise when the summary's keys or their meaning change (scripts reading --json check it)
SUMMARY_SCHEMA = 1
MINUTE_S = 60.0  # length of one bar of the per-minute series
RATE_MIN_SPEECH_S = 5.0  # a minute's speech rate is given only with at least this much speech
TIMELINE_BINS = 720  # resolution of the timeline picture (bins across the whole session)
GAZE_STATES = ("camera", "screen", "away")

Row = Mapping[str, Any]


@dataclass(frozen=True)
class MetricDef:
    label: str
    unit: str  # "fraction" values are shares 0..1 (shown as percent), "count" plain counts
    definition: str
    group: str


_P = f"short < {SHORT_PAUSE_MAX_S:g} s, medium {SHORT_PAUSE_MAX_S:g}-{LONG_PAUSE_MIN_S:g} s"
METRICS: dict[str, MetricDef] = {
    # session
    "duration_s": MetricDef(
        "Session length", "s", "Time covered by the session clock, start to stop.", "Session"
    ),
    "face_present_fraction": MetricDef(
        "Face in view",
        "fraction",
        "Share of the camera's timeline (10 rows a second) in which it found your face.",
        "Session",
    ),
    "camera_s": MetricDef(
        "Camera working",
        "s",
        "Time the camera gave a picture: from the first analysed frame to the end, minus the "
        "gaps when it gave none. Face, gaze and head rates are per this time.",
        "Session",
    ),
    "microphone_s": MetricDef(
        "Microphone working",
        "s",
        "Time the microphone gave sound: from its first sound to the end, minus the gaps "
        "when it gave none. Speech shares and rates are of this time.",
        "Session",
    ),
    # voice
    "speaking_fraction": MetricDef(
        "Speaking share",
        "fraction",
        "Share of the time the microphone worked covered by your own speech: of its stored "
        "100 ms steps, those with speech.",
        "Voice",
    ),
    "utterances": MetricDef(
        "Stretches of speech", "count", "Runs of speech separated by a pause.", "Voice"
    ),
    "longest_speech_s": MetricDef(
        "Longest monologue",
        "s",
        "Longest continuous stretch of your speech without a pause.",
        "Voice",
    ),
    "articulation_rate_syl_per_s": MetricDef(
        "Speech rate",
        "syllables/s",
        "Syllables per second of speaking time (pauses left out).",
        "Voice",
    ),
    "words_per_min_approx": MetricDef(
        "Words per minute (approx.)",
        "words/min",
        "Speech rate converted to words with an average syllables-per-word figure.",
        "Voice",
    ),
    "rate_minute_median_syl_per_s": MetricDef(
        "Typical minute's speech rate",
        "syllables/s",
        f"Median of the per-minute speech rates (minutes with at least "
        f"{RATE_MIN_SPEECH_S:g} s of speech).",
        "Voice",
    ),
    "rate_minute_iqr_syl_per_s": MetricDef(
        "Speech-rate variation",
        "syllables/s",
        "Spread of the per-minute speech rates: 75th minus 25th percentile.",
        "Voice",
    ),
    "f0_median_hz": MetricDef(
        "Typical pitch", "Hz", "Median voice pitch (F0) over voiced speech.", "Voice"
    ),
    "f0_range_st": MetricDef(
        "Pitch range",
        "semitones",
        "Spread of your pitch: 5th to 95th percentile, in semitones.",
        "Voice",
    ),
    "f0_sd_st": MetricDef(
        "Pitch variability",
        "semitones",
        "Standard deviation of your pitch, in semitones.",
        "Voice",
    ),
    "loudness_median_dbfs": MetricDef(
        "Typical loudness",
        "dBFS",
        "Median level of your speech at the microphone (0 dBFS = full scale).",
        "Voice",
    ),
    "loudness_sd_db": MetricDef(
        "Loudness variability",
        "dB",
        "Standard deviation of the speech level.",
        "Voice",
    ),
    # pauses
    "pauses_short": MetricDef(
        "Short pauses", "count", f"Pauses shorter than {SHORT_PAUSE_MAX_S:g} s.", "Pauses"
    ),
    "pauses_medium": MetricDef(
        "Medium pauses",
        "count",
        f"Pauses from {SHORT_PAUSE_MAX_S:g} s up to {LONG_PAUSE_MIN_S:g} s.",
        "Pauses",
    ),
    "pauses_long": MetricDef(
        "Long silences",
        "count",
        f"Pauses of {LONG_PAUSE_MIN_S:g} s or more ({_P}).",
        "Pauses",
    ),
    "pause_longest_s": MetricDef(
        "Longest silence", "s", "Longest pause between stretches of your speech.", "Pauses"
    ),
    # head and face
    "nods": MetricDef(
        "Nods", "count", "Down-up head movements (one or more cycles).", "Head and face"
    ),
    "nods_per_min": MetricDef(
        "Nods per minute", "per min", "Nods per minute the camera worked.", "Head and face"
    ),
    "listening_nods": MetricDef(
        "Listening nods",
        "count",
        "Nods made while you were not speaking (you were listening).",
        "Head and face",
    ),
    "shakes": MetricDef("Head shakes", "count", "Side-to-side head movements.", "Head and face"),
    "smiles": MetricDef("Smiles", "count", "Moments of smiling.", "Head and face"),
    "smiles_per_min": MetricDef(
        "Smiles per minute", "per min", "Smiles per minute the camera worked.", "Head and face"
    ),
    # gaze
    "eye_contacts": MetricDef(
        "Eye-contact moments",
        "count",
        "Times you looked into the camera lens and held it for about a second or more.",
        "Gaze",
    ),
    "eye_contacts_per_min": MetricDef(
        "Eye-contact moments per minute",
        "per min",
        "Eye-contact moments per minute the camera worked.",
        "Gaze",
    ),
    "gaze_camera_fraction": MetricDef(
        "Looking at the camera",
        "fraction",
        "Share of face-in-view time your gaze was at the lens (what the client sees as "
        "eye contact).",
        "Gaze",
    ),
    "gaze_screen_fraction": MetricDef(
        "Looking at the screen",
        "fraction",
        "Share of face-in-view time your gaze was on the screen (e.g. the client's video).",
        "Gaze",
    ),
    "gaze_away_fraction": MetricDef(
        "Looking away",
        "fraction",
        "Share of face-in-view time your gaze was off the camera and the screen.",
        "Gaze",
    ),
    # performance
    "frames_analyzed": MetricDef(
        "Frames analysed", "count", "Camera frames the face analysis processed.", "Performance"
    ),
    "frames_dropped": MetricDef(
        "Frames dropped",
        "count",
        "Frames skipped because analysis was busy (the newest frame is always used).",
        "Performance",
    ),
    "ms_per_frame": MetricDef(
        "Time per frame",
        "ms",
        "Sum of the median times of the analysis stages for one frame.",
        "Performance",
    ),
    "cpu_one_core_fraction": MetricDef(
        "CPU use",
        "fraction",
        "Processor time of the analysis divided by the session's wall time (share of one core).",
        "Performance",
    ),
}

# raise when trend_numbers computes differently: history's kept numbers are then stale
# (3: speaking share from the voice timeline rows, rates over each signal's own time)
TREND_REVISION = 3
# numbers compared across sessions (history) and with previous sessions in the report
TREND_KEYS = (
    "speaking_fraction",
    "articulation_rate_syl_per_s",
    "longest_speech_s",
    "pauses_long",
    "nods_per_min",
    "listening_nods",
    "eye_contacts_per_min",
    "gaze_camera_fraction",
    "smiles_per_min",
)


# every number trend_numbers gives (None when the session has no data for it)
TREND_NUMBER_KEYS = (
    "speaking_fraction",
    "utterances",
    "longest_speech_s",
    "articulation_rate_syl_per_s",
    "words_per_min_approx",
    "pauses_short",
    "pauses_medium",
    "pauses_long",
    "pause_longest_s",
    "nods",
    "nods_per_min",
    "listening_nods",
    "shakes",
    "smiles",
    "smiles_per_min",
    "eye_contacts",
    "eye_contacts_per_min",
    "gaze_camera_fraction",
    "gaze_screen_fraction",
    "gaze_away_fraction",
)


# ---- small helpers ---------------------------------------------------------------------


def _round(value: float | None, digits: int = 3) -> float | None:
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


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


def _by_type(events: Iterable[Row]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for e in events:
        out.setdefault(str(e["type"]), []).append(e)
    return out


def _voice_events(by_type: Mapping[str, list[Row]]) -> list[dict[str, Any]]:
    """Utterance and pause events in the form :func:`voice_summary` reads (``kind`` key)."""
    out = []
    for kind in ("utterance", "pause"):
        for e in by_type.get(kind, []):
            out.append({"kind": kind, **{k: v for k, v in e.items() if k != "type"}})
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
    by_type = _by_type(events)
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
    by_type = _by_type(events)
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
    timeline = timeline_picture(
        duration_s=duration_s, face_rows=face_rows, voice_rows=voice_rows, by_type=by_type
    ) | {"gaps": [[g["start_s"], g["end_s"], g["device"]] for g in times["gaps"]]}
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
        "performance": performance,
        "notes": [{"created_at": c, "text": t} for c, t in notes],
    }


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


def run_facts(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the run itself knew, as stored when it was finalised (``sessions.summary``):
    the source it read (kind, name, fps, size; None for a recovered session), frames
    analysed, whether it was interrupted, how a live session stopped, and why its voice was
    not analysed (None: it was, or there was none to analyse), and what sharing the camera
    with the call app did (None: not shared)."""
    s = stored or {}
    return {
        "share": s.get("share"),
        "source": s.get("source"),
        "frames": s.get("frames"),
        "interrupted": bool(s.get("interrupted", False)),
        "stopped": s.get("stopped"),
        "voice_note": s.get("voice_note"),
        "recovered": bool(s.get("recovered", False)),
    }


def device_notes(stored: Mapping[str, Any] | None, gaps: Sequence[Mapping[str, Any]]) -> list:
    """The run's own notes (light, a file cut short, saving that failed for a while) and a
    sentence per device gap, each once."""
    notes = list((stored or {}).get("device_notes") or []) + [gap_sentence(g) for g in gaps]
    return list(dict.fromkeys(notes))


def session_info(info: SessionInfo, duration_s: float) -> dict[str, Any]:
    """Who, when and how long: the ``session`` part of the summary."""
    return {
        "id": info.id,
        "started_at": info.started_at,
        "ended_at": info.ended_at,
        "kind": info.kind,
        "source": info.source,
        "status": info.status,
        "duration_s": round(duration_s, 3),
        "label": info.label,  # the user's pseudonym for it, or None
        "in_usual": info.in_usual,  # False: left out of the comparisons ("your usual")
        # what a run stopped early covers, in words (None: the whole session)
        "partial": (info.summary or {}).get("partial"),
        # what was kept when saving failed (a full disk), in words (None: all was saved)
        "saving": (info.summary or {}).get("saving"),
    }


def _more_values(per_minute: Mapping[str, list], voice: Mapping[str, Any] | None) -> dict:
    """The per-minute speech-rate median and spread, and the pitch and loudness numbers."""
    rates = np.array(
        [r for r in per_minute["articulation_rate_syl_per_s"] if r is not None], np.float64
    )
    out: dict[str, Any] = {
        "rate_minute_median_syl_per_s": _round(np.median(rates), 2) if rates.size else None,
        "rate_minute_iqr_syl_per_s": (
            _round(np.subtract(*np.percentile(rates, [75, 25])), 2) if rates.size >= 2 else None
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


def performance_numbers(performance: Mapping[str, Any] | None) -> dict[str, Any]:
    """Frames, dropped frames, ms per frame and CPU share from the engine's performance dict
    (all None when the session has none, e.g. a voice-only session)."""
    if not performance:
        return dict.fromkeys(
            ("frames_analyzed", "frames_dropped", "ms_per_frame", "cpu_one_core_fraction")
        )
    stages = performance.get("stages") or {}
    medians = [s.get("median_ms") for s in stages.values() if isinstance(s, Mapping)]
    medians = [m for m in medians if m is not None]
    wall, cpu = performance.get("wall_s"), performance.get("cpu_s")
    return {
        "frames_analyzed": performance.get("frames_analyzed"),
        "frames_dropped": performance.get("frames_dropped"),
        "ms_per_frame": round(sum(medians), 2) if medians else None,
        "cpu_one_core_fraction": round(cpu / wall, 3) if wall and cpu is not None else None,
    }


# calibration profile voice baseline (presence_coach.calibration.profile.VoiceBaseline) -> metric
BASELINE_KEYS = {
    "pitch_median_hz": "f0_median_hz",
    "pitch_range_st": "f0_range_st",
    "speech_level_dbfs": "loudness_median_dbfs",
    "speech_rate_syl_per_s": "articulation_rate_syl_per_s",
}


def calibration_info(calibration: Mapping[str, Any] | None) -> dict[str, Any]:
    """Whether the session used a measured calibration profile (``CalibrationProfile.to_dict``
    stored with the session), its device and date, and its baseline numbers as metric keys
    (the voice baseline of the profile; any :data:`METRICS` key in the profile counts too)."""
    if not calibration or calibration.get("kind") == "default":
        return {
            "calibrated": False,
            "label": "uncalibrated (built-in defaults)",
            "name": None,
            "date": None,
            "baseline": {},
        }
    flat = _flatten(calibration)
    date = next((str(flat[k])[:10] for k in ("created", "created_at", "date") if flat.get(k)), None)
    device = calibration.get("device") or {}
    name = flat.get("name") or (
        f"camera {device['camera']}, mic {device['mic']}"
        if "camera" in device and "mic" in device
        else None
    )
    baseline = {
        BASELINE_KEYS.get(k, k): v
        for k, v in flat.items()
        if BASELINE_KEYS.get(k, k) in METRICS
        and isinstance(v, int | float)
        and not isinstance(v, bool)
    }
    label = "calibrated" + (f" on {date}" if date else "") + (f" ({name})" if name else "")
    return {"calibrated": True, "label": label, "name": name, "date": date, "baseline": baseline}


def _flatten(d: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, Mapping):
            for k2, v2 in _flatten(v).items():
                out.setdefault(k2, v2)
        else:
            out.setdefault(str(k), v)
    return out


# ---- series ----------------------------------------------------------------------------


def _slot_index(t: np.ndarray, *, slot_s: float, n: int) -> np.ndarray:
    """Slot of each time (a row at 0.3 s is in slot 3 of 0.1 s, despite float rounding)."""
    return np.clip(np.floor(t / slot_s + 1e-6).astype(np.int64), 0, max(n - 1, 0))


def _minute_index(t: np.ndarray, n: int) -> np.ndarray:
    return _slot_index(t, slot_s=MINUTE_S, n=n)


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
    utterances overlapping the minute, split by overlap; None below RATE_MIN_SPEECH_S).
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
            out["speaking_fraction"][i] = _round(voice_speaking[m].mean(), 3) if m.any() else None
    if face_rows:
        t = np.fromiter((r["t"] for r in face_rows), np.float64, len(face_rows))
        present = np.fromiter((bool(r["face"]) for r in face_rows), bool, len(face_rows))
        camera = np.fromiter((r["gaze"] == "camera" for r in face_rows), bool, len(face_rows))
        for i, m in enumerate((t < mid, t >= mid)):
            p = m & present
            if p.sum() == 0:
                continue
            out["gaze_camera_fraction"][i] = _round(camera[p].mean(), 3)
            blocks = (t[p] // 10.0).astype(np.int64)
            blocks -= blocks.min()
            cnt = np.bincount(blocks)
            cam = np.bincount(blocks, weights=camera[p])
            shares = cam[cnt > 0] / cnt[cnt > 0]
            out["gaze_camera_sd"][i] = _round(shares.std(), 3) if shares.size >= 3 else None
    return out


def _runs(states: Sequence[Any]) -> list[tuple[int, int, Any]]:
    """Run-length encoding: (first index, last index + 1, state)."""
    out: list[tuple[int, int, Any]] = []
    start = 0
    for i in range(1, len(states) + 1):
        if i == len(states) or states[i] != states[start]:
            out.append((start, i, states[start]))
            start = i
    return out


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
    ``eye_contacts``, ``smiles``: [start_s, end_s].
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
    idx = _slot_index(vt, slot_s=slot_s, n=n)
    cnt = np.bincount(idx, minlength=n)
    share = np.bincount(idx, weights=spk, minlength=n) / np.maximum(cnt, 1)
    on = (share >= 0.5) & (cnt > 0)
    speaking = [
        [round(a * slot_s, 2), round(min(b * slot_s, dur), 2)]
        for a, b, s in _runs(on.tolist())
        if s
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
    idx = _slot_index(ft, slot_s=slot_s, n=n)
    table = np.zeros((n, len(names)), np.int64)
    np.add.at(table, (idx, states), 1)
    has = table.sum(axis=1) > 0
    mode = np.where(has, table.argmax(axis=1), -1)
    return [
        [round(a * slot_s, 2), round(min(b * slot_s, dur), 2), names[s]]
        for a, b, s in _runs(mode.tolist())
        if s >= 0
    ]


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
    if out["conversation"]:  # for a client lane on the timeline (not drawn yet)
        out["timeline"].update(conversation_lanes(events))
    return out
