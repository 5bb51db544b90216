"""The wizard's pages besides the steps: the welcome, the set-up check (the camera picture
and the live checklist), a step to try again or a device that failed, and the result."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from presence_coach.app.wizard_checks import Row

TITLE_CSS = "font-size: 30pt; color: #1f3d40;"
TEXT_CSS = "font-size: 17pt; color: #2b3b3d;"
BUTTON_CSS = "font-size: 16pt; padding: 10px 28px;"
MARKS = {True: ("✓", "#3f7d84"), False: ("!", "#b7791f"), None: ("…", "#8a9a9c")}


def _label(text: str, css: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(css)
    return label


def _button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setStyleSheet(BUTTON_CSS)
    return button


class _Page(QWidget):
    """A centred column with a title, text and buttons at the bottom."""

    def __init__(self, title: str, text: str = "") -> None:
        super().__init__()
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        self.column = QVBoxLayout()
        self.column.setSpacing(24)
        outer.addLayout(self.column, 4)
        outer.addStretch(1)
        self.column.addStretch(1)
        self.title = _label(title, TITLE_CSS)
        self.text = _label(text, TEXT_CSS)
        self.column.addWidget(self.title)
        self.column.addWidget(self.text)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)

    def finish_layout(self) -> None:
        self.column.addSpacing(24)
        self.column.addLayout(self.buttons)
        self.column.addStretch(2)


class IntroPage(_Page):
    def __init__(self) -> None:
        super().__init__(
            "Calibration: about a minute",
            "Six short steps fit Presence Coach to you, this camera and this room: where you "
            "look, your voice, your nod. Each step is shown in large type, counted down, and "
            "marked by a soft chime when it starts and when it is done, so you can keep your "
            "eyes where they are asked to be.\n\nOpening the camera and microphone…",
        )
        self.cancel = _button("Not now")
        self.begin = _button("Begin")
        self.begin.setEnabled(False)
        self.buttons.addWidget(self.cancel)
        self.buttons.addWidget(self.begin)
        self.finish_layout()

    def ready(self) -> None:
        self.text.setText(self.text.text().replace("Opening the camera and microphone…",
                                                   "Ready when you are."))  # fmt: skip
        self.begin.setEnabled(True)
        self.begin.setFocus()


class SetupPage(QWidget):
    """The camera picture beside a checklist that follows what the camera and microphone
    get now, with the calibration's advice."""

    def __init__(self) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(60, 50, 60, 50)
        grid.setHorizontalSpacing(40)
        grid.setVerticalSpacing(24)
        grid.addWidget(_label("First, your set-up", TITLE_CSS), 0, 0, 1, 2)
        grid.addWidget(_label("Sit as you will in a session and say a few words. The list "
                              "follows what the camera and microphone get now.", TEXT_CSS),
                       1, 0, 1, 2)  # fmt: skip
        self.picture = QLabel()
        self.picture.setFixedSize(480, 360)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setStyleSheet("background: #e8eeee; border-radius: 8px;")
        grid.addWidget(self.picture, 2, 0, Qt.AlignmentFlag.AlignTop)
        self.rows = QVBoxLayout()
        self.rows.setSpacing(16)
        self.row_labels: dict[str, QLabel] = {}
        for title in ("Framing", "Light", "Camera height", "Microphone"):
            label = _label(f"… {title}", TEXT_CSS)
            self.row_labels[title] = label
            self.rows.addWidget(label)
        self.rows.addStretch(1)
        grid.addLayout(self.rows, 2, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel = _button("Not now")
        self.go_on = _button("Continue")
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.go_on)
        grid.addLayout(buttons, 3, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(2, 1)

    def show_rows(self, rows: tuple[Row, ...]) -> None:
        shown = {r.title: r for r in rows}
        for title, label in self.row_labels.items():
            row = shown.get(title, Row(title, None, "Waiting for your face in the picture."))
            mark, colour = MARKS[row.ok]
            label.setText(f'<span style="color:{colour}; font-weight:bold">{mark}</span>'
                          f"&nbsp; <b>{title}</b>: {row.text}")  # fmt: skip


class MessagePage(_Page):
    """A step to try again (only that step), or devices that could not be used."""

    def __init__(self) -> None:
        super().__init__("")
        self.cancel = _button("Stop calibrating")
        self.retry = _button("Try this step again")
        self.buttons.addWidget(self.cancel)
        self.buttons.addWidget(self.retry)
        self.finish_layout()

    def show_problem(self, title: str, text: str) -> None:
        self.title.setText(title)
        self.text.setText(f"{text}\n\nThe steps already done are kept.")
        self.retry.show()
        self.retry.setFocus()

    def show_failure(self, text: str) -> None:
        self.title.setText("The calibration cannot go on")
        self.text.setText(text)
        self.retry.hide()
        self.cancel.setText("Close")


class DonePage(_Page):
    def __init__(self) -> None:
        super().__init__("Calibrated")
        self.findings = _label("", TEXT_CSS)
        self.findings.setTextFormat(Qt.TextFormat.RichText)
        self.column.addWidget(self.findings)
        self.finish = _button("Finish")
        self.buttons.addWidget(self.finish)
        self.finish_layout()

    def show_result(self, result: object, devices: object) -> None:
        profile = result.profile  # type: ignore[attr-defined]
        self.text.setText(
            f"Saved for {devices.camera_name} and {devices.mic_name}. "  # type: ignore[attr-defined]
            "Every session with them uses it from now on."
        )
        advice = [f.advice for f in profile.findings if not f.ok and f.advice]
        if advice:
            items = "".join(f"<li>{a}</li>" for a in advice)
            self.findings.setText(f"Worth a look before your next session:<ul>{items}</ul>")
        else:
            self.findings.setText("Framing, light and microphone are all fine.")
