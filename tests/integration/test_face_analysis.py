"""The real model on the real clips: faces found, pose signs agree with what is visible."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from presence_coach.models import find_model
from presence_coach.session.engine import FrameLoop
from presence_coach.sources.video import VideoSource
from presence_coach.vision.face import FaceAnalyzer, FaceSample, outputs_of
from tests.conftest import FACE_CLIPS, FACE_LABELS

CLIPS = {p.stem: p for p in FACE_CLIPS}


@pytest.fixture(scope="module")
def tracks() -> dict[str, dict[str, np.ndarray]]:
    """Every clip through the frame loop once: per-frame arrays by clip name."""
    out = {}
    for name, path in CLIPS.items():
        with FaceAnalyzer(find_model()) as analyzer, VideoSource(path) as source:
            loop = FrameLoop(source, analyzer)
            samples = [s for _, s in loop]
            assert loop.counters.frames == len(samples) == source.frame_count
            assert loop.counters.faces == sum(s.face for s in samples)
            assert set(loop.times.stages) == {"capture", "convert", "inference", "features"}
        keys = ("t", "face", "yaw", "pitch", "roll", "gaze_h", "gaze_v", "smile", "blink")
        out[name] = {k: np.array([float(getattr(s, k)) for s in samples]) for k in keys}
    return out


def _median(track: dict[str, np.ndarray], key: str, t0: float, t1: float) -> float:
    m = (track["t"] >= t0) & (track["t"] < t1)
    assert m.sum() >= 3
    return float(np.nanmedian(track[key][m]))


@pytest.mark.parametrize("name", sorted(CLIPS))
def test_face_found_in_nearly_every_frame(tracks, name: str) -> None:
    face = tracks[name]["face"]
    assert face.mean() >= 0.95
    finite = np.isfinite(tracks[name]["yaw"][face > 0])
    assert finite.all()


@pytest.mark.parametrize("name", sorted(CLIPS))
def test_values_are_in_their_ranges(tracks, name: str) -> None:
    tr = tracks[name]
    for key in ("smile", "blink"):
        assert np.nanmin(tr[key]) >= 0.0 and np.nanmax(tr[key]) <= 1.0
    # people facing a camera: the head stays within a plausible cone
    assert np.nanpercentile(np.abs(tr["yaw"]), 95) < 30
    assert np.nanpercentile(np.abs(tr["pitch"]), 95) < 30
    assert np.nanpercentile(np.abs(tr["gaze_h"]), 99) < 1.0


def test_roll_toward_viewers_left_is_negative(tracks) -> None:
    # d6 label: strong roll toward the viewer's left, maximal about 29.0-29.4 s
    d6 = tracks["d6"]
    assert _median(d6, "roll", 29.0, 29.4) < _median(d6, "roll", 24.0, 28.0) - 6.0


def test_lowered_head_is_negative_pitch(tracks) -> None:
    # d6 label: the head pitches down at 17.6-18.0 s and stays lower until about 21.5 s
    d6 = tracks["d6"]
    assert _median(d6, "pitch", 18.2, 21.0) < _median(d6, "pitch", 12.0, 17.0) - 3.0


def test_turn_toward_viewers_right_is_positive_yaw(tracks) -> None:
    # d14 label: small head raise and turn toward the viewer's right, 1.7-2.6 s
    d14 = tracks["d14"]
    assert _median(d14, "yaw", 1.9, 2.5) > _median(d14, "yaw", 0.0, 1.5) + 1.0
    assert _median(d14, "pitch", 1.9, 2.5) > _median(d14, "pitch", 0.0, 1.5) + 1.0


def test_iris_offset_follows_labelled_gaze(tracks) -> None:
    labels = json.loads((FACE_LABELS / "d10.json").read_text())["gaze"]
    d10 = tracks["d10"]
    left = [g["t"] for g in labels if g["label"] == "left"]
    right = [g["t"] for g in labels if g["label"] == "right"]
    camera = [g["t"] for g in labels if g["label"] == "camera"]
    assert left and right and camera
    for t in left:
        assert _median(d10, "gaze_h", t - 0.1, t + 0.1) < -0.2, t
    for t in right:
        assert _median(d10, "gaze_h", t - 0.1, t + 0.1) > 0.2, t
    cam = [_median(d10, "gaze_h", t - 0.1, t + 0.1) for t in camera]
    assert np.median(np.abs(cam)) < 0.15


def _analyze_frames(images: list[np.ndarray], fps: float = 30.0) -> list[FaceSample]:
    samples = []
    with FaceAnalyzer(find_model()) as analyzer:
        for i, image in enumerate(images):
            rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
            t = i / fps
            samples.append(analyzer.sample(analyzer.detect(rgb, t), t, image.shape[1::-1]))
    return samples


@pytest.fixture(scope="module")
def d14_frames() -> list[np.ndarray]:
    with VideoSource(CLIPS["d14"]) as source:
        return [f.image for f in source][:90]


def test_mirrored_video_flips_yaw_roll_and_gaze(d14_frames: list[np.ndarray]) -> None:
    plain = _analyze_frames(d14_frames)
    mirrored = _analyze_frames([cv2.flip(f, 1) for f in d14_frames])
    for key in ("yaw", "roll"):
        a = np.array([getattr(s, key) for s in plain])
        b = np.array([getattr(s, key) for s in mirrored])
        assert np.median(np.abs(a + b)) < 1.0, key  # b = -a
        assert np.median(np.abs(a)) > 0.5, key  # and the test is not trivially 0 = -0
    pitch_a = np.array([s.pitch for s in plain])
    pitch_b = np.array([s.pitch for s in mirrored])
    assert np.median(np.abs(pitch_a - pitch_b)) < 1.0
    gaze_a = np.array([s.gaze_h for s in plain])
    gaze_b = np.array([s.gaze_h for s in mirrored])
    assert np.median(np.abs(gaze_a + gaze_b)) < 0.08


@pytest.mark.parametrize("angle_deg", [-12.0, 12.0])
def test_in_plane_rotation_shows_as_roll(d14_frames: list[np.ndarray], angle_deg: float) -> None:
    frames = d14_frames[:30]
    h, w = frames[0].shape[:2]
    # OpenCV's positive angle turns the image counter-clockwise on screen, so the head's top
    # moves toward the viewer's left: roll goes down by the angle
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    turned = [cv2.warpAffine(f, m, (w, h), borderMode=cv2.BORDER_REPLICATE) for f in frames]
    base = np.median([s.roll for s in _analyze_frames(frames)])
    rolled = np.median([s.roll for s in _analyze_frames(turned)])
    assert rolled - base == pytest.approx(-angle_deg, abs=2.0)


def test_frame_without_a_face_is_data_not_an_error(d14_frames: list[np.ndarray]) -> None:
    blank = np.full_like(d14_frames[0], 127)
    samples = _analyze_frames([d14_frames[0], blank, blank, d14_frames[3]])
    assert [s.face for s in samples] == [True, False, False, True]
    assert np.isnan(samples[1].yaw) and np.isnan(samples[1].gaze_h) and np.isnan(samples[1].smile)
    assert samples[1].t == pytest.approx(1 / 30)


def test_c_results_equal_the_public_api(d14_frames: list[np.ndarray]) -> None:
    # the fast path reads MediaPipe's C result struct; the public detect_for_video on a second
    # landmarker, fed the same frames (faces, and blank frames with none), must agree exactly
    import mediapipe as mp

    blank = np.full_like(d14_frames[0], 127)
    frames = [*d14_frames[:40], blank, blank, *d14_frames[40:60]]
    with FaceAnalyzer(find_model()) as fast, FaceAnalyzer(find_model()) as public:
        # the installed MediaPipe has the ctypes wrapper this reads (else this fails, and a
        # session quietly uses the public API: update vision/landmarker_c.py for the new wrapper)
        assert fast.reads_c_results
        landmarker = public._landmarker
        for i, image in enumerate(frames):
            rgb = np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
            got = fast.detect(rgb, i / 30)
            image_mp = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
            want = outputs_of(landmarker.detect_for_video(image_mp, round(i * 1000 / 30)))
            assert (got.landmarks is None) == (want.landmarks is None) == (40 <= i < 42), i
            if want.landmarks is None:
                assert got == want
                continue
            assert got.landmarks is not None and got.landmarks.shape == (478, 3)
            assert np.array_equal(got.landmarks, want.landmarks), i
            assert np.array_equal(got.matrix, want.matrix), i
            assert got.blendshapes == want.blendshapes and len(want.blendshapes or {}) == 52, i


def test_analyzer_closes_twice_and_rejects_a_wrong_model(tmp_path: Path) -> None:
    from presence_coach.errors import ModelError

    analyzer = FaceAnalyzer(find_model())
    analyzer.close()
    analyzer.close()
    wrong = tmp_path / "face_landmarker.task"
    wrong.write_bytes(b"PK\x03\x04 this is not a model bundle")
    with pytest.raises(ModelError, match=r"cannot load .* as a Face Landmarker model"):
        FaceAnalyzer(wrong)
