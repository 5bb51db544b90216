"""``presence-coach analyze MIC --call-audio CALL`` on a real two-party call (issue 12).

The mic file has your voice plus the client's leak through laptop speakers (delayed,
filtered, -14 dB); the call file is the client. Built by tests/callgen.py from the two real
people of conversation_sample.wav with exact turn times.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import soundfile as sf
import soxr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/callgen.py
import callgen as cg

from tests.cli_helpers import assert_one_line_error, run_cli


@pytest.fixture(scope="module")
def call_files(speech_dir, tmp_path_factory):
    pools = cg.stm_speakers(speech_dir)
    call = cg.build_call("Sheila / Diane", pools["Sheila"], pools["Diane"], seed=8, duration_s=45)
    d = tmp_path_factory.mktemp("call")
    sf.write(d / "mic.wav", call.mic(speakers=True, delay_s=0.06, seed=8), cg.SR)
    # the call recorded at 48 kHz: resampled to the analysis rate, not refused
    sf.write(d / "call.wav", soxr.resample(call.client, cg.SR, 48_000), 48_000)
    sf.write(d / "short.wav", call.client[: 10 * cg.SR], cg.SR)
    return call, d


def test_analyze_with_call_audio_reports_the_conversation(call_files, tmp_path):
    call, d = call_files
    out, ev = tmp_path / "s.json", tmp_path / "e.jsonl"
    proc = run_cli(
        "analyze", d / "mic.wav", "--call-audio", d / "call.wav",
        "--json", out, "--events", ev, "--no-store",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(out.read_text())
    conv = summary["conversation"]
    you = sum(e - s for s, e in call.you_segs)
    client = sum(e - s for s, e in call.client_segs)
    assert conv["talk_share_you"] == pytest.approx(you / (you + client), abs=0.05)
    assert conv["you_talk_s"] == pytest.approx(you, rel=0.15)
    # every voice number is yours: the client's leak is not your speech (mic alone: 0.556
    # of the session against 0.276 true), nor does it fill your silences (mic alone: 1 of
    # 2 long silences)
    voice = summary["voice"]
    assert voice["speaking_fraction"] == pytest.approx(you / (len(call.you) / cg.SR), abs=0.05)
    assert voice["speaking_s"] == pytest.approx(conv["you_talk_s"], rel=0.05)
    gaps = [b[0] - a[1] for a, b in zip(call.you_segs, call.you_segs[1:], strict=False)]
    assert voice["pauses"]["long"] == sum(g >= 3.0 for g in gaps) > 0
    assert "of the time the two of you spoke" in proc.stdout
    types = {json.loads(line)["type"] for line in ev.read_text().splitlines()}
    assert {"you_speech", "client_speech", "response", "utterance"} <= types


def test_call_audio_of_another_length_is_refused_in_one_line(call_files):
    _, d = call_files
    proc = run_cli("analyze", d / "mic.wav", "--call-audio", d / "short.wav", "--no-store")
    assert_one_line_error(proc, "--call-audio", "same call")
