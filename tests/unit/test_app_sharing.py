"""Camera sharing's choices and words in the app, per system and per state of the machine
(v4l2loopback loaded with a device, loaded without one, installed, missing)."""

from __future__ import annotations

from presence_coach.app.sharing import (
    OFF_LABEL,
    PICK_IT,
    share_choices,
    share_steps,
    share_words,
)
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
    assert share_words(DEVICE, "linux") == PICK_IT and share_steps(DEVICE, "linux") == ""
    for state, next_step in ((LOADED, "unload it and run step 2 again"),
                             (INSTALLED, "is installed but not loaded: run step 2"),
                             (MISSING, "is not installed for this kernel")):  # fmt: skip
        words = share_words(state, "linux")
        assert words.startswith("Your camera cannot be shared yet") and next_step in words
        steps = share_steps(state, "linux").split("\n\n")
        assert [ln[:2] for ln in steps[1:]] == ["1.", "2.", "3.", "4."]
        assert "presence-coach session" not in words + steps[-1]
    for platform, start in (("win32", "Windows"), ("darwin", "macOS")):
        assert share_words(MISSING, platform).startswith(f"{start} needs no pass-through")
        assert share_steps(MISSING, platform) == ""
