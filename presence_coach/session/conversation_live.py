"""A live session's conversation: the mic's voice analysis plus the call audio (issue 12).

:class:`CallAwareAnalyzer` is what :class:`~presence_coach.session.live.AudioWorker` runs its
mic blocks through when there is call audio: each mic block is paired with the call audio of
the same time (read by a thread of its own), then goes through voice/yours.py: the voice
analysis of your speech only (the client's leak left out) and the conversation. Pairing
delays the voice events by up to ``BlockPairer.max_wait_s``. When the call
audio ends (its device is gone), the mic goes on alone and a ``call_audio_lost`` event says
so. The call audio is analysed in memory and never stored.
"""

from __future__ import annotations

import os
import queue
import threading
from dataclasses import replace
from typing import Any

import numpy as np

from presence_coach.clock import SessionClock
from presence_coach.errors import SourceError
from presence_coach.events import Event
from presence_coach.session.call_pairing import BlockPairer
from presence_coach.sources import call_audio
from presence_coach.sources.base import AudioBlock
from presence_coach.voice.conversation import ConversationOptions
from presence_coach.voice.yours import YourVoiceAnalyzer

# no call audio for this long: the call audio is lost. A loaded machine starves the reader
# thread for seconds (live at load 13 on 2 cores: a 1 s timeout fired in 2 of 3 runs); a
# monitor that vanishes is caught at once (PulseMonitorSource.gone / .ended)
CALL_READ_TIMEOUT_S = 5.0
CALL_START_TIMEOUT_S = 10.0  # ... but its first block may take this long (server connect)
CALL_LEAD_S = 0.1  # two capture clocks may place the leak up to this much before its source


def open_call_audio(spec: str | None, clock: SessionClock) -> tuple[Any | None, str | None]:
    """The call-audio source for ``--call-audio`` (None and why when there is none)."""
    if spec in (None, "off"):
        return None, None
    device = call_audio.resolve_call_audio(spec)  # NoDeviceError for a name not there
    if device is None:
        return None, "no call audio found (no output monitor); voice numbers are the mic's"
    if spec == "auto" and device.name in _mic_sources():
        return None, f"call audio not used: {device.name} is also the microphone"
    return call_audio.open_call_audio_source(device, clock), None


def _mic_sources() -> set[str]:
    """Pulse sources the microphone may be (then they cannot be the call audio too)."""
    names = {os.environ.get("PULSE_SOURCE", "")}
    default = call_audio._pactl("get-default-source")
    return names | ({default} if default else set())


def call_aware_analyzer(spec: str | None, voice_options: Any, clock: SessionClock) -> Any:
    """AudioWorker's analyzer for ``--call-audio spec``; None (the plain voice analysis)
    when there is no call audio."""
    source, _ = open_call_audio(spec, clock)
    if source is None:
        return None
    return CallAwareAnalyzer(voice_options, source)


class CallAwareAnalyzer:
    """update / pop_timeline / finish like VoiceAnalyzer, plus the conversation events."""

    def __init__(self, voice_options: Any, source: Any) -> None:
        self.source = source
        self.yours = YourVoiceAnalyzer(voice_options, ConversationOptions(call_lead_s=CALL_LEAD_S))
        self.voice, self.conversation = self.yours.voice, self.yours.conversation
        self.pairer = BlockPairer(lead_s=CALL_LEAD_S)
        self.lost: str | None = None
        self._queue: queue.Queue = queue.Queue()
        self._lost_reported = False
        threading.Thread(target=self._pump, name="call-audio-read", daemon=True).start()

    def _pump(self) -> None:
        wait_s = CALL_START_TIMEOUT_S
        try:
            while (block := self.source.read(timeout_s=wait_s)) is not None:
                self._queue.put(block)
                wait_s = CALL_READ_TIMEOUT_S
        except SourceError as exc:
            self._queue.put(exc)

    def update(self, block: Any) -> list:
        self.pairer.push_mic(AudioBlock(block.t, np.array(block.samples, np.float32)))
        out: list = []
        while not self._queue.empty():
            item = self._queue.get()
            if isinstance(item, SourceError):
                self.lost, self.pairer.call_lost = str(item), True
            else:
                self.pairer.push_call(item)
        for mic, call, t in self.pairer.pop():
            out += self._paired(mic, call, t)
        if self.lost and not self._lost_reported:
            self._lost_reported = True
            out.append(Event("call_audio_lost", block.t, block.t, {"why": self.lost}))
        return out

    def pop_timeline(self) -> list:
        return self.voice.pop_timeline()

    def _paired(self, mic: np.ndarray, call: np.ndarray | None, t: float) -> list:
        voice, conversation = self.yours.update(mic, call, t)
        return list(voice) + self._stored(conversation)

    def finish(self, t_end: float | None = None) -> list:
        out: list = []
        for mic, call, t in self.pairer.pop(final=True):
            out += self._paired(mic, call, t)
        self.source.stop()
        voice, conversation = self.yours.finish(t_end)
        return out + list(voice) + self._stored(conversation)

    @staticmethod
    def _stored(events: list[Event]) -> list[Event]:
        """Conversation events are stored without ``t_known`` (as ``analyze`` keeps them)."""
        return [replace(e, t_known=None) for e in events]
