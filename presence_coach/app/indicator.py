"""The optional small indicator: a dot on top of other windows while recording (and the cue
word, when cues are on), so the window itself can stay behind the call."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from presence_coach.app.icons import COLOURS, RECORDING

MARGIN_PX = 24  # from the screen's top-right corner


class Indicator(QWidget):
    """A small frameless window that stays on top; drag it where it does not cover the call."""

    def __init__(self) -> None:
        super().__init__(
            None,
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.WindowDoesNotAcceptFocus,
        )
        self.setWindowTitle("Presence Coach indicator")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setStyleSheet("background:#f3f6f6; border-radius:10px;")
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 12, 6)
        self.dot = QLabel("●")
        self.text = QLabel("Recording")
        row.addWidget(self.dot)
        row.addWidget(self.text)
        self.set_state(RECORDING)
        self._drag: QPoint | None = None

    def set_state(self, state: str, word: str = "") -> None:
        self.dot.setStyleSheet(f"color:{COLOURS[state].name()}; font-size:16pt;")
        self.text.setText(word or ("Recording" if state == RECORDING else "Check the window"))
        self.adjustSize()

    def show_in_corner(self) -> None:
        screen = QGuiApplication.primaryScreen().availableGeometry()
        self.adjustSize()
        self.move(screen.right() - self.width() - MARGIN_PX, screen.top() + MARGIN_PX)
        self.show()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._drag = event.globalPosition().toPoint() - self.pos()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            self.move(event.globalPosition().toPoint() - self._drag)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None
