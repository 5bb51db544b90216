"""Numbers a session cannot vouch for, said plainly (issue 14): speech for nearly the whole
session, a pitch range no single voice has, a face seldom in view, device gaps.

``doubts(summary)`` gives ``[{"kind", "sentence", "keys"}, ...]``: what it is about
(``speech``, ``pitch``, ``voices``, ``face``, ``gap``), one calm sentence and the metric keys
whose numbers it affects (the report marks them). Pure: from one summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from presence_coach.summary.gaps import DEVICES, coverage_sentence, gap_sentence

SPEECH_SHARE_MAX = 0.9  # speech for more of the session than this: other voices or sound
PITCH_RANGE_ONE_VOICE_ST = 20.0  # a 5th-95th percentile pitch spread wider than this (over
# an octave and a half) is more than one voice or music (one voice talking: about 5-12)
FACE_IN_VIEW_MIN = 0.5  # the face seen less than this share of the camera's time

SPEECH_KEYS = (
    "speaking_fraction",
    "utterances",
    "longest_speech_s",
    "articulation_rate_syl_per_s",
    "words_per_min_approx",
    "rate_minute_median_syl_per_s",
    "rate_minute_iqr_syl_per_s",
    "pauses_short",
    "pauses_medium",
    "pauses_long",
    "pause_longest_s",
)
PITCH_KEYS = ("f0_median_hz", "f0_range_st", "f0_sd_st")
VOICE_KEYS = (*SPEECH_KEYS, *PITCH_KEYS, "loudness_median_dbfs", "loudness_sd_db")
FACE_KEYS = (
    "nods",
    "nods_per_min",
    "listening_nods",
    "shakes",
    "smiles",
    "smiles_per_min",
    "eye_contacts",
    "eye_contacts_per_min",
    "gaze_camera_fraction",
    "gaze_screen_fraction",
    "gaze_away_fraction",
)
GAP_KEYS = {"camera": FACE_KEYS, "microphone": VOICE_KEYS}


def _value(summary: Mapping[str, Any], key: str) -> Any:
    return ((summary.get("metrics") or {}).get(key) or {}).get("value")


def _speech_and_pitch(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    share = _value(summary, "speaking_fraction")
    if share is not None and share > SPEECH_SHARE_MAX:
        out.append(
            {
                "kind": "speech",
                "sentence": f"Speech was heard for {share:.0%} of the session. One person "
                "rarely speaks that much of a conversation, so the microphone probably heard "
                "more than one voice, and the speaking numbers may include the client's. "
                "Headphones, or the call audio (--call-audio), keep them apart.",
                "keys": SPEECH_KEYS,
            }
        )
    spread = _value(summary, "f0_range_st")
    if spread is not None and spread > PITCH_RANGE_ONE_VOICE_ST:
        out.append(
            {
                "kind": "pitch",
                "sentence": "The pitch moved over a wider range than a single speaking voice "
                "does, so it probably includes more than one voice, or music; the pitch "
                "numbers are not only yours.",
                "keys": PITCH_KEYS,
            }
        )
    return out


def _gaps(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for device in DEVICES:
        gaps = [g for g in summary.get("device_gaps") or [] if g["device"] == device]
        if not gaps:
            continue
        words = [gap_sentence(g) for g in gaps]
        signal_s = _value(summary, f"{device}_s")
        if signal_s is not None:
            words.append(coverage_sentence(device, signal_s))
        out.append({"kind": "gap", "sentence": " ".join(words), "keys": GAP_KEYS[device]})
    return out


def doubts(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The plain sentences about numbers this session cannot vouch for (module docstring),
    each with the metric keys it affects."""
    out = _speech_and_pitch(summary)
    if summary.get("mixed_voices_note") and not out:
        out.append({"kind": "voices", "sentence": summary["mixed_voices_note"], "keys": VOICE_KEYS})
    face = _value(summary, "face_present_fraction")
    if summary.get("has_video") and face is not None and face < FACE_IN_VIEW_MIN:
        out.append(
            {
                "kind": "face",
                "sentence": f"The camera saw your face only {face:.0%} of the time, so the "
                "nod, smile and eye-contact numbers describe a small part of the session.",
                "keys": FACE_KEYS,
            }
        )
    return out + _gaps(summary)


def marks(found: list[dict[str, Any]]) -> dict[str, list[int]]:
    """``{metric key: [doubt number (1-based), ...]}`` for marking the affected numbers."""
    out: dict[str, list[int]] = {}
    for i, d in enumerate(found, start=1):
        for k in d["keys"]:
            out.setdefault(k, []).append(i)
    return out
