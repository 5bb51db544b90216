"""A recording's conversation: the microphone's sound and the call's sound, two files.

``presence-coach analyze MIC --call-audio CALL`` reads both whole (any rate: both are
resampled to the analysis rate by the audio file source), checks that they cover the same
call, and runs voice/yours.py over them: the conversation, and the mic's voice numbers
counting only your speech. Files that start together but end a little
apart are aligned at their start and cut to the shorter; files of clearly different lengths
are refused with one line (they are not recordings of the same call).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from presence_coach.errors import UsageError
from presence_coach.sources.audio_file import read_audio_file
from presence_coach.sources.base import ANALYSIS_RATE_HZ
from presence_coach.voice.analyzer import DEFAULT_VOICE, VoiceOptions, VoiceResult
from presence_coach.voice.yours import analyze_your_voice

MAX_LENGTH_DIFF_S = 2.0  # files further apart than this (and 2 % of the call) are refused


def check_lengths(mic_s: float, call_s: float, call_path: str | Path) -> None:
    """Raise UsageError when the call audio cannot be the same call as the mic."""
    if abs(mic_s - call_s) > max(MAX_LENGTH_DIFF_S, 0.02 * max(mic_s, call_s)):
        raise UsageError(
            f"--call-audio {call_path} is {call_s:.1f} s long but the microphone's sound is "
            f"{mic_s:.1f} s: give both recordings of the same call, started together"
        )


def analyze_call(
    mic_path: str | Path, call_path: str | Path, options: VoiceOptions = DEFAULT_VOICE
) -> tuple[VoiceResult, list[dict]]:
    """Your voice (the call's leak left out) and the conversation events (flat JSON
    objects, in end order) of a mic recording and a call recording."""
    mic = read_audio_file(mic_path)
    call = read_audio_file(call_path)
    check_lengths(len(mic) / ANALYSIS_RATE_HZ, len(call) / ANALYSIS_RATE_HZ, call_path)
    n = min(len(mic), len(call))
    voice, events = analyze_your_voice(mic[:n], call[:n], voice=options)
    out = [replace(e, t_known=None).to_json() for e in events]  # kept without t_known
    return voice, sorted(out, key=lambda d: (d["end"], d["start"]))
