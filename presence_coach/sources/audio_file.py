"""File replay: the audio of a recording as mono 16 kHz blocks on its media time.

Reads wav, flac and ogg with libsndfile and everything else (mp3, the audio track of mp4,
mkv, ...) through ffmpeg, streaming: a long recording never sits in memory whole. The
``read`` contract is :class:`~presence_coach.sources.base.AudioSource`'s.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import soxr

from presence_coach.clock import SessionClock
from presence_coach.errors import SourceError
from presence_coach.files import check_readable
from presence_coach.sources.base import (
    ANALYSIS_RATE_HZ,
    DEFAULT_BLOCK_S,
    RESAMPLE_QUALITY,
    AudioBlock,
    Blocker,
    block_samples,
    keep_lines,
)

MIN_FILE_RATE_HZ = 8_000  # below this a recording cannot carry speech for our analysis
MAX_FILE_RATE_HZ = 384_000  # above this the file's rate is certainly not a real audio rate
# the files libsndfile reads (wav, w64/rf64, flac, ogg, aiff), by their first four bytes;
# everything else goes to ffmpeg. libsndfile also opens mp3, but it ends a damaged one at
# the first bad frame without an error (a 600 s mp3 read as 3.6 s; ffmpeg skips the damage:
# 428 s), and its MPEG decoder prints notes of its own on stderr for a file that is not one
SNDFILE_MAGIC = (b"RIFF", b"RF64", b"BW64", b"riff", b"fLaC", b"OggS", b"FORM")
STDERR_LINES = 20  # ffmpeg's last error lines kept to say why it failed


class AudioFileSource:
    """Replay the audio of a file (wav, flac, ogg, or the audio track of mp4/mkv/...).

    Blocks are timed by media time (seconds from the start of the file), which is the
    session clock of a recording. With ``realtime=True`` blocks are released no faster than
    real time (on a :class:`SessionClock` started at the first read). Decoding streams, so a
    long recording never sits in memory whole.

    Raises:
        SourceError: the file is missing, cannot be decoded, has no audio track or has a
            sample rate outside 8-384 kHz.
    """

    _CHUNK_FRAMES = 16_384  # frames decoded per read from the file

    def __init__(
        self, path: str | Path, *, block_s: float = DEFAULT_BLOCK_S, realtime: bool = False
    ) -> None:
        self.path = Path(path)
        self.block_len = block_samples(block_s)
        self.realtime = realtime
        self.eof = False
        self.native_rate_hz: int | None = None
        self._t_next = 0.0
        self._blocker = Blocker(self.block_len)
        self._clock: SessionClock | None = None
        self._stopped = False
        self._proc: subprocess.Popen[bytes] | None = None
        self._sf: Any = None
        if not self.path.exists():
            raise SourceError(f"audio file not found: {self.path}; check the path")
        if not self.path.is_file():
            raise SourceError(f"not a file: {self.path}; pass an audio or video file")
        check_readable(self.path)
        self._chunks = self._open()

    # -- decoding ---------------------------------------------------------------------
    def _open(self) -> Iterator[np.ndarray]:
        import soundfile as sf

        try:
            with self.path.open("rb") as f:
                magic = f.read(4)
            self._sf = sf.SoundFile(str(self.path)) if magic in SNDFILE_MAGIC else None
        except Exception:  # not a format libsndfile knows (mp4, m4a, mkv, ...): use ffmpeg
            self._sf = None
        if self._sf is not None:
            rate = int(self._sf.samplerate)
            self._check_rate(rate)
            self.native_rate_hz = rate
            return self._soundfile_chunks(rate)
        return self._ffmpeg_chunks()

    def _check_rate(self, rate: int) -> None:
        if not (MIN_FILE_RATE_HZ <= rate <= MAX_FILE_RATE_HZ):
            raise SourceError(
                f"{self.path}: sample rate {rate} Hz is not usable; "
                f"convert it to 16 kHz or more (e.g. ffmpeg -i IN -ar 16000 OUT.wav)"
            )

    def _soundfile_chunks(self, rate: int) -> Iterator[np.ndarray]:
        resampler = (
            None
            if rate == ANALYSIS_RATE_HZ
            else soxr.ResampleStream(rate, ANALYSIS_RATE_HZ, 1, "float32", RESAMPLE_QUALITY)
        )
        sfile = self._sf
        while True:
            try:
                data = sfile.read(self._CHUNK_FRAMES, dtype="float32", always_2d=True)
            except Exception as exc:
                raise SourceError(f"cannot decode {self.path}: {exc}") from None
            last = len(data) < self._CHUNK_FRAMES
            mono = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
            if resampler is not None:
                mono = resampler.resample_chunk(np.ascontiguousarray(mono), last=last)
            yield mono
            if last:
                return

    def _ffmpeg_chunks(self) -> Iterator[np.ndarray]:
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None:
            raise SourceError(
                f"cannot read {self.path}: it needs ffmpeg, which is not installed; "
                "install ffmpeg or pass a wav/flac file"
            )
        cmd = [
            ffmpeg, "-nostdin", "-v", "error", "-i", str(self.path), "-map", "0:a:0",
            "-vn", "-ac", "1", "-ar", str(ANALYSIS_RATE_HZ), "-f", "f32le", "-",
        ]  # fmt: skip
        self._proc = proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert proc.stdout is not None and proc.stderr is not None
        # drained on the side: a damaged file makes ffmpeg write an error line per bad
        # packet, and a full stderr pipe would stop it while we wait on its stdout
        errors: deque[str] = deque(maxlen=STDERR_LINES)
        drain = threading.Thread(
            target=keep_lines, args=(proc.stderr, errors), name="audio-file-log", daemon=True
        )
        drain.start()
        self.native_rate_hz = None
        leftover = b""
        n_bytes = 0
        while True:
            raw = proc.stdout.read(self._CHUNK_FRAMES * 4)
            if not raw:
                break
            n_bytes += len(raw)
            raw = leftover + raw
            cut = len(raw) - len(raw) % 4
            leftover = raw[cut:]
            yield np.frombuffer(raw[:cut], dtype="<f4").astype(np.float32)
        code = proc.wait()
        drain.join()  # ffmpeg ended: its stderr is at its end
        err = "\n".join(errors)
        self._proc = None
        if code != 0 or (n_bytes == 0 and err):
            if "matches no streams" in err or "does not contain any stream" in err:
                raise SourceError(
                    f"{self.path} has no audio track; pass a file with sound or --audio FILE"
                )
            first = err.splitlines()[-1] if err else f"ffmpeg exit code {code}"
            raise SourceError(f"cannot decode {self.path}: {first}")

    # -- reading ----------------------------------------------------------------------
    def read(self, timeout_s: float | None = None) -> AudioBlock | None:
        """The next block, or ``None`` at the end of the file (or after ``stop()``).

        ``timeout_s`` is there for the one ``read`` contract (``sources.base.AudioSource``);
        a file's audio is never waited for.
        """
        while not self._stopped:
            block = self._blocker.pop(final=self.eof)
            if block is not None:
                out = AudioBlock(self._t_next, block)
                self._t_next += len(block) / ANALYSIS_RATE_HZ
                if self.realtime:
                    self._pace(out.t_end)
                return out
            if self.eof:
                return None
            try:
                self._blocker.push(next(self._chunks))
            except StopIteration:
                self.eof = True
        return None

    def _pace(self, t_end: float) -> None:
        if self._clock is None:
            self._clock = SessionClock()
        wait = t_end - self._clock.now()
        if wait > 0:
            time.sleep(wait)

    def __iter__(self) -> Iterator[AudioBlock]:
        while (block := self.read()) is not None:
            yield block

    def stop(self) -> None:
        """Stop decoding and release the file; safe to call more than once."""
        if self._stopped:
            return
        self._stopped = True
        self.eof = True
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        if self._sf is not None:
            self._sf.close()
            self._sf = None
        self._blocker.clear()

    def __enter__(self) -> AudioFileSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def read_audio_file(path: str | Path) -> np.ndarray:
    """The whole audio of ``path`` as float32 mono at ``ANALYSIS_RATE_HZ``, shape (n,)."""
    with AudioFileSource(path, block_s=1.0) as src:
        blocks = [b.samples for b in src]
    return np.concatenate(blocks) if blocks else np.zeros(0, np.float32)
