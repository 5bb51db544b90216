"""The calm status of a running session, in words, and the optional gentle cue. Pure.

Nothing here shows a number that invites watching oneself during the call: the time is in
minutes, the face is "in view" or not, the microphone is a bar, saving is a word.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from presence_coach.session.live import LiveStatus

LEVEL_FLOOR_DBFS = -60.0  # the microphone bar is empty at or below this level ...
LEVEL_FULL_DBFS = -10.0  # ... and full at or above this one
NO_PICTURE_AFTER_S = 3.0  # no analysed frame for this long: "no picture from the camera"


@dataclass(frozen=True)
class Snapshot:
    """What the window shows of one moment of a session (no picture, no raw numbers kept)."""

    t_s: float  # session-clock seconds
    face: bool | None  # a face in the newest frame; None: no picture
    mic_dbfs: float | None  # newest microphone level; None: no microphone (or lost)
    mic_lost: bool  # the microphone stopped giving sound during the session
    saving: str | None  # why saving fails right now, None while it works


def snapshot(status: LiveStatus) -> Snapshot:
    """A :class:`Snapshot` of a :class:`~presence_coach.session.live.LiveStatus` (its frame
    is None while the camera gives no picture)."""
    mic = status.mic_dbfs
    return Snapshot(
        t_s=float(status.t_s),
        face=None if status.frame is None or status.sample is None else bool(status.sample.face),
        mic_dbfs=None if mic is None or not math.isfinite(mic) else float(mic),
        mic_lost=status.mic_lost,
        saving=status.saving,
    )


def elapsed_words(seconds: float) -> str:
    """``"Just started"``, ``"1 minute"``, ``"24 minutes"``, ``"1 h 5 min"``."""
    minutes = int(max(0.0, seconds) // 60)
    if minutes < 1:
        return "Just started"
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{minutes // 60} h {minutes % 60} min"


def face_words(face: bool | None) -> str:
    if face is None:
        return "No picture from the camera"
    return "Face in view" if face else "Face not in view"


def level_fraction(dbfs: float | None) -> float:
    """The microphone bar's fill, 0..1 (0 without a level)."""
    if dbfs is None or not math.isfinite(dbfs):
        return 0.0
    span = LEVEL_FULL_DBFS - LEVEL_FLOOR_DBFS
    return min(1.0, max(0.0, (dbfs - LEVEL_FLOOR_DBFS) / span))


def saving_words(problem: str | None) -> str:
    return "Saving privately on this computer" if problem is None else f"Not saving: {problem}"


@dataclass(frozen=True)
class CueOptions:
    """When the gentle cue speaks (it is off unless the user turns it on)."""

    # a microphone level at or above this counts as speaking (dBFS)
    speech_dbfs: float = -45.0
    # quieter stretches shorter than this do not end a stretch of speaking (s)
    max_gap_s: float = 1.5
    # the cue comes after this long a stretch of speaking without a pause (s)
    long_speech_s: float = 120.0
    # and not again for this long (s)
    quiet_after_cue_s: float = 600.0
    # the one word shown
    word: str = "Pause"

    def __post_init__(self) -> None:
        numbers = (self.speech_dbfs, self.max_gap_s, self.long_speech_s, self.quiet_after_cue_s)
        if not all(math.isfinite(x) for x in numbers) or min(numbers[1:]) <= 0 or not self.word:
            raise ValueError("cue durations must be positive and the word not empty")


class LongSpeechCue:
    """A small streaming detector: ``update(t_s, dbfs)`` returns the cue word once a stretch of
    speaking has lasted ``long_speech_s`` (gaps under ``max_gap_s`` do not end it), then stays
    quiet for ``quiet_after_cue_s``. Time comes from the data."""

    def __init__(self, options: CueOptions | None = None) -> None:
        self.options = options or CueOptions()
        self.reset()

    def reset(self) -> None:
        self._start: float | None = None  # start of the current stretch of speaking
        self._last_voice = -math.inf  # last time the level was at speaking level
        self._quiet_until = -math.inf

    def update(self, t_s: float, dbfs: float | None) -> str | None:
        o = self.options
        speaking = dbfs is not None and math.isfinite(dbfs) and dbfs >= o.speech_dbfs
        if not speaking:
            if t_s - self._last_voice >= o.max_gap_s:
                self._start = None
            return None
        if self._start is None:
            self._start = t_s
        self._last_voice = t_s
        if t_s - self._start >= o.long_speech_s and t_s >= self._quiet_until:
            self._quiet_until = t_s + o.quiet_after_cue_s
            self._start = None
            return o.word
        return None

    def finish(self) -> None:
        self.reset()
