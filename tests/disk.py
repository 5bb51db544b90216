"""A real small disk that fills up: a tmpfs mounted for one test, and a filler file.

Mounting needs root. CI runs the tests as root on the same kind of machine; elsewhere the
test fails and says so (it is never skipped).
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def small_disk(where: Path, size_mb: int) -> Iterator[Path]:
    """A tmpfs of ``size_mb`` MiB mounted at ``where`` (created) for the block."""
    assert os.geteuid() == 0, (
        "the full-disk tests mount a small tmpfs and need root: CI runs them as root; run "
        "them as root (or in a container as root)"
    )
    where.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, f"cannot mount a tmpfs at {where}: {proc.stderr.strip()}"
    try:
        yield where
    finally:
        subprocess.run(["umount", "--lazy", str(where)], check=False)


def fill(disk: Path, name: str = "filler") -> Path:
    """Fill ``disk`` to the last byte with a file (delete it to free the space again)."""
    path = disk / name
    with path.open("ab", buffering=0) as fh:
        for size in (1 << 20, 1 << 12, 1):
            chunk = bytes(size)
            try:
                while True:
                    fh.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
    return path


def free_bytes(disk: Path) -> int:
    st = os.statvfs(disk)
    return st.f_bavail * st.f_frsize
