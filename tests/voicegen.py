"""Generated speech with known answers: espeak-ng phrases, scripted pauses, room noise.

Each phrase is synthesized on its own by ``espeak-ng``, resampled to 16 kHz and trimmed, then
phrases are joined with scripted silences, so the ground truth is exact by construction:

- ``speech``: speech regions of the clean signal (10 ms frames above -50 dB relative to the
  clip's loudest frame, gaps shorter than 0.25 s closed, as a listener would hear them);
- ``utterances``: one per phrase (start, end, syllables), syllables counted from espeak-ng's
  own IPA transcription of the phrase (see :func:`count_syllables_ipa`);
- ``pauses``: the scripted silences between phrases.

Noise is pink ("room") noise scaled to a given SNR over the active speech. Everything is
seeded, written only into the temp dirs tests ask for. Used by tests and by ``bench/voice.py``.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

SR = 16_000

PHRASES = [
    "How have you been feeling since we last spoke?",
    "That sounds really hard.",
    "Can you tell me a little more about what happened next?",
    "I hear you.",
    "It makes sense that you would feel that way after such a difficult week.",
    "What was going through your mind at that moment?",
    "Take your time.",
    "Let's slow down and notice what you are feeling right now in your body.",
    "You said earlier that your sister called on Tuesday evening.",
    "Yes.",
    "We have about ten minutes left today, so I want to make sure we talk about your plan.",
    "Would it help to write some of these thoughts down before our next session?",
    "Okay.",
    "Remember that progress is rarely a straight line.",
    "Tell me about the conversation with your manager.",
    "Mm hmm, and how did you respond?",
]

# Scripted silences between phrases (seconds): short, medium and long pause classes.
PAUSES_S = [0.3, 0.5, 0.6, 0.8, 1.0, 1.3, 2.0, 2.6, 3.2, 4.0]

# (espeak-ng voice, words per minute, base pitch 0-99): male/female, slow to fast.
VOICES = [
    ("en-us", 150, 40),
    ("en-us+f3", 175, 60),
    ("en-gb", 130, 35),
    ("en-gb-x-rp+f2", 200, 55),
    ("en-us+m3", 165, 25),
]

_VOWELS = set("aeiouyæɑɒɐɔəɘɚɛɜɝɞɤɨɪʉʊʌʏøœɶɯᵻ")
_GLIDES = set("ɪʊəɚ")  # second element of a diphthong (eɪ, aʊ, ɪə, ...)
_SYLLABIC = "\u0329"  # combining vertical line below: syllabic consonant (n̩, l̩)


def espeak() -> str:
    exe = shutil.which("espeak-ng")
    assert exe, "espeak-ng is not installed: apt-get install espeak-ng"
    return exe


def count_syllables_ipa(ipa: str) -> int:
    """Syllable nuclei in an IPA string: vowel groups, diphthongs as one, syllabic consonants.

    A vowel starts a new nucleus unless it is an off-glide (ɪ ʊ ə) right after the first
    vowel of a nucleus, so ``eɪ`` is one and ``eɪɒ`` (chaos) two. Length marks are ignored.
    """
    n = 0
    prev_vowel = False  # the previous symbol was a vowel
    glided = False  # the current nucleus already has its off-glide
    for ch in ipa:
        if ch in "ːˑ\u032f":
            continue
        if ch == _SYLLABIC:
            n += 1
            prev_vowel = False
            continue
        if ch in _VOWELS:
            if prev_vowel and not glided and ch in _GLIDES:
                glided = True
            else:
                n += 1
                glided = False
            prev_vowel = True
        else:
            prev_vowel = False
            glided = False
    return n


@functools.lru_cache(maxsize=4096)
def ipa(text: str, voice: str = "en-us") -> str:
    out = subprocess.run(
        [espeak(), "-q", "--ipa", "-v", voice.split("+")[0], text],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def syllables(text: str, voice: str = "en-us") -> int:
    """Syllables of ``text`` as espeak-ng pronounces it (its own IPA, counted)."""
    return count_syllables_ipa(ipa(text, voice))


def synth(text: str, *, voice: str, rate_wpm: int, pitch: int) -> np.ndarray:
    """espeak-ng speech of ``text`` as float32 mono 16 kHz, leading/trailing silence cut."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "s.wav"
        subprocess.run(
            [espeak(), "-v", voice, "-s", str(rate_wpm), "-p", str(pitch), "-w", str(wav), text],
            check=True,
            capture_output=True,
        )
        x, sr = sf.read(wav, dtype="float32")
    if x.ndim > 1:
        x = x.mean(axis=1)
    x = soxr.resample(x, sr, SR).astype(np.float32)
    idx = np.flatnonzero(np.abs(x) > 1e-3)
    return x[idx[0] : idx[-1] + 1] if len(idx) else x


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Pink (1/f power) noise, unit RMS, shape (n,)."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spec), dtype=float)
    f[0] = 1.0
    x = np.fft.irfft(spec / np.sqrt(f), n)
    return (x / np.sqrt(np.mean(x**2))).astype(np.float32)


def speech_regions(x: np.ndarray, *, rel_db: float = -50.0, close_s: float = 0.25) -> list:
    """Speech regions (start_s, end_s) of a clean signal: 10 ms frames above ``rel_db``."""
    hop = SR // 100
    n = len(x) // hop
    e = 10 * np.log10(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-20)
    on = e > e.max() + rel_db
    regions: list[list[float]] = []
    for i in np.flatnonzero(on):
        s, t = i / 100, (i + 1) / 100
        if regions and s - regions[-1][1] < close_s:
            regions[-1][1] = t
        else:
            regions.append([s, t])
    return [(s, e) for s, e in regions if e - s >= 0.05]


@dataclass
class GenClip:
    """A generated clip and its ground truth (all times in seconds)."""

    path: Path  # the wav file (16 kHz mono, float)
    samples: np.ndarray  # the same audio, float32 (n,)
    clean: np.ndarray  # the speech without noise
    speech: list[tuple[float, float]]  # reference speech regions
    utterances: list[tuple[float, float, int]]  # (start, end, syllables) per phrase
    pauses: list[tuple[float, float]]  # scripted pauses between phrases
    voice: str
    rate_wpm: int
    snr_db: float | None


def make_clip(
    out_dir: Path,
    *,
    seed: int,
    voice: tuple[str, int, int] = VOICES[0],
    snr_db: float | None = None,
    n_phrases: int = 10,
    gain_db: float = -12.0,
    lead_s: float = 1.0,
) -> GenClip:
    """Phrases with scripted pauses, at ``gain_db`` peak level, optional pink noise."""
    rng = np.random.default_rng(seed)
    name, rate, pitch = voice
    order = rng.permutation(len(PHRASES))[:n_phrases]
    parts = [np.zeros(int(lead_s * SR), np.float32)]
    utterances, pauses = [], []
    t = lead_s
    for k, i in enumerate(order):
        text = PHRASES[i]
        x = synth(text, voice=name, rate_wpm=rate, pitch=pitch)
        utterances.append((t, t + len(x) / SR, syllables(text, name)))
        parts.append(x)
        t += len(x) / SR
        if k < n_phrases - 1:
            p = float(rng.choice(PAUSES_S))
            pauses.append((t, t + p))
            parts.append(np.zeros(round(p * SR), np.float32))
            t += len(parts[-1]) / SR
    parts.append(np.zeros(int(lead_s * SR), np.float32))
    clean = np.concatenate(parts)
    clean *= np.float32(10 ** (gain_db / 20) / np.max(np.abs(clean)))
    speech = speech_regions(clean)
    noisy = clean.copy()
    if snr_db is not None:
        active = np.concatenate([clean[int(s * SR) : int(e * SR)] for s, e in speech])
        p_speech = float(np.mean(active**2))
        noise = pink_noise(len(clean), rng) * np.float32(np.sqrt(p_speech / 10 ** (snr_db / 10)))
        noisy = clean + noise
    out_dir.mkdir(parents=True, exist_ok=True)
    tag = f"{name.replace('+', '_')}_{rate}_{seed}_{'clean' if snr_db is None else int(snr_db)}"
    path = out_dir / f"gen_{tag}.wav"
    sf.write(path, noisy, SR, subtype="FLOAT")
    return GenClip(path, noisy, clean, speech, utterances, pauses, name, rate, snr_db)


def clip_set(out_dir: Path, *, snrs: tuple = (None, 20.0, 10.0), seed0: int = 7) -> list:
    """One clip per voice per SNR (seeded): the generated ground-truth set."""
    clips = []
    for v, voice in enumerate(VOICES):
        for snr in snrs:
            clips.append(make_clip(out_dir, seed=seed0 + v, voice=voice, snr_db=snr))
    return clips


def read_stm(path: Path) -> list[tuple[float, float, str, str]]:
    """(start, end, speaker, text) rows of an STM transcript."""
    rows = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith(";;"):
            continue
        parts = line.split(maxsplit=5)
        rows.append(
            (float(parts[3]), float(parts[4]), parts[2], parts[5] if len(parts) > 5 else "")
        )
    return rows


def read_rttm(path: Path) -> list[tuple[float, float, str]]:
    """(start, end, speaker) turns of an RTTM file."""
    rows = []
    for line in path.read_text().splitlines():
        f = line.split()
        if f and f[0] == "SPEAKER":
            rows.append((float(f[3]), float(f[3]) + float(f[4]), f[7]))
    return rows


def text_syllables(text: str) -> int:
    """Syllables of transcript text: espeak-ng IPA per cleaned text (punctuation dropped)."""
    words = re.sub(r"[^A-Za-z' ]+", " ", text).strip()
    return syllables(words) if words else 0
