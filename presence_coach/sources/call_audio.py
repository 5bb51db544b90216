"""The call's sound (what the other person says) as an audio source, analysed in memory only.

Where it comes from, per system:

- Linux (PulseAudio or PipeWire's pulse server): the monitor source of an output, by
  default the default sink's (``pactl get-default-sink`` + ``.monitor``), recorded by a
  ``parec`` child process as float32 mono 16 kHz. PortAudio cannot pick a pulse source per
  stream (ALSA's pulse device takes PULSE_SOURCE for the whole process, which the microphone
  uses), so a child process keeps the two apart.
- Windows: WASAPI loopback of the speakers, the default output's first
  (sources/wasapi_loopback.py, the ``soundcard`` package, Windows only).
- macOS: a loopback input device chosen by name (:data:`MAC_LOOPBACK_NAMES`), opened as a
  microphone; the call app must play into it (or into a multi-output device that does).

Sources hand out :class:`~presence_coach.sources.base.AudioBlock` with the same ``read``
contract as the microphone (``SourceError`` when no audio arrives for ``timeout_s``).
"""

from __future__ import annotations

import contextlib
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from presence_coach.clock import SessionClock
from presence_coach.errors import NoDeviceError, UsageError
from presence_coach.sources.arrival_clock import ArrivalClock
from presence_coach.sources.base import ANALYSIS_RATE_HZ, AudioBlock, read_call_queue
from presence_coach.sources.microphone import block_start

MAC_LOOPBACK_NAMES = ("BlackHole", "Loopback Audio", "Soundflower", "VB-Cable")
PAREC_LATENCY_MS = 20  # parec's requested buffering; blocks are stamped this much earlier
BLOCK = 320  # samples per block handed out (20 ms)
WATCH_EVERY_S = 1.0  # how often the server is asked whether the monitor source still exists


@dataclass(frozen=True)
class CallAudioDevice:
    """A place the call's sound can be recorded from."""

    name: str  # what --call-audio takes (a pulse source name, a speaker or input name)
    kind: str  # "pulse-monitor", "wasapi-loopback" or "loopback-input"
    is_default: bool  # the monitor of the default output (what "auto" picks)


def parse_pulse_sources(short_list: str, default_sink: str | None) -> list[CallAudioDevice]:
    """Monitor sources from ``pactl list short sources`` text, the default sink's first."""
    out = []
    for line in short_list.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[1].endswith(".monitor"):
            name = parts[1]
            out.append(CallAudioDevice(name, "pulse-monitor", name == f"{default_sink}.monitor"))
    return sorted(out, key=lambda d: not d.is_default)


def _pactl(*args: str) -> str | None:
    if shutil.which("pactl") is None:
        return None
    try:
        p = subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return p.stdout.strip() if p.returncode == 0 else None


def list_call_audio_sources(
    platform: str = sys.platform, *, soundcard: Any = None
) -> list[CallAudioDevice]:
    """Call-audio sources of this machine, what "auto" picks first (empty when there are
    none). ``soundcard``: Windows' audio API module (None: the real one)."""
    if platform.startswith("linux"):
        sources = _pactl("list", "short", "sources")
        return parse_pulse_sources(sources or "", _pactl("get-default-sink"))
    if platform == "darwin":
        from presence_coach.sources.devices import list_input_devices

        names = [d.name for d in list_input_devices()]
        return [CallAudioDevice(n, "loopback-input", False) for n in mac_loopbacks(names)]
    if platform == "win32":
        from presence_coach.sources import wasapi_loopback as wl

        try:
            names = wl.speaker_names(soundcard or wl.load_soundcard())
        except NoDeviceError:
            return []
        return [CallAudioDevice(n, "wasapi-loopback", i == 0) for i, n in enumerate(names)]
    return []


def open_call_audio_source(device: CallAudioDevice, clock: SessionClock, **kw: Any) -> Any:
    """A started source of ``device`` (read / stop like :class:`PulseMonitorSource`); ``kw``
    goes to the Windows source (``soundcard``)."""
    if device.kind == "pulse-monitor":
        return PulseMonitorSource(device.name, clock=clock).start()
    if device.kind == "wasapi-loopback":
        from presence_coach.sources.wasapi_loopback import WasapiLoopbackSource

        return WasapiLoopbackSource(device.name, clock=clock, **kw).start()
    from presence_coach.sources.microphone import MicrophoneSource

    return MicrophoneSource(device.name, clock=clock).start()  # macOS loopback input


def mac_loopbacks(input_names: Sequence[str]) -> list[str]:
    """The input devices that are loopback drivers (by name, :data:`MAC_LOOPBACK_NAMES`)."""
    return [n for n in input_names if any(k.lower() in n.lower() for k in MAC_LOOPBACK_NAMES)]


def resolve_call_audio(spec: str | None) -> CallAudioDevice | None:
    """``--call-audio``: "off" -> None; "auto" -> the default output's monitor if any
    (None when there is none); a name -> that source (NoDeviceError if absent)."""
    if spec is None or spec == "off":
        return None
    found = list_call_audio_sources()
    if spec == "auto":
        return found[0] if found else None
    match = [d for d in found if d.name == spec] or [
        d for d in found if spec.lower() in d.name.lower()
    ]
    if len(match) == 1 or (match and match[0].name == spec):
        return match[0]
    names = ", ".join(d.name for d in found) or "none"
    if match:
        raise UsageError(f"--call-audio {spec!r} matches several sources: {names}")
    raise NoDeviceError(f"no call-audio source named {spec!r}; call-audio sources: {names}")


class PulseMonitorSource:
    """A pulse monitor source recorded by ``parec`` (see the module docstring).

    A reader thread stamps each 20 ms block when it arrives (less the block and parec's
    buffering; the least delayed stamps count, see sources/arrival_clock.py) and queues it.
    """

    def __init__(self, source: str, *, clock: SessionClock | None = None, env=None) -> None:
        if shutil.which("parec") is None:
            raise NoDeviceError(
                "cannot record the call audio: parec is missing; install pulseaudio-utils, "
                "or use --call-audio off"
            )
        self.source = source
        self.clock = clock or SessionClock()
        self._env = env
        self._proc: subprocess.Popen | None = None
        self._queue: queue.Queue[AudioBlock | None] = queue.Queue(maxsize=500)
        self._stop = threading.Event()
        self.gone = False  # the source disappeared from the server
        self.ended = False  # parec's output ended (its source is gone) without stop()

    def start(self) -> PulseMonitorSource:
        if self._proc is None:
            cmd = [
                "parec", f"--device={self.source}", "--format=float32le", "--channels=1",
                f"--rate={ANALYSIS_RATE_HZ}", "--raw", f"--latency-msec={PAREC_LATENCY_MS}",
            ]  # fmt: skip
            self._proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=self._env
            )
            threading.Thread(target=self._reader, name="call-audio", daemon=True).start()
            threading.Thread(target=self._watch, name="call-audio-watch", daemon=True).start()
        return self

    def _watch(self) -> None:
        """The server moves a stream whose source vanished to another one (the mic's, say):
        check once a second that ours is still there, and end the capture if not."""
        while not self._stop.wait(WATCH_EVERY_S):
            listed = _pactl("list", "short", "sources")
            if listed is not None and not any(
                d.name == self.source for d in parse_pulse_sources(listed, None)
            ):
                self.gone = True
                if self._proc is not None:
                    self._proc.terminate()
                return

    def _reader(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        capture, n, next_t = ArrivalClock(ANALYSIS_RATE_HZ), 0, None
        lag = BLOCK / ANALYSIS_RATE_HZ + PAREC_LATENCY_MS / 1000
        while not self._stop.is_set():
            got = self._proc.stdout.read(BLOCK * 4)
            if len(got) < BLOCK * 4:  # parec ended: the source (its sink) is gone, or stop()
                self.ended = not self._stop.is_set()
                break
            capture.update(n, time.monotonic() - lag)
            t = block_start(self.clock.to_session(capture.time_of(n)), next_t)
            n += BLOCK
            next_t = t + BLOCK / ANALYSIS_RATE_HZ
            with contextlib.suppress(queue.Full):  # a stalled consumer loses the oldest audio
                self._queue.put_nowait(AudioBlock(t, np.frombuffer(got, np.float32).copy()))

    def read(self, timeout_s: float = 2.0) -> AudioBlock | None:
        """The next 20 ms block, None once stopped; SourceError when none came in time.

        Gone or ended: said as soon as the queued audio is out, even in the middle of a
        wait; otherwise silence may only be a reader starved by a busy machine (seconds).
        """
        self.start()
        return read_call_queue(
            self._queue, self._stop, timeout_s=timeout_s, name=repr(self.source),
            problem=lambda: "is gone" if self.gone
            else "stopped delivering audio" if self.ended else None,
        )  # fmt: skip

    def stop(self) -> None:
        self._stop.set()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __iter__(self) -> Iterator[AudioBlock]:
        while (b := self.read()) is not None:
            yield b

    def __enter__(self) -> PulseMonitorSource:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
