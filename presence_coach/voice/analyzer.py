"""The voice analyzer: AudioBlocks in, utterance/pause events and a 10 Hz voice timeline out.

One streaming path for live and recorded audio::

    analyzer = VoiceAnalyzer()
    for block in source:                       # AudioBlock(t, samples), mono 16 kHz
        for event in analyzer.update(block):   # Event: utterance / pause
            ...
        rows = analyzer.pop_timeline()         # TimelineRow(t, speaking, rms_dbfs, f0_hz)
    events = analyzer.finish()
    summary = analyzer.summary()               # == voice_summary(all events, all rows, ...)

Definitions:

- utterance: speech from the detector with silences shorter than ``min_pause_s`` bridged;
  reported once the silence after it reaches ``min_pause_s`` (that is when a pause is known).
- pause: the silence between two utterances (>= ``min_pause_s``), reported when speech
  resumes, classed short (< 1 s), medium (1-3 s) or long (>= 3 s). Silence before the first
  and after the last utterance is not a pause.
- timeline row: 100 ms starting at ``t``: ``speaking`` is 1 when utterances cover at least half
  of it, ``rms_dbfs`` the mean power level, ``f0_hz`` the median F0 of its voiced frames (NaN
  when none). Rows are released ``TIMELINE_LAG_S`` behind the audio, once final.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from presence_coach.events import Event
from presence_coach.sources.audio_file import AudioFileSource
from presence_coach.sources.base import AudioBlock
from presence_coach.voice.frames import SR, Framer
from presence_coach.voice.leak import LeakLog
from presence_coach.voice.prosody import (
    DEFAULT_PITCH,
    PitchOptions,
    rms_dbfs,
    voiced_f0,
    yin_f0,
)
from presence_coach.voice.rate import DEFAULT_RATE, RateOptions, SyllableDetector
from presence_coach.voice.stats import VoiceStats, pause_class
from presence_coach.voice.vad import DEFAULT_VAD, SpeechDetector, VadOptions


@dataclass(frozen=True)
class VoiceOptions:
    """Settings of the whole voice path."""

    vad: VadOptions = DEFAULT_VAD  # speech detector
    pitch: PitchOptions = DEFAULT_PITCH  # F0 tracker
    rate: RateOptions = DEFAULT_RATE  # syllable nuclei
    min_pause_s: float = 0.20  # shorter silences belong to the utterance (Campione & Véronis 2002)
    timeline_hz: float = 10.0  # rows per second of the voice timeline
    max_backdate_s: float = 0.2  # a speech onset is dated at most this far before detection
    batch_s: float = 0.04  # audio gathered per analysis step: fewer numpy calls, <= this delay


DEFAULT_VOICE = VoiceOptions()

TIMELINE_LAG_S = 0.6  # rows are final this long after their end (min_pause + onset back-dating)


def voice_event(
    kind: Literal["utterance", "pause"],
    start: float,
    end: float,
    t_known: float,
    *,
    pause_class: str | None = None,
    syllables: int | None = None,
    articulation_rate_syl_per_s: float | None = None,
    f0_median_hz: float | None = None,
    rms_median_dbfs: float | None = None,
) -> Event:
    """An utterance or a pause as the one :class:`~presence_coach.events.Event` (times in
    session seconds; ``t_known``: when the analyzer knew it, end + detection delay).

    Attributes (every key on both kinds, None where it does not apply): ``pause_class``
    short / medium / long (pauses); ``syllables`` (nuclei in an utterance);
    ``articulation_rate_syl_per_s`` (syllables / duration); ``f0_median_hz`` (median F0 of
    the voiced frames); ``rms_median_dbfs`` (median frame level); ``duration_s``.
    """
    attrs = {
        "pause_class": pause_class,
        "syllables": syllables,
        "articulation_rate_syl_per_s": articulation_rate_syl_per_s,
        "f0_median_hz": f0_median_hz,
        "rms_median_dbfs": rms_median_dbfs,
        "duration_s": round(end - start, 3),
    }
    return Event(kind, start, end, attrs, t_known=t_known)


@dataclass(frozen=True)
class TimelineRow:
    """100 ms of voice (at the default 10 Hz) starting at ``t`` (session seconds)."""

    t: float
    speaking: int  # 1 when speech covers at least half of the row
    rms_dbfs: float  # mean power level of the row's frames, dBFS
    f0_hz: float  # median F0 of voiced frames in Hz, NaN when none are voiced

    def as_dict(self) -> dict:
        return {
            "t": round(self.t, 3),
            "speaking": self.speaking,
            "rms_dbfs": round(self.rms_dbfs, 1),
            "f0_hz": None if math.isnan(self.f0_hz) else round(self.f0_hz, 1),
        }


@dataclass
class _Row:
    power_sum: float = 0.0
    n: int = 0
    f0: list[float] = field(default_factory=list)


class VoiceAnalyzer:
    """Streaming voice analysis; the detectors never read a clock, only block times."""

    def __init__(
        self, options: VoiceOptions = DEFAULT_VOICE, *, leak: LeakLog | None = None
    ) -> None:
        self.options = options
        # with call audio: the leak each frame must exceed to be yours (voice/conversation.py
        # fills it), so every voice number counts only your speech
        self.leak = leak
        self.framer = Framer()
        self.vad = SpeechDetector(options.vad)
        self.syllables = SyllableDetector(options.rate)
        self.stats = VoiceStats()
        self.reset()

    def reset(self) -> None:
        """Forget everything (a new session)."""
        self.framer.reset()
        self.vad.reset()
        self.syllables.reset()
        self.stats = VoiceStats()
        self._utt_start: float | None = None  # open utterance
        self._pending_end: float | None = None  # utterance end awaiting min_pause_s silence
        self._last_utt_end: float | None = None  # end of the last confirmed utterance
        self._recent_utts: deque[tuple[float, float]] = deque()  # for timeline rows
        self._nuclei: deque[float] = deque()
        self._frames_f0: deque[tuple[float, float, float]] = deque()  # (t, level, f0) recent
        self._rows: dict[int, _Row] = {}
        self._ready_rows: list[TimelineRow] = []
        self._t_first: float | None = None
        self._t_now = 0.0
        self._pending: list[np.ndarray] = []  # samples gathered for the next analysis batch
        self._pending_t = 0.0  # session time of the first pending sample
        self._pending_n = 0

    # -- streaming ---------------------------------------------------------------------
    def update(self, block: AudioBlock | np.ndarray, t: float | None = None) -> list[Event]:
        """Feed one block (an AudioBlock, or samples with their start time ``t``)."""
        if isinstance(block, AudioBlock):
            samples, t0 = block.samples, block.t
        else:
            if t is None:
                raise TypeError("update(samples, t): the block's start time t is required")
            samples, t0 = np.asarray(block, np.float32), float(t)
        if self._t_first is None:
            self._t_first = t0
        self._t_now = max(self._t_now, t0 + len(samples) / SR)
        out: list[Event] = []
        if self._pending and abs(self._pending_t + self._pending_n / SR - t0) > 1e-3:
            out += self._analyze(*self._take_pending())  # not contiguous: analyze apart
        if not self._pending:
            self._pending_t = t0
        self._pending.append(samples)
        self._pending_n += len(samples)
        if self._pending_n >= self.options.batch_s * SR:
            out += self._analyze(*self._take_pending())
        return out

    def _take_pending(self) -> tuple[np.ndarray, float]:
        x = np.concatenate(self._pending) if len(self._pending) > 1 else self._pending[0]
        self._pending = []
        self._pending_n = 0
        return x, self._pending_t

    def _analyze(self, samples: np.ndarray, t0: float) -> list[Event]:
        frames, times = self.framer.push(samples, t0)
        if len(times) == 0:
            return []
        level = rms_dbfs(frames)
        leak = None if self.leak is None else self.leak.take(times, self.options.vad.n_bands)
        vad_events = self.vad.update(frames, times, level_db=level, leak_db=leak)
        noise = self.vad.last_noise_db
        # pitch only where a frame could be voiced: loud enough above the noise floor
        f0_raw = np.full(len(times), np.nan)
        aperiodicity = np.ones(len(times))
        loud = level >= noise + min(
            self.options.pitch.min_level_db, self.options.rate.min_peak_snr_db
        )
        if loud.any():
            f0_raw[loud], aperiodicity[loud] = yin_f0(frames[loud], options=self.options.pitch)
        f0 = voiced_f0(f0_raw, aperiodicity, level, noise, options=self.options.pitch)
        periodic = aperiodicity <= self.options.rate.voicing_max
        self._nuclei.extend(self.syllables.update(level, periodic, noise, times))
        self._add_rows(times, level, f0)
        for ti, lv, fi in zip(times, level, f0, strict=True):
            self._frames_f0.append((float(ti), float(lv), float(fi)))
        out: list[Event] = []
        # walk frame by frame so confirmations happen at the right frame time
        ev = deque(vad_events)
        for ti in times:
            while ev and ev[0].t_known <= ti:
                out += self._on_vad(ev.popleft())
            out += self._check_pause(float(ti))
        while ev:
            out += self._on_vad(ev.popleft())
        self._release_rows(float(times[-1]) - TIMELINE_LAG_S)
        self._prune(float(times[-1]))
        return out

    def _on_vad(self, e: Event) -> list[Event]:
        out: list[Event] = []
        if e.type == "start":
            start = max(e.start, e.t_known - self.options.max_backdate_s)
            pending = self._pending_end
            if pending is not None and start - pending < self.options.min_pause_s:
                self._pending_end = None  # a short gap: the same utterance goes on
                return out
            if pending is not None:  # the silence reached min_pause_s on this very frame
                out += self._confirm(pending, e.t_known)
                self._pending_end = None
            if self._last_utt_end is not None:
                start = max(start, self._last_utt_end)
                out.append(self._pause(self._last_utt_end, start, e.t_known))
            self._utt_start = start
        elif self._utt_start is not None:
            self._pending_end = e.start
        return out

    def _check_pause(self, ti: float) -> list[Event]:
        if self._pending_end is not None and ti - self._pending_end >= self.options.min_pause_s:
            end = self._pending_end
            self._pending_end = None
            return self._confirm(end, ti)
        return []

    def _confirm(self, end: float, t_known: float) -> list[Event]:
        start = self._utt_start if self._utt_start is not None else end
        self._utt_start = None
        self._last_utt_end = end
        self._recent_utts.append((start, end))
        n = sum(1 for x in self._nuclei if start <= x < end)
        f0s = [f for (t, _, f) in self._frames_f0 if start <= t < end and not math.isnan(f)]
        levels = [lv for (t, lv, _) in self._frames_f0 if start <= t < end]
        dur = end - start
        ev = voice_event(
            "utterance",
            start,
            end,
            t_known,
            syllables=n,
            articulation_rate_syl_per_s=round(n / dur, 2) if dur > 0 else None,
            f0_median_hz=round(float(np.median(f0s)), 1) if f0s else None,
            rms_median_dbfs=round(float(np.median(levels)), 1) if levels else None,
        )
        self.stats.add_event(ev)
        return [ev]

    def _pause(self, start: float, end: float, t_known: float) -> Event:
        ev = voice_event("pause", start, end, t_known, pause_class=pause_class(end - start))
        self.stats.add_event(ev)
        return ev

    # -- timeline ------------------------------------------------------------------------
    def _add_rows(self, times: np.ndarray, level: np.ndarray, f0: np.ndarray) -> None:
        hz = self.options.timeline_hz
        idx = np.floor(times * hz + 1e-9).astype(np.int64)
        power = 10.0 ** (level / 10.0)
        for k, p, f in zip(idx.tolist(), power.tolist(), f0.tolist(), strict=True):
            row = self._rows.get(k)
            if row is None:
                row = self._rows[k] = _Row()
            row.power_sum += p
            row.n += 1
            if not math.isnan(f):
                row.f0.append(f)

    def _speech_cover(self, a: float, b: float) -> float:
        cover = 0.0
        spans = list(self._recent_utts)
        if self._utt_start is not None:
            open_end = self._pending_end if self._pending_end is not None else math.inf
            spans.append((self._utt_start, open_end))
        for s, e in spans:
            cover += max(0.0, min(b, e) - max(a, s))
        return cover

    def _release_rows(self, horizon: float) -> None:
        hz = self.options.timeline_hz
        for k in sorted(self._rows):
            a, b = k / hz, (k + 1) / hz
            if b > horizon:
                break
            row = self._rows.pop(k)
            speaking = int(self._speech_cover(a, b) >= 0.5 * (b - a))
            level = 10.0 * math.log10(row.power_sum / row.n) if row.power_sum > 0 else -120.0
            f0 = float(np.median(row.f0)) if row.f0 else math.nan
            r = TimelineRow(a, speaking, level, f0)
            self.stats.add_row(r, 1.0 / hz)
            self._ready_rows.append(r)

    def pop_timeline(self) -> list[TimelineRow]:
        """Timeline rows that became final since the last call."""
        rows, self._ready_rows = self._ready_rows, []
        return rows

    def _prune(self, now: float) -> None:
        keep = now - 30.0  # an utterance older than this is long confirmed
        start = self._utt_start if self._utt_start is not None else now
        old = min(keep, start - 1.0)
        while self._recent_utts and self._recent_utts[0][1] < now - 5.0:
            self._recent_utts.popleft()
        while self._nuclei and self._nuclei[0] < old:
            self._nuclei.popleft()
        while self._frames_f0 and self._frames_f0[0][0] < old:
            self._frames_f0.popleft()

    def finish(self, t_end: float | None = None) -> list[Event]:
        """End of stream: close the open utterance and release all timeline rows."""
        t_end = self._t_now if t_end is None else t_end
        out: list[Event] = []
        if self._pending:
            out += self._analyze(*self._take_pending())
        for e in self.vad.flush(t_end):
            out += self._on_vad(e)
        if self._pending_end is not None:
            end, self._pending_end = self._pending_end, None
            out += self._confirm(end, t_end)
        self._release_rows(math.inf)
        self.stats.duration_s = max(0.0, t_end - (self._t_first or 0.0))
        return out

    def summary(self) -> dict:
        """The ``voice`` section of the session summary (see :func:`voice_summary`)."""
        if self.stats.duration_s == 0.0 and self._t_first is not None:
            self.stats.duration_s = self._t_now - self._t_first
        return self.stats.summary()


@dataclass
class VoiceResult:
    """Everything the voice path found in one recording."""

    events: list[Event]
    timeline: list[TimelineRow]
    summary: dict
    duration_s: float


def analyze_blocks(
    blocks: Iterable[AudioBlock], *, options: VoiceOptions = DEFAULT_VOICE
) -> VoiceResult:
    """Run the streaming analyzer over blocks (from any source) to the end."""
    an = VoiceAnalyzer(options)
    events: list[Event] = []
    rows: list[TimelineRow] = []
    for b in blocks:
        events += an.update(b)
        rows += an.pop_timeline()
    events += an.finish()
    rows += an.pop_timeline()
    return VoiceResult(events, rows, an.summary(), an.stats.duration_s)


def analyze_audio(
    source: str | Path | np.ndarray,
    *,
    options: VoiceOptions = DEFAULT_VOICE,
    block_s: float = 0.1,
    t0: float = 0.0,
) -> VoiceResult:
    """Analyze a file (wav/flac/mp4 audio track...) or a 16 kHz mono array, whole.

    Raises:
        SourceError: the file cannot be read (see :class:`AudioFileSource`).
    """
    if isinstance(source, np.ndarray):
        x = np.asarray(source, np.float32).reshape(-1)
        n = max(1, round(block_s * SR))
        blocks = (AudioBlock(t0 + i / SR, x[i : i + n]) for i in range(0, len(x), n))
        return analyze_blocks(blocks, options=options)
    with AudioFileSource(source, block_s=block_s) as src:
        return analyze_blocks(src, options=options)


def voice_summary(
    events: Iterable[Event | dict],
    timeline: Iterable[TimelineRow | dict],
    *,
    duration_s: float,
    timeline_hz: float = DEFAULT_VOICE.timeline_hz,
) -> dict:
    """Session voice summary from stored events and timeline rows (pure; see VoiceStats)."""
    stats = VoiceStats()
    for e in events:
        stats.add_event(e)
    for r in timeline:
        stats.add_row(r, 1.0 / timeline_hz)
    stats.duration_s = duration_s
    return stats.summary()
