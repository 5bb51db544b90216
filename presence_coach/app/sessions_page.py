"""The sessions: a list by date, time of day, length and label; the chosen session's report,
label, notes, "your usual", and deleting it with every trace."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from presence_coach.app.dialogs import confirm, open_page
from presence_coach.app.notes import NotesPanel
from presence_coach.errors import PresenceCoachError
from presence_coach.session.store import SessionInfo, SessionStore

COLUMNS = ("Date", "Time", "Length", "Label")


def local_start(info: SessionInfo) -> dt.datetime:
    t = dt.datetime.fromisoformat(info.started_at)
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).astimezone()


def length_words(info: SessionInfo) -> str:
    if info.status == "running":
        return "recording now"
    minutes = round((info.duration_s or 0.0) / 60)
    text = "under a minute" if minutes < 1 else f"{minutes} min"
    return text + (" (cut off)" if info.status == "recovered" else "")


def row_cells(info: SessionInfo) -> tuple[str, str, str, str]:
    """What the list shows of a session."""
    start = local_start(info)
    this_year = start.year == dt.datetime.now().astimezone().year
    date = start.strftime("%a %d %b" if this_year else "%a %d %b %Y")
    return (date, start.strftime("%H:%M"), length_words(info), info.label or "")


class SessionsPage(QWidget):
    """The list and the chosen session. ``data_dir`` is asked for each time (it may change)."""

    changed = Signal()  # sessions were deleted or relabelled

    def __init__(self, data_dir: Callable[[], Path | None]) -> None:
        super().__init__()
        self._data_dir = data_dir
        self._infos: list[SessionInfo] = []
        layout = QVBoxLayout(self)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.hide()
        layout.addWidget(self.banner)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._show_selected)
        split.addWidget(self.table)
        split.addWidget(self._detail())
        split.setSizes([440, 500])
        layout.addWidget(split, 1)
        self.empty = QLabel("No sessions yet. They appear here when you stop one.")
        layout.addWidget(self.empty)

    def _detail(self) -> QWidget:
        box = QWidget()
        col = QVBoxLayout(box)
        self.title = QLabel()
        self.title.setObjectName("sessionTitle")
        self.title.setWordWrap(True)
        col.addWidget(self.title)
        buttons = QHBoxLayout()
        self.open_report = QPushButton("Open the report")
        self.open_report.clicked.connect(self._open_report)
        self.delete = QPushButton("Delete session…")
        self.delete.clicked.connect(self._delete)
        self.open_day = QPushButton("Open its day")
        self.open_day.setToolTip("This session's day: its sessions side by side, and how you felt")
        self.open_day.clicked.connect(self._open_day)
        buttons.addWidget(self.open_report)
        buttons.addWidget(self.open_day)
        buttons.addStretch(1)
        buttons.addWidget(self.delete)
        col.addLayout(buttons)
        label_row = QHBoxLayout()
        self.label = QLineEdit()
        self.label.setPlaceholderText("Optional: a pseudonym, never a real name")
        self.label.setMaxLength(80)
        self.save_label = QPushButton("Save label")
        self.save_label.clicked.connect(self._save_label)
        self.label.returnPressed.connect(self._save_label)
        label_row.addWidget(QLabel("Label"))
        label_row.addWidget(self.label, 1)
        label_row.addWidget(self.save_label)
        col.addLayout(label_row)
        self.usual = QCheckBox(
            "Count this session in “your usual” (what later reports compare with)"
        )
        self.usual.clicked.connect(self._set_usual)
        col.addWidget(self.usual)
        self.notes = NotesPanel()
        self.notes.add_requested.connect(self._add_note)
        self.notes.edit_requested.connect(self._edit_note)
        self.notes.delete_requested.connect(self._delete_note)
        col.addWidget(self.notes, 1)
        self.detail = box
        box.setEnabled(False)
        return box

    # ---- the list ----------------------------------------------------------------------

    def _store(self) -> SessionStore:
        return SessionStore(self._data_dir())

    def refresh(self, select_id: int | None = None) -> None:
        """Read the list again (keeping the chosen session chosen)."""
        keep = select_id if select_id is not None else self.selected_id()
        try:
            with self._store() as store:
                self._infos = list(reversed(store.sessions()))  # newest first
        except PresenceCoachError as exc:
            self._infos = []
            self.show_problem(str(exc))
        self.table.setRowCount(len(self._infos))
        for r, info in enumerate(self._infos):
            for c, text in enumerate(row_cells(info)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.empty.setVisible(not self._infos)
        rows = [r for r, i in enumerate(self._infos) if i.id == keep]
        if rows:
            self.table.selectRow(rows[0])
        else:
            self.table.clearSelection()
        self._show_selected()

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self._infos[rows[0].row()].id if rows else None

    def select(self, session_id: int) -> None:
        self.refresh(select_id=session_id)

    def _info(self) -> SessionInfo | None:
        sid = self.selected_id()
        return next((i for i in self._infos if i.id == sid), None)

    def _show_selected(self) -> None:
        info = self._info()
        self.detail.setEnabled(info is not None and info.status != "running")
        if info is None:
            self.title.setText("Choose a session on the left.")
            self.label.setText("")
            self.notes.set_notes([])
            return
        date, time_of_day, length, _ = row_cells(info)
        self.title.setText(f"Session of {date}, {time_of_day} · {length}")
        self.label.setText(info.label or "")
        self.usual.setChecked(info.in_usual)
        self._load_notes(info.id)

    def _load_notes(self, session_id: int, select_note: int | None = None) -> None:
        try:
            with self._store() as store:
                self.notes.set_notes(store.note_list(session_id), select_note)
        except PresenceCoachError as exc:
            self.show_problem(str(exc))

    def show_problem(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setStyleSheet("background:#fbeedd; color:#5a3a06; padding:8px;")
        self.banner.setVisible(bool(text))

    # ---- what the user does ------------------------------------------------------------

    def _do(self, action: Callable[[SessionStore], object]) -> bool:
        """Run ``action`` on the store; a problem is one sentence on the page."""
        try:
            with self._store() as store:
                action(store)
        except PresenceCoachError as exc:
            self.show_problem(str(exc))
            return False
        self.show_problem("")
        return True

    def _open_report(self) -> None:
        from presence_coach.summary.pages import write_report

        sid = self.selected_id()
        if sid is None:
            return
        pages: list[Path] = []
        if self._do(lambda store: pages.append(write_report(store, sid)[0])):
            open_page(pages[0])

    def _open_day(self) -> None:
        from presence_coach.summary.day import day_sessions, render_day
        from presence_coach.summary.pages import write_private_page

        info = self._info()
        if info is None:
            return
        day = local_start(info).date()
        pages: list[Path] = []

        def write(store: SessionStore) -> None:
            html = render_day(day, day_sessions(store, day))
            pages.append(write_private_page(store, f"day-{day.isoformat()}.html", html))

        if self._do(write):
            open_page(pages[0])

    def _save_label(self) -> None:
        sid = self.selected_id()
        if sid is not None and self._do(lambda s: s.set_label(sid, self.label.text())):
            self.refresh(sid)
            self.changed.emit()

    def _set_usual(self, checked: bool) -> None:
        from presence_coach.summary.pages import refresh_reports_after

        sid = self.selected_id()

        def apply(store: SessionStore) -> None:
            store.set_in_usual(sid, checked)
            refresh_reports_after(store, sid)  # later pages compare without (or with) it

        if sid is not None and self._do(apply):
            self.refresh(sid)

    def _add_note(self, text: str) -> None:
        sid = self.selected_id()
        if sid is not None and self._do(lambda s: s.add_note(sid, text)):
            self._load_notes(sid)

    def _edit_note(self, note_id: int, text: str) -> None:
        sid = self.selected_id()
        if sid is not None and self._do(lambda s: s.edit_note(note_id, text)):
            self._load_notes(sid, select_note=note_id)

    def _delete_note(self, note_id: int) -> None:
        sid = self.selected_id()
        if sid is None or not confirm(
            self, "Delete note", "Delete this note? It cannot be brought back.", "Delete note"
        ):
            return
        if self._do(lambda s: s.delete_note(note_id)):
            self._load_notes(sid)

    def _delete(self) -> None:
        from presence_coach.session.datadir import data_dir_path
        from presence_coach.session.forget import forget_session
        from presence_coach.summary.pages import refresh_reports_after

        info = self._info()
        if info is None:
            return
        date, time_of_day, _, _ = row_cells(info)
        question = (
            f"Delete the session of {date}, {time_of_day} and everything recorded with it "
            "(its notes and report page)? This cannot be undone."
        )
        if not confirm(self, "Delete session", question, "Delete session"):
            return
        try:
            done = forget_session(data_dir_path(self._data_dir()), info.id)
        except PresenceCoachError as exc:
            self.show_problem(str(exc))
            return
        self._do(lambda store: refresh_reports_after(store, info.id))
        if done.rebuilt is not None:  # after _do, which clears the page's message
            self.show_problem(
                "The session database was damaged: it was rebuilt without this session, "
                "keeping what could be read of the others."
            )
        self.refresh()
        self.changed.emit()
