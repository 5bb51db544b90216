"""Listing cameras and microphones without opening a stream."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

PROBE_CAMERA_INDICES = range(4)  # where no device list exists (macOS, Windows), try these
V4L_SYSFS = Path("/sys/class/video4linux")


@dataclass(frozen=True)
class Device:
    index: int
    name: str
    detail: str = ""


def list_cameras() -> list[Device]:
    """Cameras by OpenCV index. On Linux from sysfs (no device is opened)."""
    if sys.platform.startswith("linux"):
        devices = []
        for node in sorted(V4L_SYSFS.glob("video*")):
            suffix = node.name.removeprefix("video")
            if not suffix.isdigit():
                continue
            name_file = node / "name"
            name = name_file.read_text().strip() if name_file.is_file() else node.name
            devices.append(Device(int(suffix), name, f"/dev/{node.name}"))
        return devices
    import cv2

    from presence_coach.sources import video  # noqa: F401 - silences OpenCV's log first

    found = []
    for index in PROBE_CAMERA_INDICES:
        cap = cv2.VideoCapture(index)
        if cap.isOpened():
            found.append(Device(index, f"camera {index}"))
        cap.release()
    return found


def list_microphones() -> tuple[list[Device], str | None]:
    """Audio input devices by sounddevice index, and a problem note if audio is unavailable."""
    try:
        import sounddevice as sd
    except OSError as exc:  # PortAudio library missing
        return [], f"audio system unavailable ({exc}); install PortAudio (libportaudio2)"
    try:
        devices = sd.query_devices()
    except sd.PortAudioError as exc:
        return [], f"audio system unavailable ({exc})"
    mics = [
        Device(i, d["name"], f"{d['max_input_channels']} ch, {d['default_samplerate']:.0f} Hz")
        for i, d in enumerate(devices)
        if d["max_input_channels"] > 0
    ]
    return mics, None
