"""A real audio server for machines without a microphone: PulseAudio with a null sink.

What is played into the sink (``paplay --device=SINK``) can be captured from its monitor
through PortAudio (ALSA's ``pulse`` device), exactly as a microphone is. The daemon runs
unprivileged in a temporary runtime dir and is stopped (its whole process group) on exit.
Needs the apt packages pulseaudio, pulseaudio-utils and libasound2-plugins.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

SINK = "pc_test_sink"
START_TIMEOUT_S = 15.0


@contextlib.contextmanager
def pulse_server(workdir: Path) -> Iterator[dict[str, str]]:
    """Start PulseAudio; yield the environment (PULSE_SERVER, PULSE_SOURCE, ...) to use it."""
    for exe in ("pulseaudio", "paplay", "pactl"):
        assert shutil.which(exe), f"{exe} is missing: apt-get install pulseaudio pulseaudio-utils"
    run = workdir / "xdg"
    run.mkdir(mode=0o700)
    sock = run / "pulse.sock"
    env = dict(os.environ, XDG_RUNTIME_DIR=str(run), HOME=str(workdir))
    env.pop("PULSE_SERVER", None)
    log_path = workdir / "pulse.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disable-shm=yes",
             "--use-pid-file=no", "--log-target=stderr",
             "-L", f"module-null-sink sink_name={SINK} rate=48000 channels=2",
             "-L", f"module-native-protocol-unix socket={sock} auth-anonymous=1"],
            env=env, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
    env["PULSE_SERVER"] = f"unix:{sock}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode != 0:
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "PulseAudio did not start within 15 s"
            time.sleep(0.2)
        subprocess.run(["pactl", "set-default-source", f"{SINK}.monitor"], env=env, check=True)
        env["PULSE_SOURCE"] = f"{SINK}.monitor"
        yield env
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
