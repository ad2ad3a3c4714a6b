"""Shared fixtures: real MNIST digits for tests.

``mnist_dir`` is always available: the real-MNIST subset embedded in the package (2,000 train and
500 test digits), copied as IDX ``.gz`` files into a session temporary folder, so a fresh clone
with nothing beside it passes. ``full_mnist_dir`` is the complete MNIST (70,000 digits) at
``../shared/data/mnist`` or ``$MNIST_VIEWER_TEST_DATA``; checks that need it are skipped, with
the reason, when it is not there (CI has it, so they run in CI).
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MNIST_DIR = Path(
    os.environ.get("MNIST_VIEWER_TEST_DATA", ROOT.parent / "shared" / "data" / "mnist")
)


SUBSET_DIR = ROOT / "resources" / "mnist-subset"
MNIST_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
               "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def full_mnist_available() -> bool:
    """True when the complete MNIST is beside the checkout (or at $MNIST_VIEWER_TEST_DATA)."""
    return all((MNIST_DIR / name).is_file() for name in MNIST_FILES)


@pytest.fixture(scope="session")
def full_mnist_dir() -> Path:
    """The folder of the complete MNIST .gz files (60,000 train and 10,000 test digits).

    Skips the test, with the reason, when they are not there.
    """
    if not full_mnist_available():
        pytest.skip(f"full MNIST not at {MNIST_DIR} (set MNIST_VIEWER_TEST_DATA to run this)")
    return MNIST_DIR


@pytest.fixture(scope="session")
def mnist_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of real MNIST digits as IDX .gz files under the original names.

    The subset embedded in the package (2,000 train, 500 test digits, class-balanced), copied
    to a session temporary folder so that no test can change the shipped files.
    """
    folder = tmp_path_factory.mktemp("mnist-subset")
    for name in MNIST_FILES:
        shutil.copy(SUBSET_DIR / name, folder / name)
    return folder


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
