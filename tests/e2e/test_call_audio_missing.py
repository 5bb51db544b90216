"""A call-audio source named on the command line that is not there ends the start in one line,
before a session exists (it used to be looked up after the session began, leaving an empty
"running" session that the next start then "recovered").

Real parts: a PulseAudio server with a null sink (the microphone), the camera an
``ffmpeg -re`` UDP stream of a face clip, the real ``presence-coach session`` process.
"""

from __future__ import annotations

from pathlib import Path

from presence_coach.session.store import SessionStore
from tests.cli_helpers import assert_one_line_error, run_cli
from tests.e2e.test_live_session import _stream
from tests.e2e.test_live_stream import _free_udp_port


def test_a_call_audio_source_that_is_not_there_starts_no_session(
    pulse: dict, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    url = f"udp://127.0.0.1:{_free_udp_port()}"
    camera = _stream(url)
    try:
        proc = run_cli(
            "session", "--camera", url, "--mic", "pulse", "--call-audio", "Headset.monitor",
            "--data-dir", data, "--no-open", "--duration", "5", env=pulse, timeout_s=90,
        )  # fmt: skip
    finally:
        camera.kill()
        camera.wait()
    assert_one_line_error(proc, "no call-audio source named 'Headset.monitor'", "pc_test_sink")
    with SessionStore(data) as store:
        assert store.sessions() == []
