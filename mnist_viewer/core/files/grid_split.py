"""A grid animation (a mosaic of sequences, such as our own 4×4 grid export) split back into cells.

The mosaic convention is :class:`~mnist_viewer.core.output.mosaic.GridLayout`'s: ``rows × cols``
cells of ``height × width`` pixels, ``gap`` pixels of one separator value between them and none
around the outside, cells in row-major order (the first cell is the first sequence).

:func:`detect_grid` finds a regular gutter: pixel rows and columns that hold one and the same
value in every frame, at the positions such a layout puts them, while the pixel rows and columns
next to them do not all hold it. It returns the finest such layout, or None.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_GAP = 16
"""The widest gutter looked for, in pixels."""

MIN_CELL = 8
"""The smallest cell side looked for, in pixels."""


@dataclass(frozen=True)
class GridSplit:
    """How a mosaic splits: ``rows × cols`` cells, ``gap`` pixels apart; ``fill`` the gutter value
    (None when the layout was given, not detected)."""

    rows: int
    cols: int
    gap: int
    fill: int | None = None

    def cell_size(self, height: int, width: int) -> tuple[int, int]:
        """(cell height, cell width) in a mosaic of ``height × width`` pixels; ValueError when the
        layout does not tile it exactly."""
        h, rh = divmod(height - (self.rows - 1) * self.gap, self.rows)
        w, rw = divmod(width - (self.cols - 1) * self.gap, self.cols)
        if rh or rw or h < 1 or w < 1 or self.gap < 0:
            raise ValueError(
                f"a {self.rows}x{self.cols} grid with {self.gap} px gaps does not tile "
                f"{width}x{height} pixels"
            )
        return h, w


def _constant_lines(frames: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """(is constant, value) per pixel row (axis=1) or column (axis=2) over all frames."""
    other = 2 if axis == 1 else 1
    first = np.take(frames[0], 0, axis=other - 1)  # value at the line's first pixel, frame 0
    moved = np.moveaxis(frames, axis, 0)  # (lines, T, other)
    same = (moved == first[:, None, None]).all(axis=(1, 2))
    return same, first


def _splits(size: int, same: np.ndarray, value: np.ndarray) -> list[tuple[int, int, int]]:
    """(count, gap, value) of every regular split of one axis, coarse to fine."""
    found = []
    for gap in range(1, MAX_GAP + 1):
        for count in range(2, size // MIN_CELL + 1):
            cell, rest = divmod(size - (count - 1) * gap, count)
            if rest or cell < MIN_CELL:
                continue
            starts = [k * (cell + gap) - gap for k in range(1, count)]
            lines = np.concatenate([np.arange(s, s + gap) for s in starts])
            if not same[lines].all():
                continue
            fill = int(value[lines[0]])
            if not (value[lines] == fill).all():
                continue
            # the lines next to each gutter must not be gutter too (else the gap is wider)
            edges = np.array([s - 1 for s in starts] + [s + gap for s in starts])
            if (same[edges] & (value[edges] == fill)).all():
                continue
            found.append((count, gap, fill))
    return found


def detect_grid(frames: np.ndarray) -> GridSplit | None:
    """The finest regular grid layout of uint8 (T, H, W) ``frames`` (see the module doc), or None.

    Blank or uniform frames give None (no cell differs from the gutter).
    """
    frames = np.asarray(frames)
    if frames.ndim != 3 or frames.shape[1] < 2 * MIN_CELL + 1 or frames.shape[2] < 2 * MIN_CELL + 1:
        return None
    row_same, row_value = _constant_lines(frames, 1)
    col_same, col_value = _constant_lines(frames, 2)
    if row_same.all() or col_same.all():
        return None
    rows = _splits(frames.shape[1], row_same, row_value)
    cols = _splits(frames.shape[2], col_same, col_value)
    best: GridSplit | None = None
    for r, gap, fill in rows:
        for c, gap_c, fill_c in cols:
            if gap_c == gap and fill_c == fill and (best is None or r * c > best.rows * best.cols):
                best = GridSplit(r, c, gap, fill)
    return best


def split_grid(frames: np.ndarray, split: GridSplit) -> np.ndarray:
    """The cells of (T, H, W) mosaic ``frames`` as uint8 (rows·cols, T, h, w) sequences, in
    row-major order. Raises ValueError when ``split`` does not tile the frames."""
    frames = np.asarray(frames)
    t, height, width = frames.shape
    h, w = split.cell_size(height, width)
    out = np.empty((split.rows * split.cols, t, h, w), frames.dtype)
    for r in range(split.rows):
        for c in range(split.cols):
            y, x = r * (h + split.gap), c * (w + split.gap)
            out[r * split.cols + c] = frames[:, y:y + h, x:x + w]
    return out
