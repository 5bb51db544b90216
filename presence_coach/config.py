"""The user's config folder: calibration profiles and the desktop app's settings live there.

Light on purpose (standard library and platformdirs): the app reads its settings before it
loads anything heavy.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

CONFIG_ENV = "PRESENCE_COACH_CONFIG"


def config_dir() -> Path:
    """``$PRESENCE_COACH_CONFIG`` if set, else the per-user config dir."""
    env = os.environ.get(CONFIG_ENV)
    return Path(env).expanduser() if env else Path(platformdirs.user_config_dir("presence-coach"))
