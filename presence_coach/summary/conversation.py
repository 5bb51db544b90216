"""The ``conversation`` numbers of a session from its stored events (issue 12).

Events come from voice/conversation.py (``you_speech``, ``client_speech``, ``response``,
``overlap``, ``client_silence``). Without them (no call audio) the section is ``None``,
and :func:`mixed_voices_note` says when the mic probably heard more than one voice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

Row = Mapping[str, Any]
CONVERSATION_TYPES = ("you_speech", "client_speech", "response", "overlap", "client_silence")
# the conversation numbers history compares across sessions (definitions.TREND_KEYS)
CONVERSATION_TREND_KEYS = ("talk_share_you", "response_latency_median_s", "interruptions")
MIXED_SPEECH_SHARE = 0.9  # a mic that hears speech this much of the time hears two people
MIXED_PITCH_RANGE_SEMITONES = 10.0  # 10th-90th percentile of utterance pitch medians this
# wide: more than one voice (bench: one voice 1.5-3.3 st, a man and a woman 14.5-15.1 st)
MIXED_MIN_UTTERANCES = 8  # fewer utterances say nothing about the pitch range


def _dur(rows: Sequence[Row]) -> float:
    return float(sum(r["end"] - r["start"] for r in rows))


def _per_minute(rows: Sequence[Row], duration_s: float, n: int | None = None) -> list[float]:
    """Seconds of the rows' time inside each minute (n_minutes,)."""
    n = max(1, int(np.ceil(duration_s / 60.0))) if n is None else n
    out = np.zeros(n)
    for r in rows:
        for m in range(int(r["start"] // 60), min(n, int(r["end"] // 60) + 1)):
            out[m] += max(0.0, min(r["end"], (m + 1) * 60) - max(r["start"], m * 60))
    return [round(float(x), 1) for x in out]


def conversation_summary(events: Sequence[Row], duration_s: float) -> dict[str, Any] | None:
    """Talk balance, responses, talking over and the client's silences; None without data."""
    by = {t: [e for e in events if e["type"] == t] for t in CONVERSATION_TYPES}
    if not by["you_speech"] and not by["client_speech"]:
        return None
    you, client = _dur(by["you_speech"]), _dur(by["client_speech"])
    lat = np.array([e["latency_s"] for e in by["response"]], np.float64)
    silences = by["client_silence"]
    q = (lambda p: round(float(np.percentile(lat, p)), 2)) if len(lat) else (lambda p: None)
    return {
        "you_talk_s": round(you, 1),
        "client_talk_s": round(client, 1),
        "overlap_s": round(_dur(by["overlap"]), 1),
        "talk_share_you": round(you / (you + client), 3) if you + client > 0 else None,
        "responses": len(lat),
        "response_latency_median_s": q(50),
        "response_latency_p10_p90_s": [q(10), q(90)],
        "response_latency_hist": _latency_hist(lat),
        "interruptions": sum(1 for e in by["overlap"] if e.get("started_by") == "you"),
        "client_overlaps": sum(1 for e in by["overlap"] if e.get("started_by") == "client"),
        "client_long_silences": len(silences),
        "client_silences_you_broke": sum(1 for e in silences if e.get("broken_by") == "you"),
        "client_silence_median_s": round(float(np.median([_dur([e]) for e in silences])), 1)
        if silences
        else None,
        "call_audio_note": _lost_note(events),
        "per_minute": {
            "you_talk_s": _per_minute(by["you_speech"], duration_s),
            "client_talk_s": _per_minute(by["client_speech"], duration_s),
            "overlap_s": _per_minute(by["overlap"], duration_s),
        },
    }


def talk_share_per_minute(
    you: Sequence[Row], client: Sequence[Row], n_minutes: int
) -> list[float | None]:
    """Your share of the talk in each minute (n_minutes,) from the ``you_speech`` and
    ``client_speech`` events: your speaking time over yours plus the client's; None in a
    minute where neither spoke, all None without call audio."""
    if not you and not client:
        return [None] * n_minutes
    y = np.array(_per_minute(you, 60.0 * n_minutes, n_minutes))
    c = np.array(_per_minute(client, 60.0 * n_minutes, n_minutes))
    return [round(float(a / (a + b)), 3) if a + b > 0 else None for a, b in zip(y, c, strict=True)]


def _lost_note(events: Sequence[Row]) -> str | None:
    lost = [e for e in events if e["type"] == "call_audio_lost"]
    if not lost:
        return None
    m, sec = divmod(int(lost[0]["start"]), 60)
    return (
        f"The call audio stopped at {m}:{sec:02d}; after that the microphone was judged alone, "
        "so the client's voice may count as yours."
    )


LATENCY_BINS_S = (0.0, 0.5, 1.0, 2.0, 4.0, float("inf"))  # response-time histogram edges


def _latency_hist(lat: np.ndarray) -> list[dict[str, Any]]:
    counts, _ = np.histogram(lat, bins=np.array(LATENCY_BINS_S))
    return [
        {"from_s": a, "to_s": None if b == float("inf") else b, "count": int(c)}
        for a, b, c in zip(LATENCY_BINS_S[:-1], LATENCY_BINS_S[1:], counts, strict=True)
    ]


def conversation_lanes(events: Sequence[Row]) -> dict[str, list[list[float]]]:
    """Timeline runs [start_s, end_s]: ``client_speaking``, ``you_speaking_call`` (your
    speech with the leak removed) and ``overlaps``."""
    kinds = {"client_speaking": "client_speech", "you_speaking_call": "you_speech"}
    kinds["overlaps"] = "overlap"
    return {
        k: [[round(e["start"], 2), round(e["end"], 2)] for e in events if e["type"] == t]
        for k, t in kinds.items()
    }


def balance_sentence(conv: Mapping[str, Any]) -> str:
    """The talk balance in plain words: "you spoke about a third of the time ..."."""
    share = conv.get("talk_share_you")
    if share is None:
        return "Neither of you spoke."
    words = [
        (0.15, "very little"),
        (0.29, "about a quarter"),
        (0.41, "about a third"),
        (0.59, "about half"),
        (0.71, "about two thirds"),
        (0.85, "about three quarters"),
        (1.01, "nearly all"),
    ]
    word = next(w for lim, w in words if share < lim)
    s = f"You spoke {word} of the time the two of you spoke ({round(100 * share)} %)."
    if conv.get("response_latency_median_s") is not None:
        s += (
            f" After the client stopped you usually answered in "
            f"{conv['response_latency_median_s']:.1f} s ({conv['responses']} answers)."
        )
    if conv.get("interruptions"):
        s += f" You started talking over the client {conv['interruptions']} times."
    return s


def mixed_voices_note(speech_share: float | None, f0_medians_hz: Sequence[float]) -> str | None:
    """Without call audio: a note when the mic probably heard more than one voice."""
    f0 = np.asarray([f for f in f0_medians_hz if f and f > 0], np.float64)
    wide = (
        len(f0) >= MIXED_MIN_UTTERANCES
        and 12 * np.log2(np.percentile(f0, 90) / np.percentile(f0, 10))
        > MIXED_PITCH_RANGE_SEMITONES
    )
    if not wide and (speech_share is None or speech_share <= MIXED_SPEECH_SHARE):
        return None
    return (
        "The microphone probably heard more than one voice, so the voice numbers may include "
        "the client's: use headphones, or give the call audio (--call-audio)."
    )


def mic_only_note(events: Sequence[Row], voice_rows: Sequence[Row]) -> str | None:
    """:func:`mixed_voices_note` of a stored session's utterances and voice timeline."""
    if not voice_rows:
        return None
    share = float(np.mean([bool(r["speaking"]) for r in voice_rows]))
    f0 = [e.get("f0_median_hz") for e in events if e["type"] == "utterance"]
    return mixed_voices_note(share, [f for f in f0 if f is not None])
