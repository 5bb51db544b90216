"""Video sources on real files: every frame, media timestamps, pacing, drops, bad input."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from presence_coach.errors import NoDeviceError, SourceError
from presence_coach.sources.video import VideoSource, parse_spec
from tests.conftest import FACE_CLIPS

D18 = next(p for p in FACE_CLIPS if p.stem == "d18")  # 216 frames, 30 fps, 480x480


def _ffprobe_frames(path: Path) -> int:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=nb_read_frames",
            "-of",
            "csv=p=0",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip())


def test_parse_spec() -> None:
    assert parse_spec(0) == ("camera", 0)
    assert parse_spec("2") == ("camera", 2)
    assert parse_spec("udp://127.0.0.1:5000") == ("stream", "udp://127.0.0.1:5000")
    assert parse_spec("clip.mp4") == ("file", "clip.mp4")


def test_file_delivers_every_frame_with_media_time() -> None:
    with VideoSource(D18) as source:
        frames = list(source)
        assert (source.width, source.height, source.fps) == (480, 480, 30.0)
    assert len(frames) == _ffprobe_frames(D18) == source.frame_count
    t = np.array([f.t for f in frames])
    assert t[0] == 0.0
    assert np.diff(t) == pytest.approx(np.full(len(t) - 1, 1 / 30), abs=1e-3)
    assert [f.index for f in frames] == list(range(len(frames)))
    assert frames[0].image.shape == (480, 480, 3) and frames[0].image.dtype == np.uint8
    assert source.dropped == 0


def test_first_frame_matches_opencv_directly() -> None:
    cap = cv2.VideoCapture(str(D18))
    ok, expected = cap.read()
    cap.release()
    with VideoSource(D18) as source:
        first = source.read()
    assert ok and first is not None
    assert np.array_equal(first.image, expected)


def test_realtime_file_keeps_only_the_newest_frame() -> None:
    """A reader slower than the frame rate gets fresh frames; the stale ones are counted."""
    start = time.monotonic()
    with VideoSource(D18, realtime=True) as source:
        assert source.live
        got = []
        while (frame := source.read(timeout_s=2.0)) is not None:
            got.append(frame)
            time.sleep(0.07)  # slower than 30 fps on purpose
        dropped = source.dropped
    elapsed = time.monotonic() - start
    assert elapsed >= 7.0  # paced: a 7.2 s clip takes its own time
    assert len(got) + dropped == 216  # every frame was either delivered or counted dropped
    assert dropped > 100
    ts = [f.t for f in got]
    assert ts == sorted(ts)
    lag = np.array([f.t_captured - f.t for f in got])
    assert np.median(lag) < 0.05  # frames are published on their media time


def test_stop_is_safe_twice_and_reading_after_stop_ends() -> None:
    source = VideoSource(D18, realtime=True)
    source.start()
    assert source.read(timeout_s=2.0) is not None
    source.stop()
    source.stop()
    assert source.read(timeout_s=0.5) is None


def test_missing_file() -> None:
    with pytest.raises(SourceError, match=r"not found: .*nope\.mp4"):
        VideoSource("nope.mp4").start()


def test_directory_is_not_a_video(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="is a directory"):
        VideoSource(tmp_path).start()


def test_text_file_is_not_a_video(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("session notes, not a video\n" * 50)
    with pytest.raises(SourceError, match="corrupt or not a video"):
        VideoSource(fake).start()


def test_truncated_video_is_refused(tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(D18.read_bytes()[:3000])  # header only, no decodable frame
    with pytest.raises(SourceError, match="corrupt or not a video"):
        VideoSource(cut).start()


def test_absent_camera_is_a_clear_error() -> None:
    # No camera exists on this machine; index 9 is absent on a typical laptop too.
    with pytest.raises(NoDeviceError, match="no camera found at index 9"):
        VideoSource(9).start()


def test_unreachable_stream() -> None:
    with pytest.raises(SourceError, match="cannot open video stream"):
        VideoSource("http://127.0.0.1:9/none.mp4").start()
