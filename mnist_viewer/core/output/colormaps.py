"""Colour lookup tables (uint8 (256, 3) RGB) for greyscale frames, from the ``cmap`` library.

``cmap`` (Qt-free, used by ndv and napari) carries the exact 256-entry float tables of
matplotlib's viridis, magma, inferno, plasma and cividis; they are turned into uint8 the way
matplotlib does for ``Colormap(x, bytes=True)`` (multiply by 255 and truncate), so the tables
equal matplotlib's own uint8 tables exactly. "grey" is the identity (level v -> (v, v, v)), the
frames as they are. The view, every exporter and the plots take their tables from here, so an
export has the colours seen on screen. ``cmap`` is imported on first use of a colour map.
"""

from __future__ import annotations

from functools import cache

import numpy as np

COLORMAPS: tuple[str, ...] = ("grey", "viridis", "magma", "inferno", "plasma", "cividis")
"""Names accepted by :func:`colormap`, grey first."""


@cache
def _table(key: str) -> np.ndarray:
    if key == "grey":
        table = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
    else:
        import cmap

        lut = cmap.Colormap(key).lut(256)  # float64 (256, 4) RGBA in [0, 1]
        table = (lut[:, :3] * 255).astype(np.uint8)  # as matplotlib's bytes=True
    table.flags.writeable = False
    return table


def colormap(name: str) -> np.ndarray:
    """The (256, 3) uint8 RGB table of a colour map (a fresh, writable copy).

    ``name`` is one of :data:`COLORMAPS` (case-insensitive; "gray" is "grey"); raises
    ValueError for any other name.
    """
    key = name.lower().replace("gray", "grey")
    if key not in COLORMAPS:
        raise ValueError(f"unknown colour map {name!r}; choose from {', '.join(COLORMAPS)}")
    return _table(key).copy()


def apply_colormap(frames: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Map uint8 greyscale frames (any shape) to RGB through a (256, 3) table: shape + (3,)."""
    if frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8, got {frames.dtype}")
    return np.asarray(table, dtype=np.uint8)[frames]
