"""The frame of the day view and the supervision page: one self-contained HTML page (inline
style, CSP, nothing fetched) in the report's look, and the plain words both pages share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from html import escape
from importlib import resources
from string import Template
from typing import Any

from presence_coach.summary.doubts import doubts, marks
from presence_coach.summary.glance import cards
from presence_coach.summary.sections import doubts_html, mark
from presence_coach.summary.words import format_value


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


# the report's "at a glance" cards these pages show (same words, one name per idea)
GLANCE_KEYS = (
    "articulation_rate_syl_per_s",
    "speaking_fraction",
    "talk_share_you",
    "pauses_long",
    "listening_nods",
)


def plain_numbers(summary: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """A session's few numbers in the report's everyday words: ``[(metric key, name,
    words)]`` (pace, voice variety, speaking share or talk balance, silences, listening nods);
    never a grade."""
    found = {c["key"]: c for c in cards(summary, None)}
    out = [(k, found[k]["title"], found[k]["text"]) for k in GLANCE_KEYS if k in found]
    if summary["has_voice"]:
        pitch = summary["metrics"]["f0_range_st"]["value"]
        words = (
            "Not measured (too little voiced speech)."
            if pitch is None
            else f"Your pitch moved over about {pitch:.0f} semitones."
        )
        out.insert(1 if out else 0, ("f0_range_st", "Voice variety", words))
    else:
        out.append(("", "Voice", "No microphone data in this session."))
    if not summary["has_video"]:
        out.append(("", "Nods", "No camera data in this session."))
    return out


def numbers_html(summary: Mapping[str, Any], *, tag: str = "dl") -> str:
    """:func:`plain_numbers` as HTML (``dl``: name over words; ``div``: a grid of lines), each
    number marked with the doubts (:mod:`presence_coach.summary.doubts`) that affect it, and
    those doubts after them."""
    found = doubts(summary)
    where = marks(found)
    rows = [(escape(name) + mark(key, where), escape(words))
            for key, name, words in plain_numbers(summary)]  # fmt: skip
    if tag == "dl":
        body = "".join(f"<dt>{n}</dt><dd>{w}</dd>" for n, w in rows)
        return f"<dl>{body}</dl>{doubts_html(found)}"
    body = "".join(f"<div><strong>{n}:</strong> {w}</div>" for n, w in rows)
    return f'<div class="numbers">{body}</div>{doubts_html(found)}'
