"""The natural-behaviour generator's scripts: seeded, split by person, the kinds the issue asks
for (no rendering here; tests/accuracy renders and scores a subset)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lifemotion

from tests.conftest import SHARED


def test_sets_are_seeded_and_split_by_person():
    dev, held = lifemotion.dev_set(), lifemotion.heldout_set()
    assert dev == lifemotion.dev_set() and held == lifemotion.heldout_set()
    assert {s.person for s in dev} == set(lifemotion.DEV_PEOPLE)
    assert {s.person for s in held} == set(lifemotion.HELDOUT_PEOPLE)
    assert not set(lifemotion.DEV_PEOPLE) & set(lifemotion.HELDOUT_PEOPLE)
    natural_s = sum(s.duration_s for s in held if "-natural" in s.name)
    assert natural_s >= 600  # at least 10 minutes of natural no-nod motion held out


def test_gestures_are_the_kinds_asked_for():
    acts = [a for s in lifemotion.dev_set() + lifemotion.heldout_set() for a in s.acts]
    runs = [a for a in acts if a.kind == "run"]
    assert runs and all(4 <= a.cycles <= 20 for a in runs)
    assert all(1.5 <= a.cycles / (a.end_s - a.start_s) <= 3.5 for a in runs)
    assert all(4 <= a.amplitude_deg <= 16 for a in runs)
    listen = [a for a in acts if a.kind == "listen"]
    assert listen and all(3 <= a.amplitude_deg <= 6 for a in listen)
    nods = [a for a in acts if a.kind == "nod"]
    assert nods and all(1 <= a.cycles <= 3 and 5 <= a.amplitude_deg <= 12 for a in nods)
    assert {a.kind for a in acts} >= set(lifemotion.NO_NOD) | {"shake"}


def test_listening_nods_on_calm_faces_and_the_development_sets_expressive_listeners():
    dev = lifemotion.dev_set()
    for s in dev + lifemotion.heldout_set():
        if s.truth("listen"):
            assert s.person in lifemotion.CALM_PEOPLE or (s in dev and "-xlisten" in s.name)
    expressive = [s for s in dev if "-xlisten" in s.name]
    assert {s.person for s in expressive} == {"d6", "c1"}
    assert all(s.person not in lifemotion.CALM_PEOPLE and s.truth("listen") for s in expressive)


def test_listening_nod_dips_quickly_and_returns_slowly():
    act = lifemotion.Act("listen", 1.0, 1.8, 5.0, 1, seed=3)
    t = np.arange(0.0, 4.0, 1 / 300)
    pitch = act.offsets(t)[:, 1]
    bottom = t[np.argmin(pitch)]
    assert abs(pitch.min() + 5.0) < 0.01
    assert 0.12 <= bottom - 1.0 <= 0.25  # the dip
    assert abs(pitch[t >= 3.9]).max() < 0.05  # back at rest


def test_nodding_run_has_its_cycles():
    act = lifemotion.Act("run", 1.0, 6.0, 10.0, 12, seed=5)
    t = np.arange(0.0, 7.0, 1 / 300)
    pitch = act.offsets(t)[:, 1]
    inside = (t > 1.0) & (t < 6.0)
    turns = np.diff(np.sign(np.diff(pitch[inside])))
    assert (turns > 0).sum() == 12  # one lowest point per down-up cycle (the creep is slow)


def test_replay_turns_follow_the_base():
    s = lifemotion.dev_set()[0]
    turns = s.turnarounds(SHARED / "media" / "faces")
    base_s = s.base.end_s - s.base.start_s
    assert len(turns) >= int(s.duration_s / base_s) - 1
    assert np.allclose(np.diff(turns), base_s, atol=0.1)
