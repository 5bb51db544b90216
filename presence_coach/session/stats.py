"""Running statistics in bounded memory: per-stage timings, latencies, counters; CPU by thread.

A 2-hour session must not grow memory, so quantiles come from a fixed log-spaced histogram
(:data:`BINS_PER_DECADE` bins per factor of ten: about 2.3% relative resolution).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

MIN_VALUE = 1e-6  # smallest value resolved (1 us when timing in seconds)
DECADES = 8  # 1e-6 .. 1e2: covers 1 us to 100 s
BINS_PER_DECADE = 100  # 10 ** (1 / 100) = 1.023 -> 2.3% bin width


class RunningStats:
    """Count, mean, min, max and approximate quantiles of positive values (e.g. seconds)."""

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.min = math.inf
        self.max = -math.inf
        self._hist = np.zeros(DECADES * BINS_PER_DECADE + 1, dtype=np.int64)

    def add(self, value: float) -> None:
        if not math.isfinite(value):
            return
        self.count += 1
        self.total += value
        self.min = min(self.min, value)
        self.max = max(self.max, value)
        if value <= MIN_VALUE:
            index = 0
        else:
            index = int(math.log10(value / MIN_VALUE) * BINS_PER_DECADE) + 1
        self._hist[min(index, len(self._hist) - 1)] += 1

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else math.nan

    def quantile(self, q: float) -> float:
        """Approximate ``q``-quantile (0..1): the geometric middle of the bin holding it."""
        if not self.count:
            return math.nan
        rank = q * (self.count - 1) + 1
        index = int(np.searchsorted(np.cumsum(self._hist), rank))
        if index == 0:
            return min(MIN_VALUE, self.max)
        value = MIN_VALUE * 10 ** ((index - 0.5) / BINS_PER_DECADE)
        return min(max(value, self.min), self.max)

    def summary_ms(self) -> dict[str, float | int | None]:
        """Median, p95, mean and max in milliseconds (values are seconds); None when empty."""
        if not self.count:
            return {"count": 0} | dict.fromkeys(("median_ms", "p95_ms", "mean_ms", "max_ms"))
        return {
            "count": self.count,
            "median_ms": round(self.quantile(0.5) * 1000, 3),
            "p95_ms": round(self.quantile(0.95) * 1000, 3),
            "mean_ms": round(self.mean * 1000, 3),
            "max_ms": round(self.max * 1000, 3),
        }


class StageTimes:
    """Named :class:`RunningStats` of seconds per stage, in first-use order."""

    def __init__(self) -> None:
        self.stages: dict[str, RunningStats] = {}

    def add(self, stage: str, seconds: float) -> None:
        stats = self.stages.get(stage)
        if stats is None:
            stats = self.stages[stage] = RunningStats()
        stats.add(seconds)

    @contextmanager
    def time(self, stage: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.add(stage, time.perf_counter() - t0)

    def summary_ms(self) -> dict[str, dict[str, float | int]]:
        return {name: stats.summary_ms() for name, stats in self.stages.items()}


_PROC_TASKS = Path("/proc/self/task")
_CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def native_thread_role(comm: str) -> str:
    """The name a native thread is reported under: its OS name, MediaPipe's as ``mediapipe``."""
    if comm == "drishti" or comm.startswith("mediapipe/"):
        return "mediapipe"
    return comm


def thread_cpu_s() -> dict[str, float]:
    """CPU seconds (user + system) used so far by each live thread of this process, by name.

    Python threads go by their ``threading`` name; native threads by their OS name (FFmpeg's
    ``av:h264:*``, ...), MediaPipe's graph threads as ``mediapipe`` (their OS names are
    ``drishti`` in mediapipe 1.x and ``mediapipe/<id>`` in 0.10). Threads of one name are
    summed. Linux only (``/proc``); elsewhere the result is empty.
    """
    names = {t.native_id: t.name for t in threading.enumerate()}
    out: dict[str, float] = {}
    try:
        tasks = list(_PROC_TASKS.iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            stat = (task / "stat").read_text()
            comm = (task / "comm").read_text().strip()
        except OSError:  # the thread ended meanwhile
            continue
        fields = stat.rpartition(")")[2].split()  # after "pid (comm)": state is field 3
        cpu = (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS_PER_S  # utime + stime
        name = names.get(int(task.name)) or native_thread_role(comm)
        out[name] = out.get(name, 0.0) + cpu
    return out


class ThreadCpuMeter:
    """Each thread's share of one core between the first and the latest :meth:`sample`.

    ``sample(now)`` is cheap to call per frame: it reads ``/proc`` at most every ``every_s``.
    """

    def __init__(self, every_s: float = 1.0) -> None:
        self.every_s = every_s
        self._first: tuple[float, dict[str, float]] | None = None
        self._last: tuple[float, dict[str, float]] | None = None

    def sample(self, now: float) -> None:
        if self._last is not None and now - self._last[0] < self.every_s:
            return
        snapshot = (now, thread_cpu_s())
        if self._first is None:
            self._first = snapshot
        self._last = snapshot

    def shares_pct(self) -> dict[str, float]:
        """``{thread name: % of one core}``, largest first; empty before two samples."""
        if self._first is None or self._last is None or self._last[0] <= self._first[0]:
            return {}
        wall_s = self._last[0] - self._first[0]
        first = self._first[1]
        shares = {
            name: round(100.0 * (cpu - first.get(name, 0.0)) / wall_s, 1)
            for name, cpu in self._last[1].items()
        }
        return dict(sorted(shares.items(), key=lambda kv: -kv[1]))
