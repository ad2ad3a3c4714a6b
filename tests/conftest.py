"""Shared fixtures: where the real MNIST lives for tests (``../shared/data/mnist``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MNIST_DIR = Path(
    os.environ.get("MNIST_VIEWER_TEST_DATA", ROOT.parent / "shared" / "data" / "mnist")
)


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder of the real MNIST .gz files (60,000 train and 10,000 test digits)."""
    if not (MNIST_DIR / "train-images-idx3-ubyte.gz").is_file():
        pytest.fail(f"{MNIST_DIR}: real MNIST not found (set MNIST_VIEWER_TEST_DATA)")
    return MNIST_DIR


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Never touch the user's real cache, Keras cache or settings from a test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("MNIST_VIEWER_CACHE", str(home / "cache"))
    monkeypatch.setenv("MNIST_VIEWER_SETTINGS", str(home / "settings.ini"))
    monkeypatch.setenv("KERAS_HOME", str(home / "keras"))
    monkeypatch.delenv("MNIST_VIEWER_DATA", raising=False)
    monkeypatch.setenv("HOME", str(home))
