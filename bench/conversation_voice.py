# ruff: noqa: E501  (report-table rows are kept one per line for readability)
"""Your voice numbers with call audio (issue 12): the mic's voice analysis alone against the
same analysis counting only the frames the conversation attributes to you (voice/yours.py).

    PYTHONPATH=. .venv/bin/python bench/conversation_voice.py   # ~2 minutes on 2 cores

The calls and microphones of bench/conversation.py (tests/callgen.py, exact turn times).
Truth: your speech intervals (share of the session, your silences of 3 s or more between
them). Reference for pitch and rate: the mic alone with headphones (only your voice reaches
it). Writes the section "## Your voice numbers with call audio" of RESULTS-conversation.md
(bench/conversation.py keeps it when it rewrites the rest). Measurements, not tests.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sys
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import conversation as bc  # noqa: E402

from presence_coach.voice import analyze_audio  # noqa: E402
from presence_coach.voice.yours import analyze_your_voice  # noqa: E402

HEADING = "## Your voice numbers with call audio"
RESULTS = REPO / "bench" / "RESULTS-conversation.md"


def _truth(call) -> dict:
    segs = call.you_segs
    gaps = [b[0] - a[1] for a, b in itertools.pairwise(segs)]
    you = sum(e - s for s, e in segs)
    return {"share": you / (len(call.you) / bc.cg.SR), "long": sum(g >= 3.0 for g in gaps)}


def _nums(s: dict) -> dict:
    return {
        "share": s["speaking_fraction"],
        "long": s["pauses"]["long"],
        "utt": s["utterances"],
        "f0": s["pitch"]["f0_median_hz"],
        "rate": s["rate"]["articulation_rate_syl_per_s"],
    }


def records() -> list[dict]:
    out = []
    for split, calls in bc.calls().items():
        for c in calls:
            ref = None
            for case, spk, leak_db, delay in bc.MICS:
                d = 0.02 + 0.06 * (zlib.crc32(c.name.encode()) % 7) / 6 if delay is None else delay
                mic = c.mic(speakers=spk, delay_s=d, leak_db=leak_db, seed=3)
                alone = _nums(analyze_audio(mic).summary)
                ref = ref or alone  # headphones come first: your voice only
                yours = _nums(analyze_your_voice(mic, c.client)[0].summary)
                out.append(
                    {"split": split, "call": c.name, "mic": case, "truth": _truth(c),
                     "ref": ref, "alone": alone, "yours": yours}
                )  # fmt: skip
                print(out[-1], flush=True)
    return out


def _row(r: dict) -> str:
    t, a, y, ref = r["truth"], r["alone"], r["yours"], r["ref"]
    return (
        f"| {r['split']} | {r['call']} | {r['mic']} | {t['share']:.3f} | {a['share']:.3f} | "
        f"**{y['share']:.3f}** | {t['long']} | {a['long']} | **{y['long']}** | {a['utt']} / {y['utt']} | "
        f"{ref['f0']} | {a['f0']} / {y['f0']} | {ref['rate']} | {a['rate']} / {y['rate']} |"
    )


def section(recs: list[dict], wall_s: float) -> list[str]:
    spk = [r for r in recs if r["mic"] != "headphones"]
    worst = max(abs(r["yours"]["share"] - r["truth"]["share"]) for r in spk)
    worst_alone = max(abs(r["alone"]["share"] - r["truth"]["share"]) for r in spk)
    long_err = max(abs(r["yours"]["long"] - r["truth"]["long"]) for r in recs)
    return [
        HEADING,
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; wall time {wall_s:.0f} s",
        "- command: `PYTHONPATH=. .venv/bin/python bench/conversation_voice.py`",
        "- same calls and mics as above; 'mic alone' = the voice numbers before issue 12's call",
        "  audio reached them, 'yours' = the mic's voice analysis on the frames the conversation",
        "  attributes to you (voice/yours.py); share = speaking_fraction of the session; long =",
        "  your silences of 3 s or more; reference F0 / rate = headphones, mic alone (your voice only)",
        "",
        "| split | call (you / client) | mic | true share | mic alone | yours | true long silences | mic alone | yours | utterances (alone / yours) | ref F0 Hz | F0 (alone / yours) | ref rate syl/s | rate (alone / yours) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *[_row(r) for r in recs],
        "",
        f"With speakers, the worst share error is {100 * worst:.1f} points with call audio (target 5)"
        f" against {100 * worst_alone:.1f} points for the mic alone; long silences are off by at"
        f" most {long_err} (any mic).",
    ]


def main() -> None:
    t0 = time.time()
    recs = records()
    text = RESULTS.read_text() if RESULTS.exists() else ""
    before = text.split(HEADING)[0].rstrip("\n")
    RESULTS.write_text(before + "\n\n" + "\n".join(section(recs, time.time() - t0)) + "\n")


if __name__ == "__main__":
    main()
