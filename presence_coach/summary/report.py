"""The post-session report: a self-contained HTML page (the terminal's summary is
:func:`presence_coach.summary.terminal.render_terminal`).

Drawing only: every number comes from :func:`presence_coach.summary.session.session_summary`
(and, for comparisons, :func:`presence_coach.summary.history.history`). The page inlines its
plots (SVG), style and the one small script (copy a note command); it fetches nothing.

Reflections are picked by simple rules from the numbers
(:func:`presence_coach.summary.reflections.reflections`): specific, descriptive and kind; never
a grade or a judgement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from html import escape
from importlib import resources
from string import Template
from typing import Any

from presence_coach.summary.certainty import VISION_CAVEAT
from presence_coach.summary.definitions import METRICS
from presence_coach.summary.doubts import doubts, marks
from presence_coach.summary.gaps import gap_sentence
from presence_coach.summary.glance import cards, usual_note
from presence_coach.summary.history import previous_medians
from presence_coach.summary.plots import bars_svg, legend_html, timeline_lanes
from presence_coach.summary.reflections import reflections
from presence_coach.summary.sections import cards_html, doubts_html, mark, moments_html
from presence_coach.summary.words import duration_text, format_value, shown
from presence_coach.summary.zoom import zoom_html

GROUP_ORDER = ("Voice", "Pauses", "Head and face", "Gaze", "Session")


# ---- HTML --------------------------------------------------------------------------------


def _when(iso: str | None) -> str:
    if not iso:
        return ""
    t = dt.datetime.fromisoformat(iso)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone().strftime("%A %d %B %Y, %H:%M")


def _notices(summary: Mapping[str, Any], found: list[dict[str, Any]]) -> str:
    """The notices above the cards: a partial or recovered session, a missing signal, the
    numbers the session cannot vouch for (:func:`doubts`) and the run's own notes."""
    notes = []
    status = summary["session"]["status"]
    if summary["session"].get("saving"):
        notes.append(f"Saving failed during this session: {escape(summary['session']['saving'])}.")
    if summary["session"].get("partial"):
        notes.append(f"A partial session: {escape(summary['session']['partial'])}.")
    elif status in ("interrupted", "recovered"):
        notes.append(
            "This session ended unexpectedly and was recovered; the last second or so may be "
            "missing."
        )
    if not summary["has_video"]:
        notes.append("No camera data in this session: nods, gaze and smiles are not shown.")
    if not summary["has_voice"]:
        notes.append("No microphone data in this session: speech and pauses are not shown.")
    gap_words = {gap_sentence(g) for g in summary.get("device_gaps", [])}
    # the run's own notes (no microphone, a dark room, a file cut short, saving that caught up)
    notes += [escape(n) for n in summary.get("device_notes", []) if n not in gap_words]
    return "".join(f'<p class="notice">{n}</p>' for n in notes) + doubts_html(found)


def _measure_notes(summary: Mapping[str, Any]) -> str:
    """What the camera numbers can miss and whether gaze is calibrated (in the fold)."""
    notes = []
    if summary["has_video"]:
        notes.append(VISION_CAVEAT)
    if summary["has_video"] and not summary["calibration"]["calibrated"]:
        notes.append(
            "Gaze is an uncalibrated estimate (built-in defaults). Run "
            "<code>presence-coach calibrate</code> once for your camera to make the "
            "camera/screen/away split fit your set-up."
        )
    return "".join(f"<p>{n}</p>" for n in notes)


def _bars(summary: Mapping[str, Any]) -> str:
    pm = summary["per_minute"]
    specs = [
        ("speaking_fraction", "share of the minute you spoke", True),
        ("articulation_rate_syl_per_s", "syllables per second of speech", False),
        ("nods", "nods started in the minute", False),
        ("listening_nods", "nods while you were silent", False),
        ("eye_contacts", "moments started in the minute", False),
        ("gaze_camera_fraction", "share of face-in-view time", True),
    ]
    out = []
    counts = ("nods", "listening_nods", "eye_contacts")
    for key, unit, pct in specs:
        values = pm.get(key) or []
        if not any(v is not None for v in values):
            continue
        title = METRICS[key].label
        svg = bars_svg(values, title=title, unit_label=unit, as_percent=pct, integer=key in counts)
        out.append(f"<figure><figcaption>{escape(title)}</figcaption>{svg}</figure>")
    return "".join(out) or "<p>No per-minute data in this session.</p>"


def _usual_cell(previous: Mapping[str, Any], key: str, unit: str) -> str:
    if key not in previous["medians"]:
        return ""
    rng = previous["ranges"].get(key)
    if rng is None:
        return format_value(previous["medians"][key], unit)
    lo, hi = format_value(rng[0], unit), format_value(rng[1], unit)
    return lo if lo == hi else f"{lo} to {hi}"


def _table_rows(
    summary: Mapping[str, Any], previous: Mapping[str, Any] | None, mk: Mapping[str, list[int]]
) -> dict[str, list[str]]:
    """The metric rows by group: label, this session (marked), your usual, baseline, meaning."""
    baseline = summary["calibration"]["baseline"]
    groups: dict[str, list[str]] = {}
    for key, m in summary["metrics"].items():
        usual_known = previous is not None and previous["medians"].get(key) is not None
        if m["group"] not in GROUP_ORDER or (m["value"] is None and not usual_known):
            continue
        cells = [
            f'<th scope="row">{escape(m["label"])}</th>',
            f'<td class="num" data-label="This session">{escape(shown(summary, key))}'
            f"{mark(key, mk)}</td>",
        ]
        if previous:
            usual = escape(_usual_cell(previous, key, m["unit"]))
            cells.append(f'<td class="num" data-label="Your usual">{usual}</td>')
        if baseline:
            base = escape(format_value(baseline.get(key), m["unit"]))
            cells.append(f'<td class="num" data-label="Calibration baseline">{base}</td>')
        cells.append(f'<td class="def">{escape(m["definition"])}</td>')
        groups.setdefault(m["group"], []).append(f"<tr>{''.join(cells)}</tr>")
    return groups


def _tables(
    summary: Mapping[str, Any], previous: Mapping[str, Any] | None, mk: Mapping[str, list[int]]
) -> tuple[str, str]:
    """The numbers' tables (with your usual when there is enough of it) and their note."""
    usable = previous if previous and previous.get("enough") else None
    heads = ["Measure", "This session"]
    if usable:
        heads.append(f"Your usual (middle half of {usable['sessions']} sessions)")
    if summary["calibration"]["baseline"]:
        heads.append("Calibration baseline")
    heads.append("What it means")
    groups = _table_rows(summary, usable, mk)
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in heads)
    tables = "".join(
        f"<h3>{escape(g)}</h3><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(groups[g])}</tbody></table>"
        for g in GROUP_ORDER
        if g in groups
    )
    return tables, _comparison_note(summary, previous)


def _comparison_note(summary: Mapping[str, Any], previous: Mapping[str, Any] | None) -> str:
    n = previous["sessions"] if previous else 0
    if previous and previous["enough"]:
        note = (
            f"Your usual is the middle half (25th to 75th percentile) of {n} earlier sessions: "
            "a comparison with yourself, never with anyone else."
        )
    else:
        note = (
            "Your usual appears once at least three earlier sessions count "
            f"({n} so far); it compares you only with yourself."
        )
    if previous and previous["usual"] == "live":
        note += (
            " Only live sessions of 10 minutes or more count; recordings and shorter sessions "
            "are shown in your history but not counted (`presence-coach report --usual all` "
            "counts them)."
        )
    if summary["calibration"]["baseline"]:
        note += (
            f" The calibration baseline is from your set-up ({summary['calibration']['label']})."
        )
    if not summary["session"].get("in_usual", True):
        note += " You left this session out of your usual: later reports do not compare with it."
    return note


def _notes_html(summary: Mapping[str, Any]) -> str:
    notes = summary.get("notes") or []
    if not notes:
        return '<p class="screen-only">No notes yet.</p>'
    return "".join(
        f'<blockquote><div class="when">{escape(_when(n["created_at"]))}</div>'
        f"{escape(n['text'])}</blockquote>"
        for n in notes
    )


def _performance(summary: Mapping[str, Any]) -> str:
    """The analysis figures (frames, time per frame, CPU) for the "how it ran" fold."""
    rows = "".join(
        f'<tr><th scope="row">{escape(m["label"])}</th>'
        f'<td class="num">{escape(format_value(m["value"], m["unit"]))}</td>'
        f'<td class="def">{escape(m["definition"])}</td></tr>'
        for m in summary["metrics"].values()
        if m["group"] == "Performance" and m["value"] is not None
    )
    return f"<table><tbody>{rows}</tbody></table>" if rows else "<p>No figures kept.</p>"


def _footer(summary: Mapping[str, Any]) -> str:
    s = summary["session"]
    cal = summary["calibration"]["label"]
    return (
        f"Session {s['id']} ({'live' if s['kind'] == 'live' else 'from a recording'}), {cal}. "
        "Definitions of every number are under “How this is measured”. To delete this "
        f"session and everything recorded with it: <code>presence-coach forget {s['id']}</code>."
    )


def render_report(
    summary: Mapping[str, Any],
    *,
    history: Mapping[str, Any] | None = None,
    usual: str = "live",
) -> str:
    """The report page (HTML, self-contained).

    Args:
        summary: :func:`~presence_coach.summary.session.summary_from_store` output.
        history: :func:`~presence_coach.summary.history.history` output; the report compares
            with "your usual" among the sessions before this one.
        usual: which earlier sessions make your usual ("live": live ones of 10 min or more;
            "all": every one the user did not leave out).
    """
    s = summary["session"]
    previous = previous_medians(history, session_id=s["id"], usual=usual) if history else None
    found = doubts(summary)
    mk = marks(found)
    tables, comparison_note = _tables(summary, previous, mk)
    items = "".join(f"<li>{escape(r)}</li>" for r in reflections(summary, previous=previous))
    tl, voice, camera = summary["timeline"], summary["has_voice"], summary["has_video"]
    lanes = timeline_lanes(tl, voice=voice, camera=camera)
    template = Template(
        resources.files("presence_coach.summary").joinpath("templates/report.html").read_text()
    )
    return template.substitute(
        title=escape(f"Presence Coach · session {s['id']}"),
        heading=escape(_heading(s)),
        meta=escape(_meta(summary)),
        notices=_notices(summary, found),
        cards=cards_html(cards(summary, previous), mk, usual_note(previous)),
        timeline=zoom_html(summary, voice=voice, camera=camera),
        legend=legend_html(with_gaps=bool(tl.get("gaps")), lanes=lanes),
        moments=moments_html(summary.get("moments") or []),
        reflections=f'<ul class="reflections">{items}</ul>',
        bars=_bars(summary),
        comparison_note=escape(comparison_note),
        measure_notes=_measure_notes(summary),
        tables=tables,
        performance=_performance(summary),
        notes=_notes_html(summary),
        notes_class="" if summary.get("notes") else " no-notes",
        note_command=escape(f'presence-coach note {s["id"]} "your note"'),
        session_id=escape(str(int(s["id"]))),
        footer=_footer(summary),
    )


def _heading(s: Mapping[str, Any]) -> str:
    kind = "Session" if s["kind"] == "live" else "Recorded session"
    return f"{kind} {s['id']}: your private summary"


def _meta(summary: Mapping[str, Any]) -> str:
    s = summary["session"]
    return (
        (f"{s['label']} · " if s.get("label") else "")
        + f"{_when(s['started_at'])} · {duration_text(s['duration_s'])} · "
        f"{summary['calibration']['label']}"
    )
