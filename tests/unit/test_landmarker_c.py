"""The fast path's version bound: it reads a private ctypes wrapper, so only known versions."""

from __future__ import annotations

import mediapipe

from presence_coach.vision.landmarker_c import supported_version


def test_the_fast_path_is_bounded_to_known_versions() -> None:
    assert supported_version("0.10.30") and supported_version("0.10.33")
    assert supported_version("1.2.3") and supported_version("1.9")
    assert not supported_version("0.10.29") and not supported_version("0.10.21")
    assert not supported_version("2.0.0") and not supported_version("3.1")
    assert not supported_version("") and not supported_version("dev")
    assert supported_version(mediapipe.__version__)  # the pinned one (pyproject) is covered
