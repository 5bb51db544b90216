"""Device gaps in the summary, the history and the report, from a real store filled the way a
live session fills it: the camera gave no picture from 30 to 45 s (no face rows, one camera
``dropout`` event) and the microphone was lost at 60 s of 120 (voice rows stop, one
microphone ``dropout`` event to the end)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from presence_coach.session.store import SessionRecorder, SessionStore
from presence_coach.summary.gaps import (
    device_gaps,
    dropout_event,
    gap_seconds,
    gap_sentence,
    signal_time_s,
)
from presence_coach.summary.history import history
from presence_coach.summary.reflections import reflections
from presence_coach.summary.report import render_report
from presence_coach.summary.session import summary_from_store
from presence_coach.vision.face import FaceSample
from presence_coach.voice import TimelineRow

DURATION_S = 120.0
CAMERA_GAP = (30.0, 45.0)
MIC_LOST_S = 60.0
# speech in the first minute (the microphone's): 43.5 s of it, 174 syllables
UTTERANCES = [(0.0, 20.0, 80), (20.5, 30.0, 38), (32.0, 40.0, 32), (44.0, 50.0, 24)]
NODS_AT = (10.0, 50.0, 100.0)


def _face(t: float) -> FaceSample:
    return FaceSample(
        t=t, face=True, yaw=0.0, pitch=0.0, roll=0.0, gaze_h_left=0.0, gaze_v_left=0.0,
        gaze_h_right=0.0, gaze_v_right=0.0, smile=0.1, blink=0.1, jaw_open=0.0,
    )  # fmt: skip


def _fill(store: SessionStore) -> int:
    sid = store.begin_session(kind="live", source="udp://127.0.0.1:5000")
    rec = SessionRecorder(store, sid)
    for i in range(round(DURATION_S * 10)):
        t = i / 10
        if not CAMERA_GAP[0] <= t < CAMERA_GAP[1]:
            rec.add_face(_face(t), {"gaze": "camera", "head": ""})
        if t < MIC_LOST_S:
            spk = any(a <= t < b for a, b, _ in UTTERANCES)
            rec.add_voice([TimelineRow(t=t, speaking=int(spk), rms_dbfs=-20.0, f0_hz=200.0)])
    events = [
        {"type": "utterance", "start": a, "end": b, "syllables": n, "duration_s": b - a}
        for a, b, n in UTTERANCES
    ]
    events += [{"type": "nod", "start": t, "end": t + 0.6, "cycles": 2} for t in NODS_AT]
    events.append(dropout_event("camera", *CAMERA_GAP, "stream stalled"))
    events.append(dropout_event("microphone", MIC_LOST_S, DURATION_S, "no audio for 2 s"))
    rec.add_events(events)
    rec.flush()
    store.finalize(sid, summary={}, status="complete", duration_s=DURATION_S)
    return sid


def test_shares_and_rates_are_over_the_time_each_signal_was_there(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        sid = _fill(store)
        s = summary_from_store(store, sid)
        trend = history(store)["sessions"][0]
    v = {k: m["value"] for k, m in s["metrics"].items()}
    assert v["microphone_s"] == MIC_LOST_S
    assert v["camera_s"] == DURATION_S - (CAMERA_GAP[1] - CAMERA_GAP[0])
    # speech over the minute the microphone worked, not over the two-minute session
    assert v["speaking_fraction"] == pytest.approx(43.5 / 60.0, abs=1e-3)
    assert s["voice"]["speaking_fraction"] == pytest.approx(43.5 / 60.0, abs=1e-3)
    # nods per minute the camera worked (105 s), not per session minute
    assert v["nods_per_min"] == pytest.approx(3 * 60.0 / 105.0, abs=0.01)
    assert v["face_present_fraction"] == 1.0  # no rows while the camera gave nothing
    # history computes the same numbers from its SQL aggregates
    assert trend["speaking_fraction"] == v["speaking_fraction"]
    assert trend["nods_per_min"] == v["nods_per_min"]


def test_every_gap_is_in_the_json_and_on_the_page(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        s = summary_from_store(store, _fill(store))
    camera, mic = s["device_gaps"]
    assert (camera["device"], camera["start_s"], camera["end_s"]) == ("camera", 30.0, 45.0)
    assert not camera["until_end"] and camera["reason"] == "stream stalled"
    assert (mic["device"], mic["start_s"], mic["end_s"]) == ("microphone", 60.0, 120.0)
    assert mic["until_end"]
    assert s["device_notes"] == [
        "The camera gave no picture from 0:30 to 0:45 (15 s).",
        "The microphone gave no sound from 1:00 to the end of the session (60 s).",
    ]
    assert s["timeline"]["gaps"] == [[30.0, 45.0, "camera"], [60.0, 120.0, "microphone"]]
    assert json.loads(json.dumps(s, allow_nan=False)) == s
    page = render_report(s)
    for note in s["device_notes"]:
        assert note in page
    assert "The face, gaze and head numbers cover the 1 min 45 s the camera worked." in page
    assert "The speech, pause and voice numbers cover the 60 s the microphone worked." in page
    # hatched over two lanes each (camera: nods and gaze; microphone: speaking and pitch)
    assert page.count('class="gap"') == 4
    assert "the camera gave no picture from 0:30 to 0:45" in page  # the plot's own text
    assert "camera or microphone gave nothing" in page  # the legend
    # the speaking share is said to be of the microphone's time, not the session's
    assert any("72% of the time the microphone heard you" in r for r in reflections(s))


def test_a_session_without_gaps_has_none_on_the_page(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        sid = store.begin_session(kind="live", source="0")
        rec = SessionRecorder(store, sid)
        for i in range(100):
            rec.add_face(_face(i / 10), {"gaze": "camera", "head": ""})
        rec.flush()
        store.finalize(sid, summary={}, status="complete", duration_s=10.0)
        s = summary_from_store(store, sid)
    assert s["device_gaps"] == [] and s["device_notes"] == []
    assert s["metrics"]["camera_s"]["value"] == 10.0
    assert s["metrics"]["microphone_s"]["value"] is None
    page = render_report(s)
    assert 'class="gap"' not in page and "gave nothing" not in page


def test_gap_arithmetic() -> None:
    events = [
        dropout_event("camera", 10.0, 20.0, "no picture"),
        dropout_event("camera", 15.0, 25.0, "no picture"),  # overlaps the first
        dropout_event("microphone", 50.0, 90.0, "lost"),  # runs past the end: clipped
        {"type": "nod", "start": 1.0, "end": 2.0},
    ]
    gaps = device_gaps(events, duration_s=60.0)
    assert [(g["device"], g["start_s"], g["end_s"]) for g in gaps] == [
        ("camera", 10.0, 20.0),
        ("camera", 15.0, 25.0),
        ("microphone", 50.0, 60.0),
    ]
    assert gap_seconds(gaps, "camera") == 15.0  # the overlap counted once
    assert gap_seconds(gaps, "camera", after_s=18.0) == 7.0
    assert signal_time_s(gaps, "camera", duration_s=60.0, first_row_t=2.0) == 43.0
    assert signal_time_s(gaps, "microphone", duration_s=60.0, first_row_t=0.0) == 50.0
    assert signal_time_s(gaps, "camera", duration_s=60.0, first_row_t=None) is None
    assert gap_sentence(gaps[2]) == (
        "The microphone gave no sound from 0:50 to the end of the session (10 s)."
    )
    with pytest.raises(ValueError, match="device='screen'"):
        dropout_event("screen", 1.0, 2.0, "?")
