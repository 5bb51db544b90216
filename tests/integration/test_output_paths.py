"""Output paths the user names are written through, never replaced, and never a traceback.

Real runs of the CLI on real speech (audio only: the outputs are the same code for video).
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest

from tests.cli_helpers import assert_one_line_error, run_cli
from tests.conftest import SPEECH

SPEECH_WAV = SPEECH / "north_wind_title.wav"


def _full_device(tmp_path: Path) -> Path:
    """A device that refuses every write with ENOSPC: /dev/full's own node (1, 7), made in
    tmp_path as root so that a regression replaces this copy, not the machine's /dev/full."""
    if os.geteuid() != 0:
        return Path("/dev/full")  # a normal user cannot replace /dev/full anyway
    node = tmp_path / "full"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    return node


@pytest.mark.parametrize("flag", ["--json", "--timeline", "--events"])
def test_a_full_device_is_one_line_and_stays_a_device(flag: str, tmp_path: Path) -> None:
    device = _full_device(tmp_path)
    proc = run_cli("analyze", SPEECH_WAV, flag, device, "--no-store")
    assert_one_line_error(proc, f"cannot write {device}", "no space left")
    assert stat.S_ISCHR(os.stat(device).st_mode), "the device node was replaced by a file"
    assert sorted(p.name for p in tmp_path.iterdir()) in (["full"], [])  # no temp file left


def test_json_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "kept" / "summary.json"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    proc = run_cli("analyze", SPEECH_WAV, "--json", link, "--no-store")
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and link.resolve() == target.resolve()
    data = json.loads(target.read_text())
    assert data["run"]["source"]["kind"] == "audio"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["summary.json"]  # no temp left


def test_dash_is_standard_output_alone(tmp_path: Path) -> None:
    proc = run_cli("analyze", SPEECH_WAV, "--json", "-", "--no-store")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)  # nothing but the JSON on stdout
    assert data["run"]["source"]["kind"] == "audio" and data["session"]["duration_s"] > 1
    assert "You spoke" in proc.stderr  # the summary moved
    assert not (tmp_path / "-").exists() and not Path("-").exists()

    proc = run_cli("analyze", SPEECH_WAV, "--timeline", "-", "--no-store")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert rows and rows[0]["t"] and {"speaking", "rms_dbfs"} <= set(rows[0])


def test_two_outputs_cannot_both_be_standard_output() -> None:
    proc = run_cli("analyze", SPEECH_WAV, "--json", "-", "--events", "-", "--no-store")
    assert_one_line_error(proc, "only one output", "--json and --events")
    assert proc.returncode == 2
