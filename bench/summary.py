"""Bench: summary, history and report of a simulated 60-minute session.

The store is filled the way a live session fills it: 10 Hz face rows and 10 Hz voice rows
through :class:`SessionRecorder` in one-second batches, and realistic event counts (speech
and pauses alternating, about 4 nods, 1 smile, 15 blinks and 5 gaze episodes a minute). Five
earlier sessions of the same shape make the history and the comparison column real.

    .venv/bin/python bench/summary.py [--minutes 60] [--repeats 3] [--html out.html]

Writes bench/RESULTS-summary.md. Target (issue 5): summary + report under 3 s.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machine import cpu_name

from presence_coach.session.store import SessionRecorder, SessionStore
from presence_coach.summary.history import history
from presence_coach.summary.report import render_report
from presence_coach.summary.session import summary_from_store
from presence_coach.summary.terminal import render_terminal
from presence_coach.vision.face import FaceSample
from presence_coach.voice import TimelineRow

ROW_HZ = 10.0
TARGET_S = 3.0
RESULTS = Path(__file__).with_name("RESULTS-summary.md")


def _speech_plan(rng: np.random.Generator, duration_s: float) -> list[tuple[str, float, float]]:
    """Alternating utterances (1.5-14 s) and pauses (0.3-7 s), about 40 % speech."""
    out, t, speaking = [], 0.0, False
    while t < duration_s:
        d = (
            rng.uniform(1.5, 14.0)
            if speaking
            else rng.choice([0.5, 1.5, 4.0, 6.5]) * rng.uniform(0.6, 1.2)
        )
        end = min(t + d, duration_s)
        out.append(("utterance" if speaking else "pause", t, end))
        t, speaking = end, not speaking
    return out


def fill_session(store: SessionStore, *, minutes: float, seed: int) -> int:
    rng = np.random.default_rng(seed)
    duration_s = minutes * 60.0
    plan = _speech_plan(rng, duration_s)
    speech = np.zeros(round(duration_s * ROW_HZ), bool)
    events: list[dict] = []
    for kind, a, b in plan:
        if kind == "utterance":
            speech[round(a * ROW_HZ) : round(b * ROW_HZ)] = True
            syl = int((b - a) * rng.uniform(3.5, 5.0))
            events.append(
                {
                    "type": "utterance",
                    "start": a,
                    "end": b,
                    "syllables": syl,
                    "articulation_rate_syl_per_s": syl / (b - a),
                    "duration_s": b - a,
                }
            )
        else:
            events.append({"type": "pause", "start": a, "end": b, "duration_s": b - a})
    for kind, per_min, length in (
        ("nod", 4, 0.6),
        ("shake", 0.3, 0.8),
        ("smile", 1, 2.0),
        ("blink", 15, 0.2),
        ("eye_contact", 2.5, 2.0),
    ):
        for t in np.sort(rng.uniform(0, duration_s - 3, int(per_min * minutes))):
            e = {"type": kind, "start": float(t), "end": float(t + length)}
            if kind in ("nod", "shake"):
                e |= {"cycles": 2, "amplitude_deg": 4.0, "speaking": bool(speech[int(t * 10)])}
            events.append(e)
    gaze = np.empty(len(speech), object)
    t = 0.0
    while t < duration_s:
        d = rng.uniform(3, 20)
        state = rng.choice(["screen", "camera", "away"], p=[0.6, 0.3, 0.1])
        gaze[round(t * ROW_HZ) : round((t + d) * ROW_HZ)] = state
        events.append(
            {
                "type": "gaze",
                "start": t,
                "end": min(t + d, duration_s),
                "state": str(state),
                "calibrated": False,
            }
        )
        t += d
    events.sort(key=lambda e: e["end"])
    sid = store.begin_session(kind="live", source="0", calibration=None)
    rec = SessionRecorder(store, sid)
    k = 0
    for i in range(len(speech)):
        t = i / ROW_HZ
        face = rng.random() > 0.03
        sample = (
            FaceSample(
                t=t,
                face=True,
                yaw=rng.normal(0, 5),
                pitch=rng.normal(0, 4),
                roll=0.0,
                gaze_h_left=0.0,
                gaze_v_left=0.0,
                gaze_h_right=0.0,
                gaze_v_right=0.0,
                smile=0.1,
                blink=0.1,
                jaw_open=0.1 if speech[i] else 0.0,
            )
            if face
            else FaceSample(t=t, face=False)
        )
        rec.add_face(sample, {"gaze": gaze[i] if face else "", "head": ""})
        rec.add_voice(
            [
                TimelineRow(
                    t=t,
                    speaking=int(speech[i]),
                    rms_dbfs=float(rng.normal(-24, 3) if speech[i] else -55.0),
                    f0_hz=float(rng.normal(180, 25)) if speech[i] else np.nan,
                )
            ]
        )
        ended = []
        while k < len(events) and events[k]["end"] <= t:
            ended.append(events[k])
            k += 1
        rec.add_events(ended)
        if i % round(ROW_HZ) == 0:
            rec.flush()
    rec.add_events(events[k:])
    rec.flush()
    performance = {
        "frames_analyzed": int(duration_s * 30),
        "frames_dropped": 12,
        "wall_s": duration_s,
        "cpu_s": duration_s * 0.4,
        "stages": {"inference": {"median_ms": 9.5}, "features": {"median_ms": 0.8}},
    }
    store.finalize(
        sid, summary={"performance": performance}, status="complete", duration_s=duration_s
    )
    return sid


def machine() -> str:
    cpu = cpu_name(platform.processor() or platform.machine())
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--previous", type=int, default=5, help="earlier sessions in the history")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--html", type=Path, help="also write the report here")
    ap.add_argument("--no-write", action="store_true", help="do not write RESULTS-summary.md")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, SessionStore(tmp) as store:
        t0 = time.perf_counter()
        for j in range(args.previous):
            fill_session(store, minutes=args.minutes, seed=100 + j)
        sid = fill_session(store, minutes=args.minutes, seed=1)
        fill_s = time.perf_counter() - t0
        face_rows = len(store.face_timeline(sid))
        voice_rows = len(store.voice_timeline(sid))
        n_events = len(store.events(sid))
        times: dict[str, list[float]] = {"summary": [], "history": [], "report": [], "total": []}
        cpu: list[float] = []  # processor time of each run (what other load does not inflate)
        for _ in range(args.repeats):
            cpu_a = time.process_time()
            a = time.perf_counter()
            summary = summary_from_store(store, sid)
            b = time.perf_counter()
            h = history(store)
            c = time.perf_counter()
            page = render_report(summary, history=h)
            render_terminal(summary, history=h)
            d = time.perf_counter()
            cpu.append(time.process_time() - cpu_a)
            for key, v in (
                ("summary", b - a),
                ("history", c - b),
                ("report", d - c),
                ("total", d - a),
            ):
                times[key].append(v)
    if args.html:
        args.html.write_text(page, encoding="utf-8")
    # history computes each finished session's numbers once and keeps them in the store:
    # the first call pays for every session, later calls read the kept numbers
    times["history_later"] = times["history"][1:] or times["history"]
    times["history"] = times["history"][:1]
    times["total_first"] = times["total"][:1]
    med = {k: statistics.median(v) for k, v in times.items()}
    worst = max(times["total"])
    verdict = "met" if worst < TARGET_S else "missed"
    lines = [
        "# Summary and report of a simulated 60-minute session",
        "",
        f"Machine: {machine()}. Date: {datetime.date.today().isoformat()}.",
        "",
        f"Store filled at the real row rate: {face_rows} face rows and {voice_rows} voice rows "
        f"(10 Hz each) and {n_events} events for a {args.minutes:g}-minute session, plus "
        f"{args.previous} earlier sessions of the same shape for the history "
        f"(filling took {fill_s:.1f} s, not counted).",
        "",
        f"Median of {args.repeats} runs (the first run is cold):",
        "",
        "| step | median s | min s | max s |",
        "|---|---|---|---|",
    ]
    for key, label in (
        ("summary", "summary_from_store (read rows + numbers)"),
        ("history", f"history, first call ({args.previous + 1} sessions computed and kept)"),
        ("history_later", "history, later calls (kept numbers)"),
        ("report", "render_report + render_terminal"),
        ("total_first", "summary + history + report, first run"),
        ("total", "**summary + history + report**"),
    ):
        v = times[key]
        lines.append(f"| {label} | {med[key]:.3f} | {min(v):.3f} | {max(v):.3f} |")
    lines += [
        "",
        f"Target: under {TARGET_S:g} s for summary and report: **{verdict}** "
        f"(worst run {worst:.2f} s, median {med['total']:.2f} s). "
        f"Report page size: {len(page) / 1024:.0f} KiB.",
        "",
        f"Processor time of summary + history + report (this process only): median "
        f"{statistics.median(cpu):.2f} s, worst {max(cpu):.2f} s. Load average at the end: "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (the machine is shared; wall "
        "times above include waiting for the processor).",
        "",
        "Command: `.venv/bin/python bench/summary.py` (defaults: --minutes 60 --previous 5 "
        "--repeats 3).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
