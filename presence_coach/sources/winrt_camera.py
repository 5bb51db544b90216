"""Windows: a camera opened shared read-only through WinRT ``MediaCapture``.

Windows opens cameras exclusively, so beside a call app the normal open fails. WinRT's
``MediaCapture`` in ``SharedReadOnly`` mode reads the camera the call app is using, in the
format the call app chose (a shared reader cannot change it, which is what a call needs).
:class:`WinRTCameraSource` is a :class:`~presence_coach.sources.video.VideoSource` whose
device is such a reader: the same timestamped frames, explicit end, gaps, reconnects and a
``stop()`` safe twice. :func:`start_video_source` uses it on Windows when the normal open
of a camera fails, or when asked (``--camera shared:0``).

NOT RUN ON A REAL WINDOWS CAMERA: these machines are Linux without cameras. What is tested
here is the pure part: converting frame buffers (BGRA8, NV12, with row padding) to BGR
arrays, choosing the source group and stream, and the newest-frame slot between WinRT's
frame-arrived callback and the reading thread. The WinRT calls follow Microsoft's
documented API (``MediaFrameSourceGroup.FindAllAsync``, ``MediaCaptureInitializationSettings``
with ``SharingMode = SharedReadOnly``, ``MediaFrameReader`` with a BGRA8 subtype) through
the PyWinRT ``winrt-Windows.*`` packages (Windows-only dependencies in pyproject.toml).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from presence_coach.errors import NoDeviceError, SourceError
from presence_coach.session.clock import SessionClock
from presence_coach.sources.video import VideoSource

SHARED_PREFIX = "shared:"  # --camera shared:N asks for shared read-only access to camera N
FRAME_WAIT_S = 0.5  # a read waits this long for WinRT's next frame (then counts a failure)
STREAM_PREFERENCE = ("record", "preview")  # a color stream of these kinds, in this order


@dataclass(frozen=True)
class FrameSourceInfo:
    """One frame source of a camera (WinRT ``MediaFrameSourceInfo``), as plain values."""

    id: str  # the source's id, used to pick it in MediaCapture.FrameSources
    kind: str  # "color", "infrared" or "depth" (MediaFrameSourceKind, lower case)
    stream: str  # "record", "preview" or "photo" (MediaStreamType, lower case)


@dataclass(frozen=True)
class SourceGroup:
    """One camera (WinRT ``MediaFrameSourceGroup``), as plain values."""

    id: str  # the group's id, for MediaCaptureInitializationSettings.SourceGroup
    name: str  # the camera's display name
    sources: tuple[FrameSourceInfo, ...]  # its frame sources


def color_source(group: SourceGroup) -> FrameSourceInfo | None:
    """The group's color stream to read: a record stream, else a preview one, else None."""
    for stream in STREAM_PREFERENCE:
        for info in group.sources:
            if info.kind == "color" and info.stream == stream:
                return info
    return None


def pick_group(groups: Sequence[SourceGroup], index: int) -> tuple[SourceGroup, FrameSourceInfo]:
    """Camera number ``index`` among the groups that have a color stream (infrared-only
    groups, such as Windows Hello sensors, are not cameras here), and its stream.

    Raises:
        NoDeviceError: fewer cameras than ``index + 1``.
    """
    cameras = [(g, s) for g in groups if (s := color_source(g)) is not None]
    if not 0 <= index < len(cameras):
        names = ", ".join(f"{i}: {g.name}" for i, (g, _) in enumerate(cameras)) or "none"
        raise NoDeviceError(
            f"no camera {index} for shared access (cameras: {names}); pick one with --camera"
        )
    return cameras[index]


def _rows(buffer: np.ndarray | bytes, rows: int, row_bytes: int, stride: int) -> np.ndarray:
    """(rows, row_bytes) view of a buffer whose rows are ``stride`` bytes apart."""
    flat = np.frombuffer(buffer, dtype=np.uint8)
    if stride < row_bytes or flat.size < stride * (rows - 1) + row_bytes:
        raise SourceError(
            f"camera frame buffer too small: {flat.size} bytes for {rows} rows of "
            f"{row_bytes} (stride {stride})"
        )
    if flat.size < stride * rows:  # the last row may end without its padding
        flat = np.concatenate([flat, np.zeros(stride * rows - flat.size, np.uint8)])
    return flat[: stride * rows].reshape(rows, stride)[:, :row_bytes]


def bgra_to_bgr(buffer: np.ndarray | bytes, width: int, height: int, stride: int) -> np.ndarray:
    """A BGRA8 frame buffer (rows ``stride`` bytes apart) as a (H, W, 3) uint8 BGR array."""
    rows = _rows(buffer, height, 4 * width, stride).reshape(height, width, 4)
    return np.ascontiguousarray(rows[:, :, :3])


def nv12_to_bgr(buffer: np.ndarray | bytes, width: int, height: int, stride: int) -> np.ndarray:
    """An NV12 frame buffer (Y plane, then interleaved UV at half height; rows ``stride``
    bytes apart) as a (H, W, 3) uint8 BGR array. ``width`` and ``height`` are even."""
    if width % 2 or height % 2:
        raise SourceError(f"an NV12 frame has even sides, not {width}x{height}")
    planes = _rows(buffer, height + height // 2, width, stride)
    return cv2.cvtColor(np.ascontiguousarray(planes), cv2.COLOR_YUV2BGR_NV12)


class LatestFrame:
    """The newest frame from WinRT's frame-arrived callback (another thread) until the
    capture thread takes it; an older one not taken is replaced (and counted)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._image: np.ndarray | None = None
        self.replaced = 0  # frames replaced before they were taken
        self.closed = False

    def push(self, image: np.ndarray) -> None:
        with self._cond:
            if self._image is not None:
                self.replaced += 1
            self._image = image
            self._cond.notify_all()

    def take(self, timeout_s: float) -> np.ndarray | None:
        """The newest frame, waiting up to ``timeout_s``; None if none came (or closed)."""
        with self._cond:
            self._cond.wait_for(lambda: self._image is not None or self.closed, timeout_s)
            image, self._image = self._image, None
            return image

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


class WinRTCameraSource(VideoSource):
    """Camera ``index`` opened shared read-only through WinRT (Windows only).

    Same arguments and contract as :class:`VideoSource` for a camera index; the frames
    are the call app's format, converted to BGR.
    """

    def _open_device(self) -> _SharedCapture:  # type: ignore[override]
        return _SharedCapture.open(int(self.target))


class _SharedCapture:
    """The few ``cv2.VideoCapture`` calls :class:`VideoSource` makes, on a WinRT reader."""

    def __init__(self, capture: object, reader: object, slot: LatestFrame, fps: float) -> None:
        self._capture, self._reader, self._slot, self._fps = capture, reader, slot, fps
        self._size = (0, 0)

    @classmethod
    def open(cls, index: int) -> _SharedCapture:
        if sys.platform != "win32":
            raise SourceError(
                "shared read-only camera access (WinRT) is only on Windows; on this system "
                "use the camera index, or --share-camera (see `presence-coach camera-share`)"
            )
        from presence_coach.sources.winrt_open import open_shared_reader

        slot = LatestFrame()
        capture, reader, fps = open_shared_reader(index, slot.push)
        return cls(capture, reader, slot, fps)

    def isOpened(self) -> bool:  # the cv2.VideoCapture name
        return not self._slot.closed

    def read(self) -> tuple[bool, np.ndarray | None]:
        image = self._slot.take(FRAME_WAIT_S)
        if image is not None:
            self._size = (image.shape[1], image.shape[0])
        return image is not None, image

    def get(self, prop: int) -> float:
        if prop == cv2.CAP_PROP_FPS:
            return self._fps
        if prop in (cv2.CAP_PROP_FRAME_WIDTH, cv2.CAP_PROP_FRAME_HEIGHT):
            return float(self._size[0 if prop == cv2.CAP_PROP_FRAME_WIDTH else 1])
        return 0.0

    def release(self) -> None:
        """Stop the reader and close the capture (safe twice)."""
        if self._slot.closed:
            return
        self._slot.close()
        from presence_coach.sources.winrt_open import close_shared_reader

        close_shared_reader(self._capture, self._reader)


def start_video_source(
    spec: int | str | Path,
    *,
    clock: SessionClock,
    reconnect: bool = True,
    on_frame: Callable[[np.ndarray], None] | None = None,
    platform: str = sys.platform,
) -> VideoSource:
    """A started video source for ``spec``: ``shared:N`` opens camera N shared read-only
    (Windows); on Windows a camera the normal open cannot use is opened shared read-only
    too; anything else is a :class:`VideoSource`.

    Raises:
        SourceError: as :meth:`VideoSource.start` (the first open's reason, if both fail).
    """
    text = str(spec)
    kw = {"clock": clock, "reconnect": reconnect, "on_frame": on_frame}
    if text.startswith(SHARED_PREFIX) and text[len(SHARED_PREFIX) :].isdigit():
        shared = WinRTCameraSource(int(text[len(SHARED_PREFIX) :]), **kw)
        shared.start()
        return shared
    source = VideoSource(spec, **kw)
    try:
        source.start()
        return source
    except SourceError as first:
        if platform != "win32" or source.kind != "camera":
            raise
        shared = WinRTCameraSource(source.target, **kw)
        try:
            shared.start()
        except SourceError:
            raise first from None
        return shared
