"""Video sources: a camera index, a file or a stream URL, through ``cv2.VideoCapture``.

One class, :class:`VideoSource`, opens all three. Every :class:`Frame` carries its own
timestamp on the session clock; end of stream is explicit (``read()`` returns ``None``).

* Live sources (camera, stream URL, or a file with ``realtime=True``) run a capture thread
  that keeps only the newest frame: a frame not taken before the next one arrives is
  dropped and counted, never queued, so latency cannot grow.
* A camera or stream is opened by its capture thread; ``start()`` waits at most
  :data:`OPEN_DEADLINE_S` for the first frame and otherwise fails with one sentence saying
  what to do (:mod:`presence_coach.sources.advice`): opening never hangs.
* No frame for :data:`DROPOUT_MIN_S` is a gap (:class:`Gap`). With ``reconnect=True`` a lost
  camera or stream is opened again (with backoff) until it comes back or ``stop()``; the
  frames of a read that waited through the gap are stale and are dropped.
* A file without ``realtime`` delivers every frame, as fast as the reader asks, stamped
  with its media time.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")  # OpenCV's own warnings go to stderr
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET: no libav chatter

import cv2
import numpy as np

from presence_coach.clock import SessionClock
from presence_coach.errors import NoDeviceError, SourceError
from presence_coach.files import check_readable
from presence_coach.sources import advice, camera_open

if hasattr(cv2, "utils") and hasattr(cv2.utils, "logging"):  # also if cv2 was imported first
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)

OPEN_DEADLINE_S = 4.0  # a camera or stream must deliver its first frame within this
STREAM_OPEN_TIMEOUT_MS = 3500  # FFmpeg's own open timeout (inside the deadline)
STREAM_READ_TIMEOUT_MS = 1500  # a stream read waiting this long gives up (then: reopen)
CAMERA_READ_RETRIES = 30  # consecutive failed reads (~1 s at 30 fps) before a camera is lost
DROPOUT_MIN_S = 1.0  # no frame for this long: the picture is lost (a gap)
RECONNECT_BACKOFF_S = (0.5, 1.0, 2.0)  # waits between attempts to reopen; the last repeats
STOP_JOIN_S = 5.0  # stop() waits this long for the capture thread
DEFAULT_FPS = 30.0  # used when a file does not state its frame rate


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame."""

    t: float  # session-clock seconds: capture time (live) or media time (file)
    image: np.ndarray  # (H, W, 3) uint8, BGR as OpenCV decodes it
    index: int  # position in the source, counting dropped frames
    t_captured: float  # session-clock seconds when the source had the frame ready
    decode_s: float  # seconds the source spent reading and decoding it


@dataclass(frozen=True, slots=True)
class Gap:
    """A stretch without a picture from a live camera or stream."""

    start_s: float  # session clock: when the last frame before it arrived
    end_s: float | None  # when the first frame after it arrived; None while it lasts
    reason: str  # what the source saw, e.g. "no picture" or "stream stopped delivering frames"


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
        size: requested (width, height) for cameras, except on macOS (where asking would
            change the call app's picture); other sources are delivered as they are.
        reconnect: a camera or stream that stops delivering is reopened until it comes back
            (gaps are recorded); without it, the source ends (``end_reason`` says why).
        on_frame: called in the capture thread with every frame's image of a live source, in
            order, before analysis may drop it (the pass-through,
            :class:`~presence_coach.sources.share.CameraShare`); it must not block.

    Use as a context manager or call :meth:`start` / :meth:`stop` (safe twice).
    """

    def __init__(
        self,
        spec: int | str | Path,
        *,
        realtime: bool = False,
        clock: SessionClock | None = None,
        size: tuple[int, int] | None = None,
        reconnect: bool = False,
        on_frame: Callable[[np.ndarray], None] | None = None,
    ) -> None:
        self.kind, self.target = parse_spec(spec)
        self.live = self.kind != "file" or realtime
        self.clock = clock or SessionClock()
        self.reconnect = reconnect
        self.dropped = 0  # frames replaced in the newest-frame slot before anyone took them
        self.end_reason: str | None = None  # why a live source ended early, if it did
        self.reconnects = 0  # times a lost camera or stream was opened again
        self._size = size
        self._on_frame = on_frame
        self._opened_format: camera_open.CameraFormat | None = None  # a camera's, at open
        self.format_note: str | None = None  # macOS: the camera's format changed on opening
        self._cap: cv2.VideoCapture | None = None  # files only; the capture thread owns others
        self._started = False
        self._index = 0
        self._last_media_t = -1.0
        self._slot: Frame | None = None
        self._eos = False
        self._failure: SourceError | None = None  # why a camera or stream could not open
        self._last_frame_t: float | None = None  # session time of the newest live frame
        self._lost_reason = "no picture"
        self._gaps: list[Gap] = []  # closed gaps not yet taken
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
        """Open the source (and start the capture thread of a live source).

        A camera or stream is started once its first frame arrived.

        Raises:
            SourceError: the source cannot be opened, or gave no frame within
                :data:`OPEN_DEADLINE_S` (the message says what to do).
        """
        if self._started:
            return
        if self.kind != "file":
            self._start_device()
            self._started = True
            return
        self._cap = self._open_file()
        self._started = True
        self._read_properties(self._cap)
        self.frame_count = max(0, int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT)))
        if self.live:
            self._thread = threading.Thread(
                target=self._file_loop, name="video-capture", daemon=True
            )
            self._thread.start()

    def stop(self, *, join_s: float = STOP_JOIN_S) -> None:
        """Stop capture and release the device or file; safe to call more than once."""
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=join_s)
            if not thread.is_alive():
                self._thread = None
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    # ---- reading ---------------------------------------------------------------------

    def read(self, timeout_s: float | None = None) -> Frame | None:
        """The next frame, or ``None`` at end of stream (or after ``timeout_s`` with none).

        Live sources return the newest frame and wait for one newer than the last returned.
        """
        if not self._started and not self.live:
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
            if self._stopping.is_set():  # a frame published while stopping is not read
                self._slot = None
                return None
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

    def open_gap(self) -> Gap | None:
        """The gap going on now (no frame for :data:`DROPOUT_MIN_S`), else None."""
        if self.kind == "file":
            return None
        with self._cond:
            last = self._last_frame_t
            reason = self._lost_reason
        if last is None or self.clock.now() - last < DROPOUT_MIN_S:
            return None
        return Gap(last, None, reason)

    def take_gaps(self) -> list[Gap]:
        """The gaps that ended since the last call (each is handed out once)."""
        with self._cond:
            gaps, self._gaps = self._gaps, []
        return gaps

    # ---- opening ---------------------------------------------------------------------

    def _start_device(self) -> None:
        """Start the capture thread of a camera or stream; wait for its first frame."""
        self._thread = threading.Thread(target=self._device_loop, name="video-capture")
        self._thread.daemon = True
        self._thread.start()
        deadline = time.monotonic() + OPEN_DEADLINE_S
        with self._cond:
            while self._last_frame_t is None and not self._eos:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            started, failure = self._last_frame_t is not None, self._failure
        if started:
            return
        self.stop(join_s=STREAM_READ_TIMEOUT_MS / 1000 + 1.0)
        if failure is not None:
            raise failure
        if self.kind == "camera":
            raise SourceError(advice.busy_camera(int(self.target)))
        raise SourceError(advice.silent_stream(str(self.target), OPEN_DEADLINE_S))

    def _open_device(self) -> cv2.VideoCapture:
        """Open the camera or stream (in the capture thread)."""
        if self.kind == "camera":
            index = int(self.target)
            cap, self._opened_format = camera_open.open_camera(index, self._size)
            if not cap.isOpened():
                cap.release()
                if sys.platform.startswith("linux") and Path(f"/dev/video{index}").exists():
                    raise SourceError(advice.busy_camera(index))
                raise NoDeviceError(advice.absent_camera(index))
            return cap
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            STREAM_OPEN_TIMEOUT_MS,
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            STREAM_READ_TIMEOUT_MS,
        ]
        cap = cv2.VideoCapture(str(self.target), cv2.CAP_FFMPEG, params)
        if not cap.isOpened():
            cap.release()
            raise SourceError(advice.silent_stream(str(self.target), STREAM_OPEN_TIMEOUT_MS / 1000))
        return cap

    def _open_file(self) -> cv2.VideoCapture:
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

    def _read_properties(self, cap: cv2.VideoCapture) -> None:
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 1.0 <= fps <= 240.0 else DEFAULT_FPS
        self.width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))

    # ---- capture threads -------------------------------------------------------------

    def _decode(self, cap: cv2.VideoCapture) -> tuple[np.ndarray | None, float]:
        """Read one frame; also return the seconds spent decoding it.

        A live read blocks until the device has a frame, so there the cost is the capture
        thread's CPU time (not wall time, which would count the wait for the next frame).
        """
        clock = time.thread_time if self.live else time.perf_counter
        t0 = clock()
        ok, image = cap.read()
        return (image if ok else None), clock() - t0

    def _device_loop(self) -> None:
        """Capture thread of a camera or stream: open, read, and reopen when lost."""
        cap: cv2.VideoCapture | None = None
        attempt = 0
        try:
            while not self._stopping.is_set():
                if cap is None:
                    cap = self._reopen(attempt)
                    attempt = 0 if cap is not None else attempt + 1
                    if self._failure is not None:
                        return
                    continue
                if not self._read_device(cap):
                    cap.release()
                    cap = None
                    if not self.reconnect:
                        self.end_reason = self._lost_reason
                        return
        finally:
            if cap is not None:
                cap.release()
            with self._cond:
                self._eos = True
                self._cond.notify_all()

    def _reopen(self, attempt: int) -> cv2.VideoCapture | None:
        """Open the device (after the backoff of failed attempt number ``attempt``); None
        when it fails. A failed first open is kept in ``_failure`` for :meth:`start`."""
        if attempt:
            wait_s = RECONNECT_BACKOFF_S[min(attempt, len(RECONNECT_BACKOFF_S)) - 1]
            if self._stopping.wait(wait_s):
                return None
        try:
            cap = self._open_device()
        except SourceError as exc:
            if self._index == 0:
                self._failure = exc
            return None
        if self._index:
            self.reconnects += 1
        else:
            self._read_properties(cap)
        return cap

    def _read_device(self, cap: cv2.VideoCapture) -> bool:
        """Read frames until the device stops delivering; False when it is lost."""
        failures = 0
        first = True  # the first read of a (re)opened stream may wait for a key frame
        while not self._stopping.is_set():
            waited = time.monotonic()
            image, decode_s = self._decode(cap)
            waited = time.monotonic() - waited
            if image is None:
                failures += 1
                if self.kind == "camera" and failures < CAMERA_READ_RETRIES:
                    time.sleep(0.03)
                    continue
                self._lost_reason = f"{self.kind} stopped delivering frames"
                return False
            if self.kind == "stream" and waited > DROPOUT_MIN_S and not first:
                # the decoder's frames from before the stall: stale, and more may follow
                self._lost_reason = "stream stalled"
                return False
            if first and self._opened_format is not None and self._index == 0:
                now_format = camera_open.camera_format(cap)
                self.format_note = camera_open.format_change(
                    self._opened_format, image.shape, now_format
                )
            failures, first = 0, False
            now = self.clock.now()
            self._publish(Frame(now, image, self._index, now, decode_s))
            self._index += 1
        return True

    def _file_loop(self) -> None:
        """Capture thread of a realtime file: frames paced to their media time."""
        assert self._cap is not None
        start = self.clock.now()
        try:
            while not self._stopping.is_set():
                image, decode_s = self._decode(self._cap)
                if image is None:
                    break
                t = start + self._media_time()
                delay = t - self.clock.now()
                if delay > 0 and self._stopping.wait(delay):
                    break
                self._publish(Frame(t, image, self._index, self.clock.now(), decode_s))
                self._index += 1
        finally:
            with self._cond:
                self._eos = True
                self._cond.notify_all()

    def _publish(self, frame: Frame) -> None:
        with self._cond:
            if self._stopping.is_set():  # decoded while stop() ran: nobody reads it
                return
            last = self._last_frame_t
            if self.kind != "file" and last is not None and frame.t - last >= DROPOUT_MIN_S:
                self._gaps.append(Gap(last, frame.t, self._lost_reason))
            self._last_frame_t = frame.t
            self._lost_reason = "no picture"
            if self._slot is not None:
                self.dropped += 1
            self._slot = frame
            self._cond.notify_all()
        if self._on_frame is not None:
            self._on_frame(frame.image)

    # ---- files -----------------------------------------------------------------------

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
        image, decode_s = self._decode(self._cap)
        if image is None:
            return None
        t = self._media_time()
        frame = Frame(t=t, image=image, index=self._index, t_captured=t, decode_s=decode_s)
        self._index += 1
        return frame
