"""Live capture from a microphone as mono 16 kHz blocks on the session clock.

The PortAudio callback only copies samples into a bounded ring buffer and notes when they
arrived (the capture clock, see :class:`MicrophoneSource`). Everything else (down-mixing,
resampling, cutting blocks) happens in the reading thread. When the reader falls behind by
more than the ring holds, the oldest samples are dropped and counted in ``overflows`` /
``dropped_s``. The ``read`` contract is :class:`~presence_coach.sources.base.AudioSource`'s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import soxr

from presence_coach.clock import SessionClock
from presence_coach.errors import SourceError
from presence_coach.sources import devices
from presence_coach.sources.arrival_clock import ArrivalClock
from presence_coach.sources.base import (
    ANALYSIS_RATE_HZ,
    DEFAULT_BLOCK_S,
    RESAMPLE_QUALITY,
    AudioBlock,
    Blocker,
    block_samples,
)
from presence_coach.sources.devices import load_sounddevice, resolve_input_device

BLOCK_BACK_S = 0.0005  # a block may start at most this much before the last one ended
DEFAULT_RING_S = 4.0  # live capture: seconds of audio the ring buffer holds before dropping
DEVICE_RATES_HZ = (48_000, 44_100, 32_000, 16_000, 22_050, 96_000)  # tried after the default


def block_start(captured_t: float, last_end_t: float | None) -> float:
    """Session time a block starts: its capture time, but never more than ``BLOCK_BACK_S``
    before the previous block ended (time goes forward; a slow drift of the device clock
    against the monotonic clock is still followed)."""
    return captured_t if last_end_t is None else max(captured_t, last_end_t - BLOCK_BACK_S)


class MicrophoneSource:
    """Live capture from an input device as mono 16 kHz :class:`AudioBlock` objects.

    The device is opened at its own rate (its default, else the first of
    ``DEVICE_RATES_HZ`` that it accepts) and resampled to 16 kHz in the reading thread.
    Block times are the capture times on ``clock``, from when the callbacks arrived: the
    least delayed of the last seconds (``ArrivalClock``, as for the call's audio). A callback
    can only arrive after its samples were captured. PortAudio's ADC times are not used:
    ALSA's pulse plugin reported them 17-116 ms early (once 670 ms) for a stream's first
    callbacks on the PulseAudio stand-in, and a first word stamped then was off against the
    rest of the session.

    Usage::

        with MicrophoneSource("pulse", clock=clock) as mic:
            while (block := mic.read()) is not None:
                ...

    Raises:
        NoDeviceError: no such device / no microphone at all.
        SourceError: the device refuses every sample rate, or fails while opening.
    """

    def __init__(
        self,
        device: int | str | None = None,
        *,
        clock: SessionClock | None = None,
        block_s: float = DEFAULT_BLOCK_S,
        ring_s: float = DEFAULT_RING_S,
        device_rate_hz: float | None = None,
    ) -> None:
        self.device = resolve_input_device(device)
        self.clock = clock or SessionClock()
        self.block_len = block_samples(block_s)
        self.device_rate_hz = self._choose_rate(device_rate_hz)
        self.channels = 1
        cap = max(int(ring_s * self.device_rate_hz), 4 * self.block_len)
        self._ring = np.zeros((cap, self.channels), dtype=np.float32)
        self._cap = cap
        self._written = 0  # device frames written by the callback (only it writes this)
        self._read = 0  # device frames consumed by the reader (only it writes this)
        self._capture = ArrivalClock(self.device_rate_hz)  # updated by the callback only
        self._ring_overruns = 0  # callbacks that overwrote unread samples
        self._pa_overflows = 0  # callbacks whose status said PortAudio itself overflowed
        self._dropped_frames = 0  # device frames lost to ring overruns
        self._data = threading.Event()
        self._resampler = self._new_resampler()
        self._out_n = 0  # 16 kHz samples produced since the stream (re)anchored
        self._out_base_in = 0  # device frame index that output sample 0 corresponds to
        self._blocker = Blocker(self.block_len)
        self._next_t: float | None = None  # where the next block starts if audio is contiguous
        self._stream: Any = None
        self._stopped = False
        self._started = False

    # -- set-up ---------------------------------------------------------------------
    def _choose_rate(self, wanted: float | None) -> float:
        sd = load_sounddevice()
        tried: list[float] = []
        candidates = [wanted] if wanted else [self.device.default_rate_hz, *DEVICE_RATES_HZ]
        for rate in candidates:
            if rate in tried or not rate:
                continue
            tried.append(rate)
            try:
                sd.check_input_settings(
                    device=self.device.index, channels=1, samplerate=rate, dtype="float32"
                )
                return float(rate)
            except Exception:
                continue
        rates = ", ".join(f"{r:g}" for r in tried)
        raise SourceError(
            f"input device {self.device.name!r} accepts none of the sample rates {rates} Hz; "
            "choose another device"
        )

    def _new_resampler(self) -> Any:
        if self.device_rate_hz == ANALYSIS_RATE_HZ:
            return None
        return soxr.ResampleStream(
            self.device_rate_hz, ANALYSIS_RATE_HZ, 1, "float32", RESAMPLE_QUALITY
        )

    def start(self) -> MicrophoneSource:
        """Open the device and start capturing (idempotent)."""
        if self._started:
            return self
        sd = load_sounddevice()
        try:
            self._stream = sd.InputStream(
                device=self.device.index,
                channels=self.channels,
                samplerate=self.device_rate_hz,
                dtype="float32",
                # one callback per analysis block: with blocksize=0 some host APIs (ALSA's
                # pulse plugin) call back every few milliseconds, which costs far more CPU in
                # the Python callback than the analysis itself
                blocksize=round(self.device_rate_hz * self.block_len / ANALYSIS_RATE_HZ),
                latency="low",
                callback=self._callback,
            )
            self._stream.start()
            devices.open_streams += 1
        except Exception as exc:
            self._stream = None
            raise SourceError(
                f"cannot open input device {self.device.name!r}: {exc}; "
                "check that it is connected and not in use"
            ) from None
        self._started = True
        return self

    # -- the PortAudio callback: copy only ---------------------------------------------
    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        now = time.monotonic()
        if status.input_overflow:
            self._pa_overflows += 1
        w = self._written
        cap = self._cap
        if w + frames - self._read > cap:
            self._ring_overruns += 1
        i = w % cap
        first = min(frames, cap - i)
        self._ring[i : i + first] = indata[:first]
        if first < frames:
            self._ring[: frames - first] = indata[first:]
        # the block's first frame was captured a block's length before its last arrived
        self._capture.update(w, now - frames / self.device_rate_hz)
        self._written = w + frames
        self._data.set()

    # -- reading ------------------------------------------------------------------
    def _time_of_frame(self, n: int) -> float:
        return self.clock.to_session(self._capture.time_of(n))

    def read(self, timeout_s: float = 2.0) -> AudioBlock | None:
        """The next block, or ``None`` once stopped.

        Raises:
            SourceError: no audio arrived for ``timeout_s`` (device lost or stalled).
        """
        if not self._started:
            self.start()
        deadline = time.monotonic() + timeout_s
        while not self._stopped:
            block = self._blocker.pop()
            if block is not None:
                m = self._out_n - self._blocker._n_pending - len(block)
                n_in = self._out_base_in + m * self.device_rate_hz / ANALYSIS_RATE_HZ
                t = block_start(self._time_of_frame(round(n_in)), self._next_t)
                self._next_t = t + len(block) / ANALYSIS_RATE_HZ
                return AudioBlock(t, block)
            if not self._pull():
                self._data.clear()
                if self._pull():
                    continue
                if time.monotonic() > deadline:
                    raise SourceError(
                        f"input device {self.device.name!r} delivered no audio for "
                        f"{timeout_s:g} s; check that it is still connected"
                    )
                self._data.wait(0.05)
        return None

    def _pull(self) -> bool:
        """Move captured frames from the ring into the resampler; False if none were new."""
        w = self._written
        r = self._read
        if w == r:
            return False
        if w - r > self._cap:  # the callback overwrote frames we had not read yet
            lost = w - r - self._cap + self._cap // 4
            self._dropped_frames += lost
            r += lost
            self._restart_resampler(r)
        cap = self._cap
        i, j = r % cap, w % cap
        chunk = (
            self._ring[i : i + (w - r)].copy()
            if i < j or w - r < cap - i
            else np.concatenate([self._ring[i:], self._ring[:j]])
        )
        if self._written - r > cap:  # overwritten while we copied: drop it too
            self._read = r
            return True
        self._read = w
        mono = chunk[:, 0] if chunk.shape[1] == 1 else chunk.mean(axis=1)
        out = mono if self._resampler is None else self._resampler.resample_chunk(mono)
        self._out_n += len(out)
        self._blocker.push(out)
        return True

    def _restart_resampler(self, n_in: int) -> None:
        self._resampler = self._new_resampler()
        self._blocker.clear()
        self._out_base_in = n_in
        self._out_n = 0

    def __iter__(self) -> Iterator[AudioBlock]:
        while (block := self.read()) is not None:
            yield block

    # -- status and stop ------------------------------------------------------------
    @property
    def overflows(self) -> int:
        """Times audio was lost: ring overruns plus PortAudio input overflows."""
        return self._ring_overruns + self._pa_overflows

    @property
    def dropped_s(self) -> float:
        """Seconds of captured audio dropped because the reader fell behind."""
        return self._dropped_frames / self.device_rate_hz

    def stop(self) -> None:
        """Stop and close the device; safe to call more than once."""
        if self._stopped:
            return
        self._stopped = True
        self._data.set()
        stream, self._stream = self._stream, None
        if stream is not None:
            devices.open_streams -= 1
            try:
                stream.stop()
            finally:
                stream.close()

    def __enter__(self) -> MicrophoneSource:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
