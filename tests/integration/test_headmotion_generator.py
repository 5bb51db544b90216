"""The head-motion generator: rendered rotations are seen by the real Face Landmarker."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import headmotion

from presence_coach.vision.face import FaceAnalyzer
from presence_coach.vision.nods import HeadGestureDetector
from tests.conftest import SHARED_MODELS

MODEL = SHARED_MODELS / "face_landmarker.task"


@pytest.fixture(scope="module")
def faces_dir(shared_dir: Path) -> Path:
    return shared_dir / "media" / "faces"


def measured(renderer, poses):
    out = []
    with FaceAnalyzer(MODEL) as analyzer:
        for i, (yaw, pitch, roll) in enumerate(poses):
            image = renderer.render(0.0, yaw, pitch, roll)
            rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
            h, w = image.shape[:2]
            s = analyzer.sample(analyzer.detect(rgb, float(i)), float(i), (w, h))
            assert s.face
            out.append((s.yaw, s.pitch, s.roll))
    return np.array(out)


@pytest.mark.parametrize("face", ["d6", "d14", "d18"])
def test_rendered_rotation_is_measured(faces_dir, face):
    renderer = headmotion.HeadRenderer(faces_dir, headmotion.STILL_BASES[face], MODEL)
    got = measured(renderer, [(0, 0, 0), (0, -10, 0), (0, 10, 0), (12, 0, 0), (0, 0, 12)])
    rest = got[0]
    assert -16 < got[1, 1] - rest[1] < -6  # chin down: pitch falls by about 10 degrees
    assert 6 < got[2, 1] - rest[1] < 16
    assert 5 < got[3, 0] - rest[0] < 16  # nose to the viewer's right
    assert 8 < got[4, 2] - rest[2] < 16  # head top to the viewer's right
    assert abs(got[1, 0] - rest[0]) < 3  # a pitch change leaves yaw alone


def test_scenarios_are_seeded_and_cover_three_faces():
    a, b = headmotion.scenarios(seed=3), headmotion.scenarios(seed=3)
    assert a == b and a != headmotion.scenarios(seed=4)
    nods = [m for s in a for m in s.events("nod")]
    assert {s.face for s in a if s.events("nod")} >= {"d0", "d6", "d14", "d18"}
    assert all(1 <= m.cycles <= 4 and 3 <= m.amplitude_deg <= 15 for m in nods)
    assert all(0.25 <= (m.end_s - m.start_s) / m.cycles <= 1.0 for m in nods)


def test_generated_nod_is_detected_at_30_and_15_fps(faces_dir):
    nod = headmotion.Motion("nod", 1.5, 2.5, 8.0, cycles=2)
    scenario = headmotion.Scenario("t", "d14", False, 4.0, (nod,))
    result = headmotion.analyze_scenario(scenario, faces_dir=faces_dir, model=MODEL)
    for fps, samples in result.items():
        det = HeadGestureDetector()
        events = [e for s in samples for e in det.update(s)] + det.finish(samples[-1].t)
        assert [e.type for e in events] == ["nod"], fps
        # at 15 fps the second cycle is sometimes cut off (measured, see RESULTS-vision.md)
        assert (
            events[0].attrs["cycles"] == 2 if fps == 30.0 else 1 <= events[0].attrs["cycles"] <= 2
        )
        assert events[0].start < nod.end_s and nod.start_s < events[0].end
        assert 5.0 < events[0].attrs["amplitude_deg"] < 12.0
