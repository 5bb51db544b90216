"""The pass-through writer (:class:`CameraShare`) with a real ffmpeg child and real frames.

Frames come from a real clip; what ffmpeg wrote is decoded by a separate ffmpeg
(``-f framemd5``, BGR) and compared frame by frame with the checksums of the frames given.
v4l2loopback cannot be loaded on these machines (no kernel modules), so the device write
itself is not run here: the device command is checked as argv, and a FIFO with nobody
reading it stands in for a device that does not take frames.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from presence_coach.errors import SourceError
from presence_coach.sources.share import (
    START_QUEUE_FRAMES,
    CameraShare,
    check_target,
    share_command,
)
from presence_coach.sources.share_setup import (
    LoopbackState,
    linux_check,
    loopback_devices,
    setup_text,
)
from presence_coach.sources.video import VideoSource
from tests.cli_helpers import assert_one_line_error, run_cli
from tests.conftest import FACE_CLIPS

CLIP = next(p for p in FACE_CLIPS if p.stem == "d6")
FRAMEMD5_BGR = ["-pix_fmt", "bgr24", "-f", "framemd5", "-"]  # one MD5 per decoded BGR frame


def _clip_frames(n: int) -> list[np.ndarray]:
    with VideoSource(CLIP) as source:
        return [frame.image for _, frame in zip(range(n), source, strict=False)]


def _md5(image: np.ndarray) -> str:
    return hashlib.md5(np.ascontiguousarray(image).tobytes()).hexdigest()


def frame_md5s(url: str, *, timeout_s: float = 60) -> list[str]:
    """The MD5 of every frame ffmpeg decodes from ``url``, as BGR24 bytes, in order."""
    proc = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", url, "-an", *FRAMEMD5_BGR],
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    assert proc.returncode == 0, proc.stderr
    return [line.rsplit(",", 1)[1].strip() for line in proc.stdout.splitlines() if line[:1] != "#"]


def test_every_frame_reaches_a_file_unchanged_and_in_order(tmp_path: Path) -> None:
    frames = _clip_frames(120)
    out = tmp_path / "shared.nut"
    share = CameraShare(str(out), fps=30.0)
    share.start()
    for image in frames:
        share.write(image)
        # a camera delivers ~30 frames a second; the test waits only when the queue is
        # full, so every frame gets through (the drop path is tested below)
        while share._queue.qsize() >= 8:
            threading.Event().wait(0.005)
    share.stop()
    stats = share.stats()
    assert stats.failure is None and stats.dropped == 0 and stats.resized == 0
    assert stats.frames_in == stats.frames_out == len(frames)
    assert stats.latency_ms_p50 is not None and stats.latency_ms_p50 > 0
    assert frame_md5s(str(out)) == [_md5(f) for f in frames]
    assert share._thread is None and share._log_thread is not None
    assert not share._log_thread.is_alive()
    share.stop()  # safe twice


def test_a_frame_of_another_size_is_scaled_to_the_first(tmp_path: Path) -> None:
    frames = _clip_frames(3)
    small = cv2.resize(frames[1], (240, 240))
    out = tmp_path / "shared.nut"
    share = CameraShare(str(out))
    share.start()
    for image in (frames[0], small, frames[2]):
        share.write(image)
    share.stop()
    assert share.stats().resized == 1 and share.stats().frames_out == 3
    md5s = frame_md5s(str(out))
    assert md5s[0] == _md5(frames[0]) and md5s[2] == _md5(frames[2])
    assert md5s[1] == _md5(cv2.resize(small, (480, 480), interpolation=cv2.INTER_AREA))


def test_a_target_that_takes_no_frames_drops_them_and_never_blocks(tmp_path: Path) -> None:
    """A FIFO nobody reads: ffmpeg blocks opening it, like a device that takes nothing.
    Every write() returns; what does not fit the queue is dropped; stop() ends it all."""
    fifo = tmp_path / "device"
    os.mkfifo(fifo)
    frames = _clip_frames(30)
    share = CameraShare(str(fifo))
    share.start()
    for i in range(200):
        share.write(frames[i % len(frames)])
    stats = share.stats()
    assert stats.frames_in == 200
    # at most the queue and the frames in ffmpeg's pipe buffer got through (64 KiB: none
    # of these 691 KB frames fits whole, so the writer thread is stuck in the first)
    assert stats.dropped >= 200 - START_QUEUE_FRAMES - 2
    share.stop()
    stats = share.stats()
    assert share._thread is None  # the writer thread ended
    assert stats.failure is not None and str(fifo) in stats.failure
    assert stats.frames_in == 200 and stats.dropped + stats.frames_out == 200
    assert stats.note() is not None and "stopped" in stats.note()


def test_a_bad_target_is_said_with_ffmpegs_reason(tmp_path: Path) -> None:
    share = CameraShare(str(tmp_path / "no-such-folder" / "x.nut"))
    share.start()
    share.write(_clip_frames(1)[0])
    with pytest.raises(SourceError) as raised:
        share.wait_started(timeout_s=5.0)
    share.stop()
    message = str(raised.value)
    assert "No such file or directory" in message and "no-such-folder" in message


def test_the_v4l2loopback_device_command() -> None:
    """The exact ffmpeg command for a /dev/videoN target (the device write itself cannot
    run here: v4l2loopback cannot be loaded on these machines, no kernel modules)."""
    print("v4l2loopback: not loadable on this machine; the device write is not run")
    assert share_command("/dev/video9", 1280, 720, 30.0) == [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
        "-f", "rawvideo", "-pix_fmt", "bgr24", "-video_size", "1280x720",
        "-framerate", "30", "-i", "pipe:0",
        "-an", "-pix_fmt", "yuv420p", "-f", "v4l2", "/dev/video9",
    ]  # fmt: skip


def test_camera_share_setup_prints_the_steps_and_checks_this_machine() -> None:
    proc = run_cli("camera-share", "--setup")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert 'sudo modprobe v4l2loopback exclusive_caps=1 card_label="Presence Coach"' in out
    assert "v4l2loopback-dkms" in out and "--share-camera /dev/videoN" in out
    # this machine: no v4l2loopback (no kernel modules can be loaded here)
    print("v4l2loopback: not loadable on this machine; the check says so")
    assert "v4l2loopback is not installed for this kernel" in out
    check = run_cli("camera-share")
    assert check.returncode == 0 and "modprobe" not in check.stdout
    assert "v4l2loopback is not installed" in check.stdout


def test_loopback_devices_are_the_virtual_ones(tmp_path: Path) -> None:
    """A sysfs tree in a temporary folder stands in for /sys/class/video4linux (there is
    no video device on these machines): videoN links into devices/, virtual or not."""
    devices = tmp_path / "devices"
    usb = "pci0000:00/usb1/1-1/video4linux/video0"
    for where, name in (("virtual/video4linux/video4", "Presence Coach"), (usb, "Webcam")):
        folder = devices / where
        folder.mkdir(parents=True)
        (folder / "name").write_text(name + "\n")
    sysfs = tmp_path / "class"
    sysfs.mkdir()
    (sysfs / "video4").symlink_to(devices / "virtual/video4linux/video4")
    (sysfs / "video0").symlink_to(devices / usb)
    assert loopback_devices(sysfs) == (("/dev/video4", "Presence Coach"),)
    assert loopback_devices(tmp_path / "none") == ()
    state = LoopbackState(loaded=True, installed=True, devices=loopback_devices(sysfs))
    assert linux_check(state)[-1] == "Ready: presence-coach session --share-camera /dev/video4"


def test_a_real_camera_is_not_a_share_target(tmp_path: Path) -> None:
    """The same stand-in sysfs tree: /dev/video0 there is a USB camera, video4 a loopback."""
    test_loopback_devices_are_the_virtual_ones(tmp_path)
    with pytest.raises(SourceError, match="it is a camera, not a v4l2loopback device"):
        check_target("/dev/video0", sysfs=tmp_path / "class")
    with pytest.raises(SourceError, match="no such device"):  # a loopback, but no node here
        check_target("/dev/video4", sysfs=tmp_path / "class")


def test_a_missing_device_target_is_one_line_before_the_camera_opens() -> None:
    proc = run_cli("session", "--share-camera", "/dev/video77", "--no-mic", "--duration", "1")
    assert_one_line_error(proc, "/dev/video77", "no such device", "camera-share --setup")


def test_windows_and_macos_need_no_pass_through() -> None:
    assert "shared read-only" in setup_text(platform="win32")
    assert "keeps the format" in setup_text(platform="darwin")


def test_the_device_command_up_to_the_device_write(tmp_path: Path) -> None:
    """The /dev/videoN command with its last step (``-f v4l2 DEVICE``) swapped for a raw
    write to a FIFO standing in for the device: what a call app would read is yuv420p
    frames of the camera's size, one per frame given, close to the camera's picture."""
    print("v4l2loopback: not loadable on this machine; a FIFO stands in for /dev/video9")
    frames = _clip_frames(30)
    fifo = tmp_path / "video9"
    os.mkfifo(fifo)
    cmd = share_command("/dev/video9", 480, 480, 30.0)
    assert cmd[-3:] == ["-f", "v4l2", "/dev/video9"]
    cmd = [*cmd[:-3], "-f", "rawvideo", str(fifo)]
    got: list[bytes] = []
    size = 480 * 480 * 3 // 2  # one yuv420p frame
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    subprocess.run(cmd, input=b"".join(f.tobytes() for f in frames), check=True, timeout=60)
    reader.join(timeout=30)
    data = got[0]
    assert len(data) == size * len(frames)
    for i, image in enumerate(frames):
        yuv = np.frombuffer(data[i * size : (i + 1) * size], np.uint8).reshape(720, 480)
        assert cv2.PSNR(cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR_I420), image) > 30.0, i
