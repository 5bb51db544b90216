"""The calibration wizard: full screen, one step at a time, large text, a countdown with
sound cues, a live checklist of the set-up, and only a failed step is tried again.

The steps and their measurement are the library's (``calibration.live.LiveCalibration``,
``calibration.routine``), run by :class:`~presence_coach.app.wizard_worker.WizardWorker`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent, QPixmap
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from presence_coach.app.controls import for_the_app
from presence_coach.app.sound import Chimes
from presence_coach.app.wizard_pages import DonePage, IntroPage, MessagePage, SetupPage
from presence_coach.app.wizard_view import StepView, StepWords
from presence_coach.app.wizard_worker import WizardDevices, WizardWorker
from presence_coach.calibration.steps import READ_SENTENCE, STEPS

COUNTDOWN_S = 3  # seconds counted down (with a tick each) before a step records
WORDS = {
    "camera": StepWords(
        "Look into the camera lens",
        "The lens is usually just above the screen, in the middle. Keep looking at it until "
        "the second chime.",
    ),
    "screen": StepWords(
        "Look at the middle of this box",
        "It is where your client's face will be. If your call window is open, move it over "
        "the box.",
    ),
    "away": StepWords(
        "Look away from the screen", "At your notes, or at the door, as you do in a session."
    ),
    "silence": StepWords("Stay quiet for a moment", "Just a few seconds of the room as it is."),
    "read": StepWords("Read this aloud, in your session voice", READ_SENTENCE),
    "nod": StepWords("Nod once or twice", "As you would to a client while listening."),
}


class CalibrationWizard(QWidget):
    step_shown = Signal(str)  # a step's words are on the screen (the countdown starts)
    recording = Signal(str)  # the step records from now (the "go" chime)
    ended = Signal(bool)  # the wizard closed; True when a profile was saved

    def __init__(self, devices: WizardDevices, model_path: Path) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setWindowTitle("Presence Coach calibration")
        self.setObjectName("wizard")
        self.setStyleSheet("QWidget#wizard, QStackedWidget > QWidget { background: #fbfcfc; }")
        self.devices = devices
        self.chimes = Chimes()
        self.worker = WizardWorker(devices, model_path)
        self.index = 0  # the step being done (position in STEPS)
        self.saved: Path | None = None
        self._left = 0
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._build()
        self._connect()

    def _build(self) -> None:
        self.pages = QStackedWidget()
        self.intro = IntroPage()
        self.setup = SetupPage()
        self.step_view = StepView()
        self.message = MessagePage()
        self.done_page = DonePage()
        for page in (self.intro, self.setup, self.step_view, self.message, self.done_page):
            self.pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    def _connect(self) -> None:
        w = self.worker
        w.opened.connect(self.intro.ready)
        w.failed.connect(self._failed)
        w.picture.connect(self._picture)
        w.checklist.connect(self.setup.show_rows)
        w.progress.connect(self._progress)
        w.step_done.connect(self._step_done)
        w.finished.connect(self._finished)
        self.intro.begin.clicked.connect(self._begin)
        self.setup.go_on.clicked.connect(lambda: self._show_step(0))
        self.message.retry.clicked.connect(lambda: self._show_step(self.index))
        for button in (self.intro.cancel, self.setup.cancel, self.message.cancel):
            button.clicked.connect(self.close)
        self.done_page.finish.clicked.connect(self.close)

    def open(self) -> None:
        """Full screen on the screen the user is on; the devices open meanwhile."""
        screen = QGuiApplication.primaryScreen().geometry()
        self.setGeometry(screen)
        self.showFullScreen()
        self.worker.start()

    # ---- the flow ----------------------------------------------------------------------

    def _begin(self) -> None:
        self.pages.setCurrentWidget(self.setup)
        self.worker.preview()

    def _show_step(self, index: int) -> None:
        self.index = index
        name = STEPS[index]
        self.pages.setCurrentWidget(self.step_view)
        self.step_view.show_step(name, f"Step {index + 1} of {len(STEPS)}", WORDS[name])
        self._left = COUNTDOWN_S
        self.step_view.set_countdown(f"Starting in {self._left}")
        self.chimes.play("tick")
        self._timer.start()
        self.step_shown.emit(name)

    def _tick(self) -> None:
        self._left -= 1
        if self._left > 0:
            self.step_view.set_countdown(f"Starting in {self._left}")
            self.chimes.play("tick")
            return
        self._timer.stop()
        name = STEPS[self.index]
        self.step_view.set_countdown("Now", 0.0)
        self.chimes.play("go")
        self.worker.capture(name)
        self.recording.emit(name)

    def _progress(self, name: str, left_s: float) -> None:
        from presence_coach.calibration.live import step_duration_s

        share = 1 - left_s / step_duration_s(name)
        self.step_view.set_countdown("Now", min(1.0, max(0.0, share)))

    def _step_done(self, name: str, problem: str) -> None:
        self.chimes.play("done")
        if problem:
            self.index = STEPS.index(name) if name in STEPS else self.index
            self.message.show_problem(f"Step {self.index + 1}: {WORDS[STEPS[self.index]].title}",
                                      for_the_app(problem.split(": ", 1)[-1]))  # fmt: skip
            self.pages.setCurrentWidget(self.message)
        elif self.index + 1 < len(STEPS):
            self._show_step(self.index + 1)
        else:
            self.step_view.set_countdown("Saving your calibration…")
            self.worker.finish()

    def _finished(self, result: object, path: Path) -> None:
        self.saved = path
        self.done_page.show_result(result, self.devices)
        self.pages.setCurrentWidget(self.done_page)

    def _failed(self, message: str) -> None:
        self._timer.stop()
        self.message.show_failure(for_the_app(message))
        self.pages.setCurrentWidget(self.message)

    def _picture(self, image: object) -> None:
        if self.pages.currentWidget() is self.setup:
            self.setup.picture.setPixmap(QPixmap.fromImage(image))

    # ---- leaving ------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._timer.stop()
        self.worker.close()
        self.ended.emit(self.saved is not None)
        event.accept()
