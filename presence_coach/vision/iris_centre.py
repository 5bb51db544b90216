"""The person's own straight-ahead iris offset, learnt as a session goes (uncalibrated gaze).

Where MediaPipe puts the iris in the eye opening of an eye looking straight ahead differs
between people (eye shape, lids, make-up, the landmarks' own bias). The gaze model
(:mod:`presence_coach.vision.gaze_state`) turns an offset of 0.1 half eye widths into 6 degrees,
so without a calibration a person whose iris sits 0.1 to one side, with the head turned a
little, reads as looking past the lens when they look into it. On the hand-labelled real
clips, the webcam user c1 reads a median 0.075 (c1b) and 0.11 (c1a) to one side where he looks
into the lens. ``bench/accuracy_vision.py`` gives the effect.

Horizontally, the lens and the call window are both straight ahead of a laptop user, so over a
session the gaze of a frontal head is straight ahead in the middle, whatever the person looks at:
the learnt centre is the one that puts the median horizontal gaze of frontal, open-eyed frames
at zero, within ``max_shift`` of the profile's centre. Vertically the lens and the call window
lie apart, so nothing is learnt there. A calibrated profile has measured the centre, and is
used as it is.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from presence_coach.vision.face import FaceSample


@dataclass(frozen=True)
class IrisCentreOptions:
    """How the horizontal iris centre is learnt."""

    # only frames of a head this frontal (|yaw|, degrees) tell where straight ahead is
    max_yaw_deg: float = 10.0
    # seconds of such frames before the centre moves from the profile's
    warmup_s: float = 2.0
    # the median is over the frames of this last stretch of time (seconds)
    window_s: float = 120.0
    # and is recomputed once per this much time (seconds)
    update_s: float = 0.5
    # the most the centre moves from the profile's (half eye widths; 0.1 is 6 degrees of eye
    # rotation, under half the camera region's reach, so a session spent glancing to one
    # side cannot turn a look away into eye contact)
    max_shift: float = 0.1
    # frames further apart than this add only this much to the warm-up (seconds)
    max_gap_s: float = 0.2

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name}={value} must be a positive number")


class IrisCentre:
    """Streaming estimate of the horizontal iris centre: ``update(sample) -> centre_h``.

    ``centre_h``, ``yaw_weight`` and ``deg_per_offset`` are the profile's (see
    :class:`~presence_coach.vision.gaze_state.GazeCalibration`); eyes at ``closed_blink`` or
    more are closed, as the gaze tracker judges them (they tell nothing). Time comes with the
    samples.
    """

    def __init__(
        self,
        centre_h: float,
        *,
        yaw_weight: float,
        deg_per_offset: float,
        closed_blink: float,
        options: IrisCentreOptions | None = None,
    ) -> None:
        self.options = options or IrisCentreOptions()
        self.closed_blink = closed_blink
        self.profile_centre_h = centre_h
        self._yaw_share = yaw_weight / deg_per_offset  # iris offset per degree of yaw
        self._seen: deque[tuple[float, float]] = deque()  # (t, straight-ahead offset)
        self._warm_s = 0.0
        self._last_t: float | None = None
        self._next_update: float | None = None
        self.centre_h = centre_h

    def update(self, sample: FaceSample) -> float:
        """Feed one sample; returns the centre to judge it with."""
        opts = self.options
        if self._usable(sample):
            t = sample.t
            if self._last_t is not None:
                self._warm_s += min(max(t - self._last_t, 0.0), opts.max_gap_s)
            self._last_t = t
            # the centre that would put this frame's horizontal gaze straight ahead
            self._seen.append((t, sample.gaze_h + self._yaw_share * sample.yaw))
            while self._seen[0][0] < t - opts.window_s:
                self._seen.popleft()
            if self._warm_s >= opts.warmup_s and (
                self._next_update is None or t >= self._next_update
            ):
                median = float(np.median([v for _, v in self._seen]))
                shift = float(
                    np.clip(median - self.profile_centre_h, -opts.max_shift, opts.max_shift)
                )
                self.centre_h = self.profile_centre_h + shift
                self._next_update = t + opts.update_s
        return self.centre_h

    def _usable(self, s: FaceSample) -> bool:
        if not s.face or not (math.isfinite(s.gaze_h) and math.isfinite(s.yaw)):
            return False
        if math.isfinite(s.blink) and s.blink >= self.closed_blink:
            return False
        return abs(s.yaw) <= self.options.max_yaw_deg
