"""Windows shared camera: the pure part (choosing the source and stream, converting frame
buffers to BGR arrays), shared by :mod:`~presence_coach.sources.winrt_camera` and
:mod:`~presence_coach.sources.winrt_open` and tested on arrays on any system.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from presence_coach.errors import NoDeviceError, SourceError

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
