"""Audio sources: live microphone capture and file replay, as mono 16 kHz blocks.

Both sources hand out :class:`AudioBlock` objects: ``samples`` is float32 mono at
:data:`ANALYSIS_RATE_HZ`, and ``t`` is the session time (seconds) of the block's first
sample. For a microphone the session clock is :class:`~presence_coach.session.clock.SessionClock`
(``time.monotonic()`` at capture); for a file it is the media time. ``read()`` returns ``None``
at the end of the stream (end of file, or after ``stop()``), so end of stream is explicit.

The PortAudio callback of the live source only copies samples into a bounded ring buffer and
notes when they were captured. Everything else (down-mixing, resampling, cutting blocks)
happens in the reading thread. When the reader falls behind by more than the ring holds, the
oldest samples are dropped and counted in ``overflows`` / ``dropped_s``.
"""

from __future__ import annotations

import math
import shutil
import statistics
import subprocess
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soxr

from presence_coach.errors import NoDeviceError, SourceError, UsageError
from presence_coach.files import check_readable
from presence_coach.session.clock import SessionClock

ANALYSIS_RATE_HZ = 16_000  # every voice analyzer works on mono audio at this rate
DEFAULT_BLOCK_S = 0.02  # length of one AudioBlock handed to the analyzers (20 ms)
CAPTURE_MEDIAN_OF = 5  # capture times: the median of what this many recent callbacks imply
BLOCK_BACK_S = 0.0005  # a block may start at most this much before the last one ended
DEFAULT_RING_S = 4.0  # live capture: seconds of audio the ring buffer holds before dropping
MIN_FILE_RATE_HZ = 8_000  # below this a recording cannot carry speech for our analysis
MAX_FILE_RATE_HZ = 384_000  # above this the file's rate is certainly not a real audio rate
DEVICE_RATES_HZ = (48_000, 44_100, 32_000, 16_000, 22_050, 96_000)  # tried after the default
_RESAMPLE_QUALITY = "HQ"  # soxr quality: high quality, low CPU at these rates


@dataclass(frozen=True)
class AudioBlock:
    """A block of mono audio on the session clock.

    Attributes:
        t: session time in seconds of the first sample.
        samples: float32 array, shape (n,), mono at ``ANALYSIS_RATE_HZ``, full scale = 1.0.
    """

    t: float
    samples: np.ndarray

    @property
    def duration_s(self) -> float:
        """Length of the block in seconds."""
        return len(self.samples) / ANALYSIS_RATE_HZ

    @property
    def t_end(self) -> float:
        """Session time just after the last sample."""
        return self.t + self.duration_s


class CaptureClock:
    """When each device frame was captured, from the callbacks' timestamps.

    Each callback implies a capture time for device frame 0 (its buffer's ADC time less the
    frames before it). One callback's word is unreliable: a callback delayed by the
    scheduler or the GIL implies a time tens of ms late, and some host APIs (ALSA's pulse
    plugin) report ADC times far off for a stream's first callbacks. The estimate is the
    median of the last ``median_of`` callbacks, so one bad callback changes nothing.
    """

    def __init__(self, rate_hz: float, *, median_of: int = CAPTURE_MEDIAN_OF) -> None:
        self.rate_hz = rate_hz
        self._implied: deque[float] = deque(maxlen=median_of)
        # the estimate, published in one assignment: read from another thread than update's
        self._frame0_t = math.nan

    def update(self, frame: int, captured_t: float) -> None:
        """A callback whose first frame (index ``frame``) was captured at ``captured_t``."""
        self._implied.append(captured_t - frame / self.rate_hz)
        self._frame0_t = statistics.median(self._implied)

    def time_of(self, frame: int) -> float:
        """Monotonic capture time of device frame ``frame`` (NaN before the first update)."""
        return self._frame0_t + frame / self.rate_hz


def block_start(captured_t: float, last_end_t: float | None) -> float:
    """Session time a block starts: its capture time, but never more than ``BLOCK_BACK_S``
    before the previous block ended (time goes forward; a slow drift of the device clock
    against the monotonic clock is still followed)."""
    return captured_t if last_end_t is None else max(captured_t, last_end_t - BLOCK_BACK_S)


class _Blocker:
    """Cuts a stream of 16 kHz samples into equal blocks, keeping the remainder."""

    def __init__(self, block_len: int) -> None:
        self.block_len = block_len
        self._pending: list[np.ndarray] = []
        self._n_pending = 0

    def push(self, samples: np.ndarray) -> None:
        if len(samples):
            self._pending.append(samples)
            self._n_pending += len(samples)

    def pop(self, *, final: bool = False) -> np.ndarray | None:
        """One block if enough samples are pending (or the remainder when ``final``)."""
        if self._n_pending == 0 or (self._n_pending < self.block_len and not final):
            return None
        data = np.concatenate(self._pending) if len(self._pending) > 1 else self._pending[0]
        out, rest = data[: self.block_len], data[self.block_len :]
        self._pending = [rest] if len(rest) else []
        self._n_pending = len(rest)
        return np.ascontiguousarray(out, dtype=np.float32)

    def clear(self) -> None:
        self._pending = []
        self._n_pending = 0


def _block_len(block_s: float) -> int:
    if not (0.001 <= block_s <= 1.0):
        raise UsageError(f"audio block length {block_s} s is out of range; use 0.001 to 1 s")
    return round(block_s * ANALYSIS_RATE_HZ)


# ----------------------------------------------------------------------------------------
# File replay
# ----------------------------------------------------------------------------------------


class AudioFileSource:
    """Replay the audio of a file (wav, flac, ogg, or the audio track of mp4/mkv/...).

    Blocks are timed by media time (seconds from the start of the file), which is the
    session clock of a recording. With ``realtime=True`` blocks are released no faster than
    real time (on a :class:`SessionClock` started at the first read). Decoding streams, so a
    long recording never sits in memory whole.

    Raises:
        SourceError: the file is missing, cannot be decoded, has no audio track or has a
            sample rate outside 8-384 kHz.
    """

    _CHUNK_FRAMES = 16_384  # frames decoded per read from the file

    def __init__(
        self, path: str | Path, *, block_s: float = DEFAULT_BLOCK_S, realtime: bool = False
    ) -> None:
        self.path = Path(path)
        self.block_len = _block_len(block_s)
        self.realtime = realtime
        self.eof = False
        self.native_rate_hz: int | None = None
        self._t_next = 0.0
        self._blocker = _Blocker(self.block_len)
        self._clock: SessionClock | None = None
        self._stopped = False
        self._proc: subprocess.Popen[bytes] | None = None
        self._sf: Any = None
        if not self.path.exists():
            raise SourceError(f"audio file not found: {self.path}; check the path")
        if not self.path.is_file():
            raise SourceError(f"not a file: {self.path}; pass an audio or video file")
        check_readable(self.path)
        self._chunks = self._open()

    # -- decoding ---------------------------------------------------------------------
    def _open(self) -> Iterator[np.ndarray]:
        import soundfile as sf

        try:
            self._sf = sf.SoundFile(str(self.path))
        except Exception:  # not a format libsndfile knows (mp4, m4a, mkv, ...): use ffmpeg
            self._sf = None
        if self._sf is not None:
            rate = int(self._sf.samplerate)
            self._check_rate(rate)
            self.native_rate_hz = rate
            return self._soundfile_chunks(rate)
        return self._ffmpeg_chunks()

    def _check_rate(self, rate: int) -> None:
        if not (MIN_FILE_RATE_HZ <= rate <= MAX_FILE_RATE_HZ):
            raise SourceError(
                f"{self.path}: sample rate {rate} Hz is not usable; "
                f"convert it to 16 kHz or more (e.g. ffmpeg -i IN -ar 16000 OUT.wav)"
            )

    def _soundfile_chunks(self, rate: int) -> Iterator[np.ndarray]:
        resampler = (
            None
            if rate == ANALYSIS_RATE_HZ
            else soxr.ResampleStream(rate, ANALYSIS_RATE_HZ, 1, "float32", _RESAMPLE_QUALITY)
        )
        sfile = self._sf
        while True:
            try:
                data = sfile.read(self._CHUNK_FRAMES, dtype="float32", always_2d=True)
            except Exception as exc:
                raise SourceError(f"cannot decode {self.path}: {exc}") from None
            last = len(data) < self._CHUNK_FRAMES
            mono = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
            if resampler is not None:
                mono = resampler.resample_chunk(np.ascontiguousarray(mono), last=last)
            yield mono
            if last:
                return

    def _ffmpeg_chunks(self) -> Iterator[np.ndarray]:
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None:
            raise SourceError(
                f"cannot read {self.path}: it needs ffmpeg, which is not installed; "
                "install ffmpeg or pass a wav/flac file"
            )
        cmd = [
            ffmpeg, "-nostdin", "-v", "error", "-i", str(self.path), "-map", "0:a:0",
            "-vn", "-ac", "1", "-ar", str(ANALYSIS_RATE_HZ), "-f", "f32le", "-",
        ]  # fmt: skip
        self._proc = proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert proc.stdout is not None and proc.stderr is not None
        self.native_rate_hz = None
        leftover = b""
        n_bytes = 0
        while True:
            raw = proc.stdout.read(self._CHUNK_FRAMES * 4)
            if not raw:
                break
            n_bytes += len(raw)
            raw = leftover + raw
            cut = len(raw) - len(raw) % 4
            leftover = raw[cut:]
            yield np.frombuffer(raw[:cut], dtype="<f4").astype(np.float32)
        err = proc.stderr.read().decode("utf-8", "replace").strip()
        code = proc.wait()
        self._proc = None
        if code != 0 or (n_bytes == 0 and err):
            if "matches no streams" in err or "does not contain any stream" in err:
                raise SourceError(
                    f"{self.path} has no audio track; pass a file with sound or --audio FILE"
                )
            first = err.splitlines()[-1] if err else f"ffmpeg exit code {code}"
            raise SourceError(f"cannot decode {self.path}: {first}")

    # -- reading ----------------------------------------------------------------------
    def read(self) -> AudioBlock | None:
        """The next block, or ``None`` at the end of the file (or after ``stop()``)."""
        while not self._stopped:
            block = self._blocker.pop(final=self.eof)
            if block is not None:
                out = AudioBlock(self._t_next, block)
                self._t_next += len(block) / ANALYSIS_RATE_HZ
                if self.realtime:
                    self._pace(out.t_end)
                return out
            if self.eof:
                return None
            try:
                self._blocker.push(next(self._chunks))
            except StopIteration:
                self.eof = True
        return None

    def _pace(self, t_end: float) -> None:
        if self._clock is None:
            self._clock = SessionClock()
        wait = t_end - self._clock.now()
        if wait > 0:
            time.sleep(wait)

    def __iter__(self) -> Iterator[AudioBlock]:
        while (block := self.read()) is not None:
            yield block

    def stop(self) -> None:
        """Stop decoding and release the file; safe to call more than once."""
        if self._stopped:
            return
        self._stopped = True
        self.eof = True
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        if self._sf is not None:
            self._sf.close()
            self._sf = None
        self._blocker.clear()

    def __enter__(self) -> AudioFileSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def read_audio_file(path: str | Path) -> np.ndarray:
    """The whole audio of ``path`` as float32 mono at ``ANALYSIS_RATE_HZ``, shape (n,)."""
    with AudioFileSource(path, block_s=1.0) as src:
        blocks = [b.samples for b in src]
    return np.concatenate(blocks) if blocks else np.zeros(0, np.float32)


# ----------------------------------------------------------------------------------------
# Live capture
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputDevice:
    """An audio input device as PortAudio lists it."""

    index: int  # PortAudio device index
    name: str  # device name, e.g. "pulse" or "USB Audio: - (hw:1,0)"
    max_channels: int  # input channels the device offers
    default_rate_hz: float  # the device's preferred sample rate
    is_default: bool  # True for the system's default input


def _sounddevice() -> Any:
    try:
        import sounddevice as sd
    except OSError as exc:  # PortAudio library missing
        raise NoDeviceError(
            f"cannot use the microphone: PortAudio is not available ({exc}); "
            "install libportaudio2 or pass --audio FILE"
        ) from None
    return sd


_open_streams = 0  # live streams of ours; PortAudio is only re-scanned when none is open


def _rescan(sd: Any) -> None:
    """Re-enumerate devices (PortAudio lists them once, at initialisation): a microphone
    plugged in, or an audio server started, after start-up is then found too."""
    if _open_streams == 0:
        try:
            sd._terminate()
            sd._initialize()
        except Exception:  # keep the old list rather than fail here
            pass


def list_input_devices() -> list[InputDevice]:
    """All devices that can record, in PortAudio's order (freshly scanned)."""
    sd = _sounddevice()
    _rescan(sd)
    try:
        devices = sd.query_devices()
        default_in = sd.default.device[0]
    except Exception as exc:
        raise NoDeviceError(f"cannot list audio devices: {exc}") from None
    if isinstance(default_in, str):
        default_in = -1
    out = []
    for i, d in enumerate(devices):
        if d["max_input_channels"] > 0:
            out.append(
                InputDevice(
                    i,
                    d["name"],
                    int(d["max_input_channels"]),
                    float(d["default_samplerate"]),
                    i == default_in,
                )
            )
    return out


def resolve_input_device(device: int | str | None) -> InputDevice:
    """Find an input device by index, by name (exact, then case-insensitive part) or default.

    Raises:
        NoDeviceError: there is no input device at all, or the named one is absent.
        UsageError: a name matches several devices.
    """
    inputs = list_input_devices()
    if not inputs:
        raise NoDeviceError(
            "no microphone found: no audio input device is present; "
            "connect one or analyze a file instead"
        )
    if device is None or device == "":
        for d in inputs:
            if d.is_default:
                return d
        return inputs[0]
    if isinstance(device, str) and device.strip().lstrip("-").isdigit():
        device = int(device)
    if isinstance(device, int):
        for d in inputs:
            if d.index == device:
                return d
        names = ", ".join(f"{d.index}: {d.name}" for d in inputs)
        raise NoDeviceError(f"no input device with index {device}; inputs are {names}")
    exact = [d for d in inputs if d.name == device]
    if exact:
        return exact[0]
    part = [d for d in inputs if device.lower() in d.name.lower()]
    if len(part) == 1:
        return part[0]
    names = ", ".join(f"{d.index}: {d.name}" for d in (part or inputs))
    if part:
        raise UsageError(f"input device name {device!r} matches several devices: {names}")
    raise NoDeviceError(f"no input device named {device!r}; inputs are {names}")


class MicrophoneSource:
    """Live capture from an input device as mono 16 kHz :class:`AudioBlock` objects.

    The device is opened at its own rate (its default, else the first of
    ``DEVICE_RATES_HZ`` that it accepts) and resampled to 16 kHz in the reading thread.
    Block times are the capture times (ADC time when PortAudio reports it) on ``clock``.

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
        self.block_len = _block_len(block_s)
        self.device_rate_hz = self._choose_rate(device_rate_hz)
        self.channels = 1
        cap = max(int(ring_s * self.device_rate_hz), 4 * self.block_len)
        self._ring = np.zeros((cap, self.channels), dtype=np.float32)
        self._cap = cap
        self._written = 0  # device frames written by the callback (only it writes this)
        self._read = 0  # device frames consumed by the reader (only it writes this)
        self._capture = CaptureClock(self.device_rate_hz)  # updated by the callback only
        self._ring_overruns = 0  # callbacks that overwrote unread samples
        self._pa_overflows = 0  # callbacks whose status said PortAudio itself overflowed
        self._dropped_frames = 0  # device frames lost to ring overruns
        self._data = threading.Event()
        self._resampler = self._new_resampler()
        self._out_n = 0  # 16 kHz samples produced since the stream (re)anchored
        self._out_base_in = 0  # device frame index that output sample 0 corresponds to
        self._blocker = _Blocker(self.block_len)
        self._next_t: float | None = None  # where the next block starts if audio is contiguous
        self._stream: Any = None
        self._stopped = False
        self._started = False

    # -- set-up ---------------------------------------------------------------------
    def _choose_rate(self, wanted: float | None) -> float:
        sd = _sounddevice()
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
            self.device_rate_hz, ANALYSIS_RATE_HZ, 1, "float32", _RESAMPLE_QUALITY
        )

    def start(self) -> MicrophoneSource:
        """Open the device and start capturing (idempotent)."""
        if self._started:
            return self
        sd = _sounddevice()
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
            global _open_streams
            _open_streams += 1
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
        lag = time_info.currentTime - time_info.inputBufferAdcTime
        if not (0.0 <= lag < 1.0):  # host API gave no usable ADC time
            lag = frames / self.device_rate_hz
        self._capture.update(w, now - lag)
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
            global _open_streams
            _open_streams -= 1
            try:
                stream.stop()
            finally:
                stream.close()

    def __enter__(self) -> MicrophoneSource:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
