"""Pass-through benchmark (not a test): writes bench/RESULTS-share.md.

A. What ``session --share-camera`` adds: the same live session (a shared clip streamed in
   real time over loopback UDP as the camera, no microphone) run without and with sharing
   to a UDP address where an ffmpeg reader takes the frames. Measured: CPU of the session
   and its ffmpeg child together (rusage of the reaped processes / wall), frames analysed,
   capture-to-FaceSample latency, and the share's own latency (write() to the end of the
   pipe write) and drops. Runs alternate (plain, shared, plain, shared) to spread the noise
   of a shared machine.
B. The ffmpeg child alone per target kind, on the clip's decoded frames through a pipe:
   CPU ms per frame for raw NUT (URLs), FFV1 NUT (files) and the yuv420p conversion a
   v4l2loopback device gets (written to /dev/null: v4l2loopback cannot be loaded here).

Usage: python bench/share.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from machine import cpu_name  # noqa: E402 - bench/machine.py

from presence_coach.sources.share import share_command  # noqa: E402

SHARED = Path(os.environ.get("PRESENCE_COACH_SHARED", REPO.parent / "shared"))
VIDEO = SHARED / "media" / "faces" / "d6.mp4"  # 30 fps, 480x480
FFMPEG = ["ffmpeg", "-hide_banner", "-loglevel", "error"]


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def live_run(seconds: float, share: bool, work: Path) -> dict:
    """One real `presence-coach session` on the streamed clip, sharing or not."""
    url = "udp://127.0.0.1:25100"
    stream = subprocess.Popen(
        [*FFMPEG, "-re", "-stream_loop", "-1", "-i", str(VIDEO), "-an", "-c:v", "libx264",
         "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15", "-f", "mpegts",
         f"{url}?pkt_size=1316"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    reader = None
    out = work / "s.json"
    cmd = [sys.executable, "-m", "presence_coach", "session", "--camera", url, "--no-mic",
           "--duration", str(seconds), "--json", str(out), "--no-open",
           "--data-dir", str(work / "data")]  # fmt: skip
    if share:
        target = "udp://127.0.0.1:25101"
        reader = subprocess.Popen(
            [*FFMPEG, "-i", f"{target}?buffer_size=4194304&fifo_size=200000&timeout=3000000",
             "-f", "null", "-"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        cmd += ["--share-camera", target]
    cpu0, t0 = children_cpu_s(), time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
        cpu_s, wall_s = children_cpu_s() - cpu0, time.monotonic() - t0
    finally:
        stream.kill()
        stream.wait()
        if reader is not None:
            reader.wait(timeout=30)
    if proc.returncode != 0:
        raise SystemExit(f"session failed: {proc.stderr.strip().splitlines()[-1:]}")
    summary = json.loads(out.read_text())
    perf = summary["performance"]
    return {
        "cpu_pct": 100 * cpu_s / wall_s,  # session + its ffmpeg child, whole run
        "loop_cpu_pct": 100 * perf["cpu_s"] / perf["wall_s"],
        "frames": perf["frames_analyzed"],
        "lat_p50": perf["latency"]["median_ms"],
        "lat_p95": perf["latency"]["p95_ms"],
        "share": summary.get("share"),
    }


def child_cost(kind: str, frames: bytes, n: int) -> float:
    """CPU ms per frame of the share's ffmpeg child for a target kind."""
    target = {"URL (raw NUT)": "udp://127.0.0.1:25102", "file (FFV1 NUT)": "/dev/null"}.get(
        kind, "/dev/video0"
    )
    cmd = share_command(target, 480, 480, 30.0)
    if kind == "file (FFV1 NUT)":
        cmd = [*cmd[:-1], "-y", "/dev/null"]
    if kind.startswith("v4l2"):  # the same conversion, written where it can be
        cmd = [*cmd[:-3], "-f", "rawvideo", "/dev/null"]
    cpu0 = children_cpu_s()
    subprocess.run(cmd, input=frames, check=True, capture_output=True)
    return 1000 * (children_cpu_s() - cpu0) / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    args = ap.parse_args()
    runs: dict[bool, list[dict]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as tmp:
        for i, share in enumerate((False, True, False, True)):
            work = Path(tmp) / f"run{i}"
            work.mkdir()
            runs[share].append(live_run(args.seconds, share, work))
            print(f"run {i} share={share}: {runs[share][-1]}", file=sys.stderr)
    raw = subprocess.run(
        [*FFMPEG, "-i", str(VIDEO), "-f", "rawvideo", "-pix_fmt", "bgr24", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    n = len(raw) // (480 * 480 * 3)
    kinds = ("URL (raw NUT)", "file (FFV1 NUT)", "v4l2 device (yuv420p)")
    costs = {k: child_cost(k, raw, n) for k in kinds}
    write_results(args.seconds, runs, costs, n)


def write_results(seconds: float, runs: dict, costs: dict, n: int) -> None:
    def med(share: bool, key: str) -> float:
        return statistics.median(r[key] for r in runs[share])

    lines = [
        "# Pass-through (--share-camera) benchmark",
        "",
        "Written by `bench/share.py`. Do not edit by hand.",
        "",
        f"- **Machine:** {platform.node()} - {cpu_name()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()} (shared with other work: numbers are noisy)",
        f"- **Date:** {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- **Camera:** `{VIDEO.name}` (30 fps, 480x480) streamed in real time over loopback "
        f"UDP; no microphone; {seconds:g} s per run, plain and shared alternating, 2 each "
        "(medians shown). Shared: to a UDP address with an ffmpeg reader there.",
        "- CPU = CPU time of the session process and its ffmpeg child / wall time of the "
        "whole run (start-up included), % of one core.",
        "",
        "## What sharing adds to a live session",
        "",
        "| run | CPU % (all) | analysis-loop CPU % | frames analysed | latency ms p50 / p95 |",
        "|---|---|---|---|---|",
    ]
    for share in (False, True):
        lines.append(
            f"| {'shared' if share else 'plain'} | {med(share, 'cpu_pct'):.1f} | "
            f"{med(share, 'loop_cpu_pct'):.1f} | {med(share, 'frames'):.0f} | "
            f"{med(share, 'lat_p50'):.1f} / {med(share, 'lat_p95'):.1f} |"
        )
    shares = [r["share"] for r in runs[True]]
    lines += [
        "",
        f"Added CPU: {med(True, 'cpu_pct') - med(False, 'cpu_pct'):+.1f} % of a core.",
        "",
        "Share writer (per run): frames in / out / dropped, write() to pipe written p50 / p95 ms:",
        "",
    ]
    for s in shares:
        lines.append(
            f"- {s['frames_in']} / {s['frames_out']} / {s['dropped']}, "
            f"{s['latency_ms_p50']} / {s['latency_ms_p95']} ms"
        )
    lines += [
        "",
        "The p95 includes the first frames, which wait for ffmpeg to start (a few hundred ms).",
        "",
        f"## The ffmpeg child alone ({n} frames of 480x480 through the pipe)",
        "",
        "| target | CPU ms per frame | % of a core at 30 fps |",
        "|---|---|---|",
    ]
    for kind, ms in costs.items():
        lines.append(f"| {kind} | {ms:.2f} | {ms * 3:.1f} |")
    lines += [
        "",
        "The v4l2 row converts to yuv420p and writes to /dev/null (v4l2loopback cannot be "
        "loaded on this machine); writing to the device is one copy more.",
        "",
    ]
    (REPO / "bench" / "RESULTS-share.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
