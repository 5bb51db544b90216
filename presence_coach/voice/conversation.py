"""Who spoke when: your speech from the mic with the call's leak removed, the client's from
the call audio (streaming, pure).

``ConversationAnalyzer.update(mic, call, t)`` takes the same stretch of time from both
inputs (16 kHz mono, equal lengths, ``t`` = session time of the first sample; ``call=None``
when the call audio is missing: then the mic is judged alone). Both are cut into the voice
path's 10 ms frames. The client's speech is the VAD of voice/vad.py on the call audio. Your
speech is the same VAD on the mic, except that each band must also exceed the call audio's
predicted leak (voice/leak.py: delay by cross-correlation, gain per band, reverberant tail)
plus a margin: a mic frame is yours only where the call audio does not explain its energy.
Speech decisions feed :class:`~presence_coach.voice.turns.TurnTracker`, which emits the
conversation events. Cutting the input into blocks of any size gives the same events.

Why not WebRTC's echo canceller (livekit's AudioProcessingModule)? bench/conversation.py
measured both on the same calls: see bench/RESULTS-conversation.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from presence_coach.events import Event
from presence_coach.voice.frames import FRAME_LEN, FRAME_RATE_HZ, HOP, SR, Framer
from presence_coach.voice.leak import (
    DEFAULT_LEAK,
    LeakLog,
    LeakOptions,
    LeakTracker,
    predict_leak_db,
)
from presence_coach.voice.prosody import rms_dbfs
from presence_coach.voice.turns import DEFAULT_TURNS, TurnOptions, TurnTracker
from presence_coach.voice.vad import DEFAULT_VAD, SpeechDetector, VadOptions, band_levels_db

_PIECE = 1600  # samples handled at once (100 ms)


@dataclass(frozen=True)
class ConversationOptions:
    """Settings of the conversation analysis."""

    vad: VadOptions = DEFAULT_VAD  # the same speech detector on both inputs
    leak: LeakOptions = DEFAULT_LEAK  # the call's leak into the mic
    turns: TurnOptions = DEFAULT_TURNS  # turn taking (gaps, overlaps, long silences)
    call_lead_s: float = 0.0  # the call audio comes this early (live pairing, see call_pairing)

    def validate(self) -> ConversationOptions:
        """Return self, or raise UsageError naming the bad field."""
        self.leak.validate()
        return self


DEFAULT_CONVERSATION = ConversationOptions()


class ConversationAnalyzer:
    """Streaming: paired mic/call blocks in, :class:`~presence_coach.events.Event` lists out."""

    def __init__(self, options: ConversationOptions = DEFAULT_CONVERSATION) -> None:
        self.options = options.validate()
        self.leak_log: LeakLog | None = None  # set: each frame's leak is handed on (see yours.py)
        self.reset()

    def reset(self) -> None:
        o = self.options
        self._mic_framer, self._call_framer = Framer(), Framer()
        self.you, self.client = SpeechDetector(o.vad), SpeechDetector(o.vad)
        self.leak = LeakTracker(o.vad.n_bands, o.leak)
        self.turns = TurnTracker(o.turns)
        win = round(o.leak.xcorr_window_s * SR)
        self._win = win
        self._hist_len = win + self.leak.max_lag + FRAME_LEN + _PIECE
        self._mic_hist = np.zeros(self._hist_len, np.float32)  # last samples, both inputs
        self._call_hist = np.zeros(self._hist_len, np.float32)
        self._n_in = 0  # samples received
        self._n_frames = 0  # frames processed
        tail = round(o.leak.tail_s * 100) + round(o.leak.max_delay_s * 100) + 1
        self._call_db = np.full((tail, o.vad.n_bands), -200.0)  # recent call band levels
        self._strong = np.zeros(self._call_db.shape, bool)  # ... and which were strong
        self._call_speech = np.zeros(0, bool)  # call VAD per frame of the current window
        self.call_missing_s = 0.0  # time judged without call audio
        self._t_last = 0.0

    def update(self, mic: np.ndarray, call: np.ndarray | None, t: float) -> list[Event]:
        """Add ``mic`` (n,) and ``call`` (n,) or None, starting at session time ``t``."""
        mic = np.asarray(mic, np.float32).reshape(-1)
        if call is None:
            self.call_missing_s += len(mic) / SR
            call = np.zeros_like(mic)
        call = np.asarray(call, np.float32).reshape(-1)
        if len(call) != len(mic):
            raise ValueError(f"mic and call blocks differ: {len(mic)} vs {len(call)} samples")
        if len(mic) > _PIECE:  # long blocks in pieces: the history holds one piece
            out = []
            for a in range(0, len(mic), _PIECE):
                out += self.update(mic[a : a + _PIECE], call[a : a + _PIECE], t + a / SR)
            return out
        self._push_hist(mic, call)
        mf, times = self._mic_framer.push(mic, t)
        cf, _ = self._call_framer.push(call, t)
        out: list[Event] = []
        step = round(self.options.leak.gain_every_s * 100)
        i = 0
        while i < len(mf):  # sub-batches end where the leak model updates
            j = min(len(mf), i + step - self._n_frames % step)
            out += self._frames(mf[i:j], cf[i:j], times[i:j])
            i = j
        if len(times):
            self._t_last = float(times[-1])
        return out

    def finish(self, t_end: float | None = None) -> list[Event]:
        """End of stream: open speech ends, pending events come out."""
        t_end = self._t_last if t_end is None else t_end
        out: list[Event] = []
        for side, det in (("you", self.you), ("client", self.client)):
            lead_s = self.options.call_lead_s if side == "client" else 0
            for e in det.flush(t_end):
                self.turns.end(side, e.start + lead_s)
        return out + self.turns.finish(t_end)

    def _push_hist(self, mic: np.ndarray, call: np.ndarray) -> None:
        for hist, x in ((self._mic_hist, mic), (self._call_hist, call)):
            x = x[-self._hist_len :]
            hist[: -len(x) or None] = hist[len(x) :]
            hist[-len(x) :] = x
        self._n_in += len(mic)

    def _frames(self, mf: np.ndarray, cf: np.ndarray, times: np.ndarray) -> list:
        """Frames (n, L) of both inputs at centre times (n,), all before the next leak update."""
        if len(mf) == 0:
            return []
        o = self.options
        call_levels, mic_levels = _levels(cf, o.vad), _levels(mf, o.vad)
        lead = o.call_lead_s
        events = [
            ("client", replace(e, start=e.start + lead, end=e.end + lead) if lead else e)
            for e in self.client.update_levels(call_levels, times)
        ]
        strong_call = (
            call_levels[:, :-1] - self.client.last_floor_db[:, :-1] > o.leak.strong_call_db
        ) & self.client.last_speech[:, None]
        hist = np.concatenate([self._call_db, call_levels[:, :-1]])
        d, spread = self.leak.delay_frames, None
        if self.leak.delay_samples is None:  # delay not known yet: any of the last max_delay
            d = spread = round(o.leak.max_delay_s * FRAME_RATE_HZ)
        pred = predict_leak_db(hist, d, self.leak.gain_db, o.leak, spread_frames=spread)
        pred = (
            pred[-len(mf) :] if not self.leak.no_leak else np.full_like(pred[-len(mf) :], -np.inf)
        )
        if self.leak_log is not None:
            self.leak_log.put(times, pred + o.leak.margin_db)
        events += [
            ("you", e)
            for e in self.you.update_levels(mic_levels, times, leak_db=pred + o.leak.margin_db)
        ]
        strong_hist = np.concatenate([self._strong, strong_call])
        delayed = pred - self.leak.gain_db  # the call's leak reference of each frame
        strong = strong_hist[len(hist) - len(mf) - d : len(hist) - d]
        for k in range(len(mf) if self.leak.delay_samples is not None else 0):
            self.leak.frame(mic_levels[k, :-1], delayed[k], strong[k])  # needs the delay
        self._call_db = hist[-len(self._call_db) :]
        self._strong = strong_hist[-len(self._call_db) :]
        self._call_speech = np.concatenate([self._call_speech, self.client.last_speech])
        self._n_frames += len(mf)
        if self._n_frames % round(o.leak.gain_every_s * 100) == 0:
            self._correlate()
        return self._turn_events(events, times)

    def _correlate(self) -> None:
        """One delay estimate over the last window (ends at the last frame's last sample)."""
        end = (self._n_frames - 1) * HOP + FRAME_LEN  # stream index just after that frame
        lag = self.leak.max_lag
        # each time a capture gap re-anchors the framers, they drop a partial frame, so the
        # count drifts: keep the window inside the history (mic and call shift alike, the
        # delay between them stays right)
        back = min(max(self._n_in - end, 0), self._hist_len - self._win - lag)
        stop = self._hist_len - back
        mic = self._mic_hist[stop - self._win : stop]
        call = self._call_hist[stop - self._win - lag : stop]
        share = float(np.mean(self._call_speech)) if len(self._call_speech) else 0.0
        self._call_speech = np.zeros(0, bool)
        self.leak.window(mic.astype(np.float64), call.astype(np.float64), share)

    def _turn_events(self, events: list, times: np.ndarray) -> list[Event]:
        out: list[Event] = []
        for side, e in sorted(events, key=lambda se: (se[1].t_known, se[1].start)):
            if e.type == "start":
                out += self.turns.start(side, e.start, e.t_known)
            else:
                self.turns.end(side, e.start)
        return out + self.turns.tick(float(times[-1]))


def _levels(frames: np.ndarray, vad: VadOptions) -> np.ndarray:
    """Band levels and rms (n, n_bands + 1) dBFS of frames (n, L)."""
    return np.concatenate([band_levels_db(frames, options=vad), rms_dbfs(frames)[:, None]], 1)


def analyze_conversation(
    mic: np.ndarray,
    call: np.ndarray,
    *,
    t0: float = 0.0,
    block_s: float = 0.02,
    options: ConversationOptions = DEFAULT_CONVERSATION,
) -> list[Event]:
    """Events of a whole recording: mic (n,) and call (n,) at 16 kHz on one clock."""
    n = min(len(mic), len(call))
    an = ConversationAnalyzer(options)
    step = max(1, round(block_s * SR))
    out: list[Event] = []
    for a in range(0, n, step):
        out += an.update(mic[a : a + step], call[a : a + step], t0 + a / SR)
    return out + an.finish(t0 + n / SR)
