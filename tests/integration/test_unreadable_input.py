"""An input the user may not read is "permission denied", never "corrupt"."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import normal_user
from tests.cli_helpers import assert_one_line_error
from tests.conftest import FACE_CLIPS, SPEECH

CLIP = next(p for p in FACE_CLIPS if p.stem == "d18")
SPEECH_WAV = SPEECH / "north_wind_title.wav"


def _blocked_copy(source: Path, folder: Path) -> Path:
    blocked = folder / f"blocked{source.suffix}"
    shutil.copy(source, blocked)
    blocked.chmod(0o000)
    return blocked


@pytest.fixture()
def user_dir() -> Iterator[Path]:
    """A folder the ordinary user can work in (pytest's own is root's alone)."""
    path = normal_user.workdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize("kind", ["video", "audio", "audio-beside-video"])
def test_unreadable_input_says_permission_denied(kind: str, user_dir: Path) -> None:
    tmp_path = user_dir
    if kind == "video":
        blocked = _blocked_copy(CLIP, tmp_path)
        args = ["analyze", str(blocked)]
    elif kind == "audio":
        blocked = _blocked_copy(SPEECH_WAV, tmp_path)
        args = ["analyze", str(blocked)]
    else:
        blocked = _blocked_copy(SPEECH_WAV, tmp_path)
        args = ["analyze", str(CLIP), "--audio", str(blocked)]
    proc = normal_user.run(*args, "--no-store", home=tmp_path)
    assert_one_line_error(proc, f"cannot read {blocked}", "permission denied")
    assert "corrupt" not in proc.stderr
