"""Shared test fixtures: where the real test data beside the project lives.

Tests use the real model and real media from ``../shared`` (see DESIGN.md). A missing
``../shared`` is a hard failure, never a skip: CI always has it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PRESENCE_COACH_SHARED", REPO.parent / "shared")).resolve()
SHARED_MODELS = SHARED / "models"
FACE_CLIPS = sorted((SHARED / "media" / "faces").glob("*.mp4"))
FACE_LABELS = SHARED / "media" / "faces" / "labels"
SPEECH = SHARED / "media" / "speech"

if not SHARED_MODELS.joinpath("face_landmarker.task").is_file():
    raise pytest.UsageError(
        f"test data not found at {SHARED}: put the shared folder beside the repo "
        "or set PRESENCE_COACH_SHARED"
    )

# The model lookup of every test process (and of CLI subprocesses) finds the shared model.
os.environ.setdefault("PRESENCE_COACH_MODELS", str(SHARED_MODELS))
# Sessions the tests create go to a throw-away folder, never the user's own history.
_DATA = tempfile.mkdtemp(prefix="presence-coach-test-data-")
atexit.register(shutil.rmtree, _DATA, ignore_errors=True)
os.environ["PRESENCE_COACH_DATA"] = _DATA


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def speech_dir() -> Path:
    return SPEECH


@pytest.fixture(scope="session")
def face_clips() -> list[Path]:
    assert FACE_CLIPS, f"no face clips in {SHARED / 'media' / 'faces'}"
    return FACE_CLIPS
