"""The session store through the command line: forget, recover, damage, permissions.

Sessions come from analysing the real speech recording; the damage is garbage written over a
page of the real database file; the running session is a real child process; permission
cases run as the unprivileged user ``nobody`` (CI runs as root, which ignores file modes).
"""

from __future__ import annotations

import json
import os
import pty
import pwd
import select
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import EXE, assert_one_line_error, run_cli
from tests.conftest import SPEECH
from tests.damage import corrupt_rows_of

WAV = SPEECH / "conversation_sample.wav"
DB = "presence-coach.sqlite3"
ROOT = os.geteuid() == 0
NOBODY = pwd.getpwnam("nobody")


def _analyze(data: Path, times: int = 1) -> None:
    for _ in range(times):
        proc = run_cli("analyze", WAV, "--data-dir", data)
        assert proc.returncode == 0, proc.stderr


def _files(data: Path) -> list[Path]:
    return sorted(p for p in data.rglob("*") if p.is_file())


def _bytes_everywhere(data: Path) -> bytes:
    return b"".join(p.read_bytes() for p in _files(data))


def test_forget_removes_every_trace_and_rewrites_later_pages(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _analyze(data, 2)
    secret = "Ottoline-Brackenbury"
    assert run_cli("note", "1", f"{secret} cancelled twice", "--data-dir", data).returncode == 0
    assert run_cli("feel", "1", "--before", "2", "--after", "5", "--data-dir", data).returncode == 0
    for sid in ("1", "2"):  # recordings count in "your usual" only with --usual all
        proc = run_cli("report", sid, "--no-open", "--usual", "all", "--data-dir", data)
        assert proc.returncode == 0, proc.stderr
    pages = data / "reports"
    # pages that show more than one session: the day view and the supervision page
    assert run_cli("day", "--no-open", "--data-dir", data).returncode == 0
    proc = run_cli("supervision", "1", "2", "--with-notes", "--no-open", "--data-dir", data)
    assert proc.returncode == 0, proc.stderr
    assert secret in (pages / "supervision.html").read_text()
    assert len(list(pages.glob("day-*.html"))) == 1
    assert secret in (pages / "session-1.html").read_text()
    assert "(1 so far)" in (pages / "session-2.html").read_text()  # counts session 1

    proc = run_cli("forget", "1", "--data-dir", data)
    assert proc.returncode == 0, proc.stderr
    assert not (pages / "session-1.html").exists()
    assert "Deleted session 1" in proc.stdout
    assert "(1 so far)" not in (pages / "session-2.html").read_text()  # written again
    assert secret.encode() not in _bytes_everywhere(data)
    assert not list(pages.glob("day-*.html")) and not (pages / "supervision.html").exists()
    with sqlite3.connect(data / DB) as db:  # how the user felt about session 1 is gone too
        assert db.execute("SELECT COUNT(*) FROM feelings").fetchone()[0] == 0
    assert_one_line_error(run_cli("forget", "1", "--data-dir", data), "no session 1")

    # without a terminal, --all needs --yes; nothing is deleted meanwhile
    refused = run_cli("forget", "--all", "--data-dir", data)
    assert_one_line_error(refused, "all 1 session", "--yes")
    assert refused.returncode == 2 and (pages / "session-2.html").exists()
    proc = run_cli("forget", "--all", "--yes", "--data-dir", data)
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in _files(data)] == ["store.lock"]  # an empty lock file is all
    assert "No sessions yet" in run_cli("history", "--data-dir", data).stdout


def _answer_on_a_terminal(args: list[str], answer: bytes) -> tuple[int, str]:
    """Run the CLI on a real pseudo-terminal (stdin, stdout, stderr); answer its question."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([*EXE, *args], stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    out = b""
    answered = False
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        assert ready, f"no output from {args}: {out!r}"
        try:
            chunk = os.read(master, 1024)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        out += chunk
        if not answered and b"[y/N]" in out:
            os.write(master, answer)
            answered = True
    os.close(master)
    code = proc.wait(timeout=60)
    assert b"Traceback" not in out
    return code, out.decode()


def test_forget_all_asks_on_a_terminal(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _analyze(data, 2)
    code, out = _answer_on_a_terminal(["forget", "--all", "--data-dir", str(data)], b"n\n")
    assert "Delete all 2 sessions" in out and "[y/N]" in out
    assert code == 1 and "Nothing deleted." in out
    assert (data / DB).exists() and "#2" in run_cli("history", "--data-dir", data).stdout
    code, out = _answer_on_a_terminal(["forget", "--all", "--data-dir", str(data)], b"y\n")
    assert code == 0 and "Deleted all 2 sessions" in out
    assert not (data / DB).exists()


HOLDER = textwrap.dedent(
    """
    import sys
    from presence_coach.session.store import SessionRecorder, SessionStore
    from presence_coach.voice import TimelineRow
    def voice(a, b):
        return [TimelineRow(t=i / 10, speaking=1, rms_dbfs=-20.0, f0_hz=180.0)
                for i in range(a * 10, b * 10)]
    store = SessionStore(sys.argv[1])
    sid = store.begin_session(kind="live", source="holder")
    rec = SessionRecorder(store, sid)
    rec.add_voice(voice(0, 10))
    rec.flush()
    print(sid, flush=True)
    if sys.stdin.readline().strip() == "finish":  # else: until killed
        rec.add_voice(voice(10, 60))
        rec.flush()
        store.finalize(sid, summary={"duration_s": 60.0}, status="complete", duration_s=60.0)
        print("finished", flush=True)
    """
)


def _holder(data: Path) -> tuple[subprocess.Popen, int]:
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(data)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert child.stdout is not None
    return child, int(child.stdout.readline())


def _history(data: Path, out: Path) -> list[dict]:
    proc = run_cli("history", "--data-dir", data, "--json", out)
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())["sessions"]


def test_a_running_session_is_not_recovered_by_a_second_start(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "h.json"
    child, sid = _holder(data)
    try:
        proc = run_cli("recover", "--data-dir", data)
        assert proc.returncode == 0 and "Nothing to recover" in proc.stdout
        start = run_cli("session", "--camera", "7", "--no-mic", "--data-dir", data)
        assert_one_line_error(start, "no camera found at index 7")  # and no "Recovered"
        assert_one_line_error(run_cli("forget", str(sid), "--data-dir", data), "still running")
        busy = run_cli("forget", "--all", "--yes", "--data-dir", data)
        assert_one_line_error(busy, "another presence-coach", "is using")
        assert _history(data, out) == []  # a running session is not in the history yet
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write("finish\n")
        child.stdin.close()
        assert child.stdout.readline().strip() == "finished"
    finally:
        child.kill()
        child.wait()
    (row,) = _history(data, out)
    # its numbers are those of the finished session, not of a state it was wrongly put in
    assert (row["id"], row["status"], row["duration_s"]) == (sid, "complete", 60.0)

    child, second = _holder(data)
    child.kill()  # SIGKILL: cut off, its lock goes with it
    child.wait()
    proc = run_cli("recover", "--data-dir", data)
    assert proc.returncode == 0 and f"Recovered session {second}" in proc.stdout
    assert [(r["id"], r["status"]) for r in _history(data, out)] == [
        (sid, "complete"),
        (second, "recovered"),
    ]


def test_a_damaged_database_gives_one_line_and_can_always_be_deleted(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _analyze(data, 3)
    lost = corrupt_rows_of(data / DB, "voice_timeline", 2)
    assert lost > 0
    ok = run_cli("report", "1", "--no-open", "--data-dir", data)
    assert ok.returncode == 0, ok.stderr  # a readable session keeps its report
    damaged = run_cli("report", "2", "--no-open", "--data-dir", data)
    assert_one_line_error(damaged, "is damaged", "session 2 cannot be read", "forget 2")
    for args in (["history"], ["recover"]):
        proc = run_cli(*args, "--data-dir", data)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr

    proc = run_cli("forget", "1", "--data-dir", data)
    assert proc.returncode == 0, proc.stderr
    assert "rebuilt without session 1; session 2 keeps what could be read" in proc.stdout
    assert run_cli("report", "3", "--no-open", "--data-dir", data).returncode == 0

    # the file's header destroyed too: nothing can be read, yet everything can be deleted
    with open(data / DB, "r+b") as fh:
        fh.write(b"\xff" * 512)
    for args in (["report", "3", "--no-open"], ["history"], ["recover"], ["forget", "3"]):
        proc = run_cli(*args, "--data-dir", data)
        assert_one_line_error(proc, str(data / DB), "forget --all")
    assert_one_line_error(run_cli("forget", "--all", "--data-dir", data), "damaged", "--yes")
    proc = run_cli("forget", "--all", "--yes", "--data-dir", data)
    assert proc.returncode == 0, proc.stderr
    assert not (data / DB).exists() and not list((data / "reports").iterdir())


@pytest.mark.parametrize("command", [["report"], ["note", "-", "text"], ["forget"]])
def test_a_session_number_too_large_for_sqlite(command: list[str], tmp_path: Path) -> None:
    args = [command[0], "99999999999999999999", *command[2:]]
    proc = run_cli(*args, "--data-dir", tmp_path)
    assert_one_line_error(proc, "no session 99999999999999999999")
    assert proc.returncode == 2


# ---- permissions, as an unprivileged user ------------------------------------------------


def _unprivileged(*args: str | Path) -> subprocess.CompletedProcess:
    """The CLI as ``nobody`` when we are root (else as ourselves, already unprivileged)."""
    drop = ["setpriv", f"--reuid={NOBODY.pw_uid}", f"--regid={NOBODY.pw_gid}", "--clear-groups"]
    return subprocess.run(
        [*(drop if ROOT else []), *EXE, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def user_data() -> Iterator[Path]:
    """A data folder the unprivileged user owns (pytest's own tmp folders are root's 0700)."""
    base = Path(tempfile.mkdtemp(prefix="presence-coach-perm-"))
    os.chmod(base, 0o755)
    data = base / "data"
    data.mkdir()
    if ROOT:
        os.chown(data, NOBODY.pw_uid, NOBODY.pw_gid)
    try:
        yield data
    finally:
        shutil.rmtree(base)


def _modes(data: Path) -> dict[str, int]:
    return {str(p.relative_to(data)): stat.S_IMODE(p.stat().st_mode) for p in data.rglob("*")}


def test_a_read_only_database_and_its_side_files_are_made_private_again(user_data: Path) -> None:
    assert _unprivileged("analyze", WAV, "--data-dir", user_data).returncode == 0
    os.chmod(user_data / DB, 0o400)
    # a read-only database makes SQLite leave -wal/-shm behind, read-only too
    assert _unprivileged("history", "--data-dir", user_data).returncode == 0
    proc = _unprivileged("note", "1", "still writable", "--data-dir", user_data)
    assert proc.returncode == 0, proc.stderr
    proc = _unprivileged("report", "1", "--no-open", "--data-dir", user_data)
    assert proc.returncode == 0, proc.stderr
    assert "still writable" in (user_data / "reports" / "session-1.html").read_text()
    for name, mode in _modes(user_data).items():
        assert mode == (0o700 if (user_data / name).is_dir() else 0o600), name


@pytest.mark.skipif(not ROOT, reason="making another user's files needs root (CI runs as root)")
def test_another_users_files_give_one_line_naming_them(user_data: Path) -> None:
    assert _unprivileged("analyze", WAV, "--data-dir", user_data).returncode == 0
    db = user_data / DB
    os.chown(db, 0, 0)
    os.chmod(db, 0o644)
    proc = _unprivileged("note", "1", "x", "--data-dir", user_data)
    assert_one_line_error(proc, f"cannot use {db}", "belongs to another user", "chown")
    os.chown(db, NOBODY.pw_uid, NOBODY.pw_gid)

    keeper = sqlite3.connect(db)  # keeps a -wal in place; made root's and read-only
    keeper.execute("PRAGMA journal_mode=WAL")
    keeper.execute("UPDATE sessions SET source = source")
    keeper.commit()
    wal = user_data / f"{DB}-wal"
    os.chown(wal, 0, 0)
    os.chmod(wal, 0o644)
    proc = _unprivileged("history", "--data-dir", user_data)
    keeper.close()
    assert_one_line_error(proc, f"cannot use {wal}", "chown")

    os.chown(user_data, 0, 0)
    os.chmod(user_data, 0o755)
    proc = _unprivileged("history", "--data-dir", user_data)
    assert_one_line_error(proc, f"cannot use {user_data}:", "chown", "--data-dir")
