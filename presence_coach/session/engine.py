"""The frame loop: source -> face analysis -> per-frame features, measured as it runs.

Stages timed per frame (running statistics, bounded memory):

* ``capture``   reading and decoding the frame (in the capture thread for live sources)
* ``convert``   BGR -> RGB colour conversion for MediaPipe
* ``inference`` ``FaceLandmarker.detect_for_video``
* ``features``  pose, gaze offsets and blendshapes from the landmarker output

Callers add their own stages (detectors, store) through ``loop.times.time(name)``.
``latency`` is capture-to-FaceSample in seconds: for a live source it includes the time a
frame waited in the newest-frame slot.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import cv2

from presence_coach.session.stats import RunningStats, StageTimes
from presence_coach.sources.video import Frame, VideoSource
from presence_coach.vision.face import FaceAnalyzer, FaceSample

POLL_S = 0.25  # how often a waiting live loop checks for a stop request


@dataclass
class LoopCounters:
    """Frame counts of one run."""

    frames: int = 0  # frames analysed
    faces: int = 0  # analysed frames with a face
    skipped: int = 0  # frames left out on purpose to hold the analysis rate (max_fps)
    dropped: int = 0  # frames a live source replaced before the loop could take them


@dataclass
class FrameLoop:
    """Iterate ``(frame, sample)`` pairs from ``source`` through ``analyzer``.

    Args:
        source: a started :class:`VideoSource`.
        analyzer: an open :class:`FaceAnalyzer`.
        max_fps: analyse at most this many frames per second of source time (None: all).
        stop: set it (e.g. from a signal handler) to end a live loop within ``POLL_S``.
        on_wait: live: called every ``POLL_S`` while no frame arrives (e.g. a status line).
        end_s: live: end once the session clock passes this, whether frames arrive or not.
    """

    source: VideoSource
    analyzer: FaceAnalyzer
    max_fps: float | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    times: StageTimes = field(default_factory=StageTimes)
    latency: RunningStats = field(default_factory=RunningStats)
    counters: LoopCounters = field(default_factory=LoopCounters)
    on_wait: Callable[[], None] | None = None
    end_s: float | None = None
    wall_s: float = 0.0
    cpu_s: float = 0.0

    def __post_init__(self) -> None:
        if self.max_fps is not None and self.max_fps <= 0:
            raise ValueError(f"max_fps={self.max_fps} must be positive")

    def __iter__(self) -> Iterator[tuple[Frame, FaceSample]]:
        min_step_s = 1.0 / self.max_fps if self.max_fps else 0.0
        next_t = -1.0
        wall0, cpu0 = time.perf_counter(), time.process_time()
        try:
            while not self.stop.is_set():
                frame = self.source.read(timeout_s=POLL_S if self.source.live else None)
                self.counters.dropped = self.source.dropped
                if frame is None:
                    if not self.source.live or self.source.ended:
                        break
                    if self.end_s is not None and self.source.clock.now() >= self.end_s:
                        break
                    if self.on_wait is not None:
                        self.on_wait()
                    continue  # no new frame yet: poll the stop flag and wait again
                if frame.t < next_t:
                    self.counters.skipped += 1
                    continue
                next_t = max(next_t + min_step_s, frame.t) if min_step_s else frame.t
                yield frame, self.analyze(frame)
        finally:
            self.wall_s += time.perf_counter() - wall0
            self.cpu_s += time.process_time() - cpu0
            self.counters.dropped = self.source.dropped

    def analyze(self, frame: Frame) -> FaceSample:
        """Run one frame through conversion, inference and features, timing each."""
        times = self.times
        times.add("capture", frame.decode_s)
        with times.time("convert"):
            rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
        with times.time("inference"):
            result = self.analyzer.detect(rgb, frame.t)
        with times.time("features"):
            height, width = frame.image.shape[:2]
            sample = self.analyzer.sample(result, frame.t, (width, height))
        if self.source.live:
            self.latency.add(self.source.clock.now() - frame.t_captured)
        self.counters.frames += 1
        self.counters.faces += sample.face
        return sample

    def performance(self) -> dict[str, object]:
        """Counters, stage timings, latency and CPU use of the run so far."""
        c = self.counters
        return {
            "frames_analyzed": c.frames,
            "frames_with_face": c.faces,
            "frames_dropped": c.dropped,
            "frames_skipped": c.skipped,
            "wall_s": round(self.wall_s, 3),
            "cpu_s": round(self.cpu_s, 3),
            "analysis_fps": round(c.frames / self.wall_s, 2) if self.wall_s else None,
            "stages": self.times.summary_ms(),
            "latency": self.latency.summary_ms(),
        }
