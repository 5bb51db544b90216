"""The first page: choose the camera and microphone, one Start / Stop, and a calm status."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from presence_coach.app.devices import (
    AUTO_CALL_LABEL,
    DEFAULT_MIC_LABEL,
    NO_MIC_LABEL,
    OFF_CALL_LABEL,
    CameraChoice,
)
from presence_coach.app.status import (
    Snapshot,
    elapsed_words,
    face_words,
    level_fraction,
    saving_words,
)

INFO, PROBLEM = "info", "problem"
BANNER_STYLE = {
    INFO: "background:#e7f0ef; color:#1f3d40; border-radius:6px; padding:10px;",
    PROBLEM: "background:#fbeedd; color:#5a3a06; border-radius:6px; padding:10px;",
}


class SessionPage(QWidget):
    """Start / Stop, devices, eco mode, calibration state and the status while recording."""

    start_clicked = Signal()
    stop_clicked = Signal()
    calibrate_clicked = Signal()
    open_report_clicked = Signal()
    choice_changed = Signal()  # camera, microphone or eco changed by the user

    def __init__(self) -> None:
        super().__init__()
        self._running = False
        layout = QVBoxLayout(self)
        layout.setSpacing(14)
        self.heading = QLabel("Ready when you are")
        self.heading.setObjectName("heading")
        layout.addWidget(self.heading)
        layout.addLayout(self._device_form())
        layout.addLayout(self._calibration_row())
        self.start_stop = QPushButton("Start session")
        self.start_stop.setObjectName("startStop")
        self.start_stop.setMinimumHeight(56)
        self.start_stop.clicked.connect(self._start_stop)
        layout.addWidget(self.start_stop)
        layout.addWidget(self._status_box())
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        layout.addWidget(self.banner)
        self.open_report = QPushButton("Open the report")
        self.open_report.clicked.connect(self.open_report_clicked)
        self.open_report.hide()
        layout.addWidget(self.open_report, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def _device_form(self) -> QFormLayout:
        form = QFormLayout()
        self.camera = QComboBox()
        self.camera.setMinimumWidth(280)
        self.mic = QComboBox()
        self.call_audio = QComboBox()
        self.call_audio.setToolTip(
            "The call's sound tells your voice from your client's; it is analysed and never kept."
        )
        self.eco = QCheckBox("Eco mode: lighter on the computer (15 pictures a second)")
        for signal in (self.camera.activated, self.mic.activated, self.call_audio.activated):
            signal.connect(self.choice_changed)
        self.eco.toggled.connect(self.choice_changed)
        self.mic.currentIndexChanged.connect(self._sync_call_audio)
        form.addRow("Camera", self.camera)
        form.addRow("Microphone", self.mic)
        form.addRow("Call audio", self.call_audio)
        form.addRow("", self.eco)
        return form

    def _calibration_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.calibration = QLabel()
        self.calibration.setWordWrap(True)
        self.calibrate = QPushButton("Calibrate this set-up…")
        self.calibrate.clicked.connect(self.calibrate_clicked)
        row.addWidget(self.calibration, 1)
        row.addWidget(self.calibrate)
        return row

    def _status_box(self) -> QFrame:
        box = QFrame()
        box.setObjectName("statusBox")
        grid = QVBoxLayout(box)
        self.time_label = QLabel()
        self.face_label = QLabel()
        mic_row = QHBoxLayout()
        self.mic_words = QLabel("Microphone")
        self.level = QProgressBar()
        self.level.setRange(0, 100)
        self.level.setTextVisible(False)
        self.level.setMaximumHeight(10)
        mic_row.addWidget(self.mic_words)
        mic_row.addWidget(self.level, 1)
        self.saving_label = QLabel()
        self.cue_label = QLabel()
        self.cue_label.setObjectName("cue")
        for w in (self.time_label, self.face_label):
            grid.addWidget(w)
        grid.addLayout(mic_row)
        grid.addWidget(self.saving_label)
        grid.addWidget(self.cue_label)
        self.status_box = box
        box.hide()
        return box

    # ---- what the window tells it ------------------------------------------------------

    def _start_stop(self) -> None:
        (self.stop_clicked if self._running else self.start_clicked).emit()

    def set_devices(
        self, cameras: list[CameraChoice], cam_index: int | None, mics: list[str], mic: str | None
    ) -> None:
        """Fill the lists; ``mic`` "" is the system's microphone, None is no microphone."""
        self.camera.clear()
        for c in cameras:
            self.camera.addItem(c.name, c)
        if not cameras:
            self.camera.addItem("No camera found", None)
        self.camera.setCurrentIndex(cam_index or 0)
        self.mic.clear()
        self.mic.addItem(DEFAULT_MIC_LABEL, "")
        for name in mics:
            self.mic.addItem(name, name)
        self.mic.addItem(NO_MIC_LABEL, None)
        found = self.mic.findData(mic) if mic is not None else self.mic.count() - 1
        if mic and found < 0:  # remembered but not connected now: keep it, marked
            self.mic.insertItem(1, f"{mic} (not found now)", mic)
            found = 1
        self.mic.setCurrentIndex(max(found, 0))

    def set_call_audio(self, sources: list[str], remembered: str) -> None:
        """Fill the call-audio list: automatic, the sources found, off; select ``remembered``
        ("auto", "off" or a source's name, kept and marked when it is not there now)."""
        self.call_audio.clear()
        self.call_audio.addItem(AUTO_CALL_LABEL, "auto")
        for name in sources:
            self.call_audio.addItem(name, name)
        self.call_audio.addItem(OFF_CALL_LABEL, "off")
        found = self.call_audio.findData(remembered)
        if found < 0 and remembered:
            self.call_audio.insertItem(1, f"{remembered} (not found now)", remembered)
            found = 1
        self.call_audio.setCurrentIndex(max(found, 0))

    def _sync_call_audio(self) -> None:
        """The call's sound is told apart from the microphone's: without one, no choice."""
        self.call_audio.setEnabled(not self._running and self.mic.currentData() is not None)

    def chosen_call_audio(self) -> str:
        """ "auto", "off" or a call-audio source's name."""
        return self.call_audio.currentData() or "auto"

    def chosen_camera(self) -> CameraChoice | None:
        return self.camera.currentData()

    def chosen_mic(self) -> str | None:
        """The microphone's name, "" for the system's, None for none."""
        return self.mic.currentData()

    def set_calibration(self, text: str) -> None:
        self.calibration.setText(text)

    def set_running(self, running: bool) -> None:
        self._running = running
        self.start_stop.setText("Stop session" if running else "Start session")
        self.start_stop.setProperty("running", running)
        self.start_stop.style().polish(self.start_stop)
        self.heading.setText("Recording" if running else "Ready when you are")
        for w in (self.camera, self.mic, self.eco, self.calibrate):
            w.setEnabled(not running)
        self._sync_call_audio()
        self.status_box.setVisible(running)
        if running:
            self.open_report.hide()
            self.show_status(None, 0.0)

    def set_starting(self) -> None:
        self.start_stop.setEnabled(True)
        self.time_label.setText("Starting the camera and microphone…")

    def show_status(self, snap: Snapshot | None, elapsed_s: float, cue: str = "") -> None:
        if snap is None:
            self.time_label.setText("Starting the camera and microphone…")
            self.face_label.setText("")
            self.level.setValue(0)
            self.saving_label.setText(saving_words(None))
            self.cue_label.setText("")
            return
        self.time_label.setText(elapsed_words(elapsed_s))
        self.face_label.setText(face_words(snap.face))
        self.mic_words.setText("Microphone lost" if snap.mic_lost else "Microphone")
        self.level.setValue(round(100 * level_fraction(snap.mic_dbfs)))
        self.saving_label.setText(saving_words(snap.saving))
        self.cue_label.setText(cue)

    def show_no_picture(self, elapsed_s: float) -> None:
        self.time_label.setText(elapsed_words(elapsed_s))
        self.face_label.setText(face_words(None))

    def show_message(self, text: str, kind: str = INFO) -> None:
        self.banner.setText(text)
        self.banner.setStyleSheet(BANNER_STYLE[kind])
        self.banner.setProperty("kind", kind)
        self.banner.setVisible(bool(text))

    def clear_message(self) -> None:
        self.show_message("")
