"""Call-audio selection per system, the Windows loopback source and live pairing.

The Windows API is the only stand-in here (``_FakeSoundcard``: this machine is Linux and has
no WASAPI): it hands out real speech, at 48 kHz stereo as a loopback does, and everything
after it (resampling, blocks, time stamps, errors, stop) is the product's code. The
Windows and macOS paths have NOT run on those systems.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import soxr

from presence_coach.clock import SessionClock
from presence_coach.errors import SourceError
from presence_coach.session.call_pairing import BlockPairer
from presence_coach.sources.base import AudioBlock
from presence_coach.sources.call_audio import (
    list_call_audio_sources,
    mac_loopbacks,
    open_call_audio_source,
    parse_pulse_sources,
)
from presence_coach.sources.wasapi_loopback import WasapiLoopbackSource

PACTL_SOURCES = (
    "0\talsa_output.pci-0000_00_1f.3.analog-stereo.monitor\tmodule-alsa-card.c\ts16le 2ch 48000Hz\tSUSPENDED\n"  # noqa: E501
    "1\talsa_input.pci-0000_00_1f.3.analog-stereo\tmodule-alsa-card.c\ts16le 2ch 48000Hz\tRUNNING\n"
    "2\tbluez_output.AA_BB.1.monitor\tmodule-bluez5-device.c\ts16le 2ch 48000Hz\tIDLE\n"
)  # fmt: skip


def test_pulse_monitors_default_output_first():
    found = parse_pulse_sources(PACTL_SOURCES, "bluez_output.AA_BB.1")
    assert [d.name for d in found] == [
        "bluez_output.AA_BB.1.monitor",
        "alsa_output.pci-0000_00_1f.3.analog-stereo.monitor",
    ]
    assert found[0].is_default and not found[1].is_default
    assert parse_pulse_sources("", None) == []


class _Speaker:
    def __init__(self, name: str, id_: str) -> None:
        self.name, self.id = name, id_


class _Recorder:
    """WASAPI loopback stand-in: real audio in ``record(numframes)`` chunks, then the
    device vanishes (RuntimeError, as soundcard raises for a failing WASAPI call)."""

    def __init__(self, frames: np.ndarray) -> None:
        self.frames, self.at = frames, 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def record(self, numframes):
        if self.at >= len(self.frames):
            raise RuntimeError("Error 0x88890004")  # AUDCLNT_E_DEVICE_INVALIDATED
        out = self.frames[self.at : self.at + numframes]
        self.at += numframes
        return out


class _FakeSoundcard:
    """The parts of the ``soundcard`` module the product calls (the mocked Windows API)."""

    def __init__(self, frames: np.ndarray) -> None:
        self.speakers = [_Speaker("Speakers (Realtek)", "{0.0.0}.{a}"), _Speaker("Headset", "{b}")]
        self.frames = frames
        self.opened: list[tuple] = []

    def all_speakers(self):
        return self.speakers

    def default_speaker(self):
        return self.speakers[1]

    def get_microphone(self, id, include_loopback=False):
        self.opened.append((id, include_loopback))
        sc = self

        class _Mic:
            def recorder(self, samplerate, channels=None, blocksize=None):
                assert samplerate == 48_000
                return _Recorder(sc.frames)

        return _Mic()


@pytest.fixture(scope="module")
def speech48(speech_dir):
    """Real speech at 16 kHz and as a 48 kHz stereo loopback would deliver it."""
    x, sr = sf.read(speech_dir / "north_wind_title.wav", dtype="float32")
    x = x.mean(axis=1) if x.ndim > 1 else x
    x16 = soxr.resample(x, sr, 16_000)
    return x16, np.stack([soxr.resample(x, sr, 48_000)] * 2, axis=1).astype(np.float32)


def test_call_audio_choice_per_system(speech48):
    sc = _FakeSoundcard(speech48[1])
    found = list_call_audio_sources("win32", soundcard=sc)
    assert [(d.name, d.kind, d.is_default) for d in found] == [
        ("Headset", "wasapi-loopback", True),  # the default output first: "auto" takes it
        ("Speakers (Realtek)", "wasapi-loopback", False),
    ]
    assert list_call_audio_sources("sunos5") == []
    names = ["MacBook Pro Microphone", "BlackHole 2ch", "Loopback Audio", "ZoomAudioDevice"]
    assert mac_loopbacks(names) == ["BlackHole 2ch", "Loopback Audio"]
    assert mac_loopbacks(["Soundflower (2ch)", "CABLE Output (VB-Audio Virtual Cable)"]) == [
        "Soundflower (2ch)"
    ]


def test_wasapi_loopback_block_contract(speech48):
    x16, frames48 = speech48
    sc = _FakeSoundcard(frames48)
    device = next(d for d in list_call_audio_sources("win32", soundcard=sc) if not d.is_default)
    src = open_call_audio_source(device, SessionClock(), soundcard=sc)
    assert isinstance(src, WasapiLoopbackSource)
    blocks = []
    with pytest.raises(SourceError) as err:
        while (b := src.read(timeout_s=5.0)) is not None:
            blocks.append(b)
    assert "loopback of 'Speakers (Realtek)'" in str(err.value)
    assert "microphone alone" in str(err.value) and "\n" not in str(err.value)
    assert sc.opened == [("{0.0.0}.{a}", True)]  # the speaker's own loopback, by id
    assert all(len(b.samples) == 320 and b.samples.dtype == np.float32 for b in blocks)
    t = np.array([b.t for b in blocks])
    assert np.all(np.diff(t) > 0)  # time goes forward, block after block
    y = np.concatenate([b.samples for b in blocks])
    assert len(x16) - len(y) < 3 * 320  # all of it (the last partial block stays behind)
    n = min(len(x16), len(y))
    lag = int(np.argmax(np.correlate(y[:4000], x16[:4000], "full"))) - 3999
    assert abs(lag) <= 40 and np.corrcoef(x16[: n - 40], y[lag : n - 40 + lag])[0, 1] > 0.99
    src.stop()
    src.stop()  # safe twice
    assert src.read() is None  # explicit end once stopped


def test_missing_loopback_speaker_is_one_clear_error(speech48):
    src = WasapiLoopbackSource("Gone speakers", soundcard=_FakeSoundcard(speech48[1]))
    with pytest.raises(SourceError, match="no speakers named 'Gone speakers'"):
        src.read(timeout_s=5.0)
    src.stop()


def test_pairer_keeps_the_call_contiguous_and_goes_on_without_it(speech_dir):
    x, _ = sf.read(speech_dir / "conversation_sample.wav", dtype="float32")
    pairer = BlockPairer(max_wait_s=0.5)
    for k in range(50):  # call blocks of 30 ms stamped with 3 ms jitter, mic blocks of 20 ms
        a = k * 480
        pairer.push_call(AudioBlock(a / 16000 + 0.003 * (k % 2), x[a : a + 480]))
    out = []
    for k in range(60):
        pairer.push_mic(AudioBlock(k * 0.02 + 0.002 * (k % 3), x[k * 320 : k * 320 + 320]))
        out += pairer.pop()
    call = np.concatenate([c for _, c, _ in out if c is not None])
    assert np.array_equal(call, x[: len(call)])  # the call audio came out unbroken
    pairer.call_lost = True
    pairer.push_mic(AudioBlock(1.2, x[:320]))
    assert pairer.pop()[-1][1] is None  # lost: the mic goes on alone


def _stalling_parec(tmp_path, monkeypatch, x16, seconds, every_s, stall_s):
    """Env that puts tests/bin_stalling/parec in parec's place (real speech, ``seconds``
    long, stalled ``stall_s`` before every ``every_s``); the audio file it plays."""
    import os
    import shutil
    import sys
    from pathlib import Path

    audio = tmp_path / "speech.f32"
    n = round(seconds * 16000)
    np.tile(x16, 1 + n // len(x16))[:n].astype(np.float32).tofile(audio)
    bin_dir = Path(__file__).resolve().parents[1] / "bin_stalling"
    path = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]])
    env = {**os.environ, "PATH": path, "STALL_AUDIO": str(audio)}
    env |= {"STALL_EVERY_S": str(every_s), "STALL_S": str(stall_s)}
    assert shutil.which("parec", path=path) == str(bin_dir / "parec")
    monkeypatch.setenv("PULSE_SERVER", str(tmp_path / "none"))  # the source watch finds none
    return env, audio


def test_call_audio_stamps_hold_when_the_reader_is_starved(speech48, tmp_path, monkeypatch):
    """On a loaded machine the call-audio reader gets parec's output in bursts: a stall,
    then the backlog at once. Stamps from a median of arrival times jumped forward with each
    burst and stayed ahead (live: the call drifted 0.58 s against the mic in 40 s, and the
    leak delay was never found). The stand-in is a child process in parec's place
    (tests/bin_stalling/parec) that writes real speech in real time with 0.3 s stalls every
    1.5 s: the scheduler's starvation, which a test cannot order on demand."""
    from presence_coach.sources.call_audio import BLOCK, PulseMonitorSource

    env, audio = _stalling_parec(tmp_path, monkeypatch, speech48[0], 7.0, 1.5, 0.3)
    src = PulseMonitorSource("stalled.monitor", env=env).start()
    blocks = []
    while len(blocks) < 6.5 * 16000 / BLOCK and (b := src.read(timeout_s=10.0)) is not None:
        blocks.append(b)
    src.stop()
    got = np.concatenate([b.samples for b in blocks])
    assert np.array_equal(got, np.fromfile(audio, np.float32)[: len(got)])
    # each block's start less the samples before it: the stream's start, as the stamps say
    epochs = np.array([b.t - k * BLOCK / 16000 for k, b in enumerate(blocks)])
    # how far the stamps ever moved later than before (a first block that was itself late
    # lets later ones move earlier, which is right)
    rise = np.max(epochs - np.minimum.accumulate(epochs))
    print(f"stamps moved later than the samples by up to {rise:.3f} s")
    assert rise < 0.05  # before: 1.19 s after four stalls


def test_call_audio_outlives_a_starved_reader_and_notices_its_end(speech48, tmp_path, monkeypatch):
    """A reader starved for 3 s (the stand-in parec holds its output back from 1 s to 4 s)
    is not a lost call: live at load 13 a 1 s timeout fired in 2 of 3 runs and the call audio
    was gone for the rest of the session (the old 2 s timeout fails here too). When parec's
    output really ends, the source says so without waiting out the timeout."""
    from presence_coach.session.conversation_live import CALL_READ_TIMEOUT_S
    from presence_coach.sources.call_audio import BLOCK, PulseMonitorSource

    env, _ = _stalling_parec(tmp_path, monkeypatch, speech48[0], 5.0, 4.0, 3.0)
    src = PulseMonitorSource("stalled.monitor", env=env).start()
    blocks = [src.read(timeout_s=10.0)]  # the stand-in starts python first
    with pytest.raises(SourceError, match="stopped delivering audio"):
        while True:
            blocks.append(src.read(timeout_s=CALL_READ_TIMEOUT_S))
    src.stop()
    assert len(blocks) == 5 * 16000 // BLOCK  # every block, none lost to the stall
