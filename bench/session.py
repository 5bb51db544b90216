"""Live-session benchmark (not a test): writes bench/RESULTS-session.md.

A. The main job on this machine, with real stand-ins for the devices: a shared clip streamed
   in real time over loopback UDP (``ffmpeg -re``) as the camera and real speech played into
   a PulseAudio null sink as the microphone. ``presence-coach session`` runs for
   ``--seconds``; measured: CPU share of one core (video at 30 fps + voice + store), dropped
   frames, capture-to-FaceSample latency, and the delay until a pause is known (end of
   speech -> pause event). The same with ``--eco``.
B. Memory over a simulated 2-hour session: the per-frame path after inference (detectors,
   summary columns, store writer) and the streaming voice analysis, fed 2 hours of real face
   samples and real speech as fast as they run (MediaPipe's own memory is fixed and left out).

Usage: python bench/session.py [--seconds 30] [--hours 2]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from machine import cpu_name  # noqa: E402 - bench/machine.py

from presence_coach.models import find_model  # noqa: E402
from presence_coach.session.analysis import RunOptions, VideoAnalysis  # noqa: E402
from presence_coach.session.engine import FrameLoop  # noqa: E402
from presence_coach.session.live import StoreWriter  # noqa: E402
from presence_coach.session.stats import StageTimes  # noqa: E402
from presence_coach.session.store import SessionRecorder, SessionStore  # noqa: E402
from presence_coach.sources.audio_file import read_audio_file  # noqa: E402
from presence_coach.sources.video import VideoSource  # noqa: E402
from presence_coach.vision.face import FaceAnalyzer  # noqa: E402
from presence_coach.voice import VoiceAnalyzer  # noqa: E402
from tests.pulse import SINK, pulse_server  # noqa: E402

SHARED = Path(os.environ.get("PRESENCE_COACH_SHARED", REPO.parent / "shared"))
VIDEO = SHARED / "media" / "faces" / "d6.mp4"  # 30 fps, 33.6 s
SPEECH = SHARED / "media" / "speech" / "conversation_sample.wav"  # 30 s, 16 kHz
TARGET_CPU_PCT = {"full": 50.0, "eco": 25.0}
TARGET_RSS_GROWTH_MB = 30.0
TARGET_PAUSE_DELAY_MS = 300.0
# the session's threads by name, as the CPU table shows them
THREAD_ROLES = {
    "mediapipe": "MediaPipe graph",
    "MainThread": "analysis loop (main)",
    "audio-analysis": "voice analysis",
    "video-capture": "camera capture",
    "av:h264:df0": "H.264 decode 0",
    "av:h264:df1": "H.264 decode 1",
    "store-writer": "store writer",
}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def live_run(seconds: float, eco: bool, env: dict[str, str], work: Path) -> dict:
    """One real `presence-coach session` on the streamed clip and the played speech."""
    port = 25000 + (1 if eco else 0)
    url = f"udp://127.0.0.1:{port}"
    stream = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
         "-i", str(VIDEO), "-an", "-c:v", "libx264", "-preset", "ultrafast", "-tune",
         "zerolatency", "-g", "15", "-f", "mpegts", f"{url}?pkt_size=1316"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    player = subprocess.Popen(
        ["sh", "-c", f"while true; do paplay --device={SINK} {SPEECH}; done"], env=env
    )
    data = work / ("data-eco" if eco else "data-full")
    out = work / "s.json"
    cmd = [sys.executable, "-m", "presence_coach", "session", "--camera", url, "--mic", "pulse",
           "--duration", str(seconds), "--json", str(out), "--data-dir", str(data)]  # fmt: skip
    if eco:
        cmd.append("--eco")
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 120)
    finally:
        stream.kill()
        player.kill()
        stream.wait()
        player.wait()
    if proc.returncode != 0:
        raise SystemExit(f"session failed: {proc.stderr.strip().splitlines()[-1:]}")
    summary = json.loads(out.read_text())
    with SessionStore(data) as store:
        (info,) = store.sessions()
        utterances = store.events(info.id, "utterance")
    # an utterance is reported once the silence after it is long enough to be a pause:
    # t_known - end is the delay from the end of speech to knowing that a pause began
    delays = [1000 * (u["t_known"] - u["end"]) for u in utterances]
    perf = summary["performance"]
    return {
        "cpu_pct": 100 * perf["cpu_s"] / perf["wall_s"],
        "frames": perf["frames_analyzed"],
        "dropped": perf["frames_dropped"],
        "fps": perf["frames_analyzed"] / perf["wall_s"],
        "lat_p50": perf["latency"]["median_ms"],
        "lat_p95": perf["latency"]["p95_ms"],
        "pause_delay_ms": statistics.median(delays) if delays else float("nan"),
        "n_delays": len(delays),
        "audio_overflows": perf.get("audio_overflows"),
        "stages": perf["stages"],
        "threads": perf.get("cpu_by_thread_pct", {}),
    }


def memory_run(hours: float, work: Path) -> list[tuple[float, float]]:
    """RSS over a simulated session of ``hours``: (minute, MB) pairs."""
    with FaceAnalyzer(find_model()) as analyzer, VideoSource(VIDEO) as source:
        samples = [s for _, s in FrameLoop(source, analyzer)]
    samples = [dataclasses.replace(s, landmarks=None) for s in samples]
    clip_s = samples[-1].t + 1 / 30
    speech = read_audio_file(SPEECH)
    store = SessionStore(work / "mem")
    recorder = SessionRecorder(store, store.begin_session(kind="live", source="bench"))
    writer = StoreWriter(recorder)
    writer.start()
    analysis = VideoAnalysis(VideoSource(VIDEO), Path("unused"), RunOptions(), recorder=recorder)
    voice = VoiceAnalyzer()
    times = StageTimes()
    block = 640  # 40 ms at 16 kHz
    points = []
    total_s = hours * 3600
    audio_pos = 0
    t_audio = 0.0
    minute = 0
    while minute * 60 < total_s:
        # one simulated minute: 30 fps of face samples and 60 s of speech
        t0 = minute * 60.0
        for i in range(60 * 30):
            t = t0 + i / 30
            s = samples[int((t % clip_s) * 30) % len(samples)]
            analysis.consume(dataclasses.replace(s, t=t), times)
        while t_audio < t0 + 60:
            chunk = speech[audio_pos : audio_pos + block]
            if len(chunk) < block:
                audio_pos = 0
                continue
            audio_pos += block
            events = voice.update(chunk, t_audio)
            recorder.add_voice(voice.pop_timeline())
            recorder.add_events([e.to_json() for e in events])
            t_audio += block / 16000
        minute += 1
        points.append((minute, rss_mb()))
    writer.stop()
    store.close()
    return points


def mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def machine() -> str:
    cpu = cpu_name()
    return f"{platform.node()} - {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS-session.md")
    args = parser.parse_args()
    os.environ.setdefault("PRESENCE_COACH_MODELS", str(SHARED / "models"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with pulse_server(work) as env:
            env = {**env, "PRESENCE_COACH_MODELS": os.environ["PRESENCE_COACH_MODELS"]}
            runs = {
                mode: live_run(args.seconds, mode == "eco", env, work) for mode in ("full", "eco")
            }
        for mode, r in runs.items():
            print(
                f"[{mode}] cpu {r['cpu_pct']:.1f}% fps {r['fps']:.1f} dropped {r['dropped']} "
                f"p95 latency {r['lat_p95']} ms pause delay {r['pause_delay_ms']:.0f} ms",
                flush=True,
            )
        points = memory_run(args.hours, work)
    at5 = next(mb for m, mb in points if m >= 5)
    end = points[-1][1]
    growth = end - at5
    rows = []
    for mode, r in runs.items():
        ok = r["cpu_pct"] < TARGET_CPU_PCT[mode]
        rows.append(
            f"| {mode} | {r['frames']} | {r['fps']:.1f} | {r['dropped']} | {r['lat_p50']:.1f} / "
            f"{r['lat_p95']:.1f} | {r['pause_delay_ms']:.0f} ({r['n_delays']}) | "
            f"{r['cpu_pct']:.1f} {'✅' if ok else '❌'} (< {TARGET_CPU_PCT[mode]:.0f}) |"
        )
    stage_lines = []
    for mode, r in runs.items():
        for name, s in r["stages"].items():
            stage_lines.append(f"| {mode} | {name} | {s['median_ms']} | {s['p95_ms']} |")
    thread_lines = []
    for mode, r in runs.items():
        known = {name: pct for name, pct in r["threads"].items() if name in THREAD_ROLES}
        rest = sum(r["threads"].values()) - sum(known.values())
        cells = [f"{known.get(name, 0.0):.1f}" for name in THREAD_ROLES]
        thread_lines.append(f"| {mode} | {' | '.join(cells)} | {rest:.1f} |")
    curve = ", ".join(f"{m} min: {mb:.0f} MB" for m, mb in points if m in (1, 5, 30, 60, 90, 120))
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    args.out.write_text(f"""# Live session benchmark

Written by `bench/session.py`. Do not edit by hand.

- **Machine:** {machine()}
- **Date:** {now}
- **Camera:** `{VIDEO.name}` (30 fps, 480x480) streamed in real time over loopback UDP;
  **microphone:** `{SPEECH.name}` played on a loop into a PulseAudio null sink
- **Length:** {args.seconds:.0f} s per run. CPU = process CPU time / wall time of the
  analysis loop (all threads: capture, video analysis, audio analysis, store), % of one core.

## CPU, drops and latency (video and voice together)

| mode | frames | fps | dropped | latency ms p50 / p95 | pause known, ms after speech (n) | CPU % |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Dropped frames include the burst a stream delivers while it is being joined.

## Stage timings

| mode | stage | median ms | p95 ms |
|---|---|---|---|
{chr(10).join(stage_lines)}

## CPU by thread (% of one core, while the camera ran; read from /proc by the session)

| mode | {" | ".join(THREAD_ROLES.values())} | other threads |
|---|{"---|" * (len(THREAD_ROLES) + 1)}
{chr(10).join(thread_lines)}

## Memory over a simulated {args.hours:g}-hour session

RSS of the detectors, summary columns, store writer and voice analysis fed {args.hours:g} h of
real face samples (d6, looped) and real speech (looped): {curve}.
Growth after the first 5 minutes: **{growth:.1f} MB** {mark(growth < TARGET_RSS_GROWTH_MB)}
(target < {TARGET_RSS_GROWTH_MB:.0f} MB).
""")
    print(f"memory: {curve}; growth after 5 min {growth:.1f} MB")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
