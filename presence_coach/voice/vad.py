"""Speech/non-speech segmentation with an adaptive noise floor (streaming).

Per 10 ms frame, the power spectrum is summed into mel-spaced bands (100 Hz - 4 kHz). A
minimum-statistics tracker (Martin 2001, simplified) follows each band's noise floor: the
minimum of the smoothed band level over the last ``noise_window_s``, so it falls at once
when the room gets quieter and rises within a few seconds when it gets louder. The frame's
speech score is the mean over bands of its level above that floor (dB, clipped to
[0, ``snr_cap_db``]). A frame run whose score crosses ``on_db`` starts speech (back-dated to
where the score first rose above ``off_db``); speech ends once the score has stayed under
``off_db`` for ``hangover_s``, at the last frame above it. The hangover keeps words of one
phrase together; it is also the delay before a pause is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.fft as sfft

from presence_coach.events import Event
from presence_coach.voice.frames import FRAME_LEN, FRAME_RATE_HZ, HOP, SR
from presence_coach.voice.prosody import DBFS_FLOOR


@dataclass(frozen=True)
class VadOptions:
    """Settings of the speech detector (defaults tuned on the signal, see bench/voice.py)."""

    on_db: float = 6.0  # mean band level above the noise floor that starts speech (dB)
    off_db: float = 4.0  # ... under which speech may end (hysteresis, dB)
    snr_cap_db: float = 30.0  # band SNRs are clipped here so one loud band cannot dominate
    onset_frames: int = 3  # consecutive frames above on_db needed to start speech (10 ms each)
    hangover_s: float = 0.15  # score under off_db this long ends speech (bridges word gaps)
    noise_window_s: float = 3.0  # minimum-statistics window of the noise floor tracker
    noise_smooth: float = 0.7  # first-order smoothing of band levels fed to the tracker
    noise_bias_db: float = 1.5  # the minimum underestimates the mean noise level by about this
    min_noise_dbfs: float = -100.0  # noise floor never assumed below this
    digital_silence_dbfs: float = -90.0  # quieter frames (muted input) do not teach the floor
    band_min_hz: float = 100.0  # lowest band edge (below: hum and handling noise)
    band_max_hz: float = 4000.0  # highest band edge (telephone and laptop mics carry less)
    n_bands: int = 16  # mel-spaced bands between the two edges


DEFAULT_VAD = VadOptions()

_STRADDLE_FRAMES = FRAME_LEN // HOP  # frames that overlap a given sample
N_FFT = 512  # samples of the frame centre used for the band spectrum (32 ms)


def _mel(f: np.ndarray | float) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def _band_matrix(options: VadOptions) -> np.ndarray:
    edges_mel = np.linspace(
        _mel(options.band_min_hz), _mel(options.band_max_hz), options.n_bands + 1
    )
    edges = 700.0 * (10 ** (edges_mel / 2595.0) - 1.0)
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / SR)
    m = np.zeros((len(freqs), options.n_bands))
    for b in range(options.n_bands):
        sel = (freqs >= edges[b]) & (freqs < edges[b + 1])
        if not sel.any():  # a band narrower than one bin takes the nearest bin
            sel = np.abs(freqs - 0.5 * (edges[b] + edges[b + 1])) == np.min(
                np.abs(freqs - 0.5 * (edges[b] + edges[b + 1]))
            )
        m[sel, b] = 1.0 / sel.sum()
    return m


_BANDS_CACHE: dict[VadOptions, np.ndarray] = {}
_WINDOW = np.hanning(N_FFT).astype(np.float32)
_WINDOW_POWER = float(np.sum(_WINDOW**2))


def band_levels_db(frames: np.ndarray, *, options: VadOptions = DEFAULT_VAD) -> np.ndarray:
    """Mean power per mel band of each frame centre, in dBFS.

    Args:
        frames: (n, L) float samples at 16 kHz, L >= 512.
        options: band layout.

    Returns:
        (n, n_bands) float64 levels in dB (a full-scale sine in band gives about -3 dB).
    """
    frames = np.atleast_2d(frames)
    if options not in _BANDS_CACHE:
        _BANDS_CACHE[options] = _band_matrix(options)
    c = frames.shape[1] // 2
    seg = frames[:, c - N_FFT // 2 : c + N_FFT // 2] * _WINDOW
    spec = sfft.rfft(seg.astype(np.float32, copy=False), axis=1)
    power = (spec.real**2 + spec.imag**2) * (2.0 / (_WINDOW_POWER * N_FFT))
    band = power @ _BANDS_CACHE[options] * N_FFT / 2
    return np.maximum(10.0 * np.log10(band + 1e-30), DBFS_FLOOR)


class NoiseFloor:
    """Streaming minimum-statistics noise floor of k level tracks (dB), e.g. bands.

    ``update(levels)`` takes (n, k) levels and returns the floor before each frame, (n, k),
    so a frame is always judged against the noise seen before it. The last column is the
    broadband level: frames under ``digital_silence_dbfs`` there are skipped, so a muted
    input does not drag the floor down to nothing.
    """

    def __init__(self, k: int, *, options: VadOptions = DEFAULT_VAD) -> None:
        self.k = k
        self.options = options
        frames = max(4, round(options.noise_window_s * FRAME_RATE_HZ))
        self.n_sub = 4  # sub-windows of the minimum search (Martin's U)
        self.sub_len = max(1, frames // self.n_sub)  # frames per sub-window (Martin's V)
        self.reset()

    def reset(self) -> None:
        self._smooth: np.ndarray | None = None
        self._sub_mins: list[np.ndarray] = []
        self._cur_min = np.full(self.k, np.inf)
        self._cur_n = 0
        self._floor = np.full(self.k, np.nan)
        self._since_silent = _STRADDLE_FRAMES + 1  # frames since the last digitally silent one

    @property
    def floor(self) -> np.ndarray:
        """Current floor estimate (k,), NaN before the first frame."""
        return self._floor

    def update(self, levels: np.ndarray) -> np.ndarray:
        levels = np.atleast_2d(levels)
        out = np.empty_like(levels, dtype=np.float64)
        a = self.options.noise_smooth
        lo = self.options.min_noise_dbfs
        bias = self.options.noise_bias_db
        silent = levels[:, -1] < self.options.digital_silence_dbfs
        for i, x in enumerate(levels):
            # a muted or not yet running input is not the room's noise, nor are the frames
            # that straddle its end (partly zeros)
            self._since_silent = 0 if silent[i] else self._since_silent + 1
            if self._since_silent <= _STRADDLE_FRAMES:
                out[i] = x if np.isnan(self._floor[0]) else self._floor
                continue
            self._smooth = x.copy() if self._smooth is None else a * self._smooth + (1 - a) * x
            if np.isnan(self._floor[0]):
                self._floor = np.maximum(self._smooth, lo)
            out[i] = self._floor
            self._cur_min = np.minimum(self._cur_min, self._smooth)
            self._cur_n += 1
            if self._cur_n >= self.sub_len:
                self._sub_mins.append(self._cur_min)
                if len(self._sub_mins) > self.n_sub:
                    self._sub_mins.pop(0)
                self._cur_min = np.full(self.k, np.inf)
                self._cur_n = 0
            m = self._cur_min
            for s in self._sub_mins:
                m = np.minimum(m, s)
            self._floor = np.maximum(m + bias, lo)
        return out


def _boundary(kind: Literal["start", "end"], t: float, t_known: float) -> Event:
    """Speech started or ended at ``t`` (session s), decided at the frame of ``t_known``
    (>= t): an :class:`~presence_coach.events.Event` of type ``start`` / ``end`` with
    ``start == end == t``."""
    return Event(kind, t, t, t_known=t_known)


class SpeechDetector:
    """Streaming speech/non-speech detector over frames (silero ``VADIterator`` style).

    ``update(frames, t)`` takes a block of frames from :class:`Framer` (shape (n, L)) and
    their centre times (n,), and returns the start/end events decided in this block.
    Per-frame results of the last block are kept in ``last_score`` / ``last_speech`` /
    ``last_noise_db`` / ``last_level_db``.
    """

    def __init__(self, options: VadOptions = DEFAULT_VAD) -> None:
        self.options = options
        self.noise = NoiseFloor(options.n_bands + 1, options=options)
        self.reset()

    def reset(self) -> None:
        """Back to silence with no noise estimate."""
        self.noise.reset()
        self.speaking = False
        self._run_start: float | None = None  # time where the current above-off run began
        self._on_count = 0
        self._last_active = 0.0
        self.last_score = np.zeros(0)
        self.last_speech = np.zeros(0, bool)
        self.last_noise_db = np.zeros(0)  # broadband (rms) noise floor per frame, dBFS
        self.last_level_db = np.zeros(0)

    def update(
        self,
        frames: np.ndarray,
        t: np.ndarray,
        *,
        level_db: np.ndarray | None = None,
        leak_db: np.ndarray | None = None,
    ) -> list[Event]:
        """Process frames (n, L) with centre times t (n,); ``level_db`` may pass rms dBFS,
        ``leak_db`` (n, n_bands) the call's leak (see :meth:`update_levels`)."""
        o = self.options
        if len(frames) == 0:
            self.last_score = np.zeros(0)
            self.last_speech = np.zeros(0, bool)
            return []
        bands = band_levels_db(frames, options=o)
        if level_db is None:
            from presence_coach.voice.prosody import rms_dbfs

            level_db = rms_dbfs(frames)
        levels = np.concatenate([bands, level_db[:, None]], axis=1)
        return self.update_levels(levels, t, leak_db=leak_db)

    def update_levels(
        self, levels: np.ndarray, t: np.ndarray, *, leak_db: np.ndarray | None = None
    ) -> list[Event]:
        """Process band levels (n, n_bands + 1: bands then rms, dBFS) at times t (n,).

        ``leak_db`` (n, n_bands) is a level each band must exceed besides the noise floor
        (the call audio's predicted leak into the mic, see voice/conversation.py).
        """
        o = self.options
        if len(levels) == 0:
            self.last_score = np.zeros(0)
            self.last_speech = np.zeros(0, bool)
            return []
        level_db = levels[:, -1]
        floor = self.noise.update(levels)
        ref = floor[:, :-1] if leak_db is None else np.maximum(floor[:, :-1], leak_db)
        snr = np.clip(levels[:, :-1] - ref, 0.0, o.snr_cap_db)
        score = snr.mean(axis=1)
        self.last_score = score
        self.last_noise_db = floor[:, -1]
        self.last_floor_db = floor  # (n, n_bands + 1) floor before each frame
        self.last_level_db = level_db
        half = 0.5 / FRAME_RATE_HZ
        events: list[Event] = []
        speech = np.zeros(len(score), bool)
        for i, s in enumerate(score):
            ti = float(t[i])
            if not self.speaking:
                if s > o.off_db:
                    if self._run_start is None:
                        self._run_start = ti - half
                    if s > o.on_db:
                        self._on_count += 1
                        if self._on_count >= o.onset_frames:
                            self.speaking = True
                            self._last_active = ti
                            events.append(_boundary("start", self._run_start, ti))
                    else:
                        self._on_count = 0
                else:
                    self._run_start = None
                    self._on_count = 0
            else:
                if s > o.off_db:
                    self._last_active = ti
                elif ti - self._last_active >= o.hangover_s:
                    self.speaking = False
                    self._run_start = None
                    self._on_count = 0
                    events.append(_boundary("end", self._last_active + half, ti))
            speech[i] = self.speaking
        self.last_speech = speech
        return events

    def flush(self, t_end: float) -> list[Event]:
        """End of stream: close open speech at its last active frame (or ``t_end``)."""
        if not self.speaking:
            return []
        self.speaking = False
        end = min(self._last_active + 0.5 / FRAME_RATE_HZ, t_end)
        return [_boundary("end", end, t_end)]


def detect_speech(
    samples: np.ndarray, *, t0: float = 0.0, options: VadOptions = DEFAULT_VAD
) -> list[tuple[float, float]]:
    """Speech segments (start_s, end_s) of a whole 16 kHz mono signal (n,), streaming code."""
    from presence_coach.voice.frames import Framer

    framer = Framer()
    det = SpeechDetector(options)
    frames, times = framer.push(np.asarray(samples, np.float32), t0)
    events = det.update(frames, times)
    t_end = t0 + len(samples) / SR
    events += det.flush(t_end)
    segs: list[tuple[float, float]] = []
    start = None
    for e in events:
        if e.type == "start":
            start = e.start
        elif start is not None:
            segs.append((start, e.start))
            start = None
    return segs


assert FRAME_LEN >= N_FFT and HOP > 0
