"""Plain-text lines for the terminal about the run itself (drawing only; every number comes
from the one session summary, :func:`~presence_coach.summary.session.session_summary`).

:func:`render_terminal` puts them together with the session's numbers.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from presence_coach.summary.conversation import balance_sentence
from presence_coach.summary.doubts import doubts
from presence_coach.summary.gaps import clock
from presence_coach.summary.history import previous_medians
from presence_coach.summary.reflections import reflections
from presence_coach.summary.words import duration_text, shown


def run_lines(summary: Mapping[str, Any]) -> list[str]:
    """What was analysed (frames or sound, stopped early), the head pose and the speed."""
    run = summary["run"]
    duration = summary["session"]["duration_s"]
    stopped = ""
    if run.get("interrupted"):
        stopped = " (stopped early)"
    lines = []
    if run.get("frames"):
        lines.append(f"  Analysed {run['frames']} frames over {duration} s{stopped}")
    elif (run.get("source") or {}).get("kind") == "audio":
        lines.append(f"  Analysed {duration} s of sound{stopped}")
    lines += _pose_lines(summary.get("pose"))
    if run.get("voice_note"):
        lines.append(f"  Voice not analysed: {run['voice_note']}")
    perf = summary.get("performance")
    if perf and perf.get("analysis_fps") is not None:
        lines.append(
            f"  Performance: {perf['analysis_fps']} frames/s analysed, "
            f"{perf['frames_dropped']} dropped, {perf['frames_skipped']} skipped by --max-fps"
        )
    return lines


def note_lines(summary: Mapping[str, Any]) -> list[str]:
    """One line per device note (light, a file cut short, gaps, saving)."""
    return [f"  note: {note}" for note in summary.get("device_notes") or ()]


def _pose_lines(pose: Mapping[str, Any] | None) -> list[str]:
    lines = []
    for key, label in (("yaw_deg", "turn"), ("pitch_deg", "lift"), ("roll_deg", "tilt")):
        d = (pose or {}).get(key)
        if d and d["count"]:
            lines.append(
                f"  Head {label}: median {d['median']:+.1f} deg, 90% within "
                f"{d['p5']:+.1f}..{d['p95']:+.1f}"
            )
    return lines


def format_performance(perf: Mapping[str, object]) -> str:
    stages = perf["stages"]
    assert isinstance(stages, Mapping)
    lines = ["stage          median ms    p95 ms   mean ms"]
    for name, s in stages.items():
        lines.append(f"{name:<12} {s['median_ms']:>10.2f} {s['p95_ms']:>9.2f} {s['mean_ms']:>9.2f}")
    lat = perf["latency"]
    assert isinstance(lat, Mapping)
    if lat["count"]:
        lines.append(
            f"capture->sample latency: median {lat['median_ms']:.1f} ms, p95 {lat['p95_ms']:.1f} ms"
        )
    lines.append(f"CPU {perf['cpu_s']} s over {perf['wall_s']} s wall")
    by_thread = perf.get("cpu_by_thread_pct")
    if isinstance(by_thread, Mapping) and by_thread:
        shown = [f"{name} {pct:.1f}%" for name, pct in by_thread.items() if pct >= 0.5]
        lines.append("CPU by thread (% of one core): " + ", ".join(shown))
    return "\n".join(lines)


def render_terminal(
    summary: Mapping[str, Any], *, history: Mapping[str, Any] | None = None, kept: bool = True
) -> str:
    """A short, kind summary for the terminal after a session or an analysis (``kept``:
    whether the session is in the user's history, so that a note can be added to it)."""
    s = summary["session"]
    m = summary["metrics"]

    def fv(key: str) -> str:
        return shown(summary, key)

    what = f"Session {s['id']}" if kept else "Analysis (not kept)"
    lines = [f"{what} · {duration_text(s['duration_s'])} · {summary['calibration']['label']}"]
    lines += run_lines(summary)
    if s.get("partial"):
        lines.append(f"  A partial session: {s['partial']}.")
    if s.get("saving"):
        lines.append(f"  Saving failed during this session: {s['saving']}.")
    if summary["has_voice"]:
        lines.append(
            f"  You spoke {fv('speaking_fraction')} of the time; pace "
            f"{fv('articulation_rate_syl_per_s')} (about {fv('words_per_min_approx')}); "
            f"longest stretch of speaking {fv('longest_speech_s')}"
        )
        lines.append(
            f"  Pauses: {fv('pauses_short')} short, {fv('pauses_medium')} medium; silences of "
            f"3 s or more: {fv('pauses_long')} (longest {fv('pause_longest_s')})"
        )
        if m["f0_median_hz"]["value"] is not None:
            lines.append(
                f"  Voice: pitch around {fv('f0_median_hz')}, range {fv('f0_range_st')}; "
                f"loudness {fv('loudness_median_dbfs')}"
            )
    else:
        lines.append("  No microphone data this time.")
    if summary.get("conversation"):
        lines.append(f"  Conversation: {balance_sentence(summary['conversation'])}")
    # what the numbers cannot vouch for (the gaps are in the device notes below)
    lines += [f"  Note: {d['sentence']}" for d in doubts(summary) if d["kind"] != "gap"]
    if summary["has_video"]:
        listening = m["listening_nods"]["value"]
        extra = f" ({listening} while listening)" if listening is not None else ""
        lines.append(
            f"  Nods: {fv('nods')}{extra}; head shakes {fv('shakes')}; smiles {fv('smiles')}"
        )
        lines.append(
            f"  Eye contact: {fv('eye_contacts')} moments; gaze camera "
            f"{fv('gaze_camera_fraction')}, screen {fv('gaze_screen_fraction')}, away "
            f"{fv('gaze_away_fraction')} of face-in-view time"
        )
    else:
        lines.append("  No camera data this time.")
    lines += note_lines(summary)
    previous = previous_medians(history, session_id=s["id"]) if history else None
    notes = reflections(summary, previous=previous)[:3]
    lines.append("A few observations:")
    lines += [f"  - {r}" for r in notes]
    if summary.get("moments"):
        lines.append("Moments to revisit:")
        lines += [f"  {clock(m['start_s'])}  {m['title']}" for m in summary["moments"]]
    if kept:
        lines.append(f"Add a note: presence-coach note {s['id']} {shlex.quote('your words')}")
    return "\n".join(lines)
