"""Nod and shake detector on synthetic pose sequences with known answers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from presence_coach.vision.face import FaceSample
from presence_coach.vision.nods import HeadGestureDetector, HeadGestureOptions


def samples(t, *, pitch=None, yaw=None, roll=None, jaw=None) -> list[FaceSample]:
    zero = np.zeros_like(t)
    pitch, yaw = zero if pitch is None else pitch, zero if yaw is None else yaw
    roll, jaw = zero if roll is None else roll, zero if jaw is None else jaw
    return [
        FaceSample(
            t=float(a), face=True, pitch=float(b), yaw=float(c), roll=float(d), jaw_open=float(e)
        )
        for a, b, c, d, e in zip(t, pitch, yaw, roll, jaw, strict=True)
    ]


def run(seq: list[FaceSample]):
    det = HeadGestureDetector()
    events = []
    for s in seq:
        events += det.update(s)
    return events + det.finish(seq[-1].t)


def nod_pitch(t, *, start=1.0, cycles=2, amp=6.0, cycle_s=0.5):
    phase = np.clip((t - start) / cycle_s, 0, cycles)
    return -amp / 2 * (1 - np.cos(2 * np.pi * phase))


@pytest.mark.parametrize("fps", [15, 30])
def test_two_cycle_six_degree_nod(fps):
    t = np.arange(0, 4, 1 / fps)
    events = run(samples(t, pitch=nod_pitch(t)))
    assert [e.type for e in events] == ["nod"]
    nod = events[0]
    assert nod.attrs["cycles"] == 2
    assert nod.attrs["amplitude_deg"] == pytest.approx(6.0, abs=0.5)  # 15 fps misses peaks
    assert 0.9 <= nod.start <= 1.1 and 1.85 <= nod.end <= 2.05
    assert nod.attrs["talking"] is False


@pytest.mark.parametrize("fps", [10, 15, 30])
@pytest.mark.parametrize(("cycles", "amp", "cycle_s"), [(1, 3, 0.4), (4, 3, 1.0), (3, 15, 0.3)])
def test_nod_sizes_and_speeds(fps, cycles, amp, cycle_s):
    t = np.arange(0, 2 + cycles * cycle_s + 1.5, 1 / fps)
    events = run(samples(t, pitch=nod_pitch(t, cycles=cycles, amp=amp, cycle_s=cycle_s)))
    assert [(e.type, e.attrs["cycles"]) for e in events] == [("nod", cycles)]


@pytest.mark.parametrize("fps", [15, 30])
def test_shake(fps):
    # after 2.5 s: a shake is compared with how much the head moved over the seconds before
    t = np.arange(0, 5.5, 1 / fps)
    yaw = 5 * np.sin(2 * np.pi * np.clip((t - 2.5) / 0.5, 0, 2))
    events = run(samples(t, yaw=yaw))
    assert [(e.type, e.attrs["cycles"]) for e in events] == [("shake", 2)]
    assert events[0].attrs["amplitude_deg"] == pytest.approx(10, abs=0.6)


@pytest.mark.parametrize("axis", ["pitch", "yaw", "roll"])
def test_slow_turn_or_tilt_is_nothing(axis):
    t = np.arange(0, 6, 1 / 30)
    angle = 20 * np.clip((t - 1) / 2, 0, 1)
    assert run(samples(t, **{axis: angle})) == []
    back = 20 * np.sin(np.pi * np.clip((t - 1) / 3, 0, 1))  # there and back in 3 s
    assert run(samples(t, **{axis: back})) == []


def test_posture_drop_without_return_is_not_a_nod():
    t = np.arange(0, 4, 1 / 30)
    pitch = -8 * np.clip((t - 1) / 0.3, 0, 1)
    assert run(samples(t, pitch=pitch)) == []


def test_diagonal_bob_is_neither():
    t = np.arange(0, 4, 1 / 30)
    p = nod_pitch(t)
    assert run(samples(t, pitch=p, yaw=p)) == []


def talk(t, *, seed=3, bob_deg=1.5):
    """Jaw opening and closing at syllable rate with pitch bobbing along (real talking moves
    the pose estimate by a degree or two, bench/pose_jaw.py)."""
    rng = np.random.default_rng(seed)
    knots = np.arange(0, t[-1] + 0.2, 0.18)
    jaw = np.interp(t, knots, rng.uniform(0.0, 0.6, len(knots)))
    bob = np.interp(t, knots, rng.uniform(-bob_deg / 2, bob_deg / 2, len(knots)))
    return jaw, bob


@pytest.mark.parametrize("fps", [15, 30])
def test_nod_while_talking_is_found(fps):
    # a 6-degree "yes" in the middle of speech: no blanket talking floor rejects it
    t = np.arange(0, 6, 1 / fps)
    jaw, bob = talk(t)
    events = run(samples(t, pitch=bob + nod_pitch(t, start=3.0, cycles=1, amp=6), jaw=jaw))
    assert [(e.type, e.attrs["cycles"], e.attrs["talking"]) for e in events] == [("nod", 1, True)]
    assert 2.9 <= events[0].start <= 3.3


@pytest.mark.parametrize("fps", [15, 30])
def test_talking_bobs_alone_are_not_nods(fps):
    t = np.arange(0, 20, 1 / fps)
    for seed in range(4):
        jaw, bob = talk(t, seed=seed, bob_deg=3.0)
        assert run(samples(t, pitch=bob, jaw=jaw)) == []


def nodding_run(t, *, start=1.0, cycles=12, hz=2.0, amp=10.0, seed=5):
    """A nodding run: ``cycles`` down-up cycles at about ``hz``, amplitude and rate drifting."""
    rng = np.random.default_rng(seed)
    periods = np.clip(rng.normal(1 / hz, 0.06 / hz, cycles), 0.5 / hz, 1.5 / hz)
    amps = amp * np.clip(1 + np.cumsum(rng.normal(0, 0.12, cycles)), 0.4, 1.3)
    out = np.zeros_like(t)
    t0 = start
    for period, a in zip(periods, amps, strict=True):
        inside = (t >= t0) & (t < t0 + period)
        out[inside] = -a / 2 * (1 - np.cos(2 * np.pi * (t[inside] - t0) / period))
        t0 += period
    return out, t0


@pytest.mark.parametrize("fps", [15, 30])
@pytest.mark.parametrize(("cycles", "hz", "amp"), [(15, 2.0, 12.0), (6, 3.2, 5.0), (20, 1.6, 8.0)])
def test_nodding_run_is_one_event_with_its_cycles(fps, cycles, hz, amp):
    t = np.arange(0, 1 + cycles / hz + 3, 1 / fps)
    pitch, end = nodding_run(t, cycles=cycles, hz=hz, amp=amp)
    jaw, bob = talk(t, bob_deg=1.0)  # "mm-hmm, yes, yes": the jaw moves along
    events = run(samples(t, pitch=pitch + bob, jaw=jaw))
    assert [e.type for e in events] == ["nod"]
    assert cycles - 2 <= events[0].attrs["cycles"] <= cycles
    assert events[0].start < 1.3 and events[0].end > end - 0.6


@pytest.mark.parametrize("fps", [15, 30])
@pytest.mark.parametrize(("dip_s", "back_s", "amp"), [(0.15, 0.6, 3.5), (0.25, 0.4, 5.0)])
def test_listening_nod_quick_dip_slow_return(fps, dip_s, back_s, amp):
    t = np.arange(0, 4, 1 / fps)
    u = t - 1.5
    pitch = np.where(
        u < dip_s,
        -amp / 2 * (1 - np.cos(np.pi * np.clip(u / dip_s, 0, 1))),
        -amp / 2 * (1 + np.cos(np.pi * np.clip((u - dip_s) / back_s, 0, 1))),
    )
    events = run(samples(t, pitch=pitch))
    assert [(e.type, e.attrs["cycles"]) for e in events] == [("nod", 1)]


def held_dip(t, *, start, amp, hold_s, down_s=0.15, back_s=0.6):
    """A quick dip, ``hold_s`` still at the bottom, a slower return (half cosines)."""
    u = t - start
    down = np.clip(u / down_s, 0, 1)
    back = np.clip((u - down_s - hold_s) / back_s, 0, 1)
    return -amp / 2 * (1 - np.cos(np.pi * down)) + amp / 2 * (1 - np.cos(np.pi * back))


@pytest.mark.parametrize("fps", [15, 30])
@pytest.mark.parametrize("hold_s", [0.0, 0.2, 0.35])
def test_listening_nod_that_rests_at_the_bottom(fps, hold_s):
    # a listening nod often rests a moment at the bottom (the real d14 clip's at 3.7 and
    # 14.2 s, 0.2-0.3 s): at 0.35 s the dip has settled before the return starts
    t = np.arange(0, 4, 1 / fps)
    events = run(samples(t, pitch=held_dip(t, start=1.5, amp=4.0, hold_s=hold_s)))
    assert [(e.type, e.attrs["cycles"]) for e in events] == [("nod", 1)]
    assert 1.5 <= events[0].start <= 1.6 and events[0].end <= 1.5 + 0.75 + hold_s


@pytest.mark.parametrize("fps", [15, 30])
@pytest.mark.parametrize("hold_s", [0.35, 0.5])
def test_a_small_held_dip_may_come_back_quickly_a_lean_may_not(fps, hold_s):
    # a small listening nod that rests at the bottom and comes back as quickly as it went
    # down is still a nod (max_small_dip_deg); a 10-degree lean held and undone at one pace
    # is a laugh or a glance down
    t = np.arange(0, 4, 1 / fps)
    quick = dict(start=1.5, hold_s=hold_s, down_s=0.2, back_s=0.25)
    events = run(samples(t, pitch=held_dip(t, amp=4.5, **quick)))
    assert [(e.type, e.attrs["cycles"]) for e in events] == [("nod", 1)]
    assert run(samples(t, pitch=held_dip(t, amp=10.0, **quick))) == []


@pytest.mark.parametrize("fps", [15, 30])
def test_a_dip_held_longer_is_a_look_down_not_a_nod(fps):
    t = np.arange(0, 5, 1 / fps)
    seq = samples(t, pitch=held_dip(t, start=1.5, amp=4.0, hold_s=0.9))
    assert run(seq) == []
    # a dip at rest, waiting for a return that may come, is not a gesture under way
    det = HeadGestureDetector()
    states = {round(s.t, 3): (det.update(s), det.in_progress())[1] for s in seq}
    assert states[round(t[t <= 2.45][-1], 3)] == ""  # 0.8 s into the hold


def test_looking_down_at_notes_and_back_is_not_a_nod():
    t = np.arange(0, 6, 1 / 30)
    down = np.clip((t - 1) / 0.4, 0, 1) * np.clip((3.0 - t) / 0.4, 0, 1)  # hold 1.2 s
    assert run(samples(t, pitch=-20 * down)) == []


def test_dip_hold_and_partial_return_is_not_a_nod():
    t = np.arange(0, 5, 1 / 30)
    pitch = -8 * np.clip((t - 1) / 0.2, 0, 1) + 3 * np.clip((t - 1.8) / 0.5, 0, 1)
    assert run(samples(t, pitch=pitch)) == []


@pytest.mark.parametrize("fps", [15, 30])
def test_laughing_bobs_are_not_nods(fps):
    t = np.arange(0, 5, 1 / fps)
    lean = 6 * np.clip((t - 1) / 0.3, 0, 1) * np.clip((3.0 - t) / 0.3, 0, 1)
    bobs = 1.5 * np.sin(2 * np.pi * 5.0 * t) * (lean > 0)
    assert [e for e in run(samples(t, pitch=lean + bobs)) if e.type == "nod"] == []


def test_gesture_inside_ongoing_motion_is_not_counted():
    t = np.arange(0, 5, 1 / 30)
    rng = np.random.default_rng(1)
    bob = np.repeat(rng.uniform(-4, 4, size=len(t) // 6 + 1), 6)[: len(t)]  # jerky talk-like
    events = run(samples(t, pitch=bob))
    # at the very start of a stream there is no evidence of motion before; judge after 1 s
    assert [e for e in events if e.type == "nod" and e.start > 1.0] == []


def test_chunked_equals_whole_and_reset():
    t = np.arange(0, 8, 1 / 30)
    seq = samples(t, pitch=nod_pitch(t) + nod_pitch(t, start=4.0, cycles=1, amp=8))
    whole = run(seq)
    det = HeadGestureDetector()
    chunked = []
    for i in range(0, len(seq), 37):
        for s in seq[i : i + 37]:
            chunked += det.update(s)
    chunked += det.finish(seq[-1].t)
    assert chunked == whole and len(whole) == 2
    det.reset()
    assert run(seq) == whole


def test_face_lost_ends_gesture_cleanly():
    t = np.arange(0, 4, 1 / 30)
    seq = samples(t, pitch=nod_pitch(t))
    seq = seq[:40] + [FaceSample(t=s.t, face=False) for s in seq[40:50]] + seq[50:]
    events = run(seq)
    assert all(e.end <= seq[39].t or e.start >= seq[50].t for e in events)


def test_options_are_validated():
    with pytest.raises(ValueError):
        HeadGestureOptions(min_nod_deg=0)
    with pytest.raises(ValueError):
        HeadGestureOptions(min_cycle_s=2.0, max_cycle_s=1.0)


def dip(t, *, start, amp, down_s=0.15, back_s=0.5):
    u = t - start
    return np.where(
        u < down_s,
        -amp / 2 * (1 - np.cos(np.pi * np.clip(u / down_s, 0, 1))),
        -amp / 2 * (1 + np.cos(np.pi * np.clip((u - down_s) / back_s, 0, 1))),
    )


def test_small_dip_as_the_mouth_opens_wide_is_not_a_nod():
    # opening the mouth wide moves the pose estimate by a few degrees (real d18 clip at
    # 3.2-4.4 s); the same 3.5-degree dip with the mouth still is a listening nod
    t = np.arange(0, 5, 1 / 30)
    pitch = dip(t, start=2.0, amp=3.5)
    jaw = 0.7 * np.clip((t - 2.2) / 0.3, 0, 1)
    assert run(samples(t, pitch=pitch, jaw=jaw)) == []
    assert [e.type for e in run(samples(t, pitch=pitch))] == ["nod"]


def with_box(seq: list[FaceSample], centre_y) -> list[FaceSample]:
    """The samples with a face box (0.3 high) whose centre is at ``centre_y`` (image heights)."""
    return [
        dataclasses.replace(s, box=(0.4, float(c) - 0.15, 0.25, 0.3))
        for s, c in zip(seq, centre_y, strict=True)
    ]


@pytest.mark.parametrize("fps", [15, 30])
def test_a_nod_moves_the_face_in_the_picture(fps):
    # a nod turns the head on the neck: 8 degrees down moves the face centre down by about
    # 0.5 face heights per radian (0.07 face heights); a pose wobble from an expression
    # (same pitch, the face still in the picture) is not a nod
    t = np.arange(0, 4, 1 / fps)
    pitch = nod_pitch(t, cycles=1, amp=8.0)
    seq = samples(t, pitch=pitch)
    turning = with_box(seq, 0.5 - 0.3 * 0.5 * np.radians(pitch))
    assert [e.type for e in run(turning)] == ["nod"]
    assert run(with_box(seq, np.full_like(t, 0.5))) == []
    # the face moving up as the pitch goes down is not a head turning on its neck either
    assert run(with_box(seq, 0.5 + 0.3 * 0.5 * np.radians(pitch))) == []


def speech_bobs(t, *, seed, amp=5.0):
    """A head that bobs down and up with the stresses of speech: 4-5 degree dips about once a
    second at an uneven pace."""
    rng = np.random.default_rng(seed)
    starts = np.cumsum(rng.uniform(0.8, 1.3, int(t[-1]) + 2))
    pitch = np.zeros_like(t)
    for start in starts[starts < t[-1] - 1]:
        size, length = amp * rng.uniform(0.8, 1.0), rng.uniform(0.3, 0.45)
        pitch += nod_pitch(t, start=start, cycles=1, amp=size, cycle_s=length)
    return pitch


def bobbing_talker(t, seed):
    """(jaw, pitch) of a person talking whose head bobs with the stresses of the speech."""
    jaw, _ = talk(t, seed=seed)
    return jaw, speech_bobs(t, seed=seed)


@pytest.mark.parametrize("fps", [15, 30])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_habitual_speech_bobs_are_not_nods_but_a_larger_nod_is(fps, seed):
    # each bob alone looks like a small "yes" (it stands out from the calm 0.6 s before it);
    # once the detector has seen the head bob with the speech (2.5 s), bobs of that size are
    # how this person talks, and only a nod that stands out from them counts
    t = np.arange(0, 15, 1 / fps)
    jaw, bobs = bobbing_talker(t, seed)
    assert [e.start for e in run(samples(t, pitch=bobs, jaw=jaw)) if e.start > 2.5] == []
    pitch = np.where((t > 9.5) & (t < 10.6), 0.0, bobs) + nod_pitch(t, start=10.0, cycles=1, amp=11)
    found = [e for e in run(samples(t, pitch=pitch, jaw=jaw)) if e.start > 2.5]
    assert [e.type for e in found] == ["nod"]  # (a bob right after it may join it)
    assert 9.9 <= found[0].start <= 10.2 and found[0].attrs["amplitude_deg"] > 10
    # the same bobs without speech are small nods (a listener's "mm"; those less than
    # merge_gap_s apart are one run)
    assert sum(e.attrs["cycles"] for e in run(samples(t, pitch=bobs))) >= 8


def listening(t, *, every_s=1.8, amp=4.5, first=2.0):
    """A listener's small nods (a quick dip, a slower return) every ``every_s`` seconds, each
    with the mouth opening and closing once, slowly ("mm-hmm" said with an open mouth)."""
    pitch, jaw = np.zeros_like(t), np.zeros_like(t)
    starts = np.arange(first, t[-1] - 1.5, every_s)
    for start in starts:
        pitch += dip(t, start=start, amp=amp)
        jaw += 0.5 * np.sin(np.pi * np.clip((t - start + 0.3) / 1.2, 0, 1))
    return pitch, jaw, starts


@pytest.mark.parametrize("fps", [15, 30])
def test_listening_nods_with_a_moving_mouth_are_all_found(fps):
    # the mouth opens once for each "mm-hmm": that is not speech (speech opens and closes the
    # jaw several times a second), and earlier nods are not the head's ongoing motion
    t = np.arange(0, 16, 1 / fps)
    pitch, jaw, starts = listening(t)
    found = [e for e in run(samples(t, pitch=pitch, jaw=jaw)) if e.type == "nod"]
    hits = [any(e.start - 0.3 <= s <= e.end for e in found) for s in starts]
    assert all(hits), (starts, [(e.start, e.end) for e in found])


@pytest.mark.parametrize("fps", [15, 30])
def test_talking_is_the_jaw_moving_at_syllable_rate(fps):
    t = np.arange(0, 4, 1 / fps)
    det = HeadGestureDetector()
    jaw, _ = talk(t)
    for s in samples(t, jaw=jaw):
        det.update(s)
    assert det._talking(1.0, 3.0)
    det = HeadGestureDetector()
    for s in samples(t, jaw=0.8 * np.clip((t - 1.0) / 0.6, 0, 1)):  # a mouth opened wide, held
        det.update(s)
    assert not det._talking(1.0, 3.0)


@pytest.mark.parametrize("fps", [15, 30])
def test_a_nod_is_measured_on_the_upper_face(fps):
    # the jaw opening as the head comes back up moves the chin, so the face box's centre,
    # down the picture: the top of the face still turns on the neck
    t = np.arange(0, 4, 1 / fps)
    pitch = nod_pitch(t, cycles=1, amp=6.0)
    top = 0.35 - 0.3 * 0.5 * np.radians(pitch)
    height = 0.3 + 0.08 * np.clip((t - 1.2) / 0.3, 0, 1)  # the jaw drops during the return
    seq = [
        dataclasses.replace(s, box=(0.4, float(y), 0.25, float(h)), jaw_open=float(h - 0.3) * 6)
        for s, y, h in zip(samples(t, pitch=pitch), top, height, strict=True)
    ]
    assert [e.type for e in run(seq)] == ["nod"]


def uneven_run(t, periods, *, start=2.0, amp=6.0):
    """A nodding run whose cycles last ``periods`` seconds each."""
    pitch = np.zeros_like(t)
    for period in periods:
        pitch += nod_pitch(t, start=start, cycles=1, amp=amp, cycle_s=period)
        start += period
    return pitch, start


SLOPPY_PERIODS = [0.45, 0.4, 0.45, 0.25, 0.45, 0.4, 1.0, 0.45, 0.4, 0.45]  # one rushed, one slow


def rolling(t):
    """A head rolling by about a 6-degree nod's size all along."""
    return 5.0 * np.sin(2 * np.pi * t / 0.9)


@pytest.mark.parametrize("fps", [15, 30])
def test_a_long_run_with_sloppy_cycles_and_a_rolling_head_is_one_run(fps):
    # ten cycles nodding along, one rushed and one slow among them, the head rolling with the
    # talk by about the nod's size all along: its beat is evidence enough
    t = np.arange(0, 10, 1 / fps)
    pitch, end = uneven_run(t, SLOPPY_PERIODS)
    roll = rolling(t)
    events = run(samples(t, pitch=pitch, roll=roll))
    assert [(e.type, e.attrs["cycles"]) for e in events] == [("nod", 10)]
    assert events[0].start == pytest.approx(2.0, abs=0.15)
    assert events[0].end == pytest.approx(end, abs=0.2)
    # the same rolling head with two or three such dips is not nodding along
    short, _ = uneven_run(t, SLOPPY_PERIODS[:3])
    assert run(samples(t, pitch=short, roll=roll)) == []


@pytest.mark.parametrize("fps", [15, 30])
def test_bobs_while_talking_before_the_head_is_known_need_a_real_nod(fps):
    # three quick 5-degree bobs with the first words: too early to know how this head moves
    # with its speech, so they must be the size of a clear nod; a 7-degree "yes, yes" is
    t = np.arange(0, 3, 1 / fps)
    jaw, _ = talk(t)
    bobs = nod_pitch(t, start=0.5, cycles=3, amp=5.0, cycle_s=0.4)
    assert run(samples(t, pitch=bobs, jaw=jaw)) == []
    nod = nod_pitch(t, start=0.5, cycles=2, amp=7.0, cycle_s=0.45)
    assert [e.type for e in run(samples(t, pitch=nod, jaw=jaw))] == ["nod"]


@pytest.mark.parametrize("fps", [15, 30])
def test_rolling_bobs_with_a_beat_while_talking_are_not_a_run(fps):
    # the same sloppy beat made while talking, the head rolling in step with each bob: a
    # talking head's rolling beat, not nodding along (the roll counts against it as for a
    # single nod). With the head rolling on its own rhythm instead, as a talking face's
    # expressions roll it, ten cycles in step are nodding along
    t = np.arange(0, 10, 1 / fps)
    pitch, _ = uneven_run(t, SLOPPY_PERIODS)
    jaw, _ = talk(t)
    assert run(samples(t, pitch=pitch, roll=pitch, jaw=jaw)) == []
    events = run(samples(t, pitch=pitch, roll=rolling(t), jaw=jaw))
    assert [(e.type, e.attrs["cycles"]) for e in events] == [("nod", 10)]


@pytest.mark.parametrize("fps", [15, 30])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_few_speech_bobs_in_a_row_are_not_a_run_but_nodding_along_is(fps, seed):
    # a head that bobs with its speech falls into an even pace for four or five stresses now
    # and then: bobs of its habitual size, not a nodding run; six and more at that beat are
    t = np.arange(0, 16, 1 / fps)
    jaw, bobs = bobbing_talker(t, seed)
    quiet = (t > 8.8) & (t < 13.5)
    for cycles, found in ((4, []), (5, []), (7, ["nod"])):
        beat, _ = uneven_run(t, [0.45] * cycles, start=9.5, amp=5.0)
        pitch = np.where(quiet, 0.0, bobs) + beat
        events = [e for e in run(samples(t, pitch=pitch, jaw=jaw)) if 9.0 < e.start < 13.0]
        assert [e.type for e in events] == found, (cycles, events)


@pytest.mark.parametrize("fps", [15, 30])
def test_a_long_run_keeps_its_beat_through_a_few_sloppy_cycles(fps):
    # twenty cycles nodding along, two rushed and two slow among them, started straight out
    # of raising the head (only a run that keeps a beat may start out of motion): one cycle
    # in ten each way is left out of the beat, so this is still one run
    t = np.arange(0, 16, 1 / fps)
    periods = [0.45] * 8 + [0.25, 1.2] + [0.45] * 6 + [0.25, 1.3] + [0.45] * 2
    raise_ = -8.0 * np.clip((2.0 - t) / 0.5, 0, 1)  # head coming up from -8 until 2.0 s
    pitch, _ = uneven_run(t, periods)
    events = run(samples(t, pitch=pitch + raise_))
    assert [(e.type, e.attrs["cycles"]) for e in events] == [("nod", 20)]


@pytest.mark.parametrize("fps", [15, 30])
def test_a_long_small_run_while_talking_is_not_under_the_jaw_floor(fps):
    # ten 4-degree cycles nodding along while talking: the mouth moves at speech's pace (a
    # jawOpen range that would ask 4.5 degrees of a single nod), not with each nod, so the
    # run counts; the same run with the mouth opening at every dip is the mouth's doing
    t = np.arange(0, 10, 1 / fps)
    pitch, _ = uneven_run(t, [0.45] * 10, amp=4.0)
    jaw, _ = talk(t)
    events = run(samples(t, pitch=pitch, jaw=jaw))
    assert [(e.type, e.attrs["cycles"]) for e in events] == [("nod", 10)]
    assert run(samples(t, pitch=pitch, jaw=jaw - 0.12 * pitch)) == []


@pytest.mark.parametrize("fps", [15, 30])
def test_a_run_that_starts_after_a_short_pause_continues_the_nod_before_it(fps):
    # a "yes", half a second still, then nodding along for ten cycles: one gesture, though
    # the run is only judged when it ends, seconds after the first nod's end
    t = np.arange(0, 10, 1 / fps)
    first = nod_pitch(t, start=1.0, cycles=1, amp=6.0, cycle_s=0.45)
    along, end = uneven_run(t, [0.45] * 10, start=1.95)
    events = run(samples(t, pitch=first + along))
    assert [(e.type, e.attrs["cycles"]) for e in events] == [("nod", 11)]
    assert events[0].start < 1.1 and events[0].end == pytest.approx(end, abs=0.2)


@pytest.mark.parametrize("fps", [15, 30])
def test_a_nod_is_reported_soon_when_the_head_then_rests_low(fps):
    # a "yes", then the head drops 4 degrees and stays there (a look down): the nod is
    # reported about merge_gap_s after its end, not when the head next moves
    t = np.arange(0, 8, 1 / fps)
    pitch = nod_pitch(t, start=1.0, cycles=1, amp=6.0, cycle_s=0.45)
    pitch -= 4.0 * np.clip((t - 2.0) / 0.2, 0, 1)
    det = HeadGestureDetector()
    reported = [(s.t, e.type) for s in samples(t, pitch=pitch) for e in det.update(s)]
    assert len(reported) == 1 and reported[0][1] == "nod" and reported[0][0] < 3.0
