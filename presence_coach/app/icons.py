"""The app's icons, drawn (no image files): the window's, and the tray's three states."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

IDLE, RECORDING, PROBLEM = "idle", "recording", "problem"
COLOURS = {  # calm colours: a muted teal at rest, a soft red while recording, amber for trouble
    IDLE: QColor("#4f7f86"),
    RECORDING: QColor("#c8554b"),
    PROBLEM: QColor("#d39b2a"),
}
SIZE_PX = 64


def state_icon(state: str) -> QIcon:
    """A round icon: a ring at rest, a filled dot while recording, a dot with ! on trouble."""
    pixmap = QPixmap(SIZE_PX, SIZE_PX)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = COLOURS[state]
    box = QRectF(6, 6, SIZE_PX - 12, SIZE_PX - 12)
    if state == IDLE:
        p.setPen(QPen(colour, 7))
        p.drawEllipse(box)
        p.setBrush(colour)
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(QPointF(SIZE_PX / 2, SIZE_PX / 2), 8, 8)
    else:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawEllipse(box)
    if state == PROBLEM:
        pen = QPen(QColor("white"), 7)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.drawLine(QPointF(32, 18), QPointF(32, 36))
        p.drawPoint(QPointF(32, 47))
    p.end()
    return QIcon(pixmap)


def arrow_path(tip: QPointF, length: float, width: float) -> QPainterPath:
    """An arrow pointing straight up to ``tip`` (for the wizard's "look into the lens")."""
    head = width * 1.6
    path = QPainterPath(tip)
    path.lineTo(tip.x() + head, tip.y() + head)
    path.lineTo(tip.x() + width / 2, tip.y() + head)
    path.lineTo(tip.x() + width / 2, tip.y() + length)
    path.lineTo(tip.x() - width / 2, tip.y() + length)
    path.lineTo(tip.x() - width / 2, tip.y() + head)
    path.lineTo(tip.x() - head, tip.y() + head)
    path.closeSubpath()
    return path
