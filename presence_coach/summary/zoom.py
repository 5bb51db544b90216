"""The zoomable timeline of a long session (issue 14): the overview, and under it one detail
window at a time (a few minutes at one-second resolution), picked with radio buttons.

No script at all: the windows are drawn up front from ``summary["timeline_detail"]`` and CSS
(``:checked``) shows the picked one and outlines it on the overview, so the page keeps its
Content-Security-Policy and fetches nothing. Drawing only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from presence_coach.summary.gaps import clock
from presence_coach.summary.plots import timeline_svg

MAX_WINDOWS = 12  # at most this many detail windows
WINDOW_STEP_S = 300.0  # window lengths are whole multiples of five minutes
POINT_KEYS = ("nods", "shakes", "pitch")  # [t_s, ...] items; every other list is spans


def window_s(duration_s: float) -> float:
    """The detail window's length: five minutes, or more so there are at most
    :data:`MAX_WINDOWS`."""
    return WINDOW_STEP_S * max(1, math.ceil(duration_s / MAX_WINDOWS / WINDOW_STEP_S))


def cut(tl: Mapping[str, Any], t0: float, t1: float) -> dict[str, Any]:
    """The items of a timeline picture that fall in ``[t0, t1]`` (spans overlapping it,
    points inside it); scalars are kept."""
    out: dict[str, Any] = {}
    for key, value in tl.items():
        if not isinstance(value, list) or not value or not isinstance(value[0], list):
            out[key] = value  # a scalar, or one span (longest_speech)
        elif key in POINT_KEYS:
            out[key] = [p for p in value if t0 <= p[0] <= t1]
        else:
            out[key] = [s for s in value if s[1] >= t0 and s[0] <= t1]
    return out


def _style(n: int) -> str:
    """The CSS that shows the picked window (inline style: the page's CSP allows it)."""
    rules = [
        f"#zoom-{i}:checked ~ .zoom-windows .zw-{i} {{ display: block; }}"
        f" #zoom-{i}:checked ~ .scroll-x .win-{i} {{ fill: #f0b000; fill-opacity: 0.18;"
        f" stroke: #a35f00; }}"
        f" #zoom-{i}:checked ~ .zoom-picker label[for=zoom-{i}] {{ background: #2f6f55;"
        " color: #fff; }"
        for i in range(n)
    ]
    return "<style>" + "\n".join(rules) + "</style>"


def zoom_html(summary: Mapping[str, Any], *, voice: bool, camera: bool) -> str:
    """The timeline: the overview alone for a short session; with a detail picture, the
    overview with its windows marked, the window picker and the detail windows."""
    tl, detail = summary["timeline"], summary.get("timeline_detail")
    moments = summary.get("moments") or []
    if not detail:
        svg = timeline_svg(tl, voice=voice, camera=camera, moments=moments)
        return f'<div class="scroll-x">{svg}</div>'
    dur = float(tl["duration_s"])
    step = window_s(dur)
    spans = [(i * step, min((i + 1) * step, dur)) for i in range(math.ceil(dur / step))]
    radios = "".join(
        f'<input type="radio" name="zoom" id="zoom-{i}" class="zoom-radio"'
        f"{' checked' if i == 0 else ''}>"
        for i in range(len(spans))
    )
    marks = [(a, b, f"win win-{i}") for i, (a, b) in enumerate(spans)]
    overview = timeline_svg(tl, voice=voice, camera=camera, marks=marks, moments=moments)
    picker = "".join(f'<label for="zoom-{i}">{clock(a)}</label>' for i, (a, _) in enumerate(spans))
    windows = "".join(
        f'<div class="zw zw-{i}">'
        + timeline_svg(
            cut(detail, a, b), voice=voice, camera=camera, window=(a, b), moments=moments
        )
        + "</div>"
        for i, (a, b) in enumerate(spans)
    )
    return (
        _style(len(spans))
        + f'<div class="zoom">{radios}<div class="scroll-x">{overview}</div>'
        + f'<p class="zoom-picker">Look closer, {step / 60:.0f} minutes from: {picker}</p>'
        + f'<div class="zoom-windows scroll-x">{windows}</div></div>'
    )
