"""Plain-text summary for the terminal (drawing only; the numbers come from ``metrics``)."""

from __future__ import annotations

from collections.abc import Mapping


def format_summary(summary: Mapping[str, object]) -> str:
    perf = summary["performance"]
    pose = summary["pose"]
    assert isinstance(perf, Mapping) and isinstance(pose, Mapping)
    face = summary.get("face_present_fraction")
    lines = [
        f"Analysed {summary['frames']} frames over {summary['duration_s']} s"
        + (" (stopped early)" if summary.get("interrupted") else ""),
        f"  face in view   {_pct(face)} of frames",
    ]
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
    if isinstance(events, Mapping):
        for key, label in (
            ("nods", "nods"),
            ("shakes", "head shakes"),
            ("smiles", "smiles"),
            ("eye_contacts", "eye contact"),
        ):
            rate = events.get(f"{key}_per_min")
            per_min = f" ({rate:.1f} a minute)" if rate is not None else ""
            lines.append(f"  {label:<14} {events[key]}{per_min}")
        shares = events.get("gaze_fraction") or {}
        if shares.get("camera") is not None:
            flag = "" if events.get("calibrated") else " (uncalibrated estimate)"
            lines.append(
                f"  gaze           camera {_pct(shares['camera'])}, screen "
                f"{_pct(shares['screen'])}, away {_pct(shares['away'])} of face time{flag}"
            )
    dropped = perf["frames_dropped"]
    lines.append(
        f"  performance    {perf['analysis_fps']} frames/s analysed, {dropped} dropped, "
        f"{perf['frames_skipped']} skipped by --max-fps"
    )
    return "\n".join(lines)


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
    return "\n".join(lines)


def _pct(fraction: object) -> str:
    return "n/a" if fraction is None else f"{100 * float(fraction):.0f}%"  # type: ignore[arg-type]
