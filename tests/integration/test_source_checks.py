"""A recording cut short and a very dark picture are said in plain words (real clips)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from presence_coach.session.source_checks import (
    DARK_FRAME_LUMA,
    PictureLight,
    frame_luma,
    truncation_note,
)
from tests.cli_helpers import run_cli
from tests.conftest import FACE_CLIPS

CLIP = next(p for p in FACE_CLIPS if p.stem == "d18")  # 216 frames, 7.2 s at 30 fps


def _ffmpeg(*args: str | Path) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *map(str, args)], check=True, timeout=120)


def test_frame_luma_known_answers() -> None:
    assert frame_luma(np.full((480, 640, 3), 200, np.uint8)) == pytest.approx(200, abs=0.5)
    half = np.zeros((480, 640), np.uint8)
    half[:, 320:] = 100
    assert frame_luma(half) == pytest.approx(50, abs=1)


def test_light_samples_once_a_second_of_media_time() -> None:
    light = PictureLight()
    dark = np.full((48, 64, 3), 10, np.uint8)
    for i in range(90):  # 3 s at 30 fps
        light.update(i / 30, dark)
    assert len(light.lumas) == 3
    assert "very dark (brightness 10 of 255)" in (light.note() or "")
    light.reset()
    light.update(0.0, np.full((48, 64, 3), int(DARK_FRAME_LUMA) + 5, np.uint8))
    assert light.note() is None


def test_truncation_note_known_answers() -> None:
    assert truncation_note(frames_read=216, frames_declared=216, fps=30) is None
    assert truncation_note(frames_read=100, frames_declared=0, fps=30) is None  # unknown
    note = truncation_note(frames_read=108, frames_declared=216, fps=30)
    assert note is not None and "3.6 s of the 7.2 s" in note


def test_a_cut_short_recording_says_so(tmp_path: Path) -> None:
    whole = tmp_path / "whole.mp4"
    _ffmpeg("-i", CLIP, "-c", "copy", "-movflags", "+faststart", whole)  # index first
    cut = tmp_path / "cut.mp4"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])  # as a copy interrupted half way
    out = tmp_path / "s.json"
    proc = run_cli("analyze", cut, "--json", out, "--no-store")
    assert proc.returncode == 0, proc.stderr
    notes = json.loads(out.read_text())["device_notes"]
    assert len(notes) == 1 and "the recording ended early" in notes[0], notes
    assert "of the 7.2 s it declares" in notes[0]
    assert "note: the recording ended early" in proc.stdout

    proc = run_cli("analyze", CLIP, "--json", out, "--no-store")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["device_notes"] == []  # the whole clip: nothing to say


def test_a_dark_picture_gets_a_lighting_hint(tmp_path: Path) -> None:
    dark = tmp_path / "dark.mp4"
    _ffmpeg("-i", CLIP, "-vf", "lutyuv=y=val*0.15", "-c:a", "copy", dark)  # a room lit dimly
    out = tmp_path / "s.json"
    proc = run_cli("analyze", dark, "--json", out, "--no-store")
    assert proc.returncode == 0, proc.stderr
    notes = json.loads(out.read_text())["device_notes"]
    assert any("very dark" in n and "add a lamp" in n for n in notes), notes
