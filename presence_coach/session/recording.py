"""What happens around a recorded session, shared by the CLI and the desktop app: the report
page written into the private data folder, and the pages rewritten after a session is deleted.

The session itself is :func:`presence_coach.session.live.run_live_session`; the summary is
:func:`presence_coach.summary.session.summary_from_store`. Nothing here prints.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from presence_coach.errors import PresenceCoachError
from presence_coach.files import open_private
from presence_coach.session.datadir import REPORTS_DIR


@dataclass(frozen=True)
class ReportPage:
    """A written report page and what it was made of."""

    path: Path  # the page, 0600 in the data folder's reports/
    summary: dict[str, Any]  # the session's summary (summary_from_store)
    history: dict[str, Any]  # the history it compares with (summary.history.history)


def report_path(data_dir: Path, session_id: int) -> Path:
    """Where a session's report page is kept."""
    return data_dir / REPORTS_DIR / f"session-{session_id}.html"


def write_report(store: Any, session_id: int) -> ReportPage:
    """Write a session's report page (0600, in the private data folder)."""
    from presence_coach.summary.history import history
    from presence_coach.summary.report import render_report
    from presence_coach.summary.session import summary_from_store

    summary = summary_from_store(store, session_id)
    h = history(store)
    page = report_path(store.dir, session_id)
    page.parent.mkdir(mode=0o700, exist_ok=True)
    with open_private(page, encoding="utf-8") as fh:
        fh.write(render_report(summary, history=h))
    return ReportPage(page, summary, h)


def refresh_reports_after(store: Any, session_id: int) -> None:
    """Report pages of later sessions compare with the sessions before them: write them again
    (after ``session_id`` was deleted, or left out of or put back into "your usual"); a page
    that cannot be written again is removed."""
    from presence_coach.session.forget import page_ids, remove_pages

    for sid in [s for s in page_ids(store.dir) if s > session_id]:
        try:
            write_report(store, sid)
        except (PresenceCoachError, sqlite3.DatabaseError):
            remove_pages(store.dir, [sid])
