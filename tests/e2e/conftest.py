"""Real stand-ins for the devices these machines do not have (see tests/pulse.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pulse import SINK, pulse_server

__all__ = ["SINK", "pulse"]


@pytest.fixture()
def pulse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A PulseAudio null sink whose monitor is this process's (and its children's) mic."""
    with pulse_server(tmp_path) as env:
        for key in ("XDG_RUNTIME_DIR", "PULSE_SERVER", "PULSE_SOURCE"):
            monkeypatch.setenv(key, env[key])
        yield env
