"""Moments to revisit: a few times of a session worth looking back at, each with a gentle
question (issue 14). Pure: everything comes from one summary (:func:`summary_from_store`).

``moments(summary)`` gives ``[{start_s, end_s, kind, title, question}, ...]`` in time order,
at most :data:`MAX_MOMENTS`. Kinds: ``long_speech`` (the longest stretch of your speaking),
``silence`` (the longest silences), ``nod_run`` (a run of nods), ``pace_change`` (the
biggest minute-to-minute change of speech rate), ``talk_over`` (the longest time you and the
client spoke at once; only with call audio). The titles describe, the questions ask; nothing
grades.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from presence_coach.summary.definitions import MINUTE_S

MAX_MOMENTS = 6  # at most this many moments, the most telling first, then shown by time
LONG_SPEECH_MIN_S = 20.0  # a stretch of speaking shorter than this is not worth revisiting
MAX_SILENCES = 2  # at most this many silences (the longest)
NOD_RUN_MIN = 3  # a run of nods has at least this many
NOD_RUN_GAP_S = 8.0  # nods at most this far apart belong to the same run
PACE_CHANGE_MIN = 0.25  # a change of pace: the next minute's rate differs by this share
TALK_OVER_MIN_S = 1.0  # talking at once shorter than this is ordinary turn-taking


def _clock(t_s: float) -> str:
    """Seconds as ``m:ss``."""
    m, s = divmod(round(t_s), 60)
    return f"{m}:{s:02d}"


def _span(t_s: float) -> str:
    """A length in everyday words: ``12 s``, ``1 min 20 s``."""
    s = round(t_s)
    if s < 60:
        return f"{s} s"
    m, s = divmod(s, 60)
    return f"{m} min {s} s" if s else f"{m} min"


def _moment(start_s: float, end_s: float, kind: str, title: str, question: str) -> dict:
    return {
        "start_s": round(float(start_s), 1),
        "end_s": round(float(end_s), 1),
        "kind": kind,
        "title": title,
        "question": question,
    }


def long_speech(timeline: Mapping[str, Any]) -> list[dict]:
    """The longest stretch of your speaking (``timeline["longest_speech"]``)."""
    span = timeline.get("longest_speech")
    if not span or span[1] - span[0] < LONG_SPEECH_MIN_S:
        return []
    a, b = span
    return [
        _moment(
            a,
            b,
            "long_speech",
            f"Your longest stretch of speaking: {_span(b - a)} without a pause",
            "What was the client doing while you spoke, and what made you go on?",
        )
    ]


def silences(timeline: Mapping[str, Any]) -> list[dict]:
    """The :data:`MAX_SILENCES` longest silences (``timeline["long_pauses"]``)."""
    spans = sorted(timeline.get("long_pauses", []), key=lambda s: s[0] - s[1])
    return [
        _moment(
            a,
            b,
            "silence",
            f"A silence of {_span(b - a)}",
            "What was the silence holding? Who ended it, and how?",
        )
        for a, b in spans[:MAX_SILENCES]
    ]


def nod_runs(nod_times_s: Sequence[float]) -> list[tuple[float, float, int]]:
    """Runs of at least :data:`NOD_RUN_MIN` nods no more than :data:`NOD_RUN_GAP_S` apart:
    ``[(first_s, last_s, count), ...]`` from nod times (sorted or not)."""
    out: list[tuple[float, float, int]] = []
    ts = sorted(nod_times_s)
    i = 0
    while i < len(ts):
        j = i
        while j + 1 < len(ts) and ts[j + 1] - ts[j] <= NOD_RUN_GAP_S:
            j += 1
        if j - i + 1 >= NOD_RUN_MIN:
            out.append((ts[i], ts[j], j - i + 1))
        i = j + 1
    return out


def nod_run(timeline: Mapping[str, Any]) -> list[dict]:
    """The run with the most nods (the earliest of equals)."""
    found = nod_runs([n[0] for n in timeline.get("nods", [])])
    if not found:
        return []
    a, b, n = max(found, key=lambda r: (r[2], -r[0]))
    return [
        _moment(
            a,
            b + 1.0,
            "nod_run",
            f"{n} nods in a row",
            "What were you hearing from the client then, and what did the nods say back?",
        )
    ]


def pace_change(per_minute: Mapping[str, Any], duration_s: float) -> list[dict]:
    """The biggest change of speech rate from one minute to the next (at least
    :data:`PACE_CHANGE_MIN` of the slower one); the moment is the second minute."""
    rates = per_minute.get("articulation_rate_syl_per_s") or []
    best: tuple[float, int] | None = None
    for m in range(len(rates) - 1):
        a, b = rates[m], rates[m + 1]
        if not a or not b:
            continue
        change = abs(b - a) / min(a, b)
        if change >= PACE_CHANGE_MIN and (best is None or change > best[0]):
            best = (change, m + 1)
    if best is None:
        return []
    m = best[1]
    quicker = rates[m] > rates[m - 1]
    words = "quicker" if quicker else "slower"
    return [
        _moment(
            m * MINUTE_S,
            min((m + 1) * MINUTE_S, duration_s),
            "pace_change",
            f"Your pace became {words} from {_clock(m * MINUTE_S)}",
            "What changed in the conversation just before?",
        )
    ]


def talk_over(timeline: Mapping[str, Any]) -> list[dict]:
    """The longest time you and the client spoke at once (``timeline["overlaps"]``)."""
    spans = [s for s in timeline.get("overlaps", []) if s[1] - s[0] >= TALK_OVER_MIN_S]
    if not spans:
        return []
    a, b = max(spans, key=lambda s: s[1] - s[0])
    return [
        _moment(
            a,
            b,
            "talk_over",
            f"You and the client spoke at once for {_span(b - a)}",
            "Who needed the space here, and who gave way?",
        )
    ]


def moments(summary: Mapping[str, Any]) -> list[dict]:
    """The moments to revisit of one summary, in time order (see the module docstring).

    When more than :data:`MAX_MOMENTS` are found, the longest speaking stretch, the longest
    silence, the nod run, the pace change and talking over are kept before the second silence.
    """
    tl = summary.get("timeline") or {}
    duration_s = float((summary.get("session") or {}).get("duration_s") or 0.0)
    found = [
        *long_speech(tl),
        *silences(tl)[:1],
        *nod_run(tl),
        *pace_change(summary.get("per_minute") or {}, duration_s),
        *(talk_over(tl) if summary.get("conversation") else []),
        *silences(tl)[1:],
    ]
    return sorted(found[:MAX_MOMENTS], key=lambda m: (m["start_s"], m["kind"]))
