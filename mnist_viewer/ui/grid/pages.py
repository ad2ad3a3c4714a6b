"""A page of the grid view: its frames, its captions and its picture.

:func:`fetch_sequences` and :func:`stream_digits` give the frames of a page,
:func:`caption_texts` the text over each cell, and :class:`PagePicture` draws the page as ONE
mosaic image (written into a reused buffer) in a ViewBox, with a caption TextItem per cell
and an outline around one cell. Captions scale with the cells on screen
(:func:`caption_pixel_size`), hide when the cells are too small to carry them, and hide on
request (the L key, like the labels of the main view).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF
from PyQt6.QtGui import QColor, QFont, QPen
from PyQt6.QtWidgets import QGraphicsRectItem

from ...core.jobs import check_cancel, report
from ...core.output.colormaps import colormap
from ...core.output.mosaic import GAP_FILL, GridLayout, mosaic
from ...core.output.overlays import labels_text
from ...core.sequences import SequenceSet

GAP = 1  # separator width in image pixels
HIGHLIGHT = "#ffd43b"
MIN_CAPTION_CELL = 40  # cells narrower than this (screen px) show no caption
CAPTION_SCALE = 0.09  # caption text height as a fraction of the cell width on screen
CAPTION_PX = (9, 18)  # smallest and largest caption text, px


def caption_pixel_size(cell_px: float) -> int | None:
    """Text height in px of the caption of a cell ``cell_px`` screen pixels wide, or None when
    the cell is too small for a caption to leave the digit visible."""
    if cell_px < MIN_CAPTION_CELL:
        return None
    return int(min(max(round(cell_px * CAPTION_SCALE), CAPTION_PX[0]), CAPTION_PX[1]))


def fetch_sequences(seqset: SequenceSet, start: int, stop: int, progress: Any = None,
                    cancel: Any = None, step: int = 4) -> np.ndarray:
    """Frames of sequences ``start:stop`` as one C-contiguous (K, T, H, W) uint8 array."""
    out = np.empty((stop - start, seqset.num_frames, seqset.height, seqset.width), np.uint8)
    for first in range(start, stop, step):
        check_cancel(cancel)
        last = min(first + step, stop)
        out[first - start:last - start] = seqset.chunk(first, last)
        report(progress, last - start, stop - start)
    return out


def stream_digits(content: Any, seqset: SequenceSet, start: int, stop: int) -> np.ndarray:
    """Digits ``start:stop`` of the digit stream ``seqset`` of ``content``, (K, H, W)."""
    dataset = content.dataset
    if dataset is not None and len(dataset.images) == seqset.num_frames:
        return np.ascontiguousarray(dataset.images[start:stop])
    return np.stack([seqset.frame(0, t) for t in range(start, stop)])


def caption_texts(content: Any, ground_truth: Any, stream: bool, start: int,
                  stop: int) -> list[str]:
    """Captions of items ``start:stop``: stream digit and label, or sequence number and the
    digit labels of its ground truth."""
    if stream:
        labels = content.frame_labels
        return [f"{i} · {int(labels[i])}" if labels is not None else str(i)
                for i in range(start, stop)]
    texts = []
    for i in range(start, stop):
        digits = labels_text(ground_truth.labels[i]) if ground_truth is not None else ""
        texts.append(f"#{i} · {digits}" if digits else f"#{i}")
    return texts


class PagePicture:
    """The mosaic of a grid page in ``view_box``: image, cell captions and cell outline."""

    def __init__(self, view_box: pg.ViewBox) -> None:
        self.view_box = view_box
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_item.setAutoDownsample(False)
        view_box.addItem(self.image_item)
        pen = QPen(QColor(HIGHLIGHT))
        pen.setCosmetic(True)
        pen.setWidthF(2.5)
        self.highlight = QGraphicsRectItem()
        self.highlight.setPen(pen)
        self.highlight.setZValue(20)
        self.highlight.setVisible(False)
        view_box.addItem(self.highlight, ignoreBounds=True)
        self.layout: GridLayout | None = None
        self.buffer: np.ndarray | None = None
        self.captions: list[pg.TextItem] = []
        self.captions_on = True  # the user's choice (L); small cells hide them as well
        self.caption_px: int | None = None  # text height in use, None: too small to show
        view_box.sigResized.connect(lambda _vb: self.rescale_captions())
        view_box.sigRangeChanged.connect(lambda *_a: self.rescale_captions())

    def set_layout(self, rows: int, cols: int, h: int, w: int) -> None:
        """Use a rows×cols grid of h×w cells (a new buffer and captions if it changed)."""
        layout = GridLayout(rows, cols, h, w, GAP)
        if layout == self.layout:
            return
        self.layout = layout
        self.buffer = np.zeros(layout.shape, np.uint8)
        hm, wm = layout.shape
        self.view_box.setRange(QRectF(0, 0, wm, hm), padding=0.005)
        for item in self.captions:
            self.view_box.removeItem(item)
        self.captions = []
        self.caption_px = None
        for cell in range(layout.cells):
            x0, y0, _x1, _y1 = layout.cell_rect(*divmod(cell, cols))
            item = pg.TextItem("", color="#e9ecef", anchor=(0, 0), fill=(20, 20, 20, 150))
            item.setPos(x0, y0)
            item.setZValue(10)
            self.view_box.addItem(item, ignoreBounds=True)
            self.captions.append(item)
        self.rescale_captions()

    def cell_pixels(self) -> float:
        """Width of one cell on screen, in px (0 before a layout or while hidden)."""
        if self.layout is None or self.view_box.width() <= 0:
            return 0.0
        (x0, x1), _ = self.view_box.viewRange()
        return self.layout.width * self.view_box.width() / max(x1 - x0, 1e-9)

    def rescale_captions(self) -> None:
        """Caption text in proportion to the cells on screen (see :func:`caption_pixel_size`)."""
        size = caption_pixel_size(self.cell_pixels())
        if size != self.caption_px:
            self.caption_px = size
            if size is not None:
                font = QFont()
                font.setPixelSize(size)
                for item in self.captions:
                    item.setFont(font)
        self._show_captions()

    def set_captions_visible(self, visible: bool) -> None:
        """Show or hide every caption (the L key, like the main view's labels)."""
        self.captions_on = bool(visible)
        self._show_captions()

    def _show_captions(self) -> None:
        show = self.captions_on and self.caption_px is not None
        for item in self.captions:
            item.setVisible(show and bool(item.toPlainText()))

    def clear(self) -> None:
        """No content: no layout, image, outline or captions."""
        self.layout = None
        self.image_item.clear()
        self.highlight.setVisible(False)
        self.set_captions([])

    def set_captions(self, texts: list[str]) -> None:
        for k, item in enumerate(self.captions):
            text = texts[k] if k < len(texts) else ""
            item.setText(text)
        self._show_captions()

    def draw(self, data: np.ndarray, t: int, rows: int, cols: int) -> None:
        """Show frame ``t`` of (K, T, H, W) sequences, or (K, H, W) digits, as a rows×cols
        mosaic (nothing before a layout)."""
        if self.buffer is None or self.layout is None:
            return
        frames = data if data.ndim == 3 else data[:, min(t, data.shape[1] - 1)]
        mosaic(frames, rows, cols, GAP, GAP_FILL, out=self.buffer)
        self.image_item.setImage(self.buffer, autoLevels=False, levels=(0, 255))

    def blank(self, rows: int, cols: int) -> None:
        """Show empty cells (while a page loads)."""
        if self.buffer is not None and self.layout is not None:
            h, w = self.layout.height, self.layout.width
            self.draw(np.zeros((0, h, w), np.uint8), 0, rows, cols)

    def outline(self, cell: tuple[int, int] | None) -> None:
        """Outline cell (row, col) of the layout; None: no outline."""
        if cell is None or self.layout is None:
            self.highlight.setVisible(False)
            return
        x0, y0, x1, y1 = self.layout.cell_rect(*cell)
        self.highlight.setRect(QRectF(x0 - 0.5, y0 - 0.5, x1 - x0 + 1.0, y1 - y0 + 1.0))
        self.highlight.setVisible(True)

    def set_colormap(self, name: str) -> None:
        """Colour the image with core colour map ``name``."""
        self.image_item.setLookupTable(None if name == "grey" else colormap(name))
