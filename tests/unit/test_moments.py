"""Moments to revisit (summary/moments.py): known answers from hand-made summaries.

moments() is a pure function of the summary dict, so these summaries are the real input
(the same keys summary_from_store gives); the report test covers a real analysed session.
"""

from __future__ import annotations

import re

from presence_coach.summary.moments import MAX_MOMENTS, moments, nod_runs

GRADES = re.compile(r"\b(good|bad|poor|great|well done|too|should|score|better|worse)\b", re.I)


def _summary(**timeline) -> dict:
    rates = timeline.pop("rates", [])
    conv = timeline.pop("conversation", None)
    tl = {"long_pauses": [], "nods": [], "overlaps": [], "longest_speech": None} | timeline
    return {
        "session": {"duration_s": 360.0},
        "timeline": tl,
        "per_minute": {"articulation_rate_syl_per_s": rates},
        "conversation": conv,
    }


def test_known_moments_in_time_order():
    s = _summary(
        longest_speech=[100.0, 145.5],
        long_pauses=[[10.0, 13.2], [200.0, 209.0], [50.0, 54.0]],
        nods=[[30.0, True], [33.0, True], [70.0, True], [74.0, False], [80.0, True], [81.0, None]],
        rates=[4.0, 4.1, 5.5, 5.4, None, 5.0],
    )
    got = moments(s)
    assert [(m["kind"], m["start_s"], m["end_s"]) for m in got] == [
        ("silence", 50.0, 54.0),  # the second longest silence
        ("nod_run", 70.0, 82.0),  # 4 nods 70-81 s (30, 33 are only two)
        ("long_speech", 100.0, 145.5),
        ("pace_change", 120.0, 180.0),  # 4.1 -> 5.5 syl/s in the third minute
        ("silence", 200.0, 209.0),  # the longest silence
    ]
    assert got[1]["title"] == "4 nods in a row"
    assert got[2]["title"] == "Your longest stretch of speaking: 46 s without a pause"
    assert got[3]["title"] == "Your pace became quicker from 2:00"
    assert got[4]["title"] == "A silence of 9 s"
    for m in got:
        assert m["question"].endswith("?")
        assert not GRADES.search(m["title"] + " " + m["question"]), m


def test_talk_over_only_with_a_conversation():
    tl = {"overlaps": [[40.0, 40.5], [90.0, 92.5]]}
    assert moments(_summary(**tl)) == []
    got = moments(_summary(**tl, conversation={"talk_share_you": 0.4}))
    assert [(m["kind"], m["start_s"], m["end_s"]) for m in got] == [("talk_over", 90.0, 92.5)]
    assert got[0]["title"] == "You and the client spoke at once for 2 s"


def test_short_speech_small_changes_and_empty_summary_give_nothing():
    s = _summary(longest_speech=[0.0, 19.0], rates=[4.0, 4.9, 4.0], nods=[[1.0, True]] * 2)
    assert moments(s) == []  # 19 s < 20 s; 4.9/4.0 is 22 % < 25 %; two nods are no run
    assert moments({}) == []


def test_capped_keeping_the_first_kinds():
    s = _summary(
        longest_speech=[300.0, 340.0],
        long_pauses=[[10.0 * i, 10.0 * i + 3 + i] for i in range(8)],
        nods=[[200.0, True], [201.0, True], [202.0, True]],
        rates=[3.0, 6.0],
        overlaps=[[250.0, 252.0]],
        conversation={"talk_share_you": 0.5},
    )
    got = moments(s)
    assert len(got) <= MAX_MOMENTS
    kinds = sorted(m["kind"] for m in got)
    assert kinds == ["long_speech", "nod_run", "pace_change", "silence", "silence", "talk_over"]
    assert [m["start_s"] for m in got] == sorted(m["start_s"] for m in got)
    assert {m["start_s"] for m in got if m["kind"] == "silence"} == {70.0, 60.0}


def test_nod_runs_split_at_gaps():
    assert nod_runs([0, 5, 13, 30, 31, 32, 33, 50]) == [(0, 13, 3), (30, 33, 4)]
    assert nod_runs([0, 9, 18]) == []
