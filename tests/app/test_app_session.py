"""The desktop app end to end with real parts: a session started and stopped from the window
(the camera an ``ffmpeg -re`` UDP stream of a real face clip, the microphone a PulseAudio null
sink playing real speech), its calm status, then the sessions list: the report, a label, notes
written, edited and deleted, "your usual", and deleting the session with every trace."""

from __future__ import annotations

import stat
from pathlib import Path

from PySide6.QtCore import Qt

from presence_coach.app.icons import IDLE, RECORDING
from presence_coach.app.settings import load_settings
from presence_coach.session.store import SessionStore
from presence_coach.summary.session import summary_from_store
from tests.app.conftest import play_loop, stop_process_group
from tests.conftest import SPEECH
from tests.e2e.conftest import SINK

SPEECH_WAV = SPEECH / "conversation_sample.wav"


def _choose_mic(window, name: str) -> None:
    combo = window.session_page.mic
    index = combo.findData(name)
    assert index >= 0, [combo.itemData(i) for i in range(combo.count())]
    combo.setCurrentIndex(index)
    combo.activated.emit(index)  # as a user's choice does


def _record(qtbot, window, *, start, stop, seconds: float = 4.0) -> None:
    start()
    qtbot.waitUntil(lambda: window.session_page.face_label.text() == "Face in view", timeout=30000)
    qtbot.wait(round(seconds * 1000))
    stop()
    qtbot.waitUntil(lambda: not window.running, timeout=60000)


def test_a_session_from_the_window_then_its_report_notes_and_deleting_it(
    qtbot,
    make_window,
    live_stream: str,
    pulse: dict,
    app_env: dict,
    browser: Path,
    dialogs,
    screenshot,
) -> None:
    window = make_window(camera_url=live_stream)
    page = window.session_page
    assert page.chosen_camera().target == live_stream
    _choose_mic(window, "pulse")
    screenshot(window, "main-1-ready")
    voice = play_loop(SPEECH_WAV, pulse, SINK)
    try:
        qtbot.mouseClick(page.start_stop, Qt.MouseButton.LeftButton)
        assert page.start_stop.text() == "Stop session" and window.tray.state == RECORDING
        # the calm status: words and a bar, no numbers
        qtbot.waitUntil(lambda: page.face_label.text() == "Face in view", timeout=30000)
        qtbot.waitUntil(lambda: page.level.value() > 10, timeout=10000)
        assert page.time_label.text() == "Just started"
        assert page.saving_label.text() == "Saving privately on this computer"
        shown = " ".join(w.text() for w in page.status_box.findChildren(type(page.face_label)))
        assert "Face in view" in shown and not any(ch.isdigit() for ch in shown), shown
        qtbot.wait(3000)
        screenshot(window, "main-2-recording")
        qtbot.mouseClick(page.start_stop, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not window.running, timeout=60000)
    finally:
        stop_process_group(voice)
    assert page.start_stop.text() == "Start session" and window.tray.state == IDLE
    assert page.banner.text().startswith("Session kept (under a minute)"), page.banner.text()
    assert "Its report is ready." in page.banner.text()
    screenshot(window, "main-3-kept")
    # the choices are remembered for the next start, the microphone by its name
    settings, _ = load_settings()
    assert (settings.camera, settings.mic, settings.use_mic) == (live_stream, "pulse", True)

    with SessionStore(app_env["data"]) as store:
        (info,) = store.sessions()
        assert (info.kind, info.status) == ("live", "complete")
        summary = summary_from_store(store, info.id)
        assert summary["run"]["stopped"] == "by you" and summary["voice"] is not None
        assert summary["metrics"]["face_present_fraction"]["value"] > 0.9
    report = app_env["data"] / "reports" / f"session-{info.id}.html"
    assert stat.S_IMODE(report.stat().st_mode) == 0o600

    # the report opens in the browser from the window
    qtbot.mouseClick(page.open_report, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: browser.exists(), timeout=10000)
    assert browser.read_text().split() == [report.as_uri()]

    _sessions_list(qtbot, window, info.id, report, app_env["data"], browser, dialogs, screenshot)


def _sessions_list(
    qtbot, window, sid: int, report: Path, data: Path, browser, dialogs, screenshot
) -> None:
    sessions = window.sessions_page
    window.tabs.setCurrentWidget(sessions)
    assert sessions.table.rowCount() == 1 and sessions.selected_id() == sid
    date, time_of_day, length, label = (sessions.table.item(0, c).text() for c in range(4))
    assert length == "under a minute" and label == "" and ":" in time_of_day

    # a label (a pseudonym), shown in the list and on the report
    sessions.label.setText("R.")
    qtbot.mouseClick(sessions.save_label, Qt.MouseButton.LeftButton)
    assert sessions.table.item(0, 3).text() == "R."

    # a note started from a reflective prompt, then edited, then deleted
    notes = sessions.notes
    prompt = next(b for b in notes.findChildren(type(notes.add)) if b.text() == "What moved me")
    qtbot.mouseClick(prompt, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(notes.editor, "her laugh at the end")
    qtbot.mouseClick(notes.add, Qt.MouseButton.LeftButton)
    with SessionStore(data) as store:
        (note,) = store.note_list(sid)
    assert note.text == "What moved me: her laugh at the end"
    assert notes.list.count() == 1
    notes.list.setCurrentRow(0)
    notes.editor.setPlainText("What moved me: her laugh, and mine")
    qtbot.mouseClick(notes.save, Qt.MouseButton.LeftButton)
    with SessionStore(data) as store:
        (edited,) = store.note_list(sid)
    assert (edited.id, edited.text) == (note.id, "What moved me: her laugh, and mine")
    assert edited.edited_at is not None

    screenshot(window, "sessions")
    # the report written again from the list carries the label and the note
    qtbot.mouseClick(sessions.open_report, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(browser.read_text().split()) == 2, timeout=10000)
    html = report.read_text()
    assert "R. ·" in html and "her laugh, and mine" in html
    # its day: the session as a card with its label (the day view)
    qtbot.mouseClick(sessions.open_day, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(browser.read_text().split()) == 3, timeout=20000)
    (day_page,) = report.parent.glob("day-*.html")
    assert browser.read_text().split()[-1] == day_page.as_uri()
    day_html = day_page.read_text()
    assert day_html.count('class="card"') == 1 and "<h3>R.</h3>" in day_html

    notes.list.setCurrentRow(0)
    dialogs.answer("Delete note")
    qtbot.mouseClick(notes.delete, Qt.MouseButton.LeftButton)
    assert dialogs.asked == ["Delete this note? It cannot be brought back."]
    with SessionStore(data) as store:
        assert store.note_list(sid) == []

    # left out of "your usual", then deleted with every trace (after saying no once)
    qtbot.mouseClick(sessions.usual, Qt.MouseButton.LeftButton)
    with SessionStore(data) as store:
        assert store.session(sid).in_usual is False
    dialogs.answer("Cancel")
    qtbot.mouseClick(sessions.delete, Qt.MouseButton.LeftButton)
    with SessionStore(data) as store:
        assert [s.id for s in store.sessions()] == [sid]
    dialogs.answer("Delete session")
    qtbot.mouseClick(sessions.delete, Qt.MouseButton.LeftButton)
    assert dialogs.asked[-1].startswith(f"Delete the session of {date}, {time_of_day}")
    with SessionStore(data) as store:
        assert store.sessions() == []
    assert not report.exists() and not day_page.exists()
    assert sessions.table.rowCount() == 0 and sessions.empty.isVisible()


def test_a_session_whose_worker_ended_is_running_until_its_end_is_shown(
    qtbot, make_window, live_stream: str, app_env: dict
) -> None:
    """The worker's result is queued to the window's thread: between the worker's end and
    that result the window still counts the session as running (a Start then began a second
    session, whose buttons the first one's end then reset; tests waiting for the end read the
    window before it had said anything)."""
    window = make_window(camera_url=live_stream)
    page = window.session_page
    page.mic.setCurrentIndex(page.mic.count() - 1)  # video only
    window.start_session()
    qtbot.waitUntil(lambda: page.face_label.text() == "Face in view", timeout=30000)
    window.runner.stop()
    assert window.runner.wait(60)  # the worker has ended; its result waits in the queue
    assert window.running and page.start_stop.text() == "Stop session"
    window.start_session()  # nothing: this session has not ended here yet
    assert not window.runner.running
    qtbot.waitUntil(lambda: not window.running, timeout=10000)
    assert page.banner.text().startswith("Session kept"), page.banner.text()
    assert page.start_stop.text() == "Start session"
    with SessionStore(app_env["data"]) as store:
        assert len(store.sessions()) == 1
