"""Axes people can read: image plots that fit their image exactly, count axes in whole numbers.

:class:`TightFit` keeps a PlotItem's view box in the shape of the image it shows, so the axes
run exactly from 0 to the image's width and height (pyqtgraph's aspect lock would instead widen
one range: a 64 px image showed about −15..82) and pixels stay square: the space the image does
not need becomes margin around the whole plot (axes, title and colour bar move with the image).
:class:`CountAxis` ticks only whole numbers, for axes that show counts.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg

BASE_MARGIN = 1.0  # PlotItem's own layout margin (pyqtgraph sets 1 px)


class TightFit:
    """Show ``0..w × 0..h`` in ``plot`` exactly, with square pixels (see the module docstring)."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.size: tuple[float, float] | None = None
        self.extra = (0.0, 0.0, 0.0, 0.0)  # left, top, right, bottom margins we added, px
        plot.getViewBox().sigResized.connect(lambda _vb: self.update())

    def set_size(self, width: float, height: float) -> None:
        """Fit the view to ``0..width`` × ``0..height`` (data units, e.g. pixels)."""
        if width <= 0 or height <= 0:
            raise ValueError(f"image size must be positive, got {width}×{height}")
        if self.size != (width, height):
            self.size = (float(width), float(height))
            self.plot.setLimits(xMin=None, xMax=None, yMin=None, yMax=None)
        self.plot.setRange(xRange=(0, width), yRange=(0, height), padding=0)
        self.plot.setLimits(xMin=0, xMax=width, yMin=0, yMax=height)
        self.update()

    def update(self) -> None:
        """Resize the margins so the view box has the image's aspect ratio."""
        if self.size is None:
            return
        vb = self.plot.getViewBox()
        left, top, right, bottom = self.extra
        full_w = vb.width() + left + right
        full_h = vb.height() + top + bottom
        if full_w <= 2 or full_h <= 2:
            return
        aspect = self.size[0] / self.size[1]
        if full_w / full_h > aspect:
            side = (full_w - full_h * aspect) / 2.0
            extra = (side, 0.0, side, 0.0)
        else:
            side = (full_h - full_w / aspect) / 2.0
            extra = (0.0, side, 0.0, side)
        if max(abs(a - b) for a, b in zip(extra, self.extra, strict=True)) < 0.5:
            return
        self.extra = extra
        self.plot.setContentsMargins(*(BASE_MARGIN + e for e in extra))

    def view_aspect(self) -> float:
        """Width / height of the view box on screen (for tests)."""
        vb = self.plot.getViewBox()
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
