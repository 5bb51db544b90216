"""The call's sound from a real PulseAudio monitor next to a real microphone (issue 12).

Two null sinks: the "call" sink (the default output) plays the client's side, and its
monitor is the call audio (found by ``--call-audio auto``); the test sink's monitor is the
microphone and plays you plus the client's leak through laptop speakers (100 ms, -14 dB,
filtered). Real speech of two people (conversation_sample.wav's Diane and Sheila), exact
turn times; captured live, paired on the session clock, scored against the truth.
"""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/callgen.py
import callgen as cg

from presence_coach.clock import SessionClock
from presence_coach.errors import SourceError
from presence_coach.session.call_pairing import BlockPairer
from presence_coach.session.conversation_live import CALL_LEAD_S, CALL_READ_TIMEOUT_S
from presence_coach.sources.call_audio import PulseMonitorSource, resolve_call_audio
from presence_coach.sources.microphone import MicrophoneSource
from presence_coach.voice import DEFAULT_VOICE
from presence_coach.voice.conversation import ConversationOptions
from presence_coach.voice.yours import YourVoiceAnalyzer
from tests.e2e.conftest import SINK

CALL_SINK = "pc_call_sink"


def _call_sink(env: dict) -> str:
    """Load the call sink, make it the default output; its module index."""
    p = subprocess.run(
        ["pactl", "load-module", "module-null-sink", f"sink_name={CALL_SINK}", "rate=48000"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(["pactl", "set-default-sink", CALL_SINK], env=env, check=True)
    return p.stdout.strip()


def _capture(env, clock, mic_wav, call_wav, seconds, *, unload=None):
    """Play both sides, capture mic + call audio, run the analyzer (your voice and the
    conversation, as the live session does); conversation events, notes, the analyzer."""
    device = resolve_call_audio("auto")
    assert device is not None and device.name == f"{CALL_SINK}.monitor" and device.is_default
    lead = CALL_LEAD_S  # as the live session pairs them
    yours = YourVoiceAnalyzer(DEFAULT_VOICE, ConversationOptions(call_lead_s=lead))
    pairer, events = BlockPairer(lead_s=lead), []
    calls: queue.Queue = queue.Queue()
    src = PulseMonitorSource(device.name, clock=clock).start()

    def pump() -> None:
        try:
            wait_s = 10.0  # parec connects to the server first
            while (b := src.read(timeout_s=wait_s)) is not None:
                calls.put(b)
                wait_s = CALL_READ_TIMEOUT_S  # as the live session waits
        except SourceError as e:
            calls.put(e)

    threading.Thread(target=pump, daemon=True).start()
    players, lost = [], None
    with MicrophoneSource("pulse", clock=clock) as mic:
        while (block := mic.read()) is not None and block.t < seconds:
            if not players and block.t > 0.5:
                t_play = clock.now()
                players = [
                    subprocess.Popen(["paplay", f"--device={sink}", str(w)], env=env)
                    for sink, w in ((CALL_SINK, call_wav), (SINK, mic_wav))
                ]
            if unload is not None and block.t > unload[1]:
                subprocess.run(["pactl", "unload-module", unload[0]], env=env, check=True)
                unload = None
            pairer.push_mic(block)
            while not calls.empty():
                item = calls.get()
                if isinstance(item, SourceError):
                    lost, pairer.call_lost = block.t, True
                else:
                    pairer.push_call(item)
            for m, c, t in pairer.pop():
                events += yours.update(m, c, t)[1]
    src.stop()
    for p in players:
        p.terminate()
        p.wait()
    return events + yours.finish()[1], t_play, lost, yours


@pytest.fixture(scope="module")
def call(speech_dir):
    pools = cg.stm_speakers(speech_dir)
    return cg.build_call("Diane / Sheila", pools["Diane"], pools["Sheila"], seed=35, duration_s=40)


def test_live_call_audio_is_scored_against_the_truth(pulse, call, tmp_path):
    _call_sink(pulse)
    mic_wav, call_wav = tmp_path / "mic.wav", tmp_path / "call.wav"
    sf.write(mic_wav, call.mic(speakers=True, delay_s=0.1, seed=5), cg.SR, subtype="FLOAT")
    sf.write(call_wav, call.client, cg.SR, subtype="FLOAT")
    clock = SessionClock()
    events, _, lost, yours = _capture(pulse, clock, mic_wav, call_wav, len(call.you) / cg.SR + 2)
    an = yours.conversation
    assert lost is None and an.call_missing_s < 1.0
    you = sum(e.end - e.start for e in events if e.type == "you_speech")
    client = sum(e.end - e.start for e in events if e.type == "client_speech")
    ty = sum(e - s for s, e in call.you_segs)
    tc = sum(e - s for s, e in call.client_segs)
    print(f"live: share {you / (you + client):.3f} (truth {ty / (ty + tc):.3f}), you {you:.1f} s "
          f"(truth {ty:.1f}), delay {an.leak.delay_samples} samples")  # fmt: skip
    assert you / (you + client) == pytest.approx(ty / (ty + tc), abs=0.05)
    assert you == pytest.approx(ty, rel=0.15)
    # every voice number is yours: the voice analysis counts the same frames (mic alone,
    # the leak made it about twice the truth)
    voice = yours.voice.summary()
    played_s = len(call.you) / cg.SR
    print(f"live: voice speaking {voice['speaking_s']} s, truth {ty:.1f} s of {played_s:.1f} s")
    assert voice["speaking_s"] / played_s == pytest.approx(ty / played_s, abs=0.05)
    assert voice["speaking_s"] == pytest.approx(you, rel=0.1)
    # responses: found within 0.5 s of the truth (session clock aligned on the client)
    offset = min(e.start for e in events if e.type == "client_speech") - call.client_segs[0][0]
    got = [e for e in events if e.type == "response"]
    truth = [e for e in cg.truth_events(call) if e.type == "response"]
    found = [r for r in truth if any(abs(g.end - offset - r.end) < 0.5 for g in got)]
    print(f"live: {len(found)} of {len(truth)} responses found")
    # live pairing adds tens of ms of clock wobble: 4 of 5 seen in one run (file path: all)
    assert len(found) >= 0.75 * len(truth) > 0


def test_call_audio_that_disappears_leaves_the_mic_alone(pulse, call, tmp_path):
    module = _call_sink(pulse)
    mic_wav, call_wav = tmp_path / "mic.wav", tmp_path / "call.wav"
    sf.write(mic_wav, call.mic(speakers=False, seed=5)[: 15 * cg.SR], cg.SR, subtype="FLOAT")
    sf.write(call_wav, call.client[: 15 * cg.SR], cg.SR, subtype="FLOAT")
    clock = SessionClock()
    events, _, lost, yours = _capture(pulse, clock, mic_wav, call_wav, 14.0, unload=(module, 6.0))
    an = yours.conversation
    assert lost is not None and 6.0 < lost < 9.0  # noticed at once (gone or parec ended)
    assert an.call_missing_s > 3.0
    assert np.isfinite(an.call_missing_s) and any(e.type == "you_speech" for e in events)


def test_live_session_audio_stores_the_conversation(pulse, call, tmp_path):
    """The session's AudioWorker with --call-audio auto: events reach a real store."""
    from presence_coach.session.conversation_live import call_aware_analyzer
    from presence_coach.session.live import AudioWorker
    from presence_coach.session.store import SessionRecorder, SessionStore
    from presence_coach.summary.session import summary_from_store
    from presence_coach.voice import DEFAULT_VOICE
    from tests.cli_helpers import run_cli

    # auto never takes the microphone's own monitor as the call
    assert call_aware_analyzer("auto", DEFAULT_VOICE, SessionClock()) is None
    _call_sink(pulse)
    devices = run_cli("devices", env=pulse)
    assert f"{CALL_SINK}.monitor (pulse-monitor, default output)" in devices.stdout
    n = 20 * cg.SR
    mic_wav, call_wav = tmp_path / "mic.wav", tmp_path / "call.wav"
    sf.write(mic_wav, call.mic(speakers=True, delay_s=0.1, seed=6)[:n], cg.SR, subtype="FLOAT")
    sf.write(call_wav, call.client[:n], cg.SR, subtype="FLOAT")
    clock = SessionClock()
    with SessionStore(tmp_path / "data") as store:
        sid = store.begin_session(kind="live", source="test")
        rec = SessionRecorder(store, sid)
        analyzer = call_aware_analyzer("auto", DEFAULT_VOICE, clock)
        assert analyzer is not None and analyzer.source.source == f"{CALL_SINK}.monitor"
        mic = MicrophoneSource("pulse", clock=clock).start()
        worker = AudioWorker(mic, rec, DEFAULT_VOICE, analyzer=analyzer)
        worker.start()
        players = [
            subprocess.Popen(["paplay", f"--device={sink}", str(w)], env=pulse)
            for sink, w in ((CALL_SINK, call_wav), (SINK, mic_wav))
        ]
        for p in players:
            p.wait(60)
        worker.stop()
        mic.stop()
        rec.flush()
        store.finalize(sid, summary={}, status="complete", duration_s=clock.now())
        summary = summary_from_store(store, sid)
        conv = summary["conversation"]
        types = {e["type"] for e in store.events(sid)}
    assert {"you_speech", "client_speech", "utterance"} <= types
    assert "call_audio_lost" not in types
    # the wiring: both sides measured (20 s is too short for the leak model to settle:
    # 6.2 and 6.3 s of yours measured against 3.5 s true, see the scored test for accuracy)
    assert conv["you_talk_s"] > 1.0 and conv["client_talk_s"] > 3.0
    # the stored voice numbers count the same frames as yours as the conversation does
    assert summary["voice"]["speaking_s"] == pytest.approx(conv["you_talk_s"], rel=0.15)
