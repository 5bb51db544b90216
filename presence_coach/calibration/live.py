"""The guided calibration on the camera and microphone: prompts, countdown and window.

Frames are analysed by the session's :class:`~presence_coach.session.engine.FrameLoop` (only
those of the look and nod steps, as from a recording); the microphone is read by the session's
:class:`~presence_coach.session.live.AudioWorker`, whose blocks go to :class:`StepAudio`, which
keeps the raw samples that the silent and reading steps measure. A step whose input is unusable
is explained and repeated, up to ``max_attempts``.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

from presence_coach.calibration.profile import CalibrationProfile
from presence_coach.calibration.routine import build_profile, check_step, record_frame
from presence_coach.calibration.steps import (
    DEFAULT_ROUTINE,
    READ_SENTENCE,
    STEP_PROMPTS,
    STEPS,
    CalibrationError,
    RoutineOptions,
    StepInput,
)
from presence_coach.clock import SessionClock
from presence_coach.session.engine import FrameLoop
from presence_coach.session.live import AudioWorker
from presence_coach.sources.base import AudioBlock
from presence_coach.sources.microphone import MicrophoneSource
from presence_coach.sources.video import Frame, VideoSource
from presence_coach.vision.face import FaceAnalyzer
from presence_coach.voice import DEFAULT_VOICE

WINDOW = "Presence Coach calibration"
AUDIO_STEPS = ("silence", "read")  # steps measured from the microphone, not the camera


class StepAudio:
    """The microphone's blocks as they came, for the silent and reading steps.

    Fed by an :class:`AudioWorker` in place of its voice analyzer (same calls, no events or
    timeline rows): the steps measure the raw samples (room level, clipping, and the reading
    step's analysis over silence then sentence, as from a recording). Read from another thread
    than the worker's.
    """

    def __init__(self) -> None:
        self._blocks: list[tuple[float, np.ndarray]] = []  # (session time, samples)
        self._lock = threading.Lock()

    def update(self, block: AudioBlock) -> list:
        with self._lock:
            self._blocks.append((block.t, block.samples))
        return []

    def pop_timeline(self) -> list:
        return []

    def finish(self, t_end: float | None = None) -> list:
        return []

    def reset(self) -> None:
        with self._lock:
            self._blocks = []

    def between(self, start: float, end: float) -> np.ndarray:
        """The samples of the blocks that start in ``[start, end)``, shape (n,)."""
        with self._lock:
            parts = [b for t, b in self._blocks if start <= t < end]
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def step_duration_s(name: str, options: RoutineOptions = DEFAULT_ROUTINE) -> float:
    """How long the live routine records a step."""
    if name in ("camera", "screen", "away"):
        return options.live_gaze_s
    return {
        "silence": options.live_silence_s,
        "read": options.live_read_s,
        "nod": options.live_nod_s,
    }[name]


class LiveCalibration:
    """The camera and microphone opened for the calibration steps, whatever shows the prompts
    (the terminal and an OpenCV window here, the desktop app's wizard there).

    A context manager: entering opens the face model, the camera and the microphone (raises
    NoDeviceError / SourceError / ModelError) and starts the audio worker; leaving closes them.
    """

    def __init__(
        self,
        camera: int | str,
        mic: int | str | None,
        *,
        model_path: str | Path,
        options: RoutineOptions = DEFAULT_ROUTINE,
    ) -> None:
        self.camera, self.mic, self.options = camera, mic, options
        self.clock = SessionClock()
        self.audio = StepAudio()
        self._model_path = model_path
        self._stack = contextlib.ExitStack()
        self.loop: FrameLoop | None = None  # analyses the frames of the look and nod steps
        self._worker: AudioWorker | None = None

    def __enter__(self) -> LiveCalibration:
        stack = self._stack
        try:
            analyzer = stack.enter_context(FaceAnalyzer(self._model_path))
            video = stack.enter_context(VideoSource(self.camera, clock=self.clock))
            microphone = stack.enter_context(MicrophoneSource(self.mic, clock=self.clock))
            self.loop = FrameLoop(video, analyzer)
            self._worker = AudioWorker(microphone, None, DEFAULT_VOICE, analyzer=self.audio)
            self._worker.start()
            stack.callback(self._worker.stop)
        except BaseException:
            stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def level_dbfs(self) -> float:
        """The microphone level of the newest block (NaN before the first)."""
        return self._worker.level_dbfs if self._worker is not None else math.nan

    @property
    def mic_lost(self) -> str | None:
        """Why the microphone stopped, if it did."""
        return self._worker.lost if self._worker is not None else None

    def read(self, timeout_s: float = 0.5) -> Frame | None:
        """The newest camera frame (None when none came within ``timeout_s``)."""
        assert self.loop is not None, "use LiveCalibration as a context manager"
        return self.loop.source.read(timeout_s=timeout_s)

    def step_s(self, name: str) -> float:
        """How long a step records."""
        return step_duration_s(name, self.options)

    def capture(self, name: str, on_frame: OnFrame) -> StepInput:
        """Record one step from now for :meth:`step_s`: its frames (analysed) or its audio.

        ``on_frame(frame or None, seconds left)`` is called for each frame (None when none
        came for a second); returning False stops the routine (:class:`CalibrationError`).
        """
        assert self.loop is not None, "use LiveCalibration as a context manager"
        duration_s = self.step_s(name)
        start = self.clock.now()
        step = StepInput(name, start + self.options.settle_s, start + duration_s)
        last_t = -math.inf
        while (now := self.clock.now()) < start + duration_s:
            frame = self.read(timeout_s=1.0)
            if frame is not None and frame.t > last_t and frame.t >= step.start_s:
                if name not in AUDIO_STEPS:
                    record_frame([step], self.loop, frame)
                last_t = frame.t
            if not on_frame(frame, start + duration_s - now):
                raise CalibrationError(name, "calibration stopped by the user")
        time.sleep(0.1)  # the last audio block arrives
        if name in AUDIO_STEPS:
            step.audio = self.audio.between(step.start_s, step.end_s)
        return step

    def check(self, step: StepInput, done: dict[str, StepInput]) -> None:
        """Refuse an unusable step now, so that only it is repeated (CalibrationError)."""
        check_step(step, done, self.options)


OnFrame = Callable[[Frame | None, float], bool]


def _show(image: np.ndarray | None, lines: Sequence[str], *, show: bool) -> bool:
    """Draw the prompt over the camera picture; False when the user pressed q / Esc."""
    if not show:
        return True
    canvas = np.zeros((480, 640, 3), np.uint8) if image is None else image.copy()
    y = 30
    for line in lines:
        for chunk in _wrap(line, 50):
            cv2.putText(canvas, chunk, (12, y), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 4)
            cv2.putText(canvas, chunk, (12, y), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 1)
            y += 30
    cv2.imshow(WINDOW, canvas)
    return cv2.waitKey(1) & 0xFF not in (ord("q"), 27)


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return [*lines, line] if line else lines


def _say(message: str) -> None:
    print(message, flush=True)  # at once, also when stdout is a pipe


def run_live_calibration(
    camera: int | str,
    mic: int | str | None,
    *,
    model_path: str | Path,
    options: RoutineOptions = DEFAULT_ROUTINE,
    show_window: bool = True,
    on_message: Callable[[str], None] = _say,
    camera_key: str | None = None,
    mic_key: str | None = None,
) -> CalibrationProfile:
    """The guided routine on a camera and microphone; repeats a step whose input is unusable.

    Each step's prompt goes to ``on_message`` as it starts (the terminal, beside the window:
    without a display it is the only place the prompts appear). The profile is for the pair
    ``camera_key`` / ``mic_key`` (default: the camera and microphone as given, "default" for
    the system's microphone).

    Returns the profile (not yet saved: call ``save_profile``). Raises
    :class:`CalibrationError` when a step fails ``max_attempts`` times or the user quits
    (q / Esc in the window); NoDeviceError / SourceError when a device cannot be opened.
    """
    steps: dict[str, StepInput] = {}
    try:
        with LiveCalibration(camera, mic, model_path=model_path, options=options) as cal:
            for number, name in enumerate(STEPS, start=1):
                steps[name] = _attempt_step(name, number, cal, steps, on_message, show_window)
    finally:
        if show_window:
            with contextlib.suppress(cv2.error):
                cv2.destroyWindow(WINDOW)
    result = build_profile(
        steps,
        camera=camera_key or str(camera),
        mic=mic_key or (str(mic) if mic is not None else "default"),
        options=options,
    )
    for f in result.findings:
        if f.advice:
            on_message(f.advice)
    return result.profile


def _attempt_step(
    name: str,
    number: int,
    cal: LiveCalibration,
    done: dict[str, StepInput],
    on_message: Callable[[str], None],
    show: bool,
) -> StepInput:
    """Prompt and capture one step until its input can be used (``max_attempts`` at most)."""
    prompt = STEP_PROMPTS[name].format(sentence=READ_SENTENCE)
    heading = f"Step {number} of {len(STEPS)}"
    attempt = 1
    while True:
        on_message(f"{heading}: {prompt}")
        _pause_with(cal, [heading, prompt, "Starting..."], 2.0, show)
        step = cal.capture(
            name,
            lambda frame, left: _show(
                None if frame is None else frame.image,
                [heading, prompt, f"{left:.0f} s"],
                show=show,
            ),
        )
        try:
            cal.check(step, done)
        except CalibrationError as exc:
            on_message(str(exc))
            if attempt == cal.options.max_attempts:
                raise
            _pause_with(cal, [str(exc), "Again in 3 s..."], 3.0, show)
            attempt += 1
            continue
        return step


def _pause_with(cal: LiveCalibration, lines: Sequence[str], seconds: float, show: bool) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        frame = cal.read(timeout_s=0.5)
        _show(None if frame is None else frame.image, lines, show=show)
