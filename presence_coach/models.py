"""Model manifest, lookup, verification and download.

The manifest (``models/manifest.json`` in the source tree) names each model with its official
download address, size and SHA-256. Lookup order: ``--models-dir``, ``$PRESENCE_COACH_MODELS``,
the checkout's ``models/`` folder, the user cache dir. Only :func:`fetch` touches the network.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from presence_coach.errors import ModelError

MODELS_ENV = "PRESENCE_COACH_MODELS"
REPO_MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
MANIFEST_PATH = Path(__file__).with_name("model_manifest.json")  # models/manifest.json, shipped
FACE_LANDMARKER = "face_landmarker"
DOWNLOAD_TIMEOUT_S = 30.0
CHUNK_BYTES = 1 << 16  # 64 KiB per read while hashing or downloading


@dataclass(frozen=True)
class ModelSpec:
    """One manifest entry."""

    name: str  # short name used on the command line
    file: str  # file name inside a models directory
    url: str  # official download address
    size: int  # bytes
    sha256: str  # hex digest of the official file
    description: str = ""
    license: str = ""


def load_manifest(path: Path = MANIFEST_PATH) -> dict[str, ModelSpec]:
    """The manifest's models by name."""
    try:
        data = json.loads(path.read_text())
        specs = [ModelSpec(**entry) for entry in data["models"]]
    except FileNotFoundError:
        raise ModelError(f"model manifest not found at {path}; reinstall Presence Coach") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"model manifest {path} is malformed ({exc}); reinstall") from None
    return {s.name: s for s in specs}


def user_cache_models_dir() -> Path:
    return Path(platformdirs.user_cache_dir("presence-coach")) / "models"


def search_dirs(models_dir: str | Path | None = None) -> list[Path]:
    """Directories searched for model files, in order."""
    dirs: list[Path] = []
    if models_dir:
        dirs.append(Path(models_dir).expanduser())
    if os.environ.get(MODELS_ENV):
        dirs.append(Path(os.environ[MODELS_ENV]).expanduser())
    dirs += [REPO_MODELS_DIR, user_cache_models_dir()]
    return dirs


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, spec: ModelSpec) -> None:
    """Raise :class:`ModelError` unless ``path`` is the manifest's file, byte for byte."""
    size = path.stat().st_size
    if size != spec.size or sha256_file(path) != spec.sha256:
        raise ModelError(
            f"model file {path} is corrupt or not the official {spec.name} model "
            f"({size} bytes, SHA-256 mismatch); delete it and run `presence-coach models fetch`"
        )


def find_model(name: str = FACE_LANDMARKER, *, models_dir: str | Path | None = None) -> Path:
    """Path of a verified model file, from the first directory in the lookup order holding it."""
    spec = load_manifest()[name]
    dirs = search_dirs(models_dir)
    for d in dirs:
        candidate = d / spec.file
        if candidate.is_file():
            verify(candidate, spec)
            return candidate
    searched = ", ".join(str(d) for d in dirs)
    raise ModelError(
        f"model {spec.file} not found (looked in {searched}); "
        "run `presence-coach models fetch` or pass --models-dir"
    )


def default_fetch_dir(models_dir: str | Path | None = None) -> Path:
    """Where :func:`fetch` saves: ``--models-dir``, else ``$PRESENCE_COACH_MODELS``, else cache."""
    if models_dir:
        return Path(models_dir).expanduser()
    if os.environ.get(MODELS_ENV):
        return Path(os.environ[MODELS_ENV]).expanduser()
    return user_cache_models_dir()


def fetch(
    spec: ModelSpec,
    dest_dir: Path,
    *,
    url: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Download ``spec`` into ``dest_dir``, verify its size and SHA-256, then move it in place.

    ``url`` overrides the official address (an internal mirror). ``progress(done, total)`` is
    called with byte counts. A failed or mismatched download leaves nothing behind.
    """
    url = url or spec.url
    dest_dir.mkdir(parents=True, exist_ok=True)
    final = dest_dir / spec.file
    part = dest_dir / (spec.file + ".part")
    digest = hashlib.sha256()
    done = 0
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as resp, part.open("wb") as fh:
            total = int(resp.headers.get("Content-Length") or spec.size)
            while chunk := resp.read(CHUNK_BYTES):
                fh.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        part.unlink(missing_ok=True)
        reason = getattr(exc, "reason", exc)
        raise ModelError(
            f"could not download {spec.file} from {url} ({reason}); check the network, or "
            f"download it by hand and put it in {dest_dir} (see models/README.md)"
        ) from None
    if done != spec.size or digest.hexdigest() != spec.sha256:
        part.unlink(missing_ok=True)
        raise ModelError(
            f"downloaded {spec.file} from {url} does not match the manifest "
            f"({done} bytes, SHA-256 mismatch); nothing was saved, try again or use another --from"
        )
    os.replace(part, final)
    return final
