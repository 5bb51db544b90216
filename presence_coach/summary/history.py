"""Trends across the user's sessions (``presence-coach history``) and the comparison numbers
the report sets beside a session (medians of the previous sessions).

Each session's numbers are :func:`presence_coach.summary.session.trend_numbers` of its events
and row aggregates (SQL counts, never the whole timeline), computed once per finished session
and kept in the store, so history stays fast with many sessions and agrees with each
session's own report.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import statistics
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from presence_coach import __version__
from presence_coach.session.damage import is_corruption
from presence_coach.summary.definitions import METRICS, TREND_KEYS, TREND_REVISION
from presence_coach.summary.session import signal_times, trend_numbers
from presence_coach.voice.speaking import VOICE_ROW_S

if TYPE_CHECKING:
    from presence_coach.session.store import SessionStore

# columns of the history table: (key, short heading, format)
HISTORY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("nods_per_min", "nods/min", "{:.1f}"),
    ("listening_nods", "listen nods", "{:d}"),
    ("articulation_rate_syl_per_s", "syl/s", "{:.1f}"),
    ("speaking_fraction", "speaking", "{:.0%}"),
    ("eye_contacts_per_min", "eye contact/min", "{:.1f}"),
    ("pauses_long", "silences 3s+", "{:d}"),
    ("talk_share_you", "talk share", "{:.0%}"),
    ("response_latency_median_s", "answer s", "{:.1f}"),
    ("interruptions", "talk-overs", "{:d}"),
)

USUAL_MIN_S = 600.0  # by default "your usual" counts only live sessions at least this long
USUAL_MIN_SESSIONS = 3  # fewer qualifying sessions: "not enough sessions yet"
USUAL_CHOICES = ("live", "all")  # live: live sessions >= USUAL_MIN_S; all: every session


# who computed a cached trend: another version, definitions or keys make the cache stale
TREND_COMPUTED_BY = f"{__version__}:r{TREND_REVISION}:{','.join(TREND_KEYS)}"


def trend_cache_key(info: Any) -> str:
    """What cached numbers must have been computed by: this version, these keys, and the
    session in this state (numbers kept while it was ``recovered`` are not used once its
    process has finished it)."""
    return f"{TREND_COMPUTED_BY}|{info.status}|{info.ended_at}|{info.duration_s}"


def session_trend(store: SessionStore, info: Any) -> dict[str, Any]:
    """The comparable numbers of one stored session.

    A finished session's numbers are computed once and kept in the store; a running one's
    are computed each time.
    """
    finished = info.status != "running"
    key = trend_cache_key(info)
    numbers = store.cached_trend(info.id, key) if finished else None
    if numbers is None:
        numbers = _compute_trend(store, info)
        if finished:
            store.cache_trend(info.id, key, numbers)
    started = _local(info.started_at)
    iso = started.isocalendar()
    return {
        "id": info.id,
        "started_at": info.started_at,
        "date": started.date().isoformat(),
        "week": f"{iso.year}-W{iso.week:02d}",
        "kind": info.kind,
        "status": info.status,
        "label": info.label,
        "in_usual": info.in_usual,
        **numbers,
    }


def _compute_trend(store: SessionStore, info: Any) -> dict[str, Any]:
    """Duration and trend numbers from the store's row counts and the events (never the
    timeline)."""
    sid = info.id
    rows = store.row_counts(sid)
    gaze_counts = store.gaze_counts(sid)
    events = store.events(sid)
    duration_s = info.duration_s or max(
        [0.0, (rows.voice_last_t or 0.0) + VOICE_ROW_S, (rows.face_last_t or 0.0) + 0.1]
        + [float(e["end"]) for e in events]
    )
    times = signal_times(
        events,
        duration_s=duration_s,
        first_face_t=rows.face_first_t,
        first_voice_t=rows.voice_first_t,
    )
    numbers = trend_numbers(
        duration_s=duration_s,
        events=events,
        has_voice=bool(rows.voice_rows),
        has_video=bool(rows.face_rows),
        face_present_rows=sum(gaze_counts.values()),
        gaze_counts=gaze_counts,
        # rows starting up to half a row before the gesture count (as speaking_share_between)
        speaking_share=lambda a, b: store.speaking_share(sid, a - VOICE_ROW_S / 2, b),
        voice_rows=rows.voice_rows,
        speaking_rows=rows.speaking_rows,
        camera_s=times["camera_s"],
        mic_s=times["microphone_s"],
    )
    return {"duration_s": round(duration_s, 1), **{k: numbers[k] for k in TREND_KEYS}}


def _local(iso_utc: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(iso_utc)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone()


def _median(values: Sequence[Any]) -> float | None:
    vals = [v for v in values if isinstance(v, int | float)]
    return round(float(statistics.median(vals)), 3) if vals else None


def history(store: SessionStore) -> dict[str, Any]:
    """Every finished session's comparable numbers and their medians by ISO week.

    Returns ``{"sessions": [...], "weeks": [{"week", "sessions", "minutes", key: median}],
    "keys": TREND_KEYS, "definitions": {key: definition}, "damaged": [id, ...]}``. Sessions
    still running are left out; so are sessions a damaged database cannot give (``damaged``).
    """
    rows, damaged = [], []
    for info in store.sessions():
        if info.status == "running":
            continue
        try:
            rows.append(session_trend(store, info))
        except sqlite3.DatabaseError as exc:
            if not is_corruption(exc):
                raise
            damaged.append(info.id)
    weeks: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        weeks.setdefault(r["week"], []).append(r)
    return {
        "sessions": rows,
        "weeks": [
            {
                "week": w,
                "sessions": len(rs),
                "minutes": round(sum(r["duration_s"] for r in rs) / 60.0, 1),
                **{k: _median([r[k] for r in rs]) for k in TREND_KEYS},
            }
            for w, rs in sorted(weeks.items())
        ],
        "keys": list(TREND_KEYS),
        "definitions": {k: METRICS[k].definition for k in TREND_KEYS},
        "damaged": damaged,
    }


def counts_in_usual(row: Mapping[str, Any], *, usual: str = "live") -> bool:
    """Whether a history row counts in "your usual": never when the user left it out; by
    default (``usual="live"``) only live sessions of at least :data:`USUAL_MIN_S`, with
    ``"all"`` recordings and short sessions too."""
    if not row.get("in_usual", True):
        return False
    return usual == "all" or (
        row.get("kind") == "live" and (row.get("duration_s") or 0.0) >= USUAL_MIN_S
    )


def _middle_half(values: Sequence[Any]) -> list[float] | None:
    """[25th, 75th percentile] of the numbers among ``values`` (None with fewer than two)."""
    vals = [float(v) for v in values if isinstance(v, int | float)]
    if len(vals) < 2:
        return None
    q1, _, q3 = statistics.quantiles(vals, n=4, method="inclusive")
    return [round(q1, 3), round(q3, 3)]


def previous_medians(
    h: Mapping[str, Any], *, session_id: int, usual: str = "live"
) -> dict[str, Any]:
    """ "Your usual" for the session ``session_id``: the sessions before it that
    :func:`counts_in_usual`. Returns ``{"sessions": n, "medians": {key: median},
    "ranges": {key: [p25, p75] or None}, "enough": n >= USUAL_MIN_SESSIONS, "usual": usual,
    "not_counted": earlier sessions shown but not in the usual}``."""
    earlier = [r for r in h.get("sessions", []) if r["id"] < session_id]
    rows = [r for r in earlier if counts_in_usual(r, usual=usual)]
    return {
        "sessions": len(rows),
        "medians": {k: _median([r[k] for r in rows]) for k in TREND_KEYS},
        "ranges": {k: _middle_half([r[k] for r in rows]) for k in TREND_KEYS},
        "enough": len(rows) >= USUAL_MIN_SESSIONS,
        "usual": usual,
        "not_counted": len(earlier) - len(rows),
    }


def _cell(value: Any, fmt: str) -> str:
    if value is None:
        return "-"
    if fmt == "{:d}":
        return str(round(value))
    return fmt.format(value)


def render_history_text(h: Mapping[str, Any]) -> str:
    """The ``presence-coach history`` text: medians by week, then each session."""
    sessions = h.get("sessions", [])
    damaged = h.get("damaged") or []
    warning = (
        f"Session{'s' if len(damaged) > 1 else ''} {', '.join(map(str, damaged))} cannot be "
        f"read: the session database is damaged. `presence-coach forget {damaged[0]}` deletes "
        "a damaged session and keeps the others."
        if damaged
        else ""
    )
    if not sessions:
        return warning or "No sessions yet. Start one with `presence-coach session`."
    heads = [c[1] for c in HISTORY_COLUMNS]
    widths = [max(len(x), 6) for x in heads]

    def line(first: str, cells: Sequence[str]) -> str:
        return f"  {first:<22}" + "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))

    out = ["Your sessions by week (medians of the week's sessions)", line("week", heads)]
    for w in h["weeks"]:
        label = f"{w['week']} ({w['sessions']}, {w['minutes']:.0f} min)"
        out.append(line(label, [_cell(w[k], f) for k, _, f in HISTORY_COLUMNS]))
    out += ["", "Each session", line("session", heads)]
    for r in sessions:
        label = f"#{r['id']} {r['date']} {r['duration_s'] / 60:.0f} min"
        if r["kind"] == "recording":
            label += " rec"
        if not r.get("in_usual", True):
            label += " *"
        elif not counts_in_usual(r):
            label += " +"
        out.append(line(label, [_cell(r[k], f) for k, _, f in HISTORY_COLUMNS]))
    out += [
        "",
        "nods/min: nods per minute; listen nods: nods while you were silent; syl/s: "
        "syllables per second of speaking time;",
        "speaking: share of the session you spoke; eye contact/min: eye-contact moments per "
        "minute; silences 3s+: silences of 3 s or more.",
        "With call audio: talk share: your share of the time the two of you spoke; answer s: "
        "median time to answer the client; talk-overs: times you started while they spoke.",
        "These are descriptions of your own sessions, not scores.",
    ]
    if any(not r.get("in_usual", True) for r in sessions):
        out.append("* left out of your usual: later reports do not compare with it.")
    if any(r.get("in_usual", True) and not counts_in_usual(r) for r in sessions):
        out.append(
            f"+ a recording or shorter than {USUAL_MIN_S / 60:.0f} min: shown, but not in your "
            "usual (`presence-coach report --usual all` counts it)."
        )
    return "\n".join([*out, warning] if warning else out)
