"""All accuracy benchmarks in one run (not tests: they write results tables).

* vision (nods, shakes, gaze): bench/accuracy_vision.py -> bench/RESULTS-vision.md
* voice (speech/pauses, syllables, pitch, speed): bench/voice.py -> bench/RESULTS-voice.md

Usage: python bench/accuracy.py [vision|voice ...]
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PARTS = {"vision": BENCH / "accuracy_vision.py", "voice": BENCH / "voice.py"}


def main(argv: list[str]) -> int:
    chosen = argv or list(PARTS)
    unknown = [p for p in chosen if p not in PARTS]
    if unknown:
        print(f"unknown part {unknown[0]!r}; choose from {', '.join(PARTS)}", file=sys.stderr)
        return 2
    for part in chosen:
        print(f"== {part}: {PARTS[part].name}", flush=True)
        runpy.run_path(str(PARTS[part]), run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
