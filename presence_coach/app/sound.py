"""Soft sound cues for the calibration wizard: a tick each second of the countdown, a rising
note when a step starts recording and a falling one when it is done, so the steps can be
followed while looking into the lens, not at the screen."""

from __future__ import annotations

import numpy as np

RATE_HZ = 48000
CUE_S = 0.16  # short: a step's measurement starts after it (RoutineOptions.settle_s is 0.6 s)
LEVEL = 0.18  # soft, well under full scale
NOTES_HZ = {"tick": (660.0,), "go": (660.0, 990.0), "done": (990.0, 660.0)}


def cue_samples(kind: str, rate_hz: int = RATE_HZ) -> np.ndarray:
    """The cue as float32 samples, shape (n,): its notes one after the other, each faded in
    and out (no click)."""
    notes = NOTES_HZ[kind]
    n = round(CUE_S * rate_hz / len(notes))
    t = np.arange(n) / rate_hz
    fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.015)
    parts = [np.sin(2 * np.pi * f * t) * fade for f in notes]
    return (LEVEL * np.concatenate(parts)).astype(np.float32)


class Chimes:
    """Plays cues on the default output device without waiting; silent where there is none."""

    def __init__(self) -> None:
        self.played: list[str] = []  # cues played so far (what the user heard)
        self.problem: str | None = None  # why cues cannot be played, if so

    def play(self, kind: str) -> None:
        if self.problem is not None:
            return
        try:
            import sounddevice as sd

            sd.play(cue_samples(kind), RATE_HZ)
        except Exception as exc:  # no output device, no PortAudio: the wizard goes on silent
            self.problem = f"sound cues cannot be played ({exc})"
            return
        self.played.append(kind)
