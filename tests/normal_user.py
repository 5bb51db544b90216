"""Running a program with a normal user's file permissions, also when the tests run as root
(as CI does: root reads a ``chmod 000`` file, a user does not).

As root: ``setpriv`` to the user nobody; where this interpreter lives in a folder nobody may
not enter (a Python under /root), uid 0 without any capability instead, which the kernel's
permission checks treat the same way for files and folders of mode 000. Not root: as is.
Needs util-linux (setpriv).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
NO_CAPABILITIES = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"]


@functools.cache
def prefix() -> tuple[str, ...]:
    """The command prefix (empty when not root)."""
    if os.geteuid() != 0:
        return ()
    assert shutil.which("setpriv"), "setpriv is missing: scripts/install-system-deps --test"
    probe = subprocess.run([*NOBODY, sys.executable, "-c", "import presence_coach"],
                           capture_output=True, cwd="/", env=_env(Path("/")))  # fmt: skip
    return tuple(NOBODY if probe.returncode == 0 else NO_CAPABILITIES)


def _env(home: Path) -> dict[str, str]:
    repo = str(Path(__file__).resolve().parents[1])
    return {**os.environ, "HOME": str(home), "PYTHONPATH": repo, "XDG_CACHE_HOME": str(home)}


def workdir() -> Path:
    """A fresh folder outside pytest's (root-only) temp folder that the user can use."""
    path = Path(tempfile.mkdtemp(prefix="presence-coach-user-"))
    path.chmod(0o777)
    return path


def run(*args: str | Path, home: Path, timeout_s: float = 120) -> subprocess.CompletedProcess:
    """``presence-coach ARGS`` as a normal user whose home (data, cache) is ``home``."""
    env = {**_env(home), "PRESENCE_COACH_DATA": str(home / "data")}
    return subprocess.run(
        [*prefix(), sys.executable, "-m", "presence_coach", *map(str, args)],
        capture_output=True, text=True, timeout=timeout_s, env=env, cwd=home,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
