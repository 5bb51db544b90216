"""Plain-text summary for the terminal (drawing only; the numbers come from ``metrics``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from presence_coach.summary.conversation import balance_sentence


def format_summary(summary: Mapping[str, Any]) -> str:
    """A few plain lines: what was measured, in words a therapist can use."""
    stopped = ""
    if summary.get("interrupted"):
        stopped = f" ({summary['partial']})" if summary.get("partial") else " (stopped early)"
    if summary.get("frames"):
        lines = [f"Analysed {summary['frames']} frames over {summary['duration_s']} s{stopped}"]
        lines += _face_lines(summary)
    else:
        lines = [f"Analysed {summary['duration_s']} s of sound{stopped}"]
    voice = summary.get("voice")
    if voice:
        lines += _voice_lines(voice)
    elif summary.get("voice_note"):
        lines.append(f"  voice          not analysed: {summary['voice_note']}")
    if summary.get("conversation"):
        lines.append(f"  conversation   {balance_sentence(summary['conversation'])}")
    perf = summary.get("performance")
    if perf:
        lines.append(
            f"  performance    {perf['analysis_fps']} frames/s analysed, "
            f"{perf['frames_dropped']} dropped, {perf['frames_skipped']} skipped by --max-fps"
        )
    lines += [f"  note: {note}" for note in summary.get("device_notes") or ()]
    return "\n".join(lines)


def _face_lines(summary: Mapping[str, Any]) -> list[str]:
    lines = [f"  face in view   {_pct(summary.get('face_present_fraction'))} of frames"]
    pose = summary["pose"]
    for key, label in (
        ("yaw_deg", "head turn"),
        ("pitch_deg", "head lift"),
        ("roll_deg", "head tilt"),
    ):
        d = pose[key]
        if d["count"]:
            lines.append(
                f"  {label:<14} median {d['median']:+.1f} deg, 90% within "
                f"{d['p5']:+.1f}..{d['p95']:+.1f}"
            )
    events = summary.get("face_events")
    if events:
        for key, label in (
            ("nods", "nods"),
            ("shakes", "head shakes"),
            ("smiles", "smiles"),
            ("eye_contacts", "eye contact"),
        ):
            rate = events.get(f"{key}_per_min")
            per_min = f" ({rate:.1f} a minute)" if rate is not None else ""
            silent = events.get(f"{key}_while_silent")
            listening = f", {silent} while you were silent" if silent is not None else ""
            lines.append(f"  {label:<14} {events[key]}{per_min}{listening}")
        shares = events.get("gaze_fraction") or {}
        if shares.get("camera") is not None:
            flag = "" if events.get("calibrated") else " (uncalibrated estimate)"
            lines.append(
                f"  gaze           camera {_pct(shares['camera'])}, screen "
                f"{_pct(shares['screen'])}, away {_pct(shares['away'])} of face time{flag}"
            )
    return lines


def _voice_lines(voice: Mapping[str, Any]) -> list[str]:
    pauses = voice["pauses"]
    rate = voice["rate"]
    pitch = voice["pitch"]
    loud = voice["loudness"]
    lines = [
        f"  speaking       {_pct(voice.get('speaking_fraction'))} of the time, "
        f"{voice['utterances']} stretches, longest {voice['longest_speech_s']} s",
        f"  pauses         {pauses['count']}: {pauses['short']} short (< 1 s), "
        f"{pauses['medium']} medium (1-3 s), {pauses['long']} long (>= 3 s)",
    ]
    if rate.get("articulation_rate_syl_per_s") is not None:
        lines.append(
            f"  speech rate    {rate['articulation_rate_syl_per_s']} syllables/s while speaking"
            f" (about {rate['words_per_min_approx']} words a minute)"
        )
    if pitch.get("f0_median_hz") is not None:
        lines.append(
            f"  pitch          median {pitch['f0_median_hz']} Hz, range {pitch['f0_range_st']} "
            "semitones"
        )
    if loud.get("median_dbfs") is not None:
        lines.append(
            f"  loudness       median {loud['median_dbfs']} dBFS, spread {loud['sd_db']} dB"
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


def _pct(fraction: object) -> str:
    return "n/a" if fraction is None else f"{100 * float(fraction):.0f}%"  # type: ignore[arg-type]
