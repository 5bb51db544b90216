"""Where the person looks, per frame: *camera*, *screen*, *away* or *unknown*.

Gaze direction is eye-in-head plus head-in-camera, in degrees as seen by the viewer
(``h`` > 0 toward the viewer's right, ``v`` > 0 up)::

    h_deg = yaw_weight * yaw + deg_per_offset * (gaze_h - centre_h)
    v_deg = pitch              + deg_per_offset * (gaze_v - centre_v)

where ``gaze_h``/``gaze_v`` are the iris offsets of :mod:`presence_coach.vision.gaze` (half eye
widths, mean of both eyes, so convergence cancels) and ``yaw``/``pitch`` the head pose of
:mod:`presence_coach.vision.pose`. An iris offset of one half eye width is taken as about 60
degrees of eye rotation (eyeball radius ~12 mm, half eye width ~13 mm).

Only part of the head yaw is added: the eye turns about a centre that lies behind the line
between its corners, so when the head turns the iris already moves in the image toward the
turn by about half the angle. A head turned with the eyes held on the lens leaves an iris
offset that cancels only about half the yaw (fitted on hand-labelled real faces looking into
the lens: 0.45 of the yaw, 90 % interval 0.26-0.62), so adding the whole yaw would call them
averted from a turn of about 20 degrees. The vertical iris offset hardly follows head pitch,
and pitch keeps its full weight: a head bowed to notes is averted even where the iris reads
level. The camera region's reach below the lens is its own setting
(``camera_radius_below_deg``); the default keeps it equal to the reach above, because the
call window begins not far below the lens (calibration/laptop-default.toml says why).

A :class:`GazeCalibration` says where the camera and the call window are in that space and how
far around each still counts. Without one, :data:`DEFAULT_CALIBRATION` assumes a camera straight
ahead and the call window just below it (a laptop webcam above the screen) and every result is
flagged ``calibrated=False``: head pitch toward a camera differs by +-10 degrees between set-ups,
so camera versus screen is a guess until calibrated, while camera versus looking aside is not.
Uncalibrated, :class:`GazeTracker` also learns where the person's iris sits horizontally when
they look straight ahead (:mod:`presence_coach.vision.iris_centre`).

*unknown* means no face or eyes closed (blink score at least ``closed_blink``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from presence_coach.calibration.defaults import default_gaze
from presence_coach.events import Event
from presence_coach.vision.face import FaceSample
from presence_coach.vision.iris_centre import IrisCentre, IrisCentreOptions

STATES = ("camera", "screen", "away", "unknown")
# the uncalibrated numbers: calibration/laptop-default.toml's [gaze], the one source
_DEFAULT = default_gaze()


@dataclass(frozen=True)
class GazeCalibration:
    """Where the camera and the call window sit in gaze space (degrees, see module docstring).

    The calibration routine produces one from the user's own look-at-camera and
    look-at-screen samples; :data:`DEFAULT_CALIBRATION` is the uncalibrated guess. A field
    not given takes the default profile's value (``calibration/laptop-default.toml``).
    """

    # gaze direction when looking into the lens
    camera_h_deg: float = _DEFAULT["camera_h_deg"]
    camera_v_deg: float = _DEFAULT["camera_v_deg"]
    # half-widths of the camera region (an ellipse around the camera direction)
    camera_radius_h_deg: float = _DEFAULT["camera_radius_h_deg"]
    camera_radius_v_deg: float = _DEFAULT["camera_radius_v_deg"]  # above the camera direction
    camera_radius_below_deg: float = _DEFAULT["camera_radius_below_deg"]  # below it
    # centre and half-widths of the call window region
    screen_h_deg: float = _DEFAULT["screen_h_deg"]
    screen_v_deg: float = _DEFAULT["screen_v_deg"]
    screen_radius_h_deg: float = _DEFAULT["screen_radius_h_deg"]
    screen_radius_v_deg: float = _DEFAULT["screen_radius_v_deg"]
    # iris offsets (half eye widths) of a centred eye for this person and camera
    centre_h: float = _DEFAULT["centre_h"]
    centre_v: float = _DEFAULT["centre_v"]
    # degrees of eye rotation per half eye width of iris offset
    deg_per_offset: float = _DEFAULT["deg_per_offset"]
    # share of the head yaw added to the iris offset (the rest shows in the offset itself)
    yaw_weight: float = _DEFAULT["yaw_weight"]
    # True when measured for this user and set-up, False for the built-in default
    calibrated: bool = True

    def __post_init__(self) -> None:
        for name in (
            "camera_radius_h_deg",
            "camera_radius_v_deg",
            "camera_radius_below_deg",
            "screen_radius_h_deg",
            "screen_radius_v_deg",
            "deg_per_offset",
            "yaw_weight",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name}={value} must be a positive number")
        for name in ("camera_h_deg", "camera_v_deg", "screen_h_deg", "screen_v_deg"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be finite")

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> GazeCalibration:
        """Build from a profile's mapping (unknown keys are an error, missing ones default)."""
        names = set(cls.__dataclass_fields__)
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown gaze calibration keys: {sorted(unknown)}")
        return cls(**data)  # type: ignore[arg-type]


DEFAULT_CALIBRATION = GazeCalibration(calibrated=False)


@dataclass(frozen=True)
class GazeOptions:
    """Settings of the gaze-state tracker."""

    # blink score (0..1) at or above which the eyes count as closed -> unknown: half-closed
    # eyes (a long blink, a squint) are no eye contact for the client either. On the labelled
    # real frames eyes open at the lens score at most 0.17, eyes labelled closed 0.34 and up
    closed_blink: float = 0.3
    # a state must hold this long before an episode switches to it (no flicker)
    min_state_s: float = 0.1
    # camera gaze held at least this long is an eye-contact moment
    eye_contact_min_s: float = 1.0
    # a gap between samples longer than this counts as no face
    max_gap_s: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 < self.closed_blink <= 1.0:
            raise ValueError(f"closed_blink={self.closed_blink} must be within 0..1")
        for name in ("min_state_s", "eye_contact_min_s", "max_gap_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name}={value} must be a non-negative number")


def gaze_direction(
    *,
    yaw: float,
    pitch: float,
    gaze_h: float,
    gaze_v: float,
    calibration: GazeCalibration = DEFAULT_CALIBRATION,
) -> tuple[float, float]:
    """Gaze direction ``(h_deg, v_deg)`` from head pose and iris offsets."""
    c = calibration
    return (
        c.yaw_weight * yaw + c.deg_per_offset * (gaze_h - c.centre_h),
        pitch + c.deg_per_offset * (gaze_v - c.centre_v),
    )


def gaze_state(
    sample: FaceSample,
    *,
    calibration: GazeCalibration = DEFAULT_CALIBRATION,
    closed_blink: float = GazeOptions.closed_blink,
) -> str:
    """The gaze state of one sample: camera, screen, away or unknown."""
    if not sample.face:
        return "unknown"
    if math.isfinite(sample.blink) and sample.blink >= closed_blink:
        return "unknown"
    h, v = gaze_direction(
        yaw=sample.yaw,
        pitch=sample.pitch,
        gaze_h=sample.gaze_h,
        gaze_v=sample.gaze_v,
        calibration=calibration,
    )
    if not (math.isfinite(h) and math.isfinite(v)):
        return "unknown"
    c = calibration
    camera_rv = c.camera_radius_v_deg if v >= c.camera_v_deg else c.camera_radius_below_deg
    if _inside(h, v, c.camera_h_deg, c.camera_v_deg, c.camera_radius_h_deg, camera_rv):
        return "camera"
    if _inside(h, v, c.screen_h_deg, c.screen_v_deg, c.screen_radius_h_deg, c.screen_radius_v_deg):
        return "screen"
    return "away"


def iris_centre(
    calibration: GazeCalibration = DEFAULT_CALIBRATION,
    options: IrisCentreOptions | None = None,
    *,
    closed_blink: float = GazeOptions.closed_blink,
) -> IrisCentre:
    """A learner of the horizontal iris centre (:mod:`presence_coach.vision.iris_centre`)
    starting from ``calibration``'s, with the tracker's closed eyes (``closed_blink``)."""
    c = calibration
    return IrisCentre(
        c.centre_h,
        yaw_weight=c.yaw_weight,
        deg_per_offset=c.deg_per_offset,
        closed_blink=closed_blink,
        options=options,
    )


def frame_states(
    samples: Iterable[FaceSample], calibration: GazeCalibration = DEFAULT_CALIBRATION
) -> list[str]:
    """The gaze state of each sample of a stream as :class:`GazeTracker` judges it, before
    its debouncing (uncalibrated: with the iris centre learnt up to that sample)."""
    tracker = GazeTracker(calibration=calibration)
    return [tracker.judge(s) for s in samples]


def _inside(h: float, v: float, ch: float, cv: float, rh: float, rv: float) -> bool:
    return ((h - ch) / rh) ** 2 + ((v - cv) / rv) ** 2 <= 1.0


class GazeTracker:
    """Streaming gaze episodes: ``update(sample) -> list[Event]``, ``reset()``.

    Emits ``Event("gaze", start, end, {"state", "calibrated"})`` when an episode ends and
    ``Event("eye_contact", start, end, {"duration_s"})`` for camera episodes of at least
    ``eye_contact_min_s``. ``state`` is the current (debounced) state for the timeline;
    ``time_s`` the face-present seconds spent in each state.
    """

    def __init__(
        self, options: GazeOptions | None = None, *, calibration: GazeCalibration | None = None
    ) -> None:
        self.options = options or GazeOptions()
        self.calibration = calibration or DEFAULT_CALIBRATION
        self.time_s: dict[str, float] = dict.fromkeys(STATES, 0.0)
        # uncalibrated: the person's own horizontal iris centre, learnt as the session goes
        # (kept over reset(): it belongs to the person and the camera, not to an episode)
        closed = self.options.closed_blink
        self._centre = (
            None if self.calibrated else iris_centre(self.calibration, closed_blink=closed)
        )
        self._judged_with = self.calibration
        self.reset()

    @property
    def calibrated(self) -> bool:
        return self.calibration.calibrated

    def reset(self) -> None:
        self.state = "unknown"
        self._start: float | None = None  # start of the current episode
        self._candidate: tuple[str, float] | None = None  # (state, since) not yet accepted
        self._last_t: float | None = None
        self._last_face = False

    def update(self, sample: FaceSample) -> list[Event]:
        opts = self.options
        t = sample.t
        events: list[Event] = []
        if self._last_t is not None and self._last_face and sample.face:
            dt = t - self._last_t
            if 0 < dt <= opts.max_gap_s:
                self.time_s[self.state] += dt
        gap = self._last_t is not None and t - self._last_t > opts.max_gap_s
        raw = self.judge(sample)
        if gap:
            events += self._switch("unknown", self._last_t + opts.max_gap_s)  # type: ignore[operator]
        self._last_t, self._last_face = t, sample.face
        if self._start is None:
            self.state, self._start, self._candidate = raw, t, None
            return events
        if raw == self.state:
            self._candidate = None
            return events
        if self._candidate is None or self._candidate[0] != raw:
            self._candidate = (raw, t)
        since = self._candidate[1]
        if t - since >= opts.min_state_s or not sample.face:
            events += self._switch(raw, since)
        return events

    def judge(self, sample: FaceSample) -> str:
        """The gaze state of the next sample of the stream, before debouncing: by the
        profile, or uncalibrated by the default with the horizontal iris centre learnt so
        far, which this sample updates (:meth:`update` calls it once per sample)."""
        if self._centre is not None:
            centre_h = self._centre.update(sample)
            if centre_h != self._judged_with.centre_h:
                self._judged_with = replace(self.calibration, centre_h=centre_h)
        closed = self.options.closed_blink
        return gaze_state(sample, calibration=self._judged_with, closed_blink=closed)

    def finish(self, t: float) -> list[Event]:
        """End the open episode at ``t``."""
        if self._start is None:
            return []
        events = self._episode(self.state, self._start, t)
        self._start = None
        return events

    def _switch(self, state: str, at: float) -> list[Event]:
        events = self._episode(self.state, self._start, at) if self._start is not None else []
        self.state, self._start, self._candidate = state, at, None
        return events

    def _episode(self, state: str, start: float, end: float) -> list[Event]:
        if end <= start:
            return []
        events = [Event("gaze", start, end, {"state": state, "calibrated": self.calibrated})]
        if state == "camera" and end - start >= self.options.eye_contact_min_s:
            events.append(Event("eye_contact", start, end, {"duration_s": round(end - start, 3)}))
        return events
