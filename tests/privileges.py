"""Running a command as an ordinary user would, also when the tests run as root (CI does).

Root passes every file-permission check, so a permission test run as root proves nothing.
``as_user(cmd)`` runs ``cmd`` as root with every capability dropped (``setpriv``): the kernel then
applies the permission bits to it exactly as to any user who owns the files (root's own files
with mode 000 cannot be read, a folder with mode 0500 cannot be written). The interpreter and the
virtual environment stay reachable, which they would not be for ``nobody`` where Python lives
under ``/root``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence

SETPRIV = ["setpriv", "--inh-caps=-all", "--bounding-set=-all"]


def as_user(cmd: Sequence[str]) -> list[str]:
    """``cmd`` to run without root's powers over files (unchanged for an ordinary user)."""
    if os.geteuid() != 0:
        return list(cmd)
    assert shutil.which("setpriv"), "setpriv (util-linux) is needed to test permissions as root"
    return [*SETPRIV, *cmd]
