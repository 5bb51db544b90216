"""Pass-through ("Presence Coach camera"): every camera frame republished to a target.

The session owns the real camera; :class:`CameraShare` hands each frame, unchanged and in
order, to an ``ffmpeg`` child through a pipe, and ffmpeg writes it to the target the call app
reads: a v4l2loopback device (``/dev/videoN``, Linux) or any ffmpeg output URL or file.

* ``write(frame)`` never blocks the capture or analysis: frames wait in a bounded queue
  (:data:`QUEUE_FRAMES`); when ffmpeg falls behind and the queue is full the frame is
  dropped and counted (``dropped``), and the summary says so. While ffmpeg starts (a few
  hundred ms, during which a joined stream also delivers its burst) up to
  :data:`START_QUEUE_FRAMES` wait, until the writer first emptied the queue.
* The writer thread starts ffmpeg on the first frame (its size and the source's rate fix
  the pipe's format). A later frame of another size (a camera reopened at another size) is
  scaled to the first size, because a virtual camera cannot change size mid-call.
* ``stop()`` closes the pipe, waits for ffmpeg (then kills it) and joins the thread; safe
  twice. An ffmpeg that exits early (a bad target) ends the sharing only, with its reason in
  ``failure``; the analysis goes on.

Frames go out losslessly except to a v4l2loopback device, which gets ``yuv420p`` (the
format call apps read); URL targets get the raw BGR frames in NUT and files FFV1 in NUT,
so each frame's pixels are the camera's (tests check this with frame checksums).
"""

from __future__ import annotations

import dataclasses
import os
import queue
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from presence_coach.errors import SourceError
from presence_coach.sources.base import keep_lines
from presence_coach.sources.share_setup import SYSFS_VIDEO, loopback_devices

QUEUE_FRAMES = 8  # frames waiting for ffmpeg (~0.27 s at 30 fps); more are dropped
START_QUEUE_FRAMES = 60  # the same while ffmpeg starts, until it first caught up (a burst)
START_QUEUE_BYTES = 64 << 20  # ... but no more than this much memory (large frames: fewer)
FIRST_FRAME_WAIT_S = 3.0  # wait_started(): ffmpeg must take the first frame within this
START_CHECK_S = 1.0  # ... and then still run this long (a bad target ends it sooner)
STOP_WAIT_S = 3.0  # stop(): ffmpeg gets this long to finish after its pipe closes
STDERR_LINES = 5  # ffmpeg's last stderr lines kept to say why it ended
DEVICE_PIX_FMT = "yuv420p"  # what v4l2loopback consumers (Chrome, Zoom, Teams) accept


def is_device(target: str) -> bool:
    """A Linux video device path (a v4l2loopback target), as opposed to a URL or file."""
    return target.startswith("/dev/video")


def share_command(target: str, width: int, height: int, fps: float) -> list[str]:
    """The ffmpeg argv reading raw BGR frames (``width`` x ``height``) from stdin and
    writing them to ``target``: v4l2 (yuv420p) for ``/dev/videoN``; raw BGR in NUT for a
    URL (no encoding: ~2 % of a core, measured in bench/RESULTS-share.md); lossless FFV1 in
    NUT for a file (a tenth of the size, ~18 % of a core at 480x480, 30 fps)."""
    head = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
    raw_in = ["-f", "rawvideo", "-pix_fmt", "bgr24", "-video_size", f"{width}x{height}"]
    raw_in += ["-framerate", f"{fps:g}", "-i", "pipe:0"]
    if is_device(target):
        out = ["-pix_fmt", DEVICE_PIX_FMT, "-f", "v4l2", target]
    elif "://" in target:
        out = ["-c:v", "rawvideo", "-f", "nut", target]
    else:
        out = ["-c:v", "ffv1", "-level", "3", "-g", "1", "-slices", "4", "-f", "nut", target]
    return [*head, *raw_in, "-an", *out]


def check_target(target: str, *, sysfs: Path = SYSFS_VIDEO) -> None:
    """Fail early, with what to do, when a device target is a real camera (not a
    v4l2loopback device), is not there, or is not writable. ``sysfs``: where the kernel
    lists video devices."""
    if not is_device(target):
        return
    name = Path(target).name
    loopbacks = {Path(dev).name for dev, _ in loopback_devices(sysfs)}
    if (sysfs / name).exists() and name not in loopbacks:
        raise SourceError(
            f"cannot share the camera to {target}: it is a camera, not a v4l2loopback "
            "device; `presence-coach camera-share` names the shared camera's device"
        )
    if not os.path.exists(target):
        raise SourceError(
            f"cannot share the camera to {target}: there is no such device; create it with "
            "`presence-coach camera-share --setup` (v4l2loopback)"
        )
    if not os.access(target, os.W_OK):
        raise SourceError(
            f"cannot share the camera to {target}: no permission to write it; add yourself to "
            "the 'video' group (sudo usermod -aG video $USER, then log in again)"
        )


@dataclass(frozen=True)
class ShareStats:
    """What the sharing did, for the summary (``summary['share']``)."""

    target: str  # where the frames went
    frames_in: int  # frames the camera delivered to write()
    frames_out: int  # frames ffmpeg took through the pipe
    dropped: int  # frames dropped because ffmpeg fell behind (queue full) or had ended
    resized: int  # frames scaled to the first frame's size
    latency_ms_p50: float | None  # write() to the end of the pipe write, median
    latency_ms_p95: float | None  # the same, 95th percentile
    failure: str | None  # why ffmpeg ended early (its last error line); None when it did not

    def note(self) -> str | None:
        """One sentence for the session's notes when sharing lost frames or failed."""
        if self.failure:
            return f"camera sharing to {self.target} stopped: {self.failure}"
        if self.dropped:
            return (
                f"camera sharing to {self.target} fell behind and dropped {self.dropped} of "
                f"{self.frames_in} frames"
            )
        return None


class CameraShare:
    """Republishes frames to ``target`` through an ffmpeg child (see the module notes).

    Args:
        target: ``/dev/videoN`` or an ffmpeg output URL or file path.
        fps: the camera's frame rate (stated to ffmpeg; the pipe carries no timestamps).
    """

    def __init__(self, target: str, *, fps: float = 30.0) -> None:
        self.target = target
        self.fps = fps
        self.frames_in = 0
        self.frames_out = 0
        self.dropped = 0
        self.resized = 0
        self.failure: str | None = None
        self.command: list[str] | None = None  # the ffmpeg argv, once started
        self._queue: queue.Queue[tuple[np.ndarray, float] | None] = queue.Queue()
        self._caught_up = False  # the writer emptied the queue once (then QUEUE_FRAMES)
        self._size: tuple[int, int] | None = None  # (width, height) of the first frame
        self._latency_s: deque[float] = deque(maxlen=10_000)
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_thread: threading.Thread | None = None  # reads ffmpeg's stderr
        self._stderr: deque[str] = deque(maxlen=STDERR_LINES)
        self._first_written = threading.Event()
        self._ended = threading.Event()  # the writer thread finished
        self._closed = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the writer thread (ffmpeg starts with the first frame)."""
        check_target(self.target)
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="camera-share", daemon=True)
            self._thread.start()

    def write(self, image: np.ndarray) -> None:
        """Queue one (H, W, 3) uint8 BGR frame; never blocks (drops when full or ended)."""
        with self._lock:
            self.frames_in += 1
            limit = QUEUE_FRAMES
            if not self._caught_up:
                limit = max(limit, min(START_QUEUE_FRAMES, START_QUEUE_BYTES // image.nbytes))
            if self._closed or self._ended.is_set() or self._queue.qsize() >= limit:
                self.dropped += 1
                return
            self._queue.put_nowait((image, time.perf_counter()))

    def wait_started(self, timeout_s: float = START_CHECK_S) -> None:
        """Wait until ffmpeg took the first frame and is still running ``timeout_s`` later;
        raise :class:`SourceError` (with ffmpeg's reason) when it ended instead."""
        self._first_written.wait(FIRST_FRAME_WAIT_S)
        deadline = time.monotonic() + timeout_s
        while not self._ended.wait(0.05) and time.monotonic() < deadline:
            proc = self._proc
            if proc is not None and proc.poll() is not None:
                if self.failure is None:
                    self.failure = self._reason()
                break
        if self.failure is not None:
            raise SourceError(f"cannot share the camera to {self.target}: {self.failure}")

    def stop(self) -> None:
        """Close the pipe, let ffmpeg finish (or kill it), join the thread; safe twice."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put_nowait(None)  # after the frames already queued
        thread = self._thread
        if thread is None:
            return
        thread.join(timeout=STOP_WAIT_S + 1.0)
        if thread.is_alive() and self._proc is not None:
            if self.failure is None:
                self.failure = f"ffmpeg could not write to {self.target}; stopped it"
            self._proc.kill()  # stuck writing to an ffmpeg that cannot write its target
            thread.join(timeout=STOP_WAIT_S + 1.0)
        if not thread.is_alive():
            self._thread = None

    def stats(self) -> ShareStats:
        """The counts so far (complete after :meth:`stop`)."""
        lat = sorted(self._latency_s)
        p50 = round(1000 * lat[len(lat) // 2], 3) if lat else None
        p95 = round(1000 * lat[min(len(lat) - 1, int(0.95 * len(lat)))], 3) if lat else None
        return ShareStats(
            self.target,
            self.frames_in,
            self.frames_out,
            self.dropped,
            self.resized,
            p50,
            p95,
            self.failure,
        )

    # ---- writer thread ------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while (item := self._queue.get()) is not None:
                image, t_in = item
                if not self._send(image):
                    break
                self._latency_s.append(time.perf_counter() - t_in)
                if not self._caught_up and self._queue.empty():
                    self._caught_up = True
        finally:
            self._finish()
            self._ended.set()
            self._drain()

    def _send(self, image: np.ndarray) -> bool:
        """Write one frame to ffmpeg (starting it on the first); False once it ended."""
        height, width = image.shape[:2]
        if self._size is None:
            self._size = (width, height)
            if not self._spawn(width, height):
                return False
        elif (width, height) != self._size:
            image = cv2.resize(image, self._size, interpolation=cv2.INTER_AREA)
            self.resized += 1
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(np.ascontiguousarray(image, dtype=np.uint8).data)
        except (BrokenPipeError, OSError, ValueError):
            with self._lock:
                self.dropped += 1
            self._proc.wait(timeout=STOP_WAIT_S)
            if self.failure is None:  # stop() may have said why it stopped ffmpeg
                self.failure = self._reason()
            return False
        self.frames_out += 1
        self._first_written.set()
        return True

    def _spawn(self, width: int, height: int) -> bool:
        """Start ffmpeg for frames of this size; False (with ``failure``) when it cannot."""
        self.command = share_command(self.target, width, height, self.fps)
        try:
            self._proc = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:  # no ffmpeg on PATH
            self.failure = f"cannot run ffmpeg ({exc.strerror}); install ffmpeg"
            return False
        self._log_thread = threading.Thread(
            target=keep_lines,
            args=(self._proc.stderr, self._stderr),
            name="camera-share-log",
            daemon=True,
        )
        self._log_thread.start()
        return True

    def _reason(self) -> str:
        """Why ffmpeg ended: its last stderr line, once the reader has taken all of it (the
        writer can see the broken pipe before the reader sees the line)."""
        if self._log_thread is not None:
            self._log_thread.join(timeout=STOP_WAIT_S)  # ffmpeg ended: its stderr is at EOF
        last = self._stderr[-1] if self._stderr else None
        code = self._proc.returncode if self._proc is not None else None
        return last or f"ffmpeg ended (exit status {code})"

    def _finish(self) -> None:
        """Close ffmpeg's pipe and wait for it to finish writing (kill it after a while)."""
        proc = self._proc
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except OSError:
            pass
        try:
            code = proc.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()  # it could not finish writing: the frames after the stop are lost
            code = proc.wait()
        if self._log_thread is not None:
            self._log_thread.join(timeout=STOP_WAIT_S)
        if code not in (0, -9) and self.failure is None:
            self.failure = self._reason()

    def _drain(self) -> None:
        """Frames still queued when the writer ended count as dropped."""
        with self._lock:
            while True:
                try:
                    if self._queue.get_nowait() is not None:
                        self.dropped += 1
                except queue.Empty:
                    return


# ---- a live session's use --------------------------------------------------------------


def open_share(target: str | None, *, fps: float | None = None) -> CameraShare | None:
    """The started writer for ``session --share-camera TARGET``, or None without one; it
    takes frames from the camera's first. A device target that is not there fails here,
    before the camera is opened."""
    if target is None:
        return None
    share = CameraShare(target, fps=fps or 30.0)
    share.start()
    return share


def start_share(share: CameraShare | None) -> None:
    """Once the camera gave its first frame: fail with ffmpeg's reason when the target
    cannot be written."""
    if share is not None:
        share.wait_started()


def add_share_summary(summary: dict, share: CameraShare | None) -> None:
    """Stop the sharing and put what it did in ``summary['share']`` (None without it), and
    a note when it dropped frames or stopped."""
    if share is None:
        summary["share"] = None
        return
    share.stop()
    stats = share.stats()
    summary["share"] = dataclasses.asdict(stats)
    note = stats.note()
    if note:
        summary.setdefault("device_notes", []).append(note)
