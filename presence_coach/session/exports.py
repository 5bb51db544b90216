"""Exports written while a run goes on: the per-frame timeline (CSV) and events (JSON lines).

Both stream to private files row by row, so a run stopped early keeps what it measured.
"""

from __future__ import annotations

import csv
import heapq
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO

from presence_coach.files import open_private
from presence_coach.vision.face import FaceSample

REORDER_WINDOW_S = 5.0  # longer than any detector's reporting delay (about 1 s at most)

TIMELINE_COLUMNS = (
    "t",  # seconds from the start of the source
    "face",  # 1 if a face was found
    "yaw",  # degrees, > 0 nose toward the viewer's right
    "pitch",  # degrees, > 0 chin up
    "roll",  # degrees, > 0 head tipped toward the viewer's right
    "gaze_h",  # iris offset, mean of both eyes, half eye widths, > 0 toward viewer's right
    "gaze_v",  # iris offset, > 0 up
    "gaze_h_left",
    "gaze_v_left",
    "gaze_h_right",
    "gaze_v_right",
    "smile",  # 0..1
    "blink",  # 0..1, 1 = eyes closed
    "jaw_open",  # 0..1
    "box_x",  # face box, fractions of the image width/height
    "box_y",
    "box_w",
    "box_h",
    "gaze",  # camera | screen | away | unknown (vision.gaze_state)
    "head",  # "nod" or "shake" while one is in progress, else empty (vision.nods)
    "speaking",  # 1 while speaking, 0 in silence, empty without audio (voice.vad)
    "rms_dbfs",  # loudness of the 100 ms around t, dBFS
    "f0_hz",  # voice pitch, Hz; empty when unvoiced
)
STATE_COLUMNS = TIMELINE_COLUMNS[TIMELINE_COLUMNS.index("gaze") :]


def timeline_row(sample: FaceSample, state: Mapping[str, str] | None = None) -> list[str]:
    """CSV cells for one sample and its detector state (``gaze``, ``head``); no face leaves
    the feature cells empty."""
    values = (
        sample.t,
        int(sample.face),
        sample.yaw,
        sample.pitch,
        sample.roll,
        sample.gaze_h,
        sample.gaze_v,
        sample.gaze_h_left,
        sample.gaze_v_left,
        sample.gaze_h_right,
        sample.gaze_v_right,
        sample.smile,
        sample.blink,
        sample.jaw_open,
        *sample.box,
    )
    state = state or {}
    return [_cell(v) for v in values] + [state.get(k, "") for k in STATE_COLUMNS]


class TimelineWriter:
    """Streams rows to a private CSV file as they come: each row reaches the file when it is
    written (line buffering: one small write a frame), so not even ``kill -9`` loses one."""

    def __init__(self, path: str | Path) -> None:
        self._fh: IO = open_private(path, newline="", encoding="utf-8", buffering=1)
        self._csv = csv.writer(self._fh)
        self._csv.writerow(TIMELINE_COLUMNS)

    def write(self, sample: FaceSample, state: Mapping[str, str] | None = None) -> None:
        self._csv.writerow(timeline_row(sample, state))

    def write_voice_only(self, t: float, state: Mapping[str, str]) -> None:
        """A row for audio without video: the face cells stay empty."""
        n_face = TIMELINE_COLUMNS.index("gaze") - 1
        self._csv.writerow([f"{t:.4f}", *[""] * n_face, *[state.get(k, "") for k in STATE_COLUMNS]])

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> TimelineWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventWriter:
    """Streams events to a private JSON-lines file, one object per line, in order of ``end``.

    Detectors report an event a little after it ends (a nod once the head settles, a pause
    once speech resumes), each with its own delay, so events are held back for
    :data:`REORDER_WINDOW_S` of stream time and written sorted; ``close()`` writes the rest.
    """

    def __init__(self, path: str | Path) -> None:
        self._fh: IO = open_private(path, encoding="utf-8")
        self._held: list[tuple[float, int, dict]] = []
        self._seq = 0

    def write(self, events: Iterable[Mapping[str, object]], *, now: float = math.inf) -> None:
        """Queue flat event objects (``type``, ``start``, ``end``, attributes); write those
        that ended more than the reorder window before ``now`` (stream seconds)."""
        for event in events:
            heapq.heappush(self._held, (float(event["end"]), self._seq, dict(event)))  # type: ignore[arg-type]
            self._seq += 1
        written = False
        while self._held and self._held[0][0] <= now - REORDER_WINDOW_S:
            self._fh.write(json.dumps(heapq.heappop(self._held)[2], allow_nan=False) + "\n")
            written = True
        if written:
            self._fh.flush()

    def close(self) -> None:
        if not self._fh.closed:
            self.write([])  # now = inf: everything
            self._fh.close()

    def __enter__(self) -> EventWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _cell(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    return "" if math.isnan(value) else f"{value:.4f}"
