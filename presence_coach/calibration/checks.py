"""The set-up checks: framing, light, camera height and the microphone, as a table.

Each row of :data:`SETUP_CHECKS` is one check: the number it looks at (a field of
:class:`SetupMeasures`), what was measured (a sentence template over those fields), the rule
(which side of its thresholds in :class:`~presence_coach.calibration.steps.RoutineOptions` the
number is on) and the advice for each way it can fail. :func:`setup_findings` measures the
calibration's camera step and voice baseline once and runs every row whose number was measured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from presence_coach.calibration.profile import Finding, GazeStats, VoiceBaseline
from presence_coach.calibration.steps import DEFAULT_ROUTINE, RoutineOptions, StepInput

LOW, FINE, HIGH = -1, 0, 1  # where a rule puts a measured number

Rule = Callable[[float, RoutineOptions], int]  # (value, options) -> LOW, FINE or HIGH


@dataclass(frozen=True)
class SetupMeasures:
    """The numbers the set-up checks look at (None: not measured in this calibration)."""

    face_width: float  # median face box width, share of the picture width
    face_cx: float  # median face centre across, share of the picture width (0 left)
    face_cy: float  # median face centre down, share of the picture height (0 top)
    centre_offset: float  # the larger distance of the face centre from the picture centre
    face_luma: float | None  # median face brightness, 0-255 (None: no frame measured)
    backlight_luma: float | None  # median background minus face brightness, 0-255
    camera_pitch_deg: float  # median head pitch while looking into the lens
    speech_dbfs: float | None  # speech level of the reading step (None: no reading step)
    clipped_fraction: float | None  # share of reading-step samples at full scale
    snr_db: float | None  # speech level above the silent step's noise floor


@dataclass(frozen=True)
class SetupCheck:
    """One row of the set-up checks."""

    name: str  # the Finding's check name
    measure: str  # the SetupMeasures field it looks at; the check is left out when it is None
    digits: int | None  # the Finding's value is that number rounded to this (None: as measured)
    detail: str  # what was measured: a template over the SetupMeasures fields
    rule: Rule  # LOW / HIGH: the number is outside what the set-up needs
    advice_low: str = ""  # what to do when the rule says LOW
    advice_high: str = ""  # what to do when the rule says HIGH


def _below(threshold: Callable[[RoutineOptions], float]) -> Rule:
    """LOW when the number is under the threshold (the threshold itself is fine)."""
    return lambda v, o: LOW if v < threshold(o) else FINE


def _above(threshold: Callable[[RoutineOptions], float]) -> Rule:
    """HIGH when the number is over the threshold (the threshold itself is fine)."""
    return lambda v, o: HIGH if v > threshold(o) else FINE


def _at_or_above(threshold: Callable[[RoutineOptions], float]) -> Rule:
    """HIGH when the number reaches the threshold."""
    return lambda v, o: HIGH if v >= threshold(o) else FINE


def _outside(
    low: Callable[[RoutineOptions], float], high: Callable[[RoutineOptions], float]
) -> Rule:
    """LOW under ``low``, HIGH over ``high`` (both limits themselves are fine)."""
    return lambda v, o: LOW if v < low(o) else HIGH if v > high(o) else FINE


SETUP_CHECKS: tuple[SetupCheck, ...] = (
    SetupCheck(
        "face_size",
        "face_width",
        None,
        "face {face_width:.0%} of the picture width",
        _outside(lambda o: o.face_width_min, lambda o: o.face_width_max),
        advice_low="Your face is small in the picture: sit closer to the camera so it fills "
        "about a third of the width.",
        advice_high="Your face is very close: sit back a little so your whole head is in view.",
    ),
    SetupCheck(
        "face_centre",
        "centre_offset",
        3,
        "face centre at {face_cx:.0%} across, {face_cy:.0%} down",
        _above(lambda o: o.max_centre_offset),
        advice_high="Your face is off-centre: turn the camera or move so your face is in the "
        "middle of the picture.",
    ),
    SetupCheck(
        "dark",
        "face_luma",
        1,
        "face brightness {face_luma:.0f} of 255",
        _below(lambda o: o.dark_luma),
        advice_low="Your face is too dark: add a lamp in front of you, beside the screen.",
    ),
    SetupCheck(
        "backlit",
        "backlight_luma",
        1,
        "background {backlight_luma:+.0f} brighter than the face",
        _at_or_above(lambda o: o.backlit_luma),
        advice_high="You are back-lit: close the blind behind you or turn so the window faces you.",
    ),
    SetupCheck(
        "camera_height",
        "camera_pitch_deg",
        1,
        "head pitch {camera_pitch_deg:+.0f} deg while looking into the lens",
        _outside(lambda o: -o.camera_pitch_max_deg, lambda o: o.camera_pitch_max_deg),
        advice_low="The camera is far above your eye line: lower it or raise your seat so the "
        "lens is level with your eyes.",
        advice_high="The camera is far below your eye line: raise the laptop (a stand or "
        "books) so the lens is level with your eyes.",
    ),
    SetupCheck(
        "mic_quiet",
        "speech_dbfs",
        None,
        "speech level {speech_dbfs:.0f} dBFS",
        _below(lambda o: o.quiet_speech_dbfs),
        advice_low="Your voice reaches the microphone very quietly: raise the input level or "
        "sit closer to the microphone.",
    ),
    SetupCheck(
        "clipping",
        "clipped_fraction",
        5,
        "{clipped_fraction:.2%} of samples at full scale",
        _at_or_above(lambda o: o.clipping_fraction),
        advice_high="Your voice clips the microphone: lower the input level a little.",
    ),
    SetupCheck(
        "noisy",
        "snr_db",
        1,
        "speech {snr_db:.0f} dB above the room noise",
        _below(lambda o: o.min_snr_db),
        advice_low="The room is noisy for the microphone: close the door or window, switch "
        "off fans, or use a headset.",
    ),
)


def _framing(camera: StepInput) -> dict[str, float | None]:
    """Face size, position and light of a step's frames with a face (at least one)."""
    boxes = np.array([s.box for s in camera.samples if s.face])  # (n, 4): x, y, width, height
    cx = float(np.median(boxes[:, 0] + boxes[:, 2] / 2))
    cy = float(np.median(boxes[:, 1] + boxes[:, 3] / 2))
    face = back = None
    if camera.luma:
        face, back = (float(np.median([lum[i] for lum in camera.luma])) for i in (0, 1))
    return {
        "face_width": float(np.median(boxes[:, 2])),
        "face_cx": cx,
        "face_cy": cy,
        "centre_offset": max(abs(cx - 0.5), abs(cy - 0.5)),
        "face_luma": face,
        "backlight_luma": None if face is None or back is None else back - face,
    }


def setup_measures(
    camera: StepInput,
    camera_stats: GazeStats,
    voice: VoiceBaseline | None,
    clipped: float | None,
) -> SetupMeasures:
    """The numbers of the set-up checks from the camera step and the voice baseline."""
    speech = None if voice is None else voice.speech_level_dbfs
    noise = None if voice is None else voice.noise_floor_dbfs
    return SetupMeasures(
        **_framing(camera),  # type: ignore[arg-type]
        camera_pitch_deg=camera_stats.pitch_deg,
        speech_dbfs=speech,
        clipped_fraction=None if speech is None else clipped,
        snr_db=None if speech is None or noise is None else speech - noise,
    )


def preview_measures(frames: StepInput, speech_dbfs: float | None) -> SetupMeasures | None:
    """The set-up numbers of the frames seen so far, before the steps (the desktop wizard's
    live checklist): head pitch over all of them, the speech level from what the microphone
    hears now. None while no frame had a face."""
    pitch = [s.pitch for s in frames.samples if s.face and np.isfinite(s.pitch)]
    if not pitch:
        return None
    return SetupMeasures(
        **_framing(frames),  # type: ignore[arg-type]
        camera_pitch_deg=float(np.median(pitch)),
        speech_dbfs=speech_dbfs,
        clipped_fraction=None,
        snr_db=None,
    )


def check_setup(
    measures: SetupMeasures, options: RoutineOptions = DEFAULT_ROUTINE
) -> tuple[Finding, ...]:
    """One finding per row of :data:`SETUP_CHECKS` whose number was measured, in table order."""
    fields = asdict(measures)
    out = []
    for check in SETUP_CHECKS:
        value = fields[check.measure]
        if value is None:
            continue
        side = check.rule(value, options)
        advice = {LOW: check.advice_low, HIGH: check.advice_high}.get(side, "")
        shown = value if check.digits is None else round(value, check.digits)
        out.append(Finding(check.name, side == FINE, shown, check.detail.format(**fields), advice))
    return tuple(out)


def setup_findings(
    camera: StepInput,
    camera_stats: GazeStats,
    voice: VoiceBaseline | None,
    clipped: float | None,
    options: RoutineOptions = DEFAULT_ROUTINE,
) -> tuple[Finding, ...]:
    """Framing, lighting, camera height and microphone checks, one sentence of advice each."""
    return check_setup(setup_measures(camera, camera_stats, voice, clipped), options)
