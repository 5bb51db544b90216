"""Calibration profiles: one per camera/microphone pair, versioned JSON in the user config dir.

A :class:`CalibrationProfile` holds what the calibration routine measured for one set-up:

* the gaze mapping (:class:`~presence_coach.vision.gaze_state.GazeCalibration`) derived from the
  user's own camera / screen / away looks, and the per-state statistics it came from;
* the voice baseline: room noise floor, speech level, pitch median and range, speech rate;
* the nod amplitude baseline and the framing / lighting / microphone findings.

The default profile (``calibration/laptop-default.toml`` at the top of the repository, with a
comment per threshold) is what uncalibrated sessions use. Calibrated profiles are written to
``$PRESENCE_COACH_CONFIG/profiles`` (else ``platformdirs.user_config_dir("presence-coach")``),
folder 0700, files 0600. A broken or old-version file never raises: :func:`load_profile`
returns None and reports one line, and callers fall back to the default profile.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import re
import sys
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from presence_coach.calibration.defaults import DEFAULT_PROFILE_PATH, default_profile_data
from presence_coach.config import CONFIG_ENV as CONFIG_ENV  # re-exported
from presence_coach.config import config_dir
from presence_coach.files import write_json_private
from presence_coach.vision.gaze_state import GazeCalibration
from presence_coach.voice import DEFAULT_VOICE, VoiceOptions

PROFILE_VERSION = 1  # bump when the JSON layout changes; older files are refused, not guessed
PRIVATE_DIR_MODE = 0o700
GAZE_STATES = ("camera", "screen", "away")  # the looks the routine records

# Voice options from a measured baseline (see CalibrationProfile.voice_options)
NOISE_FLOOR_MARGIN_DB = 10.0  # VAD noise floor may sink this far under the calibrated one
PITCH_SEARCH_BELOW_ST = 12.0  # F0 search reaches one octave under the user's median ...
PITCH_SEARCH_ABOVE_ST = 16.0  # ... and 16 semitones above it (raised, animated voice)
PITCH_SEARCH_LIMITS_HZ = (50.0, 600.0)  # never search outside this, whatever the median


class ProfileError(ValueError):
    """A profile file or mapping that cannot be used (message: one line, says what to do)."""


@dataclass(frozen=True)
class GazeStats:
    """Where one look (camera, screen or away) landed in gaze space during calibration."""

    h_deg: float  # mean gaze direction, degrees (default mapping; see vision.gaze_state)
    v_deg: float
    sd_h_deg: float  # standard deviation across the step's frames, degrees
    sd_v_deg: float
    yaw_deg: float  # mean head pose during the step, degrees
    pitch_deg: float
    n_frames: int  # frames with a face (eyes open) that went into the numbers

    def __post_init__(self) -> None:
        for name in ("h_deg", "v_deg", "sd_h_deg", "sd_v_deg", "yaw_deg", "pitch_deg"):
            if not math.isfinite(getattr(self, name)):
                raise ProfileError(f"gaze statistic {name} is not a finite number")
        if self.sd_h_deg < 0 or self.sd_v_deg < 0 or self.n_frames < 1:
            raise ProfileError("gaze statistics need non-negative spreads and at least one frame")


@dataclass(frozen=True)
class VoiceBaseline:
    """The user's voice and room, measured in steps 4 and 5 (None: not measured)."""

    noise_floor_dbfs: float | None = None  # median 25 ms frame level while silent
    speech_level_dbfs: float | None = None  # median level of the read sentence's speech
    pitch_median_hz: float | None = None  # median F0 of the read sentence
    pitch_range_st: float | None = None  # 5-95 % F0 range of the read sentence, semitones
    speech_rate_syl_per_s: float | None = None  # articulation rate of the read sentence

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value is not None and not (isinstance(value, int | float) and math.isfinite(value)):
                raise ProfileError(f"voice baseline {name}={value!r} is not a number")
        if self.pitch_median_hz is not None and not 30.0 <= self.pitch_median_hz <= 1000.0:
            raise ProfileError(f"pitch_median_hz={self.pitch_median_hz} is not a voice pitch")


@dataclass(frozen=True)
class Finding:
    """One check of the set-up; ``advice`` is one sentence, empty when all is well."""

    check: str  # face_size, face_centre, dark, backlit, camera_height, mic_quiet, clipping, noisy
    ok: bool
    value: float | None  # the measured number the check looked at (units in ``detail``)
    detail: str  # what was measured, e.g. "face 12% of the picture width"
    advice: str = ""  # what to do about it (empty when ok)


@dataclass(frozen=True)
class CalibrationProfile:
    """Everything calibration knows about one camera/microphone set-up."""

    camera: str  # camera index or name (part of the file name)
    mic: str  # microphone name or index (part of the file name)
    gaze: GazeCalibration  # the camera / screen / away mapping used by the gaze state
    kind: str = "calibrated"  # "calibrated" (measured) or "default" (the laptop guess)
    created: str = ""  # ISO date and time of the calibration, "" for the default
    version: int = PROFILE_VERSION
    gaze_stats: dict[str, GazeStats] = field(default_factory=dict)  # per look, measured
    voice: VoiceBaseline = VoiceBaseline()
    nod_amplitude_deg: float | None = None  # median peak-to-peak pitch of the user's nods
    findings: tuple[Finding, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("calibrated", "default"):
            raise ProfileError(f"profile kind {self.kind!r} must be 'calibrated' or 'default'")
        if self.version != PROFILE_VERSION:
            raise ProfileError(
                f"profile version {self.version} is not the supported version {PROFILE_VERSION}"
            )
        unknown = set(self.gaze_stats) - set(GAZE_STATES)
        if unknown:
            raise ProfileError(f"unknown gaze states in profile: {sorted(unknown)}")
        if self.gaze.calibrated != (self.kind == "calibrated"):
            object.__setattr__(self, "gaze", replace(self.gaze, calibrated=self.is_calibrated))

    @property
    def is_calibrated(self) -> bool:
        return self.kind == "calibrated"

    @property
    def date(self) -> str:
        """Calibration date (YYYY-MM-DD), "" for the default profile."""
        return self.created[:10]

    def gaze_calibration(self) -> GazeCalibration:
        """The mapping for :class:`~presence_coach.vision.detectors.FaceEventDetectors`."""
        return self.gaze

    def voice_options(self, base: VoiceOptions = DEFAULT_VOICE) -> VoiceOptions:
        """``base`` with thresholds set from the measured baseline where that helps.

        * the speech detector's noise floor is never assumed more than
          ``NOISE_FLOOR_MARGIN_DB`` under the calibrated room noise (no false speech in the
          first seconds while its tracker is still learning);
        * the pitch search range is centred on the user's own median (fewer octave errors).

        Speech-onset thresholds stay relative to the tracked floor: the room changes.
        """
        v = self.voice
        out = base
        if v.noise_floor_dbfs is not None:
            floor = max(base.vad.min_noise_dbfs, v.noise_floor_dbfs - NOISE_FLOOR_MARGIN_DB)
            out = replace(out, vad=replace(out.vad, min_noise_dbfs=round(floor, 1)))
        if v.pitch_median_hz is not None:
            lo, hi = PITCH_SEARCH_LIMITS_HZ
            f_min = max(lo, v.pitch_median_hz * 2 ** (-PITCH_SEARCH_BELOW_ST / 12))
            f_max = min(hi, v.pitch_median_hz * 2 ** (PITCH_SEARCH_ABOVE_ST / 12))
            out = replace(
                out, pitch=replace(out.pitch, f0_min_hz=round(f_min, 1), f0_max_hz=round(f_max, 1))
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "kind": self.kind,
            "created": self.created,
            "device": {"camera": self.camera, "mic": self.mic},
            "gaze": _gaze_dict(self.gaze),
            "gaze_stats": {k: asdict(v) for k, v in self.gaze_stats.items()},
            "voice": asdict(self.voice),
            "nod_amplitude_deg": self.nod_amplitude_deg,
            "findings": [asdict(f) for f in self.findings],
        }

    @classmethod
    def from_dict(cls, data: Any) -> CalibrationProfile:
        """Build from :meth:`to_dict` output; raises :class:`ProfileError` on anything odd."""
        if not isinstance(data, dict):
            raise ProfileError("profile is not a JSON object")
        version = data.get("version")
        if version != PROFILE_VERSION:
            raise ProfileError(
                f"profile version {version!r} is not the supported version {PROFILE_VERSION}"
            )
        try:
            device = data["device"]
            gaze = GazeCalibration.from_dict(
                {k: float(v) for k, v in data["gaze"].items() if k != "calibrated"}
            )
            nod = data.get("nod_amplitude_deg")
            return cls(
                camera=str(device["camera"]),
                mic=str(device["mic"]),
                gaze=gaze,
                kind=str(data.get("kind", "calibrated")),
                created=str(data.get("created", "")),
                version=int(version),
                gaze_stats={k: GazeStats(**v) for k, v in (data.get("gaze_stats") or {}).items()},
                voice=VoiceBaseline(**(data.get("voice") or {})),
                nod_amplitude_deg=None if nod is None else float(nod),
                findings=tuple(Finding(**f) for f in data.get("findings") or ()),
            )
        except ProfileError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProfileError(f"profile content is invalid ({type(exc).__name__}: {exc})") from exc


def _gaze_dict(gaze: GazeCalibration) -> dict[str, float]:
    return {k: v for k, v in asdict(gaze).items() if k != "calibrated"}


# ---- where profiles live ------------------------------------------------------------------


def profiles_dir() -> Path:
    return config_dir() / "profiles"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:40] or "device"


def profile_path(camera: str | int, mic: str | int) -> Path:
    """The file of the camera/mic pair: readable slugs plus a hash of the exact names."""
    cam, mic_s = str(camera), str(mic)
    digest = hashlib.sha256(f"{cam}\0{mic_s}".encode()).hexdigest()[:10]
    return profiles_dir() / f"{_slug(cam)}__{_slug(mic_s)}-{digest}.json"


def save_profile(profile: CalibrationProfile) -> Path:
    """Write ``profile`` for its camera/mic pair (folder 0700, file 0600, atomic)."""
    if not profile.is_calibrated:
        raise ProfileError("the default profile is not saved; run the calibration instead")
    folder = profiles_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    for p in (folder, folder.parent):
        if p.is_dir() and p.stat().st_uid == os.getuid():
            p.chmod(PRIVATE_DIR_MODE)
    path = profile_path(profile.camera, profile.mic)
    write_json_private(path, profile.to_dict())
    return path


def _stderr(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def read_profile(path: Path) -> CalibrationProfile:
    """Read one profile file; raises :class:`ProfileError` (one line) when unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"cannot read calibration profile {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileError(
            f"calibration profile {path} is not valid JSON (line {exc.lineno})"
        ) from exc
    try:
        return CalibrationProfile.from_dict(data)
    except ProfileError as exc:
        raise ProfileError(f"calibration profile {path}: {exc}") from exc


def load_profile(
    camera: str | int, mic: str | int, *, warn: Callable[[str], None] | None = _stderr
) -> CalibrationProfile | None:
    """The saved profile of this camera/mic pair; None when there is none or it is unusable.

    An unusable file (broken JSON, old version, bad values) is reported through ``warn`` as
    one line ending in what to do, and None is returned so the caller uses the default.
    """
    path = profile_path(camera, mic)
    if not path.exists():
        return None
    try:
        return read_profile(path)
    except ProfileError as exc:
        if warn is not None:
            warn(f"{exc}; using the default profile; run `presence-coach calibrate` again")
        return None


def default_profile() -> CalibrationProfile:
    """The default (uncalibrated) laptop webcam + microphone profile
    (``calibration/laptop-default.toml``, read once: :mod:`presence_coach.calibration.defaults`)."""
    try:
        data = default_profile_data()
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(
            f"default calibration profile {DEFAULT_PROFILE_PATH} cannot be read: {exc}"
        ) from exc
    return CalibrationProfile.from_dict(data)


def active_profile(
    camera: str | int, mic: str | int, *, warn: Callable[[str], None] | None = _stderr
) -> CalibrationProfile:
    """The profile a session should use: the saved one of the pair, else the default."""
    return load_profile(camera, mic, warn=warn) or default_profile()


def new_created() -> str:
    """Local date and time, to the second, for ``created``."""
    return dt.datetime.now().astimezone().replace(microsecond=0).isoformat()


def describe_profile(profile: CalibrationProfile) -> str:
    """Human-readable text for ``presence-coach calibrate --show``."""
    lines = []
    if profile.is_calibrated:
        lines.append(f"calibrated on {profile.date} (camera {profile.camera}, mic {profile.mic})")
    else:
        lines.append("uncalibrated: the default laptop webcam and microphone profile")
    g = profile.gaze
    lines.append(
        f"gaze: camera at ({g.camera_h_deg:+.1f}, {g.camera_v_deg:+.1f}) deg "
        f"+-{g.camera_radius_h_deg:.1f}/{g.camera_radius_v_deg:.1f}; "
        f"screen at ({g.screen_h_deg:+.1f}, {g.screen_v_deg:+.1f}) deg "
        f"+-{g.screen_radius_h_deg:.1f}/{g.screen_radius_v_deg:.1f}; elsewhere away"
    )
    for state, s in profile.gaze_stats.items():
        lines.append(
            f"  measured {state}: ({s.h_deg:+.1f}, {s.v_deg:+.1f}) deg, "
            f"spread {s.sd_h_deg:.1f}/{s.sd_v_deg:.1f}, head pitch {s.pitch_deg:+.1f}, "
            f"{s.n_frames} frames"
        )
    v = profile.voice

    def num(x: float | None, fmt: str, unit: str) -> str:
        return "not measured" if x is None else f"{x:{fmt}} {unit}"

    lines.append(
        f"voice: noise floor {num(v.noise_floor_dbfs, '.1f', 'dBFS')}, "
        f"speech level {num(v.speech_level_dbfs, '.1f', 'dBFS')}"
    )
    lines.append(
        f"  pitch median {num(v.pitch_median_hz, '.0f', 'Hz')}, "
        f"range {num(v.pitch_range_st, '.1f', 'semitones')}, "
        f"speech rate {num(v.speech_rate_syl_per_s, '.1f', 'syllables/s')}"
    )
    lines.append(f"nod amplitude: {num(profile.nod_amplitude_deg, '.1f', 'deg')}")
    for f in profile.findings:
        lines.append(f"check {f.check}: {'ok' if f.ok else 'PROBLEM'} ({f.detail})")
        if f.advice:
            lines.append(f"  {f.advice}")
    return "\n".join(lines)
