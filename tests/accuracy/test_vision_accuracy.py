"""Scored accuracy of the face event detectors on the real model (issue 3 targets).

* Nods and shakes: a generated set (``tests/headmotion.py``: four real faces re-rendered with
  scripted head motion, seed ``SEED``) analysed at 30 and 15 fps; event F1 with interval-overlap
  matching (``bench/accuracy_vision.py`` scores the same way on a larger set).
* False nods: nods found on no-nod material, i.e. the generated clips away from their scripted
  nods (shakes and stillness) plus the three hand-labelled real clips away from their labelled
  nods (talking, grimaces, tilts, posture shifts).
* Gaze: camera-vs-averted agreement at the hand-labelled instants (unsure, closed left out).

Nothing is cached: every run renders and analyses from scratch (about 2-3 minutes on 2 cores).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

import accuracy_vision as bench  # noqa: E402
import headmotion  # noqa: E402

SEED = 21  # 4 clips of 24 s: 12 nods and 11 shakes
RATES = (30.0, 15.0)
LABELLED = ["d6", "d10", "d14"]  # real clips with hand labels

# Targets of issue 3.
NOD_F1 = 0.90
SHAKE_F1 = 0.90
GAZE_AGREEMENT = 0.90
# At most one false nod per 5 minutes. The no-nod material here is about 2.5 minutes, so the
# only count within the target is zero, and zero is asserted on the generated clips. On the
# real clips one known false nod remains at 30 fps (gap to the target, see
# bench/RESULTS-vision-notes.md): d14 at 12.3 s, hand-labelled a tilt, which the pose
# estimate shows as a 7.5-degree down-up pitch swing over 0.8 s; anything else fails.
KNOWN_REAL_FALSE_NODS = {30.0: [("d14", 12.33)], 15.0: []}


@pytest.fixture(scope="module")
def generated():
    scenarios = headmotion.scenarios(seed=SEED, gesture_s=24.0, negatives_per_face=0, talking=False)
    out = []
    for scenario in scenarios:
        result = headmotion.analyze_scenario(
            scenario, faces_dir=bench.FACES, model=bench.MODEL, rates=RATES
        )
        out.append((scenario, result))
    return out


@pytest.fixture(scope="module")
def gesture_scores(generated):
    return bench.score_gestures(generated)


@pytest.fixture(scope="module")
def real():
    return bench.real_clips(LABELLED, work=None)


def test_the_set_has_enough_gestures(generated):
    nods = sum(len(s.events("nod")) for s, _ in generated)
    shakes = sum(len(s.events("shake")) for s, _ in generated)
    assert nods >= 10 and shakes >= 10
    assert {s.face for s, _ in generated} == set(headmotion.STILL_BASES)


@pytest.mark.parametrize("fps", RATES)
def test_nod_f1(gesture_scores, fps):
    f1 = gesture_scores[fps]["nod"][2]
    assert f1 >= NOD_F1, gesture_scores[fps]["nod_counts"]


@pytest.mark.parametrize("fps", RATES)
def test_shake_f1(gesture_scores, fps):
    f1 = gesture_scores[fps]["shake"][2]
    assert f1 >= SHAKE_F1, gesture_scores[fps]["shake_counts"]


@pytest.mark.parametrize("fps", RATES)
def test_nod_amplitude_is_measured(gesture_scores, fps):
    # detected nod amplitude / scripted amplitude (median): the generator renders what it says
    assert 0.8 <= gesture_scores[fps]["amp_ratio"] <= 1.25


@pytest.mark.parametrize("fps", RATES)
def test_false_nods_on_no_nod_material(gesture_scores, real, fps):
    real_scores = bench.score_real_nods(real)[fps]
    minutes = gesture_scores[fps]["no_nod_min"] + real_scores["minutes"]
    assert minutes >= 1.5
    assert gesture_scores[fps]["false_nods"] == 0
    found = real_scores["false"]
    known = KNOWN_REAL_FALSE_NODS[fps]
    assert len(found) <= len(known), found
    for name, start, _end in found:
        assert any(name == k and abs(start - t) < 0.5 for k, t in known), found


@pytest.mark.parametrize("fps", RATES)
def test_camera_gaze_agreement(real, fps):
    gaze = bench.score_gaze(real)[fps]
    assert gaze["n"] >= 80
    assert gaze["agreement"] >= GAZE_AGREEMENT
