"""The calibration steps and what each one measures, as pure functions of what it captured.

Steps (:data:`STEPS`): 1 look into the lens, 2 look at the middle of the call window, 3 look
away, 4 stay silent (noise floor), 5 read :data:`READ_SENTENCE` aloud (speech level, pitch and
speech-rate baseline), 6 nod once or twice (nod amplitude). What a step captured
(:class:`StepInput`: face samples, face / background brightness, audio) is reduced here by the
same functions whether it came from the camera and microphone (``calibration.live``) or from a
recording (``calibration.routine``). Unusable input (no face, no speech, too few frames) raises
:class:`CalibrationError` naming the step and what to do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from presence_coach.calibration.profile import GazeStats, VoiceBaseline
from presence_coach.errors import PresenceCoachError
from presence_coach.sources.base import ANALYSIS_RATE_HZ
from presence_coach.vision.face import FaceSample
from presence_coach.vision.gaze_state import GazeOptions, gaze_direction
from presence_coach.vision.nods import HeadGestureDetector
from presence_coach.voice import DEFAULT_VOICE, analyze_audio
from presence_coach.voice.prosody import hz_to_semitones, rms_dbfs

SR = ANALYSIS_RATE_HZ  # sample rate of every step's audio
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
        if e.type == "utterance" and e.end > offset_s + 0.05 and e.attrs["f0_median_hz"] is not None
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
    syllables = sum(e.attrs["syllables"] or 0 for e in utterances)
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
