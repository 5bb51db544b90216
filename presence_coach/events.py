"""The one event shape of every detector and of the voice (a leaf: imports nothing of the
package).

An :class:`Event` is an interval on the session clock with a type and attributes:

* ``nod``, ``shake`` (:mod:`presence_coach.vision.nods`): ``cycles``, ``amplitude_deg``,
  ``duration_s``, ``talking``, ``clear`` (a nodding run is one nod event with its cycles);
* ``gaze`` episodes (:mod:`presence_coach.vision.gaze_state`): ``state``, ``calibrated``;
  ``eye_contact``: camera gaze held for at least ``GazeOptions.eye_contact_min_s``;
* ``smile``, ``blink`` (:mod:`presence_coach.vision.expressions`): ``peak``;
* ``utterance``, ``pause`` (:mod:`presence_coach.voice.analyzer`): ``pause_class``,
  ``syllables``, ``articulation_rate_syl_per_s``, ``f0_median_hz``, ``rms_median_dbfs``,
  ``duration_s`` (every key on both, None where it does not apply);
* ``start``, ``end`` (:mod:`presence_coach.voice.vad`): speech began or ended at ``start``
  (``end == start``), the speech detector's decisions (never stored);
* ``dropout`` (a device gap), and the conversation's events (:mod:`presence_coach.voice.turns`).

``t_known`` is the session time at which the detector knew the event (the voice's events; None
where it is not tracked).

Stored and exported as flat JSON objects (:meth:`Event.to_json`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FACE_EVENT_TYPES = ("nod", "shake", "gaze", "eye_contact", "smile", "blink")


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened between ``start`` and ``end`` (session-clock seconds)."""

    type: str  # one of FACE_EVENT_TYPES, "utterance", "pause" or "dropout"
    start: float  # session-clock seconds
    end: float  # session-clock seconds
    attrs: dict[str, Any] = field(default_factory=dict)  # per type, see the module docstring
    t_known: float | None = None  # session-clock seconds when it was known; None: not tracked

    @property
    def duration_s(self) -> float:
        return self.end - self.start

    def to_json(self) -> dict[str, Any]:
        """Flat JSON object: ``type``, ``start``, ``end``, ``t_known`` (where tracked) and the
        attributes (times in s)."""
        out: dict[str, Any] = {
            "type": self.type,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
        }
        if self.t_known is not None:
            out["t_known"] = round(self.t_known, 3)
        for key, value in self.attrs.items():
            out[key] = round(value, 3) if isinstance(value, float) else value
        return out
