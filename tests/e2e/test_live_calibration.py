"""The live calibration routine on real stand-ins (a camera stream sent in real time, a
PulseAudio microphone): a person who never looks away gets the away step repeated, then
refused with one clear line; nothing is saved."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli_helpers import assert_one_line_error, run_cli
from tests.conftest import SPEECH
from tests.e2e.conftest import SINK
from tests.e2e.test_live_stream import live_stream  # noqa: F401 - fixture

SPEECH_WAV = SPEECH / "conversation_sample.wav"


@pytest.mark.parametrize("room", ["speech playing", "silent (the sink may stall)"])
def test_live_routine_refuses_an_away_step_without_looking_away(
    room: str,
    pulse: dict,
    live_stream: str,  # noqa: F811 - the fixture imported above (a face looking at the lens)
    tmp_path: Path,
) -> None:
    config = tmp_path / "config"
    # the room: speech on a loop into the sink, or nothing (then a stalled microphone must not
    # crash the routine: one line, no traceback)
    loop = f"while true; do paplay --device={SINK} {SPEECH_WAV}; done"
    command = loop if room == "speech playing" else "sleep 600"
    player = subprocess.Popen(["sh", "-c", command], env=pulse)
    try:
        proc = run_cli("calibrate", "--camera", live_stream, "--mic", "pulse",
                       env={"PRESENCE_COACH_CONFIG": str(config)}, timeout_s=180)  # fmt: skip
    finally:
        player.kill()
        player.wait()
    assert_one_line_error(proc, "look clearly away")
    # the step was tried again before giving up (three attempts, each explained)
    assert proc.stdout.count("look clearly away") >= 2
    assert not (config / "profiles").exists() or not list((config / "profiles").iterdir())
