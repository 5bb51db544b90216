"""The live session: camera and microphone together on one clock, stored as it runs.

Threads (each bounded):

* video capture (inside :class:`VideoSource`, newest-frame slot) and video analysis (the
  caller's thread: :class:`VideoAnalysis` with the face event detectors);
* audio capture (PortAudio callback -> ring buffer, inside :class:`MicrophoneSource`) and
  :class:`AudioWorker` (streaming voice analysis);
* :class:`StoreWriter`, committing the batched rows about once a second.

A camera or microphone lost mid-session ends only its own half: the other goes on, and the
summary says what was lost and when.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from presence_coach.calibration.profile import CalibrationProfile, default_profile
from presence_coach.errors import NoDeviceError, SourceError
from presence_coach.session.analysis import RunOptions, VideoAnalysis, voice_event_json
from presence_coach.session.clock import SessionClock
from presence_coach.session.modes import ECO_MAX_FPS as ECO_MAX_FPS  # re-exported
from presence_coach.session.stats import StageTimes, ThreadCpuMeter
from presence_coach.session.store import FLUSH_EVERY_S, SessionRecorder, SessionStore
from presence_coach.sources.video import Frame, VideoSource
from presence_coach.vision.face import FaceSample
from presence_coach.voice import VoiceOptions
from presence_coach.voice.prosody import rms_dbfs

AUDIO_READ_TIMEOUT_S = 2.0  # no audio for this long: the microphone is lost


@dataclass(frozen=True)
class LiveOptions:
    """How to run a live session."""

    camera: int | str = 0  # camera index or stream URL
    mic: int | str | None = None  # input device index or name; None: the system default
    use_mic: bool = True  # False: video only
    max_fps: float | None = None  # analyse at most this many frames a second (None: all)
    duration_s: float | None = None  # stop after this many seconds (None: until stopped)

    def __post_init__(self) -> None:
        if self.max_fps is not None and self.max_fps <= 0:
            raise ValueError(f"max_fps={self.max_fps} must be positive")
        if self.duration_s is not None and self.duration_s <= 0:
            raise ValueError(f"duration_s={self.duration_s} must be positive")


class StoreWriter(threading.Thread):
    """Commits the recorder's batches every :data:`FLUSH_EVERY_S` until stopped."""

    def __init__(self, recorder: SessionRecorder) -> None:
        super().__init__(name="store-writer", daemon=True)
        self.recorder = recorder
        self.times = StageTimes()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(FLUSH_EVERY_S):
            with self.times.time("store"):
                self.recorder.flush()

    def stop(self) -> None:
        """Stop and commit what is left (safe twice)."""
        self._stop_event.set()
        if self.is_alive():
            self.join()
        self.recorder.flush()


class AudioWorker(threading.Thread):
    """Reads the microphone and runs the streaming voice analysis into the recorder."""

    def __init__(
        self,
        mic: Any,
        recorder: SessionRecorder | None,
        options: VoiceOptions,
        *,
        analyzer: Any = None,
    ) -> None:
        from presence_coach.voice import VoiceAnalyzer

        super().__init__(name="audio-analysis", daemon=True)
        self.mic = mic
        self.recorder = recorder
        # what the blocks go through (update / pop_timeline / finish, like VoiceAnalyzer); the
        # calibration passes its own, which keeps the raw samples, and no recorder
        self.analyzer = VoiceAnalyzer(options) if analyzer is None else analyzer
        self.times = StageTimes()
        self.lost: str | None = None  # why the microphone stopped, if it did
        self.lost_at_s: float | None = None
        self.level_dbfs = math.nan  # level of the newest block, for the status line
        self.t_end = 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            while not self._stop_event.is_set():
                try:
                    block = self.mic.read(timeout_s=AUDIO_READ_TIMEOUT_S)
                except SourceError as exc:
                    self.lost, self.lost_at_s = str(exc), self.t_end
                    return
                if block is None:
                    return
                with self.times.time("voice"):
                    events = self.analyzer.update(block)
                    rows = self.analyzer.pop_timeline()
                self._keep(events, rows)
                self.t_end = block.t_end
                self.level_dbfs = float(rms_dbfs(block.samples, length=len(block.samples))[0])
        finally:
            events = self.analyzer.finish(self.t_end)
            self._keep(events, self.analyzer.pop_timeline())

    def _keep(self, events: list, rows: list) -> None:
        if self.recorder is None:
            return
        self.recorder.add_voice(rows)
        if events:
            self.recorder.add_events([voice_event_json(e) for e in events])

    def stop(self) -> None:
        """Stop reading and analysing (safe twice); the microphone is closed by its owner."""
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout=AUDIO_READ_TIMEOUT_S + 2.0)


@dataclass(frozen=True)
class LiveStatus:
    """What a live display needs after each analysed frame."""

    frame: Frame  # the analysed frame (BGR image and its time)
    sample: FaceSample
    state: dict[str, str]  # gaze / head state from the detectors
    frames: int  # frames analysed so far
    dropped: int  # frames the camera delivered that were not analysed (newest-frame slot)
    mic_dbfs: float | None  # level of the newest audio block; None without a microphone


OnStatus = Callable[[LiveStatus], None]


@dataclass
class LiveResult:
    session_id: int
    summary: dict


def open_microphone(options: LiveOptions, clock: SessionClock) -> tuple[Any | None, str | None]:
    """The microphone, or ``(None, why)`` when there is none and none was asked for."""
    if not options.use_mic:
        return None, "microphone not used (--no-mic)"
    from presence_coach.sources.microphone import MicrophoneSource

    try:
        mic = MicrophoneSource(options.mic, clock=clock)
        mic.start()
    except (NoDeviceError, SourceError) as exc:
        if options.mic is not None:
            raise  # the user named a device: say it is not there
        return None, f"no microphone: {exc}"
    return mic, None


def run_live_session(
    options: LiveOptions,
    *,
    store: SessionStore,
    model_path: Path,
    stop: threading.Event,
    profile: CalibrationProfile | None = None,
    on_status: OnStatus | None = None,
) -> LiveResult:
    """Run until ``stop`` is set, ``duration_s`` passes, or both camera and microphone end.

    ``profile`` is the calibration of this camera/microphone pair (None: the built-in
    default); the session records which one it used.
    """
    profile = profile or default_profile()
    clock = SessionClock()
    source = VideoSource(options.camera, clock=clock)
    source.start()  # fails here, before a session exists, when there is no camera
    mic, mic_note = None, None
    try:
        mic, mic_note = open_microphone(options, clock)
        session_id = store.begin_session(
            kind="live", source=str(options.camera), calibration=profile.to_dict()
        )
        recorder = SessionRecorder(store, session_id)
        writer = StoreWriter(recorder)
        audio = AudioWorker(mic, recorder, profile.voice_options()) if mic is not None else None
        writer.start()
        if audio is not None:
            audio.start()
        analysis = VideoAnalysis(
            source,
            model_path,
            RunOptions(
                max_fps=options.max_fps,
                duration_s=options.duration_s,
                gaze_calibration=profile.gaze_calibration(),
            ),
            recorder=recorder,
        )

        cpu_meter = ThreadCpuMeter()

        def on_sample(frame: Frame, sample: FaceSample, analysis: VideoAnalysis) -> None:
            cpu_meter.sample(clock.now())
            if on_status is not None:
                c = analysis.loop.counters  # type: ignore[union-attr]
                mic_dbfs = audio.level_dbfs if audio is not None and not audio.lost else None
                on_status(
                    LiveStatus(frame, sample, analysis.last_state, c.frames, c.dropped, mic_dbfs)
                )

        try:
            analysis.run(on_sample, stop=stop)
            # the camera ended early: go on with the microphone until stopped
            while audio is not None and audio.is_alive() and not stop.wait(0.25):
                if options.duration_s is not None and clock.now() >= options.duration_s:
                    break
        finally:
            if audio is not None:
                audio.stop()
            writer.stop()
        summary = analysis.summary()
        summary["source"]["kind"] = "live"  # type: ignore[index]
        # stopping is how a live session ends: not an interruption
        summary["interrupted"] = False
        if stop.is_set():
            summary["stopped"] = "by you"
        elif options.duration_s is not None and clock.now() >= options.duration_s:
            summary["stopped"] = "after the set duration"
        else:
            summary["stopped"] = "the camera and microphone ended"
        summary["duration_s"] = round(clock.now(), 3)
        summary["voice"] = audio.analyzer.summary() if audio is not None else None
        notes = [n for n in (mic_note, analysis.light.note()) if n]
        if source.end_reason:
            notes.append(f"camera lost after {analysis.last_t:.0f} s ({source.end_reason})")
        if audio is not None and audio.lost:
            notes.append(f"microphone lost after {audio.lost_at_s:.0f} s ({audio.lost})")
        summary["device_notes"] = notes
        perf = summary["performance"]
        for worker in (writer, audio):
            if worker is not None:
                perf["stages"].update(worker.times.summary_ms())  # type: ignore[index]
        if mic is not None:
            perf["audio_overflows"] = mic.overflows  # type: ignore[index]
        # while the camera ran: the analysis loop, capture, audio, store and native threads
        perf["cpu_by_thread_pct"] = cpu_meter.shares_pct()  # type: ignore[index]
        store.finalize(
            session_id, summary=summary, status="complete", duration_s=summary["duration_s"]
        )
        return LiveResult(session_id, summary)
    finally:
        source.stop()
        if mic is not None:
            mic.stop()


def recover_sessions(store: SessionStore) -> list[int]:
    """Finalise sessions left ``running`` by a process that died (power loss, kill -9).

    A session whose recording process is alive (it holds the session's lock) is left alone.
    What was committed is kept (all but about the last second); the length is taken from the
    stored rows and the session is marked ``recovered``. Its report is built from the store
    like any other's.
    """
    from presence_coach.errors import StoreBusyError
    from presence_coach.summary.session import session_duration_s

    recovered = []
    for session_id in store.unfinished():
        try:
            with store.hold_session_lock(session_id):
                if store.session(session_id).status != "running":
                    continue  # another recovery was first
                duration_s = session_duration_s(
                    duration_s=None,
                    face_rows=store.face_timeline(session_id),
                    voice_rows=store.voice_timeline(session_id),
                    events=store.events(session_id),
                )
                store.finalize(
                    session_id,
                    summary={"recovered": True, "duration_s": round(duration_s, 3)},
                    status="recovered",
                    duration_s=duration_s,
                )
        except StoreBusyError:
            continue  # its process is alive after all, or another recovery holds it
        recovered.append(session_id)
    return recovered
