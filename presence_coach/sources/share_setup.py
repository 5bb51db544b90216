"""``presence-coach camera-share --setup``: the one-time steps for the pass-through, per OS,
and a check of what is there (Linux: the v4l2loopback module and its devices).

On Linux the pass-through needs a v4l2loopback device: a virtual camera Presence Coach
writes to and the call app reads. Windows and macOS need no pass-through: Windows opens the
camera shared read-only (or Windows 11 lets several apps use it), macOS shares cameras.
"""

from __future__ import annotations

import platform as _platform
import sys
from dataclasses import dataclass
from pathlib import Path

MODULE = "v4l2loopback"
CARD_LABEL = "Presence Coach"  # the name the call app shows for the shared camera
MODPROBE = f'sudo modprobe {MODULE} exclusive_caps=1 card_label="{CARD_LABEL}"'
SYSFS_VIDEO = Path("/sys/class/video4linux")  # one folder per /dev/videoN
SYSFS_MODULE = Path("/sys/module") / MODULE  # there while the module is loaded


@dataclass(frozen=True)
class LoopbackState:
    """What this Linux machine has for the pass-through."""

    loaded: bool  # the v4l2loopback module is loaded
    installed: bool  # a v4l2loopback module file exists for the running kernel
    devices: tuple[tuple[str, str], ...]  # (/dev/videoN, its name) of each loopback device


def loopback_devices(sysfs: Path = SYSFS_VIDEO) -> tuple[tuple[str, str], ...]:
    """The virtual (loopback) video devices under ``sysfs``: ``(/dev/videoN, name)``.
    A loopback device has no hardware behind it: its sysfs entry is under ``virtual``."""
    found = []
    for entry in sorted(sysfs.glob("video*")) if sysfs.is_dir() else []:
        if "/virtual/" not in str(entry.resolve()):
            continue
        name_file = entry / "name"
        name = name_file.read_text().strip() if name_file.is_file() else ""
        found.append((f"/dev/{entry.name}", name))
    return tuple(found)


def module_installed(release: str | None = None) -> bool:
    """A v4l2loopback module file for the kernel ``release`` (default: the running one)."""
    folder = Path("/lib/modules") / (release or _platform.release())
    if not folder.is_dir():
        return False
    return any(folder.rglob(f"{MODULE}.ko*"))


def loopback_state() -> LoopbackState:
    """What is there on this machine now."""
    return LoopbackState(SYSFS_MODULE.is_dir(), module_installed(), loopback_devices())


def linux_steps() -> list[str]:
    """The one-time steps on Linux (Debian/Ubuntu names first)."""
    return [
        "1. Install v4l2loopback: sudo apt install v4l2loopback-dkms (Fedora: sudo dnf "
        "install akmod-v4l2loopback from RPM Fusion; Arch: sudo pacman -S v4l2loopback-dkms)",
        f"2. Create the shared camera: {MODPROBE}",
        f"3. Keep it after a restart: echo {MODULE} | sudo tee "
        "/etc/modules-load.d/presence-coach.conf and echo 'options v4l2loopback "
        f'exclusive_caps=1 card_label="{CARD_LABEL}"\' | sudo tee '
        "/etc/modprobe.d/presence-coach.conf",
        "4. Before the call: presence-coach session --share-camera /dev/videoN (the device "
        "below), then pick the camera 'Presence Coach' in Zoom, Teams or Meet",
    ]


def linux_check(state: LoopbackState) -> list[str]:
    """What is there, and the next thing to do."""
    if state.devices:
        lines = [f"Found the shared camera {dev} ('{name}')" for dev, name in state.devices]
        dev = state.devices[0][0]
        return [*lines, f"Ready: presence-coach session --share-camera {dev}"]
    if state.loaded:
        return [f"{MODULE} is loaded but has no device: unload it and run step 2 again"]
    if state.installed:
        return [f"{MODULE} is installed but not loaded: run step 2"]
    return [f"{MODULE} is not installed for this kernel ({_platform.release()}): run step 1"]


def setup_text(*, platform: str = sys.platform, setup: bool = True) -> str:
    """The text ``camera-share`` prints for ``platform`` (a ``sys.platform`` value): the
    steps (with ``setup``) and the check of this machine."""
    if platform == "win32":
        return (
            "Windows needs no pass-through: Presence Coach opens the camera shared read-only "
            "beside the call app (or turn on Settings > Bluetooth & devices > Cameras > your "
            "camera > Advanced camera options > 'Allow multiple apps to use the camera')."
        )
    if platform == "darwin":
        return (
            "macOS needs no pass-through: the call app and Presence Coach use the camera "
            "together, and Presence Coach keeps the format the call app chose."
        )
    lines = ["Share your camera with Zoom, Teams or Meet (Linux, one time):"] if setup else []
    lines += linux_steps() if setup else []
    lines += ["", "On this computer:"] if setup else []
    lines += linux_check(loopback_state())
    if not Path("/lib/modules").is_dir():  # containers have no kernel modules folder
        lines.append("(this looks like a container: kernel modules cannot be loaded here)")
    return "\n".join(lines)
