"""Plots saved as figures: PNG at a chosen width in pixels, SVG (vector) for papers.

pyqtgraph's ImageExporter draws the plot's scene again at the size asked for (text, lines and
images scaled, not a screenshot blown up). SVG is drawn by Qt's own QSvgGenerator (vector
paths and text, images embedded): pyqtgraph 0.14's SVGExporter fails on the closed paths
("... Z") that Qt 6 writes (pyqtgraph issues #3485, #3495). Files are written through
:func:`mnist_viewer.core.jobs.atomic_path`: a failed export leaves no partial file and keeps
what was there.
"""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from PyQt6.QtCore import QRectF, QSize
from PyQt6.QtGui import QPainter
from PyQt6.QtSvg import QSvgGenerator
from pyqtgraph.exporters import ImageExporter

from ..core.errors import DataError
from ..core.jobs import atomic_path

MIN_WIDTH, MAX_WIDTH = 16, 20_000  # px of a PNG figure


def save_png(widget: pg.GraphicsView, path: str | Path, width: int) -> tuple[int, int]:
    """Draw the plots of ``widget`` into a PNG ``width`` px wide (height keeps the aspect).

    Returns the (width, height) written. Raises :class:`DataError` naming ``path`` for a width
    outside 16..20000 px or when the image cannot be written; OSError from the file system.
    """
    if not MIN_WIDTH <= int(width) <= MAX_WIDTH:
        raise DataError(path, f"width must be {MIN_WIDTH}–{MAX_WIDTH} px, got {width}")
    exporter = ImageExporter(widget.scene())
    params = exporter.parameters()
    params["width"] = int(width)  # the height follows, keeping the plot's aspect
    w, h = int(params["width"]), int(params["height"])
    if h < 1:
        raise DataError(path, f"a {w} px wide figure of this plot would be empty")
    with atomic_path(path, suffix=".png") as tmp:
        exporter.export(str(tmp))
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise DataError(path, "could not write the PNG image")
    return w, h


def save_svg(widget: pg.GraphicsView, path: str | Path) -> None:
    """Write the plots of ``widget`` as an SVG file (vector lines and text, images embedded).

    Raises :class:`DataError` naming ``path`` when nothing was written; OSError from the file
    system.
    """
    scene = widget.scene()
    source = QRectF(widget.viewRect())  # the part of the scene on screen, as ImageExporter
    with atomic_path(path, suffix=".svg") as tmp:
        generator = QSvgGenerator()
        generator.setFileName(str(tmp))
        generator.setSize(QSize(int(source.width()), int(source.height())))
        generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
        generator.setTitle("mnist-viewer figure")
        painter = QPainter()
        if not painter.begin(generator):
            raise DataError(path, "could not write the SVG file")
        try:
            painter.fillRect(QRectF(0, 0, source.width(), source.height()),
                             widget.backgroundBrush())
            scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
        finally:
            painter.end()
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise DataError(path, "could not write the SVG file")
