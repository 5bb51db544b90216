"""Command line: ``presence-coach session | analyze | models | devices``.

Every command has ``--help``. A problem the user can fix prints one line on stderr and exits
non-zero (1, or 2 for a bad flag); a traceback is a bug.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, redirect_stdout, suppress
from pathlib import Path
from typing import TYPE_CHECKING

from presence_coach import __version__
from presence_coach.cli_day import add_day_commands
from presence_coach.errors import PresenceCoachError, UsageError
from presence_coach.models import DOWNLOAD_DEADLINE_S
from presence_coach.session.modes import ECO_MAX_FPS
from presence_coach.session.recording import (
    Recording,
    open_store,
    recording_session,
    recording_store,
)
from presence_coach.session.stop import SIGHUP, SIGNAL_REASONS, StopRequest
from presence_coach.session.store import MAX_SESSION_ID, SaveError, SessionStore

if TYPE_CHECKING:
    from presence_coach.session.live import LiveStatus
    from presence_coach.sources.video import VideoSource
    from presence_coach.voice import VoiceResult

PROG = "presence-coach"
STATUS_EVERY_S = 1.0  # live status line refresh
INTERRUPTED_EXIT = 130  # 128 + SIGINT, the shell convention


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad flag as one line (no usage dump)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


def _session_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a session number") from None
    if not 0 < value <= MAX_SESSION_ID:
        raise argparse.ArgumentTypeError(
            f"there is no session {text} (session numbers go from 1 to {MAX_SESSION_ID}; "
            "`presence-coach history` lists them)"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="A private presence coach for therapists who work over video. "
        "Everything runs on this computer; no video or audio is stored.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    common = _Common()
    for add in (
        _add_session,
        _add_analyze,
        _add_models,
        _add_calibrate,
        _add_report,
        _add_history,
        _add_note,
        _add_forget,
        _add_recover,
        _add_devices,
        _add_camera_share,
    ):
        add(sub, common)
    add_day_commands(sub, common.data_dir, _session_number)
    return parser


class _Common:
    """Flags shared by several commands, as argparse parent parsers."""

    def __init__(self) -> None:
        self.models_dir = _Parser(add_help=False)
        self.models_dir.add_argument(
            "--models-dir",
            metavar="DIR",
            help="look for model files here first (then $PRESENCE_COACH_MODELS, the checkout's "
            "models/, the user cache)",
        )
        self.data_dir = _Parser(add_help=False)
        self.data_dir.add_argument(
            "--data-dir",
            metavar="DIR",
            help="where sessions are kept (default: $PRESENCE_COACH_DATA, else your user data "
            "folder)",
        )
        self.analysis = _Parser(add_help=False)
        self.analysis.add_argument(
            "--max-fps",
            type=_positive_float,
            metavar="N",
            help="analyse at most N frames per second (lighter on the CPU; default: every frame)",
        )
        self.analysis.add_argument(
            "--json", metavar="FILE", help="write the session summary as JSON"
        )
        self.analysis.add_argument(
            "--stats", action="store_true", help="print per-stage timings after the run"
        )


Subparsers = argparse._SubParsersAction  # argparse has no public name for it


def _add_session(sub: Subparsers, common: _Common) -> None:
    p = sub.add_parser(
        "app",
        help="open the desktop app (also what `presence-coach` alone does on a desktop)",
        description="Open the Presence Coach window: start and stop sessions, calibrate, "
        "read your reports and write notes. Needs a desktop display.",
    )
    p.add_argument(
        "--camera",
        metavar="URL",
        default="",
        help="also offer this stream URL as a camera (cameras on this computer are listed)",
    )
    p.set_defaults(func=cmd_app)

    p = sub.add_parser(
        "session",
        parents=[common.models_dir, common.data_dir, common.analysis],
        help="run beside a video call: camera and microphone, live (the main job)",
        description="Analyse your camera and microphone until Ctrl+C, q or --duration; then "
        "print a summary and keep the session in your private history.",
    )
    p.add_argument(
        "--camera",
        default="0",
        metavar="INDEX|URL",
        help="camera index (see `devices`) or a stream URL; default 0",
    )
    p.add_argument(
        "--mic", metavar="INDEX|NAME", help="microphone (see `devices`); default: the system's"
    )
    p.add_argument("--no-mic", action="store_true", help="video only: do not use a microphone")
    p.add_argument(
        "--call-audio",
        default="auto",
        metavar="DEVICE|auto|off",
        help="the call's sound, to tell your voice from the client's (see `devices`); "
        "default auto: the monitor of the default output when there is one",
    )
    p.add_argument(
        "--eco",
        action="store_true",
        help=f"lighter on the computer: analyse {ECO_MAX_FPS:g} frames a second (nods still count)",
    )
    p.add_argument("--duration", type=_positive_float, metavar="SECONDS", help="stop after this")
    p.add_argument(
        "--preview", action="store_true", help="show a small self-view window (close it to stop)"
    )
    p.add_argument("--no-open", action="store_true", help="do not open the report afterwards")
    p.add_argument(
        "--share-camera",
        metavar="TARGET",
        help="republish every camera frame to TARGET for your call app: a v4l2loopback "
        "/dev/videoN (see `camera-share --setup`) or an ffmpeg output URL",
    )
    p.set_defaults(func=cmd_session)


def _add_analyze(sub: Subparsers, common: _Common) -> None:
    p = sub.add_parser(
        "analyze",
        parents=[common.models_dir, common.data_dir, common.analysis],
        help="analyse a recording (video and its sound, or sound alone)",
        description="Analyse a recorded video frame by frame and its sound track; or an audio "
        "file (wav, flac, ...) alone.",
    )
    p.add_argument(
        "video",
        metavar="VIDEO_OR_AUDIO",
        help="video (mp4, mkv, webm, ...), stream URL or audio file",
    )
    p.add_argument(
        "--audio",
        metavar="FILE",
        help="take the voice from this file instead of the recording's own sound track",
    )
    p.add_argument(
        "--call-audio",
        metavar="FILE",
        help="the call's sound (the other person), recorded alongside: adds who spoke when",
    )
    p.add_argument("--timeline", metavar="FILE", help="write one CSV row per analysed frame")
    p.add_argument(
        "--events", metavar="FILE", help="write events (nods, gaze episodes, ...) as JSON lines"
    )
    p.add_argument(
        "--realtime",
        action="store_true",
        help="play the file at its own speed like a live camera (frames may be dropped)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--no-store", action="store_true", help="do not keep this analysis in your session history"
    )
    p.set_defaults(func=cmd_analyze)


def _add_models(sub: Subparsers, common: _Common) -> None:
    p = sub.add_parser("models", help="download or verify the model files")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", parser_class=_Parser)
    mp = msub.add_parser(
        "fetch",
        parents=[common.models_dir],
        help="download the models and check their SHA-256 (the only network use)",
        description="Download missing models (or all, with --force) and verify them.",
    )
    mp.add_argument("--from", dest="url", metavar="URL", help="download from a mirror URL")
    mp.add_argument("--force", action="store_true", help="download even if a valid file exists")
    mp.add_argument(
        "--timeout",
        type=_positive_float,
        metavar="SECONDS",
        default=DOWNLOAD_DEADLINE_S,
        help="give up when a download has taken this long in all (default %(default)g)",
    )
    mp.set_defaults(func=cmd_models_fetch)
    mp = msub.add_parser(
        "check", parents=[common.models_dir], help="verify the model files that are present"
    )
    mp.set_defaults(func=cmd_models_check)
    p.set_defaults(func=lambda args: _missing_action(p))


def _add_calibrate(sub: Subparsers, common: _Common) -> None:
    p = sub.add_parser(
        "calibrate",
        parents=[common.models_dir],
        help="a one-minute guided calibration for this camera and microphone",
        description="Fit Presence Coach to your camera, screen, room and voice: look at the "
        "lens, at the call window, away; stay silent; read a sentence; nod. Saved per "
        "camera/microphone pair and used by every later session.",
    )
    p.add_argument("--camera", default="0", metavar="INDEX|URL", help="camera; default 0")
    p.add_argument("--mic", metavar="INDEX|NAME", help="microphone; default: the system's")
    p.add_argument("--show", action="store_true", help="print the profile in use and stop")
    p.add_argument(
        "--from-video", metavar="FILE", help="calibrate from a recording instead (with --script)"
    )
    p.add_argument(
        "--script", metavar="FILE", help="JSON with each step's start_s/end_s in the recording"
    )
    p.add_argument("--audio", metavar="FILE", help="the recording's sound, if not in the video")
    p.set_defaults(func=cmd_calibrate)


def _add_report(sub: Subparsers, common: _Common) -> None:
    p = sub.add_parser(
        "report",
        parents=[common.data_dir],
        help="write (and open) the private report of a session",
        description="Write the report page of a session (the newest by default) into your "
        "data folder and open it in your browser. It works offline and fetches nothing.",
    )
    p.add_argument(
        "session", type=_session_number, nargs="?", metavar="SESSION", help="session number"
    )
    p.add_argument("--no-open", action="store_true", help="only write it; print its path")
    p.add_argument("--json", metavar="FILE", help="also write the session summary as JSON")
    p.add_argument(
        "--usual",
        choices=("live", "all"),
        default="live",
        help="which earlier sessions make 'your usual': live ones of 10 min or more "
        "(default) or all, recordings and short sessions too",
    )
    p.set_defaults(func=cmd_report)


def _add_history(sub: Subparsers, common: _Common) -> None:
    p = sub.add_parser(
        "history", parents=[common.data_dir], help="your sessions and how they trend, week by week"
    )
    p.add_argument("--json", metavar="FILE", help="write the history as JSON")
    p.set_defaults(func=cmd_history)


def _add_note(sub: Subparsers, common: _Common) -> None:
    p = sub.add_parser(
        "note", parents=[common.data_dir], help="add your own note to a session (kept privately)"
    )
    p.add_argument("session", type=_session_number, metavar="SESSION", help="session number")
    p.add_argument("text", nargs="+", help="the note")
    p.set_defaults(func=cmd_note)


def _add_forget(sub: Subparsers, common: _Common) -> None:
    p = sub.add_parser(
        "forget",
        parents=[common.data_dir],
        help="delete a session, or all of them, with every trace (rows, notes, report pages)",
    )
    p.add_argument(
        "session", type=_session_number, nargs="?", metavar="SESSION", help="session number"
    )
    p.add_argument("--all", action="store_true", help="delete every session (asks first)")
    p.add_argument(
        "--yes", action="store_true", help="with --all: do not ask (needed without a terminal)"
    )
    p.set_defaults(func=cmd_forget)


def _add_recover(sub: Subparsers, common: _Common) -> None:
    p = sub.add_parser(
        "recover",
        parents=[common.data_dir],
        help="finish sessions that were cut off (power loss, crash); also done at each start",
    )
    p.set_defaults(func=cmd_recover)


def _add_devices(sub: Subparsers, common: _Common) -> None:
    p = sub.add_parser("devices", help="list cameras and microphones")
    p.set_defaults(func=cmd_devices)


def _add_camera_share(sub: Subparsers, common: _Common) -> None:
    p = sub.add_parser(
        "camera-share",
        help="share your camera with Zoom, Teams or Meet: check what is there",
        description="Check what this computer has for --share-camera; with --setup, first "
        "print the one-time steps.",
    )
    p.add_argument("--setup", action="store_true", help="print the one-time steps too")
    p.set_defaults(func=cmd_camera_share)


def cmd_app(args: argparse.Namespace) -> int:
    from presence_coach.app.launch import run_app

    return run_app(camera_url=args.camera)


def _no_command(parser: argparse.ArgumentParser) -> int:
    """``presence-coach`` alone: the app on a desktop, else one line pointing to ``session``."""
    from presence_coach.app.launch import no_display_error
    from presence_coach.desktop import display_problem

    problem = display_problem()
    if problem:
        raise no_display_error(problem)
    return cmd_app(parser.parse_args(["app"]))


def _missing_action(parser: argparse.ArgumentParser) -> int:
    raise UsageError(f"choose an action: fetch or check (see `{parser.prog} --help`)")


# ---- commands --------------------------------------------------------------------------


def cmd_models_fetch(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from presence_coach import models
    from presence_coach.errors import ModelError

    manifest = models.load_manifest()
    dest = models.default_fetch_dir(args.models_dir)
    for spec in manifest.values():
        if not args.force:
            try:
                path = models.find_model(spec.name, models_dir=args.models_dir)
            except ModelError:
                pass
            else:
                print(f"{spec.name}: already present and verified at {path}")
                continue
        # the bar only on a terminal: in a log it would be a pile of carriage returns
        with tqdm(
            total=spec.size, unit="B", unit_scale=True, desc=spec.file, leave=False, disable=None
        ) as bar:
            path = models.fetch(
                spec, dest, url=args.url, progress=_bar_progress(bar), deadline_s=args.timeout
            )
        print(f"{spec.name}: downloaded and verified -> {path}")
    return 0


def _bar_progress(bar: object) -> Callable[[int, int], None]:
    def progress(done: int, total: int) -> None:
        bar.update(done - bar.n)  # type: ignore[attr-defined]

    return progress


def cmd_models_check(args: argparse.Namespace) -> int:
    from presence_coach import models

    problems = 0
    for spec in models.load_manifest().values():
        try:
            path = models.find_model(spec.name, models_dir=args.models_dir)
        except PresenceCoachError as exc:
            print(f"{spec.name}: PROBLEM: {exc}")
            problems += 1
        else:
            print(f"{spec.name}: ok ({spec.size} bytes, SHA-256 verified) at {path}")
    return 1 if problems else 0


def cmd_devices(args: argparse.Namespace) -> int:
    from presence_coach.sources.devices import list_cameras, list_microphones

    cameras = list_cameras()
    print("Cameras:")
    for d in cameras:
        print(f"  {d.index}: {d.name} ({d.detail})" if d.detail else f"  {d.index}: {d.name}")
    if not cameras:
        print("  none found")
    mics, problem = list_microphones()
    print("Microphones:")
    for d in mics:
        print(f"  {d.index}: {d.name} ({d.detail})")
    if problem:
        print(f"  {problem}")
    elif not mics:
        print("  none found")
    _print_call_audio_sources()
    return 0


def cmd_camera_share(args: argparse.Namespace) -> int:
    from presence_coach.sources.share_setup import setup_text

    print(setup_text(setup=args.setup))
    return 0


def _print_call_audio_sources() -> None:
    """``devices``: where the call's sound can come from (--call-audio)."""
    from presence_coach.sources.call_audio import list_call_audio_sources

    found = list_call_audio_sources()
    print("Call audio (--call-audio):")
    for d in found:
        print(f"  {d.name} ({d.kind}{', default output' if d.is_default else ''})")
    if not found:
        print("  none found")


def cmd_analyze(args: argparse.Namespace) -> int:
    from presence_coach.errors import SourceError
    from presence_coach.files import check_writable
    from presence_coach.session.analysis import RunOptions, VoiceTrack, audio_only
    from presence_coach.sources.video import VideoSource
    from presence_coach.voice import analyze_audio

    source = VideoSource(args.video, realtime=args.realtime)
    try:
        source.start()  # probe: is there a picture?
        source.stop()
        has_video = True
        source = VideoSource(args.video, realtime=args.realtime)
    except SourceError as video_error:
        if source.kind != "file" or "corrupt or not a video" not in str(video_error):
            raise
        has_video = False

    voice, voice_note = None, None
    try:
        voice = (
            analyze_audio(args.audio or args.video) if args.audio or source.kind == "file" else None
        )
    except SourceError as audio_error:
        if args.audio:
            raise
        if not has_video:
            raise SourceError(
                f"cannot read {args.video} as video or as audio: the file is corrupt or not a "
                "recording"
            ) from None
        voice_note = str(audio_error)
    voice, conversation = _call_audio_events(args, voice)
    if has_video:
        return _run_video(
            args, source, progress=not args.quiet, voice=voice, voice_note=voice_note,
            extra_events=conversation,
        )  # fmt: skip

    assert voice is not None
    outputs = {"--timeline": args.timeline, "--events": args.events, "--json": args.json}
    paths = {flag: check_writable(p, flag=flag) if p else None for flag, p in outputs.items()}
    options = RunOptions(
        timeline_path=paths["--timeline"],
        events_path=paths["--events"],
        extra_events=conversation or (),
    )
    keep = not args.no_store
    with recording_store(args.data_dir, keep=keep) as store:
        with recording_session(store, str(args.video), keep=keep) as recording:
            recording.recorder.add_voice(voice.timeline)
            recording.recorder.add_events(VoiceTrack(voice).events_until(math.inf))
            recording.recorder.add_events(conversation or ())
            recording.run = audio_only(voice, str(args.video), options)
        _show_recording(store, recording, keep=keep, json_path=paths["--json"])
    recording.raise_if_not_saved()
    return 0


def _show_recording(
    store: SessionStore, recording: Recording, *, keep: bool, json_path: Path | None
) -> dict:
    """Write the finalised recording's summary as JSON (if asked) and print it; returns it."""
    from presence_coach.files import write_json_private
    from presence_coach.summary.history import history
    from presence_coach.summary.report import render_terminal
    from presence_coach.summary.session import summary_from_store

    summary = summary_from_store(store, recording.session_id, run=recording.run)
    if json_path:
        write_json_private(json_path, summary)
    print(render_terminal(summary, history=history(store) if keep else None, kept=keep))
    if keep:
        print(f"Kept as session {recording.session_id} in your private history.", file=sys.stderr)
    return summary


def _call_audio_events(args: argparse.Namespace, voice: object) -> tuple[object, tuple | None]:
    """``analyze --call-audio``: your voice (the call's leak left out) and the conversation
    events of the mic's sound and the call's; without it, ``voice`` as it was."""
    if not getattr(args, "call_audio", None):
        return voice, None
    from presence_coach.errors import UsageError
    from presence_coach.session.call_analysis import analyze_call

    if voice is None:
        raise UsageError("--call-audio needs the microphone's sound: this recording has none")
    yours, events = analyze_call(args.audio or args.video, args.call_audio)
    return yours, tuple(events)


def cmd_session(args: argparse.Namespace) -> int:
    from presence_coach import models
    from presence_coach.calibration.profile import active_profile
    from presence_coach.files import check_writable, write_json_private
    from presence_coach.session.live import LiveOptions, run_live_session
    from presence_coach.summary.session import summary_from_store
    from presence_coach.summary.terminal import format_performance

    json_path = check_writable(args.json, flag="--json") if args.json else None
    options = LiveOptions(
        camera=int(args.camera) if args.camera.isdigit() else args.camera,
        mic=(int(args.mic) if args.mic.isdigit() else args.mic) if args.mic else None,
        use_mic=not args.no_mic,
        max_fps=ECO_MAX_FPS if args.eco else args.max_fps,
        duration_s=args.duration,
        share_camera=args.share_camera,
        call_audio=args.call_audio,
    )
    model_path = models.find_model(models.FACE_LANDMARKER, models_dir=args.models_dir)
    stop = StopRequest()
    status_line = _StatusLine()
    preview = None
    if args.preview:
        from presence_coach.session.preview import PreviewWindow, draw_overlay

        preview = PreviewWindow()

    def on_status(status: LiveStatus) -> None:
        status_line.update(status)
        if status.frame is None or status.sample is None:
            return  # no picture: the status line says so
        if preview is not None and not preview.show(
            draw_overlay(status.frame.image, status.sample, status.state)
        ):
            stop.request()  # the window was closed

    profile = active_profile(*_device_pair(args))
    # a stop signal at any moment until the end (also a repeated one while the session is
    # being stored or its report written) only stops: nothing is skipped
    with _stop_on_signals(stop):
        with _open_store(args) as store, _stop_on_q_key(stop):
            _recover(store)
            try:
                result = run_live_session(
                    options,
                    store=store,
                    model_path=model_path,
                    stop=stop,
                    profile=profile,
                    on_status=on_status,
                )
            finally:
                status_line.close()
                if preview is not None:
                    preview.close()
        with _open_store(args) as store:
            summary = summary_from_store(store, result.session_id, run=result.summary)
            if json_path:
                write_json_private(json_path, summary)
            page, page_error = _write_report_saying(store, result.session_id, summary)
        where = f" Report: {page}" if page else ""
        print(f"Kept as session {result.session_id} in your private history.{where}")
        if args.stats:
            print(format_performance(summary["performance"]))
        if result.saving_failed:
            raise SaveError(result.saving_failed, "saving failed")
        if page_error:
            raise page_error
        if not args.no_open and stop.signum != SIGHUP:  # nobody is there to read it
            _open_page(page)  # type: ignore[arg-type]
    return 0  # stopping (Ctrl+C, SIGTERM, SIGHUP, q) is how a session ends


def cmd_report(args: argparse.Namespace) -> int:
    from presence_coach.files import check_writable, write_json_private
    from presence_coach.session.store import StoreError
    from presence_coach.summary.pages import write_report

    json_path = check_writable(args.json, flag="--json") if args.json else None
    with _open_store(args) as store:
        session_id = args.session
        if session_id is None:
            finished = [s.id for s in store.sessions() if s.status != "running"]
            if not finished:
                raise StoreError("no sessions yet: run `presence-coach session` first")
            session_id = finished[-1]
        page, summary = write_report(store, session_id, usual=args.usual)
    if json_path:
        write_json_private(json_path, summary)
    print(f"Report of session {session_id}: {page}")
    if not args.no_open:
        _open_page(page)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from presence_coach.files import check_writable, write_json_private
    from presence_coach.summary.history import history, render_history_text

    json_path = check_writable(args.json, flag="--json") if args.json else None
    with _open_store(args) as store:
        h = history(store)
    if json_path:
        write_json_private(json_path, h)
    print(render_history_text(h))
    return 0


def _write_report_saying(
    store: object, session_id: int, summary: dict
) -> tuple[Path | None, SaveError | None]:
    """Write a session's report page, then print its terminal summary; a page that cannot be
    written (a full disk) is returned as the error to show last, the summary is shown anyway."""
    from presence_coach.summary.history import history
    from presence_coach.summary.pages import write_page
    from presence_coach.summary.report import render_terminal

    h = history(store)
    page, error = None, None
    try:  # first: the terminal may be gone (SIGHUP)
        page = write_page(store, session_id, summary, h)
    except SaveError as exc:
        error = SaveError(f"{exc}, then run `presence-coach report {session_id}`", exc.problem)
    print(render_terminal(summary, history=h))
    return page, error


def _open_page(page: Path) -> None:
    """Open a local page in the user's browser; where none can be opened, the path was shown."""
    import webbrowser

    with suppress(webbrowser.Error):
        webbrowser.open(page.as_uri())


def cmd_calibrate(args: argparse.Namespace) -> int:
    from presence_coach import models
    from presence_coach.calibration.profile import active_profile, describe_profile, save_profile

    camera, mic = _device_pair(args)
    if args.show:
        print(describe_profile(active_profile(camera, mic)))
        return 0
    if bool(args.from_video) != bool(args.script):
        raise UsageError("--from-video and --script go together (see `calibrate --help`)")
    model_path = models.find_model(models.FACE_LANDMARKER, models_dir=args.models_dir)
    if args.from_video:
        from presence_coach.calibration.routine import calibrate_from_recording

        result = calibrate_from_recording(
            args.from_video,
            args.script,
            audio_path=args.audio,
            model_path=model_path,
            camera=camera,
            mic=mic,
        )
        profile = result.profile
    else:
        from presence_coach.calibration.live import run_live_calibration
        from presence_coach.session.preview import has_display

        cam = int(args.camera) if args.camera.isdigit() else args.camera
        profile = run_live_calibration(
            cam,
            args.mic,
            model_path=model_path,
            show_window=has_display(),
            camera_key=camera,
            mic_key=mic,
        )
    path = save_profile(profile)
    print(describe_profile(profile))
    print(f"Saved for camera {camera} and microphone {mic}: {path}")
    return 0


def _device_pair(args: argparse.Namespace) -> tuple[str, str]:
    """The camera/microphone pair a calibration profile belongs to (a camera by its stable id
    or name where the OS gives one, as the desktop app keeps it)."""
    from presence_coach.sources.devices import camera_identity

    return camera_identity(args.camera), str(args.mic) if args.mic else "default"


def cmd_note(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        store.add_note(args.session, " ".join(args.text))
    print(f"Note added to session {args.session}.")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from presence_coach.session.datadir import data_dir_path
    from presence_coach.session.forget import forget_session

    if args.all == (args.session is not None):
        raise UsageError("give a SESSION number or --all (see `presence-coach forget --help`)")
    folder = data_dir_path(args.data_dir)
    if args.all:
        return _forget_all(folder, yes=args.yes)
    done = forget_session(folder, args.session)
    sid = args.session
    if not done.deleted:
        print(f"Session {sid} was already deleted; removed the report pages it had left.")
        return 0
    print(f"Deleted session {sid} and everything recorded with it (notes and report pages too).")
    if done.rebuilt is not None:
        print(_rebuilt_note(done.rebuilt, sid))
    _refresh_reports(args, after=sid)
    return 0


def _forget_all(folder: Path, *, yes: bool) -> int:
    from presence_coach.session.forget import forget_all, session_count

    count = session_count(folder)
    if count == 0:
        forget_all(folder)  # leftover report pages, if any
        print("No sessions to delete.")
        return 0
    what = (
        "the damaged session database (every session in it)"
        if count is None
        else f"all {count} session{'s' if count != 1 else ''}"
    )
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(
                f"forget --all deletes {what} for good: run it in a terminal to confirm, or "
                "add --yes"
            )
        try:
            answer = input(
                f"Delete {what} and everything recorded with them (notes, report pages)? "
                "This cannot be undone. [y/N] "
            )
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.")
            return 1
    forget_all(folder)
    print(f"Deleted {what} and everything recorded with them.")
    return 0


def _rebuilt_note(rebuilt: object, sid: int) -> str:
    partly, lost = rebuilt.partly, rebuilt.lost  # type: ignore[attr-defined]
    note = f"The session database was damaged; it was rebuilt without session {sid}"
    if not partly and not lost:
        return note + " and every other session was kept whole."
    if partly:
        note += f"; {_ids(partly)} {'keep' if len(partly) > 1 else 'keeps'} what could be read"
    if lost:
        note += (
            f"; {_ids(lost)} could not be read at all and {'are' if len(lost) > 1 else 'is'} gone"
        )
    return note + "."


def _ids(ids: Sequence[int]) -> str:
    return f"session{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))}"


def _refresh_reports(args: argparse.Namespace, *, after: int) -> None:
    """Report pages of later sessions compare with the sessions before them: write them again
    without the forgotten one (a page that cannot be written again is removed)."""
    from presence_coach.session.datadir import data_dir_path
    from presence_coach.session.forget import page_ids
    from presence_coach.summary.pages import refresh_reports_after

    if any(sid > after for sid in page_ids(data_dir_path(args.data_dir))):
        with _open_store(args) as store:
            refresh_reports_after(store, after)


def cmd_recover(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        ids = _recover(store)
    print(
        f"Recovered session{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))}."
        if ids
        else "Nothing to recover: every session was finished."
    )
    return 0


def _open_store(args: argparse.Namespace) -> SessionStore:
    """The user's session store; on a full disk the spare space is used to open it."""
    return open_store(args.data_dir)


def _recover(store: object) -> list[int]:
    from presence_coach.session.live import recover_sessions

    ids = recover_sessions(store)  # type: ignore[arg-type]
    for sid in ids:
        print(
            f"Recovered session {sid}, which was cut off; its data up to then is kept.",
            file=sys.stderr,
        )
    return ids


def _run_video(
    args: argparse.Namespace,
    source: VideoSource,
    *,
    progress: bool,
    voice: VoiceResult | None = None,
    voice_note: str | None = None,
    extra_events: tuple[dict, ...] | None = None,
) -> int:
    from tqdm import tqdm

    from presence_coach import models
    from presence_coach.calibration.profile import default_profile
    from presence_coach.files import check_writable
    from presence_coach.session.analysis import RunOptions, VideoAnalysis
    from presence_coach.summary.terminal import format_performance

    outputs = {
        "--timeline": getattr(args, "timeline", None),
        "--events": getattr(args, "events", None),
        "--json": args.json,
    }
    paths = {flag: check_writable(p, flag=flag) if p else None for flag, p in outputs.items()}
    model_path = models.find_model(models.FACE_LANDMARKER, models_dir=args.models_dir)
    # the default profile (calibration/laptop-default.toml), as an uncalibrated session uses
    profile = default_profile()
    options = RunOptions(
        max_fps=args.max_fps,
        timeline_path=paths["--timeline"],
        events_path=paths["--events"],
        voice=voice,
        gaze_calibration=profile.gaze_calibration(),
        extra_events=extra_events or (),
    )
    stop = StopRequest()
    bar = tqdm(unit="frame", disable=not progress or None, leave=False)

    def on_sample(frame: object, sample: object, analysis: object) -> None:
        if bar.total is None and source.frame_count:
            bar.total = source.frame_count
        with suppress(OSError):  # the terminal was closed: the analysis goes on
            bar.update(1)

    keep = not args.no_store
    with _stop_on_signals(stop):
        with recording_store(args.data_dir, keep=keep) as store:
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
            summary = _show_recording(store, recording, keep=keep, json_path=paths["--json"])
        if args.stats:
            print(format_performance(summary["performance"]))
        recording.raise_if_not_saved()
    if not run["frames"]:
        raise PresenceCoachError(f"no frames could be read from {source.target}")
    if run["interrupted"]:  # 128 + the signal, the shell convention (130 for Ctrl+C)
        return 128 + (stop.signum or signal.SIGINT)
    return 0


def status_text(status: LiveStatus) -> str:
    """The live status line: time, camera and face, microphone, frame counts."""
    if status.sample is None:
        camera = "camera: no picture"
    else:
        camera = "face found" if status.sample.face else "no face   "
    if status.mic_lost:
        mic = "mic: no sound"
    else:
        mic = "mic off" if status.mic_dbfs is None else f"mic {status.mic_dbfs:5.0f} dBFS"
    mins, secs = divmod(int(status.t_s), 60)
    saving = f"saving failed: {status.saving}  " if status.saving else ""
    return (
        f"{mins:02d}:{secs:02d}  {camera}  {mic}  frames {status.frames}  "
        f"dropped {status.dropped}  {saving}(Ctrl+C or q to stop)"
    )


class _StatusLine:
    """A compact one-line live status on stderr, refreshed about once a second."""

    def __init__(self) -> None:
        self._next = 0.0
        self._tty = sys.stderr.isatty()

    def update(self, status: LiveStatus) -> None:
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + STATUS_EVERY_S
        with suppress(OSError):  # the terminal was closed: the session goes on
            print(status_text(status), end="\r" if self._tty else "\n", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._tty:
            with suppress(OSError):
                print(file=sys.stderr)


@contextmanager
def _stop_on_q_key(stop: StopRequest) -> Iterator[None]:
    """On a terminal, pressing q stops the session (the terminal is restored afterwards)."""
    if not sys.stdin.isatty():
        yield
        return
    import select
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)

    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            ready, _, _ = select.select([fd], [], [], 0.25)
            if not ready:
                continue
            try:
                key = os.read(fd, 1)
            except OSError:  # the terminal was closed (SIGHUP stops the session)
                return
            if not key:
                return
            if key in (b"q", b"Q"):
                stop.request()

    tty.setcbreak(fd)
    thread = threading.Thread(target=watch, name="q-key", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        with suppress(termios.error, OSError):  # a closed terminal needs no restoring
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@contextmanager
def _stop_on_signals(stop: StopRequest) -> Iterator[None]:
    """Turn Ctrl+C, SIGTERM and SIGHUP (the terminal was closed) into a clean stop: the loop
    ends, the session is stored and the outputs are still written. Repeats change nothing.

    After SIGHUP the terminal is gone: output meant for it goes to the null device instead of
    failing. Once stopped, the signals stay ignored until the process exits (a late repeat
    must not interrupt the last steps).
    """
    terminal = [name for name in ("stdout", "stderr") if _isatty(getattr(sys, name))]

    def handler(signum: int, frame: object) -> None:
        if signum == SIGHUP:
            for name in terminal:
                setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115 (lives until exit)
        stop.request(SIGNAL_REASONS[signum], signum)

    previous = {s: signal.signal(s, handler) for s in SIGNAL_REASONS}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, signal.SIG_IGN if stop.is_set() else h)


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


def _stdout_output(args: argparse.Namespace) -> bool:
    """Whether an output flag is ``-`` (standard output); at most one may be."""
    flags = [f"--{k}" for k in ("json", "timeline", "events") if getattr(args, k, None) == "-"]
    if len(flags) > 1:
        both = " and ".join(flags)
        raise UsageError(f"only one output can go to standard output (-), not {both}")
    return bool(flags)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
        if func is None:
            return _no_command(parser)
        if not _stdout_output(args):
            return func(args)
        with redirect_stdout(sys.stderr):  # standard output carries the data alone
            return func(args)
    except PresenceCoachError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: stopped", file=sys.stderr)
        return INTERRUPTED_EXIT
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
