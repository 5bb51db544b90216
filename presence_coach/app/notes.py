"""Notes on a session: write, edit and delete them, with a few reflective prompts."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from presence_coach.session.store import Note

# (button, what it starts a line with): questions for reflecting after a session
PROMPTS: tuple[tuple[str, str], ...] = (
    ("What moved me", "What moved me: "),
    ("Where I felt blocked", "Where I felt blocked: "),
    ("What surprised me", "What surprised me: "),
    ("For supervision", "To bring to supervision: "),
)


class NotesPanel(QWidget):
    """A session's notes; the sessions page stores what the user does here."""

    add_requested = Signal(str)  # the text of a new note
    edit_requested = Signal(int, str)  # note id, its new text
    delete_requested = Signal(int)  # note id

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Your notes (kept only on this computer)"))
        self.list = QListWidget()
        self.list.setMaximumHeight(110)
        self.list.currentItemChanged.connect(self._selected)
        layout.addWidget(self.list)
        prompts = QHBoxLayout()
        for label, start in PROMPTS:
            button = QPushButton(label)
            button.setObjectName("prompt")
            button.clicked.connect(lambda _=False, s=start: self._insert(s))
            prompts.addWidget(button)
        prompts.addStretch(1)
        layout.addLayout(prompts)
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText(
            "A few words for yourself: what stayed with you from this session?"
        )
        self.editor.setMinimumHeight(90)
        layout.addWidget(self.editor)
        layout.addLayout(self._buttons())

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.add = QPushButton("Add note")
        self.save = QPushButton("Save changes")
        self.delete = QPushButton("Delete note")
        self.new = QPushButton("New note")
        self.add.clicked.connect(self._add)
        self.save.clicked.connect(self._save)
        self.delete.clicked.connect(self._delete)
        self.new.clicked.connect(lambda: self.list.setCurrentRow(-1))
        for b in (self.add, self.save, self.delete, self.new):
            row.addWidget(b)
        row.addStretch(1)
        return row

    def set_notes(self, notes: list[Note], select_id: int | None = None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for n in notes:
            first = n.text.strip().splitlines()[0] if n.text.strip() else "(empty)"
            item = QListWidgetItem(f"{n.created_at[:10]}  {first[:70]}")
            item.setData(256, n)  # Qt.UserRole
            self.list.addItem(item)
        self.list.setCurrentRow(-1)
        self.list.blockSignals(False)
        row = next((i for i, n in enumerate(notes) if n.id == select_id), -1)
        self.list.setCurrentRow(row)
        self._selected(self.list.currentItem(), None)

    def selected(self) -> Note | None:
        item = self.list.currentItem()
        return item.data(256) if item is not None else None

    def _selected(self, item: QListWidgetItem | None, _previous: object) -> None:
        note = item.data(256) if item is not None else None
        self.editor.setPlainText(note.text if note else "")
        self.add.setVisible(note is None)
        self.new.setVisible(note is not None)
        self.save.setVisible(note is not None)
        self.delete.setVisible(note is not None)

    def _insert(self, start: str) -> None:
        cursor = self.editor.textCursor()
        if self.editor.toPlainText() and not cursor.atBlockStart():
            cursor.insertText("\n")
        cursor.insertText(start)
        self.editor.setTextCursor(cursor)
        self.editor.setFocus()

    def _add(self) -> None:
        text = self.editor.toPlainText().strip()
        if text:
            self.add_requested.emit(text)

    def _save(self) -> None:
        note, text = self.selected(), self.editor.toPlainText().strip()
        if note is not None and text:
            self.edit_requested.emit(note.id, text)

    def _delete(self) -> None:
        note = self.selected()
        if note is not None:
            self.delete_requested.emit(note.id)
