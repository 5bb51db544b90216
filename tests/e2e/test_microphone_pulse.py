"""The live microphone path end to end, through a real PulseAudio server.

The fixture starts an unprivileged PulseAudio daemon in a temporary runtime dir with a null
sink; the test plays a generated speech WAV into the sink with ``paplay`` and captures the
sink's monitor through PortAudio (ALSA's ``pulse`` device) with our MicrophoneSource, runs the
voice analyzer on the live blocks and compares with the analysis of the same file.

Needs: apt packages pulseaudio, pulseaudio-utils, libasound2-plugins, libportaudio2, espeak-ng.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/voicegen.py
import voicegen

from presence_coach.clock import SessionClock
from presence_coach.sources.devices import resolve_input_device
from presence_coach.sources.microphone import MicrophoneSource
from presence_coach.voice import VoiceAnalyzer, analyze_audio
from tests.e2e.conftest import SINK


def test_live_capture_matches_file(pulse: dict, tmp_path: Path) -> None:
    clip = voicegen.make_clip(tmp_path, seed=3, voice=voicegen.VOICES[1], snr_db=20, n_phrases=5)
    wav = tmp_path / "play.wav"
    sf.write(wav, clip.samples, voicegen.SR, subtype="PCM_16")
    file_res = analyze_audio(wav)

    device = resolve_input_device("pulse")
    assert device.name == "pulse"
    clock = SessionClock()
    analyzer = VoiceAnalyzer()
    events, blocks = [], []
    with MicrophoneSource("pulse", clock=clock) as mic:
        lead_s = 0.5  # silence captured before playback starts
        t_play = None
        player = None
        while True:
            block = mic.read()
            assert block is not None
            blocks.append(block)
            events += analyzer.update(block)
            analyzer.pop_timeline()
            if player is None and block.t_end - blocks[0].t >= lead_s:
                t_play = clock.now()
                player = subprocess.Popen(
                    ["paplay", f"--device={SINK}", str(wav)], env=pulse, stderr=subprocess.PIPE
                )
            played = player is not None and player.poll() is not None
            if played and block.t_end > t_play + len(clip.samples) / voicegen.SR + 1.0:
                break
            assert clock.now() < 120, "capture ran too long"
        assert player.returncode == 0, player.stderr.read()
        overflows = mic.overflows
    events += analyzer.finish()
    live = analyzer.summary()
    file_sum = file_res.summary

    # the blocks are contiguous 20 ms pieces on the session clock, in order
    times = np.array([b.t for b in blocks])
    assert np.all(np.diff(times) > 0)
    assert np.median(np.diff(times)) == pytest.approx(0.02, abs=0.002)
    assert overflows == 0

    live_utts = [e for e in events if e.type == "utterance"]
    file_utts = [e for e in file_res.events if e.type == "utterance"]
    assert len(live_utts) == len(file_utts) == 5
    # align the live session clock to media time by the first utterance onset
    offset = live_utts[0].start - file_utts[0].start
    # playback latency: paplay starts after t_play; capture times are the callbacks' least
    # delayed arrivals less a block (a few ms before t_play here: -0.5 to -1.6 ms over three
    # runs; the ADC stamps used before read up to 50 ms early); a wrong clock is off by more
    assert t_play is not None and -0.15 <= offset - t_play < 0.6
    starts = np.array([e.start for e in live_utts]) - offset
    ends = np.array([e.end for e in live_utts]) - offset
    # tolerances: every boundary within 150 ms, median within 20 ms (the live noise floor has
    # a different history: digital silence before playback, then the noise)
    err = np.abs(np.r_[starts - [e.start for e in file_utts], ends - [e.end for e in file_utts]])
    assert np.max(err) <= 0.15
    assert np.median(err) <= 0.02
    live_p = [e.attrs["pause_class"] for e in events if e.type == "pause"]
    assert live_p == [e.attrs["pause_class"] for e in file_res.events if e.type == "pause"]
    # same numbers within small tolerances (resampling 16k -> 48k -> 16k, s16 on the way)
    assert abs(live["rate"]["syllables"] - file_sum["rate"]["syllables"]) <= 2
    f_live, f_file = live["pitch"]["f0_median_hz"], file_sum["pitch"]["f0_median_hz"]
    assert abs(12 * np.log2(f_live / f_file)) <= 0.25
    assert live["loudness"]["median_dbfs"] == pytest.approx(
        file_sum["loudness"]["median_dbfs"], abs=1.0
    )
    assert live["longest_speech_s"] == pytest.approx(file_sum["longest_speech_s"], abs=0.06)
