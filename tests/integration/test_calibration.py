"""Calibration from recordings of real faces: it helps on separate test recordings, and bad
input is refused with a message naming the step."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import calibrationgen as cg

from presence_coach.calibration.profile import default_profile, load_profile, save_profile
from presence_coach.calibration.routine import calibrate_from_recording
from presence_coach.calibration.steps import (
    STEPS,
    CalibrationError,
    StepInput,
    reading_baseline,
)
from presence_coach.errors import PresenceCoachError, UsageError
from presence_coach.vision.detectors import FaceEventDetectors
from presence_coach.vision.gaze_state import gaze_state
from tests.conftest import SHARED_MODELS

MODEL = SHARED_MODELS / "face_landmarker.task"


@pytest.fixture(scope="module")
def dirs(shared_dir: Path) -> tuple[Path, Path]:
    return shared_dir / "media" / "faces", shared_dir / "media" / "speech"


def accuracy(test, calibration) -> float:
    return sum(gaze_state(s, calibration=calibration) == st for st, s in test) / len(test)


@pytest.mark.slow
@pytest.mark.parametrize("face, setup", [("d6", "monitor"), ("d14", "laptop")])
def test_calibration_helps_on_a_separate_recording(tmp_path, dirs, monkeypatch, face, setup):
    faces, speech = dirs
    video, wav, script = cg.write_calibration(
        tmp_path, face, cg.SETUPS[setup], faces_dir=faces, speech_dir=speech, model=MODEL
    )
    result = calibrate_from_recording(video, script, audio_path=wav, model_path=MODEL)
    profile = result.profile
    assert profile.is_calibrated and set(result.steps) == set(STEPS)
    # the reading step measured the real speech: level, pitch, rate in human ranges
    v = profile.voice
    assert v.speech_level_dbfs - v.noise_floor_dbfs > 15
    assert 80 < v.pitch_median_hz < 400 and 2 < v.speech_rate_syl_per_s < 9
    assert profile.nod_amplitude_deg is not None and 3 < profile.nod_amplitude_deg < 15
    assert all(f.ok for f in profile.findings), profile.findings
    # the measured screen look bounds the camera region below the lens: no wider reach there
    assert profile.gaze.camera_radius_below_deg == profile.gaze.camera_radius_v_deg
    # saved and loaded for its device pair, used by the face detectors
    monkeypatch.setenv("PRESENCE_COACH_CONFIG", str(tmp_path / "config"))
    save_profile(profile)
    loaded = load_profile("recording", "recording")
    assert loaded == profile
    test = cg.analyze_test(face, cg.SETUPS[setup], seed=5, faces_dir=faces, model=MODEL)
    calibrated = accuracy(test, loaded.gaze_calibration())
    default = accuracy(test, default_profile().gaze_calibration())
    assert calibrated >= 0.9, (calibrated, default)
    assert calibrated >= default
    detectors = FaceEventDetectors(calibration=loaded.gaze_calibration())
    for _, s in test:
        detectors.update(s)
    detectors.finish(test[-1][1].t)
    assert detectors.gaze.calibrated is True


@pytest.mark.slow
def test_no_face_in_a_gaze_step_is_refused(tmp_path, dirs):
    faces, speech = dirs
    video, wav, script = cg.write_calibration(
        tmp_path,
        "d18",
        cg.SETUPS["laptop"],
        faces_dir=faces,
        speech_dir=speech,
        model=MODEL,
        drop_face=(4.0, 8.0),
    )
    with pytest.raises(CalibrationError, match=r"step 2 \(screen\).*face") as err:
        calibrate_from_recording(video, script, audio_path=wav, model_path=MODEL)
    assert isinstance(err.value, PresenceCoachError) and "\n" not in str(err.value)


@pytest.mark.parametrize("room_rise_db", [0.0, 6.0, 15.0])
def test_speech_level_is_the_sentence_when_the_room_gets_louder(dirs, room_rise_db):
    # a real speaker's sentence in room noise; after it the room gets louder (a fan starts),
    # which the speech detector can take for a quiet utterance: the baseline is still the
    # sentence's level and rate (a median over utterances gave the mean of speech and room)
    _, speech_dir = dirs
    audio = cg.room_audio(30.0, speech_dir, seed=4)
    silence, reading = audio[: 8 * cg.SR], audio[12 * cg.SR : 24 * cg.SR]
    reading[int(7.9 * cg.SR) :] *= 10 ** (room_rise_db / 20)  # the sentence ends at 7.13 s
    voice, clipped = reading_baseline(
        StepInput("silence", 0.0, 8.0, audio=silence), StepInput("read", 12.0, 24.0, audio=reading)
    )
    assert clipped == 0.0
    assert voice.noise_floor_dbfs is not None and voice.speech_level_dbfs is not None
    assert abs(voice.noise_floor_dbfs - cg.ROOM_NOISE_DBFS) < 3, voice
    # the sentence alone: its speech frames' median level
    assert -39.0 < voice.speech_level_dbfs < -35.0, voice
    assert voice.speech_rate_syl_per_s is not None and 4.3 < voice.speech_rate_syl_per_s < 5.5


@pytest.mark.slow
def test_silent_reading_step_is_refused(tmp_path, dirs):
    faces, speech = dirs
    video, wav, script = cg.write_calibration(
        tmp_path,
        "d0",
        cg.SETUPS["laptop"],
        faces_dir=faces,
        speech_dir=speech,
        model=MODEL,
        silent_reading=True,
    )
    with pytest.raises(CalibrationError, match=r"step 5 \(read\): no speech was heard"):
        calibrate_from_recording(video, script, audio_path=wav, model_path=MODEL)


@pytest.mark.slow
def test_not_looking_away_and_too_short_steps_are_refused(tmp_path, dirs):
    faces, speech = dirs
    video, wav, script = cg.write_calibration(
        tmp_path, "d0", cg.SETUPS["laptop"], faces_dir=faces, speech_dir=speech, model=MODEL
    )
    steps = json.loads(script.read_text())["steps"]
    # "away" pointed at the lens part of the recording
    bad = [
        dict(s, **({"start_s": 0.0, "end_s": 4.0} if s["step"] == "away" else {})) for s in steps
    ]
    bad_script = tmp_path / "away.json"
    bad_script.write_text(json.dumps({"steps": bad}))
    with pytest.raises(CalibrationError, match=r"step 3 \(away\): your gaze moved only"):
        calibrate_from_recording(video, bad_script, audio_path=wav, model_path=MODEL)
    # a camera step of a few frames
    short = [dict(s, **({"end_s": 0.9} if s["step"] == "camera" else {})) for s in steps]
    short_script = tmp_path / "short.json"
    short_script.write_text(json.dumps({"steps": short}))
    with pytest.raises(CalibrationError, match=r"step 1 \(camera\): .* only \d+ of \d+ frames"):
        calibrate_from_recording(video, short_script, audio_path=wav, model_path=MODEL)


def test_bad_scripts_are_usage_errors(tmp_path):
    script = tmp_path / "s.json"
    for content, match in [
        ("nope", "expected JSON"),
        (json.dumps({"steps": [{"step": "dance", "start_s": 0, "end_s": 1}]}), "unknown step"),
        (json.dumps({"steps": [{"step": "camera", "start_s": 2, "end_s": 1}]}), "start_s"),
    ]:
        script.write_text(content)
        with pytest.raises(UsageError, match=match):
            calibrate_from_recording(tmp_path / "v.mp4", script, model_path=MODEL)
