"""An input the user may not read is "permission denied", never "corrupt"."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli_helpers import EXE, assert_one_line_error
from tests.conftest import FACE_CLIPS, SPEECH
from tests.privileges import as_user

CLIP = next(p for p in FACE_CLIPS if p.stem == "d18")
SPEECH_WAV = SPEECH / "north_wind_title.wav"


def _blocked_copy(source: Path, folder: Path) -> Path:
    blocked = folder / f"blocked{source.suffix}"
    shutil.copy(source, blocked)
    blocked.chmod(0o000)
    return blocked


@pytest.mark.parametrize("kind", ["video", "audio", "audio-beside-video"])
def test_unreadable_input_says_permission_denied(tmp_path: Path, kind: str) -> None:
    if kind == "video":
        blocked = _blocked_copy(CLIP, tmp_path)
        args = ["analyze", str(blocked)]
    elif kind == "audio":
        blocked = _blocked_copy(SPEECH_WAV, tmp_path)
        args = ["analyze", str(blocked)]
    else:
        blocked = _blocked_copy(SPEECH_WAV, tmp_path)
        args = ["analyze", str(CLIP), "--audio", str(blocked)]
    proc = subprocess.run(
        as_user([*EXE, *args, "--no-store"]),
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert_one_line_error(proc, f"cannot read {blocked}", "permission denied")
    assert "corrupt" not in proc.stderr
