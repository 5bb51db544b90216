"""Streaming framing: 16 kHz samples in, fixed analysis frames (10 ms hop) out.

Every voice feature is computed on the same frames, so they line up: frame ``i`` of a stream
whose first sample is at session time ``t0`` covers samples ``[i*HOP, i*HOP + FRAME_LEN)``
and is stamped with its centre time ``t0 + (i*HOP + FRAME_LEN/2) / SR``. Cutting the input
into blocks of any size gives exactly the same frames as feeding it whole.
"""

from __future__ import annotations

import numpy as np

from presence_coach.sources.base import ANALYSIS_RATE_HZ

SR = ANALYSIS_RATE_HZ  # samples per second of every voice analysis
HOP = 160  # samples between frame starts (10 ms): frame rate 100 Hz
FRAME_LEN = 768  # samples per analysis frame (48 ms): pitch down to 60 Hz needs this much
FRAME_RATE_HZ = SR / HOP  # frames per second


class Framer:
    """Cut a stream of sample blocks into overlapping frames, shape (n, FRAME_LEN).

    ``push(samples, t)`` returns the frames completed by this block and their centre times.
    ``t`` of the first block anchors the stream; later block times are only used to detect a
    gap (a jump of more than ``resync_s``), after which the stream re-anchors.
    """

    def __init__(self, *, resync_s: float = 0.05) -> None:
        self.resync_s = resync_s  # a block time off by more than this re-anchors the stream
        self.reset()

    def reset(self) -> None:
        """Forget all buffered samples and the time anchor."""
        self._buf = np.zeros(0, np.float32)
        self._t0: float | None = None  # session time of stream sample 0
        self._n_in = 0  # samples received since the anchor
        self._next = 0  # stream index of the next frame's first sample

    def push(self, samples: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Add a block starting at session time ``t``; return (frames (n, L), times (n,))."""
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        if self._t0 is not None:
            expected = self._t0 + self._n_in / SR
            if abs(t - expected) > self.resync_s:
                self.reset()
        if self._t0 is None:
            self._t0 = t
        buf_start = self._n_in - len(self._buf)  # stream index of self._buf[0]
        self._buf = np.concatenate([self._buf, samples]) if len(self._buf) else samples
        self._n_in += len(samples)
        n_frames = 0 if self._n_in < self._next + FRAME_LEN else (
            (self._n_in - FRAME_LEN - self._next) // HOP + 1
        )  # fmt: skip
        off = self._next - buf_start
        if n_frames > 0:
            frames = np.lib.stride_tricks.sliding_window_view(
                self._buf[off : off + (n_frames - 1) * HOP + FRAME_LEN], FRAME_LEN
            )[::HOP]
            frames = np.ascontiguousarray(frames)
        else:
            frames = np.zeros((0, FRAME_LEN), np.float32)
        first = self._next
        self._next += n_frames * HOP
        keep_from = self._next - buf_start
        self._buf = self._buf[keep_from:].copy()
        times = self._t0 + (first + np.arange(n_frames) * HOP + FRAME_LEN / 2) / SR
        return frames, times
