"""A live session on a worker thread, its status marshalled to the window's thread.

The session is the library's: :func:`~presence_coach.session.live.recover_sessions`,
:func:`~presence_coach.session.live.run_live_session` and
:func:`~presence_coach.summary.pages.write_report`, as ``presence-coach session`` runs
them. Qt signals emitted from the worker thread are queued to the receivers' (GUI) thread.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from presence_coach.app.status import snapshot
from presence_coach.errors import PresenceCoachError

if TYPE_CHECKING:  # the engine (MediaPipe, SciPy) is imported when a session starts
    from presence_coach.session.live import LiveOptions

STATUS_EVERY_S = 0.25  # the window hears from the session at most this often


@dataclass(frozen=True)
class SessionRequest:
    """What to record with, as the window chose it."""

    options: LiveOptions  # camera target, microphone, eco rate
    data_dir: Path | None  # None: $PRESENCE_COACH_DATA, else the user data folder
    camera_key: str  # the calibration profile's camera (stable id or name)
    mic_key: str  # ... and microphone ("default": the system's)


@dataclass(frozen=True)
class Recorded:
    """A finished session."""

    session_id: int
    summary: dict  # the engine's summary (device notes, how it stopped)
    page: Path | None  # its report page; None when it could not be written
    page_problem: str | None  # why not, in one sentence
    recovered: list[int]  # sessions cut off earlier that were finished at the start
    saving_failed: str | None = None  # rows that could not be saved at the end, in one line


class SessionRunner(QObject):
    """Runs one session at a time. ``start`` returns at once; the result comes as a signal."""

    status = Signal(object)  # a status.Snapshot, a few times a second
    finished = Signal(object)  # a Recorded
    failed = Signal(str)  # one sentence: nothing was recorded, or the session could not end
    notice = Signal(str)  # a remark that is not a failure (a profile file could not be used)

    def __init__(self) -> None:
        super().__init__()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._next_status = 0.0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, request: SessionRequest) -> None:
        if self.running:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._record, args=(request, self._stop), name="app-session", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Ask the session to end (it keeps what it has and writes its report)."""
        self._stop.set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for the worker to end; True when it has."""
        if self._thread is not None:
            self._thread.join(timeout_s)
        return not self.running

    def _on_status(self, status: object) -> None:
        now = time.monotonic()
        if now >= self._next_status:
            self._next_status = now + STATUS_EVERY_S
            self.status.emit(snapshot(status))

    def _record(self, request: SessionRequest, stop: threading.Event) -> None:
        try:
            self.finished.emit(self._run(request, stop))
        except PresenceCoachError as exc:
            self.failed.emit(str(exc))
        except Exception:  # a bug: one sentence in the window, the details for a bug report
            traceback.print_exc(file=sys.stderr)
            self.failed.emit(
                "Something went wrong inside Presence Coach and the session stopped; what was "
                "recorded is kept (the details were printed for a bug report)."
            )

    def _run(self, request: SessionRequest, stop: threading.Event) -> Recorded:
        from presence_coach import models
        from presence_coach.calibration.profile import active_profile
        from presence_coach.session.live import recover_sessions, run_live_session
        from presence_coach.session.store import SessionStore
        from presence_coach.summary.pages import write_report
        from presence_coach.summary.session import summary_from_store

        model_path = models.find_model(models.FACE_LANDMARKER)
        profile = active_profile(request.camera_key, request.mic_key, warn=self.notice.emit)
        with SessionStore(request.data_dir) as store:
            recovered = recover_sessions(store)
            result = run_live_session(
                request.options,
                store=store,
                model_path=model_path,
                stop=stop,
                profile=profile,
                on_status=self._on_status,
            )
            page, problem = None, None
            summary = summary_from_store(store, result.session_id, run=result.summary)
            try:
                page = write_report(store, result.session_id)[0]
            except PresenceCoachError as exc:
                problem = f"The session is kept, but its report page could not be written: {exc}"
        return Recorded(result.session_id, summary, page, problem, recovered, result.saving_failed)
