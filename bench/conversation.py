# ruff: noqa: E501  (report-table rows are kept one per line for readability)
"""Conversation benchmark (issue 12): who spoke when, with headphones and with speakers.

    PYTHONPATH=. .venv/bin/python bench/conversation.py   # ~2 minutes on 2 cores

Two-party calls from tests/callgen.py with exact turn times. Tuning split: espeak-ng voices
(and the north-wind reader as a client). Held-out split (never tuned on): the two real people
of conversation_sample.wav, each as you and as the client. Compares the leak model
(voice/conversation.py) with WebRTC's echo canceller (livekit AudioProcessingModule, bench
only: the ``bench`` extra) followed by the plain VAD. Writes RESULTS-conversation.md.
Benchmarks are measurements, not tests: nothing here asserts on time.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import time
import zlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

import callgen as cg  # noqa: E402
from machine import cpu_name  # noqa: E402

from presence_coach.voice.conversation import analyze_conversation  # noqa: E402
from presence_coach.voice.vad import detect_speech  # noqa: E402

SHARED = Path(os.environ.get("PRESENCE_COACH_SHARED", REPO.parent / "shared"))
SPEECH = SHARED / "media" / "speech"
DURATION_S = 120.0
VOICE_SECTION = "## Your voice numbers with call audio"  # written by conversation_voice.py


def calls() -> dict[str, list[cg.Call]]:
    real = cg.stm_speakers(SPEECH)
    nw = cg.north_wind(SPEECH)
    v = [cg.espeak_voice(i) for i in range(5)]
    tune = [
        cg.build_call("espeak us-m / gb-f", v[0], v[3], seed=11, duration_s=DURATION_S),
        cg.build_call("espeak us-f / us-m3", v[1], v[4], seed=12, duration_s=DURATION_S),
        cg.build_call("espeak gb / north-wind", v[2], nw, seed=13, duration_s=DURATION_S),
    ]
    held = [
        cg.build_call(
            "Diane / Sheila", real["Diane"], real["Sheila"], seed=21, duration_s=DURATION_S
        ),
        cg.build_call(
            "Sheila / Diane", real["Sheila"], real["Diane"], seed=22, duration_s=DURATION_S
        ),
        cg.build_call("Diane / north-wind", real["Diane"], nw, seed=23, duration_s=DURATION_S),
    ]
    return {"tuning": tune, "held-out": held}


truth_events = cg.truth_events


def talk(events, kind: str) -> float:
    return sum(e.end - e.start for e in events if e.type == kind)


def score(truth, got) -> dict:
    ty, tc = talk(truth, "you_speech"), talk(truth, "client_speech")
    gy, gc = talk(got, "you_speech"), talk(got, "client_speech")
    tr = [e for e in truth if e.type == "response"]
    gr = [e for e in got if e.type == "response"]
    found, errs, known = 0, [], []
    for r in tr:
        m = [g for g in gr if abs(g.end - r.end) <= 0.5]
        if m:
            g = min(m, key=lambda g: abs(g.end - r.end))
            found += 1
            errs.append(abs(g.attrs["latency_s"] - r.attrs["latency_s"]))
            known.append(g.t_known - r.end)
    to = [e for e in truth if e.type == "overlap"]
    go = [e for e in got if e.type == "overlap"]
    ofound = sum(1 for o in to if any(g.start < o.end and g.end > o.start for g in go))
    return {
        "share_true": ty / (ty + tc),
        "share": gy / max(gy + gc, 1e-9),
        "you_err": (gy - ty) / ty,
        "resp": found / max(len(tr), 1),
        "n_resp": len(tr),
        "lat_err": float(np.median(errs)) if errs else float("nan"),
        "known": float(np.median(known)) if known else float("nan"),
        "ovl": ofound / max(len(to), 1),
        "n_ovl": len(to),
    }


def run_leak(mic, client) -> tuple[list, float]:
    t = time.process_time()
    ev = analyze_conversation(mic, client)
    return ev, time.process_time() - t


def run_aec(mic, client) -> tuple[list, float]:
    """WebRTC AEC3 (livekit APM) on the mic with the call as far end, then the plain VAD."""
    from livekit import rtc

    t = time.process_time()
    apm = rtc.AudioProcessingModule(echo_cancellation=True, high_pass_filter=True)
    n = 160
    mi = (np.clip(mic, -1, 1) * 32767).astype(np.int16)
    ci = (np.clip(client, -1, 1) * 32767).astype(np.int16)
    out = np.zeros(len(mi) // n * n, np.int16)
    for a in range(0, len(out), n):
        far = rtc.AudioFrame(ci[a : a + n].tobytes(), cg.SR, 1, n)
        near = rtc.AudioFrame(mi[a : a + n].tobytes(), cg.SR, 1, n)
        apm.process_reverse_stream(far)
        apm.process_stream(near)
        out[a : a + n] = np.frombuffer(bytes(near.data), np.int16)
    you = detect_speech(out.astype(np.float32) / 32768)
    cpu = time.process_time() - t
    ev = _events_from_segments(you, detect_speech(client))
    return ev, cpu


def _events_from_segments(you, client) -> list:
    c = cg.Call("x", np.zeros(1), np.zeros(1), list(you), list(client))
    return truth_events(c)


MICS = (  # (label, speakers, leak dB, delay: None = 20-80 ms by call)
    ("headphones", False, -14.0, None),
    ("speakers", True, -14.0, None),
    ("loud speakers", True, -8.0, 0.15),
)


def records() -> list[dict]:
    out = []
    for split, cs in calls().items():
        for c in cs:
            truth = truth_events(c)
            dur = len(c.you) / cg.SR
            for case, spk, leak_db, delay in MICS:
                d = 0.02 + 0.06 * (zlib.crc32(c.name.encode()) % 7) / 6 if delay is None else delay
                mic = c.mic(speakers=spk, delay_s=d, leak_db=leak_db, seed=3)
                for method, fn in (("leak model", run_leak), ("WebRTC AEC + VAD", run_aec)):
                    if method != "leak model" and not spk:
                        continue
                    ev, cpu = fn(mic, c.client)
                    r = score(truth, ev) | {"split": split, "call": c.name, "mic": case}
                    r |= {"method": method, "cpu_ms": 1000 * cpu / dur, "delay_ms": 1000 * d}
                    if method != "leak model":
                        r["known"] = float("nan")  # the AEC path ran its VAD offline here
                    out.append(r)
                    print(_row(r), flush=True)
    return out


def _row(r: dict) -> str:
    known = "n/a" if np.isnan(r["known"]) else f"{r['known']:.2f} s"
    return (
        f"| {r['split']} | {r['call']} | {r['mic']} ({r['delay_ms']:.0f} ms) | {r['method']} | "
        f"{r['share_true']:.3f} | {r['share']:.3f} | {100 * r['you_err']:+.1f} % | "
        f"{100 * r['resp']:.0f} % of {r['n_resp']} | {1000 * r['lat_err']:.0f} ms | {known} | "
        f"{100 * r['ovl']:.0f} % of {r['n_ovl']} | {r['cpu_ms']:.1f} ms |"
    )


def targets(recs: list[dict]) -> list[str]:
    """Worst case per split, mic and method against the issue's targets."""
    out = [
        "| split | mic | method | worst share error (target 3 / 5 points) | worst your-time error (target 15 %) | fewest responses found (target 90 %) | worst median latency error (target 100 ms) | fewest overlaps found (target 75 %) | mean CPU per s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    keys = sorted({(r["split"], r["mic"], r["method"]) for r in recs}, key=str)
    for split, mic, method in keys:
        g = [r for r in recs if (r["split"], r["mic"], r["method"]) == (split, mic, method)]
        out.append(
            f"| {split} | {mic} | {method} | "
            f"{100 * max(abs(r['share'] - r['share_true']) for r in g):.1f} | "
            f"{100 * max(abs(r['you_err']) for r in g):.1f} % | {100 * min(r['resp'] for r in g):.0f} % | "
            f"{1000 * max(r['lat_err'] for r in g):.0f} ms | {100 * min(r['ovl'] for r in g):.0f} % | "
            f"{np.mean([r['cpu_ms'] for r in g]):.1f} ms |"
        )
    return out


DECISION = """## Leak model or WebRTC AEC? (run of 2026-11-30 14:59 UTC)

Both were run on the same calls. WebRTC's echo canceller (AEC3 through livekit's
AudioProcessingModule, 10 ms frames, the call audio as far end, then the same VAD on what it
leaves) removes most of the leak, but on the held-out real voices what it leaves still
trips the VAD: your speaking time +14 to +34 % and the share 2.7 to 6.1 points high (misses
the 15 % and 5-point targets), against at most 2.2 % and 0.6 points for the leak model. AEC costs about 7-11 ms of CPU per second of
audio for your side alone (the client's VAD comes on top, ~5 ms); the leak model costs
12-21 ms per second for everything (both VADs, delay and gain tracking, turn events; 12-13
on a quiet machine on 2026-12-01, 19-21 on a loaded one on 2026-11-30): 1-2 % of one core. It adds no
dependency (livekit is a 30 MB native wheel). Decision: the leak model ships
(voice/leak.py, voice/conversation.py); livekit stays a bench-only extra.

Misses of this run: one of 7 responses on the tuning call 'espeak us-m / gb-f' with loud
speakers (-8 dB, 150 ms): 86 %, median latency error 74 ms. Live (tests/e2e/
test_call_audio_pulse.py, PulseAudio, 40 s call; five runs on 2026-12-01, the microphone
timed by its callbacks' arrivals like the call's audio): share 0.349-0.352 against 0.352, your
time 9.1-9.2 s against 9.2 s, 5 of 5 responses each time, the leak's delay found every time
(1515-1572 samples at 16 kHz for a 100 ms leak; three runs on the ADC-stamped clock before:
share 0.348-0.349, your time 9.0-9.1 s). Limits: a leak at most as loud as you at the mic, a reverberant tail
under 150 ms at 200 dB/s, a delay under 300 ms (200 ms live, which hands the call 100 ms
early); a phone on speaker beside the laptop or a long room tail is not covered.
"""


def main() -> None:
    t0 = time.time()
    recs = records()
    table = [_row(r) for r in recs]
    head = [
        "# Conversation benchmark (issue 12)",
        "",
        f"- machine: {cpu_name()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; wall time {time.time() - t0:.0f} s",
        "- command: `PYTHONPATH=. .venv/bin/python bench/conversation.py`",
        f"- calls: {DURATION_S:.0f} s each (tests/callgen.py); speakers = the client's call audio delayed 20-80 ms,",
        "  band-passed 250-5000 Hz, reverberant (RT60 0.25 s), -14 dB under the client, plus room noise at -62 dBFS",
        "- targets: share within 3 points (headphones) / 5 points (speakers); your speaking time within 15 % with",
        "  speakers; >= 90 % of responses with median latency error <= 100 ms; >= 75 % of overlaps",
        "- 'known after' = median time from your true start to the moment the response event exists",
        "- CPU = process CPU time per second of audio (both inputs, whole analysis)",
        "",
        "| split | call (you / client) | mic (leak delay) | method | true share | measured share | your time error | responses found | median latency error | known after | overlaps found | CPU per s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    summary = [
        "",
        "## Against the targets (worst call of each group)",
        "",
        *targets(recs),
        "",
        DECISION,
    ]
    out = REPO / "bench" / "RESULTS-conversation.md"
    old = out.read_text() if out.exists() else ""
    kept = (
        old[old.index(VOICE_SECTION) :] if VOICE_SECTION in old else ""
    )  # conversation_voice.py's
    out.write_text("\n".join(head + table + summary) + "\n" + ("\n" + kept if kept else ""))


if __name__ == "__main__":
    main()
