"""The main window: the session page, the sessions list and the settings, with the tray.

It owns the remembered settings, the session runner and the tray, and decides what closing
and quitting mean while a session runs (keep recording in the tray, or ask first).
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget

from presence_coach.app import controls
from presence_coach.app.collector import GuiThreadCollector
from presence_coach.app.dialogs import confirm, show_folder
from presence_coach.app.icons import IDLE, PROBLEM, RECORDING, state_icon
from presence_coach.app.indicator import Indicator
from presence_coach.app.problems import Problem, ProblemWatch
from presence_coach.app.runner import Recorded, SessionRunner
from presence_coach.app.session_page import INFO, SessionPage
from presence_coach.app.session_page import PROBLEM as PROBLEM_MESSAGE
from presence_coach.app.sessions_page import SessionsPage
from presence_coach.app.settings import changed, load_settings, save_settings
from presence_coach.app.settings_page import SettingsPage
from presence_coach.app.status import NO_PICTURE_AFTER_S, LongSpeechCue, Snapshot
from presence_coach.app.tray import Tray
from presence_coach.errors import PresenceCoachError

TITLE = "Presence Coach"
WATCH_EVERY_MS = 1000  # how often a running session is checked for a silent camera
CUE_SHOWN_S = 20.0  # a cue stays this long, then goes quietly


class MainWindow(QMainWindow):
    quitting = Signal()  # the app is about to quit (any session was stopped and kept)

    def __init__(self, *, camera_url: str = "") -> None:
        super().__init__()
        # Qt objects are collected on this thread only (never on the session's: a deadlock)
        self.collector = GuiThreadCollector(self)
        self.setWindowTitle(TITLE)
        self.setWindowIcon(state_icon(IDLE))
        self.settings, settings_problem = load_settings()
        if camera_url:
            self.settings = changed(self.settings, camera=camera_url, camera_id="")
        self.runner = SessionRunner()
        self.tray = Tray()
        self.cue = LongSpeechCue()
        self.indicator = Indicator()
        self._cue_word, self._cue_until = "", 0.0  # the cue shown until that session time
        self.cameras: list = []
        self._last_status = 0.0  # monotonic time of the newest status
        self._elapsed_s = 0.0  # session time of the newest status (0: none yet)
        self.problems = ProblemWatch()  # what is wrong in the running session
        self._active = False  # from Start until the session's end was handled here
        self._quit_when_stopped = False
        self._quitting = False
        self.wizard = None  # the calibration wizard while it is open
        self._last_page: Path | None = None
        self._build()
        self._connect()
        self.watch = QTimer(self)
        self.watch.setInterval(WATCH_EVERY_MS)
        self.watch.timeout.connect(self._watch)
        if settings_problem:
            self.session_page.show_message(settings_problem, PROBLEM_MESSAGE)
        self.resize(980, 660)

    def _build(self) -> None:
        self.session_page = SessionPage()
        self.sessions_page = SessionsPage(self.data_dir)
        self.settings_page = SettingsPage()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.session_page, "Session")
        self.tabs.addTab(self.sessions_page, "Your sessions")
        self.tabs.addTab(self.settings_page, "Settings")
        self.setCentralWidget(self.tabs)
        quit_action = QAction("Quit Presence Coach", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.request_quit)
        self.menuBar().addMenu("&File").addAction(quit_action)
        s = self.settings
        self.session_page.eco.setChecked(s.eco)
        for box, value in (
            (self.settings_page.eco, s.eco),
            (self.settings_page.cues, s.cues),
            (self.settings_page.indicator, s.indicator),
        ):
            box.setChecked(value)
        self.settings_page.set_folder(str(controls.data_folder(s)))

    def _connect(self) -> None:
        sp, st, tray = self.session_page, self.settings_page, self.tray
        sp.start_clicked.connect(self.start_session)
        sp.stop_clicked.connect(self.stop_session)
        sp.choice_changed.connect(self._choices_changed)
        sp.calibrate_clicked.connect(self.open_wizard)
        sp.open_report_clicked.connect(self._open_last_report)
        st.options_changed.connect(self._options_changed)
        st.data_dir_chosen.connect(self.set_data_dir)
        st.show_files_clicked.connect(self._show_files)
        st.share_chosen.connect(lambda target: self._remember(share_camera=target))
        self.tabs.currentChanged.connect(self._tab_changed)
        self.runner.status.connect(self._on_status)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.notice.connect(lambda text: sp.show_message(text, PROBLEM_MESSAGE))
        tray.open_requested.connect(self.bring_to_front)
        tray.start_requested.connect(self.start_session)
        tray.stop_requested.connect(self.stop_session)
        tray.quit_requested.connect(self.request_quit)

    # ---- settings and devices ----------------------------------------------------------

    def data_dir(self) -> Path | None:
        return Path(self.settings.data_dir) if self.settings.data_dir else None

    def _remember(self, **changes: object) -> None:
        self.settings = changed(self.settings, **changes)
        try:
            save_settings(self.settings)
        except (OSError, PresenceCoachError) as exc:
            self.session_page.show_message(
                f"Your choices could not be saved for next time ({exc}).", PROBLEM_MESSAGE
            )

    def load_devices(self) -> None:
        """List cameras and microphones (after the window is up: PortAudio takes a moment)."""
        self.cameras, mics, problem = controls.list_devices(self.settings)
        cam_index = controls.remembered_camera(self.cameras, self.settings)
        mic = self.settings.mic if self.settings.use_mic else None
        self.session_page.set_devices(self.cameras, cam_index, mics, mic)
        self.session_page.set_call_audio(controls.call_audio_sources(), self.settings.call_audio)
        self.settings_page.set_share(*controls.sharing(self.settings.share_camera))
        if problem:
            self.session_page.show_message(problem, PROBLEM_MESSAGE)
        # a moment later: reading the profile loads the voice analysis (SciPy)
        QTimer.singleShot(0, self._show_calibration)

    def _choices_changed(self) -> None:
        camera = self.session_page.chosen_camera()
        mic = self.session_page.chosen_mic()
        eco = self.session_page.eco.isChecked()
        self.settings_page.eco.setChecked(eco)
        self._remember(
            camera=camera.name if camera else "",
            camera_id=camera.stable_id if camera else "",
            mic=mic or "",
            use_mic=mic is not None,
            call_audio=self.session_page.chosen_call_audio(),
            eco=eco,
        )
        self._show_calibration()

    def _options_changed(self) -> None:
        st = self.settings_page
        self.session_page.eco.setChecked(st.eco.isChecked())
        self._remember(
            eco=st.eco.isChecked(), cues=st.cues.isChecked(), indicator=st.indicator.isChecked()
        )

    def set_data_dir(self, folder: str) -> bool:
        """Keep sessions in ``folder`` from now on, if it can be used (else say why)."""
        problem = controls.data_dir_problem(Path(folder))
        self.settings_page.show_problem(problem or "")
        if problem:
            return False
        self._remember(data_dir=folder)
        self.settings_page.set_folder(str(controls.data_folder(self.settings)))
        self.sessions_page.refresh()
        return True

    def _show_files(self) -> None:
        folder = controls.data_folder(self.settings)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not show_folder(folder):
            self.settings_page.show_problem(
                f"No file manager could be opened; the folder is {folder}"
            )

    def _show_calibration(self) -> None:
        self.session_page.set_calibration(
            controls.calibration_words(
                self.session_page.chosen_camera(), self.session_page.chosen_mic()
            )
        )

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.sessions_page:
            self.sessions_page.refresh()

    # ---- a session ---------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """A session was started and its end not handled yet (its worker may have ended a
        moment before its result, queued to this thread, arrives)."""
        return self._active

    def start_session(self) -> None:
        if self.running:
            return
        request, problem = controls.session_request(
            self.session_page.chosen_camera(),
            self.session_page.chosen_mic(),
            eco=self.session_page.eco.isChecked(),
            data_dir=self.data_dir(),
            call_audio=self.session_page.chosen_call_audio(),
            share_camera=self.settings.share_camera,
        )
        if request is None:
            self.session_page.show_message(problem or "", PROBLEM_MESSAGE)
            return
        self.problems.reset(mic_wanted=self.session_page.chosen_mic() is not None)
        self._elapsed_s = 0.0
        self.cue.reset()
        self._cue_word, self._cue_until = "", 0.0
        self._last_status = time.monotonic()
        self.session_page.clear_message()
        self.session_page.set_running(True)
        self.tray.set_state(RECORDING, running=True)
        self.setWindowIcon(state_icon(RECORDING))
        self._active = True
        self.runner.start(request)
        self.watch.start()
        if self.settings.indicator:
            self.indicator.set_state(RECORDING)
            self.indicator.show_in_corner()

    def stop_session(self) -> None:
        if self.running:
            self.session_page.time_label.setText("Stopping and writing the report…")
            self.runner.stop()

    def _on_status(self, snap: Snapshot) -> None:
        if not self.running:
            return
        self._last_status = time.monotonic()
        self._elapsed_s = snap.t_s
        if self.settings.cues and (word := self.cue.update(snap.t_s, snap.mic_dbfs)):
            self._cue_word, self._cue_until = word, snap.t_s + CUE_SHOWN_S
        cue = self._cue_word if snap.t_s < self._cue_until else ""
        self.session_page.show_status(snap, snap.t_s, cue)
        wrong, new = self.problems.update(snap)
        for problem in new:
            self._tell(problem)
        state = PROBLEM if wrong else RECORDING
        self.tray.set_state(state, running=True)
        self.setWindowIcon(state_icon(state))
        self.indicator.set_state(state, cue)

    def _watch(self) -> None:
        """No status for a while: the camera gives no picture (frames drive the status)."""
        silent_s = time.monotonic() - self._last_status
        if self.running and self._elapsed_s > 0 and silent_s > NO_PICTURE_AFTER_S:
            self.session_page.show_no_picture(self._elapsed_s + silent_s)
            if (problem := self.problems.tell("camera")) is not None:
                self._tell(problem)

    def _tell(self, problem: Problem) -> None:
        """A notification from the tray (or the window), the problem icon, and the window;
        good news (saving works again) calmly, without the problem icon."""
        if not problem.good_news:
            self.tray.set_state(PROBLEM, running=self.running)
            self.setWindowIcon(state_icon(PROBLEM))
        self.tray.notify(problem.title, problem.text, problem=not problem.good_news)
        kind = INFO if problem.good_news else PROBLEM_MESSAGE
        self.session_page.show_message(f"{problem.title}. {problem.text}", kind)

    def _on_finished(self, recorded: Recorded) -> None:
        self._ended()
        self._last_page = recorded.page
        self.session_page.show_message(controls.finished_words(recorded), INFO)
        self.session_page.open_report.setVisible(recorded.page is not None)
        self.sessions_page.select(recorded.session_id)
        if self._quit_when_stopped:
            self._quit()

    def _on_failed(self, message: str) -> None:
        self._ended()
        self.tray.set_state(PROBLEM, running=False)
        self.setWindowIcon(state_icon(PROBLEM))
        self.session_page.show_message(controls.for_the_app(message), PROBLEM_MESSAGE)
        self.tray.notify("The session could not go on", controls.for_the_app(message))
        if self._quit_when_stopped:
            self._quit()

    def _ended(self) -> None:
        self._active = False
        self.runner.wait(5.0)
        self.watch.stop()
        self.indicator.hide()
        self.session_page.set_running(False)
        self.tray.set_state(IDLE, running=False)
        self.setWindowIcon(state_icon(IDLE))

    def open_wizard(self) -> None:
        """The calibration wizard for the chosen camera and microphone (full screen)."""
        from presence_coach.app.wizard import CalibrationWizard

        if self.running:
            return
        devices, model_path, problem = controls.wizard_devices(
            self.session_page.chosen_camera(), self.session_page.chosen_mic()
        )
        if problem or devices is None or model_path is None:
            self.session_page.show_message(problem or "", PROBLEM_MESSAGE)
            return
        self.session_page.clear_message()
        self.wizard = CalibrationWizard(devices, model_path)
        self.wizard.ended.connect(self._wizard_ended)
        self.session_page.start_stop.setEnabled(False)
        self.tray.start_action.setEnabled(False)
        self.wizard.open()

    def _wizard_ended(self, saved: bool) -> None:
        self.session_page.start_stop.setEnabled(True)
        self.tray.set_state(IDLE, running=False)
        self._show_calibration()
        if saved:
            self.session_page.show_message("Calibrated: sessions with this set-up use it.", INFO)

    def _open_last_report(self) -> None:
        from presence_coach.app.dialogs import open_page

        if self._last_page is not None:
            open_page(self._last_page)

    # ---- the window, the tray and quitting ---------------------------------------------

    def bring_to_front(self) -> None:
        self.show()
        self.setWindowState(self.windowState() & ~self.windowState().WindowMinimized)
        self.raise_()
        self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._quitting or not self.running:
            event.accept()
            self._quit()
            return
        if self._quit_when_stopped:  # stopping, then quitting: nothing to ask
            event.ignore()
            return
        if self.tray.available:
            event.ignore()
            self.hide()
            if not self.settings.tray_note_shown:
                self.tray.notify(
                    "Still recording",
                    "Presence Coach keeps recording here. Stop it from this icon's menu.",
                    problem=False,
                )
                self._remember(tray_note_shown=True)
            return
        event.ignore()
        self.request_quit()

    def _quit(self) -> None:
        if not self._quitting:
            self._quitting = True
            self.quitting.emit()
            self.tray.hide()
            self.indicator.close()
            QApplication.quit()

    def stop_and_quit(self) -> None:
        """Stop without asking (a signal from the system), keep the session, then quit."""
        if not self.running:
            self._quit()
            return
        self._quit_when_stopped = True
        self.stop_session()

    def request_quit(self) -> None:
        """Quit; while a session runs, ask first (stopping keeps it and writes its report)."""
        if not self.running:
            self._quit()
            return
        if confirm(
            self,
            "Stop the session?",
            "A session is recording. Stop it and quit? What was recorded is kept and its "
            "report written.",
            "Stop and quit",
            "Keep recording",
        ):
            self._quit_when_stopped = True
            self.stop_session()
