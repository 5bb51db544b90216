"""Was the person speaking during a gesture: one rule for the analysis, summary and history."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from presence_coach.events import Event
from presence_coach.session.analysis import VoiceTrack
from presence_coach.session.store import SessionStore
from presence_coach.summary.rows import gesture_while_speaking, speaking_share_between
from presence_coach.voice import TimelineRow, VoiceResult, voice_summary
from presence_coach.voice.speaking import speaking_share, while_speaking

# 10 s of rows: speech from 2.0 to 5.0 s
T = np.round(np.arange(100) * 0.1, 1)
SPEAKING = ((T >= 2.0) & (T < 5.0)).astype(np.float64)
GESTURES = [(1.0, 1.6), (1.75, 2.3), (1.8, 2.5), (2.5, 3.1), (4.4, 5.2), (4.7, 5.5), (20.0, 21.0)]


def test_speaking_share_of_rows() -> None:
    assert speaking_share(T, SPEAKING, start_s=2.5, end_s=3.1) == 1.0
    assert speaking_share(T, SPEAKING, start_s=1.0, end_s=1.6) == 0.0
    # rows 1.8 .. 2.4 (the row at 1.8 starts half a row before 1.83): 5 of 7 speaking
    assert speaking_share(T, SPEAKING, start_s=1.83, end_s=2.5) == pytest.approx(5 / 7)
    assert speaking_share(T, SPEAKING, start_s=20.0, end_s=21.0) is None
    assert [while_speaking(s) for s in (0.5, 0.51, None)] == [False, True, None]


def test_the_analysis_the_summary_and_the_store_agree(tmp_path: Path) -> None:
    rows = [
        TimelineRow(float(t), int(s), -30.0, float("nan")) for t, s in zip(T, SPEAKING, strict=True)
    ]
    voice = VoiceResult([], rows, voice_summary([], rows, duration_s=10.0), 10.0)
    track = VoiceTrack(voice)
    marked = [track.annotate(Event("nod", a, b)).attrs["speaking"] for a, b in GESTURES]
    assert marked == [False, False, True, True, True, False, False]
    from_rows = [
        gesture_while_speaking(
            {"start": a, "end": b},
            speaking_share=lambda x, y: speaking_share_between(T, SPEAKING, start_s=x, end_s=y),
        )
        for a, b in GESTURES
    ]
    with SessionStore(tmp_path) as store:
        sid = store.begin_session(kind="recording", source="test")
        store.write_batch(sid, face=[], voice=[(r.t, r.speaking, -30.0, None) for r in rows])
        from_store = [while_speaking(store.speaking_share(sid, a - 0.05, b)) for a, b in GESTURES]
    assert from_rows[:-1] == from_store[:-1] == marked[:-1]
    assert from_rows[-1] is None and from_store[-1] is None  # no voice there: unknown
