"""Colour lookup tables (uint8 (256, 3) RGB) for greyscale frames.

The perceptual maps are interpolated linearly in RGB between ten evenly spaced anchor colours
of matplotlib's viridis, magma, inferno, plasma and cividis; they differ from matplotlib's
256-entry tables by about one level on average (16 at most, at the bright end of viridis). The
view and every exporter use these same tables, so an export has the colours seen on screen.
"""

from __future__ import annotations

import numpy as np

_ANCHORS: dict[str, tuple[str, ...]] = {
    "viridis": (
        "440154", "482878", "3E4A89", "31688E", "26828E",
        "1F9E89", "35B779", "6DCD59", "B4DE2C", "FDE725",
    ),
    "magma": (
        "000004", "180F3E", "451077", "721F81", "9F2F7F",
        "CD4071", "F1605D", "FD9567", "FEC98D", "FCFDBF",
    ),
    "inferno": (
        "000004", "1B0C42", "4B0C6B", "781C6D", "A52C60",
        "CF4446", "ED6925", "FB9A06", "F7D03C", "FCFFA4",
    ),
    "plasma": (
        "0D0887", "47039F", "7301A8", "9C179E", "BD3786",
        "D8576B", "ED7953", "FA9E3B", "FDC926", "F0F921",
    ),
    "cividis": (
        "00224E", "123570", "3C4A6C", "575D6D", "707173",
        "8A8678", "A59C74", "C2B369", "E1CC55", "FEE838",
    ),
}

COLORMAPS: tuple[str, ...] = ("grey", *_ANCHORS)
"""Names accepted by :func:`colormap`, grey first."""


def _interpolate(anchors: tuple[str, ...]) -> np.ndarray:
    rgb = np.array([[int(a[i : i + 2], 16) for i in (0, 2, 4)] for a in anchors], dtype=np.float64)
    at = np.linspace(0.0, 255.0, len(anchors))
    levels = np.arange(256, dtype=np.float64)
    table = np.stack([np.interp(levels, at, rgb[:, c]) for c in range(3)], axis=1)
    return np.rint(table).astype(np.uint8)


def colormap(name: str) -> np.ndarray:
    """The (256, 3) uint8 RGB table of a colour map (a fresh, writable copy)."""
    key = name.lower().replace("gray", "grey")
    if key == "grey":
        return np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
    if key not in _ANCHORS:
        raise ValueError(f"unknown colour map {name!r}; choose from {', '.join(COLORMAPS)}")
    return _interpolate(_ANCHORS[key])


def apply_colormap(frames: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Map uint8 greyscale frames (any shape) to RGB through a (256, 3) table: shape + (3,)."""
    if frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8, got {frames.dtype}")
    return np.asarray(table, dtype=np.uint8)[frames]
