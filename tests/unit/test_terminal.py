"""The terminal side of a run (session/terminal.py) and the forget sentences: the status
line's words, a real SIGTERM to this process turned into a clean stop, the rebuild note."""

from __future__ import annotations

import os
import signal

from presence_coach.session.forget import rebuilt_note
from presence_coach.session.live import LiveStatus
from presence_coach.session.salvage import Rebuilt
from presence_coach.session.stop import StopRequest
from presence_coach.session.terminal import SIGNAL_REASONS, status_text, stop_on_signals
from presence_coach.vision.face import FaceSample


def _status(**kw: object) -> LiveStatus:
    base = dict(t_s=75.4, frame=None, sample=None, state={}, frames=10, dropped=2, mic_dbfs=None)
    return LiveStatus(**{**base, **kw})  # type: ignore[arg-type]


def test_status_line_says_what_is_there() -> None:
    assert status_text(_status()) == (
        "01:15  camera: no picture  mic off  frames 10  dropped 2  (Ctrl+C or q to stop)"
    )
    seen = _status(sample=FaceSample(t=75.4, face=True), mic_dbfs=-31.6)
    assert status_text(seen).startswith("01:15  face found  mic   -32 dBFS  frames 10")
    gone = _status(sample=FaceSample(t=75.4, face=False), mic_lost=True, saving="disk full")
    assert "no face" in status_text(gone) and "mic: no sound" in status_text(gone)
    assert "saving failed: disk full" in status_text(gone)


def test_a_real_sigterm_becomes_a_clean_stop_and_stays_ignored() -> None:
    # a stop leaves SIGINT and SIGHUP ignored too: put all three back, or every process this
    # test run starts later inherits an ignored Ctrl+C (a later Ctrl+C test then hangs)
    every_before = {s: signal.getsignal(s) for s in SIGNAL_REASONS}
    before = every_before[signal.SIGTERM]
    stop = StopRequest()
    try:
        with stop_on_signals(stop):
            os.kill(os.getpid(), signal.SIGTERM)  # delivered before kill() returns
            assert stop.is_set() and stop.signum == signal.SIGTERM
            assert stop.reason == "by a stop request (SIGTERM)"
        # once stopped, a late repeat must not interrupt the last steps
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    finally:
        for s, h in every_before.items():
            signal.signal(s, h)
    untouched = StopRequest()
    with stop_on_signals(untouched):
        pass
    assert signal.getsignal(signal.SIGTERM) == before and not untouched.is_set()


def test_rebuilt_note_names_what_was_kept() -> None:
    whole = rebuilt_note(Rebuilt(whole=[1, 3], partly=[], lost=[]), 2)
    assert whole == (
        "The session database was damaged; it was rebuilt without session 2 and every other "
        "session was kept whole."
    )
    mixed = rebuilt_note(Rebuilt(whole=[1], partly=[3, 4], lost=[5]), 2)
    assert "; sessions 3, 4 keep what could be read" in mixed
    assert "; session 5 could not be read at all and is gone." in mixed
