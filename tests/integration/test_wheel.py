"""The built wheel carries every file the program reads at run time (default calibration
profile, model manifest, report template): installed outside the checkout, it still works."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from presence_coach.calibration.profile import default_profile
from tests.conftest import SHARED_MODELS

ROOT = Path(__file__).resolve().parents[2]
IGNORED = (".git", ".venv", "build", "*.egg-info", "__pycache__", "bench", "tests", ".*cache")


def test_an_installed_wheel_runs_without_the_checkout(tmp_path: Path) -> None:
    # built from a copy of the sources: no build/ or egg-info left over in the checkout
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, symlinks=True, ignore=shutil.ignore_patterns(*IGNORED))
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(src)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    (wheel,) = wheels.glob("presence_coach-*.whl")
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
         str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    # the installed copy comes first on the path; the dependencies come from this venv
    env = {**os.environ, "PYTHONPATH": str(site), "PRESENCE_COACH_MODELS": str(SHARED_MODELS)}
    probe = (
        "import json, presence_coach\n"
        "from presence_coach.calibration.profile import default_profile\n"
        "print(presence_coach.__file__)\n"
        "print(json.dumps(default_profile().to_dict(), sort_keys=True))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    where, profile = out.stdout.splitlines()
    assert Path(where).is_relative_to(site)
    assert json.loads(profile) == json.loads(json.dumps(default_profile().to_dict()))
    check = subprocess.run([sys.executable, "-m", "presence_coach", "models", "check"], env=env,
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert check.returncode == 0, check.stderr
    assert "face_landmarker.task" in check.stdout
