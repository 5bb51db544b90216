"""The set-up checks (framing, light, camera height, microphone): each rule on both sides of
its threshold, with the threshold itself on the side the product has always put it, and one
sentence of advice for each way a check can fail."""

from __future__ import annotations

from presence_coach.calibration.checks import setup_findings
from presence_coach.calibration.profile import Finding, GazeStats, VoiceBaseline
from presence_coach.calibration.steps import StepInput
from presence_coach.vision.face import FaceSample


def findings(
    *,
    width: float = 0.25,
    x: float = 0.375,
    y: float = 0.375,
    luma: tuple[float, float] | None = (120.0, 100.0),
    pitch_deg: float = 0.0,
    speech_dbfs: float | None = -30.0,
    noise_dbfs: float | None = -60.0,
    clipped: float | None = 0.0,
) -> dict[str, Finding]:
    """The findings of a camera step whose face box is ``(x, y, width, width)`` in every frame
    (the median is then that box), with the given lighting, head pitch and voice."""
    samples = [FaceSample(t=i / 30, face=True, box=(x, y, width, width)) for i in range(5)]
    camera = StepInput("camera", 0.0, 4.0, samples=samples, frames_seen=5)
    if luma is not None:
        camera.luma = [luma, luma, luma]
    stats = GazeStats(0.0, 0.0, 1.0, 1.0, 0.0, pitch_deg, 5)
    voice = None if speech_dbfs is None and noise_dbfs is None else VoiceBaseline(
        noise_floor_dbfs=noise_dbfs, speech_level_dbfs=speech_dbfs
    )  # fmt: skip
    out = setup_findings(camera, stats, voice, clipped)
    return {f.check: f for f in out}


def test_a_good_set_up_passes_every_check_in_order() -> None:
    got = findings()
    assert list(got) == [
        "face_size", "face_centre", "dark", "backlit", "camera_height",
        "mic_quiet", "clipping", "noisy",
    ]  # fmt: skip
    assert all(f.ok and f.advice == "" for f in got.values()), got
    assert got["face_size"].detail == "face 25% of the picture width"
    assert got["face_centre"].detail == "face centre at 50% across, 50% down"
    assert got["backlit"].value == -20.0 and got["backlit"].detail.startswith("background -20")
    assert got["noisy"].value == 30.0 and got["noisy"].detail == "speech 30 dB above the room noise"


def test_face_size_both_ways() -> None:
    assert findings(width=0.15)["face_size"].ok  # the threshold itself is fine
    small = findings(width=0.14, x=0.43, y=0.43)["face_size"]
    assert not small.ok and small.value == 0.14 and "sit closer" in small.advice
    assert findings(width=0.75, x=0.125, y=0.125)["face_size"].ok
    close = findings(width=0.76, x=0.12, y=0.12)["face_size"]
    assert not close.ok and "sit back" in close.advice


def test_face_off_centre() -> None:
    assert findings(x=0.565)["face_centre"].ok  # centre 0.69
    off = findings(x=0.585)["face_centre"]  # centre 0.71 across
    assert not off.ok and off.value == 0.21 and "off-centre" in off.advice
    assert "71% across" in off.detail
    assert not findings(y=0.0)["face_centre"].ok  # centre 0.125 down: too high


def test_light_dark_and_backlit() -> None:
    assert findings(luma=(60.0, 60.0))["dark"].ok  # the threshold itself is fine
    dark = findings(luma=(59.5, 59.5))["dark"]
    assert not dark.ok and dark.value == 59.5 and "add a lamp" in dark.advice
    assert findings(luma=(60.0, 99.5))["backlit"].ok
    backlit = findings(luma=(60.0, 100.0))["backlit"]  # 40 brighter: the threshold fails
    assert not backlit.ok and backlit.value == 40.0 and "back-lit" in backlit.advice
    # no brightness measured: neither check is made
    assert "dark" not in findings(luma=None) and "backlit" not in findings(luma=None)


def test_camera_height_both_ways() -> None:
    assert findings(pitch_deg=15.0)["camera_height"].ok
    assert findings(pitch_deg=-15.0)["camera_height"].ok
    above = findings(pitch_deg=-15.5)["camera_height"]
    assert not above.ok and above.value == -15.5 and "far above your eye line" in above.advice
    below = findings(pitch_deg=15.5)["camera_height"]
    assert not below.ok and "far below your eye line" in below.advice
    assert below.detail == "head pitch +16 deg while looking into the lens"


def test_microphone_quiet_clipping_and_noise() -> None:
    assert findings(speech_dbfs=-40.0, noise_dbfs=-60.0)["mic_quiet"].ok
    quiet = findings(speech_dbfs=-40.5, noise_dbfs=-60.0)["mic_quiet"]
    assert not quiet.ok and quiet.value == -40.5 and "raise the input level" in quiet.advice
    assert findings(clipped=0.00099)["clipping"].ok
    clips = findings(clipped=0.001)["clipping"]  # the threshold itself clips
    assert not clips.ok and clips.detail == "0.10% of samples at full scale"
    assert "lower the input level" in clips.advice
    assert findings(speech_dbfs=-45.0, noise_dbfs=-60.0)["noisy"].ok  # 15 dB is enough
    noisy = findings(speech_dbfs=-45.5, noise_dbfs=-60.0)["noisy"]
    assert not noisy.ok and noisy.value == 14.5 and "headset" in noisy.advice


def test_microphone_checks_need_what_they_look_at() -> None:
    # no reading step: no speech level, so no microphone check at all
    got = findings(speech_dbfs=None, noise_dbfs=-60.0, clipped=None)
    assert not {"mic_quiet", "clipping", "noisy"} & set(got)
    assert "mic_quiet" not in findings(speech_dbfs=None, noise_dbfs=None)
    # speech without a clipping count or a noise floor: only what was measured
    assert set(findings(clipped=None)) >= {"mic_quiet", "noisy"}
    assert "clipping" not in findings(clipped=None)
    assert "noisy" not in findings(noise_dbfs=None)
