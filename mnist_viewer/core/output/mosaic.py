"""Tile frames into one grid image with thin separators (grid view and grid export share it).

Cell ``k`` sits at row ``k // cols``, column ``k % cols``; cells are ``gap`` pixels apart and the
separators are painted with ``fill``. Cells without a frame are 0 (black).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

GAP_FILL = 64
"""Default separator value: visible against the black background and the white digits."""


@dataclass(frozen=True)
class GridLayout:
    """Geometry of a rows×cols grid of height×width cells, ``gap`` pixels apart."""

    rows: int
    cols: int
    height: int
    width: int
    gap: int = 1

    def __post_init__(self) -> None:
        if min(self.rows, self.cols, self.height, self.width) < 1 or self.gap < 0:
            raise ValueError(
                f"bad grid {self.rows}x{self.cols} of {self.height}x{self.width}, gap {self.gap}"
            )

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the whole mosaic."""
        return (
            self.rows * self.height + (self.rows - 1) * self.gap,
            self.cols * self.width + (self.cols - 1) * self.gap,
        )

    @property
    def cells(self) -> int:
        return self.rows * self.cols

    def cell_rect(self, row: int, col: int) -> tuple[int, int, int, int]:
        """Pixel rectangle ``(x0, y0, x1, y1)`` of a cell, x1/y1 exclusive."""
        if not (0 <= row < self.rows and 0 <= col < self.cols):
            raise IndexError(f"cell ({row}, {col}) outside a {self.rows}x{self.cols} grid")
        x0 = col * (self.width + self.gap)
        y0 = row * (self.height + self.gap)
        return x0, y0, x0 + self.width, y0 + self.height

    def cell_at(self, x: float, y: float) -> int | None:
        """Index ``row * cols + col`` of the cell under pixel (x, y); None on a gap or outside."""
        if x < 0 or y < 0:
            return None
        col, dx = divmod(int(x), self.width + self.gap)
        row, dy = divmod(int(y), self.height + self.gap)
        if col >= self.cols or row >= self.rows or dx >= self.width or dy >= self.height:
            return None
        return row * self.cols + col


def mosaic_shape(rows: int, cols: int, height: int, width: int, gap: int = 1) -> tuple[int, int]:
    """(height, width) of the mosaic of a rows×cols grid of height×width cells."""
    return GridLayout(rows, cols, height, width, gap).shape


def mosaic(
    frames: np.ndarray,
    rows: int,
    cols: int,
    gap: int = 1,
    fill: int = GAP_FILL,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Tile K ≤ rows*cols frames into one image.

    ``frames`` is (K, H, W) → returns (Hm, Wm); or (K, T, H, W) → returns (T, Hm, Wm), one
    mosaic per time step. ``out`` (C-contiguous, right shape and dtype) is reused when given.
    """
    frames = np.asarray(frames)
    if frames.ndim not in (3, 4):
        raise ValueError(f"frames must be (K, H, W) or (K, T, H, W), got shape {frames.shape}")
    k = frames.shape[0]
    h, w = frames.shape[-2:]
    layout = GridLayout(rows, cols, h, w, gap)
    if k > layout.cells:
        raise ValueError(f"{k} frames do not fit a {rows}x{cols} grid")
    stacked = frames if frames.ndim == 4 else frames[:, None]
    t = stacked.shape[1]
    hm, wm = layout.shape
    shape = (hm, wm) if frames.ndim == 3 else (t, hm, wm)
    if out is None:
        out = np.empty(shape, dtype=frames.dtype)
    elif out.shape != shape or out.dtype != frames.dtype or not out.flags.c_contiguous:
        raise ValueError(
            f"out must be C-contiguous {frames.dtype} {shape}, got {out.dtype} {out.shape}"
        )
    out3 = out.reshape(t, hm, wm)

    # Separators: the gap lines between rows and between columns.
    if gap and rows > 1:
        lines = out3[:, h : h + (rows - 1) * (h + gap)].reshape(t, rows - 1, h + gap, wm)
        lines[:, :, :gap] = fill
    if gap and cols > 1:
        lines = out3[:, :, w : w + (cols - 1) * (w + gap)].reshape(t, hm, cols - 1, w + gap)
        lines[:, :, :, :gap] = fill

    # A writable (T, rows, cols, H, W) view of the cells inside ``out``.
    st, sy, sx = out3.strides
    cells = as_strided(
        out3,
        shape=(t, rows, cols, h, w),
        strides=(st, sy * (h + gap), sx * (w + gap), sy, sx),
        writeable=True,
    )
    full, rest = divmod(k, cols)
    if full:
        src = stacked[: full * cols].reshape(full, cols, t, h, w)
        cells[:, :full] = src.transpose(2, 0, 1, 3, 4)
    if full < rows:
        if rest:
            cells[:, full, :rest] = stacked[full * cols : k].transpose(1, 0, 2, 3)
        cells[:, full, rest:] = 0
        cells[:, full + 1 :] = 0
    return out
