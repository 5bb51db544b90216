"""Video sources on real files: every frame, media timestamps, pacing, drops, bad input."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from presence_coach.errors import NoDeviceError, SourceError
from presence_coach.session.live import LiveOptions, run_live_session
from presence_coach.session.store import SessionStore
from presence_coach.sources import advice
from presence_coach.sources.video import OPEN_DEADLINE_S, VideoSource, parse_spec
from tests.conftest import FACE_CLIPS, SHARED_MODELS

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
    assert source.read(timeout_s=20.0) is not None  # a wait, not a speed check (busy machines)
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


def test_live_source_opens_with_its_first_frame_and_records_no_gap() -> None:
    with VideoSource(D18, realtime=True) as source:
        assert source.read(timeout_s=2.0) is not None
        assert source.open_gap() is None and source.take_gaps() == []  # files have no gaps


@pytest.mark.parametrize("kind", ["udp", "tcp"])
def test_a_stream_that_sends_nothing_fails_the_start_and_leaves_no_thread(
    kind: str, tmp_path: Path
) -> None:
    """In-process: the live session's start fails with one sentence, within the open
    deadline (the product's contract, checked with a wide margin), and leaves nothing behind:
    no capture thread, no session in the store."""
    with socket.socket() as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        tcp.bind(("127.0.0.1", 0))
        tcp.listen(4)  # the kernel accepts; nobody ever sends
        udp.bind(("127.0.0.1", 0))
        port = (udp if kind == "udp" else tcp).getsockname()[1]
        if kind == "udp":
            udp.close()  # a free port nobody sends to
        url = f"{kind}://127.0.0.1:{port}"
        before = set(threading.enumerate())
        start = time.monotonic()
        with SessionStore(tmp_path) as store, pytest.raises(SourceError) as failed:
            run_live_session(
                LiveOptions(camera=url, use_mic=False),
                store=store,
                model_path=SHARED_MODELS / "face_landmarker.task",
                stop=threading.Event(),
            )
        took_s = time.monotonic() - start
        with SessionStore(tmp_path) as store:
            assert store.sessions() == []
    assert took_s < OPEN_DEADLINE_S + 3.0
    assert str(failed.value) == (
        f"cannot open video stream {url}: no picture arrived within 3.5 s; check the address "
        "and that the stream is running"
    )
    assert set(threading.enumerate()) == before


def test_busy_camera_sentence_fits_the_os() -> None:
    linux = advice.busy_camera(0, platform="linux")
    assert linux.startswith("camera 0 is busy or sends no picture: close the other program")
    assert "`presence-coach camera-share --setup`" in linux  # the pass-through (issue 15)
    windows = advice.busy_camera(1, platform="win32")
    assert "camera 1" in windows and "Allow multiple apps to use the camera" in windows
    mac = advice.busy_camera(0, platform="darwin")
    assert "Privacy & Security > Camera" in mac and "busy" not in mac  # macOS shares cameras
    for sentence in (linux, windows, mac):
        assert "\n" not in sentence
