"""What to tell the user when a camera or a stream gives no picture: each sentence lives here.

A camera that another program holds behaves differently per OS: on Linux a second program
usually gets "Device or resource busy" (or OpenCV waits forever); Windows opens cameras
exclusively unless the user allows several apps (a Windows 11 setting); macOS shares cameras,
so there a silent camera is usually a missing permission.
"""

from __future__ import annotations

import sys


def busy_camera(index: int, *, platform: str = sys.platform) -> str:
    """One sentence for a camera that exists but gives no picture, fitting ``platform``
    (a ``sys.platform`` value)."""
    if platform == "win32":
        return (
            f"camera {index} is busy or sends no picture: close the other app using it, or on "
            "Windows 11 turn on 'Allow multiple apps to use the camera' (Settings > Bluetooth "
            "& devices > Cameras > your camera > Advanced camera options)"
        )
    if platform == "darwin":
        return (
            f"camera {index} sends no picture: allow your terminal to use the camera in System "
            "Settings > Privacy & Security > Camera, and check that it is connected"
        )
    return (
        f"camera {index} is busy or sends no picture: close the other program using it (on "
        "Linux only one program can use a camera at a time) and start again, or share it with "
        "your call app: run `presence-coach camera-share --setup` once, then start Presence "
        "Coach before the call with --share-camera"
    )


def absent_camera(index: int) -> str:
    """The camera index has no device behind it."""
    return (
        f"no camera found at index {index}: connect a webcam, close other apps using it, or "
        "pick one with --camera (`presence-coach devices` lists them)"
    )


def silent_stream(url: str, waited_s: float) -> str:
    """A stream URL that delivered no picture within ``waited_s``."""
    return (
        f"cannot open video stream {url}: no picture arrived within {waited_s:g} s; check the "
        "address and that the stream is running"
    )
