"""The repo's own real face clips (``bench/media/faces``): the format the benchmarks expect, a
hand-label file in the shared format and a source entry for each, and the natural-behaviour
bases that use them found where they say."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import headmotion
import lifemotion

from tests.conftest import REPO, SHARED

BENCH = REPO / "bench" / "media"
CLIPS = sorted((BENCH / "faces").glob("*.mp4"))
GAZE = {"camera", "left", "right", "up", "down", "closed", "unsure"}
HEAD = {"nod", "shake", "turn", "tilt"}
# clips outside the shared media format (25-30 fps, 480-512 px): (fps, width, height)
NATIVE = {"p1.mp4": (23.976, 640, 360)}


def _video(path: Path) -> tuple[float, int, int, float]:
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS)
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    n = cap.get(cv2.CAP_PROP_FRAME_COUNT)
    cap.release()
    return fps, w, h, n / fps


def test_bench_clips_have_the_media_format():
    assert CLIPS
    total = sum(p.stat().st_size for p in CLIPS)
    assert total < 12e6
    for clip in CLIPS:
        fps, w, h, duration_s = _video(clip)
        if clip.name in NATIVE:  # kept at its source's size and rate (media/SOURCES.md)
            assert (round(fps, 3), w, h) == NATIVE[clip.name] and duration_s <= 40, clip.name
            continue
        assert 25 <= fps <= 30 and 480 <= max(w, h) <= 512 and duration_s <= 40, clip.name


def test_every_bench_clip_has_labels_and_a_source():
    sources = (BENCH / "SOURCES.md").read_text()
    for clip in CLIPS:
        assert clip.name in sources, clip.name
        labels = json.loads((BENCH / "faces" / "labels" / f"{clip.stem}.json").read_text())
        fps, _, _, duration_s = _video(clip)
        assert labels["clip"] == clip.name and abs(labels["fps"] - fps) < 0.01
        times = [g["t"] for g in labels["gaze"]]
        assert times == [k * labels["gaze_step_s"] for k in range(len(times))]
        assert times[-1] <= duration_s and {g["label"] for g in labels["gaze"]} <= GAZE
        for event in labels["head_events"]:
            assert event["type"] in HEAD and 0 <= event["start"] < event["end"] <= duration_s
        assert "Method" in labels["notes"]


def test_bases_are_found_where_they_say():
    shared_faces = SHARED / "media" / "faces"
    for bases in lifemotion.NATURAL_BASES.values():
        for base in bases:
            path = base.path(shared_faces)
            assert path.is_file(), path
            assert path.parent == (BENCH / "faces" if base.folder == "bench" else shared_faces)
            assert base.end_s <= _video(path)[3]


def test_shared_bases_keep_their_cache_keys():
    # the natural-behaviour cache is keyed on each scenario's repr (bench/lifedata.py)
    base = headmotion.Base("d0.mp4", 0.32, 3.0)
    assert repr(base) == "Base(clip='d0.mp4', start_s=0.32, end_s=3.0)"
    assert "folder='bench'" in repr(headmotion.Base("g1.mp4", 0.0, 2.96, "bench"))
