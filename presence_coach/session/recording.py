"""A recording analysed into a session: the store it is kept in and its start and finish.

``presence-coach analyze`` keeps a recording as a session in the user's store; with
``--no-store`` in a temporary store that is deleted afterwards, so the one summary (computed
from the store) serves both::

    with recording_store(data_dir, keep=True) as store:
        with recording_session(store, "talk.mp4", keep=True) as rec:
            rec.run = VideoAnalysis(..., recorder=rec.recorder).run()
        summary = summary_from_store(store, rec.session_id)
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from presence_coach.session.datadir import data_dir_path
from presence_coach.session.saving import StoreWriter, finish_saving
from presence_coach.session.spare import keep_spare, release_spare
from presence_coach.session.store import SaveError, SessionRecorder, SessionStore, saving


def open_store(data_dir: str | Path | None) -> SessionStore:
    """The user's session store; on a full disk the spare space is used to open it."""
    try:
        return SessionStore(data_dir)
    except SaveError as exc:
        if exc.problem != "disk full" or not release_spare(data_dir_path(data_dir)):
            raise
    return SessionStore(data_dir)


@contextmanager
def recording_store(data_dir: str | Path | None, *, keep: bool) -> Iterator[SessionStore]:
    """The user's store (``keep``), or a temporary one removed with everything in it on
    exit (an analysis that is not to be kept)."""
    if keep:
        with open_store(data_dir) as store:
            yield store
        return
    with tempfile.TemporaryDirectory(prefix="presence-coach-") as tmp, SessionStore(tmp) as store:
        yield store


@dataclass
class Recording:
    """A recording's session while it is analysed; finalised once ``run`` is set."""

    recorder: SessionRecorder  # the rows of the analysis go here
    run: dict | None = None  # the run's own facts (VideoAnalysis.run_facts), set when done
    saving_failed: str | None = None  # one line when rows could not be saved

    @property
    def session_id(self) -> int:
        return self.recorder.session_id

    def raise_if_not_saved(self) -> None:
        """Say last (one line, exit 1) that saving failed, why and what was kept."""
        if self.saving_failed:
            raise SaveError(self.saving_failed, "saving failed")


@contextmanager
def recording_session(
    store: SessionStore, name: str, *, keep: bool, calibration: Mapping[str, Any] | None = None
) -> Iterator[Recording]:
    """A new session for the recording ``name``, written about once a second while the
    caller analyses it; finalised with ``run`` on exit when the caller set it (an
    interrupted run as ``interrupted``). ``keep``: keep spare disk space for its end;
    ``calibration``: the profile the analysis used (``CalibrationProfile.to_dict``)."""
    with saving("start a session", store.dir):
        session_id = store.begin_session(kind="recording", source=name, calibration=calibration)
    if keep:
        keep_spare(store.dir)
    recording = Recording(SessionRecorder(store, session_id))
    writer = StoreWriter(recording.recorder)
    writer.start()
    try:
        yield recording
    finally:
        writer.stop()
        run = recording.run
        if run is not None:
            status = "interrupted" if run.get("interrupted") else "complete"
            recording.saving_failed = finish_saving(store, writer, summary=run, status=status)
