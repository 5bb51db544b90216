"""Writing user data: files readable only by the user, never half-written."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import IO

from presence_coach.errors import UsageError

PRIVATE_FILE_MODE = 0o600  # owner read/write only


def check_writable(path: str | Path, *, flag: str) -> Path:
    """Fail before any work starts if ``path`` cannot be written."""
    p = Path(path).expanduser()
    parent = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise UsageError(f"{flag} {p} is a directory; give a file name")
    if not parent.is_dir():
        raise UsageError(f"{flag} {p}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{flag} {p}: folder {parent} is not writable")
    return p


def open_private(path: str | Path, mode: str = "w", **kwargs: object) -> IO:
    """Open a text file for writing, created 0600 (existing files are tightened to 0600)."""
    fd = os.open(Path(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    if stat.S_ISREG(os.fstat(fd).st_mode):  # never chmod a device such as /dev/stdout
        os.fchmod(fd, PRIVATE_FILE_MODE)
    return os.fdopen(fd, mode, **kwargs)  # type: ignore[call-overload]


def write_json_private(path: str | Path, data: object) -> None:
    """Write JSON atomically (temp file + rename) with mode 0600."""
    p = Path(path)
    tmp = p.with_name(f".{p.name}.tmp")
    with open_private(tmp, encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, allow_nan=False)
        fh.write("\n")
    os.replace(tmp, p)
