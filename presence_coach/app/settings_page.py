"""Settings: where the data is kept (and showing it), eco mode, cues, sharing the camera with
the call app, and what is private."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

PRIVACY = (
    "<p><b>Everything stays on this computer.</b> While a session runs, Presence Coach reads "
    "your own camera and microphone and keeps a few numbers a second about them (whether your "
    "face is in view, where you look, head movement, whether you are speaking, loudness and "
    "pitch) and the moments it finds (nods, pauses, eye contact). It never keeps pictures or "
    "sound. Your microphone may hear your client through your speakers; their voice is not "
    "kept either. With call audio (on the Session page), the call's sound is listened to "
    "as well, only to tell your voice from your client's; it is never kept.</p>"
    "<p>It makes no network connection while it runs. The only download is the face model, "
    "fetched once with <code>presence-coach models fetch</code> and checked against its "
    "published checksum.</p>"
    "<p>Your sessions, notes and report pages are in the data folder above, readable only by "
    "your user account. Deleting a session removes every trace of it.</p>"
    "<p>The numbers describe your own sessions for your own reflection. They are not a "
    "score, and nothing is compared with anyone else.</p>"
)


class SettingsPage(QWidget):
    data_dir_chosen = Signal(str)  # a folder the user picked
    show_files_clicked = Signal()
    options_changed = Signal()  # eco, cues or the indicator
    share_chosen = Signal(str)  # where to share the camera ("": not shared)

    def __init__(self) -> None:
        super().__init__()
        content = QWidget()  # in a scroll area: the page is taller than a small window
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(content)
        layout.setSpacing(14)
        layout.addWidget(self._folder_box())
        self.eco = QCheckBox("Eco mode: lighter on the computer (nods are still counted)")
        self.cues = QCheckBox(
            "Gentle cues: one quiet word in the window, rarely (after a very long stretch "
            "of speaking)"
        )
        self.indicator = QCheckBox("A small dot on top of other windows while recording")
        for box in (self.eco, self.cues, self.indicator):
            box.toggled.connect(self.options_changed)
            layout.addWidget(box)
        layout.addWidget(self._share_box())
        privacy = QGroupBox("Privacy")
        inner = QVBoxLayout(privacy)
        self.privacy = QLabel(PRIVACY)
        self.privacy.setWordWrap(True)
        self.privacy.setTextFormat(Qt.TextFormat.RichText)
        inner.addWidget(self.privacy)
        layout.addWidget(privacy)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.hide()
        layout.addWidget(self.banner)
        layout.addStretch(1)

    def _folder_box(self) -> QGroupBox:
        box = QGroupBox("Where your sessions are kept")
        col = QVBoxLayout(box)
        self.folder = QLabel()
        self.folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder.setWordWrap(True)
        col.addWidget(self.folder)
        row = QHBoxLayout()
        self.change = QPushButton("Change folder…")
        self.change.clicked.connect(self._choose)
        self.show_files = QPushButton("Show my files")
        self.show_files.clicked.connect(self.show_files_clicked)
        row.addWidget(self.change)
        row.addWidget(self.show_files)
        row.addStretch(1)
        col.addLayout(row)
        return box

    def _share_box(self) -> QGroupBox:
        box = QGroupBox("Share your camera with Zoom, Teams or Meet")
        col = QVBoxLayout(box)
        self.share = QComboBox()
        self.share.activated.connect(lambda _: self.share_chosen.emit(self.chosen_share()))
        self.share_words = QLabel()
        self.share_words.setWordWrap(True)
        self.share_words.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.share_how = QPushButton("How to set it up…")
        self.share_how.clicked.connect(self._show_share_steps)
        self.share_how.hide()
        self._share_steps = ""
        col.addWidget(self.share)
        col.addWidget(self.share_words)
        col.addWidget(self.share_how, alignment=Qt.AlignmentFlag.AlignLeft)
        return box

    def set_share(
        self, choices: list[tuple[str, str]], chosen: str, words: str, steps: str
    ) -> None:
        """The places the camera can be shared to (``(label, target)``, "" for off), the
        chosen one, what to say about sharing on this computer, and the steps to set it up
        ("": nothing to set up)."""
        self.share.clear()
        for label, target in choices:
            self.share.addItem(label, target)
        self.share.setCurrentIndex(max(self.share.findData(chosen), 0))
        self.share_words.setText(words)
        self._share_steps = steps
        self.share_how.setVisible(bool(steps))

    def _show_share_steps(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Share your camera", self._share_steps,
                          QMessageBox.StandardButton.Ok, self)  # fmt: skip
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.exec()

    def chosen_share(self) -> str:
        return self.share.currentData() or ""

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Keep sessions in", self.folder.text())
        if folder:
            self.data_dir_chosen.emit(folder)

    def set_folder(self, text: str) -> None:
        self.folder.setText(text)

    def show_problem(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setStyleSheet("background:#fbeedd; color:#5a3a06; padding:8px;")
        self.banner.setVisible(bool(text))
