"""Running statistics against numpy on known data."""

import math
import threading
import time

import numpy as np
import pytest

from presence_coach.session.stats import (
    RunningStats,
    StageTimes,
    ThreadCpuMeter,
    native_thread_role,
    thread_cpu_s,
)


def test_quantiles_match_numpy_within_bin_resolution() -> None:
    rng = np.random.default_rng(7)
    values = rng.lognormal(mean=math.log(0.012), sigma=0.5, size=20_000)  # ~12 ms timings
    stats = RunningStats()
    for v in values:
        stats.add(float(v))
    assert stats.count == values.size
    assert stats.mean == pytest.approx(values.mean(), rel=1e-9)
    assert stats.min == values.min() and stats.max == values.max()
    for q in (0.05, 0.5, 0.95, 0.99):
        assert stats.quantile(q) == pytest.approx(np.quantile(values, q), rel=0.03)


def test_memory_is_bounded() -> None:
    stats = RunningStats()
    size = stats._hist.nbytes
    for i in range(100_000):
        stats.add(1e-3 * (1 + i % 97))
    assert stats._hist.nbytes == size


def test_empty_and_non_finite() -> None:
    stats = RunningStats()
    stats.add(math.nan)
    assert stats.count == 0
    assert stats.summary_ms() == {
        "count": 0,
        "median_ms": None,
        "p95_ms": None,
        "mean_ms": None,
        "max_ms": None,
    }


def test_stage_times_in_first_use_order() -> None:
    times = StageTimes()
    times.add("inference", 0.012)
    times.add("convert", 0.0002)
    with times.time("features"):
        sum(range(1000))
    summary = times.summary_ms()
    assert list(summary) == ["inference", "convert", "features"]
    assert summary["inference"]["median_ms"] == pytest.approx(12.0, rel=0.03)
    assert summary["features"]["count"] == 1


def test_cpu_is_counted_per_named_thread() -> None:
    """A thread that burns 0.3 s of CPU and then waits shows 0.3 s, under its own name."""
    spun, done = threading.Event(), threading.Event()

    def spin() -> None:
        while time.thread_time() < 0.3:
            pass
        spun.set()
        done.wait()

    meter = ThreadCpuMeter(every_s=0.0)
    thread = threading.Thread(target=spin, name="spinner")
    meter.sample(0.0)  # time is passed in: 1 s of "wall" between the two samples below
    thread.start()
    try:
        assert spun.wait(60)
        cpu = thread_cpu_s()
        meter.sample(1.0)
    finally:
        done.set()
        thread.join()
    assert cpu["spinner"] == pytest.approx(0.3, abs=0.03)  # /proc counts 10 ms ticks
    shares = meter.shares_pct()
    assert shares["spinner"] == pytest.approx(30.0, abs=3.0)
    assert list(shares.values()) == sorted(shares.values(), reverse=True)  # largest first


def test_mediapipe_graph_threads_are_reported_together() -> None:
    """The real landmarker's native threads, whatever this mediapipe version names them."""
    import cv2

    from presence_coach.vision.face import FaceAnalyzer
    from tests.conftest import FACE_CLIPS, SHARED_MODELS

    cap = cv2.VideoCapture(str(FACE_CLIPS[0]))
    with FaceAnalyzer(SHARED_MODELS / "face_landmarker.task") as analyzer:
        for i in range(20):
            ok, image = cap.read()
            assert ok
            analyzer.detect(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), i / 30)
        cpu = thread_cpu_s()
    cap.release()
    assert cpu.get("mediapipe", 0.0) > 0.0, sorted(cpu)
    assert not any(n == "drishti" or n.startswith("mediapipe/") for n in cpu)
    assert native_thread_role("av:h264:df0") == "av:h264:df0"
