"""Accuracy of the face event detectors, written to bench/RESULTS-vision.md.

* Nods and shakes on the generated set (``tests/headmotion.py``: real faces re-rendered with
  scripted head motion): event precision, recall and F1 (a detection matches a scripted event
  of its kind when the intervals overlap; each scripted event matches at most once), and false
  nods per minute on the no-nod material (turns, tilts, posture shifts, stillness, talking).
* Gaze on the hand-labelled clips (``media/faces/labels``): per-frame camera-vs-averted
  agreement at the labelled instants (unsure and closed left out) and camera-gaze F1.
* Cost of the detectors per frame (ms), to compare with the frame loop's stages.

Everything at 30 fps and at 15 fps. Analyser output of the generated clips is cached under
``bench/_work/`` (delete it to regenerate). Usage: ``python bench/accuracy_vision.py``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import sys
import time
from dataclasses import fields
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import headmotion  # noqa: E402

from presence_coach.sources.video import VideoSource  # noqa: E402
from presence_coach.vision.detectors import Event, FaceEventDetectors  # noqa: E402
from presence_coach.vision.face import FaceAnalyzer, FaceSample  # noqa: E402
from presence_coach.vision.gaze_state import gaze_state  # noqa: E402

SHARED = Path(os.environ.get("PRESENCE_COACH_SHARED", REPO.parent / "shared")).resolve()
FACES = SHARED / "media" / "faces"
LABELS = FACES / "labels"
MODEL = SHARED / "models" / "face_landmarker.task"
WORK = REPO / "bench" / "_work" / "headmotion"
RATES = (30.0, 15.0)
SEED = 7
# the bench set: per face one gesture clip and three no-gesture clips, plus talking replays
SET = {"seed": SEED, "negative_s": 30.0, "negatives_per_face": 3}
FIELDS = [f.name for f in fields(FaceSample) if f.name not in ("landmarks", "box")]


def save_samples(path: Path, samples: list[FaceSample]) -> None:
    np.save(path, np.array([[float(getattr(s, f)) for f in FIELDS] for s in samples]))


def load_samples(path: Path) -> list[FaceSample]:
    rows = np.load(path)
    return [
        FaceSample(
            **{f: (bool(v) if f == "face" else float(v)) for f, v in zip(FIELDS, row, strict=True)}
        )
        for row in rows
    ]


def generated(
    scenarios: list[headmotion.Scenario] | None = None, work: Path = WORK
) -> list[tuple[headmotion.Scenario, dict[float, list[FaceSample]]]]:
    """Every scenario (default: the bench set) with its analyser samples per rate, cached in
    ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    out = []
    for scenario in headmotion.scenarios(**SET) if scenarios is None else scenarios:
        key = repr((scenario, scenario.base, headmotion.GENERATOR_VERSION))
        digest = hashlib.sha1(key.encode()).hexdigest()[:10]
        key = f"{scenario.name}-{digest}"
        paths = {fps: work / f"{key}-{int(fps)}fps.npy" for fps in RATES}
        if not all(p.exists() for p in paths.values()):
            t0 = time.perf_counter()
            result = headmotion.analyze_scenario(
                scenario, faces_dir=FACES, model=MODEL, rates=RATES
            )
            for fps, path in paths.items():
                save_samples(path, result[fps])
            print(f"  generated {scenario.name} in {time.perf_counter() - t0:.0f} s", flush=True)
        out.append((scenario, {fps: load_samples(p) for fps, p in paths.items()}))
    return out


def run_detectors(samples: list[FaceSample]) -> tuple[list[Event], float]:
    """All events of one stream, and the detectors' mean cost per frame in ms."""
    det = FaceEventDetectors()
    events: list[Event] = []
    t0 = time.perf_counter()
    for s in samples:
        events += det.update(s)
        det.frame_state(s)
    events += det.finish(samples[-1].t)
    return events, (time.perf_counter() - t0) * 1000 / max(len(samples), 1)


def match(
    truth: list[tuple[float, float]], found: list[tuple[float, float]]
) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) with interval-overlap matching."""
    used = set()
    tp = 0
    for a, b in found:
        for i, (c, d) in enumerate(truth):
            if i not in used and a < d and c < b:
                used.add(i)
                tp += 1
                break
    return tp, len(found) - tp, len(truth) - tp


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score_gestures(data) -> dict[float, dict[str, object]]:
    out = {}
    for fps in RATES:
        counts = {"nod": [0, 0, 0], "shake": [0, 0, 0]}
        false_nods = 0
        no_nod_s = 0.0
        cost = []
        amp_err = []
        for scenario, by_rate in data:
            events, ms = run_detectors(by_rate[fps])
            cost.append(ms)
            for kind in ("nod", "shake"):
                truth = [(m.start_s, m.end_s) for m in scenario.events(kind)]
                found = [(e.start, e.end) for e in events if e.type == kind]
                for i, v in enumerate(match(truth, found)):
                    counts[kind][i] += v
                if kind == "nod":
                    for m in scenario.events("nod"):
                        near = [
                            e
                            for e in events
                            if e.type == "nod" and e.start < m.end_s and m.start_s < e.end
                        ]
                        if near:
                            amp_err.append(near[0].attrs["amplitude_deg"] / m.amplitude_deg)
            # no-nod time: everything outside scripted nods (plus 1 s margin each side)
            nods = scenario.events("nod")
            covered = sum(m.end_s - m.start_s + 2.0 for m in nods)
            no_nod_s += max(0.0, scenario.duration_s - covered)
            for e in events:
                if e.type == "nod" and not any(
                    e.start < m.end_s + 1 and m.start_s - 1 < e.end for m in nods
                ):
                    false_nods += 1
        out[fps] = {
            "nod": prf(*counts["nod"]),
            "nod_counts": counts["nod"],
            "shake": prf(*counts["shake"]),
            "shake_counts": counts["shake"],
            "false_nods": false_nods,
            "no_nod_min": no_nod_s / 60,
            "cost_ms": float(np.mean(cost)),
            "amp_ratio": float(np.median(amp_err)) if amp_err else float("nan"),
        }
    return out


def clip_samples(clip: Path, step: int) -> list[FaceSample]:
    """Analyser samples of a real clip, every ``step``-th frame (its own tracking run)."""
    out = []
    with FaceAnalyzer(MODEL) as a, VideoSource(clip) as src:
        for i, frame in enumerate(src):
            if i % step:
                continue
            rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
            h, w = frame.image.shape[:2]
            out.append(a.sample(a.detect(rgb, frame.t), frame.t, (w, h)))
    return out


def real_clips(
    names: list[str] | None = None, work: Path | None = WORK / "real"
) -> dict[str, dict[float, list[FaceSample]]]:
    """Samples of the real clips (default: all) at each rate, cached in ``work`` if given."""
    out: dict[str, dict[float, list[FaceSample]]] = {}
    for clip in sorted(FACES.glob("*.mp4")):
        if names is not None and clip.stem not in names:
            continue
        out[clip.stem] = {}
        for fps in RATES:
            step = max(1, round(30.0 / fps))
            path = work / f"{clip.stem}-{int(fps)}fps.npy" if work else None
            if path is not None and path.exists():
                out[clip.stem][fps] = load_samples(path)
                continue
            samples = clip_samples(clip, step)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                save_samples(path, samples)
            out[clip.stem][fps] = samples
    return out


def labelled_nods(name: str) -> list[tuple[float, float]]:
    """Hand-labelled nods of a real clip (any confidence), as (start, end)."""
    path = LABELS / f"{name}.json"
    if not path.exists():
        return []
    items = json.loads(path.read_text())["head_events"]
    return [(e["start"], e["end"]) for e in items if e["type"] == "nod"]


def score_real_nods(real: dict[str, dict[float, list[FaceSample]]]) -> dict[float, dict]:
    """Nods found on the real clips away from (1 s beyond) any labelled nod: false nods on
    real no-nod material (talking, expressions, tilts). Also the labelled nods found."""
    out = {}
    for fps in RATES:
        false: list[tuple[str, float, float]] = []
        minutes = 0.0
        hits = total = 0
        for name, by_rate in real.items():
            samples = by_rate[fps]
            events, _ = run_detectors(samples)
            nods = labelled_nods(name)
            span = samples[-1].t - samples[0].t
            minutes += max(0.0, span - sum(b - a + 2.0 for a, b in nods)) / 60
            found = [e for e in events if e.type == "nod"]
            for e in found:
                if not any(e.start < b + 1 and a - 1 < e.end for a, b in nods):
                    false.append((name, round(e.start, 2), round(e.end, 2)))
            total += len(nods)
            hits += sum(any(e.start < b and a < e.end for e in found) for a, b in nods)
        out[fps] = {"false": false, "minutes": minutes, "labelled_hits": (hits, total)}
    return out


def score_gaze(real: dict[str, dict[float, list[FaceSample]]]) -> dict[float, dict[str, float]]:
    """Camera-vs-averted agreement at the hand-labelled instants (unsure, closed left out)."""
    out = {}
    for fps in RATES:
        ok = total = tp = fp = fn = 0
        for label_file in sorted(LABELS.glob("*.json")):
            labels = json.loads(label_file.read_text())
            samples = real[Path(labels["clip"]).stem][fps]
            times = np.array([s.t for s in samples])
            for item in labels["gaze"]:
                if item["label"] in ("unsure", "closed"):
                    continue
                s = samples[int(np.argmin(np.abs(times - item["t"])))]
                pred = gaze_state(s) == "camera"
                truth = item["label"] == "camera"
                total += 1
                ok += pred == truth
                tp += pred and truth
                fp += pred and not truth
                fn += truth and not pred
        out[fps] = {"agreement": ok / total, "n": total, "camera_f1": prf(tp, fp, fn)[2]}
    return out


def main() -> None:
    print("generating / loading the head-motion set ...", flush=True)
    data = generated()
    gestures = score_gestures(data)
    real = real_clips()
    real_nods = score_real_nods(real)
    gaze = score_gaze(real)
    n_nods = sum(len(s.events("nod")) for s, _ in data)
    n_shakes = sum(len(s.events("shake")) for s, _ in data)
    gen_min = sum(s.duration_s for s, _ in data) / 60
    real_min = sum(v[30.0][-1].t for v in real.values()) / 60
    lines = [
        "# Face event detectors: accuracy",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, "
        f"Python {platform.python_version()}. Date: {datetime.date.today().isoformat()}.",
        f"Generated set (seed {SEED}): {len(data)} clips ({gen_min:.1f} min), {n_nods} scripted "
        f"nods, {n_shakes} shakes, 4 faces with gestures and turns/tilts/posture shifts, "
        f"3 real talking stretches replayed; plus the {len(real)} real clips ({real_min:.1f} min; "
        "gaze labels on 3).",
        "Produced by `python bench/accuracy_vision.py`.",
        "",
        "| measure | target | 30 fps | 15 fps |",
        "|---|---|---|---|",
    ]

    def row(name: str, target: str, fmt) -> None:
        lines.append(f"| {name} | {target} | {fmt(30.0)} | {fmt(15.0)} |")

    def pr(kind):
        return lambda f: "P {:.2f} R {:.2f} F1 **{:.2f}**".format(*gestures[f][kind])

    row("nod events", "F1 >= 0.90", pr("nod"))
    row("nod tp/fp/fn", "", lambda f: "{}/{}/{}".format(*gestures[f]["nod_counts"]))
    row("shake events", "F1 >= 0.90", pr("shake"))
    row("shake tp/fp/fn", "", lambda f: "{}/{}/{}".format(*gestures[f]["shake_counts"]))
    row(
        "false nods, generated no-nod motion",
        "",
        lambda f: "{} in {:.1f} min".format(gestures[f]["false_nods"], gestures[f]["no_nod_min"]),
    )
    row(
        "false nods, real clips away from labelled nods",
        "",
        lambda f: "{} in {:.1f} min {}".format(
            len(real_nods[f]["false"]), real_nods[f]["minutes"], real_nods[f]["false"] or ""
        ),
    )

    def false_rate(f: float) -> str:
        count = gestures[f]["false_nods"] + len(real_nods[f]["false"])
        minutes = gestures[f]["no_nod_min"] + real_nods[f]["minutes"]
        return f"{count} in {minutes:.1f} min = **{count / minutes:.2f} / min**"

    row("false nods, all no-nod material", "<= 0.2 / min", false_rate)
    row(
        "labelled real nods found (low-confidence labels)",
        "",
        lambda f: "{} of {}".format(*real_nods[f]["labelled_hits"]),
    )
    row(
        "nod amplitude measured / scripted (median)",
        "",
        lambda f: f"{gestures[f]['amp_ratio']:.2f}",
    )
    row(
        "gaze camera-vs-averted agreement",
        ">= 90 %",
        lambda f: f"{100 * gaze[f]['agreement']:.1f} % (n={gaze[f]['n']})",
    )
    row("camera-gaze F1", "", lambda f: f"{gaze[f]['camera_f1']:.2f}")
    row("detector cost per frame", "small", lambda f: f"{gestures[f]['cost_ms']:.3f} ms")
    text = "\n".join(lines) + "\n"
    notes = REPO / "bench" / "RESULTS-vision-notes.md"
    if notes.exists():
        text += "\n" + notes.read_text()
    (REPO / "bench" / "RESULTS-vision.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
