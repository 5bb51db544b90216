"""Running the installed ``presence-coach`` command the way a user does."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from presence_coach.session.store import DB_NAME

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


def stored_rows(data_dir: Path, table: str = "face_timeline") -> tuple[int, float | None]:
    """(row count, newest t) of a timeline table in a data folder's database, read while
    another process writes it (WAL readers do not block the writer); (0, None) before the
    database or the table exists."""
    db_path = data_dir / DB_NAME
    if not db_path.exists():
        return 0, None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as db:
            n, t = db.execute(f"SELECT COUNT(*), MAX(t) FROM {table}").fetchone()
    except sqlite3.OperationalError:  # not created yet
        return 0, None
    return n, t


def wait_for_stored_rows(
    proc: subprocess.Popen, data_dir: Path, n: int, *, table: str = "face_timeline",
    timeout_s: float = 90.0,
) -> None:  # fmt: skip
    """Wait until the running CLI ``proc`` has committed ``n`` rows of ``table``."""
    deadline = time.monotonic() + timeout_s
    while stored_rows(data_dir, table)[0] < n:
        assert proc.poll() is None, f"the command ended early ({proc.returncode})"
        assert time.monotonic() < deadline, f"fewer than {n} {table} rows after {timeout_s} s"
        time.sleep(0.1)
