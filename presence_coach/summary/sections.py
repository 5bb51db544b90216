"""HTML pieces of the report page's first screen (drawing only): the "at a glance" cards, the
moments to revisit and the plain sentences about numbers the session cannot vouch for.

The numbers and words come from :mod:`~presence_coach.summary.glance`,
:mod:`~presence_coach.summary.moments` and :mod:`~presence_coach.summary.doubts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from presence_coach.summary.gaps import clock


def mark(key: str, marks: Mapping[str, Sequence[int]]) -> str:
    """The superscript numbers of the doubts that affect the metric ``key`` ("" for none)."""
    found = marks.get(key)
    if not found:
        return ""
    which = ",".join(str(i) for i in found)
    return f'<sup class="mark" title="see note {which} at the top">{which}</sup>'


def doubts_html(found: Sequence[Mapping[str, Any]]) -> str:
    """One calm notice per doubt, numbered like the marks on the numbers it affects."""
    return "".join(
        f'<p class="notice doubt"><sup class="mark">{i}</sup> {escape(d["sentence"])}</p>'
        for i, d in enumerate(found, start=1)
    )


def cards_html(
    cards: Sequence[Mapping[str, Any]], marks: Mapping[str, Sequence[int]], note: str = ""
) -> str:
    """The "at a glance" cards (a list; each a title, a sentence and your usual), and a
    ``note`` under them."""
    if not cards:
        return "<p>Nothing was measured in this session.</p>"
    items = "".join(
        f'<li class="card"><h3>{escape(c["title"])}{mark(c["key"], marks)}</h3>'
        f"<p>{escape(c['text'])}</p>"
        + (f'<p class="usual">{escape(c["usual"])}</p>' if c["usual"] else "")
        + "</li>"
        for c in cards
    )
    more = f'<p class="usual">{escape(note)}</p>' if note else ""
    return f'<ul class="cards">{items}</ul>{more}'


def moments_html(moments: Sequence[Mapping[str, Any]]) -> str:
    """The moments to revisit: when, what, and a question to take back to it."""
    if not moments:
        return (
            "<p>No moment stood out in these measures; your own memory of the session may "
            "find some.</p>"
        )
    items = "".join(
        f'<li><span class="when">{clock(m["start_s"])} to {clock(m["end_s"])}</span> '
        f"<strong>{escape(m['title'])}</strong><br>"
        f'<span class="question">{escape(m["question"])}</span></li>'
        for m in moments
    )
    return (
        f'<ol class="moments">{items}</ol><p class="usual">The numbers match the dashed '
        "boxes on the timeline.</p>"
    )
