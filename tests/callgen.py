"""Two-party calls with exact turn times, built from real speech (tests and bench).

The therapist ("you") and the client are two different people. Utterances come from:
``conversation_sample.wav`` split by its ``.stm`` into its two speakers (Diane, Sheila),
``north_wind_title.wav`` (a third reader) and espeak-ng voices (known text, varied voices).

A call is a sequence of client turns and your turns with response gaps, some long client
silences and some talking over (either side starts while the other still speaks). The
microphone gets you plus room noise and, with speakers, a delayed, attenuated, filtered and
slightly reverberant copy of the call audio; the call audio is the client alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.signal as ss
import soundfile as sf
import voicegen as g

SR = 16_000
YOU_RMS_DBFS = -24.0  # your voice at the mic (close talk)
CLIENT_RMS_DBFS = -22.0  # the client's voice in the call audio
NOISE_DBFS = -62.0  # room noise at the mic (pink)


def _rms_db(x: np.ndarray) -> float:
    return 10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-20)


def _at_level(x: np.ndarray, dbfs: float) -> np.ndarray:
    return (x * 10 ** ((dbfs - _rms_db(x)) / 20)).astype(np.float32)


def _trim(x: np.ndarray) -> np.ndarray:
    regions = g.speech_regions(x, rel_db=-40.0, close_s=0.3)
    if not regions:
        return x
    a, b = round(regions[0][0] * SR), round(regions[-1][1] * SR)
    return x[a:b]


def stm_speakers(speech_dir: Path) -> dict[str, list[np.ndarray]]:
    """Utterances of each speaker of conversation_sample (rows overlapping the other dropped)."""
    x, sr = sf.read(speech_dir / "conversation_sample.wav", dtype="float32")
    assert sr == SR
    turns = g.read_rttm(speech_dir / "conversation_sample.rttm")
    rows = g.read_stm(speech_dir / "conversation_sample.stm")
    out: dict[str, list[np.ndarray]] = {}
    for s, e, who, _ in rows:
        others = [t for t in rows if t[2] != who and t[0] < e and t[1] > s]
        others += [t for t in turns if t[0] < e - 0.05 and t[1] > s + 0.05 and t[1] - t[0] < 0.6]
        if others:
            continue
        out.setdefault(who, []).append(_trim(x[round(s * SR) : round(e * SR)]))
    return out


def north_wind(speech_dir: Path) -> list[np.ndarray]:
    """Utterances (phrases between pauses of 0.35 s or more) of north_wind_title.wav."""
    x, _sr = sf.read(speech_dir / "north_wind_title.wav", dtype="float32")
    if x.ndim > 1:
        x = x.mean(axis=1)
    regions = g.speech_regions(x, rel_db=-40.0, close_s=0.35)
    return [x[round(a * SR) : round(b * SR)] for a, b in regions if b - a > 0.4]


def espeak_voice(index: int, n: int = 8) -> list[np.ndarray]:
    """``n`` phrases spoken by espeak-ng voice ``index`` of voicegen.VOICES."""
    voice, wpm, pitch = g.VOICES[index % len(g.VOICES)]
    phrases = g.PHRASES[index % 3 :: 2][:n]
    return [g.synth(p, voice=voice, rate_wpm=wpm, pitch=pitch) for p in phrases]


@dataclass
class Call:
    """A built call: signals and the truth (intervals in seconds)."""

    name: str
    you: np.ndarray  # your voice alone (at the mic's level)
    client: np.ndarray  # the call audio (the client alone)
    you_segs: list[tuple[float, float]] = field(default_factory=list)
    client_segs: list[tuple[float, float]] = field(default_factory=list)

    def mic(self, *, speakers: bool, delay_s: float = 0.05, leak_db: float = -14.0, seed: int = 0):
        """The microphone: you + room noise (+ the leaked client when ``speakers``)."""
        rng = np.random.default_rng(seed)
        m = self.you.astype(np.float64).copy()
        if speakers:
            m += leak(self.client, delay_s=delay_s, leak_db=leak_db, seed=seed)
        m += g.pink_noise(len(m), rng) * 10 ** (NOISE_DBFS / 20)
        return m.astype(np.float32)


def leak(x: np.ndarray, *, delay_s: float, leak_db: float, seed: int = 0) -> np.ndarray:
    """What a laptop's speakers put into its mic: delayed, band-limited, reverberant, quieter."""
    rng = np.random.default_rng(seed + 101)
    sos = ss.butter(2, [250, 5000], btype="bandpass", fs=SR, output="sos")
    y = ss.sosfilt(sos, x.astype(np.float64))
    n_ir = int(0.25 * SR)  # a small room: exponential decay, RT60 about 0.25 s
    t = np.arange(n_ir) / SR
    ir = rng.standard_normal(n_ir) * np.exp(-6.9 * t / 0.25) * 0.08
    ir[0] = 1.0
    y = ss.fftconvolve(y, ir)[: len(x)]
    y *= 10 ** (leak_db / 20) * np.sqrt(np.mean(x.astype(np.float64) ** 2) / np.mean(y**2))
    d = round(delay_s * SR)
    return np.concatenate([np.zeros(d), y[: len(y) - d]])


def build_call(
    name: str,
    you_pool: list[np.ndarray],
    client_pool: list[np.ndarray],
    *,
    seed: int,
    duration_s: float = 120.0,
) -> Call:
    """Alternating turns: the client talks more (1-4 utterances), you answer (1-2)."""
    rng = np.random.default_rng(seed)
    you_pool = [_at_level(u, YOU_RMS_DBFS) for u in you_pool]
    client_pool = [_at_level(u, CLIENT_RMS_DBFS) for u in client_pool]
    n = round((duration_s + 10) * SR)
    you, client = np.zeros(n, np.float32), np.zeros(n, np.float32)
    call = Call(name, you, client)
    t = 1.5
    while t < duration_s - 8:
        t = _turn(call, client, client_pool, "client", t, rng, 1 + rng.integers(0, 4))
        gap = _gap(rng)
        t = _turn(call, you, you_pool, "you", t + gap, rng, 1 + rng.integers(0, 2))
        t += _gap(rng, overlap_p=0.12)
    end = round((t + 2.0) * SR)
    call.you, call.client = you[:end], client[:end]
    return call


def _gap(rng: np.random.Generator, *, overlap_p: float = 0.2) -> float:
    """The time from one side's end to the other's start (negative: talking over)."""
    u = rng.random()
    if u < overlap_p:
        return -float(rng.uniform(0.4, 1.2))
    if u < overlap_p + 0.12:
        return float(rng.uniform(4.0, 7.0))  # a long silence before the next turn
    return float(rng.uniform(0.3, 2.0))


def _turn(call: Call, out: np.ndarray, pool, who: str, t: float, rng, n_utt: int) -> float:
    segs = call.you_segs if who == "you" else call.client_segs
    if segs:
        t = max(t, segs[-1][1] + 0.4)  # one person never talks over themselves
    for k in range(int(n_utt)):
        if k:
            t += float(rng.uniform(0.5, 1.5))  # a pause inside the turn
        u = pool[int(rng.integers(0, len(pool)))]
        a = round(t * SR)
        out[a : a + len(u)] += u
        for s, e in g.speech_regions(u, rel_db=-40.0, close_s=0.3):
            segs.append((t + s, t + e))
        t += len(u) / SR
    return t


def truth_events(call: Call) -> list:
    """The truth through the product's turn logic: events from the exact speech intervals."""
    from presence_coach.voice.turns import TurnTracker

    tr = TurnTracker()
    marks = [(s, "start", "you") for s, _ in call.you_segs]
    marks += [(e, "end", "you") for _, e in call.you_segs]
    marks += [(s, "start", "client") for s, _ in call.client_segs]
    marks += [(e, "end", "client") for _, e in call.client_segs]
    out = []
    for t, kind, side in sorted(marks):
        out += tr.tick(t)
        if kind == "start":
            out += tr.start(side, t, t)
        else:
            tr.end(side, t)
    return out + tr.finish(len(call.you) / SR)
