"""The report says what nod and gaze numbers can miss, and "about N" when the nods are unsure."""

from __future__ import annotations

import math
from pathlib import Path

from presence_coach.session.store import SessionRecorder, SessionStore
from presence_coach.summary.certainty import VISION_CAVEAT, face_certainty
from presence_coach.summary.report import render_report
from presence_coach.summary.session import summary_from_store
from presence_coach.summary.terminal import render_terminal
from presence_coach.vision.detectors import FaceEventDetectors
from presence_coach.vision.face import FaceSample
from tests.unit.test_session_summary import _fill


def _session(tmp_path: Path, nods: list[dict]) -> dict:
    with SessionStore(tmp_path) as store:
        sid = _fill(store)  # face out of view 54-60 s: 90 % in view
        rec = SessionRecorder(store, sid)
        rec.add_events(nods)
        rec.flush()
        return summary_from_store(store, sid)


def nod(t: float, clear: bool) -> dict:
    return {"type": "nod", "start": t, "end": t + 0.6, "cycles": 1, "clear": clear}


def test_clear_nods_are_counted_exactly(tmp_path: Path) -> None:
    s = _session(tmp_path, [nod(5.0, True), nod(42.0, True)])
    assert s["certainty"] == {"nods_faint": 0, "nods_approximate": False}
    text = render_terminal(s)
    assert "Nods: 2 (" in text and "about" not in text.split("Nods:")[1].split(";")[0]
    page = render_report(s)
    assert VISION_CAVEAT in page  # the plain line about what the numbers can miss


def test_a_faint_nod_makes_the_count_approximate(tmp_path: Path) -> None:
    s = _session(tmp_path, [nod(5.0, True), nod(42.0, False), nod(43.5, True)])
    assert s["certainty"] == {"nods_faint": 1, "nods_approximate": True}
    assert "Nods: about 3 (" in render_terminal(s)
    assert ">about 3<" in render_report(s)


def test_face_out_of_view_makes_the_count_approximate() -> None:
    assert face_certainty([], face_present_fraction=0.7)["nods_approximate"] is True
    assert face_certainty([], face_present_fraction=0.95)["nods_approximate"] is False
    assert face_certainty([], face_present_fraction=None)["nods_approximate"] is False


def nod_stream(amp_deg: float) -> list[FaceSample]:
    """A still face that nods once (1 s cycle) by ``amp_deg`` at 2 s, at 30 fps."""
    out = []
    for i in range(150):
        t = i / 30
        u = min(max(t - 2.0, 0.0), 1.0)
        pitch = -amp_deg / 2 * (1 - math.cos(2 * math.pi * u))
        out.append(FaceSample(t=t, face=True, yaw=0.0, pitch=pitch, roll=0.0, jaw_open=0.0))
    return out


def test_a_faint_nod_is_marked_not_clear_by_the_detector() -> None:
    """The detector's own mark, which the stored summary counts (see above)."""
    for amp, clear in ((12.0, True), (2.8, False)):
        det = FaceEventDetectors()
        stream = nod_stream(amp)
        events = [e for s in stream for e in det.update(s)] + det.finish(stream[-1].t)
        nods = [e for e in events if e.type == "nod"]
        assert len(nods) == 1 and nods[0].attrs["clear"] is clear, (amp, nods)
