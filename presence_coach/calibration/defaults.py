"""The default calibration profile, ``laptop-default.toml`` beside this module, read once.

The one source of the uncalibrated set-up (a laptop webcam above the screen): the gaze
detector's :data:`~presence_coach.vision.gaze_state.DEFAULT_CALIBRATION` and
:func:`~presence_coach.calibration.profile.default_profile` are both built from it, so
``analyze`` and an uncalibrated ``session`` use the same numbers. A leaf: imports nothing of
the package.
"""

from __future__ import annotations

import copy
import functools
import tomllib
from pathlib import Path
from typing import Any

# calibration/laptop-default.toml, linked into the package so that a wheel carries it
DEFAULT_PROFILE_PATH = Path(__file__).with_name("laptop-default.toml")


def default_profile_data() -> dict[str, Any]:
    """The default profile's mapping (a fresh copy: callers may change it).

    Raises:
        OSError, tomllib.TOMLDecodeError: the file is missing or broken (a broken install).
    """
    return copy.deepcopy(_read())


def default_gaze() -> dict[str, float]:
    """The ``[gaze]`` section: where the camera and the call window are, uncalibrated."""
    return dict(_read()["gaze"])


@functools.cache
def _read() -> dict[str, Any]:
    with DEFAULT_PROFILE_PATH.open("rb") as fh:
        return tomllib.load(fh)
