"""A session's report page written into the private data folder (0600, ``reports/``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from presence_coach.errors import PresenceCoachError
from presence_coach.files import open_private
from presence_coach.session.datadir import REPORTS_DIR
from presence_coach.session.store import saving
from presence_coach.summary.history import history
from presence_coach.summary.report import render_report
from presence_coach.summary.session import summary_from_store

if TYPE_CHECKING:
    from presence_coach.session.store import SessionStore


def write_page(
    store: SessionStore,
    session_id: int,
    summary: dict[str, Any],
    h: dict[str, Any],
    *,
    usual: str = "live",
) -> Path:
    """Write the report page of ``summary`` (compared with the history ``h``, ``usual`` as
    :func:`render_report`); returns it.

    Raises:
        SaveError: the page could not be written (a full disk, a read-only folder).
    """
    folder = store.dir / REPORTS_DIR
    page = folder / f"session-{session_id}.html"
    with saving("write the report page", folder):
        folder.mkdir(mode=0o700, exist_ok=True)
        with open_private(page, encoding="utf-8") as fh:
            fh.write(render_report(summary, history=h, usual=usual))
    return page


def write_private_page(store: SessionStore, name: str, html: str) -> Path:
    """Write a page that is not one session's (the day view, the supervision page) into
    ``reports/`` (0600); ``forget`` removes these pages, since they may show any session.

    Raises:
        SaveError: the page could not be written (a full disk, a read-only folder).
    """
    folder = store.dir / REPORTS_DIR
    page = folder / name
    with saving(f"write {name}", folder):
        folder.mkdir(mode=0o700, exist_ok=True)
        with open_private(page, encoding="utf-8") as fh:
            fh.write(html)
    return page


def write_report(
    store: SessionStore, session_id: int, *, usual: str = "live"
) -> tuple[Path, dict[str, Any]]:
    """Write a stored session's report page (``usual`` as :func:`render_report`). Returns the
    page and the session summary."""
    summary = summary_from_store(store, session_id)
    return write_page(store, session_id, summary, history(store), usual=usual), summary


def refresh_reports_after(store: SessionStore, session_id: int) -> None:
    """Report pages of later sessions compare with the sessions before them: write them again
    (after ``session_id`` was deleted, or left out of or put back into "your usual"); a page
    that cannot be written again is removed."""
    from presence_coach.session.forget import page_ids, remove_pages

    for sid in [s for s in page_ids(store.dir) if s > session_id]:
        try:
            write_report(store, sid)
        except (PresenceCoachError, sqlite3.DatabaseError):
            remove_pages(store.dir, [sid])
