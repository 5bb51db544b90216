"""Plain-words checks on what a video source delivered: too dark a picture, a file cut short.

Each check is a small pure function or streaming object; its result is one sentence for the
session's notes (or None), shown with the summary and the report.
"""

from __future__ import annotations

import math
import statistics

import cv2
import numpy as np

LIGHT_EVERY_S = 1.0  # how often a frame's brightness is sampled (seconds of media time)
LIGHT_SIDE_PX = 64  # frames are shrunk to this width before averaging (cheap, same mean)
# median frame brightness (0-255) under which the picture counts as too dark: eye, iris and
# smile readings degrade well before the face is lost (MediaPipe still finds a face at 2/255)
DARK_FRAME_LUMA = 40.0
# a file that ends before this share of the frames its container declares is cut short
TRUNCATED_BELOW_FRACTION = 0.95


def frame_luma(image: np.ndarray) -> float:
    """Mean brightness 0..255 of a BGR (H, W, 3) or grey (H, W) uint8 image."""
    h, w = image.shape[:2]
    small = cv2.resize(image, (LIGHT_SIDE_PX, max(1, round(h * LIGHT_SIDE_PX / w))))
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    return float(grey.mean())


class PictureLight:
    """Samples the picture's brightness about once a second of media time."""

    def __init__(self, every_s: float = LIGHT_EVERY_S) -> None:
        self.every_s = every_s
        self.lumas: list[float] = []
        self._next_t = -math.inf

    def update(self, t: float, image: np.ndarray) -> None:
        if t >= self._next_t:
            self.lumas.append(frame_luma(image))
            self._next_t = t + self.every_s

    def reset(self) -> None:
        self.lumas.clear()
        self._next_t = -math.inf

    def note(self) -> str | None:
        """A sentence when the picture was too dark most of the time, else None."""
        if not self.lumas:
            return None
        luma = statistics.median(self.lumas)
        if luma >= DARK_FRAME_LUMA:
            return None
        return (
            f"the picture was very dark (brightness {luma:.0f} of 255): eye contact, gaze and "
            "smiles are less reliable; add a lamp in front of you, beside the screen"
        )


def truncation_note(*, frames_read: int, frames_declared: int, fps: float) -> str | None:
    """A sentence when a file ended well before the frames its container declares."""
    if frames_declared <= 0 or fps <= 0:
        return None
    if frames_read >= TRUNCATED_BELOW_FRACTION * frames_declared:
        return None
    return (
        f"the recording ended early: {frames_read / fps:.1f} s of the "
        f"{frames_declared / fps:.1f} s it declares could be read (the file looks cut short)"
    )
