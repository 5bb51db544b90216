"""Voice accuracy, scored against references (targets from issue 4).

- speech vs non-speech against conversation_sample.rttm (union of speakers): frame F1 >= 0.92
- pauses >= 0.5 s: recall >= 0.9, median boundary error <= 100 ms (generated speech with
  scripted pauses, 5 voices x clean / 20 dB / 10 dB SNR; the real clip has none between turns)
- syllables per utterance: r >= 0.90, median abs error <= 15 % (stm transcript, and generated)
- pitch vs Praat: median |diff| <= 0.5 st, gross errors (> 20 %) <= 2 %
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/voicegen.py
import voicegen as g
import voicescore as vs

from presence_coach.sources.audio_file import read_audio_file


@pytest.fixture(scope="module")
def conversation(speech_dir: Path) -> dict:
    x = read_audio_file(speech_dir / "conversation_sample.wav")
    return {"x": x, "run": vs.run_voice(x), "dir": speech_dir}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list:
    clips = g.clip_set(tmp_path_factory.mktemp("voicegen"))
    return [(c, vs.run_voice(c.samples)) for c in clips]


def test_speech_frames_f1_against_rttm(conversation: dict) -> None:
    ref = vs.union(
        [(s, e) for s, e, _ in g.read_rttm(conversation["dir"] / "conversation_sample.rttm")]
    )
    score = vs.frame_f1(ref, conversation["run"]["utterances"], 30.0)
    assert score["f1"] >= 0.92, score


def test_speech_frames_f1_generated(generated: list) -> None:
    for c, run in generated:
        score = vs.frame_f1(c.speech, run["utterances"], len(c.samples) / g.SR)
        assert score["f1"] >= 0.92, (c.voice, c.snr_db, score)


def test_pauses_generated(generated: list) -> None:
    found = n = 0
    errors = []
    for c, run in generated:
        m = vs.pause_match(c.pauses, run["pauses"])
        found += m["found"]
        n += m["n"]
        errors.append(m["median_boundary_error_s"])
    assert found / n >= 0.9, (found, n)
    assert sorted(errors)[len(errors) // 2] <= 0.1


def test_syllables_per_utterance_against_stm(conversation: dict) -> None:
    nuclei = conversation["run"]["nuclei"]
    pairs = [
        (g.text_syllables(text), vs.count_in(nuclei, s, e))
        for s, e, _, text in g.read_stm(conversation["dir"] / "conversation_sample.stm")
    ]
    score = vs.syllable_scores(pairs)
    assert score["r"] >= 0.90, score
    assert score["median_abs_err"] <= 0.15, score


def test_syllables_per_utterance_generated(generated: list) -> None:
    pairs = []
    for c, run in generated:
        pairs += [(n, vs.count_in(run["nuclei"], s, e, 0.05)) for s, e, n in c.utterances]
    score = vs.syllable_scores(pairs)
    assert score["r"] >= 0.90, score
    assert score["median_abs_err"] <= 0.15, score


def test_pitch_against_praat_real_speech(conversation: dict) -> None:
    score = vs.praat_compare(conversation["x"])
    assert score["frames_both"] > 1000
    assert score["median_abs_st"] <= 0.5, score
    assert score["gross_rate"] <= 0.02, score


def test_pitch_against_praat_generated(generated: list) -> None:
    for c, _ in generated[::3]:  # clean clips of each voice
        score = vs.praat_compare(c.samples)
        assert score["median_abs_st"] <= 0.5, (c.voice, score)
        assert score["gross_rate"] <= 0.02, (c.voice, score)
