"""Forgetting: every trace of a session leaves the data folder.

A session's traces are its rows and notes and cached trend numbers in the store, its lock
file, and the files written for it into ``reports/`` (``session-N.html``, any
``session-N.*``). A damaged store is rebuilt without the session; ``forget --all`` removes the
files themselves, so it works even when SQLite cannot read them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from presence_coach.errors import StoreDamagedError, UnknownSessionError, UsageError
from presence_coach.session.datadir import (
    DB_NAME,
    PRIVATE_DIR_MODE,
    REPORTS_DIR,
    delete_store_files,
    make_private,
)
from presence_coach.session.salvage import Rebuilt, rebuild_without
from presence_coach.session.spare import release_spare
from presence_coach.session.store import SaveError, SessionStore

PAGE_NAME = re.compile(r"session-(\d+)\.[A-Za-z0-9.]+")  # reports/session-N.html, .json, ...
# pages that may show any session (the day view, the supervision page): made again on demand
MANY_SESSIONS_PAGE = re.compile(r"(day-\d{4}-\d{2}-\d{2}|supervision)\.(html|pdf)")


@dataclass(frozen=True)
class Forgotten:
    """What ``forget N`` did."""

    deleted: bool  # the session was in the store (False: only leftover pages were removed)
    pages: int  # files removed from reports/
    rebuilt: Rebuilt | None  # the store was damaged and rebuilt without the session


def forget_session(folder: Path, session_id: int) -> Forgotten:
    """Delete one session and every trace of it (see the module).

    Raises:
        UnknownSessionError: no such session and no page of it either.
        StoreBusyError: it is still running, or (damaged store) another presence-coach has
            the store open.
        StoreDamagedError: the store is too damaged to tell its sessions apart.
    """
    rebuilt = None
    deleted = True
    try:
        with SessionStore(folder) as store:
            store.forget(session_id)
    except UnknownSessionError:
        deleted = False
    except StoreDamagedError:
        rebuilt = rebuild_without(folder, session_id)
    pages = remove_pages(folder, [session_id])
    if not deleted and not pages:
        raise UnknownSessionError(
            f"no session {session_id}; `presence-coach history` lists the sessions"
        )
    return Forgotten(deleted, pages, rebuilt)


def rebuilt_note(rebuilt: Rebuilt, session_id: int) -> str:
    """One sentence on what a rebuild of a damaged store kept, after forgetting a session."""
    partly, lost = rebuilt.partly, rebuilt.lost
    note = f"The session database was damaged; it was rebuilt without session {session_id}"
    if not partly and not lost:
        return note + " and every other session was kept whole."
    if partly:
        note += f"; {_ids(partly)} {'keep' if len(partly) > 1 else 'keeps'} what could be read"
    if lost:
        note += (
            f"; {_ids(lost)} could not be read at all and {'are' if len(lost) > 1 else 'is'} gone"
        )
    return note + "."


def _ids(ids: Sequence[int]) -> str:
    return f"session{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))}"


def forget_all_asking(
    folder: Path, *, yes: bool, interactive: bool, ask: Callable[[str], str] = input
) -> tuple[bool, str]:
    """``forget --all``: delete every session once the user confirmed (``yes``, else ``ask``
    on a terminal); whether anything was to delete and was deleted, and what to tell.

    Raises:
        UsageError: not confirmed and no terminal to ask on.
        StoreBusyError: another presence-coach has the store open.
    """
    count = session_count(folder)
    if count == 0:
        forget_all(folder)  # leftover report pages, if any
        return True, "No sessions to delete."
    what = (
        "the damaged session database (every session in it)"
        if count is None
        else f"all {count} session{'s' if count != 1 else ''}"
    )
    if not yes:
        if not interactive:
            raise UsageError(
                f"forget --all deletes {what} for good: run it in a terminal to confirm, or "
                "add --yes"
            )
        try:
            answer = ask(
                f"Delete {what} and everything recorded with them (notes, report pages)? "
                "This cannot be undone. [y/N] "
            )
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            return False, "Nothing deleted."
    forget_all(folder)
    return True, f"Deleted {what} and everything recorded with them."


def session_count(folder: Path) -> int | None:
    """How many sessions the store holds (0 without a store); None when it cannot be read."""
    if not (folder / DB_NAME).exists():
        return 0
    for attempt in range(2):
        try:
            with SessionStore(folder) as store:
                return len(store.sessions())
        except StoreDamagedError:
            return None
        except SaveError as exc:  # a full disk: SQLite needs room to open the file at all
            if exc.problem != "disk full" or attempt or not release_spare(folder):
                return None
    return None


def forget_all(folder: Path) -> int:
    """Remove the store's files, the session locks and every page in ``reports/``; returns
    the number of pages removed.

    Raises:
        StoreBusyError: another presence-coach (a session, report, history) has the store open.
    """
    delete_store_files(folder)
    release_spare(folder)  # the reserve kept for a full disk: zeros, but still a trace
    return remove_pages(folder, None)


def remove_pages(folder: Path, session_ids: list[int] | None) -> int:
    """Remove ``reports/session-N.*`` of these sessions (None: of every session), and the
    pages that may show any session (not counted)."""
    reports = folder / REPORTS_DIR
    if not reports.is_dir():
        return 0
    make_private(reports, PRIVATE_DIR_MODE)
    removed = 0
    for page in reports.iterdir():
        m = PAGE_NAME.fullmatch(page.name)
        if m and (session_ids is None or int(m[1]) in session_ids):
            page.unlink(missing_ok=True)
            removed += 1
        elif MANY_SESSIONS_PAGE.fullmatch(page.name):
            page.unlink(missing_ok=True)
    return removed


def page_ids(folder: Path) -> list[int]:
    """Sessions that have a report page."""
    reports = folder / REPORTS_DIR
    pages = reports.glob("session-*.html") if reports.is_dir() else []
    return sorted(int(m[1]) for p in pages if (m := PAGE_NAME.fullmatch(p.name)))
