"""The live session: camera and microphone together on one clock, stored as it runs.

Threads (each bounded):

* video capture (inside :class:`VideoSource`, newest-frame slot) and video analysis (the
  caller's thread: :class:`VideoAnalysis` with the face event detectors);
* audio capture (PortAudio callback -> ring buffer, inside :class:`MicrophoneSource`) and
  :class:`AudioWorker` (streaming voice analysis);
* :class:`StoreWriter`, committing the batched rows about once a second.

A camera or microphone lost mid-session ends only its own half: the other goes on. A camera
that stalls or vanishes is reopened until it comes back (:class:`VideoSource` with
``reconnect``); every gap is stored as a ``dropout`` event (:class:`DeviceGaps`) and the
summary and the report say what was missing and when.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from presence_coach.calibration.profile import CalibrationProfile, default_profile
from presence_coach.clock import SessionClock
from presence_coach.errors import NoDeviceError, SourceError
from presence_coach.session.analysis import RunOptions, VideoAnalysis
from presence_coach.session.modes import ECO_MAX_FPS as ECO_MAX_FPS  # re-exported
from presence_coach.session.saving import StoreWriter, finalize_session, finish_saving
from presence_coach.session.spare import keep_spare
from presence_coach.session.stats import StageTimes, ThreadCpuMeter
from presence_coach.session.stop import stop_reason
from presence_coach.session.store import SaveError, SessionRecorder, SessionStore, saving
from presence_coach.sources.share import add_share_summary, open_share, start_share
from presence_coach.sources.video import Frame, Gap, VideoSource
from presence_coach.sources.winrt_camera import start_video_source
from presence_coach.summary.gaps import dropout_event
from presence_coach.vision.face import FaceSample
from presence_coach.voice import VoiceOptions
from presence_coach.voice.prosody import rms_dbfs

AUDIO_READ_TIMEOUT_S = 2.0  # no audio for this long: the microphone is lost
# ... but its first block may take this long (a busy machine starting the audio server's stream)
MIC_START_TIMEOUT_S = 10.0
MIC_START_SLICE_S = 0.5  # while waiting for the first block, look at the stop request this often


@dataclass(frozen=True)
class LiveOptions:
    """How to run a live session."""

    camera: int | str = 0  # camera index or stream URL
    mic: int | str | None = None  # input device index or name; None: the system default
    use_mic: bool = True  # False: video only
    max_fps: float | None = None  # analyse at most this many frames a second (None: all)
    duration_s: float | None = None  # stop after this many seconds (None: until stopped)
    share_camera: str | None = None  # republish every camera frame here (/dev/videoN, URL)
    call_audio: str = "off"  # the call's sound: a monitor/loopback name, "auto" or "off"

    def __post_init__(self) -> None:
        if self.max_fps is not None and self.max_fps <= 0:
            raise ValueError(f"max_fps={self.max_fps} must be positive")
        if self.duration_s is not None and self.duration_s <= 0:
            raise ValueError(f"duration_s={self.duration_s} must be positive")


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
                    block = self._read()
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

    def _read(self) -> Any:
        """The mic's next block: up to MIC_START_TIMEOUT_S for the first (None if stopped
        meanwhile), then AUDIO_READ_TIMEOUT_S. Raises SourceError when none came."""
        if self.t_end > 0.0:
            return self.mic.read(timeout_s=AUDIO_READ_TIMEOUT_S)
        deadline = time.monotonic() + MIC_START_TIMEOUT_S
        while True:
            try:
                return self.mic.read(timeout_s=MIC_START_SLICE_S)
            except SourceError:
                if self._stop_event.is_set():
                    return None
                if time.monotonic() >= deadline:
                    raise

    def _keep(self, events: list, rows: list) -> None:
        if self.recorder is None:
            return
        self.recorder.add_voice(rows)
        if events:
            self.recorder.add_events([e.to_json() for e in events])

    def stop(self) -> None:
        """Stop reading and analysing (safe twice); the microphone is closed by its owner."""
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout=AUDIO_READ_TIMEOUT_S + 2.0)


@dataclass(frozen=True)
class LiveStatus:
    """What a live display needs after each analysed frame, and while the camera gives no
    picture (then about every ``POLL_S``, with ``frame`` and ``sample`` None)."""

    t_s: float  # session-clock seconds: the frame's time, or now while there is no picture
    frame: Frame | None  # the analysed frame (BGR image and its time); None: no picture
    sample: FaceSample | None  # its face sample; None: no picture
    state: dict[str, str]  # gaze / head state from the detectors
    frames: int  # frames analysed so far
    dropped: int  # frames the camera delivered that were not analysed (newest-frame slot)
    mic_dbfs: float | None  # level of the newest audio block; None without a microphone
    mic_lost: bool = False  # the microphone stopped giving sound during the session
    saving: str | None = None  # why saving fails right now ("disk full"); None while it works

    @property
    def picture(self) -> bool:
        """False while the camera gives no picture."""
        return self.frame is not None


OnStatus = Callable[[LiveStatus], None]


@dataclass
class LiveResult:
    session_id: int
    summary: dict  # the run's own facts as stored; the summary is summary_from_store's
    saving_failed: str | None = None  # one line when rows could not be saved (see finish_saving)


class DeviceGaps:
    """The camera's and the microphone's gaps in a live session, kept as ``dropout`` events
    (:func:`~presence_coach.summary.gaps.dropout_event`): a camera gap once the picture is
    back, and what is still missing when the session ends."""

    def __init__(self, recorder: SessionRecorder) -> None:
        self.recorder = recorder
        self.events: list[dict[str, Any]] = []  # every gap stored so far

    def add(self, device: str, start_s: float, end_s: float, reason: str) -> None:
        event = dropout_event(device, start_s, end_s, reason)
        self.events.append(event)
        self.recorder.add_events([event])

    def add_camera(self, gaps: list[Gap]) -> None:
        for gap in gaps:
            if gap.end_s is not None:
                self.add("camera", gap.start_s, gap.end_s, gap.reason)

    def close(self, *, end_s: float, camera: Gap | None, audio: AudioWorker | None) -> None:
        """Store the gaps still open at ``end_s`` (the end of the session)."""
        if camera is not None:
            self.add("camera", camera.start_s, end_s, camera.reason)
        if audio is not None and audio.lost and audio.lost_at_s is not None:
            self.add("microphone", audio.lost_at_s, end_s, audio.lost)


class _LiveRun:
    """The callbacks of one live session's analysis: status, CPU samples, camera gaps."""

    def __init__(
        self,
        source: VideoSource,
        audio: AudioWorker | None,
        recorder: SessionRecorder,
        on_status: OnStatus | None,
    ) -> None:
        self.source = source
        self.audio = audio
        self.recorder = recorder
        self.gaps = DeviceGaps(recorder)
        self.on_status = on_status
        self.cpu_meter = ThreadCpuMeter()
        self.analysis: VideoAnalysis | None = None

    def on_sample(self, frame: Frame, sample: FaceSample, analysis: VideoAnalysis) -> None:
        self.cpu_meter.sample(self.source.clock.now())
        self.gaps.add_camera(self.source.take_gaps())
        self._status(frame, sample)

    def on_wait(self) -> None:
        if self.source.open_gap() is not None:
            self._status(None, None)

    def _status(self, frame: Frame | None, sample: FaceSample | None) -> None:
        if self.on_status is None or self.analysis is None or self.analysis.loop is None:
            return
        c = self.analysis.loop.counters
        audio = self.audio
        lost = audio is not None and audio.lost is not None
        mic_dbfs = audio.level_dbfs if audio is not None and not lost else None
        state = self.analysis.last_state if frame is not None else {}
        t_s = frame.t if frame is not None else self.source.clock.now()
        problem = self.recorder.problem
        self.on_status(
            LiveStatus(t_s, frame, sample, state, c.frames, c.dropped, mic_dbfs, lost, problem)
        )


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
    """Run until ``stop`` is set or ``duration_s`` passes (or, if the camera cannot come
    back, the microphone ends too).

    A camera that stalls or vanishes is reopened until it comes back; its gaps and a lost
    microphone are stored as ``dropout`` events and said in the summary. ``profile`` is the
    calibration of this camera/microphone pair (None: the built-in default); the session
    records which one it used.
    """
    profile = profile or default_profile()
    clock = SessionClock()
    share = open_share(options.share_camera)
    tee = share.write if share is not None else None
    source: VideoSource | None = None
    mic, mic_note, call = None, None, None
    try:
        # fails here (within OPEN_DEADLINE_S), before a session exists; on Windows a busy
        # camera is opened shared read-only (WinRT)
        source = start_video_source(options.camera, clock=clock, on_frame=tee)
        start_share(share)
        mic, mic_note = open_microphone(options, clock)
        if mic is not None:  # a call-audio source named but not there fails here too
            from presence_coach.session.conversation_live import call_aware_analyzer

            call = call_aware_analyzer(options.call_audio, profile.voice_options(), clock)
        recorder = _begin(store, options, profile)
        session_id = recorder.session_id
        writer = StoreWriter(recorder)
        audio = None
        if mic is not None:
            audio = AudioWorker(mic, recorder, profile.voice_options(), analyzer=call)
        run = _LiveRun(source, audio, recorder, on_status)
        run.analysis = VideoAnalysis(
            source,
            model_path,
            RunOptions(
                max_fps=options.max_fps,
                duration_s=options.duration_s,
                gaze_calibration=profile.gaze_calibration(),
            ),
            recorder=recorder,
        )
        writer.start()
        if audio is not None:
            audio.start()
        try:
            run.analysis.run(run.on_sample, stop=stop, on_wait=run.on_wait)
            # the camera ended for good: go on with the microphone until stopped
            while audio is not None and audio.is_alive() and not stop.wait(0.25):
                if options.duration_s is not None and clock.now() >= options.duration_s:
                    break
        finally:
            if audio is not None:
                audio.stop()
            duration_s = round(clock.now(), 3)
            run.gaps.close(end_s=duration_s, camera=source.open_gap(), audio=audio)
            writer.stop()
        summary = _live_run_facts(run, options, stop, duration_s, mic, mic_note, writer)
        add_share_summary(summary, share)
        if source.format_note:  # macOS: opening the camera changed its format
            summary["device_notes"].append(source.format_note)
        failed = finish_saving(store, writer, summary=summary, status="complete")
        return LiveResult(session_id, summary, failed)
    finally:
        if source is not None:
            source.stop()
        if share is not None:
            share.stop()
        if mic is not None:
            mic.stop()
        if call is not None:  # (the audio worker stops it; not when the start failed)
            call.source.stop()


def _begin(
    store: SessionStore, options: LiveOptions, profile: CalibrationProfile
) -> SessionRecorder:
    """The new session's recorder (and the spare disk space kept for it)."""
    with saving("start a session", store.dir):
        session_id = store.begin_session(
            kind="live", source=str(options.camera), calibration=profile.to_dict()
        )
    keep_spare(store.dir)
    return SessionRecorder(store, session_id)


def _stopped(stop: threading.Event, options: LiveOptions, duration_s: float) -> str:
    """Why a live session ended, in words."""
    if stop.is_set():
        return stop_reason(stop)
    if options.duration_s is not None and duration_s >= options.duration_s:
        return "after the set duration"
    return "the camera and microphone ended"


def _live_run_facts(
    run: _LiveRun,
    options: LiveOptions,
    stop: threading.Event,
    duration_s: float,
    mic: Any | None,
    mic_note: str | None,
    writer: StoreWriter,
) -> dict:
    """The analysis's run facts with what only a live session knows: how it stopped, the
    device notes, and the threads' timings and CPU (the device gaps are stored as events)."""
    assert run.analysis is not None
    audio = run.audio
    summary = run.analysis.run_facts()
    summary["source"]["kind"] = "live"
    # stopping is how a live session ends: not an interruption
    summary["interrupted"] = False
    summary["stopped"] = _stopped(stop, options, duration_s)
    summary["duration_s"] = duration_s
    summary["device_notes"] = [n for n in (mic_note, run.analysis.light.note()) if n]
    perf = summary["performance"]
    for worker in (writer, audio):
        if worker is not None:
            perf["stages"].update(worker.times.summary_ms())
    if mic is not None:
        perf["audio_overflows"] = mic.overflows
    # while the camera ran: the analysis loop, capture, audio, store and native threads
    perf["cpu_by_thread_pct"] = run.cpu_meter.shares_pct()
    return summary


def recover_sessions(store: SessionStore) -> list[int]:
    """Finalise sessions left ``running`` by a process that died (power loss, kill -9).

    A session whose recording process is alive (it holds the session's lock) is left alone.
    What was committed is kept (all but about the last second); the length is taken from the
    stored rows and the session is marked ``recovered``. An utterance the crash cut off is
    closed at its last stored speaking row (its syllables unknown). The report is built from
    the store like any other's.
    """
    from presence_coach.errors import StoreBusyError

    recovered = []
    for session_id in store.unfinished():
        try:
            with store.hold_session_lock(session_id):
                if store.session(session_id).status != "running":
                    continue  # another recovery was first
                _recover_one(store, session_id)
        except StoreBusyError:
            continue  # its process is alive after all, or another recovery holds it
        recovered.append(session_id)
    return recovered


def _recover_one(store: SessionStore, session_id: int) -> None:
    """Finalise one cut-off session whose lock this process holds."""
    from presence_coach.summary.session import session_duration_s, utterance_left_open

    voice_rows = store.voice_timeline(session_id)
    duration_s = session_duration_s(
        duration_s=None,
        face_rows=store.face_timeline(session_id),
        voice_rows=voice_rows,
        events=store.events(session_id),
    )
    problem = finalize_session(
        store,
        session_id,
        summary={"recovered": True, "duration_s": round(duration_s, 3)},
        status="recovered",
        duration_s=duration_s,
    )
    if problem is not None:
        raise SaveError(
            f"cannot finish session {session_id}, which was cut off: {problem}; its data "
            f"is kept: free some space on the disk holding {store.dir}, then run "
            "`presence-coach recover`",
            problem,
        )
    cut_off = utterance_left_open(voice_rows, store.events(session_id, "utterance"))
    if cut_off is not None:  # best effort: the speaking share counts its rows anyway
        recorder = SessionRecorder(store, session_id)
        recorder.add_events([cut_off])
        recorder.flush()
