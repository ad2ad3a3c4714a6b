"""GUI tests run offscreen, with isolated settings, and leave no timer or thread running."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.sources.datasets import embedded_dataset

# Offscreen, before any QApplication exists, on a 1920x1080 screen (the default 800x600
# screen would clamp restored window geometry).
_SCREEN = os.path.join(tempfile.gettempdir(), "mnist-viewer-tests-offscreen.json")
with open(_SCREEN, "w") as _fp:
    json.dump({"screens": [{"name": "test", "x": 0, "y": 0, "width": 1920, "height": 1080,
                            "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}, _fp)
os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"


@pytest.fixture(autouse=True)
def _settings_are_isolated(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The root conftest points the settings at a temporary file: check the GUI uses it."""
    from mnist_viewer.ui.settings import Settings

    path = Path(os.environ["MNIST_VIEWER_SETTINGS"])
    assert path.is_relative_to(tmp_path_factory.getbasetemp())
    assert Path(Settings().file_name) == path


@pytest.fixture(autouse=True)
def _no_threads_left(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        return
    from PyQt6.QtCore import QThreadPool

    pool = QThreadPool.globalInstance()
    assert pool is not None
    pool.waitForDone(5000)  # would only wait if a test forgot to shut its jobs down
    assert pool.activeThreadCount() == 0


@pytest.fixture(scope="session")
def digit_frames() -> np.ndarray:
    """(N, T, 64, 64) uint8 Moving MNIST frames rendered from real embedded MNIST digits."""
    config = GeneratorConfig(num_sequences=6, frames=12, seed=1234)
    return generate(config, embedded_dataset("train")).chunk(0, 6)


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    """A shown main window (no content yet); closed, with its jobs stopped, at teardown."""
    from mnist_viewer.ui.player.main_window import MainWindow

    win = MainWindow()
    win.message_boxes = False
    win.test_errors = []
    win.error_reported.connect(win.test_errors.append)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    yield win
    win.close()
    assert not win.model.timer.isActive()
    assert not win.workers.is_busy()


@pytest.fixture
def wait_idle(qtbot):  # type: ignore[no-untyped-def]
    """``wait_idle(win)``: wait until the window shows content and no job is running."""

    def wait(win, timeout: int = 20_000) -> None:  # type: ignore[no-untyped-def]
        qtbot.waitUntil(lambda: getattr(win, "test_errors", None) or (
            win.content is not None and not win.workers.is_busy()), timeout=timeout)
        assert not getattr(win, "test_errors", None)

    return wait
