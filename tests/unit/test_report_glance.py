"""The report's first screen: an honest "your usual" (history.previous_medians), the plain
sentences about doubtful numbers (doubts.py) and the "at a glance" cards (glance.py).

All three are pure functions of the history / summary dicts, so hand-made dicts with the
real keys are their real input; known answers throughout. The report test
(tests/integration/test_report_browser.py) renders them from really analysed sessions.
"""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/callgen.py
import callgen as cg

from presence_coach.session.store import SessionRecorder, SessionStore
from presence_coach.summary.definitions import METRICS, TREND_KEYS
from presence_coach.summary.doubts import doubts, marks
from presence_coach.summary.gaps import device_gaps, dropout_event
from presence_coach.summary.glance import cards, usual_note
from presence_coach.summary.history import counts_in_usual, previous_medians
from presence_coach.summary.report import render_report
from presence_coach.summary.session import summary_from_store
from presence_coach.summary.terminal import render_terminal
from presence_coach.voice import TimelineRow


def _row(sid: int, *, kind: str = "live", minutes: float = 50, rate: float = 4.0, **kw) -> dict:
    row = dict.fromkeys(TREND_KEYS) | {"pauses_long": 4, "listening_nods": 10}
    row |= {"id": sid, "kind": kind, "duration_s": minutes * 60, "in_usual": True}
    return row | {"articulation_rate_syl_per_s": rate} | kw


def _history(*rows: dict) -> dict:
    return {"sessions": list(rows)}


def test_usual_counts_only_long_live_sessions_by_default():
    h = _history(
        _row(1, rate=3.0),
        _row(2, kind="recording", rate=9.0),  # a test clip
        _row(3, minutes=5, rate=9.0),  # a short live session
        _row(4, rate=4.0),
        _row(5, rate=5.0, in_usual=False),  # left out by the user
        _row(6, rate=6.0),
        _row(7, rate=7.0),  # this session
    )
    u = previous_medians(h, session_id=7)
    assert (u["sessions"], u["enough"], u["not_counted"]) == (3, True, 3)
    assert u["medians"]["articulation_rate_syl_per_s"] == 4.0
    assert u["ranges"]["articulation_rate_syl_per_s"] == [3.5, 5.0]  # 25th-75th of 3, 4, 6
    every = previous_medians(h, session_id=7, usual="all")
    assert every["sessions"] == 5 and every["ranges"]["articulation_rate_syl_per_s"] == [4, 9]
    assert not counts_in_usual(h["sessions"][4], usual="all")  # left out stays out


def test_not_enough_sessions_yet_below_three():
    h = _history(_row(1), _row(2, kind="recording"), _row(3), _row(4))
    u = previous_medians(h, session_id=4)
    assert (u["sessions"], u["enough"]) == (2, False)
    assert usual_note(u) == (
        "Not enough sessions yet for your usual: it needs 3 earlier live sessions of 10 "
        "minutes or more (2 so far)."
    )
    assert usual_note(previous_medians(h, session_id=4, usual="all")) == ""


def _summary(values: dict, **more) -> dict:
    metrics = {
        k: {"key": k, "label": d.label, "value": values.get(k), "unit": d.unit}
        | {"definition": d.definition, "group": d.group}
        for k, d in METRICS.items()
    }
    return {"metrics": metrics, "has_voice": True, "has_video": True, "device_gaps": []} | more


def test_doubts_say_each_problem_once_and_mark_its_numbers():
    s = _summary(
        {"speaking_fraction": 0.96, "f0_range_st": 31.4, "face_present_fraction": 0.3},
        mixed_voices_note="The microphone probably heard more than one voice.",
    )
    found = doubts(s)
    assert [d["sentence"][:30] for d in found] == [
        "Speech was heard for 96% of th",
        "The pitch moved over a wider r",
        "The camera saw your face only ",
    ]  # the mixed-voices note is not repeated when the speech or pitch doubt says it
    m = marks(found)
    assert m["speaking_fraction"] == [1] and m["f0_range_st"] == [2] and m["nods"] == [3]
    plain = _summary({"speaking_fraction": 0.6, "f0_range_st": 6.0, "face_present_fraction": 0.9})
    assert doubts(plain) == []


def test_device_gaps_are_a_doubt_marking_the_numbers_of_that_device():
    gaps = device_gaps([dropout_event("microphone", 30.0, 45.0, "unplugged")], duration_s=60.0)
    s = _summary({"microphone_s": 45.0}, device_gaps=gaps)
    found = doubts(s)
    assert len(found) == 1 and "microphone" in found[0]["sentence"]
    assert "cover the 45 s the microphone worked" in found[0]["sentence"]
    assert "pauses_long" in marks(found) and "nods" not in marks(found)


def test_cards_in_plain_words_with_your_usual():
    s = _summary(
        {
            "articulation_rate_syl_per_s": 4.9,
            "speaking_fraction": 0.42,
            "longest_speech_s": 83.0,
            "pauses_long": 4,
            "pause_longest_s": 9.2,
            "nods": 14,
            "listening_nods": 12,
            "gaze_camera_fraction": 0.31,
        },
        certainty={},
    )
    h = _history(*(_row(i, rate=r) for i, r in enumerate((3.5, 3.9, 4.2, 4.4), start=1)))
    got = {c["title"]: (c["text"], c["usual"]) for c in cards(s, previous_medians(h, session_id=9))}
    assert got["Pace"] == (
        "About 210 words a minute while you spoke: an everyday pace.",
        "Your usual: 163 to 182",  # 25th-75th: 3.8-4.25 syl/s
    )
    assert got["Speaking share"][0] == "You spoke for about 42% of the session."
    assert got["Longest stretch of speaking"][0] == (
        "Your longest stretch of speaking ran 1 min 23 s without a pause."
    )
    assert got["Silences of 3 s or more"] == (
        "You let 4 silences run past three seconds (the longest 9 s).",
        "Your usual: 4",
    )
    assert got["Listening nods"][0] == "The camera saw 12 listening nods (of 14 nods)."
    assert got["Looking at the camera"][0].startswith("You looked into the lens about 31%")


def test_cards_say_none_and_all_in_words():
    """No long silence is not "0 silences"; one nod, while listening, is not "(of 1 nods)"."""
    s = _summary(
        {"articulation_rate_syl_per_s": 4.0, "pauses_long": 0, "nods": 1, "listening_nods": 1},
        certainty={},
    )
    got = {c["title"]: c["text"] for c in cards(s, None)}
    assert got["Silences of 3 s or more"] == "No silence ran past three seconds."
    assert got["Listening nods"] == "The camera saw 1 nod, while you listened."
    s["metrics"]["nods"]["value"] = s["metrics"]["listening_nods"]["value"] = 3
    three = {c["title"]: c["text"] for c in cards(s, None)}
    assert three["Listening nods"] == "The camera saw 3 nods, all while you listened."


def test_an_audio_only_session_has_no_camera_cards():
    s = _summary({"articulation_rate_syl_per_s": 3.0, "speaking_fraction": 0.5}, has_video=False)
    titles = [c["title"] for c in cards(s, None)]
    assert titles == ["Pace", "Speaking share"]
    assert "an unhurried pace" in cards(s, None)[0]["text"]


def test_an_audio_only_page_says_its_doubt_and_draws_no_camera_lanes(tmp_path: Path):
    """A real store: 2 minutes of a microphone hearing speech all the time, no camera."""
    with SessionStore(tmp_path) as store:
        sid = store.begin_session(kind="live", source="0")
        rec = SessionRecorder(store, sid)
        rec.add_voice(
            [TimelineRow(t=i / 10, speaking=1, rms_dbfs=-20.0, f0_hz=180.0) for i in range(1200)]
        )
        rec.add_events([{"type": "utterance", "start": 0.0, "end": 120.0, "syllables": 500}])
        rec.flush()
        store.finalize(sid, summary={}, status="complete", duration_s=120.0)
        summary = summary_from_store(store, sid)
    page = render_report(summary)
    assert "Speech was heard for 100% of the session." in page
    assert 'Speaking share<sup class="mark"' in page  # the card's number is marked
    lanes = re.findall(r'class="lane">([^<]+)<', page)
    assert lanes == ["Speaking", "Pitch"]  # no empty Nods and Gaze lanes
    assert "gaze at the camera" not in page  # nor their legend
    assert [m["kind"] for m in summary["moments"]] == ["long_speech"]
    text = render_terminal(summary)  # the terminal says the same in the same words
    assert "  Note: Speech was heard for 100% of the session." in text
    assert "Moments to revisit:\n  0:00  Your longest stretch of speaking: 2 min without" in text
    assert "No camera data this time." in text


def test_a_real_call_draws_the_client_lane_and_the_balance_card(speech_dir, tmp_path: Path):
    """Issue 12's client lane: a real two-person call (tests/callgen.py from the two
    speakers of conversation_sample), its conversation events stored in a real store."""
    from presence_coach.voice.conversation import analyze_conversation

    pools = cg.stm_speakers(speech_dir)
    call = cg.build_call("Diane / Sheila", pools["Diane"], pools["Sheila"], seed=5, duration_s=50)
    mic = call.mic(speakers=False, delay_s=0.0, seed=4)
    events = analyze_conversation(mic, call.client)
    with SessionStore(tmp_path) as store:
        sid = store.begin_session(kind="analyze", source="call")
        rec = SessionRecorder(store, sid)
        rec.add_events(replace(e, t_known=None).to_json() for e in events)
        rec.flush()
        store.finalize(sid, summary={}, status="complete", duration_s=len(mic) / cg.SR)
        summary = summary_from_store(store, sid)
    page = render_report(summary)
    assert re.findall(r'class="lane">([^<]+)<', page) == ["You", "Client"]
    client_runs = len(summary["timeline"]["client_speaking"])
    assert client_runs == sum(e.type == "client_speech" for e in events) >= 3
    assert page.count('fill="#8C6BB1"') == client_runs  # one box per run of the client
    assert "the client was speaking" in page  # the legend
    balance = [c for c in cards(summary, None) if c["title"] == "Talk balance"]
    assert balance and "of the time the two of you spoke" in balance[0]["text"]
    assert balance[0]["text"] in page.replace("&#x27;", "'")


def test_report_usual_all_from_the_command_line(tmp_path: Path):
    """`presence-coach report --usual all` (a real CLI process on a real store) counts the
    one-minute sessions the default usual leaves out."""
    import subprocess

    from tests.unit.test_session_summary import _fill

    with SessionStore(tmp_path) as store:
        ids = [_fill(store, nods_at=(42.0,) * k) for k in (1, 2, 3, 4)]
    pages = {}
    for usual in ("live", "all"):
        out = subprocess.run(
            [sys.executable, "-m", "presence_coach", "report", str(ids[-1]), "--no-open",
             "--data-dir", str(tmp_path), "--usual", usual],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        pages[usual] = Path(out.stdout.strip().split(": ", 1)[1]).read_text()
    assert "(0 so far)" in pages["live"] and "Your usual: " not in pages["live"]
    assert "Your usual (middle half of 3 sessions)" in pages["all"]
    assert "Your usual: " in pages["all"] and "Not enough sessions yet" not in pages["all"]
    bad = subprocess.run(
        [sys.executable, "-m", "presence_coach", "report", "--usual", "some", "--no-open",
         "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "--usual" in bad.stderr
