"""The natural-behaviour generated set (``tests/lifemotion.py``), analysed once and cached.

Each scenario is rendered at 30 fps and tracked at 30 and at 15 fps; the raw landmarker outputs
go to ``bench/_work/life/<name>-<key>-<fps>fps.npz`` (see ``bench/facecache.py``), keyed by the
scenario, its base and the generator versions, so a changed script regenerates only its clips.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

import facecache  # noqa: E402
import headmotion  # noqa: E402
import lifemotion  # noqa: E402

RATES = (30.0, 15.0)
WORK = REPO / "bench" / "_work" / "life"


def key(scenario: lifemotion.LifeScenario) -> str:
    text = repr((scenario, headmotion.GENERATOR_VERSION, lifemotion.LIFE_VERSION))
    return f"{scenario.name}-{hashlib.sha1(text.encode()).hexdigest()[:10]}"


def tracks(
    scenarios: list[lifemotion.LifeScenario],
    *,
    faces_dir: Path,
    model: Path,
    work: Path | None = WORK,
    rates: tuple[float, ...] = RATES,
    log=print,
) -> list[tuple[lifemotion.LifeScenario, dict[float, facecache.Track]]]:
    """Every scenario with its tracks per rate (from ``work`` when cached; ``work=None``
    analyses everything afresh and keeps nothing)."""
    renderers: dict[headmotion.Base, headmotion.HeadRenderer] = {}
    out = []
    for scenario in scenarios:
        files = {r: work / f"{key(scenario)}-{int(r)}fps.npz" for r in rates} if work else {}
        if files and all(f.exists() for f in files.values()):
            out.append((scenario, {r: facecache.Track.load(f) for r, f in files.items()}))
            continue
        if scenario.base not in renderers:
            renderers[scenario.base] = lifemotion.renderer_for(scenario.base, faces_dir, model)
        t0 = time.perf_counter()
        frames = lifemotion.frames(scenario, renderers[scenario.base])
        result = facecache.analyse(frames, model=model, rates=rates)
        for r, f in files.items():
            result[r].save(f)
        log(f"  generated {scenario.name} in {time.perf_counter() - t0:.0f} s")
        out.append((scenario, result))
    return out


def main() -> None:
    import os

    shared = Path(os.environ.get("PRESENCE_COACH_SHARED", REPO.parent / "shared")).resolve()
    faces, model = shared / "media" / "faces", shared / "models" / "face_landmarker.task"
    for name, scenarios in (("dev", lifemotion.dev_set()), ("held-out", lifemotion.heldout_set())):
        print(f"{name}: {len(scenarios)} clips", flush=True)
        tracks(scenarios, faces_dir=faces, model=model, log=lambda m: print(m, flush=True))


if __name__ == "__main__":
    main()
