"""Session summary, history and report from a real store filled with rows of known answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from presence_coach.calibration.profile import CalibrationProfile, VoiceBaseline
from presence_coach.session.store import SessionRecorder, SessionStore
from presence_coach.summary.definitions import METRICS
from presence_coach.summary.history import (
    history,
    previous_medians,
    render_history_text,
    trend_cache_key,
)
from presence_coach.summary.reflections import reflections
from presence_coach.summary.report import render_report
from presence_coach.summary.session import summary_from_store
from presence_coach.summary.terminal import render_terminal
from presence_coach.vision.face import FaceSample
from presence_coach.vision.gaze_state import GazeCalibration
from presence_coach.voice import TimelineRow
from tests.damage import corrupt_rows_of

# 60 s: utterances 0-20 s (80 syllables), 20.5-30 s (38), 32-40 s (32), 44-50 s (24)
# -> pauses of 0.5 s (short), 2 s (medium), 4 s (long); 43.5 s of speech, 174 syllables.
UTTERANCES = [(0.0, 20.0, 80), (20.5, 30.0, 38), (32.0, 40.0, 32), (44.0, 50.0, 24)]
PAUSES = [(20.0, 20.5), (30.0, 32.0), (40.0, 44.0)]
# a real calibration profile, as the session stores it
CALIBRATION = CalibrationProfile(
    camera="0",
    mic="default",
    gaze=GazeCalibration(),
    created="2024-05-01T10:00:00",
    voice=VoiceBaseline(noise_floor_dbfs=-62.0, pitch_median_hz=190.0, speech_rate_syl_per_s=4.5),
).to_dict()


def _speaking(t: float) -> bool:
    return any(a <= t < b for a, b, _ in UTTERANCES)


def _gaze(t: float) -> str:
    return "camera" if t < 27 else "screen" if t < 45 else "away"


def _fill(
    store: SessionStore,
    *,
    duration_s: float = 60.0,
    video: bool = True,
    voice: bool = True,
    calibration: dict | None = None,
    nods_at: tuple[float, ...] = (),
) -> int:
    sid = store.begin_session(kind="live", source="0", calibration=calibration)
    rec = SessionRecorder(store, sid)
    n = round(duration_s * 10)
    for i in range(n):
        t = i / 10
        if video:
            face = t < 54.0 or t >= 60.0  # no face from 54 to 60 s
            sample = (
                FaceSample(
                    t=t,
                    face=True,
                    yaw=0.0,
                    pitch=0.0,
                    roll=0.0,
                    gaze_h_left=0.0,
                    gaze_v_left=0.0,
                    gaze_h_right=0.0,
                    gaze_v_right=0.0,
                    smile=0.1,
                    blink=0.1,
                    jaw_open=0.0,
                )
                if face
                else FaceSample(t=t, face=False)
            )
            rec.add_face(sample, {"gaze": _gaze(t % 60) if face else "", "head": ""})
        if voice:
            spk = _speaking(t % 60)
            rec.add_voice(
                [
                    TimelineRow(
                        t=t,
                        speaking=int(spk),
                        rms_dbfs=-20.0 if spk else -60.0,
                        f0_hz=200.0 if spk else float("nan"),
                    )
                ]
            )
    events: list[dict] = []
    for k in range(round(duration_s // 60)):
        o = 60.0 * k
        if voice:
            for a, b, syl in UTTERANCES:
                events.append(
                    {
                        "type": "utterance",
                        "start": o + a,
                        "end": o + b,
                        "syllables": syl,
                        "duration_s": b - a,
                    }
                )
            for a, b in PAUSES:
                events.append({"type": "pause", "start": o + a, "end": o + b, "duration_s": b - a})
        if video:
            events += [
                {"type": "eye_contact", "start": o + 1.0, "end": o + 5.0},
                {"type": "eye_contact", "start": o + 10.0, "end": o + 12.0},
                {"type": "smile", "start": o + 15.0, "end": o + 16.0, "peak": 0.8},
                {"type": "shake", "start": o + 33.0, "end": o + 33.8, "cycles": 2},
            ]
    for t in nods_at:
        events.append({"type": "nod", "start": t, "end": t + 0.6, "cycles": 2})
    events.sort(key=lambda e: e["start"])
    rec.add_events(events)
    rec.flush()
    store.finalize(sid, summary={}, status="complete", duration_s=duration_s)
    return sid


def _values(summary: dict) -> dict:
    return {k: m["value"] for k, m in summary["metrics"].items()}


def test_known_session_numbers(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        sid = _fill(store, calibration=CALIBRATION, nods_at=())
        # three nods: one while speaking (its own attribute), one in the 4 s pause (found
        # from the voice timeline: no attribute), one marked silent by its attribute
        rec = SessionRecorder(store, sid)
        rec.add_events(
            [
                {"type": "nod", "start": 5.0, "end": 5.6, "cycles": 2, "speaking": True},
                {"type": "nod", "start": 42.0, "end": 42.6, "cycles": 1},
                {"type": "nod", "start": 55.0, "end": 55.5, "cycles": 2, "speaking": False},
            ]
        )
        rec.flush()
        store.add_note(sid, "Client opened up after the long silence.")
        s = summary_from_store(store, sid)
    v = _values(s)
    assert s["schema_version"] == 1
    # head pose over the face rows with a face (all at 0 degrees), the run facts as stored
    assert s["pose"]["yaw_deg"] == {"count": 540, "median": 0.0, "mean": 0.0, "sd": 0.0,
                                    "p5": 0.0, "p95": 0.0, "min": 0.0, "max": 0.0}  # fmt: skip
    assert s["run"] == {"source": None, "frames": None, "interrupted": False, "stopped": None,
                        "voice_note": None, "recovered": False, "share": None}  # fmt: skip
    assert v["duration_s"] == 60.0
    assert v["speaking_fraction"] == pytest.approx(43.5 / 60, abs=1e-3)
    assert v["utterances"] == 4
    assert v["longest_speech_s"] == 20.0
    assert v["articulation_rate_syl_per_s"] == pytest.approx(4.0)
    assert (v["pauses_short"], v["pauses_medium"], v["pauses_long"]) == (1, 1, 1)
    assert v["pause_longest_s"] == 4.0
    assert v["f0_median_hz"] == pytest.approx(200.0, rel=0.01)
    assert v["f0_range_st"] == pytest.approx(0.0, abs=0.1)
    assert v["loudness_median_dbfs"] == pytest.approx(-20.0, abs=0.1)
    assert (v["nods"], v["listening_nods"], v["nods_per_min"]) == (3, 2, 3.0)
    assert (v["shakes"], v["smiles"], v["eye_contacts"]) == (1, 1, 2)
    assert v["face_present_fraction"] == pytest.approx(0.9)
    assert v["gaze_camera_fraction"] == pytest.approx(0.5)
    assert v["gaze_screen_fraction"] == pytest.approx(1 / 3, abs=1e-3)
    assert v["gaze_away_fraction"] == pytest.approx(1 / 6, abs=1e-3)
    assert v["frames_analyzed"] is None  # no performance dict stored
    # per minute: one minute, the same numbers
    pm = s["per_minute"]
    assert pm["speaking_fraction"] == [pytest.approx(0.725)]
    assert pm["articulation_rate_syl_per_s"] == [4.0]
    assert (pm["nods"], pm["listening_nods"], pm["eye_contacts"]) == ([3], [2], [2])
    # timeline picture: speech runs, the long silence, nods marked listening or not
    tl = s["timeline"]
    assert tl["long_pauses"] == [[40.0, 44.0]]
    assert [n[1] for n in tl["nods"]] == [False, True, True]
    assert tl["speaking"][0][0] == 0.0 and tl["speaking"][0][1] == pytest.approx(20.0, abs=0.1)
    assert {g[2] for g in tl["gaze"]} == {"camera", "screen", "away", "none"}
    # calibration and notes
    cal = s["calibration"]
    assert cal["calibrated"] and cal["label"] == "calibrated on 2024-05-01 (camera 0, mic default)"
    assert cal["baseline"] == {"f0_median_hz": 190.0, "articulation_rate_syl_per_s": 4.5}
    assert [n["text"] for n in s["notes"]] == ["Client opened up after the long silence."]
    assert json.loads(json.dumps(s, allow_nan=False)) == s  # JSON-ready for --json
    page = render_report(s)
    assert "Calibration baseline" in page and "190 Hz" in page
    assert "Client opened up after the long silence." in page
    # every metric carries its unit and definition
    for key, m in s["metrics"].items():
        assert m["unit"] and m["definition"] and m["label"] == METRICS[key].label


def test_the_store_answers_the_questions_of_history(tmp_path: Path) -> None:
    """Row counts, gaze counts and the speaking share between two times, from SQL on the
    real store, agree with the rows written (60 s at 10 rows a second; no face 54-60 s)."""
    with SessionStore(tmp_path) as store:
        sid = _fill(store)
        rows = store.row_counts(sid)
        gaze = store.gaze_counts(sid)
        assert (rows.voice_rows, rows.face_rows) == (600, 600)
        assert rows.voice_first_t == rows.face_first_t == 0.0
        assert rows.voice_last_t == rows.face_last_t == pytest.approx(59.9)
        assert rows.speaking_rows == 435  # 43.5 s of speech
        assert gaze == {"camera": 270, "screen": 180, "away": 90}  # 54 s of face
        assert store.speaking_share(sid, 0.0, 10.0) == 1.0
        assert store.speaking_share(sid, 40.0, 44.0) == 0.0  # the long pause
        assert store.speaking_share(sid, 38.0, 42.0) == pytest.approx(0.5)
        assert store.speaking_share(sid, 70.0, 80.0) is None  # no rows there
        assert store.row_counts(_fill(store, voice=False)).voice_first_t is None


def test_per_minute_speech_rate_and_its_variation(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        sid = _fill(store, duration_s=180.0)
        s = summary_from_store(store, sid)
    v = _values(s)
    assert s["per_minute"]["articulation_rate_syl_per_s"] == [4.0, 4.0, 4.0]
    assert s["per_minute"]["start_s"] == [0.0, 60.0, 120.0]
    assert v["rate_minute_median_syl_per_s"] == 4.0
    assert v["rate_minute_iqr_syl_per_s"] == 0.0
    assert v["pauses_long"] == 3


def test_voice_only_and_video_only_sessions(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        voice_only = summary_from_store(store, _fill(store, video=False))
        video_only = summary_from_store(store, _fill(store, voice=False, nods_at=(42.0,)))
    a, b = _values(voice_only), _values(video_only)
    assert a["speaking_fraction"] == pytest.approx(0.725) and a["nods"] is None
    assert a["gaze_camera_fraction"] is None and a["face_present_fraction"] is None
    assert b["speaking_fraction"] is None and b["f0_median_hz"] is None
    assert b["nods"] == 1 and b["listening_nods"] is None  # silent or not is unknown
    assert voice_only["per_minute"]["nods"] == [None]
    assert video_only["per_minute"]["speaking_fraction"] == [None]
    for s in (voice_only, video_only):
        page = render_report(s)
        assert "<svg" in page and "Traceback" not in page
        assert render_terminal(s)


def test_history_and_comparison(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        first = _fill(store, nods_at=(42.0,))
        second = _fill(store, nods_at=(42.0, 43.0, 55.0))
        third = _fill(store, nods_at=(5.0, 42.0, 43.0, 55.0, 56.0))
        h = history(store)
        s = summary_from_store(store, third)
    assert [r["id"] for r in h["sessions"]] == [first, second, third]
    assert [r["nods_per_min"] for r in h["sessions"]] == [1.0, 3.0, 5.0]
    assert [r["listening_nods"] for r in h["sessions"]] == [1, 3, 4]
    assert len(h["weeks"]) == 1 and h["weeks"][0]["sessions"] == 3
    assert h["weeks"][0]["nods_per_min"] == 3.0  # median of the week's sessions
    prev = previous_medians(h, session_id=third, usual="all")
    assert prev["sessions"] == 2 and prev["medians"]["nods_per_min"] == 2.0
    assert prev["ranges"]["nods_per_min"] == [1.5, 2.5] and not prev["enough"]
    # by default only live sessions of 10 minutes or more count: these last one minute
    default = previous_medians(h, session_id=third)
    assert default["sessions"] == 0 and default["not_counted"] == 2
    text = render_history_text(h)
    assert "nods" in text.lower() and str(third) in text
    page = render_report(s, history=h)
    assert "Not enough sessions yet for your usual" in page and "(0 so far)" in page


def test_reflections_are_specific_and_kind(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        s = summary_from_store(store, _fill(store, duration_s=180.0, nods_at=(42.0, 102.0)))
    notes = reflections(s)
    assert any("three silences longer than three seconds" in r for r in notes)
    assert 1 <= len(notes) <= 5
    for r in notes:
        low = r.lower()
        assert not any(w in low for w in (" bad", "poor", "good job", "score", "grade", "fail"))


def test_history_of_an_empty_store(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        h = history(store)
    assert h["sessions"] == [] and h["weeks"] == []
    assert "No sessions yet" in render_history_text(h)


def test_history_keeps_each_finished_sessions_numbers_once(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        first = _fill(store, nods_at=(42.0,))
        second = _fill(store, nods_at=(42.0, 43.0))
        running = store.begin_session(kind="live", source="0")
        SessionRecorder(store, running).add_events([{"type": "nod", "start": 1, "end": 2}])
        before = history(store)
        cached = dict(store.db.execute("SELECT session_id, computed_by FROM trend_cache"))
        keys = {sid: trend_cache_key(store.session(sid)) for sid in (first, second)}
        assert cached == keys
        # the second call reads the kept numbers: the rows are not read again
        store.db.execute("DELETE FROM events WHERE session_id = ? AND type = 'nod'", (first,))
        assert history(store) == before
        # numbers kept by another version are computed afresh
        store.db.execute("UPDATE trend_cache SET computed_by = 'an older version'")
        after = history(store)
        assert [r["nods_per_min"] for r in after["sessions"]] == [0.0, 2.0]
        assert store.forget(first) == 1
        assert [r[0] for r in store.db.execute("SELECT session_id FROM trend_cache")] == [second]


def test_cached_trend_numbers_follow_the_session_state(tmp_path: Path) -> None:
    """Numbers cached while a session was 'recovered' are computed again once its process
    finishes it (issue 9, item 6: they were kept for ever)."""
    with SessionStore(tmp_path) as store:
        sid = _fill(store, duration_s=120.0, nods_at=(42.0, 43.0))
        store.finalize(sid, summary={"recovered": True}, status="recovered", duration_s=60.0)
        recovered_key = trend_cache_key(store.session(sid))
        early = history(store)["sessions"][0]
        assert (early["status"], early["duration_s"], early["nods_per_min"]) == (
            "recovered",
            60.0,
            2.0,
        )
        assert store.cached_trend(sid, recovered_key) is not None
        # its process was alive after all: it finishes the session, 120 s long
        store.finalize(sid, summary={"duration_s": 120.0}, status="complete", duration_s=120.0)
        assert store.db.execute("SELECT COUNT(*) FROM trend_cache").fetchone()[0] == 0
        late = history(store)["sessions"][0]
        assert (late["status"], late["duration_s"], late["nods_per_min"]) == (
            "complete",
            120.0,
            1.0,
        )
        # numbers a history run computed in the old state and wrote after the change: unused
        store.cache_trend(sid, recovered_key, early)
        assert history(store)["sessions"][0]["duration_s"] == 120.0


def test_history_leaves_out_a_damaged_session_and_says_so(tmp_path: Path) -> None:
    with SessionStore(tmp_path) as store:
        ids = []
        for _ in range(3):
            sid = store.begin_session(kind="live", source="0")
            rec = SessionRecorder(store, sid)
            rec.add_voice([TimelineRow(t=0.0, speaking=0, rms_dbfs=-60.0, f0_hz=float("nan"))])
            rec.add_events([{"type": "pause", "start": 2.0 * i, "end": 2.0 * i + 3.5,
                             "duration_s": 3.5} for i in range(300)])  # fmt: skip
            rec.flush()
            store.finalize(sid, summary={}, status="complete", duration_s=600.0)
            ids.append(sid)
    corrupt_rows_of(tmp_path / "presence-coach.sqlite3", "events", ids[1])
    with SessionStore(tmp_path) as store:
        h = history(store)
    assert [r["id"] for r in h["sessions"]] == [ids[0], ids[2]] and h["damaged"] == [ids[1]]
    assert h["sessions"][0]["pauses_long"] == 300  # the readable ones are whole
    text = render_history_text(h)
    assert f"Session {ids[1]} cannot be read" in text and f"forget {ids[1]}" in text
