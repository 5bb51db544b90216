"""Joining a camera without disturbing the call (macOS): never ask for a size or rate, and
say when the format changed after opening. There is no camera on these machines (and no
macOS): the decisions are tested on the values a camera reports."""

from __future__ import annotations

from presence_coach.sources.camera_open import CameraFormat, format_change, requested_size

HD = CameraFormat(1280, 720, 30.0)


def test_macos_never_asks_for_a_size() -> None:
    assert requested_size((640, 480), platform="darwin") is None
    assert requested_size((640, 480), platform="linux") == (640, 480)
    assert requested_size((640, 480), platform="win32") == (640, 480)
    assert requested_size(None, platform="linux") is None


def test_an_unchanged_format_says_nothing() -> None:
    assert format_change(HD, (720, 1280, 3), HD, platform="darwin") is None
    # a rate the driver reports a little differently is the same rate
    assert (
        format_change(HD, (720, 1280, 3), CameraFormat(1280, 720, 29.97), platform="darwin") is None
    )


def test_the_reported_downgrade_is_said_in_one_sentence() -> None:
    """Users saw 1280x720 turn into 640x480 at 22 fps when a second app opened the camera."""
    note = format_change(HD, (480, 640, 3), CameraFormat(640, 480, 22.0), platform="darwin")
    assert note is not None and "\n" not in note
    assert "from 1280x720 at 30 fps to 640x480 at 22 fps" in note
    assert "start Presence Coach before the call" in note
    slower = format_change(HD, (720, 1280, 3), CameraFormat(1280, 720, 22.0), platform="darwin")
    assert slower is not None and "at 22 fps" in slower


def test_only_macos_shares_the_format() -> None:
    assert format_change(HD, (480, 640, 3), CameraFormat(640, 480, 22.0), platform="linux") is None
    # a driver that reports no size at opening: nothing to compare
    unknown = CameraFormat(0, 0, 0.0)
    assert format_change(unknown, (480, 640, 3), unknown, platform="darwin") is None
