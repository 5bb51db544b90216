"""The app's calm status words and the gentle cue (pure; the cue on a real conversation)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import soundfile as sf

from presence_coach.app.status import (
    CueOptions,
    LongSpeechCue,
    elapsed_words,
    face_words,
    level_fraction,
    saving_words,
    snapshot,
)
from presence_coach.session.live import LiveStatus
from presence_coach.sources.video import Frame
from presence_coach.vision.face import FaceSample
from presence_coach.voice.prosody import rms_dbfs
from tests.conftest import SPEECH

BLOCK_S = 0.032  # the microphone's level comes per block of about this length


def test_words_not_numbers_to_watch() -> None:
    assert [elapsed_words(s) for s in (0, 59.9, 60, 61, 150, 3599, 3600, 3900)] == [
        "Just started", "Just started", "1 minute", "1 minute", "2 minutes", "59 minutes",
        "1 h 0 min", "1 h 5 min",
    ]  # fmt: skip
    assert [face_words(f) for f in (True, False, None)] == [
        "Face in view", "Face not in view", "No picture from the camera"
    ]  # fmt: skip
    assert [level_fraction(x) for x in (None, math.nan, -90.0, -60.0, -35.0, -10.0, 0.0)] == [
        0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 1.0
    ]  # fmt: skip
    assert saving_words("disk full") == "Not saving: disk full"


def test_a_snapshot_keeps_words_not_the_picture() -> None:
    image = np.zeros((48, 64, 3), np.uint8)
    frame = Frame(t=12.5, image=image, index=3, t_captured=12.5, decode_s=0.001)
    status = LiveStatus(12.5, frame, FaceSample(t=12.5, face=True), {}, 300, 2, -31.0)
    snap = snapshot(status)
    assert (snap.t_s, snap.face, snap.mic_dbfs, snap.mic_lost, snap.saving) == (
        12.5, True, -31.0, False, None
    )  # fmt: skip
    assert (
        snapshot(LiveStatus(1.0, frame, FaceSample(t=1.0, face=False), {}, 1, 0, math.nan)).mic_dbfs
        is None
    )


def _levels() -> np.ndarray:
    """Block levels of a real two-person conversation (speech from 6.69 s to 30 s)."""
    x, sr = sf.read(SPEECH / "conversation_sample.wav", dtype="float32")
    n = round(BLOCK_S * sr)
    return rms_dbfs(x[: len(x) // n * n].reshape(-1, n))


def _cues(options: CueOptions) -> list[float]:
    cue = LongSpeechCue(options)
    return [i * BLOCK_S for i, lv in enumerate(_levels()) if cue.update(i * BLOCK_S, float(lv))]


def test_the_cue_comes_after_a_long_stretch_of_speaking_then_keeps_quiet() -> None:
    times = _cues(CueOptions(long_speech_s=3.0, quiet_after_cue_s=5.0))
    # the talk starts at 6.69 s (reference turns): 3 s later, not before
    assert times[0] == pytest.approx(6.69 + 3.0, abs=0.3)
    assert all(b - a >= 5.0 for a, b in itertools.pairwise(times))
    # 23 s of talk never reaches the default two minutes; nothing is said
    assert _cues(CueOptions()) == []
    assert _cues(CueOptions(long_speech_s=3.0, quiet_after_cue_s=600.0)) == times[:1]


def test_a_pause_ends_the_stretch() -> None:
    cue = LongSpeechCue(CueOptions(long_speech_s=3.0, max_gap_s=1.0))
    said = [cue.update(t / 10, -30.0) for t in range(25)]  # 2.5 s of speech
    said += [cue.update(2.5 + t / 10, -70.0) for t in range(12)]  # a 1.2 s pause
    said += [cue.update(3.7 + t / 10, -30.0) for t in range(25)]  # 2.5 s again: no cue
    assert not any(said)
    with pytest.raises(ValueError):
        CueOptions(long_speech_s=0.0)


def _snap(t: float, face: bool | None = True, mic: float | None = -30.0, **kw) -> object:
    from presence_coach.app.status import Snapshot

    return Snapshot(t_s=t, face=face, mic_dbfs=mic, mic_lost=kw.get("lost", False),
                    saving=kw.get("saving"))  # fmt: skip


def test_each_problem_is_told_once_and_the_state_follows_what_is_wrong_now() -> None:
    from presence_coach.app.problems import ProblemWatch

    watch = ProblemWatch(mic_wanted=True)
    assert watch.update(_snap(1.0)) == (False, [])
    wrong, new = watch.update(_snap(2.0, mic=None))  # heard, now silent: lost
    assert wrong and [p.key for p in new] == ["mic"]
    assert new[0].title == "The microphone stopped giving sound"
    assert watch.update(_snap(3.0, mic=None)) == (True, [])  # told once
    wrong, new = watch.update(_snap(4.0, mic=None, face=None, saving="disk full"))
    assert [p.key for p in new] == ["camera", "saving"]
    assert new[1].text == (
        "Your session could not be saved just now (disk full). Recording goes on, and what it "
        "records waits to be saved. Free some space on the disk that holds your data folder."
    )
    watch.reset(mic_wanted=True)
    # a microphone that never gave sound is said after 5 s, not before
    assert watch.update(_snap(4.9, mic=None)) == (False, [])
    assert [p.key for p in watch.update(_snap(5.0, mic=None))[1]] == ["no-mic"]
    watch.reset(mic_wanted=False)  # "No microphone" chosen: nothing to say about it
    assert watch.update(_snap(60.0, mic=None)) == (False, [])


def test_saving_is_told_each_time_it_fails_and_each_time_it_works_again() -> None:
    from presence_coach.app.problems import ProblemWatch

    watch = ProblemWatch(mic_wanted=False)
    wrong, new = watch.update(_snap(1.0, saving="database busy"))
    assert wrong and [(p.key, p.good_news) for p in new] == [("saving", False)]
    assert new[0].text.endswith("(database busy). Recording goes on, and what it records "
                                "waits to be saved.")  # fmt: skip
    assert watch.update(_snap(2.0, saving="database busy")) == (True, [])  # said once
    wrong, new = watch.update(_snap(3.0))
    assert not wrong and [(p.key, p.good_news) for p in new] == [("saved", True)]
    assert (new[0].title, new[0].text) == (
        "Saving works again",
        "Everything that waited has been saved.",
    )
    assert watch.update(_snap(4.0)) == (False, [])
    wrong, new = watch.update(_snap(5.0, saving="disk full"))  # full again: said again
    assert wrong and [p.key for p in new] == ["saving"] and "Free some space" in new[0].text
