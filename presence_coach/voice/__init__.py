"""Voice analysis: speech/pause segmentation, speech rate, pitch and loudness (streaming).

Entry points for the CLI and the session engine::

    from presence_coach.voice import VoiceAnalyzer, analyze_audio, voice_summary
"""

from presence_coach.voice.analyzer import (
    DEFAULT_VOICE,
    TIMELINE_LAG_S,
    TimelineRow,
    VoiceAnalyzer,
    VoiceOptions,
    VoiceResult,
    analyze_audio,
    analyze_blocks,
    voice_event,
    voice_summary,
)
from presence_coach.voice.stats import pause_class

__all__ = [
    "DEFAULT_VOICE",
    "TIMELINE_LAG_S",
    "TimelineRow",
    "VoiceAnalyzer",
    "VoiceOptions",
    "VoiceResult",
    "analyze_audio",
    "analyze_blocks",
    "pause_class",
    "voice_event",
    "voice_summary",
]
