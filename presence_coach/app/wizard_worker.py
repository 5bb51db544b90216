"""The calibration wizard's worker thread: the library's :class:`LiveCalibration` (camera,
microphone, the same steps and checks as ``presence-coach calibrate``) driven by commands
from the wizard, with pictures, the live checklist and each step's outcome sent back as
signals."""

from __future__ import annotations

import math
import queue
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from presence_coach.calibration.steps import StepInput
from presence_coach.errors import PresenceCoachError

PICTURE_WIDTH_PX = 480  # the set-up page's picture
PICTURES_EVERY_S = 0.1  # at most this often
CHECKLIST_EVERY_S = 0.5
PREVIEW_SAMPLES = 45  # the checklist looks at this many recent analysed frames ...
PREVIEW_ANALYSE_EVERY = 3  # ... taking every third frame
LEVEL_WINDOW_S = 3.0  # the microphone row looks at the loudest level of this long


@dataclass(frozen=True)
class WizardDevices:
    """What the wizard calibrates."""

    camera: int | str  # what to open: an index or a stream URL
    mic: str | None  # microphone name, None for the system's
    camera_key: str  # the profile's camera (stable id or name)
    mic_key: str  # the profile's microphone ("default": the system's)
    camera_name: str  # as the user knows them, for the last page
    mic_name: str


def to_qimage(bgr: np.ndarray, width_px: int = PICTURE_WIDTH_PX) -> QImage:
    """A copy of a BGR frame, scaled to ``width_px``, as a QImage (safe in any thread)."""
    import cv2

    h, w = bgr.shape[:2]
    small = cv2.resize(bgr, (width_px, max(1, round(h * width_px / w))))
    rgb = np.ascontiguousarray(small[:, :, ::-1])
    return QImage(rgb.data, rgb.shape[1], rgb.shape[0], 3 * rgb.shape[1],
                  QImage.Format.Format_RGB888).copy()  # fmt: skip


class WizardWorker(QObject):
    """Owns the camera and microphone while the wizard is open. Commands: :meth:`preview`,
    :meth:`capture`, :meth:`finish`, :meth:`close`."""

    opened = Signal()
    failed = Signal(str)  # the devices or the model cannot be used; one sentence
    picture = Signal(object)  # QImage
    checklist = Signal(object)  # wizard_checks.Row tuple
    progress = Signal(str, float)  # step, seconds left while it records
    step_done = Signal(str, str)  # step, "" when usable, else what to do
    finished = Signal(object, object)  # CalibrationResult, the profile's path
    closed = Signal()

    def __init__(self, devices: WizardDevices, model_path: Path) -> None:
        super().__init__()
        self.devices = devices
        self.model_path = model_path
        self.done: dict[str, StepInput] = {}  # usable steps so far
        self._commands: queue.Queue[tuple[str, str]] = queue.Queue()
        self._quit = threading.Event()
        self._thread = threading.Thread(target=self._main, name="calibration", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def preview(self) -> None:
        self._commands.put(("preview", ""))

    def capture(self, step: str) -> None:
        self._commands.put(("capture", step))

    def finish(self) -> None:
        self._commands.put(("finish", ""))

    def close(self, timeout_s: float = 15.0) -> None:
        """Stop (a step being recorded is abandoned) and close the devices."""
        self._quit.set()
        self._commands.put(("quit", ""))
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _main(self) -> None:
        from presence_coach.calibration.live import LiveCalibration

        d = self.devices
        try:
            with LiveCalibration(d.camera, d.mic, model_path=self.model_path) as cal:
                self.opened.emit()
                self._serve(cal)
        except PresenceCoachError as exc:
            if not self._quit.is_set():
                self.failed.emit(str(exc))
        except Exception:  # a bug: one sentence, the details for a bug report
            traceback.print_exc(file=sys.stderr)
            self.failed.emit("Something went wrong inside Presence Coach; nothing was saved.")
        finally:
            self.closed.emit()

    def _serve(self, cal: object) -> None:
        mode = "idle"
        while not self._quit.is_set():
            try:
                command, step = self._commands.get_nowait()
            except queue.Empty:
                self._show(cal, analyse=mode == "preview")
                continue
            if command == "quit":
                return
            if command == "preview":
                mode = "preview"
            elif command == "capture":
                mode = "idle"
                self._capture(cal, step)
            elif command == "finish":
                self._finish()

    # ---- between steps: the picture and the live checklist -----------------------------

    _next_picture = 0.0
    _next_checklist = 0.0
    _recent: deque | None = None
    _levels: deque | None = None
    _frames = 0

    def _show(self, cal: object, *, analyse: bool) -> None:
        frame = cal.read(timeout_s=0.25)  # type: ignore[attr-defined]
        if frame is None:
            return
        now = time.monotonic()
        if now >= self._next_picture:
            self._next_picture = now + PICTURES_EVERY_S
            self.picture.emit(to_qimage(frame.image))
        if analyse:
            self._observe(cal, frame, now)

    def _observe(self, cal: object, frame: object, now: float) -> None:
        from presence_coach.calibration.steps import face_luma

        if self._recent is None:
            self._recent, self._levels = deque(maxlen=PREVIEW_SAMPLES), deque()
        assert self._levels is not None
        self._frames += 1
        if self._frames % PREVIEW_ANALYSE_EVERY == 0:
            sample = cal.loop.analyze(frame)  # type: ignore[attr-defined]
            luma = face_luma(frame.image, sample.box) if sample.face else None  # type: ignore[attr-defined]
            self._recent.append((sample, luma))
        level = cal.level_dbfs  # type: ignore[attr-defined]
        if math.isfinite(level):
            self._levels.append((now, level))
        while self._levels and self._levels[0][0] < now - LEVEL_WINDOW_S:
            self._levels.popleft()
        if now >= self._next_checklist:
            self._next_checklist = now + CHECKLIST_EVERY_S
            self.checklist.emit(self._checklist())

    def _checklist(self) -> tuple:
        from presence_coach.app.wizard_checks import live_checklist

        assert self._recent is not None and self._levels is not None
        return live_checklist(list(self._recent), [lv for _, lv in self._levels])

    # ---- steps -------------------------------------------------------------------------

    def _capture(self, cal: object, name: str) -> None:
        from presence_coach.calibration.steps import CalibrationError

        next_picture = 0.0

        def on_frame(frame: object, left_s: float) -> bool:
            nonlocal next_picture
            if frame is not None and time.monotonic() >= next_picture:
                next_picture = time.monotonic() + PICTURES_EVERY_S
                self.picture.emit(to_qimage(frame.image))  # type: ignore[attr-defined]
            self.progress.emit(name, max(0.0, left_s))
            return not self._quit.is_set()

        try:
            step = cal.capture(name, on_frame)  # type: ignore[attr-defined]
            cal.check(step, self.done)  # type: ignore[attr-defined]
        except CalibrationError as exc:
            if not self._quit.is_set():
                self.step_done.emit(name, str(exc))
            return
        self.done[name] = step
        self.step_done.emit(name, "")

    def _finish(self) -> None:
        from presence_coach.calibration.profile import save_profile
        from presence_coach.calibration.routine import build_profile
        from presence_coach.calibration.steps import CalibrationError

        d = self.devices
        try:
            result = build_profile(self.done, camera=d.camera_key, mic=d.mic_key)
            path = save_profile(result.profile)
        except CalibrationError as exc:
            self.step_done.emit(exc.step, str(exc))
            return
        except (PresenceCoachError, OSError) as exc:
            self.failed.emit(f"The calibration could not be saved: {exc}")
            return
        self.finished.emit(result, path)
