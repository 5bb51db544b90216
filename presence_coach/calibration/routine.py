"""The guided calibration routine (about a minute), live or from a recording.

Steps (:data:`STEPS`): 1 look into the lens, 2 look at the middle of the call window, 3 look
away, 4 stay silent (noise floor), 5 read :data:`READ_SENTENCE` aloud (speech level, pitch and
speech-rate baseline), 6 nod once or twice (nod amplitude). Each step's frames / audio are
reduced by the same functions whether they come from the camera and microphone
(:func:`run_live_calibration`) or from a recording with a script of step times
(:func:`calibrate_from_recording`). Bad input (no face, no speech, too few frames) raises
:class:`CalibrationError` naming the step and what to do; the live routine repeats the step.

The gaze mapping (:func:`fit_gaze_calibration`) moves the default camera and screen regions to
the user's own measured looks and shrinks them where the user's camera, screen and away looks
are closer together than the default assumes.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from presence_coach.calibration.profile import (
    CalibrationProfile,
    Finding,
    GazeStats,
    VoiceBaseline,
    new_created,
)
from presence_coach.errors import PresenceCoachError, SourceError, UsageError
from presence_coach.vision.face import FaceAnalyzer, FaceSample
from presence_coach.vision.gaze_state import (
    DEFAULT_CALIBRATION,
    GazeCalibration,
    GazeOptions,
    gaze_direction,
)
from presence_coach.vision.nods import HeadGestureDetector
from presence_coach.voice import DEFAULT_VOICE, analyze_audio
from presence_coach.voice.prosody import hz_to_semitones, rms_dbfs

SR = 16_000  # analysis sample rate of presence_coach.sources.audio
STEPS = ("camera", "screen", "away", "silence", "read", "nod")
GAZE_STEPS = ("camera", "screen", "away")
STEP_PROMPTS = {
    "camera": "Look into the camera lens",
    "screen": "Look at the middle of the call window (where the client's face will be)",
    "away": "Look away: at your notes, or the door",
    "silence": "Stay silent for a moment",
    "read": "Read aloud: {sentence}",
    "nod": "Nod once or twice, as you would to a client",
}
READ_SENTENCE = (
    "The North Wind and the Sun were disputing which was the stronger, "
    "when a traveller came along wrapped in a warm cloak."
)


class CalibrationError(PresenceCoachError):
    """A calibration step whose input cannot be used; the message names the step and the fix."""

    def __init__(self, step: str, message: str) -> None:
        self.step = step
        number = STEPS.index(step) + 1 if step in STEPS else 0
        super().__init__(f"calibration step {number} ({step}): {message}")


@dataclass(frozen=True)
class RoutineOptions:
    """Thresholds of the routine and its checks (each with its unit in the name)."""

    # skipped at the start of each step: the user reads the prompt and moves
    settle_s: float = 0.6
    # a gaze step needs a face with open eyes in at least this share of its frames ...
    min_face_fraction: float = 0.6
    # ... and at least this many such frames
    min_face_frames: int = 8
    # "look away" must land at least this far from the lens look (degrees)
    min_away_deg: float = 12.0
    # smallest region half-width the fit leaves (the tracker's own noise is 2-4 degrees)
    min_radius_deg: float = 4.0
    # regions are at least this many measured standard deviations wide
    radius_sd: float = 3.0
    # a region grows to at most this multiple of the default width for a noisy user
    max_radius_scale: float = 1.5
    # the camera region ends at most this share of the way to the away look
    away_share: float = 0.6
    # silence / reading steps need at least this much audio (s)
    min_audio_s: float = 1.0
    # the reading step needs this much detected speech (s)
    min_speech_s: float = 1.0
    # ... at least this far above the silent step's level (dB)
    min_speech_above_noise_db: float = 6.0
    # findings: face narrower than this share of the picture width is too small
    face_width_min: float = 0.15
    # ... wider than this is too close
    face_width_max: float = 0.75
    # face centre further than this from the picture centre (share of width/height)
    max_centre_offset: float = 0.2
    # mean face luminance (0-255) under this is too dark
    dark_luma: float = 60.0
    # background brighter than the face by this much (0-255) is back-lit
    backlit_luma: float = 40.0
    # head pitch while looking into the lens beyond this means the camera is far off eye line
    camera_pitch_max_deg: float = 15.0
    # speech quieter than this is a mic set too low (dBFS)
    quiet_speech_dbfs: float = -40.0
    # share of reading-step samples at full scale that counts as clipping
    clipping_fraction: float = 0.001
    # speech-to-noise ratio under this is too noisy (dB)
    min_snr_db: float = 15.0
    # live routine: seconds per gaze / nod step, silence and reading
    live_gaze_s: float = 4.0
    live_silence_s: float = 4.0
    live_read_s: float = 10.0
    live_nod_s: float = 5.0
    # live routine: attempts per step before giving up
    max_attempts: int = 3

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if not (isinstance(value, int | float) and math.isfinite(value)):
                raise ValueError(f"{name}={value} must be a finite number")
        if not 0 < self.min_face_fraction <= 1 or not 0 < self.away_share < 1:
            raise ValueError("min_face_fraction and away_share must be within 0..1")
        if self.min_face_frames < 1 or self.max_attempts < 1 or self.min_radius_deg <= 0:
            raise ValueError("min_face_frames, max_attempts and min_radius_deg must be positive")


DEFAULT_ROUTINE = RoutineOptions()


@dataclass
class StepInput:
    """What was captured during one step."""

    step: str
    start_s: float
    end_s: float
    samples: list[FaceSample] = field(default_factory=list)
    frames_seen: int = 0  # frames offered (with or without a face)
    luma: list[tuple[float, float]] = field(default_factory=list)  # (face, background) 0-255
    audio: np.ndarray | None = None  # 16 kHz mono float32


@dataclass(frozen=True)
class CalibrationResult:
    """The profile and a per-step account of a calibration."""

    profile: CalibrationProfile
    steps: dict[str, str]  # step -> one line of what it measured

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.profile.findings


# ---- reducing the steps ---------------------------------------------------------------------


def _robust(x: np.ndarray) -> tuple[float, float]:
    """Median and MAD-based standard deviation (glances and blinks do not drag it)."""
    med = float(np.median(x))
    return med, float(1.4826 * np.median(np.abs(x - med)))


def gaze_step_stats(data: StepInput, options: RoutineOptions = DEFAULT_ROUTINE) -> GazeStats:
    """Where the look of a gaze step landed; refuses a step with too few usable frames."""
    closed = GazeOptions.closed_blink
    usable = [
        s
        for s in data.samples
        if s.face
        and math.isfinite(s.gaze_h)
        and math.isfinite(s.gaze_v)
        and not (math.isfinite(s.blink) and s.blink >= closed)
    ]
    total = max(data.frames_seen, len(data.samples))
    if len(usable) < options.min_face_frames or len(usable) < options.min_face_fraction * total:
        raise CalibrationError(
            data.step,
            f"a face with open eyes was seen in only {len(usable)} of {total} frames; "
            "sit centred in front of the camera with your face lit and repeat the step",
        )
    hv = np.array(
        [gaze_direction(yaw=s.yaw, pitch=s.pitch, gaze_h=s.gaze_h, gaze_v=s.gaze_v) for s in usable]
    )
    h, sd_h = _robust(hv[:, 0])
    v, sd_v = _robust(hv[:, 1])
    return GazeStats(
        h_deg=round(h, 2),
        v_deg=round(v, 2),
        sd_h_deg=round(sd_h, 2),
        sd_v_deg=round(sd_v, 2),
        yaw_deg=round(float(np.median([s.yaw for s in usable])), 2),
        pitch_deg=round(float(np.median([s.pitch for s in usable])), 2),
        n_frames=len(usable),
    )


def _norm(dh: float, dv: float, rh: float, rv: float) -> float:
    return math.hypot(dh / rh, dv / rv)


def fit_gaze_calibration(
    stats: dict[str, GazeStats],
    *,
    base: GazeCalibration = DEFAULT_CALIBRATION,
    options: RoutineOptions = DEFAULT_ROUTINE,
) -> GazeCalibration:
    """The camera / screen regions for the user's measured looks.

    Centres: the measured camera and screen looks. Widths start from the default regions
    (a session has more head motion than the calibration), widened to ``radius_sd`` measured
    spreads for a noisy user, then narrowed along the axis that separates camera from screen
    so the camera region ends where the two spreads meet, and so that neither region takes
    in the measured away look.
    """
    cam, scr, away = stats["camera"], stats["screen"], stats["away"]
    k, lo = options.radius_sd, options.min_radius_deg

    def width(default: float, sd: float) -> float:
        return min(max(default, k * sd), options.max_radius_scale * default)

    c_rh = width(base.camera_radius_h_deg, cam.sd_h_deg)
    c_rv = width(base.camera_radius_v_deg, cam.sd_v_deg)
    s_rh = width(base.screen_radius_h_deg, scr.sd_h_deg)
    s_rv = width(base.screen_radius_v_deg, scr.sd_v_deg)
    # camera versus screen: split the gap on its main axis in proportion to the spreads
    dh, dv = scr.h_deg - cam.h_deg, scr.v_deg - cam.v_deg
    if abs(dv) >= abs(dh):
        share = cam.sd_v_deg / max(cam.sd_v_deg + scr.sd_v_deg, 1e-9)
        share = min(max(share, 0.35), 0.65)
        c_rv = max(lo, min(c_rv, share * abs(dv)))
        s_rv = max(s_rv, min((1 - share) * abs(dv), options.max_radius_scale * s_rv))
    else:
        share = cam.sd_h_deg / max(cam.sd_h_deg + scr.sd_h_deg, 1e-9)
        share = min(max(share, 0.35), 0.65)
        c_rh = max(lo, min(c_rh, share * abs(dh)))
    # neither region may hold the away look: end it ``away_share`` of the way there
    reach = 1.0 / options.away_share
    for centre in ("camera", "screen"):
        ch, cv = (cam.h_deg, cam.v_deg) if centre == "camera" else (scr.h_deg, scr.v_deg)
        rh, rv = (c_rh, c_rv) if centre == "camera" else (s_rh, s_rv)
        ah, av = away.h_deg - ch, away.v_deg - cv
        if _norm(ah, av, rh, rv) < reach:
            if abs(ah) >= abs(av):
                rh = max(lo, options.away_share * abs(ah))
            else:
                rv = max(lo, options.away_share * abs(av))
        if centre == "camera":
            c_rh, c_rv = rh, rv
        else:
            s_rh, s_rv = rh, rv
    return replace(
        base,
        camera_h_deg=round(cam.h_deg, 2),
        camera_v_deg=round(cam.v_deg, 2),
        camera_radius_h_deg=round(c_rh, 2),
        camera_radius_v_deg=round(c_rv, 2),
        screen_h_deg=round(scr.h_deg, 2),
        screen_v_deg=round(scr.v_deg, 2),
        screen_radius_h_deg=round(s_rh, 2),
        screen_radius_v_deg=round(s_rv, 2),
        calibrated=True,
    )


def _frame_levels(audio: np.ndarray) -> np.ndarray:
    """25 ms frame levels (dBFS) every 10 ms."""
    if len(audio) < 400:
        return np.zeros(0)
    frames = np.lib.stride_tricks.sliding_window_view(audio.astype(np.float64), 400)[::160]
    return rms_dbfs(frames)


def noise_floor_dbfs(data: StepInput, options: RoutineOptions = DEFAULT_ROUTINE) -> float:
    """Median frame level of the silent step."""
    if data.audio is None or len(data.audio) < options.min_audio_s * SR:
        got = 0.0 if data.audio is None else len(data.audio) / SR
        raise CalibrationError(
            data.step,
            f"only {got:.1f} s of audio was recorded; check the microphone and repeat the step",
        )
    return round(float(np.median(_frame_levels(data.audio))), 1)


def reading_baseline(
    silence: StepInput, reading: StepInput, options: RoutineOptions = DEFAULT_ROUTINE
) -> tuple[VoiceBaseline, float]:
    """Voice baseline from the silent and reading steps; also the clipped share of samples."""
    noise = noise_floor_dbfs(silence, options)
    audio = reading.audio
    if audio is None or len(audio) < options.min_audio_s * SR:
        raise CalibrationError(
            "read", "no audio was recorded; check the microphone and read the sentence again"
        )
    assert silence.audio is not None
    # the silence first lets the speech detector learn the room before the sentence starts
    offset_s = len(silence.audio) / SR
    result = analyze_audio(np.concatenate([silence.audio, audio]).astype(np.float32))
    # an utterance without a voiced frame is the room changing (a fan starting), not speech
    utterances = [
        e
        for e in result.events
        if e.kind == "utterance" and e.end > offset_s + 0.05 and e.f0_median_hz is not None
    ]
    speech_s = sum(e.end - max(e.start, offset_s) for e in utterances)
    # the median over the speech's timeline rows, as a session's typical loudness is: a short
    # utterance counts for its length, not as much as the whole sentence
    half_row_s = 0.5 / DEFAULT_VOICE.timeline_hz
    levels = [
        r.rms_dbfs
        for r in result.timeline
        if r.t >= offset_s and any(e.start <= r.t + half_row_s < e.end for e in utterances)
    ]
    level = float(np.median(levels)) if levels else float(np.median(_frame_levels(audio)))
    if speech_s < options.min_speech_s or level < noise + options.min_speech_above_noise_db:
        raise CalibrationError(
            "read",
            f"no speech was heard ({speech_s:.1f} s at {level:.0f} dBFS, room {noise:.0f} dBFS); "
            "check the microphone is not muted and read the sentence in your session voice",
        )
    f0 = np.array([r.f0_hz for r in result.timeline if r.t >= offset_s and math.isfinite(r.f0_hz)])
    pitch_median = pitch_range = None
    if len(f0) >= 5:
        pitch_median = float(np.median(f0))
        st = hz_to_semitones(f0, ref_hz=pitch_median)
        pitch_range = float(np.percentile(st, 95) - np.percentile(st, 5))
    syllables = sum(e.syllables or 0 for e in utterances)
    speaking = sum(e.duration_s for e in utterances)
    rate = syllables / speaking if speaking > 0 and syllables > 0 else None
    clipped = float(np.mean(np.abs(audio) >= 0.99))
    baseline = VoiceBaseline(
        noise_floor_dbfs=noise,
        speech_level_dbfs=round(level, 1),
        pitch_median_hz=None if pitch_median is None else round(pitch_median, 1),
        pitch_range_st=None if pitch_range is None else round(pitch_range, 1),
        speech_rate_syl_per_s=None if rate is None else round(rate, 2),
    )
    return baseline, clipped


def nod_amplitude_deg(data: StepInput) -> float | None:
    """Median amplitude of the nods in the nod step (else its 5-95 % pitch range)."""
    detector = HeadGestureDetector()
    events = []
    for s in data.samples:
        events += detector.update(s)
    if data.samples:
        events += detector.finish(data.samples[-1].t)
    nods = [e.attrs["amplitude_deg"] for e in events if e.type == "nod"]
    if nods:
        return round(float(np.median(nods)), 1)
    pitch = np.array([s.pitch for s in data.samples if s.face and math.isfinite(s.pitch)])
    if len(pitch) < 5:
        return None
    spread = float(np.percentile(pitch, 95) - np.percentile(pitch, 5))
    return round(spread, 1) if spread >= 2.0 else None


def face_luma(bgr: np.ndarray, box: Sequence[float]) -> tuple[float, float]:
    """Mean luminance (0-255) inside the face box and outside it."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    x, y, bw, bh = box
    x0, y0 = max(0, int(x * w)), max(0, int(y * h))
    x1, y1 = min(w, int((x + bw) * w)), min(h, int((y + bh) * h))
    mask = np.zeros_like(gray, dtype=bool)
    mask[y0:y1, x0:x1] = True
    if not mask.any() or mask.all():
        return float(gray.mean()), float(gray.mean())
    return float(gray[mask].mean()), float(gray[~mask].mean())


def setup_findings(
    camera: StepInput,
    camera_stats: GazeStats,
    voice: VoiceBaseline | None,
    clipped: float | None,
    options: RoutineOptions = DEFAULT_ROUTINE,
) -> tuple[Finding, ...]:
    """Framing, lighting, camera height and microphone checks, one sentence of advice each."""
    o = options
    out: list[Finding] = []
    boxes = np.array([s.box for s in camera.samples if s.face])
    width = float(np.median(boxes[:, 2]))
    cx = float(np.median(boxes[:, 0] + boxes[:, 2] / 2))
    cy = float(np.median(boxes[:, 1] + boxes[:, 3] / 2))
    detail = f"face {width:.0%} of the picture width"
    if width < o.face_width_min:
        out.append(
            Finding(
                "face_size",
                False,
                width,
                detail,
                "Your face is small in the picture: sit closer to the camera so it fills "
                "about a third of the width.",
            )
        )
    elif width > o.face_width_max:
        out.append(
            Finding(
                "face_size",
                False,
                width,
                detail,
                "Your face is very close: sit back a little so your whole head is in view.",
            )
        )
    else:
        out.append(Finding("face_size", True, width, detail))
    offset = max(abs(cx - 0.5), abs(cy - 0.5))
    detail = f"face centre at {cx:.0%} across, {cy:.0%} down"
    ok = offset <= o.max_centre_offset
    out.append(
        Finding(
            "face_centre",
            ok,
            round(offset, 3),
            detail,
            ""
            if ok
            else "Your face is off-centre: turn the camera or move so your face is in the "
            "middle of the picture.",
        )
    )
    if camera.luma:
        face, back = (float(np.median([lum[i] for lum in camera.luma])) for i in (0, 1))
        ok = face >= o.dark_luma
        out.append(
            Finding(
                "dark",
                ok,
                round(face, 1),
                f"face brightness {face:.0f} of 255",
                ""
                if ok
                else "Your face is too dark: add a lamp in front of you, beside the screen.",
            )
        )
        ok = back - face < o.backlit_luma
        out.append(
            Finding(
                "backlit",
                ok,
                round(back - face, 1),
                f"background {back - face:+.0f} brighter than the face",
                ""
                if ok
                else "You are back-lit: close the blind behind you or turn so the window "
                "faces you.",
            )
        )
    pitch = camera_stats.pitch_deg
    detail = f"head pitch {pitch:+.0f} deg while looking into the lens"
    if pitch < -o.camera_pitch_max_deg:
        advice = (
            "The camera is far above your eye line: lower it or raise your seat so the lens "
            "is level with your eyes."
        )
    elif pitch > o.camera_pitch_max_deg:
        advice = (
            "The camera is far below your eye line: raise the laptop (a stand or books) so "
            "the lens is level with your eyes."
        )
    else:
        advice = ""
    out.append(Finding("camera_height", not advice, round(pitch, 1), detail, advice))
    if voice is not None and voice.speech_level_dbfs is not None:
        level = voice.speech_level_dbfs
        ok = level >= o.quiet_speech_dbfs
        out.append(
            Finding(
                "mic_quiet",
                ok,
                level,
                f"speech level {level:.0f} dBFS",
                ""
                if ok
                else "Your voice reaches the microphone very quietly: raise the input level "
                "or sit closer to the microphone.",
            )
        )
        if clipped is not None:
            ok = clipped < o.clipping_fraction
            out.append(
                Finding(
                    "clipping",
                    ok,
                    round(clipped, 5),
                    f"{clipped:.2%} of samples at full scale",
                    ""
                    if ok
                    else "Your voice clips the microphone: lower the input level a little.",
                )
            )
        if voice.noise_floor_dbfs is not None:
            snr = level - voice.noise_floor_dbfs
            ok = snr >= o.min_snr_db
            out.append(
                Finding(
                    "noisy",
                    ok,
                    round(snr, 1),
                    f"speech {snr:.0f} dB above the room noise",
                    ""
                    if ok
                    else "The room is noisy for the microphone: close the door or window, "
                    "switch off fans, or use a headset.",
                )
            )
    return tuple(out)


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
    from presence_coach.sources.audio import read_audio_file
    from presence_coach.sources.video import VideoSource

    script = read_script(script_path)
    steps = {name: StepInput(name, start + options.settle_s, end) for name, start, end in script}
    video_steps = [s for s in steps.values() if s.step not in ("silence", "read")]
    if video_steps:
        with FaceAnalyzer(model_path) as analyzer, VideoSource(video_path) as source:
            _collect_video(source, analyzer, video_steps)
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


def _collect_video(source: Iterable[Any], analyzer: FaceAnalyzer, steps: list[StepInput]) -> None:
    last_end = max(s.end_s for s in steps)
    for frame in source:
        if frame.t > last_end:
            break
        inside = [s for s in steps if s.start_s <= frame.t < s.end_s]  # steps may overlap
        if inside:
            _add_frame(inside, analyzer, frame.image, frame.t)


def _add_frame(
    steps: list[StepInput], analyzer: FaceAnalyzer, bgr: np.ndarray, t: float
) -> FaceSample:
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    h, w = bgr.shape[:2]
    sample = analyzer.sample(analyzer.detect(rgb, t), t, (w, h))
    for step in steps:
        step.frames_seen += 1
        step.samples.append(sample)
        if step.step == "camera" and sample.face and step.frames_seen % _LUMA_EVERY == 1:
            step.luma.append(face_luma(bgr, sample.box))
    return sample


# ---- live -----------------------------------------------------------------------------------

WINDOW = "Presence Coach calibration"
MIC_STALL_S = 2.0  # no audio for this long: the microphone is lost


class _MicBuffer:
    """Drains a microphone into a list of (t, samples) blocks on a thread."""

    def __init__(self, mic: Any) -> None:
        self.mic = mic
        self.blocks: list[tuple[float, np.ndarray]] = []
        self.lost: str | None = None  # why the microphone stopped delivering, if it did
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                block = self.mic.read(timeout_s=MIC_STALL_S)
            except SourceError as exc:  # the microphone stopped: the audio steps will say so
                self.lost = str(exc)
                return
            if block is None:
                if getattr(self.mic, "_stopped", False):
                    return
                continue
            with self._lock:
                self.blocks.append((block.t, block.samples))

    def between(self, start: float, end: float) -> np.ndarray:
        with self._lock:
            parts = [b for t, b in self.blocks if start <= t < end]
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)


def _show(image: np.ndarray | None, lines: Sequence[str], *, show: bool) -> bool:
    """Draw the prompt over the camera picture; False when the user pressed q / Esc."""
    if not show:
        return True
    canvas = np.zeros((480, 640, 3), np.uint8) if image is None else image.copy()
    y = 30
    for line in lines:
        for chunk in _wrap(line, 50):
            cv2.putText(canvas, chunk, (12, y), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 4)
            cv2.putText(canvas, chunk, (12, y), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 1)
            y += 30
    cv2.imshow(WINDOW, canvas)
    return cv2.waitKey(1) & 0xFF not in (ord("q"), 27)


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return [*lines, line] if line else lines


def _say(message: str) -> None:
    print(message, flush=True)  # at once, also when stdout is a pipe


def run_live_calibration(
    camera: int | str,
    mic: int | str | None,
    *,
    model_path: str | Path,
    options: RoutineOptions = DEFAULT_ROUTINE,
    show_window: bool = True,
    on_message: Callable[[str], None] = _say,
) -> CalibrationProfile:
    """The guided routine on a camera and microphone; repeats a step whose input is unusable.

    Each step's prompt goes to ``on_message`` as it starts (the terminal, beside the window:
    without a display it is the only place the prompts appear).

    Returns the profile (not yet saved: call ``save_profile``). Raises
    :class:`CalibrationError` when a step fails ``max_attempts`` times or the user quits
    (q / Esc in the window); NoDeviceError / SourceError when a device cannot be opened.
    """
    from presence_coach.session.clock import SessionClock
    from presence_coach.sources.audio import MicrophoneSource
    from presence_coach.sources.video import VideoSource

    durations = {
        "camera": options.live_gaze_s,
        "screen": options.live_gaze_s,
        "away": options.live_gaze_s,
        "silence": options.live_silence_s,
        "read": options.live_read_s,
        "nod": options.live_nod_s,
    }
    clock = SessionClock()
    steps: dict[str, StepInput] = {}
    with (
        FaceAnalyzer(model_path) as analyzer,
        VideoSource(camera, clock=clock) as video,
        MicrophoneSource(mic, clock=clock) as microphone,
    ):
        buffer = _MicBuffer(microphone)
        try:
            for number, name in enumerate(STEPS, start=1):
                prompt = STEP_PROMPTS[name].format(sentence=READ_SENTENCE)
                for attempt in range(1, options.max_attempts + 1):
                    on_message(f"Step {number} of {len(STEPS)}: {prompt}")
                    step = _live_step(
                        name,
                        number,
                        prompt,
                        durations[name],
                        video,
                        analyzer,
                        buffer,
                        clock,
                        options,
                        show_window,
                    )
                    try:
                        _check_live_step(step, steps, options)
                    except CalibrationError as exc:
                        on_message(str(exc))
                        if attempt == options.max_attempts:
                            raise
                        _pause_with(video, [str(exc), "Again in 3 s..."], 3.0, show_window)
                        continue
                    steps[name] = step
                    break
        finally:
            buffer.stop()
            if show_window:
                cv2.destroyWindow(WINDOW)
    result = build_profile(steps, camera=str(camera), mic=str(mic), options=options)
    for f in result.findings:
        if f.advice:
            on_message(f.advice)
    return result.profile


def _pause_with(video: Any, lines: Sequence[str], seconds: float, show: bool) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        frame = video.read(timeout_s=0.5)
        _show(None if frame is None else frame.image, lines, show=show)


def _live_step(
    name: str,
    number: int,
    prompt: str,
    duration_s: float,
    video: Any,
    analyzer: FaceAnalyzer,
    buffer: _MicBuffer,
    clock: Any,
    options: RoutineOptions,
    show: bool,
) -> StepInput:
    _pause_with(video, [f"Step {number} of {len(STEPS)}", prompt, "Starting..."], 2.0, show)
    start = clock.now()
    step = StepInput(name, start + options.settle_s, start + duration_s)
    last_t = -math.inf
    while (now := clock.now()) < start + duration_s:
        frame = video.read(timeout_s=1.0)
        left = start + duration_s - now
        lines = [f"Step {number} of {len(STEPS)}", prompt, f"{left:.0f} s"]
        if frame is None:
            if not _show(None, lines, show=show):
                raise CalibrationError(name, "calibration stopped by the user")
            continue
        if frame.t > last_t and frame.t >= step.start_s and name not in ("silence", "read"):
            _add_frame([step], analyzer, frame.image, frame.t)
            last_t = frame.t
        if not _show(frame.image, lines, show=show):
            raise CalibrationError(name, "calibration stopped by the user")
    time.sleep(0.1)  # the last audio block arrives
    if name in ("silence", "read"):
        step.audio = buffer.between(step.start_s, step.end_s)
    return step


def _check_live_step(step: StepInput, done: dict[str, StepInput], options: RoutineOptions) -> None:
    """Refuse a step now (so it can be repeated) instead of at the end."""
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
