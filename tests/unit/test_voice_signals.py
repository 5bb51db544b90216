"""Voice features on generated signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from presence_coach.voice import DEFAULT_VOICE, VoiceAnalyzer, analyze_audio, voice_summary
from presence_coach.voice.frames import FRAME_LEN, HOP, SR, Framer
from presence_coach.voice.prosody import rms_dbfs, yin_f0
from presence_coach.voice.rate import syllable_nuclei
from presence_coach.voice.stats import pause_class
from presence_coach.voice.vad import detect_speech

RNG = np.random.default_rng(1234)


def vowel(f0_hz: float, dur_s: float, *, amp: float = 0.1) -> np.ndarray:
    """A harmonic 'vowel': 10 harmonics with a 1/k spectrum, shape (dur_s * SR,)."""
    t = np.arange(int(dur_s * SR)) / SR
    x = sum(np.sin(2 * np.pi * k * f0_hz * t) / k for k in range(1, 11))
    return (amp * x / np.max(np.abs(x))).astype(np.float32)


def noise(dur_s: float, dbfs: float, rng: np.random.Generator = RNG) -> np.ndarray:
    return (rng.standard_normal(int(dur_s * SR)) * 10 ** (dbfs / 20)).astype(np.float32)


def test_framer_times_and_chunking_are_exact() -> None:
    x = RNG.standard_normal(SR).astype(np.float32)
    whole, t_whole = Framer().push(x, 5.0)
    fr = Framer()
    parts = [fr.push(x[i : i + 333], 5.0 + i / SR) for i in range(0, len(x), 333)]
    chunked = np.concatenate([p[0] for p in parts])
    t_chunked = np.concatenate([p[1] for p in parts])
    assert np.array_equal(whole, chunked)
    assert np.allclose(t_whole, t_chunked)
    assert len(whole) == (SR - FRAME_LEN) // HOP + 1
    assert t_whole[0] == pytest.approx(5.0 + FRAME_LEN / 2 / SR)


def test_rms_dbfs_of_full_scale_sine_is_minus_3_db() -> None:
    t = np.arange(FRAME_LEN) / SR
    frames = np.sin(2 * np.pi * 1000 * t)[None, :]
    assert rms_dbfs(frames)[0] == pytest.approx(-3.01, abs=0.02)
    assert rms_dbfs(np.zeros((1, FRAME_LEN)))[0] == -120.0


@pytest.mark.parametrize("f0", [70.0, 110.0, 196.0, 261.6, 440.0])
def test_yin_tone_within_5_cents(f0: float) -> None:
    frames, _ = Framer().push(vowel(f0, 0.5), 0.0)
    est, ap = yin_f0(frames)
    cents = 1200 * np.log2(est / f0)
    assert np.max(np.abs(cents)) < 5
    assert np.max(ap) < 0.05


def test_yin_noise_is_aperiodic() -> None:
    frames, _ = Framer().push(noise(0.5, -20), 0.0)
    _, ap = yin_f0(frames)
    assert np.median(ap) > 0.3


def bursts(
    levels_db: list[float], noise_dbfs: float = -60.0, *, seed: int = 0
) -> tuple[np.ndarray, list]:
    """Vowel bursts of 0.6 s with 0.3/0.8/1.5/3.2 s gaps over white noise; (signal, truth).

    The noise has its own seed, so a test sees the same signal whichever tests ran before
    it. (Over 200 seeds, 1 % of draws put a noise frame above the release threshold inside
    the hangover after a burst, which lengthens that utterance by up to the hangover.)
    """
    rng = np.random.default_rng(seed)
    gaps = [0.3, 0.8, 1.5, 3.2]
    parts, truth, t = [noise(1.0, noise_dbfs, rng)], [], 1.0
    for i, lvl in enumerate(levels_db):
        v = vowel(120 + 20 * i, 0.6, amp=10 ** (lvl / 20))
        parts.append(v + noise(0.6, noise_dbfs, rng))
        truth.append((t, t + 0.6))
        t += 0.6
        g = gaps[i % len(gaps)]
        parts.append(noise(g, noise_dbfs, rng))
        t += g
    return np.concatenate(parts), truth


def test_vad_finds_bursts_over_noise_within_30_ms() -> None:
    x, truth = bursts([-20, -30, -25, -35, -20])
    segs = detect_speech(x)
    # the 0.3 s gap is longer than the hangover, so every burst is its own segment
    assert len(segs) == len(truth)
    for (s, e), (ts, te) in zip(segs, truth, strict=True):
        assert abs(s - ts) < 0.03
        assert abs(e - te) < 0.03


def test_vad_adapts_to_a_louder_room() -> None:
    quiet, _ = bursts([-20, -20], noise_dbfs=-70)
    loud = noise(6.0, -45)  # the room gets 25 dB louder, nobody speaks
    x = np.concatenate([quiet, loud])
    segs = detect_speech(x)
    t_loud = len(quiet) / SR
    # the new floor is learnt within the 3 s minimum window (+ one 0.75 s sub-window and the
    # hangover); until then the louder room may pass for speech, never after
    assert [(s, e) for s, e in segs if e > t_loud + 4.0] == []
    assert len([s for s, e in segs if e < t_loud]) == 2


def test_vad_silence_and_digital_zeros_have_no_speech() -> None:
    assert detect_speech(np.zeros(3 * SR, np.float32)) == []
    assert detect_speech(noise(3.0, -50)) == []


def test_syllable_nuclei_of_modulated_vowel() -> None:
    """A vowel amplitude-modulated at 4 Hz for 2.5 s has 10 loudness bumps."""
    t = np.arange(int(2.5 * SR)) / SR
    env = 0.55 - 0.45 * np.cos(2 * np.pi * 4 * t)
    x = np.concatenate([noise(0.5, -70), vowel(150, 2.5) * env.astype(np.float32), noise(0.5, -70)])
    frames, times = Framer().push(x, 0.0)
    level = rms_dbfs(frames)
    _, ap = yin_f0(frames)
    nuclei = syllable_nuclei(level, ap < 0.45, np.full(len(level), -70.0), times)
    assert len(nuclei) == 10
    assert np.allclose(np.diff(nuclei), 0.25, atol=0.03)


def test_pause_classes() -> None:
    assert [pause_class(d) for d in (0.3, 0.99, 1.0, 2.99, 3.0, 10)] == [
        "short", "short", "medium", "medium", "long", "long",
    ]  # fmt: skip


def test_analyzer_events_timeline_and_summary_on_bursts() -> None:
    x, truth = bursts([-20, -22, -24, -26, -28])
    res = analyze_audio(x, block_s=0.02)
    utts = [e for e in res.events if e.type == "utterance"]
    pauses = [e for e in res.events if e.type == "pause"]
    assert len(utts) == 5
    assert [p.attrs["pause_class"] for p in pauses] == ["short", "short", "medium", "long"]
    for p, gap in zip(pauses, [0.3, 0.8, 1.5, 3.2], strict=True):
        assert p.duration_s == pytest.approx(gap, abs=0.05)
        assert p.t_known >= p.end
    for u in utts[:-1]:  # a pause is known min_pause_s (+ frame latency) after speech ends
        assert DEFAULT_VOICE.min_pause_s <= u.t_known - u.end <= DEFAULT_VOICE.min_pause_s + 0.05
    assert res.summary["utterances"] == 5
    assert res.summary["pauses"]["count"] == 4
    assert res.summary["longest_speech_s"] == pytest.approx(0.6, abs=0.05)
    assert res.summary["speaking_s"] == pytest.approx(3.0, abs=0.15)
    # F0 of the bursts: 120, 140, 160, 180, 200 Hz
    assert res.summary["pitch"]["f0_median_hz"] == pytest.approx(160, rel=0.02)
    assert res.summary["pitch"]["f0_range_st"] == pytest.approx(12 * np.log2(200 / 120), abs=0.5)
    # timeline: 10 Hz rows covering the signal, speaking where the bursts are
    rows = res.timeline
    assert np.allclose(np.diff([r.t for r in rows]), 0.1)
    for r in rows:
        inside = any(s + 0.05 <= r.t and r.t + 0.1 <= e - 0.05 for s, e in truth)
        outside = all(r.t + 0.1 <= s - 0.05 or r.t >= e + 0.05 for s, e in truth)
        if inside:
            assert r.speaking == 1 and np.isfinite(r.f0_hz)
        if outside:
            assert r.speaking == 0
    # the pure summary over the stored rows/events equals the analyzer's own
    assert voice_summary(res.events, rows, duration_s=res.duration_s) == res.summary
    # ... and from their JSON forms (rounded to 0.1 dB / 0.1 Hz) nearly so
    again = voice_summary(
        [e.to_json() for e in res.events], [r.as_dict() for r in rows], duration_s=res.duration_s
    )
    assert again["pauses"] == res.summary["pauses"]
    assert again["rate"] == res.summary["rate"]
    for k, v in res.summary["loudness"].items():
        assert again["loudness"][k] == pytest.approx(v, abs=0.2)


def test_update_requires_time_for_raw_samples() -> None:
    with pytest.raises(TypeError):
        VoiceAnalyzer().update(np.zeros(320, np.float32))
