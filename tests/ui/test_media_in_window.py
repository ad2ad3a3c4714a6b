"""GIFs, frame folders and HDF5 files in the window: opened by content, a grid GIF split back into
its sequences with one action, an HDF5 file with several datasets asks which one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtWidgets import QInputDialog

from mnist_viewer.core.output import encoders as enc
from mnist_viewer.core.output.export import grid_frames
from mnist_viewer.core.sequences import ArraySequenceSet


def _shown(window) -> np.ndarray:  # type: ignore[no-untyped-def]
    return window.model.sequence_set.frame(window.model.sequence_index, window.model.frame_index)


def _wait(qtbot, window, path) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: getattr(window, "test_errors", None) or (
        window.content is not None and window.content.path == str(path)
        and not window.workers.is_busy()), timeout=60_000)
    assert not getattr(window, "test_errors", None)


@pytest.fixture
def four_sequences(digit_frames) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.ascontiguousarray(digit_frames[:4, :6])


def test_a_gif_opens_as_one_sequence_and_a_grid_gif_splits(
        qtbot, window, four_sequences, tmp_path: Path, monkeypatch) -> None:
    gif = enc.write_gif(tmp_path / "grid.gif",
                        grid_frames(ArraySequenceSet(four_sequences), 2, 2), fps=5)
    window.open_path(gif)
    _wait(qtbot, window, gif)
    assert (window.model.num_sequences, window.model.num_frames) == (1, 6)
    assert "2×2 grid" in window.content.note
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("2x2+1", True))
    window.split_grid_animation()
    qtbot.waitUntil(lambda: window.model.num_sequences == 4, timeout=60000)
    window.model.set_sequence(3)
    window.model.set_frame(5)
    np.testing.assert_array_equal(_shown(window), four_sequences[3, 5])


def test_a_frame_folder_opens_as_a_sequence(qtbot, window, four_sequences, tmp_path) -> None:
    folder = enc.write_png_frames(tmp_path / "frames", four_sequences[2])
    window.open_path(folder)
    _wait(qtbot, window, folder)
    assert (window.model.num_sequences, window.model.num_frames) == (1, 6)
    window.model.set_frame(4)
    np.testing.assert_array_equal(_shown(window), four_sequences[2, 4])


def test_hdf5_with_several_datasets_asks_which(qtbot, window, four_sequences, tmp_path,
                                                monkeypatch) -> None:
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "two.h5"
    with h5py.File(path, "w") as f:
        f["first"] = four_sequences[:2]
        f["second"] = four_sequences
    asked = []

    def choose(parent, title, label, items, *rest):  # type: ignore[no-untyped-def]
        asked.append(items)
        return items[1], True

    monkeypatch.setattr(QInputDialog, "getItem", choose)
    window.open_path(path)
    _wait(qtbot, window, path)
    assert len(asked) == 1 and "/second" in asked[0][1]
    assert (window.model.num_sequences, window.model.num_frames) == (4, 6)
    window.model.set_sequence(2)
    np.testing.assert_array_equal(_shown(window), four_sequences[2, 0])
