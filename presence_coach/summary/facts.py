"""The parts of a session's summary that describe the run rather than the person: what was
read, how it stopped, the calibration used, the engine's performance, the device notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from presence_coach.summary.definitions import METRICS
from presence_coach.summary.gaps import gap_sentence

if TYPE_CHECKING:
    from presence_coach.session.store import SessionInfo


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
