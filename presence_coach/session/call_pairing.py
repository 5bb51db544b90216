"""Pair live microphone blocks with the call audio of the same time (session clock).

The two inputs are captured by different devices, in blocks of different sizes at slightly
different moments. :class:`BlockPairer` keeps the call audio as one stream on the session
clock and cuts from it, for each mic block, the samples of the same time span. A mic block
waits for the call audio at most ``max_wait_s`` (of mic time); after that, or once the call
audio is lost, it goes on alone (``None``): the mic is then judged without the call.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from presence_coach.sources.base import ANALYSIS_RATE_HZ, AudioBlock

SR = ANALYSIS_RATE_HZ
RESYNC_S = 0.015  # a block this far from where its stream expects it: samples were lost


class BlockPairer:
    """``push_mic`` / ``push_call`` blocks; ``pop`` -> [(mic (n,), call (n,) or None, t)].

    With ``lead_s``, the call audio is handed out that much early, so that a leak which the
    two capture clocks place slightly before its call audio still comes after it (the
    conversation analyzer, told the same lead, puts the client's speech back in place).
    """

    def __init__(self, *, max_wait_s: float = 0.5, lead_s: float = 0.0) -> None:
        self.max_wait_s = max_wait_s  # a mic block waits this long for its call audio
        self.lead_s = lead_s  # a mic block at t gets the call audio from t + lead_s
        self.call_lost = False  # set by the caller when the call audio source is gone
        self._pending: deque[AudioBlock] = deque()
        self._buf = np.zeros(0, np.float32)
        self._buf_t0: float | None = None  # session time of self._buf[0]
        self._next_i0: int | None = None  # where the next mic block's call audio starts

    def push_mic(self, block: AudioBlock) -> None:
        self._pending.append(block)

    def push_call(self, block: AudioBlock) -> None:
        x = np.asarray(block.samples, np.float32)
        if self._buf_t0 is None:
            self._buf, self._buf_t0 = x.copy(), block.t
            return
        end = self._buf_t0 + len(self._buf) / SR
        if block.t - end > RESYNC_S:  # a gap in the call audio: silence in between
            x = np.concatenate([np.zeros(round((block.t - end) * SR), np.float32), x])
        elif end - block.t > RESYNC_S:  # overlaps what we have: keep the new part
            x = x[round((end - block.t) * SR) :]
        self._buf = np.concatenate([self._buf, x])

    def _call_end(self) -> float:
        return -np.inf if self._buf_t0 is None else self._buf_t0 + len(self._buf) / SR

    def pop(self, *, final: bool = False) -> list[tuple[np.ndarray, np.ndarray | None, float]]:
        """Mic blocks whose call audio arrived (or that waited long enough), in order."""
        out = []
        newest = self._pending[-1].t_end if self._pending else -np.inf
        while self._pending:
            b = self._pending[0]
            ready = self._call_end() >= b.t_end + self.lead_s
            if not (ready or final or self.call_lost or newest - b.t_end > self.max_wait_s):
                break
            self._pending.popleft()
            out.append((b.samples, self._cut(b) if not self.call_lost else None, b.t))
        return out

    def _cut(self, b: AudioBlock) -> np.ndarray | None:
        """Call samples of the mic block's span (zeros where there are none), or None."""
        if self._buf_t0 is None:
            return None
        n = len(b.samples)
        i0 = round((b.t + self.lead_s - self._buf_t0) * SR)
        if self._next_i0 is not None and abs(i0 - self._next_i0) <= RESYNC_S * SR:
            i0 = self._next_i0  # block times jitter by ms: keep the call audio contiguous
        out = np.zeros(n, np.float32)
        a, z = max(i0, 0), min(i0 + n, len(self._buf))
        if z > a:
            out[a - i0 : z - i0] = self._buf[a:z]
        drop = max(0, min(i0 + n, len(self._buf)))
        self._buf = self._buf[drop:]
        self._buf_t0 += drop / SR
        self._next_i0 = i0 + n - drop
        return out if z > a else None
