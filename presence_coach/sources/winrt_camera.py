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
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from presence_coach.clock import SessionClock
from presence_coach.errors import SourceError
from presence_coach.sources.video import VideoSource

SHARED_PREFIX = "shared:"  # --camera shared:N asks for shared read-only access to camera N
FRAME_WAIT_S = 0.5  # a read waits this long for WinRT's next frame (then counts a failure)


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
