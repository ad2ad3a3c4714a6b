"""Grid view redraw rate: one mosaic ImageItem against 16 separate ImageItems, in one run.

Each update shows frame t of 16 sequences (4×4, 64×64 Moving MNIST frames) and renders the
whole view into a QImage (what a repaint costs), offscreen. Run from the project root:

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_grid.py [seconds per variant]
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pyqtgraph as pg
from PyQt6.QtGui import QImage, QPainter
from PyQt6.QtWidgets import QApplication

from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.output.mosaic import GridLayout, mosaic
from mnist_viewer.core.sources.datasets import embedded_dataset

ROWS = COLS = 4
SIZE = (640, 640)  # pixels of the view, like the grid dialog
TARGET = 300.0  # updates per second wanted for the mosaic

pg.setConfigOptions(imageAxisOrder="row-major")


def rate(update: Callable[[int], object], frames: int, seconds: float) -> float:
    """Updates per second of ``update(t)`` over about ``seconds`` (after a short warm-up)."""
    for t in range(10):
        update(t % frames)
    count, start = 0, time.perf_counter()
    while True:
        update(count % frames)
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and count >= 20:
            return count / elapsed


def make_view() -> tuple[pg.GraphicsLayoutWidget, QImage, QPainter]:
    widget = pg.GraphicsLayoutWidget()
    widget.resize(*SIZE)
    widget.show()
    image = QImage(widget.width(), widget.height(), QImage.Format.Format_ARGB32_Premultiplied)
    return widget, image, QPainter()


def repaint(widget: pg.GraphicsLayoutWidget, image: QImage, painter: QPainter) -> None:
    painter.begin(image)
    widget.render(painter)
    painter.end()


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.5
    app = QApplication.instance() or QApplication(sys.argv[:1])
    seqset = generate(GeneratorConfig(num_sequences=ROWS * COLS, frames=20, seed=3),
                      embedded_dataset("train"))
    frames = np.ascontiguousarray(seqset.chunk(0, ROWS * COLS))  # (16, T, 64, 64)
    n, t_frames, h, w = frames.shape
    layout = GridLayout(ROWS, COLS, h, w, 1)

    # one mosaic image in one ViewBox
    one, one_image, one_painter = make_view()
    box = one.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
    item = pg.ImageItem()
    box.addItem(item)
    buffer = np.zeros(layout.shape, np.uint8)
    box.setRange(xRange=(0, layout.shape[1]), yRange=(0, layout.shape[0]), padding=0)

    def update_mosaic(t: int) -> None:
        mosaic(frames[:, t], ROWS, COLS, 1, out=buffer)
        item.setImage(buffer, autoLevels=False, levels=(0, 255))
        repaint(one, one_image, one_painter)

    # sixteen ViewBoxes with one ImageItem each
    many, many_image, many_painter = make_view()
    items = []
    for k in range(n):
        cell = many.addViewBox(row=k // COLS, col=k % COLS, lockAspect=True, invertY=True,
                               enableMenu=False)
        cell_item = pg.ImageItem()
        cell.addItem(cell_item)
        cell.setRange(xRange=(0, w), yRange=(0, h), padding=0)
        items.append(cell_item)

    def update_separate(t: int) -> None:
        for k, cell_item in enumerate(items):
            cell_item.setImage(frames[k, t], autoLevels=False, levels=(0, 255))
        repaint(many, many_image, many_painter)

    app.processEvents()
    tile_only = rate(lambda t: mosaic(frames[:, t], ROWS, COLS, 1, out=buffer), t_frames,
                     seconds / 3)
    mosaic_rate = rate(update_mosaic, t_frames, seconds)
    separate_rate = rate(update_separate, t_frames, seconds)
    # the mosaic shown is the one computed: check the last update
    expected = mosaic(frames[:, 5], ROWS, COLS, 1)
    update_mosaic(5)
    assert np.array_equal(np.asarray(item.image), expected)

    print(f"grid {ROWS}x{COLS} of {h}x{w} frames, view {SIZE[0]}x{SIZE[1]}, offscreen, "
          f"{seconds:g} s per variant")
    print(f"core.mosaic into a reused buffer only  : {tile_only:9.0f} mosaics/s")
    print(f"one mosaic ImageItem (setImage + paint): {mosaic_rate:9.0f} updates/s"
          f"  (target >= {TARGET:.0f}: {'met' if mosaic_rate >= TARGET else 'NOT met'})")
    print(f"16 separate ImageItems (same work)     : {separate_rate:9.0f} updates/s")
    print(f"ratio mosaic / separate                : {mosaic_rate / separate_rate:9.2f}x")
    one.close()
    many.close()


if __name__ == "__main__":
    main()
