"""Every voice number is yours: the mic's voice analysis on the frames the call does not
explain, plus the conversation (streaming, pure; issue 12).

With call audio, the microphone also hears the client through laptop speakers. The
conversation analysis (voice/conversation.py) predicts, per 10 ms frame, the level each band
would have from that leak alone; :class:`YourVoiceAnalyzer` hands the same prediction to the
mic's voice analysis (voice/analyzer.py), whose speech detector then needs each band above
it, exactly as the conversation's "you" detector does. So utterances, pauses, speaking share,
longest stretch, speech rate, pitch and loudness describe your speech only, and agree with
``you_talk_s``. Without call audio for a stretch (``call=None``) the mic is judged alone.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from presence_coach.events import Event
from presence_coach.sources.base import AudioBlock
from presence_coach.voice.analyzer import DEFAULT_VOICE, VoiceAnalyzer, VoiceOptions, VoiceResult
from presence_coach.voice.conversation import (
    DEFAULT_CONVERSATION,
    ConversationAnalyzer,
    ConversationOptions,
)
from presence_coach.voice.frames import SR
from presence_coach.voice.leak import LeakLog


class YourVoiceAnalyzer:
    """Paired mic/call blocks in; voice events (yours), timeline rows and conversation out.

    The conversation's speech detector takes the voice options' detector settings, so both
    analyses judge the same bands with the same thresholds.
    """

    def __init__(
        self,
        voice: VoiceOptions = DEFAULT_VOICE,
        conversation: ConversationOptions = DEFAULT_CONVERSATION,
    ) -> None:
        self.conversation = ConversationAnalyzer(replace(conversation, vad=voice.vad))
        self.conversation.leak_log = LeakLog()
        self.voice = VoiceAnalyzer(voice, leak=self.conversation.leak_log)

    def update(
        self, mic: np.ndarray, call: np.ndarray | None, t: float
    ) -> tuple[list, list[Event]]:
        """Mic (n,) and call (n,) or None from session time ``t``: (voice, conversation)."""
        mic = np.asarray(mic, np.float32).reshape(-1)
        conv = self.conversation.update(mic, call, t)  # first: it judges the frames' leak
        return self.voice.update(AudioBlock(t, mic)), conv

    def pop_timeline(self) -> list:
        return self.voice.pop_timeline()

    def finish(self, t_end: float | None = None) -> tuple[list, list[Event]]:
        return self.voice.finish(t_end), self.conversation.finish(t_end)


def analyze_your_voice(
    mic: np.ndarray,
    call: np.ndarray,
    *,
    voice: VoiceOptions = DEFAULT_VOICE,
    block_s: float = 0.1,
) -> tuple[VoiceResult, list[Event]]:
    """A whole recording: mic (n,) and call (n,) at 16 kHz from session time 0."""
    n = min(len(mic), len(call))
    an = YourVoiceAnalyzer(voice)
    step = max(1, round(block_s * SR))
    events, rows, conv = [], [], []
    for a in range(0, n, step):
        v, c = an.update(mic[a : a + step], call[a : a + step], a / SR)
        events += v
        conv += c
        rows += an.pop_timeline()
    v, c = an.finish(n / SR)
    events += v
    conv += c
    rows += an.pop_timeline()
    v_an = an.voice
    return VoiceResult(events, rows, v_an.summary(), v_an.stats.duration_s), conv
