"""Command line: ``presence-coach session | analyze | report | history | ...``.

Every command has ``--help``. A problem the user can fix prints one line on stderr and exits
non-zero (1, or 2 for a bad flag); a traceback is a bug. This module parses (the parser:
:mod:`presence_coach.cli_parser`), calls and prints: a run's orchestration lives in
``session/`` (``run_video.py``, ``run_live.py``, ``terminal.py``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from contextlib import redirect_stdout
from types import ModuleType
from typing import Any

from presence_coach import cli_day, models
from presence_coach.app.launch import no_display_error, run_app
from presence_coach.cli_parser import PROG, build_parser
from presence_coach.desktop import display_problem, open_page
from presence_coach.errors import ModelError, PresenceCoachError, StoreError, UsageError
from presence_coach.files import check_writable, write_json_private
from presence_coach.session.datadir import data_dir_path
from presence_coach.session.forget import forget_all_asking, forget_session, page_ids, rebuilt_note
from presence_coach.session.modes import ECO_MAX_FPS
from presence_coach.session.recording import open_store
from presence_coach.sources.devices import camera_identity, list_cameras, list_microphones
from presence_coach.sources.share_setup import setup_text

INTERRUPTED_EXIT = 130  # 128 + SIGINT, the shell convention


# ---- command modules, imported when their command runs ---------------------------------
# `presence-coach --help` loads only this module's imports (0.1-0.2 s, most of it numpy through
# the store). The modules below pull scipy, OpenCV and MediaPipe: 0.25 to 0.6 s each (measured
# with `python -X importtime`), so each is imported here, by the command that needs it, and
# nowhere else in this file.


def _run_video() -> ModuleType:
    """``analyze``: :mod:`presence_coach.session.run_video` (OpenCV, scipy: ~0.5 s)."""
    from presence_coach.session import run_video

    return run_video


def _run_live() -> ModuleType:
    """``session``, ``recover``: :mod:`presence_coach.session.run_live` (OpenCV: ~0.6 s)."""
    from presence_coach.session import run_live

    return run_live


def _pages() -> ModuleType:
    """``report``, ``forget``: :mod:`presence_coach.summary.pages` (scipy: ~0.25 s)."""
    from presence_coach.summary import pages

    return pages


def _history() -> ModuleType:
    """``history``: :mod:`presence_coach.summary.history` (scipy: ~0.25 s)."""
    from presence_coach.summary import history

    return history


def _calibration() -> ModuleType:
    """``calibrate``: :mod:`presence_coach.calibration.command` (OpenCV, scipy: ~0.45 s)."""
    from presence_coach.calibration import command

    return command


def _progress_bar(**kwargs: object) -> Any:
    """``models fetch``: a ``tqdm`` bar (tqdm and importlib.metadata: ~25 ms)."""
    from tqdm import tqdm

    return tqdm(**kwargs)


def _call_audio() -> ModuleType:
    """``devices``: :mod:`presence_coach.sources.call_audio` (soxr: ~10 ms)."""
    from presence_coach.sources import call_audio

    return call_audio


# ---- commands --------------------------------------------------------------------------


def cmd_app(args: argparse.Namespace) -> int:
    return run_app(camera_url=args.camera)


def _no_command(parser: argparse.ArgumentParser) -> int:
    """``presence-coach`` alone: the app on a desktop, else one line pointing to ``session``."""
    problem = display_problem()
    if problem:
        raise no_display_error(problem)
    return cmd_app(parser.parse_args(["app"]))


def cmd_models(args: argparse.Namespace) -> int:
    raise UsageError(f"choose an action: fetch or check (see `{PROG} models --help`)")


def cmd_models_fetch(args: argparse.Namespace) -> int:
    dest = models.default_fetch_dir(args.models_dir)
    for spec in models.load_manifest().values():
        if not args.force:
            try:
                path = models.find_model(spec.name, models_dir=args.models_dir)
            except ModelError:
                pass
            else:
                print(f"{spec.name}: already present and verified at {path}")
                continue
        # the bar only on a terminal: in a log it would be a pile of carriage returns
        with _progress_bar(
            total=spec.size, unit="B", unit_scale=True, desc=spec.file, leave=False, disable=None
        ) as bar:
            path = models.fetch(
                spec, dest, url=args.url, progress=_bar_progress(bar), deadline_s=args.timeout
            )
        print(f"{spec.name}: downloaded and verified -> {path}")
    return 0


def _bar_progress(bar: Any) -> Callable[[int, int], None]:
    def progress(done: int, total: int) -> None:
        bar.update(done - bar.n)

    return progress


def cmd_models_check(args: argparse.Namespace) -> int:
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
    found = _call_audio().list_call_audio_sources()
    print("Call audio (--call-audio):")
    for c in found:
        print(f"  {c.name} ({c.kind}{', default output' if c.is_default else ''})")
    if not found:
        print("  none found")
    return 0


def cmd_camera_share(args: argparse.Namespace) -> int:
    print(setup_text(setup=args.setup))
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    run_video = _run_video()
    request = run_video.AnalyzeRequest(
        video=args.video,
        audio=args.audio,
        call_audio=args.call_audio,
        timeline_path=args.timeline,
        events_path=args.events,
        json_path=args.json,
        realtime=args.realtime,
        progress=not args.quiet,
        keep=not args.no_store,
        stats=args.stats,
        max_fps=args.max_fps,
        data_dir=args.data_dir,
        models_dir=args.models_dir,
    )
    return run_video.analyze_recording(request)


def cmd_session(args: argparse.Namespace) -> int:
    run_live = _run_live()
    options = run_live.LiveOptions(
        camera=int(args.camera) if args.camera.isdigit() else args.camera,
        mic=(int(args.mic) if args.mic.isdigit() else args.mic) if args.mic else None,
        use_mic=not args.no_mic,
        max_fps=ECO_MAX_FPS if args.eco else args.max_fps,
        duration_s=args.duration,
        share_camera=args.share_camera,
        call_audio=args.call_audio,
    )
    request = run_live.LiveRequest(
        options=options,
        device_pair=_device_pair(args),
        json_path=args.json,
        preview=args.preview,
        open_report=not args.no_open,
        stats=args.stats,
        data_dir=args.data_dir,
        models_dir=args.models_dir,
    )
    return run_live.run_live_command(request)


def cmd_report(args: argparse.Namespace) -> int:
    json_path = check_writable(args.json, flag="--json") if args.json else None
    with open_store(args.data_dir) as store:
        session_id = args.session
        if session_id is None:
            finished = [s.id for s in store.sessions() if s.status != "running"]
            if not finished:
                raise StoreError("no sessions yet: run `presence-coach session` first")
            session_id = finished[-1]
        page, summary = _pages().write_report(store, session_id, usual=args.usual)
    if json_path:
        write_json_private(json_path, summary)
    print(f"Report of session {session_id}: {page}")
    if not args.no_open:
        open_page(page)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    json_path = check_writable(args.json, flag="--json") if args.json else None
    history = _history()
    with open_store(args.data_dir) as store:
        h = history.history(store)
    if json_path:
        write_json_private(json_path, h)
    print(history.render_history_text(h))
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    text = _calibration().calibrate(
        args.camera,
        args.mic,
        _device_pair(args),
        show=args.show,
        from_video=args.from_video,
        script=args.script,
        audio=args.audio,
        models_dir=args.models_dir,
    )
    print(text)
    return 0


def _device_pair(args: argparse.Namespace) -> tuple[str, str]:
    """The camera/microphone pair a calibration profile belongs to (a camera by its stable id
    or name where the OS gives one, as the desktop app keeps it)."""
    return camera_identity(args.camera), str(args.mic) if args.mic else "default"


def cmd_note(args: argparse.Namespace) -> int:
    with open_store(args.data_dir) as store:
        store.add_note(args.session, " ".join(args.text))
    print(f"Note added to session {args.session}.")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    if args.all == (args.session is not None):
        raise UsageError("give a SESSION number or --all (see `presence-coach forget --help`)")
    folder = data_dir_path(args.data_dir)
    if args.all:
        deleted, text = forget_all_asking(folder, yes=args.yes, interactive=sys.stdin.isatty())
        print(text)
        return 0 if deleted else 1
    done = forget_session(folder, args.session)
    sid = args.session
    if not done.deleted:
        print(f"Session {sid} was already deleted; removed the report pages it had left.")
        return 0
    print(f"Deleted session {sid} and everything recorded with it (notes and report pages too).")
    if done.rebuilt is not None:
        print(rebuilt_note(done.rebuilt, sid))
    # report pages of later sessions compare with the sessions before them: write them again
    # without the forgotten one (a page that cannot be written again is removed)
    if any(later > sid for later in page_ids(folder)):
        with open_store(args.data_dir) as store:
            _pages().refresh_reports_after(store, sid)
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    with open_store(args.data_dir) as store:
        ids = _run_live().recover_saying(store)
    print(
        f"Recovered session{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))}."
        if ids
        else "Nothing to recover: every session was finished."
    )
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "app": cmd_app,
    "session": cmd_session,
    "analyze": cmd_analyze,
    "models": cmd_models,
    "models-fetch": cmd_models_fetch,
    "models-check": cmd_models_check,
    "calibrate": cmd_calibrate,
    "report": cmd_report,
    "history": cmd_history,
    "note": cmd_note,
    "forget": cmd_forget,
    "recover": cmd_recover,
    "devices": cmd_devices,
    "camera-share": cmd_camera_share,
    "day": cli_day.cmd_day,
    "feel": cli_day.cmd_feel,
    "supervision": cli_day.cmd_supervision,
}  # by the ``run`` name each command's parser sets (presence_coach.cli_parser)


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
        run: str | None = getattr(args, "run", None)
        if run is None:
            return _no_command(parser)
        func = COMMANDS[run]
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
