"""Time to a usable window: how long ``presence-coach app`` takes from the command to a window
with its cameras and microphones listed (so it can be opened just before a call).

Each run starts a fresh process on a virtual X display (Xvfb) with its own settings folder
and waits for the line the app prints once its window is up and the devices are listed
(``PRESENCE_COACH_SAY_READY``); the process is then ended with SIGTERM. The first run pays
for a cold file cache, later runs show the warm start. Writes bench/RESULTS-app.md.

    python bench/app_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from machine import cpu_name

from tests.display import start_xvfb

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("RESULTS-app.md")
READY_LINE = "presence-coach: window ready"


def time_to_window(display: str, work: Path) -> float:
    """Seconds from starting the process to its window being usable."""
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "PRESENCE_COACH_SAY_READY": "1", "PRESENCE_COACH_CONFIG": str(work / "config"),
           "PRESENCE_COACH_DATA": str(work / "data"), "PYTHONPATH": str(ROOT)}  # fmt: skip
    t0 = time.perf_counter()
    command = [sys.executable, "-m", "presence_coach", "app"]
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    try:
        for line in proc.stderr:
            if line.strip() == READY_LINE:
                return time.perf_counter() - t0
        raise RuntimeError(f"the app ended without a window (exit {proc.wait()})")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    load = os.getloadavg()[0]  # a shared machine: say how busy it was
    xvfb, display = start_xvfb()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            times = [time_to_window(display, Path(tmp)) for _ in range(args.runs)]
    finally:
        xvfb.terminate()
        xvfb.wait()
    warm = times[1:] or times
    machine = f"{platform.node()} - {cpu_name()}, {os.cpu_count()} cores"
    RESULTS.write_text(
        f"""# Desktop app start-up

Written by `bench/app_startup.py`. Do not edit by hand.

- **Machine:** {machine}, Python {platform.python_version()}, Xvfb 1280x800
- **Date:** {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average {load:.1f} at the start
- **Measured:** from starting `python -m presence_coach app` to the window shown with its
  cameras and microphones listed ({args.runs} runs, each a new process; the first with
  whatever the file cache held). The face model and the voice analysis are loaded only when
  a session starts; the line saying whether the set-up is calibrated follows a moment later.

| | seconds |
|---|---|
| first run | {times[0]:.2f} |
| later runs, median | {statistics.median(warm):.2f} |
| later runs, fastest / slowest | {min(warm):.2f} / {max(warm):.2f} |

All runs: {", ".join(f"{t:.2f}" for t in times)} s.
"""
    )
    print(RESULTS.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
