"""Model manifest, lookup order, verification and download (over real HTTP on loopback)."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from presence_coach import models
from presence_coach.errors import ModelError
from tests.conftest import SHARED_MODELS

OFFICIAL = SHARED_MODELS / "face_landmarker.task"


def test_manifest_matches_the_official_checksum() -> None:
    spec = models.load_manifest()[models.FACE_LANDMARKER]
    sums = dict(
        reversed(line.split()) for line in (SHARED_MODELS / "SHA256SUMS").read_text().splitlines()
    )
    assert spec.sha256 == sums[spec.file]
    assert spec.size == OFFICIAL.stat().st_size
    assert spec.url.startswith("https://storage.googleapis.com/mediapipe-models/face_landmarker/")


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No env override and an empty user cache, so only what a test sets up is found."""
    monkeypatch.delenv(models.MODELS_ENV, raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setattr(models, "user_cache_models_dir", lambda: cache)
    return cache


def _copy(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(OFFICIAL, dest / OFFICIAL.name))


def test_lookup_order(no_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache_copy = _copy(no_env)
    assert models.find_model() == cache_copy  # last resort: the user cache
    env_copy = _copy(tmp_path / "env")
    monkeypatch.setenv(models.MODELS_ENV, str(env_copy.parent))
    assert models.find_model() == env_copy  # the environment beats the cache
    flag_copy = _copy(tmp_path / "flag")
    assert models.find_model(models_dir=flag_copy.parent) == flag_copy  # the flag beats all
    assert models.search_dirs(flag_copy.parent) == [
        flag_copy.parent,
        env_copy.parent,
        models.REPO_MODELS_DIR,
        no_env,
    ]


def test_missing_model_says_where_it_looked_and_how_to_fix(no_env: Path, tmp_path: Path) -> None:
    if (models.REPO_MODELS_DIR / OFFICIAL.name).exists():
        pytest.fail("a model file in the checkout's models/ would hide this test's setup")
    with pytest.raises(ModelError) as err:
        models.find_model(models_dir=tmp_path / "empty")
    message = str(err.value)
    assert str(tmp_path / "empty") in message and str(no_env) in message
    assert "presence-coach models fetch" in message


def test_corrupt_model_is_refused(no_env: Path, tmp_path: Path) -> None:
    bad = _copy(tmp_path / "bad")
    with bad.open("r+b") as fh:
        fh.seek(1000)
        fh.write(b"\0\0\0\0")
    with pytest.raises(ModelError, match="corrupt or not the official"):
        models.find_model(models_dir=bad.parent)


def test_truncated_model_is_refused(no_env: Path, tmp_path: Path) -> None:
    bad = tmp_path / "short" / OFFICIAL.name
    bad.parent.mkdir()
    bad.write_bytes(OFFICIAL.read_bytes()[:1000])
    with pytest.raises(ModelError, match="1000 bytes"):
        models.find_model(models_dir=bad.parent)


@pytest.fixture
def http_dir(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on loopback serving a folder (the download path, end to end)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def test_fetch_downloads_and_verifies(http_dir: tuple[str, Path], tmp_path: Path) -> None:
    base, root = http_dir
    shutil.copy(OFFICIAL, root / OFFICIAL.name)
    spec = models.load_manifest()[models.FACE_LANDMARKER]
    seen: list[tuple[int, int]] = []
    path = models.fetch(
        spec,
        tmp_path / "dest",
        url=f"{base}/{OFFICIAL.name}",
        progress=lambda d, t: seen.append((d, t)),
    )
    assert path == tmp_path / "dest" / OFFICIAL.name
    assert models.sha256_file(path) == spec.sha256
    assert seen[-1] == (spec.size, spec.size)
    assert not list((tmp_path / "dest").glob("*.part"))


def test_fetch_of_wrong_bytes_leaves_nothing(http_dir: tuple[str, Path], tmp_path: Path) -> None:
    base, root = http_dir
    (root / OFFICIAL.name).write_bytes(b"not a model" * 1000)
    spec = models.load_manifest()[models.FACE_LANDMARKER]
    dest = tmp_path / "dest"
    with pytest.raises(ModelError, match="does not match the manifest"):
        models.fetch(spec, dest, url=f"{base}/{OFFICIAL.name}")
    assert list(dest.iterdir()) == []


def test_fetch_unreachable_says_how_to_fix(http_dir: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = http_dir
    spec = models.load_manifest()[models.FACE_LANDMARKER]
    with pytest.raises(ModelError, match=r"could not download .* put it in"):
        models.fetch(spec, tmp_path / "dest", url=f"{base}/missing.task")  # HTTP 404
    assert not (tmp_path / "dest" / OFFICIAL.name).exists()


def test_default_fetch_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(models.MODELS_ENV, str(tmp_path / "env"))
    assert models.default_fetch_dir(tmp_path / "flag") == tmp_path / "flag"
    assert models.default_fetch_dir() == tmp_path / "env"
    monkeypatch.delenv(models.MODELS_ENV)
    assert models.default_fetch_dir() == models.user_cache_models_dir()
    assert os.fspath(models.user_cache_models_dir()).endswith(
        os.path.join("presence-coach", "models")
    )


def test_fetch_stops_a_server_sending_more_than_the_model(
    http_dir: tuple[str, Path], tmp_path: Path
) -> None:
    # the official file, against a manifest entry one byte shorter: cut off, nothing kept
    base, root = http_dir
    shutil.copy(OFFICIAL, root / OFFICIAL.name)
    spec = models.load_manifest()[models.FACE_LANDMARKER]
    short = models.ModelSpec(**{**spec.__dict__, "size": spec.size - 1})
    with pytest.raises(ModelError, match=f"sends more than the {spec.size - 1} bytes"):
        models.fetch(short, tmp_path / "dest", url=f"{base}/{OFFICIAL.name}")
    assert list((tmp_path / "dest").iterdir()) == []
