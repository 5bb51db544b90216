"""Call-audio selection and conversion (sources/call_audio.py) and live pairing.

The Windows (WASAPI loopback) and macOS (loopback input) paths are tested here on their pure
parts only: they have NOT run on Windows or macOS (this machine is Linux).
"""

from __future__ import annotations

import numpy as np
import soundfile as sf

from presence_coach.session.call_pairing import BlockPairer
from presence_coach.sources.base import AudioBlock
from presence_coach.sources.call_audio import (
    mac_loopbacks,
    parse_pulse_sources,
    pick_loopback,
    to_mono_16k,
)

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


def test_windows_and_mac_choices_not_run_on_those_systems():
    print("NOTE: WASAPI loopback and macOS loopback selection have not run on Windows/macOS")
    assert pick_loopback(["Speakers (Realtek)", "Headset"], "Headset") == "Headset"
    assert pick_loopback(["Speakers (Realtek)"], "gone") == "Speakers (Realtek)"
    assert pick_loopback([], None) is None
    names = ["MacBook Pro Microphone", "BlackHole 2ch", "Loopback Audio", "ZoomAudioDevice"]
    assert mac_loopbacks(names) == ["BlackHole 2ch", "Loopback Audio"]


def test_loopback_frames_to_mono_16k(speech_dir):
    x, sr = sf.read(speech_dir / "north_wind_title.wav", dtype="float32")
    import soxr

    stereo48 = np.stack([soxr.resample(x, sr, 48_000)] * 2, axis=1)  # a 48 kHz loopback
    y = to_mono_16k(stereo48, 48_000)
    x = soxr.resample(x, sr, 16_000)
    assert y.dtype == np.float32 and abs(len(y) - len(x)) <= 2
    n = min(len(x), len(y))
    assert np.corrcoef(x[:n], y[:n])[0, 1] > 0.99


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
