"""The detector front end: every face detector run on one stream of samples.

:class:`FaceEventDetectors` feeds one :class:`~presence_coach.vision.face.FaceSample` at a time
to the head-gesture, gaze and expression detectors: ``update(sample)`` returns the
:class:`~presence_coach.events.Event` objects that ended, ``frame_state(sample)`` the
per-frame timeline fields, ``finish(t)`` closes what is still open at the end of the stream.
"""

from __future__ import annotations

from presence_coach.events import Event
from presence_coach.vision.expressions import ExpressionDetector, ExpressionOptions
from presence_coach.vision.face import FaceSample
from presence_coach.vision.gaze_state import GazeCalibration, GazeOptions, GazeTracker
from presence_coach.vision.nods import HeadGestureDetector, HeadGestureOptions


class FaceEventDetectors:
    """Head gestures, gaze state and expressions from one stream of face samples.

    Call sequence: ``update(sample)`` for every analysed frame (in time order), optionally
    ``frame_state(sample)`` after it for the timeline, ``finish(t_end)`` once at the end,
    ``reset()`` starts over (e.g. after a gap in the picture). Counting is the summary's
    job (:func:`~presence_coach.summary.session.summary_from_store`, from the stored events).
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

    def update(self, sample: FaceSample) -> list[Event]:
        """Feed one sample; returns the events that ended with it, in end-time order."""
        events = self.gestures.update(sample) + self.gaze.update(sample)
        events += self.expressions.update(sample)
        return _in_end_order(events)

    def frame_state(self, sample: FaceSample) -> dict[str, str]:
        """Timeline fields for the sample just passed to :meth:`update`.

        ``gaze``: camera / screen / away / unknown; ``head``: "nod" or "shake" while one is
        in progress, else "".
        """
        return {"gaze": self.gaze.state, "head": self.gestures.in_progress()}

    def finish(self, t: float) -> list[Event]:
        """Close open episodes at the end of the stream (time ``t``)."""
        events = self.gestures.finish(t) + self.gaze.finish(t) + self.expressions.finish(t)
        return _in_end_order(events)

    def reset(self) -> None:
        """Forget the stream so far (open episodes are dropped, not emitted)."""
        self.gestures.reset()
        self.gaze.reset()
        self.expressions.reset()


def _in_end_order(events: list[Event]) -> list[Event]:
    events.sort(key=lambda e: (e.end, e.start))
    return events
