"""The commands about more than one session: ``day`` (the day view), ``feel`` (how you felt
before and after a session) and ``supervision`` (a page for your supervisor).

Parsers and commands together, registered by :func:`add_day_commands`; the pages themselves
are :mod:`presence_coach.summary.day` and :mod:`presence_coach.summary.supervision`.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from presence_coach.desktop import open_page
from presence_coach.errors import StoreError, UsageError
from presence_coach.session.recording import open_store
from presence_coach.session.store import FEELING_RANGE

FEEL_HELP = "1 drained, 2 tired, 3 steady, 4 good, 5 energised (the number or the word)"
# (the words are summary/day.py's FEEL_WORDS; test_day_pages checks they agree)


def add_day_commands(
    sub: argparse._SubParsersAction,
    data_dir: argparse.ArgumentParser,
    session_number: Callable[[str], int],
) -> None:
    """Add ``day``, ``feel`` and ``supervision`` to the CLI's subcommands (``data_dir``: the
    shared --data-dir parent parser; ``session_number``: the CLI's session argument type)."""
    p = sub.add_parser(
        "day",
        parents=[data_dir],
        help="your day's sessions side by side (and how you felt)",
        description="Write (and open) a private page with one day's sessions side by side: time, "
        "length, pace, voice variety, listening nods, speaking share, the time between them and "
        "how you felt. It describes; it never scores.",
    )
    p.add_argument("date", nargs="?", metavar="YYYY-MM-DD", help="the day (default: today)")
    p.add_argument("--no-open", action="store_true", help="only write it; print its path")
    p.set_defaults(run="day")

    p = sub.add_parser(
        "feel",
        parents=[data_dir],
        help="note how you felt before and after a session (shown on the day view)",
        description=f"Note how you felt before and/or after a session: {FEEL_HELP}.",
    )
    p.add_argument(
        "session",
        type=session_number,
        nargs="?",
        metavar="SESSION",
        help="session number (default: the newest, also while it is running)",
    )
    p.add_argument("--before", type=_feeling, metavar="1-5|WORD", help="before the session")
    p.add_argument("--after", type=_feeling, metavar="1-5|WORD", help="after the session")
    p.add_argument("--clear", action="store_true", help="remove what was noted for it")
    p.set_defaults(run="feel")
    _add_supervision(sub, data_dir, session_number)


def _add_supervision(
    sub: argparse._SubParsersAction,
    data_dir: argparse.ArgumentParser,
    session_number: Callable[[str], int],
) -> None:
    p = sub.add_parser(
        "supervision",
        parents=[data_dir],
        help="a page for supervision: chosen sessions and moments, a line of yours for each",
        description="Write (and open) a page to print or save as PDF for supervision: the "
        "sessions you choose, moments with your own line for each, a few plain numbers and what "
        "they can and cannot show. No labels, notes (unless --with-notes), times of day or media.",
    )
    p.add_argument(
        "sessions", type=session_number, nargs="+", metavar="SESSION", help="session numbers"
    )
    p.add_argument(
        "--moment",
        nargs=2,
        action="append",
        default=[],
        metavar=("SESSION:MM:SS", "LINE"),
        help='a moment and your line about it, e.g. --moment 3:12:05 "I filled the silence"',
    )
    p.add_argument(
        "--line",
        nargs=2,
        action="append",
        default=[],
        metavar=("SESSION", "LINE"),
        help="your line about a whole session",
    )
    p.add_argument("--with-notes", action="store_true", help="also show your notes (may name "
                   "a client: read them first)")  # fmt: skip
    p.add_argument(
        "--suggest",
        action="store_true",
        help="list the moments worth revisiting in these sessions, ready to copy (no page)",
    )
    p.add_argument("--no-open", action="store_true", help="only write it; print its path")
    p.set_defaults(run="supervision")


def _feeling(text: str) -> int:
    from presence_coach.summary.day import FEEL_WORDS

    word = text.strip().lower()
    if word in FEEL_WORDS:
        return FEEL_WORDS.index(word) + 1
    low, high = FEELING_RANGE
    if word.isdigit() and low <= int(word) <= high:
        return int(word)
    raise argparse.ArgumentTypeError(f"{text!r} is not a feeling: give {FEEL_HELP}")


def parse_day(text: str | None) -> dt.date:
    """``YYYY-MM-DD`` (None: today, local time).

    Raises:
        UsageError: not a real date in that form.
    """
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{text!r} is not a date: give it as YYYY-MM-DD, e.g. 2026-11-30"
        ) from None


def _open_page(page: Path, no_open: bool) -> None:
    if not no_open:
        open_page(page)


def cmd_day(args: argparse.Namespace) -> int:
    from presence_coach.summary.day import day_sessions, render_day
    from presence_coach.summary.pages import write_private_page

    day = parse_day(args.date)
    with open_store(args.data_dir) as store:
        items = day_sessions(store, day)
        page = write_private_page(store, f"day-{day.isoformat()}.html", render_day(day, items))
    print(f"Your day, {day.isoformat()} ({len(items)} sessions): {page}")
    _open_page(page, args.no_open)
    return 0


def cmd_feel(args: argparse.Namespace) -> int:
    from presence_coach.summary.day import feeling_word

    if args.clear == (args.before is not None or args.after is not None):
        raise UsageError("give --before and/or --after, or --clear (see `presence-coach feel -h`)")
    with open_store(args.data_dir) as store:
        sid = args.session
        if sid is None:
            sessions = store.sessions()
            if not sessions:
                raise StoreError("no sessions yet: note how you felt once a session has started")
            sid = sessions[-1].id
        if args.clear:
            store.clear_feeling(sid)
            print(f"Removed how you felt around session {sid}.")
            return 0
        store.set_feeling(sid, before=args.before, after=args.after)
        before, after = store.feelings()[sid]
    said = [f"{w}: {feeling_word(v)}" for w, v in (("before", before), ("after", after)) if v]
    print(f"Session {sid}, how you felt: {'; '.join(said)}.")
    return 0


def cmd_supervision(args: argparse.Namespace) -> int:
    from presence_coach.summary.pages import write_private_page
    from presence_coach.summary.session import summary_from_store
    from presence_coach.summary.supervision import (
        check_moments,
        parse_moment,
        render_supervision,
        suggestions_text,
    )

    moments = [parse_moment(when, line) for when, line in args.moment]
    lines = {_line_session(sid, args.sessions): text.strip() for sid, text in args.line}
    with open_store(args.data_dir) as store:
        summaries = {sid: summary_from_store(store, sid) for sid in dict.fromkeys(args.sessions)}
        if args.suggest:
            print(suggestions_text(list(summaries.values())))
            return 0
        check_moments(moments, summaries)
        html = render_supervision(
            list(summaries.values()),
            lines=lines,
            moments=moments,
            with_notes=args.with_notes,
            made_on=dt.date.today(),
        )
        page = write_private_page(store, "supervision.html", html)
    print(f"Supervision page ({len(summaries)} sessions, {len(moments)} moments): {page}")
    print(
        "Read your lines once more (they are the only words on it that could name someone), "
        "then print it or save it as PDF from your browser: it fits on one or two pages."
    )
    _open_page(page, args.no_open)
    return 0


def _line_session(text: str, chosen: list[int]) -> int:
    if not text.isdigit() or int(text) not in chosen:
        raise UsageError(
            f"--line {text}: give one of the chosen sessions ({' '.join(map(str, chosen))})"
        )
    return int(text)
