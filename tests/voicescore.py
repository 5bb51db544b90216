"""Scoring of the voice path against references (shared by tests/accuracy and bench/voice.py).

Frame-level scores use 10 ms frames. A reference pause is "found" when one detected pause
overlaps more than half of it; its boundary errors are |start - start'| and |end - end'|.
Syllables per utterance are nuclei whose time falls inside the reference interval.
Pitch is compared with Praat (parselmouth, GPL: test/bench only) at 10 ms steps, on frames
that both call voiced.
"""

from __future__ import annotations

import itertools

import numpy as np

from presence_coach.voice import VoiceAnalyzer

FRAME_S = 0.01


def union(segs: list) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for s, e in sorted(segs):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def mask(segs: list, duration_s: float) -> np.ndarray:
    m = np.zeros(round(duration_s / FRAME_S), bool)
    for s, e in segs:
        m[round(s / FRAME_S) : round(e / FRAME_S)] = True
    return m


def frame_f1(ref: list, hyp: list, duration_s: float) -> dict:
    r, h = mask(ref, duration_s), mask(hyp, duration_s)
    tp = float((r & h).sum())
    p = tp / max(h.sum(), 1)
    rc = tp / max(r.sum(), 1)
    return {"f1": 2 * p * rc / max(p + rc, 1e-9), "precision": p, "recall": rc}


def gaps(segs: list, *, min_s: float = 0.0) -> list[tuple[float, float]]:
    """Silences between consecutive segments (not before the first / after the last)."""
    segs = union(segs)
    return [(a[1], b[0]) for a, b in itertools.pairwise(segs) if b[0] - a[1] >= min_s]


def pause_match(ref_pauses: list, hyp_pauses: list, *, min_s: float = 0.5) -> dict:
    found, errors, n = 0, [], 0
    for s, e in ref_pauses:
        if e - s < min_s:
            continue
        n += 1
        over = [(a, b) for a, b in hyp_pauses if a < e and b > s]
        if not over:
            continue
        a, b = max(over, key=lambda ab: min(ab[1], e) - max(ab[0], s))
        if min(b, e) - max(a, s) > 0.5 * (e - s):
            found += 1
            errors += [abs(a - s), abs(b - e)]
    return {
        "n": n,
        "found": found,
        "recall": found / n if n else float("nan"),
        "median_boundary_error_s": float(np.median(errors)) if errors else float("nan"),
    }


def run_voice(x: np.ndarray, *, block: int = 320) -> dict:
    """Run the streaming analyzer; utterances, pauses, nuclei and per-frame F0 (10 ms)."""
    an = VoiceAnalyzer()
    events: list = []
    nuclei: list[float] = []
    orig = an.syllables.update

    def spy(level, voiced, noise, t):  # records nuclei as the analyzer finds them
        out = orig(level, voiced, noise, t)
        nuclei.extend(out)
        return out

    an.syllables.update = spy  # type: ignore[method-assign]
    from presence_coach.sources.base import AudioBlock

    for i in range(0, len(x), block):
        events += an.update(AudioBlock(i / 16000, x[i : i + block]))
        an.pop_timeline()
    events += an.finish()
    return {
        "events": events,
        "utterances": [(e.start, e.end) for e in events if e.type == "utterance"],
        "pauses": [(e.start, e.end) for e in events if e.type == "pause"],
        "nuclei": np.array(nuclei),
        "summary": an.summary(),
    }


def syllable_scores(pairs: list[tuple[int, int]]) -> dict:
    ref = np.array([p[0] for p in pairs], float)
    hyp = np.array([p[1] for p in pairs], float)
    return {
        "n": len(pairs),
        "r": float(np.corrcoef(ref, hyp)[0, 1]),
        "median_abs_err": float(np.median(np.abs(hyp - ref) / ref)),
        "total_ref": int(ref.sum()),
        "total_hyp": int(hyp.sum()),
    }


def count_in(nuclei: np.ndarray, start: float, end: float, pad: float = 0.0) -> int:
    return int(((nuclei >= start - pad) & (nuclei < end + pad)).sum())


def frame_f0(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(times, F0 Hz or NaN) per 10 ms frame, by the same functions the analyzer uses."""
    from presence_coach.voice.frames import Framer
    from presence_coach.voice.prosody import rms_dbfs, voiced_f0, yin_f0
    from presence_coach.voice.vad import SpeechDetector

    frames, t = Framer().push(x, 0.0)
    det = SpeechDetector()
    level = rms_dbfs(frames)
    det.update(frames, t, level_db=level)
    f0, ap = yin_f0(frames)
    return t, voiced_f0(f0, ap, level, det.last_noise_db)


def praat_compare(x: np.ndarray, *, f0_min_hz: float = 60.0, f0_max_hz: float = 500.0) -> dict:
    """Our F0 vs Praat's (ac method, 10 ms steps, same range) on frames both call voiced."""
    import parselmouth

    t, f = frame_f0(x)
    snd = parselmouth.Sound(x.astype(np.float64), 16000)
    pitch = snd.to_pitch(time_step=0.01, pitch_floor=f0_min_hz, pitch_ceiling=f0_max_hz)
    pt, pf = pitch.xs(), pitch.selected_array["frequency"]
    idx = np.clip(np.round((t - pt[0]) / 0.01).astype(int), 0, len(pt) - 1)
    near = np.abs(pt[idx] - t) < 0.006
    pfi = np.where(near, pf[idx], 0.0)
    both = np.isfinite(f) & (pfi > 0)
    st = 12 * np.log2(f[both] / pfi[both])
    return {
        "frames_both": int(both.sum()),
        "ours_voiced": int(np.isfinite(f).sum()),
        "praat_voiced": int((pfi > 0).sum()),
        "median_abs_st": float(np.median(np.abs(st))),
        "gross_rate": float(np.mean(np.abs(f[both] / pfi[both] - 1) > 0.2)),
    }
