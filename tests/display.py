"""A virtual X display for tests and benchmarks: Xvfb on a free number it picks and reports.

Needs the apt package xvfb (scripts/install-system-deps --test).
"""

from __future__ import annotations

import os
import shutil
import subprocess


def start_xvfb() -> tuple[subprocess.Popen, str]:
    """Start Xvfb (1280x800, no TCP); returns the process and its display name (``":N"``).
    The caller terminates the process."""
    assert shutil.which("Xvfb"), "Xvfb is missing: apt-get install xvfb"
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(write_fd)
    with os.fdopen(read_fd) as reported:
        number = reported.readline().strip()
    if not number.isdigit():
        xvfb.kill()
        xvfb.wait()
        raise AssertionError("Xvfb did not start")
    return xvfb, f":{number}"
