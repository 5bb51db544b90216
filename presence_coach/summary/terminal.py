"""Plain-text lines for the terminal about the run itself (drawing only; every number comes
from the one session summary, :func:`~presence_coach.summary.session.session_summary`).

:func:`~presence_coach.summary.report.render_terminal` puts them together with the session's
numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


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
