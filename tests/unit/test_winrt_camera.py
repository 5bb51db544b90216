"""Windows shared read-only camera (WinRT): the parts that run on arrays.

NOT RUN ON A REAL WINDOWS CAMERA: these machines are Linux without cameras. Tested here
with real frames from a shared clip: converting BGRA8 and NV12 buffers (with row padding,
as WinRT hands them out) to BGR, choosing the camera and its stream among source groups,
the newest-frame slot between the frame-arrived callback and the reading thread, and what
the source says when it is asked for on another OS.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from presence_coach.clock import SessionClock
from presence_coach.errors import NoDeviceError, SourceError
from presence_coach.sources.video import VideoSource
from presence_coach.sources.winrt_camera import (
    LatestFrame,
    WinRTCameraSource,
    start_video_source,
)
from presence_coach.sources.winrt_frames import (
    FrameSourceInfo,
    SourceGroup,
    bgra_to_bgr,
    nv12_to_bgr,
    pick_group,
)
from tests.conftest import FACE_CLIPS

NOT_ON_WINDOWS = "WinRT shared camera: not run on a real Windows camera (Linux test machine)"


@pytest.fixture(scope="module")
def frame() -> np.ndarray:
    """A real 480x480 BGR frame of a shared clip."""
    with VideoSource(FACE_CLIPS[0]) as source:
        image = next(iter(source)).image
    return image


def _padded(rows: np.ndarray, stride: int) -> bytes:
    """Rows of bytes laid out ``stride`` apart (filled with 0xAB), as a driver does."""
    out = np.full((rows.shape[0], stride), 0xAB, np.uint8)
    out[:, : rows.shape[1]] = rows
    return out.tobytes()


def test_bgra_with_row_padding_is_the_frame(frame: np.ndarray) -> None:
    print(NOT_ON_WINDOWS)
    h, w = frame.shape[:2]
    bgra = cv2.cvtColor(frame, cv2.COLOR_BGR2BGRA).reshape(h, 4 * w)
    stride = 4 * w + 64
    assert np.array_equal(bgra_to_bgr(_padded(bgra, stride), w, h, stride), frame)
    assert np.array_equal(bgra_to_bgr(bgra.tobytes(), w, h, 4 * w), frame)
    with pytest.raises(SourceError, match="too small"):
        bgra_to_bgr(bgra.tobytes()[:-8], w, h, 4 * w)


def test_nv12_with_row_padding_matches_opencvs_i420(frame: np.ndarray) -> None:
    h, w = frame.shape[:2]
    i420 = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)  # Y, then U and V planes
    y, u, v = i420[:h], i420[h : h + h // 4].reshape(-1), i420[h + h // 4 :].reshape(-1)
    uv = np.empty(u.size * 2, np.uint8)
    uv[0::2], uv[1::2] = u, v  # NV12: U and V interleaved
    nv12 = np.vstack([y, uv.reshape(h // 2, w)])
    stride = w + 32
    got = nv12_to_bgr(_padded(nv12, stride), w, h, stride)
    assert got.shape == frame.shape
    assert np.array_equal(got, cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420))
    assert cv2.PSNR(got, frame) > 35.0  # chroma subsampling is the only loss
    with pytest.raises(SourceError, match="even"):
        nv12_to_bgr(nv12.tobytes(), w - 1, h, stride)


def _group(gid: str, name: str, *sources: tuple[str, str]) -> SourceGroup:
    return SourceGroup(
        gid, name, tuple(FrameSourceInfo(f"{gid}/{k}/{s}", k, s) for k, s in sources)
    )


def test_the_camera_and_its_stream_are_chosen() -> None:
    hello = _group("ir", "Windows Hello", ("infrared", "record"))
    laptop = _group("cam0", "Integrated Camera", ("color", "preview"), ("color", "record"))
    usb = _group("cam1", "USB Webcam", ("color", "preview"))
    groups = [hello, laptop, usb]
    # infrared-only groups are not cameras; a record stream is preferred to preview
    assert pick_group(groups, 0) == (laptop, laptop.sources[1])
    assert pick_group(groups, 1) == (usb, usb.sources[0])
    with pytest.raises(NoDeviceError, match=r"no camera 2 .*0: Integrated Camera, 1: USB Webcam"):
        pick_group(groups, 2)
    with pytest.raises(NoDeviceError, match=r"\(cameras: none\)"):
        pick_group([hello], 0)


def test_the_slot_keeps_the_newest_frame_across_threads(frame: np.ndarray) -> None:
    slot = LatestFrame()
    assert slot.take(0.01) is None
    frames = [np.full((2, 2, 3), i, np.uint8) for i in range(5)]
    pusher = threading.Thread(target=lambda: [slot.push(f) for f in frames])
    pusher.start()
    pusher.join()
    assert slot.take(1.0) is frames[-1] and slot.replaced == 4
    later = threading.Timer(0.05, slot.push, args=(frame,))
    later.start()
    assert slot.take(5.0) is frame  # a reader waits for the callback's next frame
    later.join()
    slot.close()
    assert slot.take(5.0) is None  # closed: no wait


def test_shared_access_elsewhere_says_it_is_windows_only() -> None:
    print(NOT_ON_WINDOWS)
    source = WinRTCameraSource(0)
    with pytest.raises(SourceError, match="only on Windows"):
        source.start()
    source.stop()
    source.stop()  # safe twice
    with pytest.raises(SourceError, match="only on Windows"):
        start_video_source("shared:0", clock=SessionClock())
