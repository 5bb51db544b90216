"""Windows: the call's sound by WASAPI loopback of the speakers (the ``soundcard`` package).

Why ``soundcard`` (BSD-3, pure Python over CFFI): PortAudio's WASAPI host API, which
sounddevice wraps, has no loopback capture (``sounddevice.WasapiSettings`` offers
exclusive, auto_convert and explicit_sample_format only). ``soundcard`` opens a speaker's
loopback as a microphone (``get_microphone(speaker id, include_loopback=True)``) and, when
nothing plays (an idle endpoint delivers no packets), returns zeros for the silent time, so
blocks keep coming.

:class:`WasapiLoopbackSource` has the contract of sources/call_audio.py's
``PulseMonitorSource``: 20 ms float32 mono 16 kHz :class:`AudioBlock` on the session clock,
``read`` -> block, None once stopped, ``SourceError`` when the speakers are gone or no audio
came for ``timeout_s``; ``stop()`` is safe twice. A reader thread does every ``soundcard``
call (importing it there too: its COM set-up belongs to the thread that uses it).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from typing import Any

import numpy as np
import soxr

from presence_coach.clock import SessionClock
from presence_coach.errors import NoDeviceError
from presence_coach.sources.arrival_clock import ArrivalClock
from presence_coach.sources.base import (
    ANALYSIS_RATE_HZ,
    RESAMPLE_QUALITY,
    AudioBlock,
    Blocker,
    read_call_queue,
)
from presence_coach.sources.microphone import block_start

LOOPBACK_RATE_HZ = 48_000  # what the loopback is recorded at (WASAPI's shared-mode rate)
RECORD_S = 0.02  # audio asked of soundcard per call
BLOCK = 320  # samples per block handed out (20 ms at 16 kHz)


def load_soundcard() -> Any:
    """The ``soundcard`` module, or NoDeviceError saying how to get it."""
    try:
        import soundcard
    except Exception as exc:  # ImportError, or its native part failing to load
        raise NoDeviceError(
            f"cannot record the call audio: the soundcard package is unavailable ({exc}); "
            "reinstall presence-coach, or use --call-audio off"
        ) from None
    return soundcard


def speaker_names(sc: Any) -> list[str]:
    """Speakers whose loopback can be recorded, the default output first."""
    names = [s.name for s in sc.all_speakers()]
    default = sc.default_speaker()
    first = [default.name] if default is not None and default.name in names else []
    return first + [n for n in names if n not in first]


class WasapiLoopbackSource:
    """The loopback of one speaker (by name) as timestamped 20 ms blocks (module docstring).

    ``soundcard``: the module to use (tests pass a stand-in for the Windows API; None: the
    real one, imported by the reader thread).
    """

    def __init__(
        self, speaker: str, *, clock: SessionClock | None = None, soundcard: Any = None
    ) -> None:
        self.speaker = speaker
        self.clock = clock or SessionClock()
        self._sc = soundcard
        self._queue: queue.Queue[AudioBlock] = queue.Queue(maxsize=500)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.gone: str | None = None  # why the loopback ended, if it did

    def start(self) -> WasapiLoopbackSource:
        if self._thread is None:
            self._thread = threading.Thread(target=self._reader, name="call-audio", daemon=True)
            self._thread.start()
        return self

    def _reader(self) -> None:
        try:
            sc = self._sc if self._sc is not None else load_soundcard()
            speaker = next(s for s in sc.all_speakers() if s.name == self.speaker)
            mic = sc.get_microphone(speaker.id, include_loopback=True)
            with mic.recorder(samplerate=LOOPBACK_RATE_HZ) as rec:
                self._pump(rec)
        except StopIteration:
            self.gone = f"no speakers named {self.speaker!r}"
        except Exception as exc:  # the device vanished or WASAPI failed: say so in read()
            self.gone = f"stopped ({exc})"

    def _pump(self, rec: Any) -> None:
        resampler = soxr.ResampleStream(
            LOOPBACK_RATE_HZ, ANALYSIS_RATE_HZ, 1, "float32", RESAMPLE_QUALITY
        )
        blocker, capture = Blocker(BLOCK), ArrivalClock(ANALYSIS_RATE_HZ)
        n, made, next_t = 0, 0, None  # samples handed out, made by the resampler
        frames = round(RECORD_S * LOOPBACK_RATE_HZ)
        while not self._stop.is_set():
            data = np.asarray(rec.record(numframes=frames), np.float32)
            arrived = time.monotonic()
            mono = data.mean(axis=1) if data.ndim == 2 else data
            out = resampler.resample_chunk(np.ascontiguousarray(mono))
            blocker.push(out)
            made += len(out)
            capture.update(made, arrived)  # what was made so far ended when it arrived (or
            # before: a starved thread arrives late, see sources/arrival_clock.py)
            while (block := blocker.pop()) is not None:
                t = block_start(self.clock.to_session(capture.time_of(n)), next_t)
                n += BLOCK
                next_t = t + BLOCK / ANALYSIS_RATE_HZ
                with contextlib.suppress(queue.Full):  # a stalled consumer loses the oldest
                    self._queue.put_nowait(AudioBlock(t, block))

    def read(self, timeout_s: float = 2.0) -> AudioBlock | None:
        """The next 20 ms block, None once stopped; SourceError when none came in time."""
        self.start()
        return read_call_queue(
            self._queue, self._stop, timeout_s=timeout_s,
            name=f"(loopback of {self.speaker!r})", problem=lambda: self.gone,
        )  # fmt: skip

    def stop(self) -> None:
        """Stop recording (safe twice); the reader ends after its current 20 ms."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
