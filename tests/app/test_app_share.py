"""Camera sharing as an app setting (issue 15): remembered, passed to the session engine, and
the plain sentences when it cannot be used.

Real parts: the real app; the camera an ``ffmpeg -re`` UDP stream of a face clip; an ffmpeg
reader at a UDP share target that checksums each frame it receives (as
tests/e2e/test_camera_share.py does for the CLI).

Not run here: a v4l2loopback device. These machines have no kernel modules (no
/sys/class/video4linux at all), so the device write and a call app reading the virtual camera
cannot be tested; the app's words for "no virtual camera" and a remembered device that is not
there are, and the sharing itself runs end to end to a UDP target.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from presence_coach.app.settings import load_settings
from presence_coach.app.sharing import OFF_LABEL
from presence_coach.session.store import SessionStore
from presence_coach.sources.share_setup import SYSFS_VIDEO
from presence_coach.summary.session import summary_from_store
from tests.app.test_app_bad_input import _no_sessions, _start_and_fail
from tests.e2e.test_camera_share import _reader
from tests.e2e.test_live_stream import _free_udp_port

NO_LOOPBACK = "v4l2loopback: cannot be loaded here (no kernel modules); sharing to UDP instead"


def _remember(app_env: dict, **settings: object) -> None:
    app_env["config"].mkdir()
    (app_env["config"] / "app-settings.json").write_text(json.dumps(settings))


def test_without_a_virtual_camera_the_app_says_what_to_do(
    qtbot, make_window, live_stream: str, app_env: dict, dialogs
) -> None:
    assert not SYSFS_VIDEO.exists(), "this test expects a machine without video devices"
    _remember(app_env, share_camera="/dev/video9", use_mic=False)
    window = make_window(camera_url=live_stream)
    window.tabs.setCurrentWidget(window.settings_page)
    st = window.settings_page
    # nothing to share to: off, and the remembered device marked as missing
    assert [st.share.itemText(i) for i in range(st.share.count())] == [
        OFF_LABEL,
        "/dev/video9 (not found now)",
    ]
    assert st.chosen_share() == "/dev/video9"
    words = st.share_words.text()
    assert words.startswith(
        "Your camera cannot be shared yet: this computer has no virtual camera. On this "
        "computer: v4l2loopback is not installed for this kernel ("
    ), words
    assert words.endswith("): run step 1 (see how to set it up)."), words
    # the steps, from a button (selectable, to copy into a terminal)
    assert st.share_how.isVisible()
    dialogs.answer("OK")
    qtbot.mouseClick(st.share_how, Qt.MouseButton.LeftButton)
    (steps,) = dialogs.asked
    assert 'sudo modprobe v4l2loopback exclusive_caps=1 card_label="Presence Coach"' in steps
    assert "presence-coach session" not in steps  # the app's way, not the terminal's
    assert steps.endswith("in Zoom, Teams or Meet: it shows what your camera sees while "
                          "Presence Coach analyses it.")  # fmt: skip
    # starting says, in the window, why the camera cannot be shared and what to do
    window.tabs.setCurrentWidget(window.session_page)
    text = _start_and_fail(qtbot, window)
    assert text == (
        "Cannot share the camera to /dev/video9: there is no such device; Settings shows how "
        "to set it up (v4l2loopback), or choose “Off” there."
    )
    assert window.tray.notifications[-1] == ("The session could not go on", text)
    _no_sessions(app_env["data"])
    # turning it off is remembered
    st.share.setCurrentIndex(0)
    st.share.activated.emit(0)
    assert load_settings()[0].share_camera == ""


def test_the_remembered_share_target_gets_every_frame_of_the_session(
    qtbot, make_window, live_stream: str, app_env: dict, tmp_path: Path
) -> None:
    print(NO_LOOPBACK)
    port = _free_udp_port()
    target = f"udp://127.0.0.1:{port}"
    _remember(app_env, share_camera=target, use_mic=False)
    md5_file = tmp_path / "received.framemd5"
    reader = _reader(port, md5_file)
    try:
        window = make_window(camera_url=live_stream)
        assert window.settings_page.chosen_share() == target
        page = window.session_page
        qtbot.mouseClick(page.start_stop, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.face_label.text() == "Face in view", timeout=30000)
        qtbot.wait(4000)
        window.stop_session()
        qtbot.waitUntil(lambda: not window.running, timeout=60000)
        _, err = reader.communicate(timeout=30)  # it ends 4 s after the last frame
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
    assert reader.returncode == 0, err
    assert page.banner.text().startswith("Session kept"), page.banner.text()
    with SessionStore(app_env["data"]) as store:
        (info,) = store.sessions()
        summary = summary_from_store(store, info.id)
    share = summary["run"]["share"]
    assert share["target"] == target and share["failure"] is None, share
    lines = [ln for ln in md5_file.read_text().splitlines() if ln[:1] != "#"]
    sizes = {ln.split(",")[4].strip() for ln in lines}
    print(f"shared {share['frames_in']}, received {len(lines)}, sizes {sizes}")
    assert share["frames_in"] >= 90  # 4 s and more of a 30 fps camera
    assert len(lines) >= 0.9 * share["frames_in"] and len(sizes) == 1
