"""What the calibration wizard shows during a step, painted to fill the screen: the step's
words in large type, an arrow up to the camera lens, a box where the call window goes, the
countdown and a progress bar. Every piece has its own band of the screen: nothing overlaps."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from presence_coach.app.icons import arrow_path

INK = QColor("#1f3d40")
SOFT = QColor("#5b7275")
ACCENT = QColor("#3f7d84")
PAPER = QColor("#fbfcfc")


@dataclass(frozen=True)
class StepWords:
    title: str  # the instruction, very large
    body: str  # one or two sentences under it


@dataclass(frozen=True)
class Bands:
    """Vertical bands (share of the height) for a step's pieces."""

    title: tuple[float, float]
    body: tuple[float, float]
    countdown: tuple[float, float] = (0.66, 0.78)
    bar: float = 0.84


BANDS = {
    "camera": Bands(title=(0.31, 0.41), body=(0.42, 0.60)),
    "screen": Bands(title=(0.05, 0.14), body=(0.62, 0.70), countdown=(0.71, 0.80), bar=0.85),
    "read": Bands(title=(0.10, 0.18), body=(0.20, 0.60)),
}
DEFAULT_BANDS = Bands(title=(0.22, 0.34), body=(0.36, 0.58))
BOX = (0.27, 0.17, 0.46, 0.42)  # the call window's place: x, y, width, height (shares)


class StepView(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.step = ""
        self.heading = ""
        self.words = StepWords("", "")
        self.countdown = ""
        self.progress: float | None = None  # 0..1 while recording

    def show_step(self, step: str, heading: str, words: StepWords) -> None:
        self.step, self.heading, self.words = step, heading, words
        self.countdown, self.progress = "", None
        self.update()

    def set_countdown(self, text: str, progress: float | None = None) -> None:
        self.countdown, self.progress = text, progress
        self.update()

    def _font(self, share: float, bold: bool = False) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(max(12, round(self.height() * share)))
        font.setBold(bold)
        return font

    def _text(self, p: QPainter, band: tuple[float, float], text: str, font: QFont,
              colour: QColor, margin: float = 0.08) -> None:  # fmt: skip
        w, h = self.width(), self.height()
        rect = QRectF(w * margin, h * band[0], w * (1 - 2 * margin), h * (band[1] - band[0]))
        p.setFont(font)
        p.setPen(colour)
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), PAPER)
        w, h = self.width(), self.height()
        p.setFont(self._font(0.024))
        p.setPen(SOFT)
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        p.drawText(QRectF(w * 0.03, h * 0.02, w * 0.3, h * 0.05), left, self.heading)
        bands = BANDS.get(self.step, DEFAULT_BANDS)
        if self.step == "camera":
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(ACCENT)
            p.drawPath(arrow_path(QPointF(w / 2, h * 0.012), h * 0.27, h * 0.03))
        elif self.step == "screen":
            self._box(p)
        self._text(p, bands.title, self.words.title, self._font(0.05, bold=True), INK)
        body_share = 0.042 if self.step == "read" else 0.03
        self._text(p, bands.body, self.words.body, self._font(body_share), INK)
        self._text(p, bands.countdown, self.countdown, self._font(0.06, bold=True), ACCENT)
        if self.progress is not None:
            self._bar(p, bands.bar)
        p.end()

    def _box(self, p: QPainter) -> None:
        w, h = self.width(), self.height()
        x, y, bw, bh = BOX
        pen = QPen(ACCENT, max(2.0, h * 0.004), Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(QRectF(w * x, h * y, w * bw, h * bh), 12, 12)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(ACCENT)
        p.drawEllipse(QPointF(w * (x + bw / 2), h * (y + bh / 2)), h * 0.012, h * 0.012)
        self._text(p, (y + 0.01, y + 0.07), "Your call window here", self._font(0.022), SOFT,
                   margin=x + 0.01)  # fmt: skip

    def _bar(self, p: QPainter, y_share: float) -> None:
        w, h = self.width(), self.height()
        rect = QRectF(w * 0.3, h * y_share, w * 0.4, h * 0.014)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#dde6e6"))
        p.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
        done = QRectF(rect.x(), rect.y(), rect.width() * (self.progress or 0.0), rect.height())
        p.setBrush(ACCENT)
        p.drawRoundedRect(done, rect.height() / 2, rect.height() / 2)
