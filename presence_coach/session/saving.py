"""Saving a running session: the writer thread, and the end of a run when saving failed.

:class:`StoreWriter` commits the recorder's rows about once a second. A failed commit (a full
disk) stops nothing: the rows wait in the recorder (bounded), the status line says
"saving failed: disk full", and the next second tries again, so when space comes back
everything waiting is written. At the end of the run :func:`finish_saving` commits what is
left, using the spare space (:mod:`presence_coach.session.spare`) if the disk is full, and
finalises the session; if rows could still not be saved it returns one line saying so.
"""

from __future__ import annotations

import threading
from collections.abc import MutableMapping
from typing import Any

from presence_coach.session.spare import release_spare
from presence_coach.session.stats import StageTimes
from presence_coach.session.store import (
    FLUSH_EVERY_S,
    SaveError,
    SessionRecorder,
    SessionStore,
    saving,
)

DISK_FULL = "disk full"


class StoreWriter(threading.Thread):
    """Commits the recorder's batches every :data:`FLUSH_EVERY_S` until stopped; a failed
    commit is tried again a second later (the rows wait in the recorder)."""

    def __init__(self, recorder: SessionRecorder) -> None:
        super().__init__(name="store-writer", daemon=True)
        self.recorder = recorder
        self.times = StageTimes()
        self.first_problem: str | None = None  # why saving first failed, if it ever did
        self.used_spare = False  # the spare space was used to save the last rows
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(FLUSH_EVERY_S):
            with self.times.time("store"):
                self._flush()

    def _flush(self) -> bool:
        ok = self.recorder.flush()
        if not ok and self.first_problem is None:
            self.first_problem = self.recorder.problem
        return ok

    def stop(self) -> bool:
        """Stop and commit what is left (safe twice); on a full disk the spare space is used.
        True when every row was saved."""
        self._stop_event.set()
        if self.is_alive():
            self.join()
        if self._flush():
            return True
        if self.recorder.problem == DISK_FULL and release_spare(self.recorder.store.dir):
            self.used_spare = True
            return self._flush()
        return False


def finish_saving(
    store: SessionStore,
    writer: StoreWriter,
    *,
    summary: MutableMapping[str, Any],
    status: str,
) -> str | None:
    """Stop ``writer``, commit what is left and finalise the session with ``summary``.

    Returns None when everything was saved; else one line saying that saving failed, why,
    what was kept and what to do. Saving that failed for a while but caught up adds a note
    to ``summary["device_notes"]``; rows that were not saved are described in
    ``summary["saving"]``, and the stored duration is then the part that was kept.
    """
    recorder = writer.recorder
    all_saved = writer.stop() and not recorder.dropped_rows
    duration_s = float(summary["duration_s"])
    if writer.first_problem and all_saved:
        note = f"saving failed for a while ({writer.first_problem}); everything was saved"
        if writer.used_spare:
            note += " using the space kept in reserve: free some space on this disk"
        summary.setdefault("device_notes", []).append(note)
    lost = None if all_saved else _lost_note(recorder, duration_s)
    if lost is not None:
        summary["saving"] = lost
        duration_s = min(duration_s, recorder.saved_until_s + 0.1)
    final_problem = finalize_session(
        store, recorder.session_id, summary=summary, status=status, duration_s=duration_s
    )
    if lost is None and final_problem is None:
        return None
    problem = recorder.problem or final_problem or writer.first_problem
    then = "" if final_problem is None else ", then `presence-coach recover` finishes the session"
    what = lost or "the session's final record could not be written"
    return (
        f"saving failed ({problem}): {what}; free some space on the disk holding {store.dir}{then}"
    )


def _lost_note(recorder: SessionRecorder, duration_s: float) -> str:
    """What was kept of a session whose rows could not all be saved, in words."""
    gaps = [s for s in (recorder.dropped_span_s, recorder.pending_span_s()) if s is not None]
    lost_s = sum(b - a + 0.1 for a, b in gaps)
    kept = f"kept up to {_clock(recorder.saved_until_s)} of {_clock(duration_s)}"
    if recorder.pending_span_s() is None and recorder.dropped_span_s is not None:
        a, b = recorder.dropped_span_s
        kept = f"kept all of {_clock(duration_s)} but {_clock(a)}-{_clock(b)}"
    return f"{kept} ({lost_s:.0f} s of rows could not be saved)"


def finalize_session(
    store: SessionStore,
    session_id: int,
    *,
    summary: MutableMapping[str, Any],
    status: str,
    duration_s: float,
) -> str | None:
    """Write a session's final record, on a full disk with the spare space. Returns None,
    or why it could not be written (the session then stays ``running`` for ``recover``)."""
    for attempt in range(2):
        try:
            with saving("finish the session", store.dir):
                store.finalize(session_id, summary=summary, status=status, duration_s=duration_s)
            return None
        except SaveError as exc:
            if attempt or exc.problem != DISK_FULL or not release_spare(store.dir):
                return exc.problem
    raise AssertionError("unreachable")


def _clock(seconds: float) -> str:
    """Session time as MM:SS (H:MM:SS from an hour)."""
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60:02d}:{rest % 60:02d}"
