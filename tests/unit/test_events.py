"""The FaceEventDetectors facade on a synthetic stream."""

from __future__ import annotations

import numpy as np
import pytest

from presence_coach.events import Event
from presence_coach.vision.detectors import FaceEventDetectors
from presence_coach.vision.face import FaceSample


def stream(fps=30.0, seconds=10.0) -> list[FaceSample]:
    out = []
    for t in np.arange(0, seconds, 1 / fps):
        phase = np.clip((t - 2.0) / 0.5, 0, 2)
        pitch = -3 * (1 - np.cos(2 * np.pi * phase))  # a 2-cycle 6-degree nod at 2 s
        smile = 0.8 if 5.0 <= t < 6.0 else 0.05
        blink = 0.9 if 7.0 <= t < 7.1 else 0.02
        h = 0.5 if t >= 8.0 else 0.0  # looks aside for the last 2 s
        face = not 9.5 <= t < 9.7
        if not face:
            out.append(FaceSample(t=float(t), face=False))
            continue
        out.append(
            FaceSample(
                t=float(t),
                face=True,
                yaw=0.0,
                pitch=float(pitch),
                roll=0.0,
                gaze_h_left=h,
                gaze_h_right=h,
                gaze_v_left=0.1,
                gaze_v_right=0.1,
                smile=smile,
                blink=blink,
                jaw_open=0.0,
            )
        )
    return out


def run(seq, chunk=None):
    det = FaceEventDetectors()
    events, states = [], []
    step = chunk or len(seq)
    for i in range(0, len(seq), step):
        for s in seq[i : i + step]:
            events += det.update(s)
            states.append(det.frame_state(s))
    events += det.finish(seq[-1].t)
    return det, events, states


def test_events_and_states():
    seq = stream()
    det, events, states = run(seq)
    kinds = [e.type for e in events]
    assert kinds.count("nod") == 1 and kinds.count("smile") == 1 and kinds.count("blink") == 1
    assert "shake" not in kinds
    assert kinds.count("eye_contact") >= 1
    assert {s["gaze"] for s in states} >= {"camera", "away", "unknown"}
    assert any(s["head"] == "nod" for s in states)
    nod = next(e for e in events if e.type == "nod")
    assert nod.to_json()["cycles"] == 2 and nod.to_json()["type"] == "nod"
    assert det.gaze.calibrated is False
    assert [e.type for e in events].count("nod") == 1
    # gaze shares of the frames with a face (the summary takes them from the stored rows)
    with_face = [st["gaze"] for s, st in zip(seq, states, strict=True) if s.face]
    assert with_face.count("camera") / len(with_face) == pytest.approx(0.82, abs=0.03)
    assert with_face.count("away") / len(with_face) == pytest.approx(0.18, abs=0.05)


def test_chunked_equals_whole():
    seq = stream()
    _, whole, _ = run(seq)
    _, chunked, _ = run(seq, chunk=17)
    assert chunked == whole


def test_reset_drops_open_episodes():
    det = FaceEventDetectors()
    for s in stream()[:80]:  # into the nod at 2-3 s
        det.update(s)
    det.reset()
    assert [e.type for e in det.finish(2.7)] == []  # nothing was open any more


def test_event_json_rounds_times():
    e = Event("nod", 1.23456, 2.0, {"amplitude_deg": 5.55555, "cycles": 1})
    assert e.to_json() == {
        "type": "nod",
        "start": 1.235,
        "end": 2.0,
        "amplitude_deg": 5.556,
        "cycles": 1,
    }
