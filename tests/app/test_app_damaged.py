"""A damaged session database (garbage over a page, as a bad disk sector leaves it) in the
sessions list: the readable sessions still open, the damaged one is one sentence, and
deleting still works, rebuilding the file without the deleted session."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from presence_coach.session.store import SessionStore
from tests.cli_helpers import run_cli
from tests.conftest import SPEECH
from tests.damage import corrupt_rows_of


def _select(sessions, sid: int) -> None:
    row = next(r for r, info in enumerate(sessions._infos) if info.id == sid)
    sessions.table.selectRow(row)


def test_a_damaged_database_in_the_sessions_list(
    qtbot, make_window, app_env: dict, dialogs, browser: Path
) -> None:
    data = app_env["data"]
    for _ in range(3):
        proc = run_cli("analyze", SPEECH / "conversation_sample.wav", "--data-dir", data)
        assert proc.returncode == 0, proc.stderr
    assert corrupt_rows_of(data / "presence-coach.sqlite3", "voice_timeline", 2) > 0
    window = make_window()
    sessions = window.sessions_page
    window.tabs.setCurrentWidget(sessions)
    assert sessions.table.rowCount() == 3
    _select(sessions, 2)
    qtbot.mouseClick(sessions.open_report, Qt.MouseButton.LeftButton)
    text = sessions.banner.text()
    assert "is damaged" in text and "session 2 cannot be read" in text and "\n" not in text
    assert not browser.exists()
    _select(sessions, 1)
    qtbot.mouseClick(sessions.open_report, Qt.MouseButton.LeftButton)
    assert browser.read_text().split() == [(data / "reports" / "session-1.html").as_uri()]

    dialogs.answer("Delete session")
    qtbot.mouseClick(sessions.delete, Qt.MouseButton.LeftButton)
    assert sessions.banner.text().startswith("The session database was damaged: it was rebuilt")
    with SessionStore(data) as store:
        assert [s.id for s in store.sessions()] == [2, 3]
        assert store.quick_check() == ["ok"]
    assert sessions.table.rowCount() == 2
