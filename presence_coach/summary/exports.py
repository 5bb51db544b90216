"""Per-frame timeline export (CSV), one row per analysed frame."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import IO

from presence_coach.files import open_private
from presence_coach.vision.face import FaceSample

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
)


def timeline_row(sample: FaceSample) -> list[str]:
    """CSV cells for one sample; no face leaves the feature cells empty."""
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
    return [_cell(v) for v in values]


class TimelineWriter:
    """Streams rows to a private CSV file as they come (nothing is lost on Ctrl+C)."""

    def __init__(self, path: str | Path) -> None:
        self._fh: IO = open_private(path, newline="", encoding="utf-8")
        self._csv = csv.writer(self._fh)
        self._csv.writerow(TIMELINE_COLUMNS)

    def write(self, sample: FaceSample) -> None:
        self._csv.writerow(timeline_row(sample))

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> TimelineWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _cell(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    return "" if math.isnan(value) else f"{value:.4f}"
