"""Audio sources on real files: decoding, timing, end of stream, errors."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from presence_coach.errors import NoDeviceError, PresenceCoachError, SourceError
from presence_coach.sources.arrival_clock import ArrivalClock
from presence_coach.sources.audio_file import AudioFileSource, read_audio_file
from presence_coach.sources.base import ANALYSIS_RATE_HZ
from presence_coach.sources.devices import resolve_input_device
from presence_coach.sources.microphone import block_start
from presence_coach.voice.frames import Framer
from presence_coach.voice.prosody import yin_f0


def test_wav_blocks_are_contiguous_and_end_explicitly(speech_dir: Path) -> None:
    src = AudioFileSource(speech_dir / "conversation_sample.wav", block_s=0.02)
    blocks = list(src)
    assert src.eof and src.read() is None
    assert src.read(timeout_s=2.0) is None  # the microphone's read contract; a file never waits
    assert all(len(b.samples) == 320 for b in blocks[:-1])
    assert blocks[0].t == 0.0
    assert np.allclose(np.diff([b.t for b in blocks]), 0.02)
    assert blocks[-1].t_end == pytest.approx(30.0)
    ref, sr = sf.read(speech_dir / "conversation_sample.wav", dtype="float32")
    assert sr == ANALYSIS_RATE_HZ
    assert np.array_equal(np.concatenate([b.samples for b in blocks]), ref)
    src.stop()
    src.stop()  # safe twice


def test_44k_file_is_resampled_to_16k_keeping_pitch(tmp_path: Path) -> None:
    t = np.arange(44_100) / 44_100
    path = tmp_path / "tone.flac"
    sf.write(path, 0.5 * np.sin(2 * np.pi * 220 * t), 44_100)
    x = read_audio_file(path)
    assert len(x) == pytest.approx(16_000, abs=2)
    frames, _ = Framer().push(x[2000:14000], 0.0)
    f0, _ = yin_f0(frames)
    assert np.max(np.abs(1200 * np.log2(f0 / 220))) < 5


def test_real_44k_speech_file(speech_dir: Path) -> None:
    x = read_audio_file(speech_dir / "north_wind_title.wav")
    assert len(x) / ANALYSIS_RATE_HZ == pytest.approx(1.283, abs=0.002)
    assert 0.01 < np.sqrt(np.mean(x**2)) < 0.5


def test_audio_track_of_a_video(shared_dir: Path) -> None:
    x = read_audio_file(shared_dir / "media" / "faces" / "d6.mp4")
    assert len(x) / ANALYSIS_RATE_HZ == pytest.approx(33.6, abs=0.1)
    assert np.sqrt(np.mean(x**2)) > 1e-3


def test_video_without_audio_track(shared_dir: Path) -> None:
    with pytest.raises(SourceError, match="no audio track"):
        read_audio_file(shared_dir / "media" / "faces" / "d0.mp4")


def test_missing_and_corrupt_files(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not found"):
        AudioFileSource(tmp_path / "nope.wav")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + bytes(100))
    with pytest.raises(SourceError, match="cannot decode") as err:
        read_audio_file(bad)
    assert "\n" not in str(err.value)


def test_odd_sample_rate_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "low.wav"
    sf.write(path, np.zeros(4000), 4000)
    with pytest.raises(SourceError, match="4000 Hz"):
        AudioFileSource(path)


def test_8k_telephone_rate_is_accepted(tmp_path: Path, speech_dir: Path) -> None:
    path = tmp_path / "tel.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(speech_dir / "conversation_sample.wav"),
         "-ar", "8000", str(path)],
        check=True,
    )  # fmt: skip
    assert len(read_audio_file(path)) == pytest.approx(480_000, abs=4)


def test_unknown_microphone_is_a_clear_error() -> None:
    with pytest.raises(PresenceCoachError) as err:
        resolve_input_device("no such microphone 0xbeef")
    assert isinstance(err.value, NoDeviceError)
    assert "\n" not in str(err.value)
    with pytest.raises(NoDeviceError):
        resolve_input_device(9999)


@pytest.mark.parametrize("drift_ppm", [-100.0, 0.0, 100.0])
def test_block_times_ignore_late_callbacks_and_follow_drift(drift_ppm: float) -> None:
    """The microphone's clock, fed as its callback feeds it: callbacks of 20 ms at 48 kHz
    that arrive 0-4 ms late, one in fifty 60 ms late (the scheduler, the GIL), the first 25
    another 18 ms late while the stream starts (as ALSA's pulse plugin did here), and a
    backlog of ten arriving at once every ten seconds. After the first 1.5 s (the late start
    is taken back at most 0.5 ms a block: time goes forward), block times stay within 5 ms of
    the truth for a minute, also when the device clock runs 100 ppm fast or slow."""
    rate, frames = 48_000.0, 960
    true_rate = rate * (1 + drift_ppm * 1e-6)
    rng = np.random.default_rng(11)
    clock = ArrivalClock(rate)
    last_end, starts, errors = None, [], []
    for i in range(3000):  # 60 s
        w = i * frames
        truth = 100.0 + w / true_rate  # when frame w really was captured
        arrived = truth + frames / true_rate + rng.uniform(0, 0.004)  # its last frame, then
        arrived += (0.06 if i % 50 == 25 else 0.0) + (0.018 if i < 25 else 0.0)
        if i % 500 in range(490, 500):  # starved: these arrive with the 500th
            arrived = 100.0 + (i // 500 * 500 + 500) * frames / true_rate + 0.002
        clock.update(w, arrived - frames / rate)  # as MicrophoneSource._callback does
        t = block_start(clock.time_of(w), last_end)
        last_end = t + frames / rate
        starts.append(t)
        if i >= 75:
            errors.append(t - truth)
    assert np.abs(errors).max() < 0.005
    assert np.all(np.diff(starts) > 0)


def _damaged(tmp_path: Path, codec: str, spots: int) -> Path:
    """120 s of a 220 Hz tone encoded with ``codec`` (mp3 or aac), then ``spots`` runs of 8
    random bytes written over it (seeded), as a bad disk or a cut download leaves a file."""
    ext, args = {"mp3": ("mp3", ["-c:a", "libmp3lame"]), "aac": ("aac", ["-c:a", "aac"])}[codec]
    clean = tmp_path / f"clean.{ext}"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=220:d=120", "-ac", "1",
         *args, "-b:a", "32k", str(clean)],
        check=True,
    )  # fmt: skip
    data = bytearray(clean.read_bytes())
    rng = np.random.default_rng(1)
    for at in rng.integers(1000, len(data) - 16, spots):
        data[at : at + 8] = rng.integers(0, 256, 8, dtype=np.uint8).tobytes()
    bad = tmp_path / f"damaged.{ext}"
    bad.write_bytes(bytes(data))
    return bad


def _ffmpeg_seconds(path: Path) -> float:
    """Seconds of 16 kHz mono that ffmpeg itself decodes from ``path`` (the known answer)."""
    out = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "quiet", "-i", str(path), "-ac", "1", "-ar", "16000",
         "-f", "f32le", "-"],
        capture_output=True,
        check=False,
    ).stdout  # fmt: skip
    return len(out) / 4 / ANALYSIS_RATE_HZ


def _read_seconds(path: Path, timeout_s: float = 60.0) -> float | SourceError:
    """Seconds an AudioFileSource reads from ``path``, or the SourceError it ends with;
    fails (instead of hanging the run) when reading does not end within ``timeout_s``."""
    got: list[float | SourceError] = []

    def read() -> None:
        source = AudioFileSource(path)
        try:
            got.append(sum(len(b.samples) for b in source) / ANALYSIS_RATE_HZ)
        except SourceError as exc:
            got.append(exc)
        source.stop()

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(timeout_s)
    assert got, f"reading {path.name} did not end within {timeout_s:g} s"
    return got[0]


def test_a_badly_damaged_file_ends_with_one_line_not_a_hang(tmp_path: Path) -> None:
    # ffmpeg writes an error line per damaged packet (about 190 kB here): more than a pipe
    # holds, so it must be read beside the audio, or ffmpeg and the reader wait on each other;
    # this file is past saving (ffmpeg gives up on it too), which is said in one line
    bad = _damaged(tmp_path, "aac", spots=4000)
    result = _read_seconds(bad)
    assert isinstance(result, SourceError), result
    assert str(result).startswith(f"cannot decode {bad}: ")
    assert "\n" not in str(result)


def test_a_damaged_mp3_is_read_past_the_damage(tmp_path: Path) -> None:
    # libsndfile ends an mp3 at its first damaged frame without an error; ffmpeg skips it
    bad = _damaged(tmp_path, "mp3", spots=40)
    seconds = _read_seconds(bad)
    assert seconds == pytest.approx(_ffmpeg_seconds(bad), abs=0.05)
    assert seconds > 100
