"""Head pose and iris offsets of hand-labelled still portraits, for the gaze tests.

The face clips hold no head turned more than about 8 degrees, so how much of a head turn the
iris offset already shows cannot be read from them. Still portraits often show a head turned
or bowed with the eyes on the lens. ``bench/media/stills/deepface-gaze.json`` holds, per photo,
the hand label (camera | left | right | up | down | closed; doubtful photos are left out) and
what the product's face analysis makes of it: the official model in VIDEO mode over three
copies of the photo (as a still video would be read), the last frame's
:class:`~presence_coach.vision.face.FaceSample` fields. The photos themselves are not kept in
this repository (third-party portraits); the file names where they come from.

Usage: ``python bench/gaze_stills.py DATASET_DIR`` re-analyses the listed photos found in
DATASET_DIR (the source's ``tests/unit/dataset``) and rewrites the numbers, labels kept;
without an argument it scores the stored numbers with the current gaze rule.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from presence_coach.vision.face import FaceAnalyzer, FaceSample  # noqa: E402
from presence_coach.vision.gaze_state import gaze_direction, gaze_state  # noqa: E402

STILLS = REPO / "bench" / "media" / "stills" / "deepface-gaze.json"
MODEL = REPO.parent / "shared" / "models" / "face_landmarker.task"
FIELDS = ("yaw", "pitch", "roll", "gaze_h_left", "gaze_v_left", "gaze_h_right", "gaze_v_right")
FIELDS += ("blink",)
MAX_SIDE_PX = 960  # photos are scaled down to at most this many pixels a side (webcam-like)


def analyse_still(path: Path, model: Path = MODEL) -> FaceSample:
    """The product's reading of one photo, fed three times as a still video."""
    bgr = cv2.imread(str(path))
    if bgr is None:
        raise OSError(f"cannot read {path}")
    h, w = bgr.shape[:2]
    scale = min(1.0, MAX_SIDE_PX / max(h, w))
    bgr = cv2.resize(bgr, (int(w * scale), int(h * scale)))
    rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    with FaceAnalyzer(model) as face:
        for k in range(3):
            outputs = face.detect(rgb, k / 30)
        return face.sample(outputs, 2 / 30, (rgb.shape[1], rgb.shape[0]))


def samples(data: dict) -> list[tuple[str, str, FaceSample]]:
    """(file, label, sample) of every labelled photo in a loaded stills file."""
    return [
        (s["file"], s["label"], FaceSample(t=0.0, face=True, **s["sample"])) for s in data["stills"]
    ]


def main(dataset: Path) -> None:
    data = json.loads(STILLS.read_text())
    for item in data["stills"]:
        s = analyse_still(dataset / item["file"])
        item["sample"] = {f: round(float(getattr(s, f)), 4) for f in FIELDS}
    STILLS.write_text(json.dumps(data, indent=1) + "\n")
    print(f"{len(data['stills'])} photos re-analysed into {STILLS}")


def score() -> None:
    """Print how the current rule reads the stored photos, and the share of the head yaw
    that the iris offset of the looks into the lens does not cancel (0 is ideal)."""
    rows = samples(json.loads(STILLS.read_text()))
    cam = [s for _, label, s in rows if label == "camera"]
    averted = [s for _, label, s in rows if label != "camera"]
    hit = sum(gaze_state(s) == "camera" for s in cam)
    miss = sum(gaze_state(s) == "camera" for s in averted)
    yaw = np.array([s.yaw for s in cam])
    h = [gaze_direction(yaw=s.yaw, pitch=s.pitch, gaze_h=s.gaze_h, gaze_v=s.gaze_v)[0] for s in cam]
    print(f"camera {hit}/{len(cam)}, averted {len(averted) - miss}/{len(averted)}")
    print(f"gaze h per degree of head yaw on the lens: {np.polyfit(yaw, h, 1)[0]:+.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        score()
