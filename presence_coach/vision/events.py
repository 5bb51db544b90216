"""Face events and the facade that runs every face detector on one stream of samples.

An :class:`Event` is an interval on the session clock with a type and attributes:

* ``nod``, ``shake`` (:mod:`presence_coach.vision.nods`): ``cycles``, ``amplitude_deg``,
  ``duration_s``, ``talking``, ``clear`` (a nodding run is one nod event with its cycles);
* ``gaze`` episodes (:mod:`presence_coach.vision.gaze_state`): ``state``, ``calibrated``;
  ``eye_contact``: camera gaze held for at least ``GazeOptions.eye_contact_min_s``;
* ``smile``, ``blink`` (:mod:`presence_coach.vision.expressions`): ``peak``.

:class:`FaceEventDetectors` feeds one :class:`~presence_coach.vision.face.FaceSample` at a time
to all of them: ``update(sample)`` returns the events that ended, ``frame_state(sample)`` the
per-frame timeline fields, ``finish(t)`` closes what is still open at the end of the stream and
``summary(...)`` gives counts, rates and gaze-time fractions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from presence_coach.vision.expressions import ExpressionOptions
    from presence_coach.vision.face import FaceSample
    from presence_coach.vision.gaze_state import GazeCalibration, GazeOptions
    from presence_coach.vision.nods import HeadGestureOptions

EVENT_TYPES = ("nod", "shake", "gaze", "eye_contact", "smile", "blink")
COUNTED_TYPES = ("nod", "shake", "smile", "blink", "eye_contact")  # counted in the summary


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened between ``start`` and ``end`` (session-clock seconds)."""

    type: str  # one of EVENT_TYPES
    start: float
    end: float
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return self.end - self.start

    def to_json(self) -> dict[str, Any]:
        """Flat JSON object: ``type``, ``start``, ``end`` and the attributes (times in s)."""
        out: dict[str, Any] = {
            "type": self.type,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
        }
        for key, value in self.attrs.items():
            out[key] = round(value, 3) if isinstance(value, float) else value
        return out


def rate_per_min(count: int, duration_s: float) -> float | None:
    """Events per minute of ``duration_s``; None when the duration is zero."""
    return round(count * 60.0 / duration_s, 2) if duration_s > 0 else None


class FaceEventDetectors:
    """Head gestures, gaze state and expressions from one stream of face samples.

    Call sequence: ``update(sample)`` for every analysed frame (in time order), optionally
    ``frame_state(sample)`` after it for the timeline, ``finish(t_end)`` once at the end,
    then ``summary(duration_s, face_present_s)``. ``reset()`` starts over (e.g. after a
    source restart); counts are kept until ``reset(clear_counts=True)``.
    """

    def __init__(
        self,
        *,
        gestures: HeadGestureOptions | None = None,
        gaze: GazeOptions | None = None,
        calibration: GazeCalibration | None = None,
        expressions: ExpressionOptions | None = None,
    ) -> None:
        # imported here: the detector modules import Event from this module
        from presence_coach.vision.expressions import ExpressionDetector
        from presence_coach.vision.gaze_state import GazeTracker
        from presence_coach.vision.nods import HeadGestureDetector

        self.gestures = HeadGestureDetector(gestures)
        self.gaze = GazeTracker(gaze, calibration=calibration)
        self.expressions = ExpressionDetector(expressions)
        self.counts: dict[str, int] = dict.fromkeys(COUNTED_TYPES, 0)
        self.faint_nods = 0  # nods not marked clear (the count is then approximate)

    def update(self, sample: FaceSample) -> list[Event]:
        """Feed one sample; returns the events that ended with it, in end-time order."""
        events = self.gestures.update(sample) + self.gaze.update(sample)
        events += self.expressions.update(sample)
        return self._account(events)

    def frame_state(self, sample: FaceSample) -> dict[str, str]:
        """Timeline fields for the sample just passed to :meth:`update`.

        ``gaze``: camera / screen / away / unknown; ``head``: "nod" or "shake" while one is
        in progress, else "".
        """
        return {"gaze": self.gaze.state, "head": self.gestures.in_progress()}

    def finish(self, t: float) -> list[Event]:
        """Close open episodes at the end of the stream (time ``t``)."""
        events = self.gestures.finish(t) + self.gaze.finish(t) + self.expressions.finish(t)
        return self._account(events)

    def reset(self, *, clear_counts: bool = False) -> None:
        """Forget the stream so far (open episodes are dropped, not emitted)."""
        self.gestures.reset()
        self.gaze.reset()
        self.expressions.reset()
        if clear_counts:
            self.counts = dict.fromkeys(COUNTED_TYPES, 0)
            self.faint_nods = 0
            self.gaze.time_s = dict.fromkeys(self.gaze.time_s, 0.0)

    def summary(self, duration_s: float, face_present_s: float) -> dict[str, Any]:
        """Counts, rates per minute of ``duration_s``, gaze-state fractions and ``nods_faint``
        (nods not marked clear).

        Gaze fractions are of ``face_present_s`` (time with a face), summed per frame over
        frames with a face (``unknown`` there means eyes closed or unreadable).
        """
        out: dict[str, Any] = {"calibrated": self.gaze.calibrated}
        for kind in COUNTED_TYPES:
            out[f"{kind}s"] = self.counts[kind]
            out[f"{kind}s_per_min"] = rate_per_min(self.counts[kind], duration_s)
        fractions: dict[str, float | None] = {}
        for state in ("camera", "screen", "away", "unknown"):
            seconds = self.gaze.time_s.get(state, 0.0)
            fractions[state] = (
                round(min(1.0, seconds / face_present_s), 4) if face_present_s > 0 else None
            )
        out["gaze_fraction"] = fractions
        out["nods_faint"] = self.faint_nods
        return out

    def _account(self, events: list[Event]) -> list[Event]:
        events.sort(key=lambda e: (e.end, e.start))
        for event in events:
            if event.type in self.counts:
                self.counts[event.type] += 1
            self.faint_nods += event.type == "nod" and event.attrs.get("clear") is False
        return events
