"""What the app remembers between runs: the chosen devices by name (camera, microphone, call
audio), camera sharing, eco mode, cues, the data folder. A small JSON file (0600) in the user
config folder, beside the calibration profiles."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from presence_coach.config import config_dir
from presence_coach.files import write_json_private

SETTINGS_FILE = "app-settings.json"


@dataclass(frozen=True)
class AppSettings:
    """The app's remembered choices (all optional; the defaults suit a first start)."""

    camera: str = ""  # the chosen camera's name, or a stream URL ("": the first camera found)
    camera_id: str = ""  # its stable id where the OS gives one ("": none; the name is used)
    mic: str = ""  # the chosen microphone's name ("": the system's default input)
    use_mic: bool = True  # False: video only (the microphone list says "No microphone")
    call_audio: str = "auto"  # the call's sound: "auto", a source's name, or "off"
    share_camera: str = ""  # republish the camera here (/dev/videoN or a URL; "": not shared)
    eco: bool = False  # lighter on the computer: analyse 15 frames a second
    cues: bool = False  # a rare one-word cue during a session (e.g. after long speaking)
    indicator: bool = False  # a small always-on-top dot while recording
    data_dir: str = ""  # where sessions are kept ("": $PRESENCE_COACH_DATA, else the default)
    tray_note_shown: bool = False  # "still recording in the tray" was said once already

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            kind = bool if f.type == "bool" else str
            if not isinstance(value, kind):
                raise ValueError(f"setting {f.name}={value!r} must be a {kind.__name__}")


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> tuple[AppSettings, str | None]:
    """The remembered settings, and a sentence when the file could not be used (the
    defaults are then returned; the file is replaced at the next change)."""
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AppSettings(), None
    except (OSError, ValueError) as exc:
        return (
            AppSettings(),
            f"Your saved settings could not be read ({_why(exc)}); using defaults.",
        )
    known = {f.name for f in fields(AppSettings)}
    try:
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return AppSettings(**{k: v for k, v in data.items() if k in known}), None
    except (TypeError, ValueError) as exc:
        return AppSettings(), f"Your saved settings could not be used ({exc}); using defaults."


def save_settings(settings: AppSettings, path: Path | None = None) -> None:
    """Write the settings (0600; the folder 0700); raises OSError when it cannot."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_json_private(path, asdict(settings))


def changed(settings: AppSettings, **changes: Any) -> AppSettings:
    return replace(settings, **changes)


def _why(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
