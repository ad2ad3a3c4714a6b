"""One light or dark theme for every plot, following the window's palette.

The plots of the statistics dialog take their colours from :func:`current_theme`, which reads
the QApplication palette: a dark window (window colour lightness below one half, Qt's own
test in ``QStyleHints.colorScheme`` terms) gives dark plots, a light one light plots.
:func:`apply_theme` is the one place that colours a plot widget (background, axes, tick
labels, axis labels, titles, legends); widgets call it when created and again on
``QEvent.PaletteChange``. The image view of the player and the grid keep their dark canvas:
they show frames, not plots.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PyQt6.QtGui import QPalette
from PyQt6.QtWidgets import QApplication


@dataclass(frozen=True)
class PlotTheme:
    """Colours of the plots (``#rrggbb`` strings)."""

    dark: bool
    background: str
    foreground: str  # axes, tick labels, titles
    accent: str  # the main curve
    outline: str  # frames drawn around images


DARK = PlotTheme(True, "#26282b", "#d0d3d8", "#ffd43b", "#6c6f75")
LIGHT = PlotTheme(False, "#ffffff", "#212529", "#d9480f", "#868e96")


def current_theme(palette: QPalette | None = None) -> PlotTheme:
    """The theme matching ``palette`` (default: the QApplication's; LIGHT without one)."""
    if palette is None:
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            return LIGHT
        palette = app.palette()
    window = palette.color(QPalette.ColorRole.Window)
    return DARK if window.lightnessF() < 0.5 else LIGHT


def apply_theme(widget: pg.GraphicsView, theme: PlotTheme | None = None) -> PlotTheme:
    """Colour plot widget ``widget`` (a GraphicsLayoutWidget or PlotWidget) and every axis,
    title and legend in its scene with ``theme`` (default :func:`current_theme`)."""
    theme = theme or current_theme()
    pg.setConfigOptions(background=theme.background, foreground=theme.foreground)
    widget.setBackground(theme.background)
    scene = widget.scene()
    if scene is None:
        return theme
    for item in scene.items():
        if isinstance(item, pg.AxisItem):
            item.setPen(theme.foreground)
            item.setTextPen(theme.foreground)
        elif isinstance(item, pg.LabelItem):
            item.setText(item.text, color=theme.foreground)
        elif isinstance(item, pg.LegendItem):
            item.setLabelTextColor(theme.foreground)
    return theme
