"""The detector front end: every face detector run on one stream of samples.

:class:`FaceEventDetectors` feeds one :class:`~presence_coach.vision.face.FaceSample` at a time
to the head-gesture, gaze and expression detectors: ``update(sample)`` returns the
:class:`~presence_coach.events.Event` objects that ended, ``frame_state(sample)`` the
per-frame timeline fields, ``finish(t)`` closes what is still open at the end of the stream and
``summary(...)`` gives counts, rates and gaze-time fractions.
"""

from __future__ import annotations

from typing import Any

from presence_coach.events import Event
from presence_coach.vision.expressions import ExpressionDetector, ExpressionOptions
from presence_coach.vision.face import FaceSample
from presence_coach.vision.gaze_state import GazeCalibration, GazeOptions, GazeTracker
from presence_coach.vision.nods import HeadGestureDetector, HeadGestureOptions

COUNTED_TYPES = ("nod", "shake", "smile", "blink", "eye_contact")  # counted in the summary


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
