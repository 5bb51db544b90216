"""The frame of the day view and the supervision page: one self-contained HTML page (inline
style, CSP, nothing fetched) in the report's look, and the plain words both pages share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from importlib import resources
from string import Template
from typing import Any

from presence_coach.summary.certainty import about, approximate
from presence_coach.summary.report import format_value

MAX_PLAUSIBLE_SHARE = 0.9  # speaking more of a session than this: other voices were heard
MAX_PITCH_RANGE_ST = 24.0  # two octaves: a wider "range" is music or more than one voice


def render_shell(title: str, content: str, script: str = "") -> str:
    """A whole page around ``content`` (HTML, already escaped); ``script``: inline JS or ""."""
    template = Template(
        resources.files("presence_coach.summary")
        .joinpath("templates/private_page.html")
        .read_text()
    )
    return template.substitute(
        title=title, content=content, script=f"<script>{script}</script>" if script else ""
    )


def local_time(iso: str) -> dt.datetime:
    """A stored UTC timestamp in the computer's time zone."""
    t = dt.datetime.fromisoformat(iso)
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).astimezone()


def day_words(day: dt.date) -> str:
    """``Monday 30 November 2026``."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def length_words(seconds: float | None) -> str:
    """``48 min``, ``1 h 05 min``, ``35 s``; ``-`` when unknown."""
    return format_value(seconds, "s") if seconds is not None else "-"


def clock(seconds: float) -> str:
    """A time into a session: ``12:05`` or ``1:02:05``."""
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def _value(summary: Mapping[str, Any], key: str) -> Any:
    return summary["metrics"][key]["value"]


def plain_numbers(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A session's few numbers in everyday words: ``[(name, words)]``; never a grade."""
    out: list[tuple[str, str]] = []
    if summary["has_voice"]:
        wpm, share = _value(summary, "words_per_min_approx"), _value(summary, "speaking_fraction")
        if wpm is not None:
            out.append(("Pace", f"about {wpm:.0f} words a minute while speaking"))
        if share is not None:
            out.append(("Speaking share", _share_words(share)))
        out.append(("Voice variety", _pitch_words(_value(summary, "f0_range_st"))))
        silences = _value(summary, "pauses_long")
        if silences is not None:
            n = "none" if silences == 0 else f"{silences}"
            out.append(("Long silences", f"{n} of three seconds or more"))
    else:
        out.append(("Voice", "no microphone data in this session"))
    if summary["has_video"]:
        shown = about(format_value(_value(summary, "listening_nods"), "count"),
                      approximate(summary, "listening_nods"))  # fmt: skip
        out.append(("Listening nods", f"{shown} while you were quiet"))
    else:
        out.append(("Nods", "no camera data in this session"))
    return out


def _share_words(share: float) -> str:
    words = f"you spoke for about {share:.0%} of the session"
    if share > MAX_PLAUSIBLE_SHARE:
        words += " (more than anyone speaks in a conversation: other voices may have been heard)"
    return words


def _pitch_words(range_st: float | None) -> str:
    if range_st is None:
        return "not measured (too little voiced speech)"
    if range_st > MAX_PITCH_RANGE_ST:
        return "not shown: the pitch spread is wider than one voice has (music or other voices?)"
    return f"your pitch moved over about {range_st:.0f} semitones"
