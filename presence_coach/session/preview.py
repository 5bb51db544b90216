"""The optional self-view window (``session --preview``): a small picture with overlays.

Drawing (:func:`draw_overlay`, a pure function on arrays) is kept apart from the window
(:class:`PreviewWindow`, OpenCV highgui). Nothing shown is ever written to disk.
"""

from __future__ import annotations

import contextlib
import math

import cv2
import numpy as np

from presence_coach.desktop import has_display as has_display  # re-exported
from presence_coach.errors import UsageError
from presence_coach.vision.face import FaceSample

PREVIEW_WIDTH_PX = 320  # small: a glance, not a mirror to watch during the session
WINDOW_TITLE = "Presence Coach (q to stop)"
GAZE_COLOURS = {  # BGR
    "camera": (80, 200, 80),
    "screen": (200, 160, 60),
    "away": (60, 140, 230),
    "unknown": (150, 150, 150),
}


def draw_overlay(image: np.ndarray, sample: FaceSample, state: dict[str, str]) -> np.ndarray:
    """A resized copy of ``image`` (BGR) with the face box, gaze state and head gesture.

    Returns an array of width :data:`PREVIEW_WIDTH_PX`; ``image`` is not modified.
    """
    h, w = image.shape[:2]
    scale = PREVIEW_WIDTH_PX / w
    out = cv2.resize(image, (PREVIEW_WIDTH_PX, max(1, round(h * scale))))
    gaze = state.get("gaze") or "unknown"
    colour = GAZE_COLOURS.get(gaze, GAZE_COLOURS["unknown"])
    if sample.face and not math.isnan(sample.box[0]):
        x, y, bw, bh = sample.box
        oh, ow = out.shape[:2]
        p0 = (round(x * ow), round(y * oh))
        p1 = (round((x + bw) * ow), round((y + bh) * oh))
        cv2.rectangle(out, p0, p1, colour, 2)
    label = f"gaze: {gaze}" if sample.face else "no face in view"
    if state.get("head"):
        label += f"  {state['head']}"
    cv2.rectangle(out, (0, 0), (out.shape[1], 22), (0, 0, 0), -1)
    cv2.putText(out, label, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA)
    return out


class PreviewWindow:
    """A small always-on-top-ish window; ``show()`` returns False once the user closed it
    or pressed q. ``close()`` is safe twice."""

    def __init__(self) -> None:
        if not has_display():
            raise UsageError("--preview needs a desktop display; run without --preview")
        cv2.namedWindow(WINDOW_TITLE, cv2.WINDOW_AUTOSIZE)
        self._open = True

    def show(self, image: np.ndarray) -> bool:
        if not self._open:
            return False
        try:
            cv2.imshow(WINDOW_TITLE, image)
            key = cv2.waitKey(1) & 0xFF
            visible = cv2.getWindowProperty(WINDOW_TITLE, cv2.WND_PROP_VISIBLE) >= 1
        except cv2.error:  # the user closed the window: some GUI back ends then raise
            key, visible = 0, False
        if key in (ord("q"), ord("Q")) or not visible:
            self.close()
            return False
        return True

    def close(self) -> None:
        if self._open:
            self._open = False
            with contextlib.suppress(cv2.error):  # already gone if the user closed it
                cv2.destroyWindow(WINDOW_TITLE)
                cv2.waitKey(1)
