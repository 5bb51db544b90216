"""Opening a camera beside a video call without disturbing it.

macOS lets several apps use one camera, but the last one to open it sets its format: a
second client that asks for another size silently lowers the call's picture (users saw
1280x720 turn into 640x480 at 22 fps). So on macOS a camera is opened without asking for a
size or a rate; what it delivers is analysed as it is, and after the first frame the format
is compared with the one the camera had when it was opened (:func:`format_change`).
Elsewhere a requested size is still asked for (Linux and Windows do not share a camera's
format with another app: there the pass-through or shared read-only access is used).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import cv2


@dataclass(frozen=True)
class CameraFormat:
    """What a camera delivers."""

    width: int  # pixels; 0 when the driver does not say
    height: int  # pixels; 0 when the driver does not say
    fps: float  # frames a second; 0.0 when the driver does not say

    def __str__(self) -> str:
        rate = f" at {self.fps:g} fps" if self.fps > 0 else ""
        return f"{self.width}x{self.height}{rate}"


def requested_size(
    size: tuple[int, int] | None, *, platform: str = sys.platform
) -> tuple[int, int] | None:
    """The size to ask the camera for: none on macOS (the call app's format stays)."""
    return None if platform == "darwin" else size


def camera_format(cap: cv2.VideoCapture) -> CameraFormat:
    """The format an open capture reports."""
    return CameraFormat(
        int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
        int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        float(cap.get(cv2.CAP_PROP_FPS)),
    )


def open_camera(
    index: int, size: tuple[int, int] | None, *, platform: str = sys.platform
) -> tuple[cv2.VideoCapture, CameraFormat]:
    """Open camera ``index`` (check ``isOpened()``) asking for ``size`` only where that
    does not change another app's picture; also return the format it had when opened."""
    cap = cv2.VideoCapture(index)
    opened = camera_format(cap) if cap.isOpened() else CameraFormat(0, 0, 0.0)
    ask = requested_size(size, platform=platform)
    if cap.isOpened() and ask:
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, ask[0])
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, ask[1])
    return cap, opened


def format_change(
    opened: CameraFormat,
    image_shape: tuple[int, ...],
    now: CameraFormat,
    *,
    platform: str = sys.platform,
) -> str | None:
    """One sentence when the camera's format changed after Presence Coach opened it
    (macOS only, where the call app shares the camera), else None.

    Args:
        opened: the format reported right after opening, before any read.
        image_shape: the first frame's shape, (H, W, 3).
        now: the format reported after the first frame.
    """
    if platform != "darwin" or opened.width <= 0 or opened.height <= 0:
        return None
    got = CameraFormat(image_shape[1], image_shape[0], now.fps)
    same_size = (got.width, got.height) == (opened.width, opened.height)
    same_rate = opened.fps <= 0 or now.fps <= 0 or abs(now.fps - opened.fps) < 1.0
    if same_size and same_rate:
        return None
    return (
        f"the camera changed from {opened} to {got} when Presence Coach opened it; the call "
        "app's picture may have changed too: start Presence Coach before the call"
    )
