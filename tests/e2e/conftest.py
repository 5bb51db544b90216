"""Real stand-ins for the devices these machines do not have.

``pulse``: an unprivileged PulseAudio daemon in a temporary runtime dir with a null sink; what
is played into the sink (``paplay --device=SINK``) is captured from its monitor through
PortAudio (ALSA's ``pulse`` device), exactly as a microphone would be.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

SINK = "pc_test_sink"


@pytest.fixture()
def pulse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for exe in ("pulseaudio", "paplay", "pactl"):
        assert shutil.which(exe), f"{exe} is missing: apt-get install pulseaudio pulseaudio-utils"
    run = tmp_path / "xdg"
    run.mkdir(mode=0o700)
    sock = run / "pulse.sock"
    env = dict(os.environ, XDG_RUNTIME_DIR=str(run), HOME=str(tmp_path), PULSE_SERVER="")
    env.pop("PULSE_SERVER")
    log = open(tmp_path / "pulse.log", "wb")  # noqa: SIM115 - closed in the teardown
    proc = subprocess.Popen(
        [
            "pulseaudio",
            "-n",
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--disable-shm=yes",
            "--use-pid-file=no",
            "--log-target=stderr",
            "-L",
            f"module-null-sink sink_name={SINK} rate=48000 channels=2",
            "-L",
            f"module-native-protocol-unix socket={sock} auth-anonymous=1",
        ],
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    env["PULSE_SERVER"] = f"unix:{sock}"
    try:
        deadline = time.monotonic() + 15
        while True:
            ok = subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0
            if ok:
                break
            assert proc.poll() is None, (tmp_path / "pulse.log").read_text()
            assert time.monotonic() < deadline, "PulseAudio did not start within 15 s"
            time.sleep(0.2)
        subprocess.run(["pactl", "set-default-source", f"{SINK}.monitor"], env=env, check=True)
        for k in ("XDG_RUNTIME_DIR", "PULSE_SERVER"):
            monkeypatch.setenv(k, env[k])
        monkeypatch.setenv("PULSE_SOURCE", f"{SINK}.monitor")
        yield env
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
