"""How much of the call audio reaches the microphone (laptop speakers), tracked slowly.

The call's sound leaves the speakers, crosses the room and reaches the mic ``delay`` later,
band-limited, with a reverberant tail and about 10-20 dB quieter. :class:`LeakTracker`
estimates the delay by GCC-PHAT cross-correlation of the mic with the call audio over
windows where the client speaks (the median of the last few confident windows), and a gain
per VAD band as a low quantile of (mic level - call level) over frames where the call band is
strong: frames where only the client speaks set the quantile, frames where you speak too are
above it. :func:`predict_leak_db` turns the call's band levels into the level each mic band
would have from the leak alone (with a decaying tail for reverberation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from presence_coach.errors import UsageError
from presence_coach.voice.frames import FRAME_RATE_HZ, SR


@dataclass(frozen=True)
class LeakOptions:
    """Settings of the leak model (defaults from bench/conversation.py, tuning split)."""

    max_delay_s: float = 0.3  # the leak may reach the mic up to this late (output buffers)
    xcorr_window_s: float = 1.0  # audio per delay estimate
    min_speech_share: float = 0.3  # ... used only when the client spoke this share of it
    min_peak: float = 0.05  # GCC-PHAT peak (0-1) under this: the window says nothing
    delay_votes: int = 5  # the delay is the median of this many last confident windows
    gain_quantile: float = 0.2  # low quantile of mic - call (dB) per band = the band's gain
    gain_history_s: float = 30.0  # strong-call frames kept per band for the quantile
    gain_every_s: float = 1.0  # the gains are recomputed this often
    strong_call_db: float = 12.0  # a call band this far above its floor teaches its gain
    default_gain_db: float = -6.0  # before any evidence: assume a loud leak (safe side)
    no_leak_after: int = 3  # this many windows of client speech without a peak: no leak
    tail_s: float = 0.15  # reverberant tail added to the prediction
    tail_decay_db_per_s: float = 200.0  # ... decaying this fast (RT60 about 0.3 s)
    margin_db: float = 6.0  # a mic band counts as yours only this far above the leak
    spread_s: float = 0.05  # live clocks wobble: the leak may come this much earlier too

    def validate(self) -> LeakOptions:
        """Return self, or raise UsageError naming the bad field."""
        for name in ("max_delay_s", "xcorr_window_s", "gain_history_s", "gain_every_s"):
            if getattr(self, name) <= 0:
                raise UsageError(f"leak option {name} must be > 0")
        if not 0.0 < self.gain_quantile < 1.0:
            raise UsageError("leak option gain_quantile must be between 0 and 1")
        return self


DEFAULT_LEAK = LeakOptions()


def gcc_phat_delay(mic: np.ndarray, call: np.ndarray, max_lag: int) -> tuple[int, float]:
    """Lag (samples) at which ``call`` best explains ``mic``, and the PHAT peak (0-1).

    Args:
        mic: (W,) float samples.
        call: (W + max_lag,) float samples; ``call[max_lag:]`` is simultaneous with ``mic``.
        max_lag: largest lag searched (samples).

    Returns:
        (lag, peak): mic[t] ~ g * call_time[t - lag], 0 <= lag <= max_lag.
    """
    n = 1 << int(np.ceil(np.log2(len(mic) + len(call))))
    fm = np.fft.rfft(mic, n)
    fc = np.fft.rfft(call, n)
    cross = np.conj(fm) * fc
    freqs = np.fft.rfftfreq(n, 1.0 / SR)
    cross[(freqs < 200) | (freqs > 4000)] = 0.0  # speech band only: hum and hiss say nothing
    mag = np.abs(cross)
    cross = np.where(mag > 1e-12, cross / np.maximum(mag, 1e-12), 0.0)
    corr = np.fft.irfft(cross, n)[: max_lag + 1]  # corr[s] = sum mic[j] call[j + s]
    band = np.count_nonzero((freqs >= 200) & (freqs <= 4000))
    s = int(np.argmax(corr))
    peak = float(corr[s] * n / max(band, 1) / 2)
    return max_lag - s, peak


def predict_leak_db(
    call_db: np.ndarray,
    delay_frames: int,
    gain_db: np.ndarray,
    options: LeakOptions,
    *,
    spread_frames: int | None = None,
) -> np.ndarray:
    """Level each mic band would have from the leak alone, for the last frames of a history.

    The prediction for mic frame i is the max over the call frames ``i - delay - tail`` ..
    ``i - delay + spread`` (never after i), each ``tail_decay_db_per_s`` quieter per frame
    it lies before ``i - delay`` (reverberation), plus the band gain.

    Args:
        call_db: (h, k) call band levels (dB), oldest first; h > delay + tail frames.
        delay_frames: the leak's delay in frames.
        gain_db: (k,) band gains.
        options: tail, spread and decay.
        spread_frames: overrides ``options.spread_s`` (e.g. all of it before the delay is known).

    Returns:
        (h - delay_frames - tail, k): prediction for frames ``delay + tail`` .. ``h - 1``.
    """
    tail = round(options.tail_s * FRAME_RATE_HZ)
    spread = round(options.spread_s * FRAME_RATE_HZ) if spread_frames is None else spread_frames
    step = options.tail_decay_db_per_s / FRAME_RATE_HZ
    h = len(call_db)
    n = h - delay_frames - tail
    out = np.full((max(n, 0), call_db.shape[1]), -np.inf)
    for k in range(-min(spread, delay_frames), tail + 1):
        src = call_db[tail - k : tail - k + n]  # k frames before the delayed frame
        out = np.maximum(out, src - max(k, 0) * step)
    return out + gain_db


class LeakTracker:
    """Streaming delay and band-gain estimates (see the module docstring)."""

    def __init__(self, n_bands: int, options: LeakOptions = DEFAULT_LEAK) -> None:
        self.options = options.validate()
        self.n_bands = n_bands
        self.max_lag = round(options.max_delay_s * SR)
        self.reset()

    def reset(self) -> None:
        self.delays: list[int] = []  # confident window estimates (samples)
        self.peaks: list[float] = []
        self.delay_samples: int | None = None
        self.tried = 0  # windows with client speech
        self.no_leak = False  # so far no window found the call in the mic
        self.gain_db = np.full(self.n_bands, self.options.default_gain_db)
        self._diffs: list[np.ndarray] = []  # (k,) per strong frame, NaN where not strong
        self._frames_since_gain = 0

    @property
    def delay_frames(self) -> int:
        d = self.delay_samples if self.delay_samples is not None else 0
        return round(d * FRAME_RATE_HZ / SR)

    def window(self, mic: np.ndarray, call: np.ndarray, speech_share: float) -> None:
        """One correlation window (see :func:`gcc_phat_delay` for the shapes)."""
        o = self.options
        if speech_share < o.min_speech_share:
            return
        lag, peak = gcc_phat_delay(mic, call, self.max_lag)
        self.tried += 1
        if peak < o.min_peak:
            # headphones: the client spoke but nothing of it reached the mic
            self.no_leak = self.delay_samples is None and self.tried >= o.no_leak_after
            return
        self.no_leak = False
        self.delays = [*self.delays, lag][-o.delay_votes :]
        self.peaks = [*self.peaks, peak][-o.delay_votes :]
        old = self.delay_frames
        self.delay_samples = int(np.median(self.delays))
        if self.delay_frames != old:  # gains learned at another delay compared wrong frames
            self._diffs = []
            self.gain_db = np.full(self.n_bands, o.default_gain_db)

    def frame(self, mic_db: np.ndarray, call_db: np.ndarray, strong: np.ndarray) -> None:
        """Learn from one frame: mic bands (k,), delayed call bands (k,), strong mask (k,)."""
        o = self.options
        if strong.any():
            self._diffs.append(np.where(strong, mic_db - call_db, np.nan))
            keep = round(o.gain_history_s * FRAME_RATE_HZ)
            if len(self._diffs) > keep:
                del self._diffs[: len(self._diffs) - keep]
        self._frames_since_gain += 1
        if self._frames_since_gain >= round(o.gain_every_s * FRAME_RATE_HZ) and self._diffs:
            self._frames_since_gain = 0
            d = np.asarray(self._diffs)
            enough = np.sum(~np.isnan(d), axis=0) >= 20
            q = np.nanquantile(np.where(enough, d, 0.0), o.gain_quantile, axis=0)
            self.gain_db = np.where(enough, q, self.gain_db)


class LeakLog:
    """The leak level each mic frame had to exceed, handed from the conversation analysis to
    the mic's voice analysis, so that both count the same frames as yours.

    ``put(times (n,), leak_db (n, k))`` as the conversation judges frames; ``take(times)``
    returns (n, k) for the voice analysis' frames of the same centre times (-inf where a
    frame was never judged: it is then the mic's alone) and forgets everything up to them.
    """

    def __init__(self) -> None:
        self._rows: dict[int, np.ndarray] = {}  # frame centre time in ms -> (k,) dB

    def put(self, times: np.ndarray, leak_db: np.ndarray) -> None:
        keys = np.rint(np.asarray(times) * 1000).astype(np.int64).tolist()
        for k, row in zip(keys, leak_db, strict=True):
            self._rows[k] = row

    def take(self, times: np.ndarray, n_bands: int) -> np.ndarray:
        keys = np.rint(np.asarray(times) * 1000).astype(np.int64)
        out = np.full((len(keys), n_bands), -np.inf)
        for i, k in enumerate(keys.tolist()):
            row = self._rows.pop(k, None)
            if row is not None:
                out[i] = row
        if len(keys):
            for k in [k for k in self._rows if k < keys[-1]]:
                del self._rows[k]  # frames the voice analysis will never ask for
        return out
