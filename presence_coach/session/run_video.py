"""``presence-coach analyze``: a recording (video and its sound, or sound alone) analysed,
kept as a session (or in a temporary store with ``--no-store``), summarised from the store
and printed.
"""

from __future__ import annotations

import math
import signal
import sys
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from presence_coach import models
from presence_coach.calibration.profile import default_profile
from presence_coach.errors import PresenceCoachError, SourceError, UsageError
from presence_coach.files import check_writable, write_json_private
from presence_coach.session.analysis import RunOptions, VideoAnalysis, VoiceTrack, audio_only
from presence_coach.session.call_analysis import analyze_call
from presence_coach.session.recording import Recording, recording_session, recording_store
from presence_coach.session.stop import StopRequest
from presence_coach.session.store import SessionStore
from presence_coach.session.terminal import stop_on_signals
from presence_coach.sources.video import VideoSource
from presence_coach.summary.history import history
from presence_coach.summary.session import summary_from_store
from presence_coach.summary.terminal import format_performance, render_terminal
from presence_coach.voice import VoiceResult, analyze_audio


@dataclass(frozen=True)
class AnalyzeRequest:
    """What ``analyze`` was asked to do (the command's flags)."""

    video: str  # video file, stream URL or audio file
    audio: str | None = None  # take the voice from this file instead of the recording's
    call_audio: str | None = None  # the call's sound, recorded alongside (who spoke when)
    timeline_path: str | None = None  # --timeline: one CSV row per analysed frame
    events_path: str | None = None  # --events: events as JSON lines
    json_path: str | None = None  # --json: the session summary
    realtime: bool = False  # play the file at its own speed like a live camera
    progress: bool = True  # a progress bar (on a terminal)
    keep: bool = True  # keep the session in the history (False: --no-store)
    stats: bool = False  # print per-stage timings afterwards
    max_fps: float | None = None  # analyse at most this many frames a second (None: all)
    data_dir: str | None = None  # --data-dir (None: the default data folder)
    models_dir: str | None = None  # --models-dir (None: the default lookup)

    def __post_init__(self) -> None:
        if self.max_fps is not None and not self.max_fps > 0:
            raise UsageError(f"--max-fps {self.max_fps} must be greater than 0")


def analyze_recording(request: AnalyzeRequest) -> int:
    """Analyse, keep, summarise and print; returns the exit code (128 + the signal that
    stopped it, else 0).

    Raises:
        PresenceCoachError: the recording cannot be read, an output cannot be written, ...
    """
    source, has_video = probe_recording(request.video, realtime=request.realtime)
    voice, voice_note = _voice_of(request, source, has_video=has_video)
    voice, conversation = _call_audio_events(request, voice)
    paths = _output_paths(request)
    if has_video:
        return _run_video(request, paths, source, voice=voice, voice_note=voice_note,
                          extra_events=conversation)  # fmt: skip
    assert voice is not None
    _run_audio(request, paths, voice, conversation)
    return 0


def probe_recording(target: str, *, realtime: bool) -> tuple[VideoSource, bool]:
    """A fresh video source for ``target`` and whether it has a picture (a file that is not a
    video may still be sound alone)."""
    source = VideoSource(target, realtime=realtime)
    try:
        source.start()  # probe: is there a picture?
        source.stop()
    except SourceError as video_error:
        if source.kind != "file" or "corrupt or not a video" not in str(video_error):
            raise
        return source, False
    return VideoSource(target, realtime=realtime), True


def _output_paths(request: AnalyzeRequest) -> dict[str, Path | None]:
    outputs = {
        "--timeline": request.timeline_path,
        "--events": request.events_path,
        "--json": request.json_path,
    }
    return {flag: check_writable(p, flag=flag) if p else None for flag, p in outputs.items()}


def _voice_of(
    request: AnalyzeRequest, source: VideoSource, *, has_video: bool
) -> tuple[VoiceResult | None, str | None]:
    """The recording's voice, and why there is none when a video has no readable sound."""
    target = request.audio or request.video
    if not (request.audio or source.kind == "file"):
        return None, None
    try:
        voice = analyze_audio(target)
    except SourceError as audio_error:
        if request.audio:
            raise
        if not has_video:
            raise SourceError(
                f"cannot read {request.video} as video or as audio: the file is corrupt or not "
                "a recording"
            ) from None
        return None, str(audio_error)
    if voice.duration_s > 0:
        return voice, None
    if request.audio or not has_video:  # nothing to analyse: not a quiet session
        raise SourceError(f"{target} holds no sound (0 s of audio); pass a recording")
    return None, "its sound track is empty"


def _call_audio_events(
    request: AnalyzeRequest, voice: VoiceResult | None
) -> tuple[VoiceResult | None, tuple[dict, ...] | None]:
    """``analyze --call-audio``: your voice (the call's leak left out) and the conversation
    events of the mic's sound and the call's; without it, ``voice`` as it was."""
    if not request.call_audio:
        return voice, None
    if voice is None:
        raise UsageError("--call-audio needs the microphone's sound: this recording has none")
    yours, events = analyze_call(request.audio or request.video, request.call_audio)
    return yours, tuple(events)


def _run_video(
    request: AnalyzeRequest,
    paths: dict[str, Path | None],
    source: VideoSource,
    *,
    voice: VoiceResult | None,
    voice_note: str | None,
    extra_events: tuple[dict, ...] | None,
) -> int:
    model_path = models.find_model(models.FACE_LANDMARKER, models_dir=request.models_dir)
    # the default profile (calibration/laptop-default.toml), as an uncalibrated session uses
    profile = default_profile()
    options = RunOptions(
        max_fps=request.max_fps,
        timeline_path=paths["--timeline"],
        events_path=paths["--events"],
        voice=voice,
        gaze_calibration=profile.gaze_calibration(),
        extra_events=extra_events or (),
    )
    stop = StopRequest()
    bar = tqdm(unit="frame", disable=not request.progress or None, leave=False)

    def on_sample(frame: object, sample: object, analysis: object) -> None:
        if bar.total is None and source.frame_count:
            bar.total = source.frame_count
        with suppress(OSError):  # the terminal was closed: the analysis goes on
            bar.update(1)

    keep = request.keep
    with stop_on_signals(stop):
        with recording_store(request.data_dir, keep=keep) as store:
            with recording_session(
                store, str(source.target), keep=keep, calibration=profile.to_dict()
            ) as recording:
                analysis = VideoAnalysis(source, model_path, options, recorder=recording.recorder)
                try:
                    run = analysis.run(on_sample, stop=stop)
                    if voice_note:
                        run["voice_note"] = voice_note
                finally:
                    with suppress(OSError):
                        bar.close()
                recording.run = run
            summary = show_recording(store, recording, keep=keep, json_path=paths["--json"])
        if request.stats:
            print(format_performance(summary["performance"]))
        recording.raise_if_not_saved()
    if not run["frames"]:
        raise PresenceCoachError(f"no frames could be read from {source.target}")
    if run["interrupted"]:  # 128 + the signal, the shell convention (130 for Ctrl+C)
        return 128 + (stop.signum or signal.SIGINT)
    return 0


def _run_audio(
    request: AnalyzeRequest,
    paths: dict[str, Path | None],
    voice: VoiceResult,
    conversation: tuple[dict, ...] | None,
) -> None:
    """A recording with sound and no picture."""
    options = RunOptions(
        timeline_path=paths["--timeline"],
        events_path=paths["--events"],
        extra_events=conversation or (),
    )
    keep = request.keep
    with recording_store(request.data_dir, keep=keep) as store:
        with recording_session(store, str(request.video), keep=keep) as recording:
            recording.recorder.add_voice(voice.timeline)
            recording.recorder.add_events(VoiceTrack(voice).events_until(math.inf))
            recording.recorder.add_events(conversation or ())
            recording.run = audio_only(voice, str(request.video), options)
        show_recording(store, recording, keep=keep, json_path=paths["--json"])
    recording.raise_if_not_saved()


def show_recording(
    store: SessionStore, recording: Recording, *, keep: bool, json_path: Path | None
) -> dict:
    """Write the finalised recording's summary as JSON (if asked) and print it; returns it."""
    summary = summary_from_store(store, recording.session_id, run=recording.run)
    if json_path:
        write_json_private(json_path, summary)
    print(render_terminal(summary, history=history(store) if keep else None, kept=keep))
    if keep:
        print(f"Kept as session {recording.session_id} in your private history.", file=sys.stderr)
    return summary
