"""Calibration profiles: round trip, versioning, broken files fall back with one line, privacy."""

from __future__ import annotations

import json
import stat
import tomllib
from dataclasses import replace

import pytest

from presence_coach.calibration.defaults import DEFAULT_PROFILE_PATH
from presence_coach.calibration.profile import (
    PROFILE_VERSION,
    CalibrationProfile,
    Finding,
    GazeStats,
    ProfileError,
    VoiceBaseline,
    active_profile,
    default_profile,
    describe_profile,
    load_profile,
    profile_path,
    save_profile,
)
from presence_coach.vision.gaze_state import DEFAULT_CALIBRATION, GazeCalibration
from presence_coach.voice import DEFAULT_VOICE


@pytest.fixture(autouse=True)
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("PRESENCE_COACH_CONFIG", str(tmp_path / "config"))
    return tmp_path / "config"


def measured(camera="0", mic="pulse") -> CalibrationProfile:
    stats = GazeStats(1.0, -2.0, 2.5, 1.5, 0.5, -1.0, 40)
    return CalibrationProfile(
        camera=camera,
        mic=mic,
        gaze=GazeCalibration(camera_v_deg=-2.0, screen_v_deg=-14.0, camera_radius_v_deg=6.0),
        created="2026-01-02T10:11:12+01:00",
        gaze_stats={"camera": stats, "screen": replace(stats, v_deg=-14.0), "away": stats},
        voice=VoiceBaseline(-62.0, -30.0, 180.0, 9.5, 4.8),
        nod_amplitude_deg=7.5,
        findings=(Finding("dark", False, 40.0, "face brightness 40 of 255", "Add a lamp."),),
    )


def test_round_trip_through_the_config_dir(config):
    p = measured()
    path = save_profile(p)
    assert path.parent == config / "profiles"
    loaded = load_profile("0", "pulse")
    assert loaded == p
    assert loaded.gaze_calibration().calibrated is True
    assert loaded.date == "2026-01-02"
    assert "calibrated on 2026-01-02" in describe_profile(loaded)
    assert "Add a lamp." in describe_profile(loaded)


def test_files_are_private(config):
    path = save_profile(measured())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((config / "profiles").stat().st_mode) == 0o700


def test_profiles_are_per_device_pair():
    save_profile(measured("0", "pulse"))
    assert load_profile("1", "pulse") is None
    assert load_profile("0", "USB mic") is None
    assert profile_path("0", "pulse") != profile_path("0", "pulse ")


@pytest.mark.parametrize(
    "content, expected",
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"version": 0}), "version 0"),
        (json.dumps({"version": PROFILE_VERSION + 1}), f"version {PROFILE_VERSION + 1}"),
        (json.dumps({"version": PROFILE_VERSION, "device": {}}), "invalid"),
        ("[1, 2]", "not a JSON object"),
    ],
)
def test_broken_or_old_file_falls_back_with_one_line(content, expected):
    path = profile_path("0", "pulse")
    path.parent.mkdir(parents=True)
    path.write_text(content)
    messages = []
    assert load_profile("0", "pulse", warn=messages.append) is None
    assert len(messages) == 1 and "\n" not in messages[0]
    assert expected in messages[0] and "calibrate" in messages[0]
    fallback = active_profile("0", "pulse", warn=messages.append)
    assert not fallback.is_calibrated
    assert fallback.gaze_calibration() == DEFAULT_CALIBRATION


def test_bad_values_in_a_profile_are_refused():
    data = measured().to_dict()
    data["gaze"]["camera_radius_h_deg"] = -1
    with pytest.raises(ValueError, match="camera_radius_h_deg"):
        CalibrationProfile.from_dict(data)
    data = measured().to_dict()
    data["voice"]["pitch_median_hz"] = 5000
    with pytest.raises(ProfileError, match="pitch"):
        CalibrationProfile.from_dict(data)


def test_default_profile_file_matches_the_code_defaults():
    p = default_profile()
    assert not p.is_calibrated
    assert p.gaze_calibration() == DEFAULT_CALIBRATION
    assert p.voice_options() == DEFAULT_VOICE
    assert "uncalibrated" in describe_profile(p)
    with DEFAULT_PROFILE_PATH.open("rb") as fh:
        assert tomllib.load(fh)["version"] == PROFILE_VERSION
    with pytest.raises(ProfileError):
        save_profile(p)


def test_gaze_defaults_come_from_the_toml_alone():
    """One source for the uncalibrated gaze mapping: the TOML's [gaze], read once; the
    detectors' default (what ``analyze`` got before it passed a profile) and an uncalibrated
    ``session``'s profile are both that, field for field."""
    with DEFAULT_PROFILE_PATH.open("rb") as fh:
        gaze = tomllib.load(fh)["gaze"]
    fields = {f for f in GazeCalibration.__dataclass_fields__ if f != "calibrated"}
    assert set(gaze) == fields  # every number is in the file, none only in code
    assert GazeCalibration(**gaze, calibrated=False) == DEFAULT_CALIBRATION
    assert GazeCalibration() == replace(DEFAULT_CALIBRATION, calibrated=True)
    live = active_profile("a camera never calibrated", "default", warn=None)
    assert live == default_profile()  # what `session` uses without a calibration
    assert live.gaze_calibration() == DEFAULT_CALIBRATION  # what `analyze` uses
    assert live.to_dict()["gaze"] == gaze  # what both store with the session


def test_voice_options_from_the_baseline():
    opts = measured().voice_options()
    assert opts.vad.min_noise_dbfs == pytest.approx(-72.0)
    assert opts.pitch.f0_min_hz == pytest.approx(90.0)
    assert 300 < opts.pitch.f0_max_hz <= 600
    assert opts.vad.on_db == DEFAULT_VOICE.vad.on_db
    low = replace(measured(), voice=VoiceBaseline(pitch_median_hz=80.0)).voice_options()
    assert low.pitch.f0_min_hz == 50.0
