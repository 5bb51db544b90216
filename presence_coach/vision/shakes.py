"""The swings of a head shake within a chain of yaw swings (for the nod and shake detector).

A "no" is a few quick swings back and forth, roughly even, that end about where they began.
In a chain of yaw swings (:mod:`presence_coach.vision.swings`), :func:`shake_runs` finds the
stretches whose neighbouring swings fit one shake (back-and-forth periods and sizes), takes in
each the swings around the largest (the smaller wobble before and after is not part of it),
keeps the longest run of them that comes back to where it started, and asks it to keep one
pace. Whether a run stands out from the head's other motion is judged by the detector
(:mod:`presence_coach.vision.nods`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from presence_coach.vision.swings import Swing


@dataclass(frozen=True, slots=True)
class ShakeShape:
    """What the swings of one shake look like (degrees and seconds)."""

    # shortest and longest back-and-forth period (from a swing's arrival to the arrival of
    # the swing after next)
    min_cycle_s: float = 0.18
    max_cycle_s: float = 1.4
    # smallest shake: its largest swing
    min_shake_deg: float = 4.0
    # neighbouring swings of a shake are at most this many times larger than each other
    max_shake_ratio: float = 3.0
    # a shake is the swings around its largest down to this fraction of it
    shake_edge_ratio: float = 0.3
    # its swings add up to at most this fraction of its largest (it ends where it started)
    max_shake_net_ratio: float = 0.5
    # its slowest swing's travel at most this many times its quickest ...
    max_shake_pace_ratio: float = 3.0
    # ... each counted as at least this long
    min_travel_s: float = 0.07

    def __post_init__(self) -> None:
        if not 0 < self.min_cycle_s < self.max_cycle_s:
            raise ValueError("0 < min_cycle_s < max_cycle_s")
        if min(self.max_shake_ratio, self.max_shake_pace_ratio) < 1.0:
            raise ValueError("max_shake_ratio and max_shake_pace_ratio are at least 1")
        if not 0 < self.shake_edge_ratio <= 1.0:
            raise ValueError("shake_edge_ratio is in (0, 1]")
        if min(self.min_shake_deg, self.max_shake_net_ratio, self.min_travel_s) <= 0:
            raise ValueError("min_shake_deg, max_shake_net_ratio and min_travel_s are positive")


def shake_runs(chain: Sequence[Swing], shape: ShakeShape) -> list[list[Swing]]:
    """The runs of swings of ``chain`` (consecutive yaw swings) that make shakes, in time
    order: within each stretch of fitting swings, the swings around the largest down to
    ``shake_edge_ratio`` of it, then the same in what is left on either side."""
    runs: list[list[Swing]] = []
    for stretch in _stretches(chain, shape):
        parts = [stretch]
        while parts:
            part = parts.pop()
            if len(part) < 3:
                continue
            top = max(range(len(part)), key=lambda i: part[i].amplitude_deg)
            edge = shape.shake_edge_ratio * part[top].amplitude_deg
            a, b = top, top
            while a > 0 and part[a - 1].amplitude_deg >= edge:
                a -= 1
            while b + 1 < len(part) and part[b + 1].amplitude_deg >= edge:
                b += 1
            parts += [part[:a], part[b + 1 :]]
            core = _back_where_started(part[a : b + 1], shape)
            if core and max(s.amplitude_deg for s in core) >= shape.min_shake_deg:
                travel = [max(s.travel_s, shape.min_travel_s) for s in core]
                if max(travel) <= shape.max_shake_pace_ratio * min(travel):
                    runs.append(core)
    return sorted(runs, key=lambda run: run[0].t_leave)


def _back_where_started(swings: list[Swing], shape: ShakeShape) -> list[Swing]:
    """The longest run of at least three of ``swings`` that ends about where it started
    (``max_shake_net_ratio`` of its largest swing; a turn or a wobble just before or after a
    shake is not part of it); empty if there is none."""
    for n in range(len(swings), 2, -1):
        fits = []
        for a in range(len(swings) - n + 1):
            run = swings[a : a + n]
            net = abs(sum(s.v1 - s.v0 for s in run)) / max(s.amplitude_deg for s in run)
            if net <= shape.max_shake_net_ratio:
                fits.append((net, a))
        if fits:
            a = min(fits)[1]
            return swings[a : a + n]
    return []


def _stretches(chain: Sequence[Swing], shape: ShakeShape) -> list[list[Swing]]:
    """The maximal stretches of a yaw chain whose neighbouring swings fit one shake."""
    stretches: list[list[Swing]] = []
    run: list[Swing] = []
    for swing in chain:
        if run:
            ratio = swing.amplitude_deg / max(run[-1].amplitude_deg, 1e-9)
            sized = 1 / shape.max_shake_ratio <= ratio <= shape.max_shake_ratio
            period = swing.t_arrive - run[-2].t_arrive if len(run) >= 2 else shape.min_cycle_s
            if not (sized and shape.min_cycle_s <= period <= shape.max_cycle_s):
                stretches.append(run)
                run = run[-1:] if sized else []
        run.append(swing)
    return [*stretches, run]
