"""The post-session report: a self-contained HTML page and a short terminal summary.

Drawing only: every number comes from :func:`presence_coach.summary.session.session_summary`
(and, for comparisons, :func:`presence_coach.summary.history.history`). The page inlines its
plots (SVG), style and the one small script (copy a note command); it fetches nothing.

Reflections are picked by simple rules from the numbers (:func:`reflections`): specific,
descriptive and kind; never a grade or a judgement.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Mapping
from html import escape
from importlib import resources
from string import Template
from typing import Any

from presence_coach.summary.certainty import VISION_CAVEAT, about, approximate
from presence_coach.summary.conversation import balance_sentence
from presence_coach.summary.definitions import METRICS
from presence_coach.summary.doubts import FACE_IN_VIEW_MIN, doubts, marks
from presence_coach.summary.gaps import clock, gap_sentence
from presence_coach.summary.glance import cards, usual_note
from presence_coach.summary.history import previous_medians
from presence_coach.summary.plots import bars_svg, legend_html, timeline_lanes
from presence_coach.summary.sections import cards_html, doubts_html, mark, moments_html
from presence_coach.summary.terminal import note_lines, run_lines
from presence_coach.summary.zoom import zoom_html
from presence_coach.voice.stats import LONG_PAUSE_MIN_S

MAX_REFLECTIONS = 5
CHANGE_NOTABLE = 0.15  # relative change vs previous sessions worth a sentence
HALF_SHIFT_NOTABLE = 0.10  # change in camera-gaze share between halves worth a sentence
LONG_MONOLOGUE_S = 90.0  # a stretch of speech this long gets a sentence
GROUP_ORDER = ("Voice", "Pauses", "Head and face", "Gaze", "Session")
_WORDS = (
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


def _count_words(n: int) -> str:
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{_count_words(n)} {word if n == 1 else (plural or word + 's')}"


def _duration(seconds: float) -> str:
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
        return _duration(value)
    if unit in ("Hz", "words/min"):
        return f"{value:.0f} {unit}"
    return f"{value:.1f} {unit}" if abs(value) < 100 else f"{value:.0f} {unit}"


def _v(summary: Mapping[str, Any], key: str) -> Any:
    return summary["metrics"][key]["value"]


def _shown(summary: Mapping[str, Any], key: str) -> str:
    """A metric's value as shown: "about 12" for a count the session is unsure of."""
    m = summary["metrics"][key]
    return about(format_value(m["value"], m["unit"]), approximate(summary, key))


# ---- reflections -------------------------------------------------------------------------


def _speaking_reflection(summary: Mapping[str, Any]) -> list[str]:
    """A sentence on a speaking share that is low or high (of the microphone's time)."""
    out: list[str] = []
    speaking = _v(summary, "speaking_fraction")
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
    long_pauses = _v(summary, "pauses_long")
    secs = f"{_count_words(round(LONG_PAUSE_MIN_S))} seconds"
    if long_pauses and long_pauses < len(_WORDS):
        out.append(
            f"You held {_plural(long_pauses, 'silence')} longer than {secs}; "
            "silence can give a client room."
        )
    elif long_pauses:
        per_min = long_pauses * 60.0 / max(float(_v(summary, "duration_s") or 0.0), 1.0)
        out.append(
            f"You let {long_pauses} silences run longer than {secs} (about {per_min:.1f} a "
            "minute); silence can give a client room."
        )
    nods, listening = _v(summary, "nods"), _v(summary, "listening_nods")
    if nods and listening:
        of = "About " if approximate(summary, "nods") else ""
        out.append(
            f"{of}{listening} of your {nods} nods came while you were listening, a quiet way of "
            "showing you are following."
            if listening < nods
            else f"All {_plural(nods, 'nod')} came while you were listening, a quiet way of "
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
    longest = _v(summary, "longest_speech_s")
    if longest is not None and longest >= LONG_MONOLOGUE_S:
        out.append(
            f"Your longest stretch of speaking ran {_duration(longest)} without a pause; "
            "the timeline shows where it was, if you want to look back at that moment."
        )
    rate, prev_rate = _v(summary, "articulation_rate_syl_per_s"), None
    if previous and previous.get("enough"):
        prev_rate = previous["medians"].get("articulation_rate_syl_per_s")
    if rate and prev_rate and abs(rate - prev_rate) / prev_rate >= CHANGE_NOTABLE:
        word = "slower" if rate < prev_rate else "quicker"
        out.append(
            f"You spoke a little {word} than in your earlier sessions ({rate:.1f} syllables "
            f"a second, usually {prev_rate:.1f})."
        )
    smiles = _v(summary, "smiles")
    if smiles:
        out.append(f"The camera caught you smiling {_plural(smiles, 'time')}.")
    face = _v(summary, "face_present_fraction")
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
            f'<td class="num" data-label="This session">{escape(_shown(summary, key))}'
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
        + f"{_when(s['started_at'])} · {_duration(s['duration_s'])} · "
        f"{summary['calibration']['label']}"
    )


# ---- terminal ----------------------------------------------------------------------------


def render_terminal(
    summary: Mapping[str, Any], *, history: Mapping[str, Any] | None = None, kept: bool = True
) -> str:
    """A short, kind summary for the terminal after a session or an analysis (``kept``:
    whether the session is in the user's history, so that a note can be added to it)."""
    s = summary["session"]
    m = summary["metrics"]

    def fv(key: str) -> str:
        return _shown(summary, key)

    what = f"Session {s['id']}" if kept else "Analysis (not kept)"
    lines = [f"{what} · {_duration(s['duration_s'])} · {summary['calibration']['label']}"]
    lines += run_lines(summary)
    if s.get("partial"):
        lines.append(f"  A partial session: {s['partial']}.")
    if s.get("saving"):
        lines.append(f"  Saving failed during this session: {s['saving']}.")
    if summary["has_voice"]:
        lines.append(
            f"  You spoke {fv('speaking_fraction')} of the time; pace "
            f"{fv('articulation_rate_syl_per_s')} (about {fv('words_per_min_approx')}); "
            f"longest stretch of speaking {fv('longest_speech_s')}"
        )
        lines.append(
            f"  Pauses: {fv('pauses_short')} short, {fv('pauses_medium')} medium; silences of "
            f"3 s or more: {fv('pauses_long')} (longest {fv('pause_longest_s')})"
        )
        if m["f0_median_hz"]["value"] is not None:
            lines.append(
                f"  Voice: pitch around {fv('f0_median_hz')}, range {fv('f0_range_st')}; "
                f"loudness {fv('loudness_median_dbfs')}"
            )
    else:
        lines.append("  No microphone data this time.")
    if summary.get("conversation"):
        lines.append(f"  Conversation: {balance_sentence(summary['conversation'])}")
    # what the numbers cannot vouch for (the gaps are in the device notes below)
    lines += [f"  Note: {d['sentence']}" for d in doubts(summary) if d["kind"] != "gap"]
    if summary["has_video"]:
        listening = m["listening_nods"]["value"]
        extra = f" ({listening} while listening)" if listening is not None else ""
        lines.append(
            f"  Nods: {fv('nods')}{extra}; head shakes {fv('shakes')}; smiles {fv('smiles')}"
        )
        lines.append(
            f"  Eye contact: {fv('eye_contacts')} moments; gaze camera "
            f"{fv('gaze_camera_fraction')}, screen {fv('gaze_screen_fraction')}, away "
            f"{fv('gaze_away_fraction')} of face-in-view time"
        )
    else:
        lines.append("  No camera data this time.")
    lines += note_lines(summary)
    previous = previous_medians(history, session_id=s["id"]) if history else None
    notes = reflections(summary, previous=previous)[:3]
    lines.append("A few observations:")
    lines += [f"  - {r}" for r in notes]
    if summary.get("moments"):
        lines.append("Moments to revisit:")
        lines += [f"  {clock(m['start_s'])}  {m['title']}" for m in summary["moments"]]
    if kept:
        lines.append(f"Add a note: presence-coach note {s['id']} {shlex.quote('your words')}")
    return "\n".join(lines)
