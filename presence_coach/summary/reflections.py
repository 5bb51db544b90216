"""A few observations about a session, picked by simple rules from its numbers: specific,
descriptive and kind; never a grade or a judgement (the report and the terminal show them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from presence_coach.summary.certainty import approximate
from presence_coach.summary.doubts import FACE_IN_VIEW_MIN
from presence_coach.summary.words import (
    WORDS,
    count_words,
    duration_text,
    metric_value,
    plural,
)
from presence_coach.voice.stats import LONG_PAUSE_MIN_S

MAX_REFLECTIONS = 5


CHANGE_NOTABLE = 0.15  # relative change vs previous sessions worth a sentence


HALF_SHIFT_NOTABLE = 0.10  # change in camera-gaze share between halves worth a sentence


LONG_MONOLOGUE_S = 90.0  # a stretch of speech this long gets a sentence


def _speaking_reflection(summary: Mapping[str, Any]) -> list[str]:
    """A sentence on a speaking share that is low or high (of the microphone's time)."""
    out: list[str] = []
    speaking = metric_value(summary, "speaking_fraction")
    mic_gap = any(g["device"] == "microphone" for g in summary.get("device_gaps", []))
    of = "the time the microphone heard you" if mic_gap else "the session"
    if speaking is not None:
        if speaking <= 0.35:
            out.append(
                f"You spoke for about {speaking:.0%} of {of} and left most of the "
                "space to your client."
            )
        elif speaking >= 0.6:
            out.append(
                f"Your voice filled about {speaking:.0%} of {of}; sessions with more "
                "explaining or guiding often look like this."
            )
    return out


def reflections(
    summary: Mapping[str, Any], *, previous: Mapping[str, Any] | None = None
) -> list[str]:
    """A few sentences about the session, chosen by simple rules from its numbers.

    Descriptive and kind: they say what happened and, at most, why it can matter; they never
    grade. ``previous`` is :func:`previous_medians` output for comparisons.
    """
    out: list[str] = []
    long_pauses = metric_value(summary, "pauses_long")
    secs = f"{count_words(round(LONG_PAUSE_MIN_S))} seconds"
    if long_pauses and long_pauses < len(WORDS):
        out.append(
            f"You held {plural(long_pauses, 'silence')} longer than {secs}; "
            "silence can give a client room."
        )
    elif long_pauses:
        per_min = long_pauses * 60.0 / max(float(metric_value(summary, "duration_s") or 0.0), 1.0)
        out.append(
            f"You let {long_pauses} silences run longer than {secs} (about {per_min:.1f} a "
            "minute); silence can give a client room."
        )
    nods, listening = metric_value(summary, "nods"), metric_value(summary, "listening_nods")
    if nods and listening:
        of = "About " if approximate(summary, "nods") else ""
        out.append(
            f"{of}{listening} of your {nods} nods came while you were listening, a quiet way of "
            "showing you are following."
            if listening < nods
            else f"All {plural(nods, 'nod')} came while you were listening, a quiet way of "
            "showing you are following."
        )
    halves = summary.get("halves", {}).get("gaze_camera_fraction", [None, None])
    if None not in halves:
        first, second = halves
        if second - first >= HALF_SHIFT_NOTABLE:
            out.append(
                f"Your eye contact was steadier in the second half: you looked into the lens "
                f"{second:.0%} of the time, from {first:.0%} in the first half."
            )
        elif first - second >= HALF_SHIFT_NOTABLE:
            out.append(
                f"In the second half your gaze rested less on the lens ({second:.0%}, from "
                f"{first:.0%}); often that means you were watching the client closely on "
                "screen."
            )
    out += _speaking_reflection(summary)
    longest = metric_value(summary, "longest_speech_s")
    if longest is not None and longest >= LONG_MONOLOGUE_S:
        out.append(
            f"Your longest stretch of speaking ran {duration_text(longest)} without a pause; "
            "the timeline shows where it was, if you want to look back at that moment."
        )
    rate, prev_rate = metric_value(summary, "articulation_rate_syl_per_s"), None
    if previous and previous.get("enough"):
        prev_rate = previous["medians"].get("articulation_rate_syl_per_s")
    if rate and prev_rate and abs(rate - prev_rate) / prev_rate >= CHANGE_NOTABLE:
        word = "slower" if rate < prev_rate else "quicker"
        out.append(
            f"You spoke a little {word} than in your earlier sessions ({rate:.1f} syllables "
            f"a second, usually {prev_rate:.1f})."
        )
    smiles = metric_value(summary, "smiles")
    if smiles:
        out.append(f"The camera caught you smiling {plural(smiles, 'time')}.")
    face = metric_value(summary, "face_present_fraction")
    if face is not None and FACE_IN_VIEW_MIN <= face < 0.8:  # below: a doubt says it
        out.append(
            f"The camera saw your face {face:.0%} of the time, so the face and gaze numbers "
            "describe that part of the session."
        )
    if not out:
        out.append(
            "A quiet session in the numbers; your own notes may say more about it than they do."
        )
    return out[:MAX_REFLECTIONS]
