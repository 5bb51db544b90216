"""Camera sharing's choices and words in the app, per system and per state of the machine
(v4l2loopback loaded with a device, loaded without one, installed, missing)."""

from __future__ import annotations

from presence_coach.app.sharing import OFF_LABEL, PICK_IT, share_choices, share_words
from presence_coach.sources.share_setup import LoopbackState

DEVICE = LoopbackState(True, True, (("/dev/video4", "Presence Coach"), ("/dev/video5", "")))
LOADED = LoopbackState(True, True, ())
INSTALLED = LoopbackState(False, True, ())
MISSING = LoopbackState(False, False, ())


def test_choices_are_off_the_devices_found_and_a_remembered_target() -> None:
    assert share_choices(MISSING, "") == [(OFF_LABEL, "")]
    assert share_choices(DEVICE, "/dev/video4") == [
        (OFF_LABEL, ""),
        ("Presence Coach (/dev/video4)", "/dev/video4"),
        ("Presence Coach (/dev/video5)", "/dev/video5"),  # a loopback without a name
    ]
    assert share_choices(DEVICE, "/dev/video7")[-1] == (
        "/dev/video7 (not found now)",
        "/dev/video7",
    )
    assert share_choices(MISSING, "udp://127.0.0.1:5000")[-1] == (
        "udp://127.0.0.1:5000",
        "udp://127.0.0.1:5000",
    )


def test_words_say_what_to_do_in_each_state() -> None:
    assert share_words(DEVICE, "linux") == PICK_IT
    for state, next_step in ((LOADED, "unload it and run step 2 again"),
                             (INSTALLED, "is installed but not loaded: run step 2"),
                             (MISSING, "is not installed for this kernel")):  # fmt: skip
        words = share_words(state, "linux")
        first = words.splitlines()[0]
        assert first.startswith("Your camera cannot be shared yet") and next_step in first
        assert [ln[:2] for ln in words.splitlines()[2:]] == ["1.", "2.", "3.", "4."]
        assert "presence-coach session" not in words
    assert share_words(MISSING, "win32").startswith("Windows needs no pass-through")
    assert share_words(MISSING, "darwin").startswith("macOS needs no pass-through")
