"""Smiles and blinks from the Face Landmarker's blendshape scores, with hysteresis.

A score must rise to ``on`` to start an episode and fall below ``off`` to end it, so a score
hovering around one threshold does not flicker. Smiles shorter than ``min_smile_s`` are
dropped (a twitch of the mouth corners while talking); blinks are kept however short, since
at 15 fps a blink may cover a single frame, and eye closures longer than ``max_blink_s`` are
reported as ``blink`` with ``long=True`` (eyes kept closed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from presence_coach.events import Event
from presence_coach.vision.face import FaceSample


@dataclass(frozen=True)
class ExpressionOptions:
    """Thresholds on the blendshape scores (0..1)."""

    # smile score (mean of mouthSmileLeft/Right) that starts / ends a smile
    smile_on: float = 0.5
    smile_off: float = 0.3
    # shortest smile reported (seconds)
    min_smile_s: float = 0.3
    # blink score (mean of eyeBlinkLeft/Right) that starts / ends a blink
    blink_on: float = 0.5
    blink_off: float = 0.35
    # closures longer than this are flagged long=True (seconds)
    max_blink_s: float = 0.5
    # a gap between samples (no face) longer than this ends an episode
    max_gap_s: float = 0.5

    def __post_init__(self) -> None:
        for on, off in (("smile_on", "smile_off"), ("blink_on", "blink_off")):
            hi, lo = getattr(self, on), getattr(self, off)
            if not 0.0 < lo < hi <= 1.0:
                raise ValueError(f"need 0 < {off} < {on} <= 1, got {lo} and {hi}")
        for name in ("min_smile_s", "max_blink_s", "max_gap_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name}={value} must be a non-negative number")


class HysteresisEpisodes:
    """Episodes of one score above ``on`` until below ``off``; ``update`` -> finished ones."""

    def __init__(self, *, on: float, off: float, max_gap_s: float) -> None:
        self.on, self.off, self.max_gap_s = on, off, max_gap_s
        self.reset()

    def reset(self) -> None:
        self.active = False
        self._start = 0.0
        self._peak = 0.0
        self._last_t: float | None = None

    def update(self, t: float, score: float) -> tuple[float, float, float] | None:
        """Feed one score (NaN = no face); returns ``(start, end, peak)`` when one ends."""
        done = None
        if self.active and self._last_t is not None and t - self._last_t > self.max_gap_s:
            done = self.finish(self._last_t)
        if not math.isfinite(score):
            done = done or (self.finish(self._last_t) if self._last_t is not None else None)
            self._last_t = None
            return done
        if not self.active and score >= self.on:
            self.active, self._start, self._peak = True, t, score
        elif self.active:
            self._peak = max(self._peak, score)
            if score < self.off:
                done = (self._start, t, self._peak)
                self.active = False
        self._last_t = t
        return done

    def finish(self, t: float) -> tuple[float, float, float] | None:
        if not self.active:
            return None
        self.active = False
        return (self._start, max(t, self._start), self._peak)


class ExpressionDetector:
    """Smile and blink events: ``update(sample) -> list[Event]``, ``reset()``, ``finish(t)``."""

    def __init__(self, options: ExpressionOptions | None = None) -> None:
        self.options = opts = options or ExpressionOptions()
        self.smile = HysteresisEpisodes(
            on=opts.smile_on, off=opts.smile_off, max_gap_s=opts.max_gap_s
        )
        self.blink = HysteresisEpisodes(
            on=opts.blink_on, off=opts.blink_off, max_gap_s=opts.max_gap_s
        )

    def reset(self) -> None:
        self.smile.reset()
        self.blink.reset()

    def update(self, sample: FaceSample) -> list[Event]:
        nan = float("nan")
        smile = sample.smile if sample.face else nan
        blink = sample.blink if sample.face else nan
        return self._events(self.smile.update(sample.t, smile), self.blink.update(sample.t, blink))

    def finish(self, t: float) -> list[Event]:
        return self._events(self.smile.finish(t), self.blink.finish(t))

    def _events(
        self, smile: tuple[float, float, float] | None, blink: tuple[float, float, float] | None
    ) -> list[Event]:
        events = []
        if smile is not None and smile[1] - smile[0] >= self.options.min_smile_s:
            events.append(Event("smile", smile[0], smile[1], {"peak": round(smile[2], 3)}))
        if blink is not None:
            long = blink[1] - blink[0] > self.options.max_blink_s
            events.append(
                Event("blink", blink[0], blink[1], {"peak": round(blink[2], 3), "long": long})
            )
        return events
