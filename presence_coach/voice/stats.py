"""Session statistics of the voice, from events and timeline rows, in constant memory.

F0 and loudness distributions are kept as fine histograms (0.1 semitone, 0.1 dB), so a
2-hour session costs a few kilobytes and percentiles are exact to the bin width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from presence_coach.events import Event
from presence_coach.voice.prosody import MONOTONE_RANGE_ST, MONOTONE_SD_ST
from presence_coach.voice.rate import rate_stats

_F0_REF_HZ = 40.0  # F0 histogram origin (Hz)
_F0_BINS = 600  # 0.1 semitone bins: 40 Hz .. ~1 kHz
_DB_MIN = -120.0  # loudness histogram origin (dBFS)
_DB_BINS = 1200  # 0.1 dB bins: -120 .. 0 dBFS
SHORT_PAUSE_MAX_S = 1.0  # pauses shorter than this are "short"
LONG_PAUSE_MIN_S = 3.0  # pauses this long or longer are "long" (therapeutic silence)


def pause_class(duration_s: float) -> Literal["short", "medium", "long"]:
    """Class of a pause by its length: short < 1 s <= medium < 3 s <= long."""
    if duration_s < SHORT_PAUSE_MAX_S:
        return "short"
    return "medium" if duration_s < LONG_PAUSE_MIN_S else "long"


def _get(x: object, key: str) -> object:
    return x[key] if isinstance(x, dict) else getattr(x, key)


def _hist_percentile(hist: np.ndarray, q: float) -> float:
    """Bin-centre value (in bins) of the q-th percentile of a histogram."""
    c = np.cumsum(hist)
    k = int(np.searchsorted(c, q / 100.0 * c[-1], side="left"))
    return k + 0.5


def _hist_sd(hist: np.ndarray) -> float:
    n = hist.sum()
    centres = np.arange(len(hist)) + 0.5
    mean = float((hist * centres).sum() / n)
    return float(math.sqrt(max(0.0, (hist * (centres - mean) ** 2).sum() / n)))


@dataclass
class VoiceStats:
    """Accumulates events and timeline rows; ``summary()`` gives the voice summary dict."""

    duration_s: float = 0.0
    utterances: int = 0
    speaking_s: float = 0.0
    longest_speech_s: float = 0.0
    syllables: int = 0
    pauses: dict = field(default_factory=lambda: {"short": 0, "medium": 0, "long": 0})
    pause_total_s: float = 0.0
    longest_pause_s: float = 0.0
    f0_hist: np.ndarray = field(default_factory=lambda: np.zeros(_F0_BINS, np.int64))
    db_hist: np.ndarray = field(default_factory=lambda: np.zeros(_DB_BINS, np.int64))
    speaking_rows_s: float = 0.0
    rows_s: float = 0.0  # time covered by the timeline rows (speaking or not)
    unmeasured_s: float = 0.0  # speech of utterances with no syllable count (cut off)

    def add_event(self, e: Event | dict) -> None:
        """One utterance or pause: an :class:`Event`, or its flat JSON (``type`` or ``kind``)."""
        if isinstance(e, Event):
            kind, start, end, syllables = e.type, e.start, e.end, e.attrs.get("syllables")
        else:
            kind = e.get("kind", e.get("type"))  # a stored row's, or Event.to_json()'s
            start, end, syllables = e["start"], e["end"], e.get("syllables")
        d = float(end) - float(start)
        if kind == "utterance":
            self.utterances += 1
            self.speaking_s += d
            self.longest_speech_s = max(self.longest_speech_s, d)
            if syllables is None:  # an utterance a crash cut off: its rate is unknown
                self.unmeasured_s += d
            self.syllables += int(syllables or 0)  # type: ignore[call-overload]
        elif kind == "pause":
            self.pauses[pause_class(d)] += 1
            self.pause_total_s += d
            self.longest_pause_s = max(self.longest_pause_s, d)

    def add_row(self, r: object, row_s: float) -> None:
        self.rows_s += row_s
        if not int(_get(r, "speaking")):  # type: ignore[call-overload]
            return
        self.speaking_rows_s += row_s
        db = _get(r, "rms_dbfs")
        if db is not None and math.isfinite(db):  # type: ignore[arg-type]
            k = int((float(db) - _DB_MIN) * 10)  # type: ignore[arg-type]
            self.db_hist[min(max(k, 0), _DB_BINS - 1)] += 1
        f0 = _get(r, "f0_hz")
        if f0 is not None and math.isfinite(f0) and f0 > 0:  # type: ignore[operator, arg-type]
            k = int(120.0 * math.log2(float(f0) / _F0_REF_HZ))  # type: ignore[arg-type]
            if 0 <= k < _F0_BINS:
                self.f0_hist[k] += 1

    def summary(self) -> dict:
        """The voice summary. ``speaking_fraction`` is the share of the timeline rows marked
        speaking (every row counts, also the speech of an utterance still open when a session
        was cut off; time without rows, e.g. rows that could not be saved, does not); without
        rows, the utterances' share of the duration."""
        dur = self.duration_s
        n_p = sum(self.pauses.values())
        if self.rows_s > 0:
            share: float | None = self.speaking_rows_s / self.rows_s
        else:
            share = self.speaking_s / dur if dur > 0 else None
        out: dict = {
            "duration_s": round(dur, 2),
            "speaking_s": round(self.speaking_s, 2),
            "speaking_fraction": None if share is None else round(share, 3),
            "utterances": self.utterances,
            "longest_speech_s": round(self.longest_speech_s, 2),
            "pauses": {
                "count": n_p,
                **self.pauses,
                "total_s": round(self.pause_total_s, 2),
                "mean_s": round(self.pause_total_s / n_p, 2) if n_p else None,
                "longest_s": round(self.longest_pause_s, 2),
                "classes": "short < 1 s <= medium < 3 s <= long",
            },
            "rate": rate_stats(self.syllables, self.speaking_s - self.unmeasured_s, dur),
        }
        fh = self.f0_hist
        if fh.sum() > 0:
            med_st = _hist_percentile(fh, 50) / 10.0
            p5, p95 = _hist_percentile(fh, 5) / 10.0, _hist_percentile(fh, 95) / 10.0
            sd = _hist_sd(fh) / 10.0
            voiced_rows = int(fh.sum())
            out["pitch"] = {
                "f0_median_hz": round(_F0_REF_HZ * 2 ** (med_st / 12.0), 1),
                "f0_p5_hz": round(_F0_REF_HZ * 2 ** (p5 / 12.0), 1),
                "f0_p95_hz": round(_F0_REF_HZ * 2 ** (p95 / 12.0), 1),
                "f0_range_st": round(p95 - p5, 2),
                "f0_sd_st": round(sd, 2),
                "monotone": None
                if voiced_rows < 10
                else bool((p95 - p5) < MONOTONE_RANGE_ST or sd < MONOTONE_SD_ST),
                "definitions": "range = 5th-95th percentile; sd of F0 in semitones",
            }
        else:
            out["pitch"] = {
                "f0_median_hz": None, "f0_p5_hz": None, "f0_p95_hz": None,
                "f0_range_st": None, "f0_sd_st": None, "monotone": None,
            }  # fmt: skip
        dh = self.db_hist
        if dh.sum() > 0:
            p5, p95 = _hist_percentile(dh, 5) / 10.0, _hist_percentile(dh, 95) / 10.0
            out["loudness"] = {
                "median_dbfs": round(_DB_MIN + _hist_percentile(dh, 50) / 10.0, 1),
                "sd_db": round(_hist_sd(dh) / 10.0, 2),
                "range_db": round(p95 - p5, 1),
            }
        else:
            out["loudness"] = {"median_dbfs": None, "sd_db": None, "range_db": None}
        return out
