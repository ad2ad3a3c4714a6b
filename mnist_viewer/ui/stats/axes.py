"""Axes people can read: image plots that fit their image exactly, count axes in whole numbers.

:class:`ImagePlot` keeps a PlotItem's view box in the shape of the image it shows, so the axes
run exactly from 0 to the image's width and height (pyqtgraph's aspect lock would instead widen
one range: a 64 px image showed about −15..82) and pixels stay square: the space the image does
not need becomes margin around the whole plot (axes, title and colour bar move with the image).
:class:`CountAxis` ticks only whole numbers, for axes that show counts.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PyQt6.QtCore import QSizeF, Qt

BASE_MARGIN = 1.0  # PlotItem's own layout margin (pyqtgraph sets 1 px)


class ImagePlot(pg.PlotItem):
    """A PlotItem showing ``0..w × 0..h`` exactly, with square pixels (see the module
    docstring). The margins it adds are left out of its size hints, so the layout around it
    gives it the same cell with or without them (no feedback between the two)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.image_size: tuple[float, float] | None = None
        self.extra = (0.0, 0.0, 0.0, 0.0)  # left, top, right, bottom margins we added, px
        self.getViewBox().sigResized.connect(lambda _vb: self.fit())

    def set_image_size(self, width: float, height: float) -> None:
        """Fit the view to ``0..width`` × ``0..height`` (data units, e.g. pixels)."""
        if width <= 0 or height <= 0:
            raise ValueError(f"image size must be positive, got {width}×{height}")
        self.image_size = (float(width), float(height))
        self.setLimits(xMin=None, xMax=None, yMin=None, yMax=None)
        self.setRange(xRange=(0, width), yRange=(0, height), padding=0)
        self.setLimits(xMin=0, xMax=width, yMin=0, yMax=height)
        self.fit()

    def fit(self) -> None:
        """Resize the margins so the view box has the image's aspect ratio."""
        if self.image_size is None:
            return
        vb = self.getViewBox()
        left, top, right, bottom = self.extra
        full_w = vb.width() + left + right
        full_h = vb.height() + top + bottom
        if full_w <= 2 or full_h <= 2:
            return
        aspect = self.image_size[0] / self.image_size[1]
        if full_w / full_h > aspect:
            side = (full_w - full_h * aspect) / 2.0
            extra = (side, 0.0, side, 0.0)
        else:
            side = (full_h - full_w / aspect) / 2.0
            extra = (0.0, side, 0.0, side)
        if max(abs(a - b) for a, b in zip(extra, self.extra, strict=True)) < 0.5:
            return
        self.extra = extra
        self.setContentsMargins(*(BASE_MARGIN + e for e in extra))

    def sizeHint(self, which: Any, constraint: Any = None) -> QSizeF:  # the margins left out
        hint = super().sizeHint(which) if constraint is None else super().sizeHint(which,
                                                                                  constraint)
        if which == Qt.SizeHint.MaximumSize:
            return hint
        left, top, right, bottom = getattr(self, "extra", (0.0, 0.0, 0.0, 0.0))  # in __init__
        return QSizeF(max(hint.width() - left - right, 0.0),
                      max(hint.height() - top - bottom, 0.0))

    def view_aspect(self) -> float:
        """Width / height of the view box on screen (for tests)."""
        vb = self.getViewBox()
        return float(vb.width() / max(vb.height(), 1e-9))


class CountAxis(pg.AxisItem):
    """An axis whose ticks are whole numbers only (for counts)."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> Any:
        levels = [(spacing, offset) for spacing, offset in super().tickSpacing(minVal, maxVal,
                                                                                 size)
                  if spacing >= 1]
        return levels or [(1.0, 0.0)]

    def tickStrings(self, values: Any, scale: float, spacing: float) -> list[str]:
        return [f"{round(v * scale):d}" for v in values]


def use_count_axis(plot: pg.PlotItem, side: str = "left", label: str = "count") -> CountAxis:
    """Give ``plot`` a :class:`CountAxis` on ``side`` labelled ``label``."""
    axis = CountAxis(side)
    plot.setAxisItems({side: axis})
    plot.setLabel(side, label)
    return axis
