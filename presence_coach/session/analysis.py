"""One analysis run over a video source: frame loop + detectors + exports -> summary.

Shared by ``presence-coach analyze`` (a recording), ``presence-coach session`` (live) and the
benchmarks, so all three run exactly the same pipeline.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from presence_coach import __version__
from presence_coach.session.engine import FrameLoop
from presence_coach.sources.video import Frame, VideoSource
from presence_coach.summary.exports import EventWriter, TimelineWriter
from presence_coach.summary.metrics import video_summary
from presence_coach.vision.events import FaceEventDetectors
from presence_coach.vision.face import FaceAnalyzer, FaceSample

SUMMARY_COLUMNS = ("t", "face", "yaw", "pitch", "roll")  # kept per frame for the summary


@dataclass(frozen=True)
class RunOptions:
    """What to analyse and where to write it."""

    max_fps: float | None = None  # analyse at most this many frames per second (None: all)
    duration_s: float | None = None  # stop once the source clock reaches this
    timeline_path: Path | None = None  # per-frame CSV
    events_path: Path | None = None  # events as JSON lines


OnSample = Callable[[Frame, FaceSample, FrameLoop], None]


class VideoAnalysis:
    """Runs ``source`` through the face analyzer and the event detectors.

    ``loop.stop`` (a ``threading.Event``) ends the run early from another thread or a signal
    handler; whatever was measured until then is summarised and kept.
    """

    def __init__(self, source: VideoSource, model_path: Path, options: RunOptions) -> None:
        self.source = source
        self.model_path = model_path
        self.options = options
        self.detectors = FaceEventDetectors()
        self.loop: FrameLoop | None = None
        self._columns: dict[str, list[float]] = {k: [] for k in SUMMARY_COLUMNS}
        self._last_t = 0.0

    def run(self, on_sample: OnSample | None = None, stop: object | None = None) -> dict:
        """Analyse until the source ends, ``duration_s`` passes or ``stop`` is set."""
        opts = self.options
        with contextlib.ExitStack() as stack:
            # the model first: no frames pile up in a live source while it loads
            analyzer = stack.enter_context(FaceAnalyzer(self.model_path))
            stack.enter_context(self.source)
            timeline = (
                stack.enter_context(TimelineWriter(opts.timeline_path))
                if opts.timeline_path
                else None
            )
            events = (
                stack.enter_context(EventWriter(opts.events_path)) if opts.events_path else None
            )
            loop = self.loop = FrameLoop(self.source, analyzer, max_fps=opts.max_fps)
            if stop is not None:
                loop.stop = stop  # type: ignore[assignment]
            detectors = self.detectors
            for frame, sample in loop:
                with loop.times.time("detectors"):
                    ended = detectors.update(sample)
                    state = detectors.frame_state(sample)
                with loop.times.time("output"):
                    if timeline is not None:
                        timeline.write(sample, state)
                    if events is not None and ended:
                        events.write(ended)
                    for key, values in self._columns.items():
                        values.append(float(getattr(sample, key)))
                self._last_t = frame.t
                if on_sample is not None:
                    on_sample(frame, sample, loop)
                if opts.duration_s is not None and frame.t >= opts.duration_s:
                    break
            closing = detectors.finish(self._last_t)
            if events is not None:
                events.write(closing)
        return self.summary()

    def summary(self) -> dict:
        """The session summary of what has been analysed so far."""
        assert self.loop is not None, "run() first"
        arrays = {k: np.asarray(v, dtype=np.float64) for k, v in self._columns.items()}
        video = video_summary(
            arrays["t"], arrays["face"] > 0, arrays["yaw"], arrays["pitch"], arrays["roll"]
        )
        face_present_s = (video["face_present_fraction"] or 0.0) * video["duration_s"]
        source = self.source
        out: dict[str, object] = {
            "version": __version__,
            "source": {
                "kind": source.kind,
                "name": str(source.target),
                "fps": round(source.fps, 3),
                "width": source.width,
                "height": source.height,
                "realtime": source.live,
            },
            "interrupted": self.loop.stop.is_set(),
            **video,
            "face_events": self.detectors.summary(video["duration_s"], face_present_s),
            "performance": self.loop.performance(),
        }
        if source.end_reason:
            out["source"]["ended"] = source.end_reason  # type: ignore[index]
        return out
