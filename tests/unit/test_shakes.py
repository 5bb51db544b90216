"""Head shakes on synthetic pose streams with known answers (the shake rules of
presence_coach/vision/nods.py: turning on the neck, ending where they started, several in a
row)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from presence_coach.vision.face import FaceSample
from presence_coach.vision.nods import HeadGestureOptions
from tests.unit.test_nods import run

FACE_W = 0.25  # face box width in picture widths
FACE_H = 0.3


def samples(t, yaw, *, side=None, pitch=None) -> list[FaceSample]:
    """Pose samples; with ``side`` (face widths per radian of yaw), a face box whose centre
    moves sideways with the yaw by that much (``None``: no box)."""
    pitch = np.zeros_like(t) if pitch is None else pitch
    out = []
    for a, b, c in zip(t, yaw, pitch, strict=True):
        box = (math.nan,) * 4
        if side is not None:
            cx = 0.5 + side * FACE_W * math.radians(b)
            box = (cx - FACE_W / 2, 0.35, FACE_W, FACE_H)
        out.append(
            FaceSample(t=float(a), face=True, yaw=float(b), pitch=float(c), roll=0.0, box=box)
        )
    return out


def shake_yaw(t, *, start, cycles=2, amp=10.0, cycle_s=0.5):
    """A "no": ``cycles`` back-and-forth periods of ``amp`` degrees peak to peak from facing
    ahead and back to it."""
    return amp / 2 * np.sin(2 * np.pi * np.clip((t - start) / cycle_s, 0, cycles))


def shakes(events) -> list[tuple[float, float]]:
    return [(e.start, e.end) for e in events if e.type == "shake"]


@pytest.mark.parametrize("fps", [15, 30])
def test_a_shake_turns_the_face_in_the_picture(fps):
    # a shake turns the head on the neck: the face moves sideways the way the nose turns
    # (about half a face width per radian); the same yaw read from a face that stays put
    # (an expression the pose estimate reads as yaw) or moves the other way (a sway with
    # the face kept toward the camera) is not a shake
    t = np.arange(0, 6, 1 / fps)
    yaw = shake_yaw(t, start=3.0)
    assert len(shakes(run(samples(t, yaw, side=0.5)))) == 1
    assert shakes(run(samples(t, yaw, side=0.0))) == []
    assert shakes(run(samples(t, yaw, side=-0.5))) == []


@pytest.mark.parametrize("fps", [15, 30])
def test_no_said_twice_is_two_shakes(fps):
    # "no, no, no" and a second "no" 0.7 s later: the first is not the head's ongoing wobble
    # that the second must stand out from
    t = np.arange(0, 8, 1 / fps)
    yaw = shake_yaw(t, start=2.0, cycles=3) + shake_yaw(t, start=4.2)
    found = shakes(run(samples(t, yaw, side=0.5)))
    assert len(found) == 2
    assert 1.9 <= found[0][0] <= 2.1 and 4.1 <= found[1][0] <= 4.3


def moves(t, points) -> np.ndarray:
    """Yaw through ``points`` ((time, degrees), ...), smooth between them, held after."""
    out = np.full_like(t, points[0][1])
    for (t0, v0), (t1, v1) in itertools.pairwise(points):
        u = np.clip((t - t0) / (t1 - t0), 0, 1)
        step = (v1 - v0) * (1 - np.cos(np.pi * u)) / 2
        out = np.where(t >= t0, v0 + step, out)
    return out


@pytest.mark.parametrize("fps", [15, 30])
def test_a_quick_turn_that_overshoots_is_not_a_shake(fps):
    # a glance to the side: a quick turn, a small bounce back and forth, and the head stays
    # turned; it swings back and forth at a shake's pace, but does not come back
    t = np.arange(0, 6, 1 / fps)
    yaw = moves(t, [(3.0, 0.0), (3.25, -15.0), (3.45, -9.0), (3.65, -15.0)])
    assert shakes(run(samples(t, yaw, side=0.5))) == []
    # the same turn made back to where it started, twice, is a shake
    yaw = moves(t, [(3.0, 0.0), (3.25, -18.0), (3.5, 0.0), (3.75, -18.0), (4.0, 0.0)])
    assert len(shakes(run(samples(t, yaw, side=0.5)))) == 1


@pytest.mark.parametrize("fps", [15, 30])
def test_a_slow_turn_between_quick_wobbles_is_not_a_shake(fps):
    # a "no" keeps one pace; a slow turn to one side with a quick jiggle before and after it
    # (settling into a new posture) swings back and forth but is not one
    t = np.arange(0, 6, 1 / fps)
    yaw = moves(t, [(3.0, 0.0), (3.15, 6.0), (3.95, -10.0), (4.1, -4.0), (4.25, -4.0)])
    assert shakes(run(samples(t, yaw, side=0.5))) == []
    # at one pace, the same swings are a shake
    yaw = moves(t, [(3.0, 0.0), (3.15, 6.0), (3.35, -10.0), (3.5, -4.0), (3.65, -4.0)])
    assert len(shakes(run(samples(t, yaw, side=0.5)))) == 1


def test_shake_options_are_validated():
    with pytest.raises(ValueError):
        HeadGestureOptions(max_shake_pace_ratio=0.5)
    with pytest.raises(ValueError):
        HeadGestureOptions(shake_edge_ratio=1.5)


@pytest.mark.parametrize("fps", [15, 30])
def test_shake_inside_a_wobble_is_found_as_itself(fps):
    # the head wobbles by a few degrees before and after a "no" (an expressive face): the
    # shake is the large swings, not the whole wobbling stretch
    t = np.arange(0, 8, 1 / fps)
    wobble = 1.5 * np.sin(2 * np.pi * 2.0 * t) * ((t > 1.5) & (t < 7))
    yaw = wobble * ((t < 3.5) | (t > 4.5)) + shake_yaw(t, start=3.5, amp=12)
    found = shakes(run(samples(t, yaw, side=0.5)))
    assert len(found) == 1
    assert 3.3 <= found[0][0] <= 3.7 and 4.3 <= found[0][1] <= 4.8


@pytest.mark.parametrize("fps", [15, 30])
def test_a_shake_in_the_first_seconds_is_found(fps):
    # before the head's usual yaw motion is known, the calm just before the shake is the
    # measure (a "no" at the start of a call is still a "no")
    t = np.arange(0, 3.5, 1 / fps)
    found = shakes(run(samples(t, shake_yaw(t, start=0.8, cycles=2), side=0.5)))
    assert len(found) == 1 and 0.7 <= found[0][0] <= 0.9
