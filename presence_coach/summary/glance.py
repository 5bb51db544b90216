"""The report's "at a glance" cards: a few numbers in plain words and everyday units, each
with the person's own typical range (issue 14). Pure: from one summary and "your usual"
(:func:`presence_coach.summary.history.previous_medians`).

``cards(summary, usual)`` gives ``[{"key", "title", "text", "usual"}, ...]``; ``key`` is the
metric the card shows (the report marks it when a doubt affects it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from presence_coach.summary.certainty import approximate
from presence_coach.summary.conversation import balance_sentence
from presence_coach.summary.history import USUAL_MIN_S, USUAL_MIN_SESSIONS
from presence_coach.voice.rate import SYLLABLES_PER_WORD

# the pace in words (syllables per second of speaking time; most people talk at about 4-5)
PACE_WORDS = ((3.5, "an unhurried pace"), (5.0, "an everyday pace"), (99.0, "a quick pace"))


def _value(summary: Mapping[str, Any], key: str) -> Any:
    return summary["metrics"][key]["value"]


def _wpm(syl_per_s: float) -> float:
    return 60.0 * syl_per_s / SYLLABLES_PER_WORD


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _n(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _secs(x: float) -> str:
    s = round(x)
    return f"{s} s" if s < 60 else f"{s // 60} min {s % 60} s" if s % 60 else f"{s // 60} min"


def usual_note(usual: Mapping[str, Any] | None) -> str:
    """The one line under the cards while there is not enough of "your usual" ("" once there
    is)."""
    if usual and usual.get("enough"):
        return ""
    n = (usual or {}).get("sessions", 0)
    which = (
        "earlier sessions"
        if (usual or {}).get("usual") == "all"
        else f"earlier live sessions of {USUAL_MIN_S / 60:.0f} minutes or more"
    )
    return (
        f"Not enough sessions yet for your usual: it needs {USUAL_MIN_SESSIONS} {which} "
        f"({n} so far)."
    )


def usual_text(usual: Mapping[str, Any] | None, key: str, fmt: Callable[[float], str]) -> str:
    """ "Your usual: 150 to 170" (the middle half of the sessions that count); "" without
    enough sessions (:func:`usual_note` says so once)."""
    if not usual or not usual.get("enough"):
        return ""
    rng = usual["ranges"].get(key)
    if rng is None:
        return "Your usual: not measured in your earlier sessions."
    lo, hi = fmt(rng[0]), fmt(rng[1])
    return f"Your usual: {lo}" if lo == hi else f"Your usual: {lo} to {hi}"


def _voice_cards(summary: Mapping[str, Any], usual: Mapping[str, Any] | None) -> list[dict]:
    out = []
    rate = _value(summary, "articulation_rate_syl_per_s")
    if rate is not None:
        words = next(w for lim, w in PACE_WORDS if rate < lim)
        out.append(
            {
                "key": "articulation_rate_syl_per_s",
                "title": "Pace",
                "text": f"About {_wpm(rate):.0f} words a minute while you spoke: {words}.",
                "usual": usual_text(
                    usual, "articulation_rate_syl_per_s", lambda v: f"{_wpm(v):.0f}"
                ),
            }
        )
    share = _value(summary, "speaking_fraction")
    if share is not None and not summary.get("conversation"):
        out.append(
            {
                "key": "speaking_fraction",
                "title": "Speaking share",
                "text": f"You spoke for about {_pct(share)} of the session.",
                "usual": usual_text(usual, "speaking_fraction", _pct),
            }
        )
    longest = _value(summary, "longest_speech_s")
    if longest is not None:
        out.append(
            {
                "key": "longest_speech_s",
                "title": "Longest stretch of speaking",
                "text": f"Your longest stretch of speaking ran {_secs(longest)} without a pause.",
                "usual": usual_text(usual, "longest_speech_s", _secs),
            }
        )
    silences = _value(summary, "pauses_long")
    if silences is not None:
        longest_s = _value(summary, "pause_longest_s")
        more = f" (the longest {_secs(longest_s)})" if silences and longest_s else ""
        out.append(
            {
                "key": "pauses_long",
                "title": "Silences of 3 s or more",
                "text": (
                    f"You let {_n(silences, 'silence')} run past three seconds{more}."
                    if silences
                    else "No silence ran past three seconds."
                ),
                "usual": usual_text(usual, "pauses_long", lambda v: f"{v:.0f}"),
            }
        )
    return out


def _face_cards(summary: Mapping[str, Any], usual: Mapping[str, Any] | None) -> list[dict]:
    out = []
    nods, listening = _value(summary, "nods"), _value(summary, "listening_nods")
    if nods is not None:
        about = "about " if approximate(summary, "nods") else ""
        if nods == 0:
            text = "The camera saw no nods."
        elif listening is None:
            text = f"The camera saw {about}{_n(nods, 'nod')}."
        elif listening == 0:
            text = f"None of the {_n(nods, 'nod')} the camera saw came while you listened."
        elif listening == nods:
            every = "all " if nods > 1 else ""
            text = f"The camera saw {about}{_n(nods, 'nod')}, {every}while you listened."
        else:
            text = f"The camera saw {about}{_n(listening, 'listening nod')} (of {nods} nods)."
        out.append(
            {
                "key": "listening_nods",
                "title": "Listening nods",
                "text": text,
                "usual": usual_text(usual, "listening_nods", lambda v: f"{v:.0f}"),
            }
        )
    lens = _value(summary, "gaze_camera_fraction")
    if lens is not None:
        out.append(
            {
                "key": "gaze_camera_fraction",
                "title": "Looking at the camera",
                "text": f"You looked into the lens about {_pct(lens)} of the time your face "
                "was in view.",
                "usual": usual_text(usual, "gaze_camera_fraction", _pct),
            }
        )
    return out


def cards(summary: Mapping[str, Any], usual: Mapping[str, Any] | None) -> list[dict]:
    """The cards of one session (see the module docstring): voice, the talk balance (with
    call audio), then face."""
    out = _voice_cards(summary, usual) if summary.get("has_voice") else []
    conv = summary.get("conversation")
    if conv:  # the talk balance replaces the speaking share (which may include the client)
        text = balance_sentence(conv)
        out.insert(1 if out else 0, {"key": "talk_share_you", "title": "Talk balance",
                                     "text": text, "usual": ""})  # fmt: skip
    return out + (_face_cards(summary, usual) if summary.get("has_video") else [])
