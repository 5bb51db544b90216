"""What every audio source hands out, and the one ``read`` contract they share.

Audio comes from a file (:class:`~presence_coach.sources.audio_file.AudioFileSource`) or a
microphone (:class:`~presence_coach.sources.microphone.MicrophoneSource`). Both hand out
:class:`AudioBlock` objects: ``samples`` is float32 mono at :data:`ANALYSIS_RATE_HZ`, and ``t``
is the session time (seconds) of the block's first sample. For a microphone the session clock
is :class:`~presence_coach.clock.SessionClock` (``time.monotonic()`` at capture); for a
file it is the media time. :class:`AudioSource` is the contract. :func:`keep_lines` is the
one reader of a child process's error output (ffmpeg for a file's sound, or sharing the
camera).
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Protocol

import numpy as np

from presence_coach.errors import SourceError, UsageError

ANALYSIS_RATE_HZ = 16_000  # every voice analyzer works on mono audio at this rate
DEFAULT_BLOCK_S = 0.02  # length of one AudioBlock handed to the analyzers (20 ms)
RESAMPLE_QUALITY = "HQ"  # soxr quality: high quality, low CPU at these rates


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


class AudioSource(Protocol):
    """An audio source: a file or a microphone, read the same way.

    ``read(timeout_s)`` returns the next :class:`AudioBlock`, or ``None`` at the end of the
    stream (the end of the file, or after ``stop()``), so the end of a stream is explicit.
    Blocks follow each other in time. A live source raises
    :class:`~presence_coach.errors.SourceError` when no audio arrived for ``timeout_s``
    seconds (the device is lost or stalled); a file never waits for its audio and ignores
    ``timeout_s``. Iterating reads until ``None``. ``stop()`` releases the device or file and
    is safe to call more than once; both sources are context managers that stop on exit.
    """

    def read(self, timeout_s: float = ...) -> AudioBlock | None: ...

    def stop(self) -> None: ...

    def __iter__(self) -> Iterator[AudioBlock]: ...


class Blocker:
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


def block_samples(block_s: float) -> int:
    """Samples in a block of ``block_s`` seconds at ``ANALYSIS_RATE_HZ`` (1 ms to 1 s)."""
    if not (0.001 <= block_s <= 1.0):
        raise UsageError(f"audio block length {block_s} s is out of range; use 0.001 to 1 s")
    return round(block_s * ANALYSIS_RATE_HZ)


def read_call_queue(
    blocks: queue.Queue,
    stop: threading.Event,
    *,
    timeout_s: float,
    name: str,
    problem: Callable[[], str | None],
) -> AudioBlock | None:
    """The next block a call-audio reader thread queued, None once ``stop`` is set.

    ``problem()`` says why the source can give no more (gone, ended; None: nothing known): it
    is told as soon as the queued audio is out, even in the middle of a wait; otherwise
    silence may only be a reader starved by a busy machine, told after ``timeout_s``.

    Raises:
        SourceError: "call audio {name} {why}; going on with the microphone alone".
    """
    deadline = time.monotonic() + timeout_s
    while not stop.is_set():
        try:
            return blocks.get(timeout=0.05)
        except queue.Empty:
            why = problem()
            if why is None and time.monotonic() > deadline:
                why = f"delivered no audio for {timeout_s:g} s"
            if why is not None:
                raise SourceError(
                    f"call audio {name} {why}; going on with the microphone alone"
                ) from None
    return None


def keep_lines(stream: IO[bytes], into: deque[str]) -> None:
    """Keep the non-empty lines of ``stream`` (the last ``into.maxlen``) until it ends: run
    on a thread of its own beside a child process, so a full pipe never stops the child."""
    for line in stream:
        text = line.decode("utf-8", "replace").strip()
        if text:
            into.append(text)
