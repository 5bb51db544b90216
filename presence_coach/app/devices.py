"""Cameras and microphones as the user chooses them: by name, remembered, found again.

A camera is remembered by its stable id (where the OS gives one) and its name, never by its
index, which changes when devices are plugged in another order; a stream URL is its own name.
The microphone is remembered by its name ("" is the system's default input); the call audio
(the call's sound, to tell your voice from the client's) by its source's name, or "auto" /
"off".
"""

from __future__ import annotations

from dataclasses import dataclass

from presence_coach.sources.devices import Device

DEFAULT_MIC_LABEL = "The system's microphone"
NO_MIC_LABEL = "No microphone (video only)"
AUTO_CALL_LABEL = "Automatic: the sound this computer plays"
OFF_CALL_LABEL = "Off: my microphone only"


@dataclass(frozen=True)
class CameraChoice:
    """A camera the user can pick."""

    name: str  # what the user sees (the device's name, or the stream URL)
    stable_id: str  # the OS's stable id, "" where there is none
    target: int | str  # what the session opens: an OpenCV index or a URL

    @property
    def key(self) -> str:
        """What its calibration profile is kept under (as the CLI's ``camera_identity``)."""
        return self.stable_id or self.name


def camera_choices(found: list[Device], remembered_url: str = "") -> list[CameraChoice]:
    """The cameras found, then a remembered stream URL (kept even while it is silent)."""
    out = [CameraChoice(d.name, d.stable_id, d.index) for d in found]
    if "://" in remembered_url:
        out.append(CameraChoice(remembered_url, "", remembered_url))
    return out


def pick_camera(choices: list[CameraChoice], name: str, stable_id: str) -> int | None:
    """The position of the remembered camera among ``choices``: by stable id, else by name;
    None when it is not there (then the first camera is offered)."""
    if stable_id:
        for i, c in enumerate(choices):
            if c.stable_id == stable_id:
                return i
    for i, c in enumerate(choices):
        if c.name == name:
            return i
    return None


def mic_key(name: str) -> str:
    """What a calibration profile of this microphone is kept under."""
    return name or "default"
