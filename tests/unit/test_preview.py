"""The self-view overlay on a real frame with a real FaceSample (drawing only, no window)."""

from __future__ import annotations

import cv2
import numpy as np

from presence_coach.models import find_model
from presence_coach.session.preview import GAZE_COLOURS, PREVIEW_WIDTH_PX, draw_overlay
from presence_coach.sources.video import VideoSource
from presence_coach.vision.face import FaceAnalyzer, FaceSample
from tests.conftest import FACE_CLIPS


def _first_frame_and_sample() -> tuple[np.ndarray, FaceSample]:
    with VideoSource(FACE_CLIPS[0]) as source, FaceAnalyzer(find_model()) as analyzer:
        frame = source.read()
        assert frame is not None
        rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
        h, w = frame.image.shape[:2]
        return frame.image, analyzer.sample(analyzer.detect(rgb, 0.0), 0.0, (w, h))


def test_overlay_is_small_and_draws_the_face_box_in_the_gaze_colour() -> None:
    image, sample = _first_frame_and_sample()
    original = image.copy()
    out = draw_overlay(image, sample, {"gaze": "camera", "head": "nod"})
    assert np.array_equal(image, original)  # the frame itself is untouched
    assert out.shape[1] == PREVIEW_WIDTH_PX
    assert out.shape[0] == round(image.shape[0] * PREVIEW_WIDTH_PX / image.shape[1])
    # the box outline sits on the face box, in the camera colour
    x, y, _, h = sample.box
    row = round((y + h / 2) * out.shape[0])
    col = round(x * out.shape[1])
    patch = out[row - 1 : row + 2, col - 2 : col + 3].reshape(-1, 3)
    assert any(np.abs(p.astype(int) - GAZE_COLOURS["camera"]).max() <= 2 for p in patch)
    assert out[:22].mean() < out[40:].mean()  # the dark label band on top


def test_no_face_draws_no_box() -> None:
    image, _ = _first_frame_and_sample()
    blank = FaceSample(t=0.0, face=False)
    out = draw_overlay(image, blank, {"gaze": "unknown"})
    plain = cv2.resize(image, (out.shape[1], out.shape[0]))
    assert np.array_equal(out[23:], plain[23:])  # only the label band (rows 0-22) differs
