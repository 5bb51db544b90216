"""Devices lost in the middle of a session run from the app: the microphone's audio server
goes away, then the camera's stream stops. Each loss is notified once (tray notification and
the window), the session ends by itself when both are gone, and it is kept with a report that
says what was lost and when."""

from __future__ import annotations

import subprocess

from presence_coach.app.icons import IDLE, PROBLEM
from presence_coach.session.store import SessionStore
from presence_coach.summary.session import summary_from_store
from tests.app.conftest import play_loop, stop_process_group
from tests.app.test_app_session import SPEECH_WAV, _choose_mic
from tests.e2e.conftest import SINK
from tests.e2e.test_device_dropouts import _send  # the looped d6 camera
from tests.e2e.test_live_stream import _free_udp_port


def test_lost_microphone_then_lost_camera_are_notified_and_the_session_is_kept(
    qtbot, make_window, pulse: dict, app_env: dict
) -> None:
    url = f"udp://127.0.0.1:{_free_udp_port()}"
    camera = _send(url)
    voice = play_loop(SPEECH_WAV, pulse, SINK)
    try:
        window = make_window(camera_url=url)
        _choose_mic(window, "pulse")
        page, tray = window.session_page, window.tray
        window.start_session()
        qtbot.waitUntil(lambda: page.face_label.text() == "Face in view", timeout=30000)
        qtbot.waitUntil(lambda: page.level.value() > 10, timeout=10000)
        qtbot.wait(2000)
        stop_process_group(voice)
        subprocess.run(["pactl", "exit"], env=pulse, check=True)  # the audio server is gone
        qtbot.waitUntil(lambda: len(tray.notifications) == 1, timeout=20000)
        assert tray.notifications[0][0] == "The microphone stopped giving sound"
        assert tray.state == PROBLEM and window.running
        assert page.banner.text().startswith("The microphone stopped giving sound.")
        assert page.level.value() == 0
        camera.kill()
        camera.wait()
        qtbot.waitUntil(lambda: len(tray.notifications) == 2, timeout=20000)
        assert tray.notifications[1][0] == "The camera stopped giving a picture"
        assert page.face_label.text() == "No picture from the camera"
        qtbot.wait(1500)
        assert window.running  # the camera may come back (it is reopened): the session waits
        window.stop_session()
        qtbot.waitUntil(lambda: not window.running, timeout=60000)
    finally:
        stop_process_group(voice)
        camera.kill()
        camera.wait()
    assert tray.state == IDLE
    text = page.banner.text()
    assert text.startswith("Session kept") and "Its report is ready." in text, text
    assert "the microphone gave no sound" in text.lower(), text
    assert "the camera gave no picture" in text.lower(), text
    with SessionStore(app_env["data"]) as store:
        (info,) = store.sessions()
        summary = summary_from_store(store, info.id)
    assert info.status == "complete"
    assert summary["run"]["stopped"] == "by you"
    mic_gap, cam_gap = (
        next(g for g in summary["device_gaps"] if g["device"] == d)
        for d in ("microphone", "camera")
    )
    assert mic_gap["start_s"] < cam_gap["start_s"]  # in that order
    html = (app_env["data"] / "reports" / f"session-{info.id}.html").read_text()
    assert f"Session {info.id}" in html
