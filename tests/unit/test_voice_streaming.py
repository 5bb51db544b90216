"""Processing in chunks equals processing whole, on real speech."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from presence_coach.sources.audio_file import read_audio_file
from presence_coach.sources.base import AudioBlock
from presence_coach.voice import VoiceAnalyzer, analyze_audio


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
        assert [e.as_dict() | {"t_known": 0} for e in ev] == [
            e.as_dict() | {"t_known": 0} for e in whole[0]
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
