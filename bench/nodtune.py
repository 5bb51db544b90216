"""Quick scoring of the nod and shake detector while tuning it, from samples kept in one file.

``bench/accuracy_vision.py`` rebuilds every frame's :class:`FaceSample` from the cached
landmarks (seconds per clip). This keeps the rebuilt samples of every natural-behaviour clip
already tracked under ``bench/_work/life`` in one pickle (``bench/_work/samples-<sets>.pkl``,
one per pair of scenario sets), so a changed threshold is scored in seconds:

    python bench/nodtune.py                 # development set, 30 and 15 fps
    python bench/nodtune.py --held-out      # the held-out people too (report, do not tune)
    python bench/nodtune.py --misses        # list every missed gesture and false detection
    python bench/nodtune.py --set min_contrast=2.0 --set talk_activity=1.2

The samples are those the product computes (``facecache.Track.samples``); delete the pickle
after a change to how a :class:`FaceSample` is computed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

import accuracy_vision  # noqa: E402
import lifemotion  # noqa: E402
import nodscore  # noqa: E402

from presence_coach.vision.nods import HeadGestureOptions  # noqa: E402

PICKLE = REPO / "bench" / "_work" / "samples.pkl"  # named per set, see _pickle
SHARED = Path(os.environ.get("PRESENCE_COACH_SHARED", REPO.parent / "shared")).resolve()
FACES = SHARED / "media" / "faces"


def _pickle() -> Path:
    """The pickle of these sets (``bench/_work`` is shared by worktrees whose sets differ)."""
    names = repr([s.name for s in lifemotion.dev_set() + lifemotion.heldout_set()])
    return PICKLE.with_name(f"samples-{hashlib.sha1(names.encode()).hexdigest()[:8]}.pkl")


def load() -> dict[str, list]:
    """{"dev": [(scenario, {fps: samples})], "held": [...]}: the cached clips only."""
    path = _pickle()
    if path.exists():
        try:
            with path.open("rb") as f:
                data = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError):
            data = {}  # being written by another run: build our own
        if data.get("keys") == _keys():
            return data
    data = {
        "keys": _keys(),
        "dev": accuracy_vision.life_data(accuracy_vision.cached_only(lifemotion.dev_set())),
        "held": accuracy_vision.life_data(accuracy_vision.cached_only(lifemotion.heldout_set())),
    }
    part = path.with_suffix(f".{os.getpid()}.part")
    with part.open("wb") as f:
        pickle.dump(data, f)
    os.replace(part, path)  # whole or not at all, for the runs reading it meanwhile
    return data


def _keys() -> list[str]:
    """The cached clips (a new one tracked means a new pickle)."""
    return sorted(p.name for p in (REPO / "bench" / "_work" / "life").glob("*.npz"))


def report(name: str, data: list, options: HeadGestureOptions, misses: bool) -> None:
    for fps in accuracy_vision.RATES:
        run = lambda s: nodscore.detect(s, options)  # noqa: E731
        scores, ms = nodscore.score_set(data, fps, run=run, faces_dir=FACES)
        nod, shake = scores["nod"], scores["shake"]
        found = "  ".join(f"{k} {nod.found[k]}/{nod.total[k]}" for k in ("nod", "run", "listen"))
        print(
            f"{name} {int(fps)} fps: {found}  shake {shake.found['shake']}/{shake.total['shake']}"
            f"  false nods {len(nod.false)} in {nod.free_s / 60:.1f} min"
            f" ({nod.false_per_min:.2f}/min)  false shakes {len(shake.false)}  {ms:.3f} ms"
        )
        if misses:
            _misses(data, fps, run, scores)


def _misses(data, fps, run, scores) -> None:
    for scenario, rates in data:
        events, _ = run(rates[fps])
        for act in scenario.acts:
            kind = "shake" if act.kind == "shake" else "nod" if act.is_nod else None
            if kind is None:
                continue
            hits = [e for e in events if e.type == kind]
            if not any(e.start < act.end_s and act.start_s < e.end for e in hits):
                print(
                    f"   miss {scenario.name} {act.kind} {act.start_s:.2f}-{act.end_s:.2f}"
                    f" {act.amplitude_deg:.1f} deg x{act.cycles}"
                )
    for kind in ("nod", "shake"):
        for clip, a, b, near in scores[kind].false:
            print(f"   false {kind} {clip} {a}-{b} near {near}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--held-out", action="store_true", help="score the held-out people too")
    parser.add_argument("--misses", action="store_true", help="list misses and false detections")
    parser.add_argument("--set", action="append", default=[], help="option=value")
    args = parser.parse_args()
    values = {k: float(v) for k, v in (s.split("=", 1) for s in args.set)}
    fields = HeadGestureOptions.__dataclass_fields__
    values = {k: (int(v) if fields[k].type in ("int", int) else v) for k, v in values.items()}
    options = HeadGestureOptions(**values)
    data = load()
    report("dev", data["dev"], options, args.misses)
    if args.held_out:
        report("held-out", data["held"], options, args.misses)


if __name__ == "__main__":
    main()
