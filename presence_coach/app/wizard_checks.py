"""The wizard's live checklist: framing, light, camera height and the microphone, from the
calibration's own set-up checks (their rules and their advice) on the last moments. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from presence_coach.calibration.checks import FINE, SETUP_CHECKS, check_setup, preview_measures
from presence_coach.calibration.steps import DEFAULT_ROUTINE, StepInput
from presence_coach.vision.face import FaceSample

VOICE_OVER_ROOM_DB = 10.0  # the loudest level this far over the quietest: someone spoke
PICTURE_ROWS = (  # (title, the checks it gathers, what is said when they are all fine)
    ("Framing", ("face_size", "face_centre"), "Your face is well placed in the picture."),
    ("Light", ("dark", "backlit"), "The light on your face is good."),
    ("Camera height", ("camera_height",), "The camera is about level with your eyes."),
)
MIC_FINE = "The microphone hears you well."


@dataclass(frozen=True)
class Row:
    title: str  # "Framing", "Light", "Camera height", "Microphone"
    ok: bool | None  # None: not known yet
    text: str  # the verdict, or the calibration's advice


def picture_rows(recent: Sequence[tuple[FaceSample, tuple[float, float] | None]]) -> list[Row]:
    """Framing, light and camera height of the recent analysed frames (each with its face /
    background brightness where it was measured)."""
    frames = StepInput("camera", 0.0, 0.0, samples=[s for s, _ in recent],
                       luma=[lum for _, lum in recent if lum is not None])  # fmt: skip
    measures = preview_measures(frames, None)
    if measures is None:
        return [Row("Framing", False, "No face in the picture yet: sit in front of the camera.")]
    found = {f.check: f for f in check_setup(measures)}
    rows = []
    for title, checks, fine in PICTURE_ROWS:
        advice = [found[c].advice for c in checks if c in found and not found[c].ok]
        rows.append(Row(title, not advice, advice[0] if advice else fine))
    return rows


def microphone_row(levels_dbfs: Sequence[float]) -> Row:
    """The microphone: once a voice was heard over the room, the calibration's loudness rule."""
    if not levels_dbfs or max(levels_dbfs) - min(levels_dbfs) < VOICE_OVER_ROOM_DB:
        return Row("Microphone", None, "Say a few words to check the microphone.")
    check = next(c for c in SETUP_CHECKS if c.name == "mic_quiet")
    fine = check.rule(max(levels_dbfs), DEFAULT_ROUTINE) == FINE
    return Row("Microphone", fine, MIC_FINE if fine else check.advice_low)


def live_checklist(
    recent: Sequence[tuple[FaceSample, tuple[float, float] | None]], levels_dbfs: Sequence[float]
) -> tuple[Row, ...]:
    return (*picture_rows(recent), microphone_row(levels_dbfs))
