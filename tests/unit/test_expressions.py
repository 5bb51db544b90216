"""Smile and blink episodes with hysteresis."""

from __future__ import annotations

import pytest

from presence_coach.vision.expressions import ExpressionDetector, ExpressionOptions
from presence_coach.vision.face import FaceSample


def run(smiles, blinks, fps=30.0):
    det = ExpressionDetector()
    events = []
    for i, (s, b) in enumerate(zip(smiles, blinks, strict=True)):
        events += det.update(FaceSample(t=i / fps, face=True, smile=s, blink=b))
    return events + det.finish((len(smiles) - 1) / fps)


def test_smile_with_hysteresis_does_not_flicker():
    smile = [0.1] * 10 + [0.6, 0.45, 0.55, 0.35, 0.6] * 6 + [0.1] * 10  # hovers around 0.5
    events = run(smile, [0.0] * len(smile))
    assert [e.type for e in events] == ["smile"]
    assert events[0].start == pytest.approx(10 / 30)
    assert events[0].attrs["peak"] == pytest.approx(0.6)


def test_short_smile_dropped_and_blinks_kept():
    smile = [0.1] * 5 + [0.7] * 3 + [0.1] * 30
    blink = [0.0] * 10 + [0.9] * 3 + [0.0] * 10 + [0.8] * 20 + [0.0] * 5
    events = run(smile[: len(blink)] + [0.1] * (len(blink) - len(smile)), blink)
    blinks = [e for e in events if e.type == "blink"]
    assert [e.type for e in events if e.type == "smile"] == []
    assert [b.attrs["long"] for b in blinks] == [False, True]


def test_single_frame_blink_at_15_fps():
    events = run([0.0] * 6, [0.0, 0.0, 0.9, 0.0, 0.0, 0.0], fps=15.0)
    assert [e.type for e in events] == ["blink"]


def test_options_validated():
    with pytest.raises(ValueError):
        ExpressionOptions(smile_on=0.3, smile_off=0.5)
