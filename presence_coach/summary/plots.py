"""Inline SVG plots for the report (drawing only; the numbers come from ``summary.session``).

Plain strings, no plotting library: the page must open offline and the drawing must stay fast
for a two-hour session (the timeline arrives already binned).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from presence_coach.summary.gaps import clock

# Okabe-Ito colours (distinguishable with the common colour-vision differences)
COLOURS = {
    "speaking": "#009E73",
    "long_pause": "#D55E00",
    "listening_nod": "#CC79A7",
    "speaking_nod": "#444444",
    "shake": "#000000",
    "camera": "#0072B2",
    "screen": "#56B4E9",
    "away": "#E69F00",
    "unknown": "#C8C8C8",
    "none": "#EEEEEE",
    "pitch": "#333333",
    "bar": "#0072B2",
    "axis": "#555555",
    "grid": "#DDDDDD",
    "gap": "#777777",
    "client": "#8C6BB1",
    "moment": "#333333",
    "overlap": "#B2182B",
}
# a device gap: grey hatching over the lanes of the missing signal (SVG pattern; CSS swatch)
GAP_PATTERN = (
    '<defs><pattern id="gap-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#FFFFFF"/>'
    f'<rect width="2.5" height="6" fill="{COLOURS["gap"]}"/></pattern></defs>'
)
GAP_SWATCH_CSS = f"repeating-linear-gradient(45deg, {COLOURS['gap']} 0 2px, #FFFFFF 2px 5px)"
GAP_LANES = {"microphone": ("Speaking", "You", "Pitch"), "camera": ("Nods", "Gaze")}
GAP_WHAT = {"camera": "camera gave no picture", "microphone": "microphone gave no sound"}
GAZE_LABELS = {
    "camera": "at the camera",
    "screen": "at the screen",
    "away": "away",
    "unknown": "eyes unreadable",
    "none": "no face in view",
}
TIMELINE_W = 1000  # viewBox width of the timeline
LABEL_W = 120  # left margin for lane labels
LANE_H = 34


def _tick_step_s(duration_s: float) -> float:
    for step in (10, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if duration_s / step <= 10:
            return float(step)
    return 7200.0


def _f(x: float) -> str:
    return f"{x:.1f}"


def timeline_lanes(tl: Mapping[str, Any], *, voice: bool = True, camera: bool = True) -> list:
    """The lane names :func:`timeline_svg` draws: "Speaking" (or "You" and "Client" with the
    call audio's lanes in ``tl``) and "Pitch" with a voice, "Nods" and "Gaze" with a camera;
    a session without a camera draws no camera lanes."""
    lanes = []
    if voice or "client_speaking" in tl:
        lanes += ["You", "Client"] if "client_speaking" in tl else ["Speaking"]
    if camera:
        lanes += ["Nods", "Gaze"]
    if voice:
        lanes.append("Pitch")
    return lanes


def timeline_svg(
    tl: Mapping[str, Any],
    *,
    voice: bool = True,
    camera: bool = True,
    window: tuple[float, float] | None = None,
    marks: Sequence[tuple[float, float, str]] = (),
    moments: Sequence[Mapping[str, Any]] = (),
) -> str:
    """The session timeline: speaking and long silences (and the client's speech with the
    call audio), nods and shakes, gaze, pitch; lanes as :func:`timeline_lanes`.

    ``window``: draw only ``(start_s, end_s)`` (``tl`` already cut to it,
    :func:`presence_coach.summary.zoom.cut`); ``marks``: ``(start_s, end_s, css_class)``
    boxes over the lanes (the zoom's windows on the overview); ``moments``: the moments to
    revisit (``summary["moments"]``), numbered above the lanes as in their list."""
    t0, t1 = window or (0.0, float(tl["duration_s"]))
    dur = max(t1 - t0, 1e-6)
    plot_w = TIMELINE_W - LABEL_W - 28  # room for the last time label

    def x(t: float) -> float:
        return LABEL_W + plot_w * (min(max(t, t0), t1) - t0) / dur

    lanes = timeline_lanes(tl, voice=voice, camera=camera)
    top = 24 if moments else 8
    h = top + LANE_H * len(lanes) + 30 + 24
    parts: list[str] = _moment_marks(moments, x, (t0, t1), top=top, n_lanes=len(lanes))
    for i, name in enumerate(lanes):
        y = top + i * LANE_H
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + LANE_H / 2 + 5:.0f}" text-anchor="end" '
            f'class="lane">{name}</text>'
        )
        parts.append(
            f'<rect x="{LABEL_W}" y="{y + 4}" width="{plot_w}" height="{LANE_H - 8}" '
            f'fill="#FAFAFA" stroke="{COLOURS["grid"]}"/>'
        )
        parts += LANE_DRAW[name](tl, x, y)
    parts += gap_marks(tl.get("gaps", []), x, top=top, lanes=lanes)
    parts += _time_axis(x, (t0, t1), top=top, ya=top + len(lanes) * LANE_H + 4)
    parts += [
        f'<rect class="{c}" x="{_f(x(a))}" y="{top}" width="{_f(x(b) - x(a))}" '
        f'height="{LANE_H * len(lanes)}"/>'
        for a, b, c in marks
    ]
    desc = _timeline_desc(tl, dur)
    if window:
        desc = f"From {clock(t0)} to {clock(t1)}. " + desc
    return _svg(TIMELINE_W, h, "Session timeline", desc, parts, "timeline")


def _moment_marks(
    moments: Sequence[Mapping[str, Any]],
    x: Callable[[float], float],
    span: tuple[float, float],
    *,
    top: float,
    n_lanes: int,
) -> list[str]:
    """Each moment inside ``span`` as a dashed box over the lanes with its number above."""
    parts = []
    for i, m in enumerate(moments, start=1):
        a, b = m["start_s"], m["end_s"]
        if b < span[0] or a > span[1]:
            continue
        xa, xb = x(a), max(x(b), x(a) + 2.0)
        parts.append(
            f'<rect class="moment" x="{_f(xa)}" y="{top}" width="{_f(xb - xa)}" '
            f'height="{LANE_H * n_lanes}" fill="none" stroke="{COLOURS["moment"]}" '
            f'stroke-dasharray="3 2"><title>moment {i}: {escape(m["title"])}</title></rect>'
            f'<text x="{_f((xa + xb) / 2)}" y="{top - 6}" text-anchor="middle" class="small '
            f'moment-n">{i}</text>'
        )
    return parts


def _runs(spans: list, x: Callable[[float], float], y: float, colour: str, inset: int) -> list:
    return [
        f'<rect x="{_f(x(a))}" y="{y + inset}" width="{_f(max(x(b) - x(a), 0.6))}" '
        f'height="{LANE_H - 2 * inset}" fill="{colour}"/>'
        for a, b in spans
    ]


def _speaking_lane(tl: Mapping[str, Any], x: Callable[[float], float], y: float) -> list:
    """Your speech (the call's "you" lane when there is one) and the long silences."""
    spans = tl.get("you_speaking_call", tl.get("speaking", []))
    parts = _runs(spans, x, y, COLOURS["speaking"], 6)
    for a, b in tl.get("long_pauses", []):
        w = max(x(b) - x(a), 1.5)
        parts.append(
            f'<rect x="{_f(x(a))}" y="{y + 12}" width="{_f(w)}" height="{LANE_H - 24}" '
            f'fill="{COLOURS["long_pause"]}"><title>silence of {b - a:.1f} s at {clock(a)}'
            "</title></rect>"
        )
    return parts


def _client_lane(tl: Mapping[str, Any], x: Callable[[float], float], y: float) -> list:
    """The client's speech and the times you both spoke."""
    parts = _runs(tl.get("client_speaking", []), x, y, COLOURS["client"], 6)
    for a, b in tl.get("overlaps", []):
        parts.append(
            f'<rect x="{_f(x(a))}" y="{y + 4}" width="{_f(max(x(b) - x(a), 1.5))}" '
            f'height="{LANE_H - 8}" fill="{COLOURS["overlap"]}"><title>you both spoke for '
            f"{b - a:.1f} s at {clock(a)}</title></rect>"
        )
    return parts


def _nods_lane(tl: Mapping[str, Any], x: Callable[[float], float], y1: float) -> list:
    """Nods (listening ones up, the others down) and shakes (dots)."""
    parts = []
    for t, listening in tl.get("nods", []):
        colour = COLOURS["listening_nod"] if listening else COLOURS["speaking_nod"]
        ya, yb = (y1 + 6, y1 + LANE_H / 2) if listening else (y1 + LANE_H / 2, y1 + LANE_H - 6)
        parts.append(
            f'<line x1="{_f(x(t))}" x2="{_f(x(t))}" y1="{ya:.0f}" y2="{yb:.0f}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
    for t, _ in tl.get("shakes", []):
        parts.append(
            f'<circle cx="{_f(x(t))}" cy="{y1 + LANE_H / 2:.0f}" r="3" fill="{COLOURS["shake"]}"/>'
        )
    return parts


def _gaze_lane(tl: Mapping[str, Any], x: Callable[[float], float], y: float) -> list:
    return [
        f'<rect x="{_f(x(a))}" y="{y + 6}" width="{_f(max(x(b) - x(a), 0.5))}" '
        f'height="{LANE_H - 12}" fill="{COLOURS.get(state, COLOURS["unknown"])}"/>'
        for a, b, state in tl.get("gaze", [])
    ]


def _pitch_lane(tl: Mapping[str, Any], x: Callable[[float], float], y: float) -> list:
    return _pitch_line(tl.get("pitch", []), x, y3=y, slot_s=tl.get("slot_s"))


LANE_DRAW = {
    "Speaking": _speaking_lane,
    "You": _speaking_lane,
    "Client": _client_lane,
    "Nods": _nods_lane,
    "Gaze": _gaze_lane,
    "Pitch": _pitch_lane,
}


def _pitch_line(
    pitch: list, x: Callable[[float], float], *, y3: float, slot_s: float | None
) -> list[str]:
    """The pitch lane of :func:`timeline_svg`: a line broken where no voiced speech was
    heard for a while, and its range in Hz."""
    parts: list[str] = []
    if not pitch:
        return parts
    f0 = [p[1] for p in pitch]
    lo, hi = min(f0), max(f0)
    if hi - lo < 1e-6:
        lo, hi = lo - 1, hi + 1
    gap_s = max(5 * float(slot_s or 1.0), 3.0)
    paths: list[str] = []
    prev_t = -math.inf
    for t, v in pitch:
        yy = y3 + LANE_H - 6 - (LANE_H - 12) * math.log(v / lo) / math.log(hi / lo)
        paths.append(f"{'M' if t - prev_t > gap_s else 'L'}{_f(x(t))} {yy:.1f}")
        prev_t = t
    parts.append(
        f'<path d="{" ".join(paths)}" fill="none" stroke="{COLOURS["pitch"]}" stroke-width="1.2"/>'
    )
    parts.append(
        f'<text x="{LABEL_W - 8}" y="{y3 + LANE_H + 2}" text-anchor="end" class="small">'
        f"{lo:.0f}-{hi:.0f} Hz</text>"
    )
    return parts


def _time_axis(
    x: Callable[[float], float], span: tuple[float, float], *, top: float, ya: float
) -> list[str]:
    """The time ticks and labels (minutes:seconds) under :func:`timeline_svg`, over
    ``span`` = (start_s, end_s)."""
    parts: list[str] = []
    step = _tick_step_s(span[1] - span[0])
    k = math.ceil(span[0] / step - 1e-9)
    while k * step <= span[1] + 1e-6:
        t = k * step
        parts.append(
            f'<line x1="{_f(x(t))}" x2="{_f(x(t))}" y1="{top}" y2="{ya}" '
            f'stroke="{COLOURS["grid"]}"/>'
            f'<text x="{_f(x(t))}" y="{ya + 16}" text-anchor="middle" class="small">'
            f"{clock(t)}</text>"
        )
        k += 1
    parts.append(
        f'<text x="{LABEL_W}" y="{ya + 40}" class="small">time since the session started '
        "(minutes:seconds)</text>"
    )
    return parts


def _timeline_desc(tl: Mapping[str, Any], dur: float) -> str:
    """The timeline in words (the SVG's description, read by screen readers)."""
    return (
        f"Timeline of the {clock(dur)} session: {len(tl.get('speaking', []))} stretches of "
        f"speech, {len(tl.get('long_pauses', []))} silences of 3 s or more, "
        f"{len(tl.get('nods', []))} nods, gaze state and pitch over time"
        + "".join(
            f"; the {GAP_WHAT[d]} from {clock(a)} to {clock(b)}" for a, b, d in tl.get("gaps", [])
        )
        + "."
    )


def gap_marks(
    gaps: Sequence[Sequence[Any]],
    x: Callable[[float], float],
    *,
    top: float,
    lanes: Sequence[str] = ("Speaking", "Nods", "Gaze", "Pitch"),
) -> list[str]:
    """Hatched boxes over the lanes of a signal that was missing: ``gaps`` are
    ``[start_s, end_s, device]``, ``x`` maps a time to the plot's x, ``top`` is the first
    lane's top, ``lanes`` the lane names from the top."""
    if not gaps:
        return []
    parts = [GAP_PATTERN]
    for a, b, device in gaps:
        for lane in [i for i, n in enumerate(lanes) if n in GAP_LANES.get(device, ())]:
            y = top + lane * LANE_H + 4
            parts.append(
                f'<rect class="gap" x="{_f(x(a))}" y="{y}" width="{_f(max(x(b) - x(a), 1.5))}" '
                f'height="{LANE_H - 8}" fill="url(#gap-hatch)" fill-opacity="0.8">'
                f"<title>the {GAP_WHAT.get(device, device)} from {clock(a)} to {clock(b)}"
                "</title></rect>"
            )
    return parts


def legend_html(
    *, with_gaps: bool = False, lanes: Sequence[str] = ("Speaking", "Nods", "Gaze", "Pitch")
) -> str:
    """The timeline's legend as real text (HTML, readable by screen readers) for the drawn
    ``lanes``; ``with_gaps`` adds the hatching of a device gap."""
    items = []
    if "Speaking" in lanes or "You" in lanes:
        items += [("speaking", "you were speaking"), ("long_pause", "silence of 3 s or more")]
    if "Client" in lanes:
        items += [("client", "the client was speaking"), ("overlap", "you both spoke")]
    if "Nods" in lanes:
        items += [
            ("listening_nod", "nod while listening (upper half)"),
            ("speaking_nod", "nod while speaking (lower half)"),
            ("shake", "head shake (dot)"),
        ]
        items += [(s, f"gaze {label}") for s, label in GAZE_LABELS.items()]
    if with_gaps:
        items.append(("gap", "camera or microphone gave nothing (hatched)"))
    swatch = {k: COLOURS[k] for k, _ in items} | {"gap": GAP_SWATCH_CSS}
    return "".join(
        f'<span class="key"><span class="swatch" style="background:{swatch[k]}"></span>'
        f"{escape(text)}</span>"
        for k, text in items
    )


def bars_svg(
    values: Sequence[float | None],
    *,
    title: str,
    unit_label: str,
    as_percent: bool = False,
    integer: bool = False,
    width: int = 460,
    height: int = 170,
) -> str:
    """Per-minute bars with a labelled axis; ``None`` values leave a gap ("no data").
    ``integer``: counts (whole-number axis)."""
    left, bottom, top, right = 44, 34, 12, 8
    plot_w, plot_h = width - left - right, height - top - bottom
    finite = [v for v in values if v is not None]
    vmax = 1.0 if as_percent else nice_ceiling(max(finite, default=0.0), integer=integer)
    n = max(len(values), 1)
    bw = plot_w / n
    parts = [
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="{COLOURS["axis"]}"/>'
    ]
    for frac in (0.5, 1.0):
        if integer and not float(vmax * frac).is_integer():
            continue
        yy = top + plot_h * (1 - frac)
        label = f"{frac:.0%}" if as_percent else _num_label(vmax * frac)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{yy:.1f}" y2="{yy:.1f}" '
            f'stroke="{COLOURS["grid"]}"/><text x="{left - 4}" y="{yy + 4:.1f}" '
            f'text-anchor="end" class="small">{label}</text>'
        )
    for i, v in enumerate(values):
        if v is None:
            continue
        bh = plot_h * v / vmax
        shown = f"{v:.0%}" if as_percent else _num_label(v)
        parts.append(
            f'<rect x="{left + i * bw + bw * 0.12:.1f}" y="{top + plot_h - bh:.1f}" '
            f'width="{max(bw * 0.76, 0.8):.1f}" height="{bh:.1f}" fill="{COLOURS["bar"]}">'
            f"<title>minute {i + 1}: {shown}</title></rect>"
        )
    step = max(1, math.ceil(n / 12))
    for i in range(0, n, step):
        parts.append(
            f'<text x="{left + (i + 0.5) * bw:.1f}" y="{top + plot_h + 14}" '
            f'text-anchor="middle" class="small">{i + 1}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 4}" text-anchor="middle" '
        f'class="small">minute of the session · {escape(unit_label)}</text>'
    )
    if not finite or not any(finite):
        note = "no data for this session" if not finite else "none in this session"
        parts.append(
            f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h / 2:.0f}" '
            f'text-anchor="middle" class="small">{note}</text>'
        )
    shown = ", ".join(
        "no data" if v is None else (f"{v:.0%}" if as_percent else _num_label(v))
        for v in values[:60]
    )
    return _svg(width, height, title, f"{title} per minute: {shown}", parts, "bars")


def nice_ceiling(value: float, *, integer: bool = False) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5, 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    if integer and value <= 10:
        return float(math.ceil(value)) + (math.ceil(value) % 2)  # even: a whole-number middle
    base = 10.0 ** math.floor(math.log10(value))
    return next(m * base for m in (1.0, 2.0, 2.5, 5.0, 10.0) if value <= m * base + 1e-12)


def _num_label(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 or abs(v) >= 10 else f"{v:.1f}"


def _svg(w: float, h: float, title: str, desc: str, parts: list[str], cls: str) -> str:
    return (
        f'<svg class="{cls}" viewBox="0 0 {w} {h:.0f}" role="img" '
        f'aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{''.join(parts)}</svg>"
    )
