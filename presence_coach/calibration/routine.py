"""The calibration routine: captured steps -> a profile, and the routine from a recording.

:func:`build_profile` reduces the captured steps (``calibration.steps``), fits the gaze
mapping (``calibration.gaze_fit``) and runs the set-up checks (``calibration.checks``); it is
the end of both ways to calibrate: :func:`calibrate_from_recording` (a recording with a script
of step times) and ``calibration.live.run_live_calibration`` (the camera and microphone).
Frames go through the session's :class:`~presence_coach.session.engine.FrameLoop` analysis in
both (:func:`record_frame`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from presence_coach.calibration.checks import setup_findings
from presence_coach.calibration.gaze_fit import fit_gaze_calibration
from presence_coach.calibration.profile import (
    CalibrationProfile,
    Finding,
    VoiceBaseline,
    new_created,
)
from presence_coach.calibration.steps import (
    DEFAULT_ROUTINE,
    GAZE_STEPS,
    SR,
    STEPS,
    CalibrationError,
    RoutineOptions,
    StepInput,
    face_luma,
    gaze_step_stats,
    nod_amplitude_deg,
    noise_floor_dbfs,
    reading_baseline,
)
from presence_coach.errors import SourceError, UsageError
from presence_coach.session.engine import FrameLoop
from presence_coach.sources.video import Frame, VideoSource
from presence_coach.vision.face import FaceAnalyzer, FaceSample


@dataclass(frozen=True)
class CalibrationResult:
    """The profile and a per-step account of a calibration."""

    profile: CalibrationProfile
    steps: dict[str, str]  # step -> one line of what it measured

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.profile.findings


def build_profile(
    steps: dict[str, StepInput],
    *,
    camera: str,
    mic: str,
    options: RoutineOptions = DEFAULT_ROUTINE,
) -> CalibrationResult:
    """Reduce the captured steps to a profile (raises :class:`CalibrationError`)."""
    for name in GAZE_STEPS:
        if name not in steps:
            raise CalibrationError(name, "the step is missing; every calibration needs it")
    stats = {name: gaze_step_stats(steps[name], options) for name in GAZE_STEPS}
    cam, away = stats["camera"], stats["away"]
    moved = math.hypot(away.h_deg - cam.h_deg, away.v_deg - cam.v_deg)
    if moved < options.min_away_deg:
        raise CalibrationError(
            "away",
            f"your gaze moved only {moved:.0f} degrees from the lens; look clearly away "
            "(at your notes or the door) and repeat the step",
        )
    report = {
        name: f"gaze ({s.h_deg:+.1f}, {s.v_deg:+.1f}) deg from {s.n_frames} frames"
        for name, s in stats.items()
    }
    voice = None
    clipped = None
    if "read" in steps:
        if "silence" not in steps:
            raise CalibrationError("silence", "the step is missing; it must come before reading")
        voice, clipped = reading_baseline(steps["silence"], steps["read"], options)
        report["silence"] = f"noise floor {voice.noise_floor_dbfs} dBFS"
        report["read"] = (
            f"speech {voice.speech_level_dbfs} dBFS, pitch {voice.pitch_median_hz} Hz, "
            f"rate {voice.speech_rate_syl_per_s} syl/s"
        )
    elif "silence" in steps:
        voice = VoiceBaseline(noise_floor_dbfs=noise_floor_dbfs(steps["silence"], options))
        report["silence"] = f"noise floor {voice.noise_floor_dbfs} dBFS"
    nod = nod_amplitude_deg(steps["nod"]) if "nod" in steps else None
    if "nod" in steps:
        report["nod"] = "no nod seen" if nod is None else f"nod amplitude {nod} deg"
    profile = CalibrationProfile(
        camera=camera,
        mic=mic,
        gaze=fit_gaze_calibration(stats, options=options),
        kind="calibrated",
        created=new_created(),
        gaze_stats=stats,
        voice=voice or VoiceBaseline(),
        nod_amplitude_deg=nod,
        findings=setup_findings(steps["camera"], cam, voice, clipped, options),
    )
    return CalibrationResult(profile=profile, steps=report)


# ---- from a recording -----------------------------------------------------------------------


def read_script(path: str | Path) -> list[tuple[str, float, float]]:
    """``{"steps": [{"step": "camera", "start_s": 1.0, "end_s": 5.0}, ...]}`` -> (step, s, e)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        rows = data["steps"]
        out = [(str(r["step"]), float(r["start_s"]), float(r["end_s"])) for r in rows]
    except OSError as exc:
        raise UsageError(f"--script {p}: cannot read it ({exc.strerror})") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(
            f"--script {p}: expected JSON {{'steps': [{{'step', 'start_s', 'end_s'}}]}} ({exc})"
        ) from exc
    seen = set()
    for step, start, end in out:
        if step not in STEPS:
            raise UsageError(f"--script {p}: unknown step {step!r}; use one of {', '.join(STEPS)}")
        if step in seen:
            raise UsageError(f"--script {p}: step {step!r} appears twice; give it once")
        if not (math.isfinite(start) and math.isfinite(end) and 0 <= start < end):
            raise UsageError(f"--script {p}: step {step!r} needs 0 <= start_s < end_s")
        seen.add(step)
    return out


def calibrate_from_recording(
    video_path: str | Path,
    script_path: str | Path,
    *,
    audio_path: str | Path | None = None,
    model_path: str | Path,
    camera: str = "recording",
    mic: str = "recording",
    options: RoutineOptions = DEFAULT_ROUTINE,
) -> CalibrationResult:
    """Calibrate from a recording whose script gives each step's start and end (seconds).

    Audio comes from ``audio_path``, else from the video's own audio track (needed only when
    the script has the silence / read steps).
    """
    from presence_coach.sources.audio_file import read_audio_file

    script = read_script(script_path)
    steps = {name: StepInput(name, start + options.settle_s, end) for name, start, end in script}
    video_steps = [s for s in steps.values() if s.step not in ("silence", "read")]
    if video_steps:
        with FaceAnalyzer(model_path) as analyzer, VideoSource(video_path) as source:
            _collect_video(source, FrameLoop(source, analyzer), video_steps)
    if "silence" in steps or "read" in steps:
        try:
            audio = read_audio_file(audio_path or video_path)
        except SourceError as exc:
            raise CalibrationError(
                "silence" if "silence" in steps else "read",
                f"no audio to measure ({exc}); give the audio file of the recording",
            ) from exc
        for name in ("silence", "read"):
            if name in steps:
                s = steps[name]
                s.audio = audio[int(s.start_s * SR) : int(s.end_s * SR)]
    return build_profile(steps, camera=camera, mic=mic, options=options)


_LUMA_EVERY = 5  # luminance is measured on every fifth camera-step frame


def _collect_video(source: Iterable[Frame], loop: FrameLoop, steps: list[StepInput]) -> None:
    last_end = max(s.end_s for s in steps)
    for frame in source:
        if frame.t > last_end:
            break
        inside = [s for s in steps if s.start_s <= frame.t < s.end_s]  # steps may overlap
        if inside:
            record_frame(inside, loop, frame)


def record_frame(steps: list[StepInput], loop: FrameLoop, frame: Frame) -> FaceSample:
    """Analyse ``frame`` (the frame loop's conversion, inference and features) into ``steps``;
    the camera step also keeps the face / background brightness of every fifth frame."""
    sample = loop.analyze(frame)
    for step in steps:
        step.frames_seen += 1
        step.samples.append(sample)
        if step.step == "camera" and sample.face and step.frames_seen % _LUMA_EVERY == 1:
            step.luma.append(face_luma(frame.image, sample.box))
    return sample


def check_step(step: StepInput, done: dict[str, StepInput], options: RoutineOptions) -> None:
    """Refuse a step as soon as it is captured (so it can be repeated) instead of at the end."""
    if step.step in GAZE_STEPS:
        stats = gaze_step_stats(step, options)
        if step.step == "away" and "camera" in done:
            cam = gaze_step_stats(done["camera"], options)
            moved = math.hypot(stats.h_deg - cam.h_deg, stats.v_deg - cam.v_deg)
            if moved < options.min_away_deg:
                raise CalibrationError(
                    "away",
                    f"your gaze moved only {moved:.0f} degrees from the lens; look clearly "
                    "away (at your notes or the door)",
                )
    elif step.step == "silence":
        noise_floor_dbfs(step, options)
    elif step.step == "read":
        reading_baseline(done["silence"], step, options)
