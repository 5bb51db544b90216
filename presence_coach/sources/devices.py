"""Listing cameras and microphones without opening a stream, and finding an input device."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from presence_coach.errors import NoDeviceError, UsageError

PROBE_CAMERA_INDICES = range(4)  # where no device list exists (macOS, Windows), try these
V4L_SYSFS = Path("/sys/class/video4linux")
V4L_BY_ID = Path("/dev/v4l/by-id")  # udev's stable names: bus, vendor, model, serial


@dataclass(frozen=True)
class Device:
    index: int
    name: str
    detail: str = ""
    stable_id: str = ""  # stays the same when devices are plugged in another order ("": none)


def _stable_camera_ids(by_id: Path = V4L_BY_ID) -> dict[str, str]:
    """``{"video0": "usb-Vendor_Camera_SN123-video-index0", ...}`` from udev's by-id links."""
    out: dict[str, str] = {}
    if by_id.is_dir():
        for link in sorted(by_id.iterdir()):
            out.setdefault(link.resolve().name, link.name)
    return out


def list_cameras() -> list[Device]:
    """Cameras by OpenCV index. On Linux from sysfs (no device is opened)."""
    if sys.platform.startswith("linux"):
        devices = []
        stable = _stable_camera_ids()
        for node in sorted(V4L_SYSFS.glob("video*")):
            suffix = node.name.removeprefix("video")
            if not suffix.isdigit():
                continue
            name_file = node / "name"
            name = name_file.read_text().strip() if name_file.is_file() else node.name
            devices.append(
                Device(int(suffix), name, f"/dev/{node.name}", stable.get(node.name, ""))
            )
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


def camera_identity(camera: int | str) -> str:
    """What a calibration profile of this camera is kept under: its stable id or name (so
    the profile follows the camera, not its index); a stream URL or file is itself."""
    if isinstance(camera, str) and not camera.isdigit():
        return camera
    if not sys.platform.startswith("linux"):
        return str(camera)  # cameras there are only probed by index: the index is all we have
    for d in list_cameras():
        if d.index == int(camera):
            return d.stable_id or d.name
    return str(camera)


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


@dataclass(frozen=True)
class InputDevice:
    """An audio input device as PortAudio lists it."""

    index: int  # PortAudio device index
    name: str  # device name, e.g. "pulse" or "USB Audio: - (hw:1,0)"
    max_channels: int  # input channels the device offers
    default_rate_hz: float  # the device's preferred sample rate
    is_default: bool  # True for the system's default input


def load_sounddevice() -> Any:
    """The sounddevice module (PortAudio); NoDeviceError when PortAudio is not installed."""
    try:
        import sounddevice as sd
    except OSError as exc:  # PortAudio library missing
        raise NoDeviceError(
            f"cannot use the microphone: PortAudio is not available ({exc}); "
            "install libportaudio2 or pass --audio FILE"
        ) from None
    return sd


open_streams = 0  # our open MicrophoneSource streams; PortAudio is re-scanned only at 0


def _rescan(sd: Any) -> None:
    """Re-enumerate devices (PortAudio lists them once, at initialisation): a microphone
    plugged in, or an audio server started, after start-up is then found too."""
    if open_streams == 0:
        try:
            sd._terminate()
            sd._initialize()
        except Exception:  # keep the old list rather than fail here
            pass


def list_input_devices() -> list[InputDevice]:
    """All devices that can record, in PortAudio's order (freshly scanned)."""
    sd = load_sounddevice()
    _rescan(sd)
    try:
        devices = sd.query_devices()
        default_in = sd.default.device[0]
    except Exception as exc:
        raise NoDeviceError(f"cannot list audio devices: {exc}") from None
    if isinstance(default_in, str):
        default_in = -1
    out = []
    for i, d in enumerate(devices):
        if d["max_input_channels"] > 0:
            out.append(
                InputDevice(
                    i,
                    d["name"],
                    int(d["max_input_channels"]),
                    float(d["default_samplerate"]),
                    i == default_in,
                )
            )
    return out


def resolve_input_device(device: int | str | None) -> InputDevice:
    """Find an input device by index, by name (exact, then case-insensitive part) or default.

    Raises:
        NoDeviceError: there is no input device at all, or the named one is absent.
        UsageError: a name matches several devices.
    """
    inputs = list_input_devices()
    if not inputs:
        raise NoDeviceError(
            "no microphone found: no audio input device is present; "
            "connect one or analyze a file instead"
        )
    if device is None or device == "":
        for d in inputs:
            if d.is_default:
                return d
        return inputs[0]
    if isinstance(device, str) and device.strip().lstrip("-").isdigit():
        device = int(device)
    if isinstance(device, int):
        for d in inputs:
            if d.index == device:
                return d
        names = ", ".join(f"{d.index}: {d.name}" for d in inputs)
        raise NoDeviceError(f"no input device with index {device}; inputs are {names}")
    exact = [d for d in inputs if d.name == device]
    if exact:
        return exact[0]
    part = [d for d in inputs if device.lower() in d.name.lower()]
    if len(part) == 1:
        return part[0]
    names = ", ".join(f"{d.index}: {d.name}" for d in (part or inputs))
    if part:
        raise UsageError(f"input device name {device!r} matches several devices: {names}")
    raise NoDeviceError(f"no input device named {device!r}; inputs are {names}")
