"""Model manifest, lookup, verification and download.

The manifest (``models/manifest.json`` in the source tree) names each model with its official
download address, size and SHA-256. Lookup order: ``--models-dir``, ``$PRESENCE_COACH_MODELS``,
the checkout's ``models/`` folder, the user cache dir. Only :func:`fetch` touches the network.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import time
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
DOWNLOAD_STALL_S = 30.0  # a download gives up when the server sends nothing for this long
DOWNLOAD_DEADLINE_S = 600.0  # ... or when it has taken this long in all (3.7 MB at 6 kB/s)
CHUNK_BYTES = 1 << 16  # 64 KiB per read while hashing or downloading
LABELS = {FACE_LANDMARKER: "face model"}  # what messages call a model


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


def unreadable(path: Path, spec: ModelSpec, exc: OSError) -> ModelError:
    """The one-line error for a model file that exists but cannot be read."""
    reason = (exc.strerror or str(exc)).lower()
    label = LABELS.get(spec.name, f"{spec.name} model")
    fix = (
        f"let your user read it (chmod a+r {path}, and a+x on its folders) or use "
        "--models-dir with a copy you can read"
        if isinstance(exc, PermissionError)
        else "check the disk, or fetch a fresh copy with `presence-coach models fetch`"
    )
    return ModelError(f"cannot read the {label} at {path}: {reason}; {fix}")


def verify(path: Path, spec: ModelSpec) -> None:
    """Raise :class:`ModelError` unless ``path`` is the manifest's file, byte for byte."""
    try:
        size = path.stat().st_size
        matches = size == spec.size and sha256_file(path) == spec.sha256
    except OSError as exc:
        raise unreadable(path, spec, exc) from None
    if not matches:
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
        try:
            present = candidate.is_file()
        except OSError as exc:  # a folder on the way that this user may not enter
            raise unreadable(candidate, spec, exc) from None
        if present:
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
    deadline_s: float = DOWNLOAD_DEADLINE_S,
) -> Path:
    """Download ``spec`` into ``dest_dir``, verify its size and SHA-256, then move it in place.

    ``url`` overrides the official address (an internal mirror). ``progress(done, total)`` is
    called with byte counts. The download gives up after ``deadline_s`` seconds in all, or
    when the server sends nothing for :data:`DOWNLOAD_STALL_S`. A failed, mismatched, late
    or interrupted (Ctrl+C) download leaves nothing behind.
    """
    url = url or spec.url
    final = dest_dir / spec.file
    part = dest_dir / (spec.file + ".part")
    kept = False
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        done, digest = _download(url, part, spec, progress, deadline_s)
        if done != spec.size or digest != spec.sha256:
            raise ModelError(
                f"downloaded {spec.file} from {url} does not match the manifest ({done} bytes, "
                "SHA-256 mismatch); nothing was saved, try again or use another --from"
            )
        os.replace(part, final)
        kept = True
    except PermissionError as exc:  # the network's errors come wrapped in URLError
        raise ModelError(
            f"cannot save {spec.file} in {dest_dir}: {(exc.strerror or str(exc)).lower()}; "
            "choose a folder you can write with --models-dir"
        ) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ModelError(
            f"could not download {spec.file} from {url} ({reason}); check the network, or "
            f"download it by hand and put it in {dest_dir} (see models/README.md)"
        ) from None
    finally:
        if not kept:
            part.unlink(missing_ok=True)
    return final


def _download(
    url: str,
    part: Path,
    spec: ModelSpec,
    progress: Callable[[int, int], None] | None,
    deadline_s: float,
) -> tuple[int, str]:
    """Stream ``url`` into ``part``; (bytes, SHA-256 hex). Raises past the deadline."""
    deadline = time.monotonic() + deadline_s
    digest = hashlib.sha256()
    done = 0
    stall_s = min(DOWNLOAD_STALL_S, deadline_s)
    with urllib.request.urlopen(url, timeout=stall_s) as resp, part.open("wb") as fh:
        total = int(resp.headers.get("Content-Length") or spec.size)
        # read1: whatever has arrived (read(n) would wait for all n bytes of a slow server)
        while chunk := resp.read1(CHUNK_BYTES):
            fh.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
            if done > spec.size:
                raise ModelError(
                    f"{url} sends more than the {spec.size} bytes of {spec.file}; nothing "
                    "was saved: use the official address or another --from"
                )
            if time.monotonic() > deadline:
                raise ModelError(
                    f"gave up downloading {spec.file} from {url} after {deadline_s:g} s "
                    f"({done} of {total} bytes arrived); nothing was saved: try again, allow "
                    "longer with --timeout, or use another --from"
                )
    return done, digest.hexdigest()
