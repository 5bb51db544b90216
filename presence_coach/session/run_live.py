"""``presence-coach session``: a live session from the terminal, with its status line, the q
key, the stop signals and the optional self-view; then the summary from the store, the report
page, and the page opened.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from presence_coach import models
from presence_coach.calibration.profile import CalibrationProfile, active_profile
from presence_coach.desktop import open_page
from presence_coach.files import check_writable, write_json_private
from presence_coach.session.live import (
    LiveOptions,
    LiveResult,
    LiveStatus,
    recover_sessions,
    run_live_session,
)
from presence_coach.session.preview import PreviewWindow, draw_overlay
from presence_coach.session.recording import open_store
from presence_coach.session.stop import SIGHUP, StopRequest
from presence_coach.session.store import SaveError, SessionStore
from presence_coach.session.terminal import StatusLine, stop_on_q_key, stop_on_signals
from presence_coach.summary.history import history
from presence_coach.summary.pages import write_page
from presence_coach.summary.session import summary_from_store
from presence_coach.summary.terminal import format_performance, render_terminal


@dataclass(frozen=True)
class LiveRequest:
    """What ``session`` was asked to do (the command's flags)."""

    options: LiveOptions  # camera, microphone, call audio, frame rate, duration, sharing
    device_pair: tuple[str, str]  # (camera, mic) keys of the calibration profile to use
    json_path: str | None = None  # --json: the session summary
    preview: bool = False  # a small self-view window (closing it stops)
    open_report: bool = True  # open the report page afterwards (False: --no-open)
    stats: bool = False  # print per-stage timings afterwards
    data_dir: str | None = None  # --data-dir (None: the default data folder)
    models_dir: str | None = None  # --models-dir (None: the default lookup)

    def __post_init__(self) -> None:
        if len(self.device_pair) != 2:
            raise ValueError(f"device_pair must be (camera, mic), not {self.device_pair!r}")


def run_live_command(request: LiveRequest) -> int:
    """Run the session until stopped, keep it, print its summary, write and open its page.

    Stopping (Ctrl+C, SIGTERM, SIGHUP, q, closing the preview) is how a session ends: 0.

    Raises:
        SaveError: saving failed during the run, or the page could not be written (raised
            after everything that could be shown was shown).
    """
    json_path = check_writable(request.json_path, flag="--json") if request.json_path else None
    model_path = models.find_model(models.FACE_LANDMARKER, models_dir=request.models_dir)
    stop = StopRequest()
    preview = PreviewWindow() if request.preview else None
    profile = active_profile(*request.device_pair)
    # a stop signal at any moment until the end (also a repeated one while the session is
    # being stored or its report written) only stops: nothing is skipped
    with stop_on_signals(stop):
        with open_store(request.data_dir) as store, stop_on_q_key(stop):
            recover_saying(store)
            result = _run(request, store, model_path, stop, profile, preview)
        with open_store(request.data_dir) as store:
            summary = summary_from_store(store, result.session_id, run=result.summary)
            if json_path:
                write_json_private(json_path, summary)
            page, page_error = _write_report_saying(store, result.session_id, summary)
        where = f" Report: {page}" if page else ""
        print(f"Kept as session {result.session_id} in your private history.{where}")
        if request.stats:
            print(format_performance(summary["performance"]))
        if result.saving_failed:
            raise SaveError(result.saving_failed, "saving failed")
        if page_error:
            raise page_error
        if request.open_report and stop.signum != SIGHUP:  # nobody is there to read it
            open_page(page)  # type: ignore[arg-type]
    return 0


def _run(
    request: LiveRequest,
    store: SessionStore,
    model_path: Path,
    stop: StopRequest,
    profile: CalibrationProfile,
    preview: PreviewWindow | None,
) -> LiveResult:
    """The live run with its status line and self-view (both closed whatever happens)."""
    status_line = StatusLine()

    def on_status(status: LiveStatus) -> None:
        status_line.update(status)
        if status.frame is None or status.sample is None:
            return  # no picture: the status line says so
        if preview is not None and not preview.show(
            draw_overlay(status.frame.image, status.sample, status.state)
        ):
            stop.request()  # the window was closed

    try:
        return run_live_session(
            request.options,
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


def recover_saying(store: SessionStore) -> list[int]:
    """Finish the sessions that were cut off, one line on stderr for each; their ids."""
    ids = recover_sessions(store)
    for sid in ids:
        print(
            f"Recovered session {sid}, which was cut off; its data up to then is kept.",
            file=sys.stderr,
        )
    return ids


def _write_report_saying(
    store: SessionStore, session_id: int, summary: dict
) -> tuple[Path | None, SaveError | None]:
    """Write a session's report page, then print its terminal summary; a page that cannot be
    written (a full disk) is returned as the error to show last, the summary is shown anyway."""
    h = history(store)
    page, error = None, None
    try:  # first: the terminal may be gone (SIGHUP)
        page = write_page(store, session_id, summary, h)
    except SaveError as exc:
        error = SaveError(f"{exc}, then run `presence-coach report {session_id}`", exc.problem)
    print(render_terminal(summary, history=h))
    return page, error
