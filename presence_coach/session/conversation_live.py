"""A live session's conversation: the mic's voice analysis plus the call audio (issue 12).

:class:`CallAwareAnalyzer` is what :class:`~presence_coach.session.live.AudioWorker` runs its
mic blocks through when there is call audio: the usual voice analysis, and the conversation
analysis of the mic paired with the call audio (read by a thread of its own). When the call
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
from presence_coach.voice.conversation import ConversationAnalyzer, ConversationOptions

CALL_READ_TIMEOUT_S = 2.0  # no call audio for this long: the call audio is lost
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
    if device.kind != "pulse-monitor":
        return None, f"call audio from {device.name!r} is not supported on this system yet"
    return call_audio.PulseMonitorSource(device.name, clock=clock).start(), None


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
    from presence_coach.voice import VoiceAnalyzer

    return CallAwareAnalyzer(VoiceAnalyzer(voice_options), source)


class CallAwareAnalyzer:
    """update / pop_timeline / finish like VoiceAnalyzer, plus the conversation events."""

    def __init__(self, voice: Any, source: Any) -> None:
        self.voice = voice
        self.source = source
        self.conversation = ConversationAnalyzer(ConversationOptions(call_lead_s=CALL_LEAD_S))
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
        out = list(self.voice.update(block))
        while not self._queue.empty():
            item = self._queue.get()
            if isinstance(item, SourceError):
                self.lost, self.pairer.call_lost = str(item), True
            else:
                self.pairer.push_call(item)
        for mic, call, t in self.pairer.pop():
            out += self._stored(self.conversation.update(mic, call, t))
        if self.lost and not self._lost_reported:
            self._lost_reported = True
            out.append(Event("call_audio_lost", block.t, block.t, {"why": self.lost}))
        return out

    def pop_timeline(self) -> list:
        return self.voice.pop_timeline()

    def finish(self, t_end: float | None = None) -> list:
        out = list(self.voice.finish(t_end))
        for mic, call, t in self.pairer.pop(final=True):
            out += self._stored(self.conversation.update(mic, call, t))
        self.source.stop()
        return out + self._stored(self.conversation.finish(t_end))

    @staticmethod
    def _stored(events: list[Event]) -> list[Event]:
        """Conversation events are stored without ``t_known`` (as ``analyze`` keeps them)."""
        return [replace(e, t_known=None) for e in events]
