"""Numbers in words for people: counts spelled out, durations, values with their units, and a
metric's value as the report, the terminal and the other pages show it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from presence_coach.summary.certainty import about, approximate

WORDS = (
    "no",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)


def count_words(n: int) -> str:
    return WORDS[n] if 0 <= n < len(WORDS) else str(n)


def plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{count_words(n)} {word if n == 1 else (plural or word + 's')}"


def duration_text(seconds: float) -> str:
    seconds = float(seconds)
    if seconds < 90:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    minutes = seconds / 60
    if minutes < 90:
        return f"{minutes:.0f} min"
    return f"{int(minutes // 60)} h {int(minutes % 60):02d} min"


def format_value(value: Any, unit: str) -> str:
    """A metric value in words and units for people (``-`` when not measured)."""
    if value is None:
        return "-"
    if unit == "fraction":
        return f"{value:.0%}"
    if unit == "count":
        return f"{int(value)}"
    if unit == "s":
        return duration_text(value)
    if unit in ("Hz", "words/min"):
        return f"{value:.0f} {unit}"
    return f"{value:.1f} {unit}" if abs(value) < 100 else f"{value:.0f} {unit}"


def metric_value(summary: Mapping[str, Any], key: str) -> Any:
    return summary["metrics"][key]["value"]


def shown(summary: Mapping[str, Any], key: str) -> str:
    """A metric's value as shown: "about 12" for a count the session is unsure of."""
    m = summary["metrics"][key]
    return about(format_value(m["value"], m["unit"]), approximate(summary, key))
