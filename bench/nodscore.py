"""Scores of the nod and shake detector on the natural-behaviour set (``tests/lifemotion.py``).

A scripted gesture is found when a detected event of its kind overlaps it. Detected nods that
overlap no scripted nod (widened by ``MARGIN_S``) are false nods; their rate is per minute of
no-nod time (the clip less the widened scripted nods). Extra detections on one scripted nod
(a run cut in pieces) are counted apart as ``split``. Shakes alike.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import lifemotion

from presence_coach.events import Event
from presence_coach.vision.face import FaceSample
from presence_coach.vision.nods import HeadGestureDetector, HeadGestureOptions

MARGIN_S = 1.0  # a detection this close to a scripted gesture is not a false one
TURN_S = 0.7  # time either side of a turn of the base's back-and-forth replay left out


def detect(samples: Sequence[FaceSample], options: HeadGestureOptions | None = None):
    """Nod and shake events of one stream, and the detector's cost in ms per frame."""
    det = HeadGestureDetector(options)
    events: list[Event] = []
    t0 = time.perf_counter()
    for s in samples:
        events += det.update(s)
        det.in_progress()
    events += det.finish(samples[-1].t)
    return events, (time.perf_counter() - t0) * 1000 / max(1, len(samples))


@dataclass
class KindScore:
    """Recall and false detections for one gesture kind (``nod`` or ``shake``)."""

    found: Counter = field(default_factory=Counter)  # per act kind
    total: Counter = field(default_factory=Counter)
    split: int = 0  # extra detections on one scripted gesture
    false: list[tuple[str, float, float, str]] = field(default_factory=list)  # clip, t0, t1, near
    free_s: float = 0.0  # time without this kind of gesture
    cycles: list[tuple[int, int]] = field(default_factory=list)  # (scripted, detected) for runs

    def recall(self, kinds: Sequence[str] | None = None) -> float:
        keys = kinds or list(self.total)
        total = sum(self.total[k] for k in keys)
        return sum(self.found[k] for k in keys) / total if total else float("nan")

    @property
    def false_per_min(self) -> float:
        return len(self.false) * 60.0 / self.free_s if self.free_s else float("nan")


def _near(scenario: lifemotion.LifeScenario, a: float, b: float) -> str:
    """The scripted act(s) a false detection overlaps (for diagnosis)."""
    kinds = [x.kind for x in scenario.acts if a < x.end_s + 0.5 and x.start_s - 0.5 < b]
    return "+".join(kinds) or "base"


def score_clip(
    scenario: lifemotion.LifeScenario,
    events: Sequence[Event],
    scores: dict[str, KindScore],
    turns: Sequence[float] = (),
) -> None:
    """Add one clip's detections to ``scores`` (keys ``nod`` and ``shake``). Detections
    that start or have their middle within ``TURN_S`` of a replay turn (``turns``) are not
    counted as false, and that time is not no-gesture time (the mirrored motion there is an
    artefact of the replay)."""
    for kind, score in scores.items():
        truth = scenario.truth(kind)
        found = [e for e in events if e.type == kind]
        for act in truth:
            hits = [e for e in found if e.start < act.end_s and act.start_s < e.end]
            score.total[act.kind] += 1
            score.found[act.kind] += bool(hits)
            score.split += max(0, len(hits) - 1)
            if act.kind == "run":
                score.cycles.append((act.cycles, sum(e.attrs["cycles"] for e in hits)))
        widened = [(a.start_s - MARGIN_S, a.end_s + MARGIN_S) for a in truth]
        around_turns = [(t - TURN_S, t + TURN_S) for t in turns]
        score.free_s += scenario.duration_s - _covered(widened + around_turns, scenario.duration_s)
        for e in found:
            # near a scripted gesture, or made by the replay's turn: it starts there or its
            # middle is there (a detection that only runs on into that time still counts)
            middle = (e.start + e.end) / 2
            turn = any(a <= e.start <= b or a <= middle <= b for a, b in around_turns)
            if not turn and not any(e.start < b and a < e.end for a, b in widened):
                near = _near(scenario, e.start, e.end)
                score.false.append((scenario.name, round(e.start, 2), round(e.end, 2), near))


def _covered(spans: Sequence[tuple[float, float]], duration_s: float) -> float:
    """Seconds of 0..duration_s inside the union of ``spans``."""
    total, end = 0.0, 0.0
    for a, b in sorted((max(a, 0.0), min(b, duration_s)) for a, b in spans):
        if b > end:
            total += b - max(a, end)
            end = b
    return total


def score_set(
    data: Sequence[tuple[lifemotion.LifeScenario, dict[float, Sequence[FaceSample]]]],
    fps: float,
    run: Callable[[Sequence[FaceSample]], tuple[list[Event], float]] = detect,
    *,
    faces_dir: Path,
) -> tuple[dict[str, KindScore], float]:
    """Scores of one rate over a set, and the mean detector cost (ms per frame)."""
    scores = {"nod": KindScore(), "shake": KindScore()}
    costs = []
    for scenario, by_rate in data:
        events, ms = run(by_rate[fps])
        costs.append(ms)
        score_clip(scenario, events, scores, scenario.turnarounds(faces_dir))
    return scores, sum(costs) / max(1, len(costs))
