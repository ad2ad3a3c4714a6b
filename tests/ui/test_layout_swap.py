"""The viewer says when a file's layout was guessed or its values mapped, and swaps sequences
and frames in one click, remembered for that file."""

from __future__ import annotations

import numpy as np


def shown(win) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.asarray(win.view.image_item.image)


def test_weak_layout_is_said_and_swapped_in_one_click(qtbot, window, wait_idle, tmp_path,
                                                     digit_frames) -> None:
    frames = np.zeros((6, 12, 64, 64), np.uint8)  # blank but for axis markers: no evidence
    frames[:, :, 0, 0] = np.arange(1, 13)[None, :]
    frames[:, :, 0, 1] = np.arange(1, 7)[:, None]
    path = tmp_path / "blank.npy"
    np.save(path, frames)
    window.open_sequences(path)
    wait_idle(window)
    assert (window.model.num_sequences, window.model.num_frames) == (12, 6)  # (T, N) default
    assert window.status.note.isVisibleTo(window) and "guessed" in window.status.note.text()
    assert window.status.swap.isVisibleTo(window)
    window.status.swap.click()
    wait_idle(window)
    assert (window.model.num_sequences, window.model.num_frames) == (6, 12)
    window.model.set_sequence(5)
    window.model.set_frame(11)
    assert shown(window)[0, 0] == 12 and shown(window)[0, 1] == 6
    assert window.settings.file_layout(path) == "torchvision"
    window.open_path(path)  # remembered for this file
    wait_idle(window)
    assert (window.model.num_sequences, window.model.num_frames) == (6, 12)


def test_clear_content_says_nothing_and_mapped_values_are_noted(qtbot, window, wait_idle,
                                                               tmp_path, digit_frames) -> None:
    path = tmp_path / "clear.npy"
    np.save(path, digit_frames)
    window.open_sequences(path)
    wait_idle(window)
    assert (window.model.num_sequences, window.model.num_frames) == digit_frames.shape[:2]
    assert not window.status.note.isVisibleTo(window)
    x = digit_frames.astype(np.float32)
    np.save(path := tmp_path / "standardised.npy", (x - x.mean()) / x.std())
    window.open_sequences(path)
    wait_idle(window)
    assert "Values mapped" in window.status.note.text()
    assert len(np.unique(shown(window))) > 20  # not binarised
