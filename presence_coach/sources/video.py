"""Video sources: a camera index, a file or a stream URL, through ``cv2.VideoCapture``.

One class, :class:`VideoSource`, opens all three. Every :class:`Frame` carries its own
timestamp on the session clock; end of stream is explicit (``read()`` returns ``None``).

* Live sources (camera, stream URL, or a file with ``realtime=True``) run a capture thread
  that keeps only the newest frame: a frame not taken before the next one arrives is
  dropped and counted, never queued, so latency cannot grow.
* A file without ``realtime`` delivers every frame, as fast as the reader asks, stamped
  with its media time.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")  # OpenCV's own warnings go to stderr
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET: no libav chatter

import cv2
import numpy as np

from presence_coach.errors import NoDeviceError, SourceError
from presence_coach.files import check_readable
from presence_coach.session.clock import SessionClock

if hasattr(cv2, "utils") and hasattr(cv2.utils, "logging"):  # also if cv2 was imported first
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)

STREAM_TIMEOUT_MS = 5000  # open/read timeout for stream URLs
CAMERA_READ_RETRIES = 30  # consecutive failed reads (~1 s at 30 fps) before a camera is lost
DEFAULT_FPS = 30.0  # used when a file does not state its frame rate


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame."""

    t: float  # session-clock seconds: capture time (live) or media time (file)
    image: np.ndarray  # (H, W, 3) uint8, BGR as OpenCV decodes it
    index: int  # position in the source, counting dropped frames
    t_captured: float  # session-clock seconds when the source had the frame ready
    decode_s: float  # seconds the source spent reading and decoding it


def parse_spec(spec: int | str | Path) -> tuple[str, int | str]:
    """Classify a spec: ``("camera", index)``, ``("stream", url)`` or ``("file", path)``."""
    if isinstance(spec, int):
        return "camera", spec
    text = str(spec)
    if text.isdigit():
        return "camera", int(text)
    if "://" in text:
        return "stream", text
    return "file", text


class VideoSource:
    """A camera index, a video file or a stream URL.

    Args:
        spec: camera index (``0``), file path, or URL (``udp://...``, ``rtsp://...``, ``http://...``).
        realtime: for files, pace delivery to the media clock and behave like a live source.
        clock: the session clock; a new one is started if omitted.
        size: requested (width, height) for cameras; other sources are delivered as they are.

    Use as a context manager or call :meth:`start` / :meth:`stop` (safe twice).
    """

    def __init__(
        self,
        spec: int | str | Path,
        *,
        realtime: bool = False,
        clock: SessionClock | None = None,
        size: tuple[int, int] | None = None,
    ) -> None:
        self.kind, self.target = parse_spec(spec)
        self.live = self.kind != "file" or realtime
        self.clock = clock or SessionClock()
        self.dropped = 0  # frames replaced in the newest-frame slot before anyone took them
        self.end_reason: str | None = None  # why a live source ended early, if it did
        self._size = size
        self._cap: cv2.VideoCapture | None = None
        self._index = 0
        self._last_media_t = -1.0
        self._slot: Frame | None = None
        self._eos = False
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.fps = DEFAULT_FPS
        self.width = 0
        self.height = 0
        self.frame_count = 0  # files only; 0 when unknown

    # ---- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> VideoSource:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Open the source (and start the capture thread of a live source)."""
        if self._cap is not None:
            return
        self._cap = self._open()
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 1.0 <= fps <= 240.0 else DEFAULT_FPS
        self.width = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if self.kind == "file":
            self.frame_count = max(0, int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT)))
        if self.live:
            self._thread = threading.Thread(target=self._capture_loop, name="video-capture")
            self._thread.daemon = True
            self._thread.start()

    def stop(self) -> None:
        """Stop capture and release the device or file; safe to call more than once."""
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5.0)
            self._thread = None
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    # ---- reading ---------------------------------------------------------------------

    def read(self, timeout_s: float | None = None) -> Frame | None:
        """The next frame, or ``None`` at end of stream (or after ``timeout_s`` with none).

        Live sources return the newest frame and wait for one newer than the last returned.
        """
        if self._cap is None and not self.live:
            raise SourceError("video source is not started; use it as a context manager")
        if not self.live:
            return self._read_next()
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        with self._cond:
            while self._slot is None and not self._eos and not self._stopping.is_set():
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)
            frame, self._slot = self._slot, None
            return frame

    def __iter__(self) -> Iterator[Frame]:
        while (frame := self.read()) is not None:
            yield frame

    @property
    def ended(self) -> bool:
        """True once a live source has delivered its last frame."""
        with self._cond:
            return self._eos and self._slot is None

    # ---- internals -------------------------------------------------------------------

    def _open(self) -> cv2.VideoCapture:
        if self.kind == "camera":
            cap = cv2.VideoCapture(int(self.target))
            if not cap.isOpened():
                cap.release()
                raise NoDeviceError(
                    f"no camera found at index {self.target}: connect a webcam, close other "
                    "apps using it, or pick one with --camera (`presence-coach devices` lists them)"
                )
            if self._size:
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, self._size[0])
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self._size[1])
            return cap
        if self.kind == "stream":
            params = [
                cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
                STREAM_TIMEOUT_MS,
                cv2.CAP_PROP_READ_TIMEOUT_MSEC,
                STREAM_TIMEOUT_MS,
            ]
            cap = cv2.VideoCapture(str(self.target), cv2.CAP_FFMPEG, params)
            if not cap.isOpened():
                cap.release()
                raise SourceError(
                    f"cannot open video stream {self.target}: check the address and that "
                    "the stream is running"
                )
            return cap
        path = Path(str(self.target)).expanduser()
        if not path.exists():
            raise SourceError(f"video file not found: {path}")
        if not path.is_file():
            raise SourceError(f"not a video file: {path} is a directory or device")
        check_readable(path)
        cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        ok = cap.isOpened() and cap.grab()
        if not ok:
            cap.release()
            raise SourceError(f"cannot read {path} as video: the file is corrupt or not a video")
        # rewind after the probe read; fall back to reopening if seeking is unsupported
        if not cap.set(cv2.CAP_PROP_POS_FRAMES, 0) or cap.get(cv2.CAP_PROP_POS_FRAMES) != 0:
            cap.release()
            cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        return cap

    def _decode(self) -> tuple[np.ndarray | None, float]:
        """Read one frame; also return the seconds spent decoding it.

        A live read blocks until the device has a frame, so there the cost is the capture
        thread's CPU time (not wall time, which would count the wait for the next frame).
        """
        assert self._cap is not None
        clock = time.thread_time if self.live else time.perf_counter
        t0 = clock()
        ok, image = self._cap.read()
        return (image if ok else None), clock() - t0

    def _media_time(self) -> float:
        """Media time of the frame just decoded, strictly increasing."""
        assert self._cap is not None
        pos_ms = self._cap.get(cv2.CAP_PROP_POS_MSEC)
        t = pos_ms / 1000.0 if pos_ms > 0 or self._index == 0 else self._index / self.fps
        if t <= self._last_media_t:
            t = self._last_media_t + 1.0 / self.fps
        self._last_media_t = t
        return t

    def _read_next(self) -> Frame | None:
        if self._cap is None:
            return None
        image, decode_s = self._decode()
        if image is None:
            return None
        t = self._media_time()
        frame = Frame(t=t, image=image, index=self._index, t_captured=t, decode_s=decode_s)
        self._index += 1
        return frame

    def _publish(self, frame: Frame) -> None:
        with self._cond:
            if self._slot is not None:
                self.dropped += 1
            self._slot = frame
            self._cond.notify_all()

    def _capture_loop(self) -> None:
        failures = 0
        start = self.clock.now()
        try:
            while not self._stopping.is_set():
                image, decode_s = self._decode()
                if image is None:
                    if self.kind == "camera" and failures < CAMERA_READ_RETRIES:
                        failures += 1
                        time.sleep(0.03)
                        continue
                    if self.kind != "file":
                        self.end_reason = f"{self.kind} stopped delivering frames"
                    break
                failures = 0
                if self.kind == "file":
                    t = start + self._media_time()
                    delay = t - self.clock.now()
                    if delay > 0 and self._stopping.wait(delay):
                        break
                else:
                    t = self.clock.now()
                now = self.clock.now()
                self._publish(Frame(t, image, self._index, now, decode_s))
                self._index += 1
        finally:
            with self._cond:
                self._eos = True
                self._cond.notify_all()
