"""Running the installed ``presence-coach`` command the way a user does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXE = [sys.executable, "-m", "presence_coach"]


def run_cli(*args: str | Path, timeout_s: float = 300, env: dict[str, str] | None = None):
    """Run the CLI; return the CompletedProcess (text mode)."""
    return subprocess.run(
        [*EXE, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(proc, *fragments: str) -> None:
    """Non-zero exit, exactly one line on stderr naming the problem, no traceback."""
    assert proc.returncode != 0, proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("presence-coach: error: "), lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
