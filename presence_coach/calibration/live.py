"""The guided calibration on the camera and microphone: prompts, countdown and window.

Frames are analysed by the session's :class:`~presence_coach.session.engine.FrameLoop` (only
those of the look and nod steps, as from a recording); the microphone is read by the session's
:class:`~presence_coach.session.live.AudioWorker`, whose blocks go to :class:`StepAudio`, which
keeps the raw samples that the silent and reading steps measure. A step whose input is unusable
is explained and repeated, up to ``max_attempts``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
from presence_coach.sources.video import VideoSource
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


@dataclass
class _Devices:
    """What the live steps capture with, and how."""

    loop: FrameLoop  # its source is the camera; analyses the frames of the look / nod steps
    audio: StepAudio
    clock: SessionClock
    options: RoutineOptions
    show: bool  # draw the prompts over the camera picture in a window


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
) -> CalibrationProfile:
    """The guided routine on a camera and microphone; repeats a step whose input is unusable.

    Each step's prompt goes to ``on_message`` as it starts (the terminal, beside the window:
    without a display it is the only place the prompts appear).

    Returns the profile (not yet saved: call ``save_profile``). Raises
    :class:`CalibrationError` when a step fails ``max_attempts`` times or the user quits
    (q / Esc in the window); NoDeviceError / SourceError when a device cannot be opened.
    """
    clock = SessionClock()
    steps: dict[str, StepInput] = {}
    with (
        FaceAnalyzer(model_path) as analyzer,
        VideoSource(camera, clock=clock) as video,
        MicrophoneSource(mic, clock=clock) as microphone,
    ):
        devices = _Devices(FrameLoop(video, analyzer), StepAudio(), clock, options, show_window)
        worker = AudioWorker(microphone, None, DEFAULT_VOICE, analyzer=devices.audio)
        worker.start()
        try:
            for number, name in enumerate(STEPS, start=1):
                steps[name] = _attempt_step(name, number, devices, steps, on_message)
        finally:
            worker.stop()
            if show_window:
                cv2.destroyWindow(WINDOW)
    result = build_profile(steps, camera=str(camera), mic=str(mic), options=options)
    for f in result.findings:
        if f.advice:
            on_message(f.advice)
    return result.profile


def _attempt_step(
    name: str,
    number: int,
    devices: _Devices,
    done: dict[str, StepInput],
    on_message: Callable[[str], None],
) -> StepInput:
    """Prompt and capture one step until its input can be used (``max_attempts`` at most)."""
    prompt = STEP_PROMPTS[name].format(sentence=READ_SENTENCE)
    attempt = 1
    while True:
        on_message(f"Step {number} of {len(STEPS)}: {prompt}")
        step = _live_step(name, number, prompt, devices)
        try:
            check_step(step, done, devices.options)
        except CalibrationError as exc:
            on_message(str(exc))
            if attempt == devices.options.max_attempts:
                raise
            _pause_with(devices, [str(exc), "Again in 3 s..."], 3.0)
            attempt += 1
            continue
        return step


def _step_s(name: str, options: RoutineOptions) -> float:
    """How long the live routine records a step."""
    if name in ("camera", "screen", "away"):
        return options.live_gaze_s
    return {
        "silence": options.live_silence_s,
        "read": options.live_read_s,
        "nod": options.live_nod_s,
    }[name]


def _pause_with(devices: _Devices, lines: Sequence[str], seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        frame = devices.loop.source.read(timeout_s=0.5)
        _show(None if frame is None else frame.image, lines, show=devices.show)


def _live_step(name: str, number: int, prompt: str, devices: _Devices) -> StepInput:
    """Count down, then capture one step: its frames (analysed) or its audio."""
    heading = f"Step {number} of {len(STEPS)}"
    _pause_with(devices, [heading, prompt, "Starting..."], 2.0)
    clock, duration_s = devices.clock, _step_s(name, devices.options)
    start = clock.now()
    step = StepInput(name, start + devices.options.settle_s, start + duration_s)
    last_t = -math.inf
    while (now := clock.now()) < start + duration_s:
        frame = devices.loop.source.read(timeout_s=1.0)
        lines = [heading, prompt, f"{start + duration_s - now:.0f} s"]
        if frame is None:
            if not _show(None, lines, show=devices.show):
                raise CalibrationError(name, "calibration stopped by the user")
            continue
        if frame.t > last_t and frame.t >= step.start_s and name not in AUDIO_STEPS:
            record_frame([step], devices.loop, frame)
            last_t = frame.t
        if not _show(frame.image, lines, show=devices.show):
            raise CalibrationError(name, "calibration stopped by the user")
    time.sleep(0.1)  # the last audio block arrives
    if name in AUDIO_STEPS:
        step.audio = devices.audio.between(step.start_s, step.end_s)
    return step
