"""The day view: one day's sessions side by side, in plain words, never scored or ranked.

Each session shows its time of day, length, label (if the user gave one), pace, voice
variety, listening nods and speaking share, the time since the session before, and how the
user felt before and after it (noted with ``presence-coach feel`` or the page's buttons,
which copy that command). Every number comes from the one session summary
(:func:`presence_coach.summary.session.summary_from_store`).
"""

from __future__ import annotations

import datetime as dt
import itertools
from html import escape
from typing import TYPE_CHECKING, Any

from presence_coach.summary.page_shell import (
    day_words,
    length_words,
    local_time,
    numbers_html,
    render_shell,
)
from presence_coach.summary.session import summary_from_store

if TYPE_CHECKING:
    from presence_coach.session.store import SessionStore

# "how do I feel", 1..5 (the store keeps the number)
FEEL_WORDS = ("drained", "tired", "steady", "good", "energised")


def feeling_word(value: int | None) -> str | None:
    """The word for a stored feeling (1..5), None when not noted."""
    return None if value is None else FEEL_WORDS[value - 1]


def day_sessions(store: SessionStore, day: dt.date) -> list[dict[str, Any]]:
    """The finished sessions that started on ``day`` (local time), oldest first: each
    ``{"summary", "start", "end", "feeling": (before, after)}`` (datetimes are local)."""
    feelings = store.feelings()
    out = []
    for info in store.sessions():
        if info.status == "running" or local_time(info.started_at).date() != day:
            continue
        summary = summary_from_store(store, info.id)
        start = local_time(info.started_at)
        end = start + dt.timedelta(seconds=float(info.duration_s or 0.0))
        out.append({"summary": summary, "start": start, "end": end,
                    "feeling": feelings.get(info.id, (None, None))})  # fmt: skip
    return out


def _gap_words(prev: dict[str, Any] | None, this: dict[str, Any]) -> str:
    if prev is None:
        return "The first session of the day."
    gap_s = (this["start"] - prev["end"]).total_seconds()
    if gap_s < 60:
        return "Straight after the session before."
    return f"{length_words(gap_s)} after the session before."


def _feel_html(sid: int, feeling: tuple[int | None, int | None]) -> str:
    parts = []
    for when, value in zip(("before", "after"), feeling, strict=True):
        word = feeling_word(value)
        said = f"you felt <strong>{escape(word)}</strong>" if word else "not noted"
        taps = "".join(
            f'<button type="button" data-cmd="presence-coach feel {sid} --{when} {i + 1}">'
            f"{escape(w)}</button>"
            for i, w in enumerate(FEEL_WORDS)
        )
        parts.append(
            f"<div>{when.capitalize()}: {said}"
            f'<div class="taps" role="group" aria-label="How did you feel {when}?">{taps}</div>'
            "</div>"
        )
    return f'<div class="feel">{"".join(parts)}<div class="status" role="status"></div></div>'


def _card(item: dict[str, Any], prev: dict[str, Any] | None) -> str:
    s = item["summary"]["session"]
    kind = "" if s["kind"] == "live" else " · from a recording"
    label = f"<h3>{escape(s['label'])}</h3>" if s.get("label") else ""
    return (
        f'<article class="card" id="session-{int(s["id"])}">{label}'
        f'<p class="when">{item["start"]:%H:%M}-{item["end"]:%H:%M} · '
        f"{escape(length_words(s['duration_s']))}{kind} · session {int(s['id'])}</p>"
        f'<p class="gap">{escape(_gap_words(prev, item))}</p>'
        f"{numbers_html(item['summary'])}"
        f"{_feel_html(int(s['id']), item['feeling'])}</article>"
    )


def _overview(items: list[dict[str, Any]]) -> str:
    """A few sentences about the day as a whole: what happened, not how well."""
    total_s = sum(float(i["summary"]["session"]["duration_s"] or 0.0) for i in items)
    n = len(items)
    lines = [
        f"{n} session{'s' if n != 1 else ''}, {length_words(total_s)} in all, from "
        f"{items[0]['start']:%H:%M} to {items[-1]['end']:%H:%M}."
    ]
    gaps = [(b["start"] - a["end"]).total_seconds() for a, b in itertools.pairwise(items)]
    if gaps and min(gaps) < 60:
        lines.append("Some sessions came straight after one another.")
    elif gaps:
        lines.append(f"The shortest time between two sessions was {length_words(min(gaps))}.")
    felt = [(i["start"], f) for i in items for f in i["feeling"] if f is not None]
    if felt:
        lines.append(
            f"You noted how you felt {len(felt)} time{'s' if len(felt) != 1 else ''}: "
            + ", then ".join(feeling_word(f) or "" for _, f in felt)
            + "."
        )
    return "".join(f"<li>{escape(line)}</li>" for line in lines)


def _scale_words() -> str:
    """``1 drained, 2 tired, ...``."""
    return ", ".join(f"{i + 1} {w}" for i, w in enumerate(FEEL_WORDS))


COPY_SCRIPT = """
document.querySelectorAll("button[data-cmd]").forEach(function (b) {
  b.addEventListener("click", function () {
    var cmd = b.getAttribute("data-cmd");
    var status = b.closest(".feel").querySelector(".status");
    function done() { status.textContent = "Copied: paste it into a terminal to keep it."; }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(cmd).then(done, function () { status.textContent = cmd; });
    } else { status.textContent = cmd; }
  });
});
"""


def render_day(day: dt.date, items: list[dict[str, Any]]) -> str:
    """The day view page (self-contained HTML) of :func:`day_sessions` output."""
    when = day_words(day)
    if items:
        cards = "".join(_card(i, items[k - 1] if k else None) for k, i in enumerate(items))
        body = (
            f'<section aria-labelledby="overview"><h2 id="overview">The day</h2>'
            f'<ul class="plain">{_overview(items)}</ul></section>'
            f'<section aria-labelledby="sessions"><h2 id="sessions">Sessions</h2>'
            f'<div class="cards">{cards}</div></section>'
        )
    else:
        body = "<p>No sessions on this day.</p>"
    content = (
        f"<header><h1>Your day: {escape(when)}</h1>"
        '<p class="private">Made on your computer from your own sessions; it loads nothing from '
        "the internet. It describes each session side by side. Nothing here is a score, and "
        "the sessions are not ranked: a day with different clients is meant to look different."
        f"</p></header>{body}"
        '<footer><p class="noprint">How did you feel? Tap a word to copy the command that keeps '
        "it (this page cannot save by itself), or run <code>presence-coach feel SESSION "
        f"--before 3 --after 2</code>: {_scale_words()}.</p></footer>"
    )
    return render_shell(escape(f"Presence Coach · {when}"), content, COPY_SCRIPT)
