"""The live calibration routine on real stand-ins (a camera stream sent in real time, a
PulseAudio microphone): a person who never looks away gets the away step repeated, then
refused with one clear line and nothing is saved; a person who follows the prompts (real face
frames re-rendered to look where asked, a real speaker's sentence) gets a profile that scores
a separate test recording as well as one from a recording does."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import calibrationgen as cg
from headmotion import STILL_BASES, HeadRenderer
from voicegen import pink_noise

from presence_coach.calibration.profile import load_profile
from presence_coach.calibration.steps import STEPS
from presence_coach.vision.gaze_state import gaze_state
from tests.cli_helpers import EXE, assert_one_line_error, run_cli
from tests.conftest import SHARED_MODELS, SPEECH
from tests.e2e.conftest import SINK
from tests.e2e.test_live_stream import _free_udp_port, live_stream  # noqa: F401 - fixture

MODEL = SHARED_MODELS / "face_landmarker.task"

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


class _Person:
    """Follows the routine's prompts like a person: where to look (rendered frames streamed in
    real time to a live camera stream), when to read aloud (speech into the PulseAudio sink)."""

    def __init__(self, renderer: HeadRenderer, setup: cg.SetUp, url: str, speech: Path) -> None:
        self.speech = speech
        self.reading: subprocess.Popen | None = None
        looks = {
            "camera": (0.0, 0.0),
            "screen": (setup.screen_yaw_deg, setup.screen_pitch_deg),
            "away": (cg.AWAY_YAW_DEG[1], cg.AWAY_PITCH_DEG[1]),
        }
        n = round(2 * cg.FPS)  # two seconds of each look, replayed in a loop
        self.frames = {
            look: [renderer.render(i / cg.FPS, yaw, pitch, 0.0) for i in range(n)]
            for look, (yaw, pitch) in looks.items()
        }
        # nodding at the lens: an 8-degree raised-cosine nod (calibrationgen.nod_offset's
        # shape) every 1.6 s
        cycle = round(1.6 * cg.FPS)
        self.frames["nod"] = [
            renderer.render(i / cg.FPS, 0.0, -4.0 * (1 - np.cos(2 * np.pi * i / cycle)), 0.0)
            for i in range(2 * cycle)
        ]
        h, w = self.frames["camera"][0].shape[:2]
        self.look = "camera"
        self.stop = threading.Event()
        self.ffmpeg = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "rawvideo",
             "-pix_fmt", "bgr24", "-s", f"{w}x{h}", "-r", str(cg.FPS), "-i", "-",
             "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "8",
             "-f", "mpegts", f"{url}?pkt_size=1316"],
            stdin=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.camera = threading.Thread(target=self._stream, name="camera", daemon=True)
        self.camera.start()

    def _stream(self) -> None:
        assert self.ffmpeg.stdin is not None
        start = time.monotonic()
        for i in itertools.count():
            if self.stop.is_set():
                return
            frames = self.frames[self.look]
            try:
                self.ffmpeg.stdin.write(frames[i % len(frames)].tobytes())
            except BrokenPipeError:
                return
            time.sleep(max(0.0, start + (i + 1) / cg.FPS - time.monotonic()))

    def follow(self, prompt: str, env: dict[str, str]) -> None:
        if "camera lens" in prompt or "Stay silent" in prompt:
            self.look = "camera"
        elif "call window" in prompt:
            self.look = "screen"
        elif "Look away" in prompt:
            self.look = "away"
        elif "Read aloud" in prompt:
            self.look = "camera"
            # reads the prompt first, then the sentence (a real speaker's turn, 4.1 s): the
            # step records from 2.6 s to 12 s after its prompt
            self.reading = subprocess.Popen(
                ["sh", "-c", f"sleep 3.5; paplay --device={SINK} {self.speech}"], env=env
            )
        elif "Nod" in prompt:
            self.look = "nod"

    def close(self) -> None:
        self.stop.set()
        self.camera.join(timeout=5)
        if self.ffmpeg.stdin is not None:
            self.ffmpeg.stdin.close()
        self.ffmpeg.wait(timeout=10)
        if self.reading is not None:
            self.reading.kill()
            self.reading.wait()


def test_live_routine_calibrates_a_person_who_follows_the_prompts(
    pulse: dict, tmp_path: Path, shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    faces, setup = shared_dir / "media" / "faces", cg.SETUPS["laptop"]
    speech, sr = sf.read(SPEECH_WAV, dtype="float32")
    a, b = (round(x * sr) for x in cg.READ_SPEECH)
    sentence = tmp_path / "sentence.wav"
    sf.write(sentence, speech[a:b], sr)
    room = tmp_path / "room.wav"
    noise = pink_noise(10 * sr, np.random.default_rng(3)) * 10 ** (cg.ROOM_NOISE_DBFS / 20)
    sf.write(room, noise.astype(np.float32), sr)
    url = f"udp://127.0.0.1:{_free_udp_port()}"
    person = _Person(HeadRenderer(faces, STILL_BASES["d6"], MODEL), setup, url, sentence)
    config = tmp_path / "config"
    player = subprocess.Popen(
        ["sh", "-c", f"while true; do paplay --device={SINK} {room}; done"], env=pulse
    )
    try:
        proc = subprocess.Popen(
            [*EXE, "calibrate", "--camera", url],  # the system's microphone (PulseAudio's)
            env={**os.environ, "PRESENCE_COACH_CONFIG": str(config)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert proc.stdout is not None
        said = []
        for line in proc.stdout:
            said.append(line)
            if line.startswith("Step "):
                person.follow(line, pulse)
        stderr = proc.stderr.read() if proc.stderr else ""
        proc.wait(timeout=60)
    finally:
        person.close()
        player.kill()
        player.wait()
    out = "".join(said)
    assert proc.returncode == 0, out + stderr
    # each step was asked once: nothing had to be repeated
    assert [line.split(":")[0] for line in said if line.startswith("Step ")] == [
        f"Step {i} of {len(STEPS)}" for i in range(1, len(STEPS) + 1)
    ], out
    monkeypatch.setenv("PRESENCE_COACH_CONFIG", str(config))
    # kept for the pair a session without --mic looks up (was saved under mic "None")
    profile = load_profile(url, "default")
    assert profile is not None and profile.is_calibrated
    gaze = profile.gaze_calibration()
    # the call window was measured below the lens by about the look the person made
    assert abs((gaze.screen_v_deg - gaze.camera_v_deg) - setup.screen_pitch_deg) < 8, gaze
    voice = profile.voice
    # the room noise went through PulseAudio at its own level; the sentence well above it
    assert abs(voice.noise_floor_dbfs - cg.ROOM_NOISE_DBFS) < 6, voice
    assert voice.speech_level_dbfs - voice.noise_floor_dbfs > 15, voice
    assert 80 < voice.pitch_median_hz < 400 and 2 < voice.speech_rate_syl_per_s < 9, voice
    assert profile.nod_amplitude_deg is not None and 3 < profile.nod_amplitude_deg < 15
    # the live profile works as well as the one from a recording: scored on a test recording
    test = cg.analyze_test("d6", setup, seed=5, faces_dir=faces, model=MODEL)
    right = sum(gaze_state(s, calibration=gaze) == st for st, s in test) / len(test)
    assert right >= 0.9, right
