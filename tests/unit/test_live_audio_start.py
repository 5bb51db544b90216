"""The live audio worker waits longer for a microphone's first block than for the next ones.

On a loaded machine the audio server can take seconds to start a capture stream; a mic that
is merely slow to start must not be reported lost (CI saw "delivered no audio for 2 s" at the
start of a live session under load). The microphone itself is the edge we do not have here:
``_LateMic`` is real speech from a file (AudioFileSource) behind a start-up delay, raising
SourceError on a read timeout as MicrophoneSource does.
"""

from __future__ import annotations

import time

import pytest
import soundfile as sf

from presence_coach.errors import SourceError
from presence_coach.session.live import AUDIO_READ_TIMEOUT_S, MIC_START_TIMEOUT_S, AudioWorker
from presence_coach.sources.audio_file import AudioFileSource
from presence_coach.voice import DEFAULT_VOICE
from tests.conftest import SPEECH

WAV = SPEECH / "north_wind_title.wav"


class _LateMic:
    """A microphone stand-in whose first block comes ``late_s`` after it was opened."""

    def __init__(self, late_s: float) -> None:
        self.file = AudioFileSource(WAV)
        self.ready_at = time.monotonic() + late_s

    def read(self, timeout_s: float = 2.0) -> object:
        wait_s = self.ready_at - time.monotonic()
        if wait_s > timeout_s:
            time.sleep(timeout_s)
            raise SourceError(f"input device 'late' delivered no audio for {timeout_s:g} s")
        time.sleep(max(wait_s, 0.0))
        return self.file.read()


def _run(mic: _LateMic) -> AudioWorker:
    worker = AudioWorker(mic, None, DEFAULT_VOICE)
    worker.start()
    worker.join(timeout=MIC_START_TIMEOUT_S + 30.0)
    assert not worker.is_alive()
    return worker


def test_a_microphone_slow_to_start_is_not_lost() -> None:
    late_s = AUDIO_READ_TIMEOUT_S + 1.0  # later than a running mic may pause
    worker = _run(_LateMic(late_s))
    assert worker.lost is None
    # the whole recording was analysed once the mic started
    assert worker.t_end == pytest.approx(sf.info(WAV).duration, abs=0.05)


def test_a_microphone_that_never_starts_is_lost() -> None:
    worker = _run(_LateMic(MIC_START_TIMEOUT_S + 5.0))
    assert worker.lost is not None and "delivered no audio" in worker.lost
    assert worker.t_end == 0.0
