"""Shared fixtures: where the real MNIST lives for tests (``../shared/data/mnist``)."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
from collections.abc import Callable, Iterator
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


@contextlib.contextmanager
def _file_size_limit(limit: int) -> Iterator[None]:
    """Writes past ``limit`` bytes fail with EFBIG, like a full disk (works as root too)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)


@pytest.fixture
def file_size_limit() -> Callable[[int], contextlib.AbstractContextManager[None]]:
    """``with file_size_limit(n):`` simulates a disk that fills up after n bytes."""
    return _file_size_limit
