"""One analysis run over a video source: frame loop + detectors + exports + store.

Shared by ``presence-coach analyze`` (a recording), ``presence-coach session`` (live) and the
benchmarks, so all three run exactly the same pipeline.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from presence_coach import __version__
from presence_coach.events import Event
from presence_coach.session.engine import FrameLoop
from presence_coach.session.exports import EventWriter, TimelineWriter
from presence_coach.session.source_checks import PictureLight, truncation_note
from presence_coach.session.stats import StageTimes
from presence_coach.session.store import SessionRecorder
from presence_coach.sources.video import DROPOUT_MIN_S, Frame, VideoSource
from presence_coach.vision.detectors import FaceEventDetectors
from presence_coach.vision.face import FaceAnalyzer, FaceSample
from presence_coach.vision.gaze_state import GazeCalibration
from presence_coach.voice import VoiceResult, voice_event, voice_summary
from presence_coach.voice.speaking import speaking_share, while_speaking


@dataclass(frozen=True)
class RunOptions:
    """What to analyse and where to write it."""

    max_fps: float | None = None  # analyse at most this many frames per second (None: all)
    duration_s: float | None = None  # stop once the source clock reaches this
    timeline_path: Path | None = None  # per-frame CSV
    events_path: Path | None = None  # events as JSON lines
    voice: VoiceResult | None = None  # the voice analysis of the same recording, if any
    gaze_calibration: GazeCalibration | None = None  # the user's camera/screen/away mapping
    extra_events: tuple[dict, ...] = ()  # flat events known before the run (conversation)


# called after each analysed frame with the frame, its sample and the running analysis
# (``analysis.loop.counters``, ``analysis.last_state``)
OnSample = Callable[[Frame, FaceSample, "VideoAnalysis"], None]


class VideoAnalysis:
    """Runs ``source`` through the face analyzer and the event detectors.

    ``loop.stop`` (a ``threading.Event``) ends the run early from another thread or a signal
    handler; whatever was measured until then is kept. The recording's voice
    goes to the store and the exports in step with the video, and a run stopped early keeps
    the voice only up to the last analysed frame, so both halves cover the same time.
    A gap in the picture (no frame for :data:`DROPOUT_MIN_S`, a live camera that stalled)
    closes the open episodes at the last frame before it: no nod, gaze or smile spans a
    stretch nobody saw.
    """

    def __init__(
        self,
        source: VideoSource,
        model_path: Path,
        options: RunOptions,
        *,
        recorder: SessionRecorder | None = None,
    ) -> None:
        self.source = source
        self.recorder = recorder
        self.model_path = model_path
        self.options = options
        self.detectors = FaceEventDetectors(calibration=options.gaze_calibration)
        self.voice = VoiceTrack(options.voice)
        self._timeline: TimelineWriter | None = None
        self.last_state: dict[str, str] = {}  # gaze/head (and voice) state of the newest frame
        self._events: EventWriter | None = None
        self.loop: FrameLoop | None = None
        self.frames = 0  # frames analysed
        self.first_t = 0.0  # session time of the first analysed frame
        self.last_t = 0.0
        self.light = PictureLight()
        self.frames_read = 0  # index of the newest frame + 1 (analysed or skipped)

    def run(
        self,
        on_sample: OnSample | None = None,
        stop: object | None = None,
        on_wait: Callable[[], None] | None = None,
    ) -> dict:
        """Analyse until the source ends, ``duration_s`` passes or ``stop`` is set;
        ``on_wait`` is called while a live source has no new frame (every ``POLL_S``)."""
        opts = self.options
        with contextlib.ExitStack() as stack:
            # the model first: no frames pile up in a live source while it loads
            analyzer = stack.enter_context(FaceAnalyzer(self.model_path))
            stack.enter_context(self.source)
            self.open_outputs(stack)
            loop = self.loop = FrameLoop(
                self.source,
                analyzer,
                max_fps=opts.max_fps,
                on_wait=on_wait,
                end_s=opts.duration_s if self.source.live else None,
            )
            if stop is not None:
                loop.stop = stop  # type: ignore[assignment]
            for frame, sample in loop:
                self.light.update(frame.t, frame.image)
                self.frames_read = frame.index + 1
                self.consume(sample, loop.times)
                if on_sample is not None:
                    on_sample(frame, sample, self)
                if opts.duration_s is not None and frame.t >= opts.duration_s:
                    break
            self.finish()
        return self.run_facts()

    def open_outputs(self, stack: contextlib.ExitStack) -> None:
        """Open the export files (closed by ``stack``)."""
        opts = self.options
        if opts.timeline_path:
            self._timeline = stack.enter_context(TimelineWriter(opts.timeline_path))
        if opts.events_path:
            self._events = stack.enter_context(EventWriter(opts.events_path))

    def consume(self, sample: FaceSample, times: StageTimes) -> None:
        """Detectors, exports and store for one analysed frame."""
        if self.frames and sample.t - self.last_t >= DROPOUT_MIN_S:
            self._close_episodes(self.last_t)  # a gap in the picture
            self.detectors.reset()
        voice = self.voice
        with times.time("detectors"):
            ended = [voice.annotate(e) for e in self.detectors.update(sample)]
            state = self.detectors.frame_state(sample) | voice.state_at(sample.t)
        self.last_state = state
        new = voice.events_until(sample.t) + [e.to_json() for e in ended]
        with times.time("output"):
            if self._timeline is not None:
                self._timeline.write(sample, state)
            if self._events is not None:
                self._events.write(new, now=sample.t)
        if self.recorder is not None:
            with times.time("store"):
                self.recorder.add_face(sample, state)
                self.recorder.add_voice(voice.rows_until(sample.t))
                if new:
                    self.recorder.add_events(new)
        if not self.frames:
            self.first_t = sample.t
        self.frames += 1
        self.last_t = sample.t

    @property
    def stopped(self) -> bool:
        """Whether the run was stopped before the source ended."""
        return self.loop is not None and self.loop.stop.is_set()

    def finish(self) -> None:
        """Close the detectors' open episodes at the end of the stream; a run stopped early
        keeps the recording's voice only up to the last analysed frame."""
        if self.stopped:
            self.voice.cut(self.last_t)
        self._close_episodes(self.last_t, final=True)

    def _close_episodes(self, t: float, *, final: bool = False) -> None:
        """Emit the episodes still open at ``t`` (the last frame before a gap, or the end)."""
        closing = [self.voice.annotate(e) for e in self.detectors.finish(t)]
        new = [e.to_json() for e in closing] + (self.voice.events_until(math.inf) if final else [])
        if final:  # events of the same recording, up to where the analysis got
            new += [e for e in self.options.extra_events if e["end"] <= self.last_t]
        if self._events is not None:
            self._events.write(new, now=math.inf if final else t)
        if self.recorder is not None:
            if final:
                self.recorder.add_voice(self.voice.rows_until(math.inf))
            self.recorder.add_events(new)

    def run_facts(self) -> dict:
        """What only the run knows (the summary itself is computed from the store): the
        source, frames analysed, whether it was stopped, the session time it covers, the
        per-stage timings and notes about what the source delivered."""
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
            "interrupted": self.stopped,
            "frames": self.frames,
            "duration_s": round(self.last_t - self.first_t, 3) if self.frames else 0.0,
            "performance": self.loop.performance() if self.loop is not None else None,
        }
        if source.end_reason:
            out["source"]["ended"] = source.end_reason  # type: ignore[index]
        if source.kind == "file" and self.frames:
            # a recording's time starts at 0, also when --realtime dropped its first frames:
            # the session covers 0 to the last analysed frame, or to the end of its sound
            # when that is longer (a run stopped early has cut the sound at that frame)
            voice = self.voice.voice
            voice_s = voice.duration_s if voice is not None else 0.0
            out["duration_s"] = duration_s = round(max(self.last_t, voice_s), 3)
            if self.stopped:  # in words, the same number (the frame time itself rounds apart)
                out["partial"] = partial_note(duration_s, source.frame_count / source.fps)
        out["device_notes"] = self.source_notes()
        return out

    def source_notes(self) -> list[str]:
        """Sentences about what the source delivered (too dark; a file cut short)."""
        notes = [self.light.note()]
        run_whole = not out_early(self)
        if self.source.kind == "file" and run_whole:
            notes.append(
                truncation_note(
                    frames_read=self.frames_read,
                    frames_declared=self.source.frame_count,
                    fps=self.source.fps,
                )
            )
        return [n for n in notes if n]


def out_early(analysis: VideoAnalysis) -> bool:
    """Whether the run was stopped before its source ended (Ctrl+C, a set duration)."""
    stopped = analysis.loop is not None and analysis.loop.stop.is_set()
    duration_s = analysis.options.duration_s
    return stopped or (duration_s is not None and analysis.last_t >= duration_s)


def partial_note(stopped_at_s: float, length_s: float) -> str:
    """How much of a recording a run stopped early covers, in words."""
    of = f" of {length_s:.1f} s" if length_s > stopped_at_s else ""
    return f"stopped early at {stopped_at_s:.1f} s{of}; the numbers cover only that part"


class VoiceTrack:
    """The voice analysis of a recording, looked up by time while its video is analysed.

    Adds the voice columns to each timeline row, interleaves voice events with face events
    in time order, and marks nods and shakes made while speaking (``speaking`` attribute:
    True when speech covers most of the gesture).
    """

    def __init__(self, voice: VoiceResult | None) -> None:
        self.voice = voice
        self._rows = voice.timeline if voice else []
        self._row_s = (self._rows[1].t - self._rows[0].t) if len(self._rows) > 1 else 0.1
        self._columns()
        self._events = sorted(voice.events, key=lambda e: e.end) if voice else []
        self._next = 0
        self._next_row = 0

    def cut(self, end_s: float) -> None:
        """Keep the voice only up to ``end_s`` (see :func:`cut_voice`); what was handed out
        before ``end_s`` stays handed out."""
        if self.voice is not None:
            self.voice = cut_voice(self.voice, end_s)
            self._rows = self.voice.timeline
            self._columns()
            self._events = sorted(self.voice.events, key=lambda e: e.end)

    def _columns(self) -> None:
        """The rows' start times and speaking flags as arrays, shape (n,)."""
        self._t = np.fromiter((r.t for r in self._rows), np.float64, len(self._rows))
        self._speaking = np.fromiter((r.speaking for r in self._rows), np.float64, len(self._rows))

    def state_at(self, t: float) -> dict[str, str]:
        """Voice timeline columns for time ``t`` (empty strings without voice)."""
        if not self._rows:
            return {}
        i = min(max(int((t - self._rows[0].t) / self._row_s), 0), len(self._rows) - 1)
        row = self._rows[i]
        f0 = "" if math.isnan(row.f0_hz) else f"{row.f0_hz:.1f}"
        return {"speaking": str(row.speaking), "rms_dbfs": f"{row.rms_dbfs:.1f}", "f0_hz": f0}

    def annotate(self, event: Event) -> Event:
        """A nod or shake with its ``speaking`` attribute (the one rule,
        :func:`~presence_coach.voice.speaking.while_speaking`); other events unchanged."""
        if self.voice is None or event.type not in ("nod", "shake"):
            return event
        share = speaking_share(self._t, self._speaking, start_s=event.start, end_s=event.end)
        speaking = bool(while_speaking(share))
        return Event(event.type, event.start, event.end, {**event.attrs, "speaking": speaking})

    def rows_until(self, t: float) -> list:
        """Timeline rows starting before ``t``, not yet handed out."""
        start = end = self._next_row
        while end < len(self._rows) and self._rows[end].t < t:
            end += 1
        self._next_row = end
        return self._rows[start:end]

    def events_until(self, t: float) -> list[dict]:
        """Voice events that ended by ``t``, not yet handed out, as flat JSON objects."""
        out = []
        while self._next < len(self._events) and self._events[self._next].end <= t:
            out.append(self._events[self._next].to_json())
            self._next += 1
        return out


def cut_voice(voice: VoiceResult, end_s: float) -> VoiceResult:
    """The voice of a recording up to ``end_s`` (where its video analysis stopped).

    Timeline rows starting before ``end_s``, events ended by it, and the utterance in progress
    closed at ``end_s`` with its syllables in proportion (as the streaming analyzer's
    ``finish`` closes it live); a silence not yet ended is not a pause. The summary is
    recomputed over the kept part, so its duration is the video's.
    """
    rows = [r for r in voice.timeline if r.t < end_s]
    events = []
    for e in voice.events:
        if e.end <= end_s:
            events.append(e)
        elif e.type == "utterance" and e.start < end_s:
            kept_s = end_s - e.start
            syllables = round((e.attrs["syllables"] or 0) * kept_s / e.duration_s)
            events.append(
                voice_event("utterance", e.start, end_s, end_s, syllables=syllables,
                            articulation_rate_syl_per_s=syllables / kept_s,
                            f0_median_hz=e.attrs["f0_median_hz"],
                            rms_median_dbfs=e.attrs["rms_median_dbfs"])
            )  # fmt: skip
    t_first = voice.timeline[0].t if voice.timeline else 0.0
    duration_s = max(0.0, end_s - t_first)
    return VoiceResult(events, rows, voice_summary(events, rows, duration_s=duration_s), duration_s)


def audio_only(voice: VoiceResult, name: str, options: RunOptions) -> dict:
    """Exports and run facts for a recording that has sound but no picture."""
    if options.timeline_path:
        track = VoiceTrack(voice)
        with TimelineWriter(options.timeline_path) as timeline:
            for row in voice.timeline:
                timeline.write_voice_only(row.t, track.state_at(row.t))
    if options.events_path:
        with EventWriter(options.events_path) as events:
            events.write([*VoiceTrack(voice).events_until(math.inf), *options.extra_events])
    return {
        "version": __version__,
        "source": {"kind": "audio", "name": name},
        "interrupted": False,
        "duration_s": round(voice.duration_s, 3),
        "frames": 0,
    }
