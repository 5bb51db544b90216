"""The command line's parser: one small function per command (``presence-coach --help``).

Each command's parser sets ``run`` to the command's name (``models fetch`` is
``models-fetch``); :mod:`presence_coach.cli` calls the command of that name. Light on purpose:
``--help`` imports nothing heavy.
"""

from __future__ import annotations

import argparse

from presence_coach import __version__
from presence_coach.cli_day import add_day_commands
from presence_coach.errors import UsageError
from presence_coach.models import DOWNLOAD_DEADLINE_S
from presence_coach.session.modes import ECO_MAX_FPS
from presence_coach.session.store import MAX_SESSION_ID

PROG = "presence-coach"


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
    p.set_defaults(run="app")

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
    p.set_defaults(run="session")


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
    p.set_defaults(run="analyze")


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
    mp.set_defaults(run="models-fetch")
    mp = msub.add_parser(
        "check", parents=[common.models_dir], help="verify the model files that are present"
    )
    mp.set_defaults(run="models-check")
    p.set_defaults(run="models")


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
    p.set_defaults(run="calibrate")


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
    p.set_defaults(run="report")


def _add_history(sub: Subparsers, common: _Common) -> None:
    p = sub.add_parser(
        "history", parents=[common.data_dir], help="your sessions and how they trend, week by week"
    )
    p.add_argument("--json", metavar="FILE", help="write the history as JSON")
    p.set_defaults(run="history")


def _add_note(sub: Subparsers, common: _Common) -> None:
    p = sub.add_parser(
        "note", parents=[common.data_dir], help="add your own note to a session (kept privately)"
    )
    p.add_argument("session", type=_session_number, metavar="SESSION", help="session number")
    p.add_argument("text", nargs="+", help="the note")
    p.set_defaults(run="note")


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
    p.set_defaults(run="forget")


def _add_recover(sub: Subparsers, common: _Common) -> None:
    p = sub.add_parser(
        "recover",
        parents=[common.data_dir],
        help="finish sessions that were cut off (power loss, crash); also done at each start",
    )
    p.set_defaults(run="recover")


def _add_devices(sub: Subparsers, common: _Common) -> None:
    p = sub.add_parser("devices", help="list cameras and microphones")
    p.set_defaults(run="devices")


def _add_camera_share(sub: Subparsers, common: _Common) -> None:
    p = sub.add_parser(
        "camera-share",
        help="share your camera with Zoom, Teams or Meet: check what is there",
        description="Check what this computer has for --share-camera; with --setup, first "
        "print the one-time steps.",
    )
    p.add_argument("--setup", action="store_true", help="print the one-time steps too")
    p.set_defaults(run="camera-share")
