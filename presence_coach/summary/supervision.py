"""The supervision page: the sessions and moments the therapist chose, a line of their own for
each, a few plain numbers, and what those numbers can and cannot show.

It carries no client identifiers: no labels (pseudonyms), no notes unless asked for, dates
only to the day, no times of day, no media. It prints on one or two A4 pages.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from presence_coach.errors import UsageError
from presence_coach.summary.page_shell import (
    clock,
    day_words,
    length_words,
    local_time,
    numbers_html,
    render_shell,
)

_MOMENT = re.compile(r"(\d+):(?:(\d+):)?(\d+):(\d{2})")  # SESSION:[H:]MM:SS

CAN_AND_CANNOT = (
    "These numbers come from the therapist's own webcam and microphone, read on their computer: "
    "when the therapist spoke and paused, how quickly, how much their pitch moved, their head "
    "nods and where their face pointed. They cannot show what was said or meant, what the "
    "client felt, the quality of the relationship, or whether a moment helped; they are not a "
    "grade of the session and are only compared with the therapist's own sessions. Nods and "
    "eye contact are estimates from video and can miss small movements. The lines in italics "
    "are the therapist's own words."
)


@dataclass(frozen=True)
class Moment:
    """A moment the therapist brings to supervision."""

    session_id: int  # the session it is in
    at_s: float  # seconds into the session
    line: str  # the therapist's line about it


def parse_moment(text: str, line: str) -> Moment:
    """``"3:12:05"`` (session 3, 12 min 5 s in; or ``3:1:02:05``) and a line: a Moment.

    Raises:
        UsageError: not SESSION:MM:SS, or seconds/minutes past 59.
    """
    m = _MOMENT.fullmatch(text.strip())
    if not m or int(m[4]) > 59 or (m[2] is not None and int(m[3]) > 59):
        raise UsageError(
            f"--moment {text!r} is not SESSION:MM:SS (e.g. 3:12:05 is 12 min 5 s into "
            "session 3; 3:1:02:05 for over an hour)"
        )
    hours = int(m[2] or 0)
    at_s = hours * 3600 + int(m[3]) * 60 + int(m[4])
    return Moment(int(m[1]), float(at_s), line.strip())


def check_moments(moments: Sequence[Moment], summaries: Mapping[int, Mapping[str, Any]]) -> None:
    """Every moment is in a chosen session and within its length.

    Raises:
        UsageError: a moment names a session that was not chosen, or a time past its end.
    """
    for m in moments:
        summary = summaries.get(m.session_id)
        if summary is None:
            chosen = " ".join(str(s) for s in summaries)
            raise UsageError(
                f"a moment is in session {m.session_id}, which is not one of the chosen "
                f"sessions ({chosen}); add {m.session_id} to them"
            )
        length_s = float(summary["session"]["duration_s"] or 0.0)
        if m.at_s > length_s + 1:
            raise UsageError(
                f"moment {m.session_id}:{clock(m.at_s)} is after the end of session "
                f"{m.session_id}, which lasted {clock(length_s)}"
            )


def _title_at(summary: Mapping[str, Any], at_s: float) -> str | None:
    """The title of the suggested moment (:mod:`presence_coach.summary.moments`) around
    ``at_s``, if one is there."""
    for m in summary.get("moments") or []:
        if m["start_s"] - 1 <= at_s <= m["end_s"] + 1:
            return str(m["title"])
    return None


def suggestions_text(summaries: Sequence[Mapping[str, Any]]) -> str:
    """The moments worth revisiting in the chosen sessions, each as the ``--moment`` to copy
    (the terminal's choices for the supervision page)."""
    out = []
    for summary in summaries:
        sid = int(summary["session"]["id"])
        found = summary.get("moments") or []
        out.append(f"Session {sid}: " + ("moments worth revisiting" if found else "no moments"))
        for m in found:
            out.append(f'  --moment {sid}:{clock(m["start_s"])} "your line"   {m["title"]}')
            out.append(f"      {m['question']}")
    return "\n".join(out)


def _session_html(
    summary: Mapping[str, Any], line: str | None, moments: Sequence[Moment], with_notes: bool
) -> str:
    s = summary["session"]
    kind = "live" if s["kind"] == "live" else "from a recording"
    day = day_words(local_time(s["started_at"]).date())
    head = f"Session {int(s['id'])} · {day} · {length_words(s['duration_s'])}, {kind}"
    out = [f'<section class="session"><h2>{escape(head)}</h2>']
    if line:
        out.append(f'<p class="line">{escape(line)}</p>')
    out.append(numbers_html(summary, tag="div"))
    for m in sorted(moments, key=lambda m: m.at_s):
        title = _title_at(summary, m.at_s)
        what = f"{escape(title)}. " if title else ""
        out.append(
            f'<div class="moment"><span class="t">{clock(m.at_s)}</span> into the session. '
            f'{what}<span class="line">{escape(m.line)}</span></div>'
        )
    if with_notes:
        out += [f"<p>Note: {escape(n['text'])}</p>" for n in summary.get("notes") or []]
    return "".join(out) + "</section>"


def render_supervision(
    summaries: Sequence[Mapping[str, Any]],
    *,
    lines: Mapping[int, str],
    moments: Sequence[Moment],
    with_notes: bool = False,
    made_on: dt.date,
) -> str:
    """The supervision page (self-contained HTML).

    Args:
        summaries: session summaries, in the order the therapist chose them.
        lines: the therapist's line for a session, by session id (optional per session).
        moments: the chosen moments (checked with :func:`check_moments`).
        with_notes: also show the sessions' notes (off by default: notes may name a client).
        made_on: the day the page is made (shown to the day only).
    """
    sessions = "".join(
        _session_html(
            s,
            lines.get(s["session"]["id"]),
            [m for m in moments if m.session_id == s["session"]["id"]],
            with_notes,
        )
        for s in summaries
    )
    content = (
        "<header><h1>For supervision</h1>"
        f'<p class="meta">Prepared {escape(day_words(made_on))} by the therapist, from their own '
        "sessions.</p>"
        '<p class="private">No labels, notes, recordings or times of day are on this page, '
        "and dates are to the day: the only words about the client are the lines the "
        "therapist wrote.</p></header>"
        f"{sessions}"
        '<section class="session" aria-labelledby="limits">'
        '<h2 id="limits">What the numbers can and cannot show</h2>'
        f"<p>{escape(CAN_AND_CANNOT)}</p></section>"
    )
    return render_shell("Presence Coach · for supervision", content)
