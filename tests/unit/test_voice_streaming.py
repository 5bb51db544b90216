"""Processing in chunks equals processing whole, on real speech."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from presence_coach.events import Event
from presence_coach.sources.audio_file import read_audio_file
from presence_coach.sources.base import AudioBlock
from presence_coach.voice import DEFAULT_VOICE, VoiceAnalyzer, analyze_audio
from presence_coach.voice.vad import detect_speech


def _run(x: np.ndarray, block: int) -> tuple[list, list, dict]:
    an = VoiceAnalyzer()
    events, rows = [], []
    for i in range(0, len(x), block):
        events += an.update(AudioBlock(i / 16000, x[i : i + block]))
        rows += an.pop_timeline()
    events += an.finish()
    rows += an.pop_timeline()
    return events, rows, an.summary()


def test_chunks_equal_whole(speech_dir: Path) -> None:
    x = read_audio_file(speech_dir / "conversation_sample.wav")
    whole = _run(x, len(x))
    for block in (160, 320, 777, 4096):
        ev, rows, summ = _run(x, block)
        assert [e.to_json() | {"t_known": 0} for e in ev] == [
            e.to_json() | {"t_known": 0} for e in whole[0]
        ]
        assert [r.as_dict() for r in rows] == [r.as_dict() for r in whole[1]]
        assert summ == whole[2]


def test_file_and_array_paths_agree(speech_dir: Path) -> None:
    path = speech_dir / "conversation_sample.wav"
    a = analyze_audio(path)
    b = analyze_audio(read_audio_file(path), block_s=0.02)
    assert a.summary == b.summary
    assert len(a.timeline) == 300


def test_reset_starts_a_new_session(speech_dir: Path) -> None:
    x = read_audio_file(speech_dir / "conversation_sample.wav")[: 10 * 16000]
    an = VoiceAnalyzer()
    first = an.update(AudioBlock(0.0, x)) + an.finish()
    s1 = an.summary()
    an.reset()
    second = an.update(AudioBlock(0.0, x)) + an.finish()
    assert first == second
    assert an.summary() == s1


def test_the_voice_emits_the_one_event(speech_dir: Path) -> None:
    """Utterances, pauses and the speech detector's decisions are ``events.Event``; their
    JSON (what ``--events`` writes and the store keeps) has the voice's keys in this order."""
    x = read_audio_file(speech_dir / "conversation_sample.wav")
    res = analyze_audio(x)
    assert {type(e) for e in res.events} == {Event}
    assert {e.type for e in res.events} == {"utterance", "pause"}
    first = res.events[0].to_json()
    assert list(first) == [
        "type", "start", "end", "t_known", "pause_class", "syllables",
        "articulation_rate_syl_per_s", "f0_median_hz", "rms_median_dbfs", "duration_s",
    ]  # fmt: skip
    assert first["t_known"] >= first["end"] and first["duration_s"] == pytest.approx(
        first["end"] - first["start"], abs=0.002
    )
    pause = next(e for e in res.events if e.type == "pause")
    assert pause.attrs["pause_class"] in ("short", "medium", "long")
    assert pause.attrs["syllables"] is None
    bounds = detect_speech(x)  # from the detector's start/end Events
    utterances = [(e.start, e.end) for e in res.events if e.type == "utterance"]
    assert len(bounds) >= len(utterances) > 0
    assert bounds[0][0] <= utterances[0][0] + DEFAULT_VOICE.max_backdate_s
