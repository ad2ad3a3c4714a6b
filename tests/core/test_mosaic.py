"""Mosaic layout against a plain cell-by-cell tiling, click mapping, buffer reuse."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_viewer.core.output.mosaic import GAP_FILL, GridLayout, mosaic, mosaic_shape
from mnist_viewer.core.sources.datasets import load_dataset


@pytest.fixture(scope="module")
def digits(mnist_dir) -> np.ndarray:
    return load_dataset(mnist_dir, "test").images[:64]


def reference(frames: np.ndarray, rows: int, cols: int, gap: int, fill: int) -> np.ndarray:
    """One cell at a time, the obvious way."""
    h, w = frames.shape[-2:]
    out = np.full((rows * h + (rows - 1) * gap, cols * w + (cols - 1) * gap), fill, frames.dtype)
    for r in range(rows):
        for c in range(cols):
            y, x = r * (h + gap), c * (w + gap)
            k = r * cols + c
            out[y : y + h, x : x + w] = frames[k] if k < len(frames) else 0
    return out


@pytest.mark.parametrize(
    ("k", "rows", "cols", "gap"),
    [(16, 4, 4, 1), (13, 4, 4, 1), (5, 2, 3, 2), (1, 3, 3, 1), (6, 1, 6, 0), (0, 2, 2, 1),
     (6, 3, 2, 3), (4, 4, 1, 1)],
)
def test_matches_cell_by_cell_tiling(digits, k, rows, cols, gap) -> None:
    frames = digits[:k]
    got = mosaic(frames, rows, cols, gap=gap, fill=77)
    assert got.dtype == np.uint8
    assert got.shape == mosaic_shape(rows, cols, 28, 28, gap)
    np.testing.assert_array_equal(got, reference(frames, rows, cols, gap, 77))


def test_default_separator_is_visible_grey(digits) -> None:
    got = mosaic(digits[:4], 2, 2)
    assert got[28, 0] == GAP_FILL and got[0, 28] == GAP_FILL
    assert 0 < GAP_FILL < 255


def test_sequences_give_one_mosaic_per_time_step(digits) -> None:
    # (K, T, H, W): 5 "sequences" of 4 frames each, cut from real digits.
    seqs = digits[:20].reshape(5, 4, 28, 28)
    got = mosaic(seqs, 2, 3, gap=1, fill=9)
    assert got.shape == (4, 57, 86)
    for t in range(4):
        np.testing.assert_array_equal(got[t], reference(seqs[:, t], 2, 3, 1, 9))


def test_out_buffer_is_filled_completely_and_returned(digits) -> None:
    rng = np.random.default_rng(1)
    frames = digits[:10].reshape(5, 2, 28, 28)
    out = rng.integers(0, 256, (2, 86, 86), dtype=np.uint8)  # stale garbage everywhere
    got = mosaic(frames, 3, 3, gap=1, out=out)
    assert got is out
    for t in range(2):
        np.testing.assert_array_equal(out[t], reference(frames[:, t], 3, 3, 1, GAP_FILL))


def test_bad_arguments_raise() -> None:
    frames = np.zeros((5, 8, 8), np.uint8)
    with pytest.raises(ValueError, match="do not fit"):
        mosaic(frames, 2, 2)
    with pytest.raises(ValueError, match="out must be"):
        mosaic(frames, 2, 3, out=np.zeros((17, 25), np.uint8))
    with pytest.raises(ValueError, match="out must be"):
        mosaic(frames, 2, 3, out=np.zeros((17, 26), np.uint16))
    with pytest.raises(ValueError):
        mosaic(frames, 0, 3)
    with pytest.raises(ValueError):
        mosaic(np.zeros((8, 8), np.uint8), 1, 1)


def test_cell_rect_frames_the_cell_content(digits) -> None:
    layout = GridLayout(3, 4, 28, 28, gap=2)
    image = mosaic(digits[:12], 3, 4, gap=2)
    for k in range(12):
        x0, y0, x1, y1 = layout.cell_rect(*divmod(k, 4))
        np.testing.assert_array_equal(image[y0:y1, x0:x1], digits[k])
    with pytest.raises(IndexError):
        layout.cell_rect(3, 0)


@pytest.mark.parametrize(("rows", "cols", "h", "w", "gap"), [(3, 4, 5, 7, 2), (2, 2, 6, 6, 0)])
def test_cell_at_inverts_the_layout_for_every_pixel(rows, cols, h, w, gap) -> None:
    layout = GridLayout(rows, cols, h, w, gap)
    # Cell k painted with k + 1, separators -1: the answer for every pixel, built by hand.
    labels = reference(
        np.arange(1, rows * cols + 1, dtype=np.int32)[:, None, None] * np.ones((h, w), np.int32),
        rows, cols, gap, -1,
    )
    assert labels.shape == layout.shape
    for y in range(labels.shape[0]):
        for x in range(labels.shape[1]):
            got = layout.cell_at(x + 0.5, y + 0.25)  # inside the pixel: scene coordinates
            want = None if labels[y, x] < 0 else int(labels[y, x]) - 1
            assert got == want, (x, y)
    hm, wm = layout.shape
    assert layout.cell_at(-0.5, 0) is None
    assert layout.cell_at(0, -1) is None
    assert layout.cell_at(wm, 0) is None
    assert layout.cell_at(0, hm + 3) is None
