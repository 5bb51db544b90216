"""Prosody: loudness (dBFS) and pitch (F0) per frame, and their session statistics.

Pure functions over frame matrices from :class:`~presence_coach.voice.frames.Framer`
(shape (n, FRAME_LEN), float32, 16 kHz). Pitch is YIN (de Cheveigné & Kawahara 2002): the
cumulative-mean-normalised difference function, first dip under a threshold, parabolic
refinement; computed for all frames of a block at once with FFTs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft as sfft

from presence_coach.voice.frames import FRAME_LEN, SR

DBFS_FLOOR = -120.0  # loudness of digital silence (dBFS); keeps logs finite


@dataclass(frozen=True)
class PitchOptions:
    """Settings of the YIN pitch tracker."""

    f0_min_hz: float = 60.0  # lowest F0 searched (deep male voice); sets the lag range
    f0_max_hz: float = 500.0  # highest F0 searched (high female/child voice)
    window_len: int = 480  # samples summed per lag in the difference function (30 ms)
    yin_threshold: float = 0.10  # first CMNDF dip under this is the period (YIN paper: 0.1)
    voicing_max: float = 0.20  # CMNDF at the chosen lag above this: frame is unvoiced
    min_level_db: float = 10.0  # frame must be this far above the noise floor to be voiced


DEFAULT_PITCH = PitchOptions()

MONOTONE_RANGE_ST = 4.0  # 5-95 % F0 range under this many semitones counts as monotone
MONOTONE_SD_ST = 1.5  # ... or F0 standard deviation under this many semitones


def rms_dbfs(frames: np.ndarray, *, length: int = 400) -> np.ndarray:
    """RMS level of the central ``length`` samples of each frame, in dBFS.

    Args:
        frames: (n, L) float samples, full scale = 1.0.
        length: samples around the frame centre to average (400 = 25 ms at 16 kHz).

    Returns:
        (n,) float64 dBFS (0 dB = a full-scale square wave), floored at ``DBFS_FLOOR``.
    """
    frames = np.atleast_2d(frames)
    c = frames.shape[1] // 2
    seg = frames[:, c - length // 2 : c + length // 2].astype(np.float64)
    power = np.mean(seg * seg, axis=1)
    return np.maximum(10.0 * np.log10(power + 1e-30), DBFS_FLOOR)


_TAUS = np.arange(4096, dtype=np.float64)  # lag values, shared by every call


def _fft_len(n: int) -> int:
    return 1 << int(np.ceil(np.log2(n)))


def yin_f0(
    frames: np.ndarray, *, sr: int = SR, options: PitchOptions = DEFAULT_PITCH
) -> tuple[np.ndarray, np.ndarray]:
    """F0 of each frame by YIN.

    Args:
        frames: (n, L) float samples with L >= window_len + sr / f0_min_hz.
        sr: sample rate in Hz.
        options: lag range and thresholds.

    Returns:
        f0_hz: (n,) F0 in Hz of every frame, voiced or not: the first CMNDF dip under the
            threshold, else the deepest dip, refined by parabolic interpolation.
        aperiodicity: (n,) CMNDF at that lag, 0 = perfectly periodic, ~1 = noise.
    """
    frames = np.atleast_2d(np.asarray(frames, dtype=np.float64))
    n = frames.shape[0]
    w = options.window_len
    tau_max = int(np.ceil(sr / options.f0_min_hz))
    tau_min = max(2, int(np.floor(sr / options.f0_max_hz)))
    span = w + tau_max + 2
    if frames.shape[1] < span:
        raise ValueError(f"frames of {frames.shape[1]} samples are too short for YIN ({span})")
    if n == 0:
        return np.zeros(0), np.ones(0)
    start = (frames.shape[1] - span) // 2
    x = frames[:, start : start + span]
    x = x - x.mean(axis=1, keepdims=True)
    # j + tau < span for every term, so a circular correlation of length >= span is exact
    nfft = _fft_len(span)
    xf = x.astype(np.float32)
    a = sfft.rfft(xf[:, :w], nfft, axis=1)
    b = sfft.rfft(xf, nfft, axis=1)
    cross = sfft.irfft(np.conj(a) * b, nfft, axis=1)[:, : tau_max + 2].astype(np.float64)
    cs = np.zeros((n, span + 1))
    np.cumsum(x * x, axis=1, out=cs[:, 1:])
    m = tau_max + 2
    d = cs[:, w : w + 1] + (cs[:, w : w + m] - cs[:, :m]) - 2.0 * cross
    np.maximum(d, 0.0, out=d)
    d[:, 0] = 0.0
    cum = np.cumsum(d[:, 1:], axis=1)
    cmndf = np.ones_like(d)
    cmndf[:, 1:] = d[:, 1:] * _TAUS[1:m] / np.maximum(cum, 1e-20)
    # local minima under the threshold inside the lag range; the first one is the period
    c = cmndf[:, tau_min - 1 : tau_max + 1]
    mid = c[:, 1:-1]
    is_min = (mid <= c[:, :-2]) & (mid <= c[:, 2:]) & (mid < options.yin_threshold)
    has = is_min.any(axis=1)
    tau = np.where(has, np.argmax(is_min, axis=1), np.argmin(mid, axis=1)) + tau_min
    rows = np.arange(n)
    y0 = cmndf[rows, tau - 1]
    y1 = cmndf[rows, tau]
    y2 = cmndf[rows, tau + 1]
    denom = y0 - 2.0 * y1 + y2
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where(np.abs(denom) > 1e-12, 0.5 * (y0 - y2) / denom, 0.0)
    return sr / (tau + np.clip(shift, -1.0, 1.0)), y1


def voiced_f0(
    f0_hz: np.ndarray,
    aperiodicity: np.ndarray,
    level_db: np.ndarray,
    noise_db: np.ndarray | float,
    *,
    options: PitchOptions = DEFAULT_PITCH,
) -> np.ndarray:
    """F0 in Hz where the frame is voiced, NaN elsewhere, shape (n,).

    Voiced = periodic enough (aperiodicity <= voicing_max), the frame is
    ``min_level_db`` above the noise floor, and F0 is inside the searched range.

    Args:
        f0_hz, aperiodicity: (n,) from :func:`yin_f0`.
        level_db: (n,) frame level in dBFS; noise_db: (n,) or scalar noise floor in dBFS.
    """
    f0 = f0_hz
    ok = (
        (aperiodicity <= options.voicing_max)
        & (level_db >= noise_db + options.min_level_db)
        & (f0 >= options.f0_min_hz)
        & (f0 <= options.f0_max_hz)
    )
    return np.where(ok, f0, np.nan)


def hz_to_semitones(f_hz: np.ndarray | float, *, ref_hz: float) -> np.ndarray:
    """Semitones of ``f_hz`` above ``ref_hz`` (12 per octave)."""
    return 12.0 * np.log2(np.asarray(f_hz, dtype=np.float64) / ref_hz)


assert DEFAULT_PITCH.window_len + SR / DEFAULT_PITCH.f0_min_hz + 1 <= FRAME_LEN
