"""The analysis rates a user can choose. A light module: the CLI's help and the desktop app
read it without loading the analysis (MediaPipe, SciPy)."""

ECO_MAX_FPS = 15.0  # eco mode: nods stay detectable at 15 fps (see bench/RESULTS-vision.md)
