"""``presence-coach calibrate`` from a recording, then a live session on that camera uses the
profile and its report says so; a broken profile falls back to the defaults with a warning."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # calibrationgen, headmotion

import calibrationgen as cg

from presence_coach.session.store import SessionStore
from presence_coach.summary.session import summary_from_store
from tests.cli_helpers import EXE, assert_one_line_error, run_cli
from tests.conftest import SHARED, SHARED_MODELS
from tests.e2e.test_live_stream import live_stream  # noqa: F401 - fixture


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return cg.write_calibration(
        tmp_path_factory.mktemp("cal"), "d14", cg.SETUPS["laptop"],
        faces_dir=SHARED / "media" / "faces", speech_dir=SHARED / "media" / "speech",
        model=SHARED_MODELS / "face_landmarker.task",
    )  # fmt: skip


def test_calibrated_live_session(
    recording: tuple[Path, Path, Path],
    live_stream: str,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    video, wav, script = recording
    env = {"PRESENCE_COACH_CONFIG": str(tmp_path / "config")}
    done = run_cli("calibrate", "--from-video", video, "--script", script, "--audio", wav,
                   "--camera", live_stream, "--mic", "none", env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "calibrated on" in done.stdout
    (profile_file,) = (tmp_path / "config" / "profiles").iterdir()
    assert stat.S_IMODE(profile_file.stat().st_mode) == 0o600
    shown = run_cli("calibrate", "--show", "--camera", live_stream, "--mic", "none", env=env)
    assert shown.returncode == 0 and "calibrated on" in shown.stdout

    data = tmp_path / "data"
    proc = subprocess.Popen(
        [*EXE, "session", "--camera", live_stream, "--mic", "none", "--no-mic", "--no-open",
         "--duration", "6", "--data-dir", str(data)],
        env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    _, stderr = proc.communicate(timeout=90)
    assert proc.returncode == 0, stderr
    with SessionStore(data) as store:
        (info,) = store.sessions()
        summary = summary_from_store(store, info.id)
    assert info.calibration is not None and info.calibration["kind"] != "default"
    assert summary["calibration"]["calibrated"] is True
    page = (data / "reports" / f"session-{info.id}.html").read_text()
    assert "calibrated on" in page and "uncalibrated" not in page

    # a damaged profile: one warning line, then the defaults (never a traceback)
    profile_file.write_text("{ not json")
    broken = run_cli("calibrate", "--show", "--camera", live_stream, "--mic", "none", env=env)
    assert broken.returncode == 0
    assert broken.stderr.count("\n") == 1 and "warning:" in broken.stderr
    assert "calibrate` again" in broken.stderr
    assert broken.stdout.startswith("uncalibrated")


def test_calibrate_flags_go_together(recording: tuple[Path, Path, Path]) -> None:
    video, _, _ = recording
    proc = run_cli("calibrate", "--from-video", video)
    assert_one_line_error(proc, "--from-video and --script go together")


def test_calibration_script_missing(recording: tuple[Path, Path, Path], tmp_path: Path) -> None:
    video, wav, _ = recording
    proc = run_cli("calibrate", "--from-video", video, "--script", tmp_path / "none.json",
                   "--audio", wav, env={"PRESENCE_COACH_CONFIG": str(tmp_path)})  # fmt: skip
    assert_one_line_error(proc, "none.json")
