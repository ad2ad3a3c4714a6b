"""Many sequences' predictions at once: a rows×cols grid following the review player's frame.

Each cell is one sequence of the current page at the player's time index: the ground truth
over the prediction (stacked), or one of truth / prediction / error map. Context frames have
no prediction: their cells show the context frame and a blank (grey) half. The header says
what the cells hold and which step is shown (``t+1 … t+K``, as in papers); the review
player's sequence is outlined; clicking a cell shows that sequence (``sequence_clicked``).
A page is read with ``PredictionSet.chunk`` (at most 100 sequences) when it is first shown.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QRect, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...core.files.predictions import PredictionSet
from ...core.output.comparison import error_rgb, grey_rgb, step_label
from .canvas import HIGHLIGHT, _qimage

MODES = {"pair": "Truth over prediction", "truth": "Ground truth", "pred": "Prediction",
         "error": "Error"}
MAX_SIDE = 10
HEAD_H = 20
CAPTION_H = 14
GAP = 6
BLANK = 128  # grey: no prediction for a context frame


class PredictionGrid(QWidget):
    """The grid and its controls (rows, columns, what a cell shows, page)."""

    sequence_clicked = pyqtSignal(int)

    def __init__(self, predictions: PredictionSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.predictions = predictions
        self.frame = 0
        self.current = 0
        self.signed = False
        self._page_data: tuple[tuple[int, int, bool], dict[str, np.ndarray]] | None = None
        self._cells: list[tuple[QRect, int]] = []
        self.rows_spin, self.cols_spin = QSpinBox(self), QSpinBox(self)
        for spin, value, name in ((self.rows_spin, 3, "rows"), (self.cols_spin, 4, "columns")):
            spin.setRange(1, MAX_SIDE)
            spin.setValue(value)
            spin.setToolTip(f"Number of {name} of sequences")
            spin.valueChanged.connect(lambda _v: self.set_page(self.page))
        self.mode_box = QComboBox(self)
        for key, text in MODES.items():
            self.mode_box.addItem(text, key)
        self.mode_box.setToolTip("What each cell shows at the player's frame")
        self.mode_box.currentIndexChanged.connect(lambda _i: self.update())
        self.prev_button = QPushButton("◀ Previous page", self)
        self.next_button = QPushButton("Next page ▶", self)
        self.prev_button.clicked.connect(lambda: self.set_page(self.page - 1))
        self.next_button.clicked.connect(lambda: self.set_page(self.page + 1))
        self.page_label = QLabel(self)
        bar = QHBoxLayout()
        controls: list[QWidget] = [QLabel("Rows", self), self.rows_spin, QLabel("Columns", self),
                                   self.cols_spin, QLabel("Cells show", self), self.mode_box]
        for widget in controls:
            bar.addWidget(widget)
        bar.addStretch(1)
        for widget in (self.prev_button, self.page_label, self.next_button):
            bar.addWidget(widget)
        self.canvas = _GridCanvas(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.canvas, 1)
        self.page = 0
        self.set_page(0)

    # --- state ------------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return str(self.mode_box.currentData())

    def set_mode(self, mode: str) -> None:
        """Cells show ``"pair"`` (truth over prediction), ``"truth"``, ``"pred"`` or ``"error"``."""
        self.mode_box.setCurrentIndex(list(MODES).index(mode))

    @property
    def cells(self) -> int:
        return self.rows_spin.value() * self.cols_spin.value()

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.predictions.num_sequences // self.cells))

    def page_range(self) -> tuple[int, int]:
        """The sequences start:stop of the page shown."""
        start = self.page * self.cells
        return start, min(self.predictions.num_sequences, start + self.cells)

    def set_page(self, page: int) -> None:
        self.page = min(max(0, int(page)), self.num_pages - 1)
        start, stop = self.page_range()
        self.page_label.setText(f"sequences {start}–{stop - 1} of "
                                f"{self.predictions.num_sequences}")
        self.prev_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(self.page < self.num_pages - 1)
        self.update()
        self.canvas.update()

    def set_frame(self, frame: int) -> None:
        """Follow the player's time index (context frames first, then t+1 … t+K)."""
        self.frame = int(frame)
        self.canvas.update()

    def set_current(self, sequence: int) -> None:
        """Outline the player's sequence, turning to its page."""
        self.current = int(sequence)
        if self.cells and self.current // self.cells != self.page:
            self.set_page(self.current // self.cells)
        self.canvas.update()

    def set_signed(self, signed: bool) -> None:
        self.signed = bool(signed)
        self.canvas.update()

    def step_text(self) -> str:
        """What the header says: what a cell holds, at which step."""
        c = self.predictions.num_context
        when = step_label(self.frame, c) + (" (context: no prediction)" if self.frame < c
                                            else "")
        return f"{MODES[self.mode]} · {when}"

    def page_rgb(self) -> dict[str, np.ndarray]:
        """The page's frames as uint8 RGB (n, C+K, H, W, 3): ``truth`` (context then truth),
        ``pred`` and ``error`` (grey where a context frame has no prediction)."""
        start, stop = self.page_range()
        key = (start, stop, self.signed)
        if self._page_data is None or self._page_data[0] != key:
            p = self.predictions
            truth, pred = p.chunk(start, stop)
            context = p.context(start, stop)
            blank = np.full((*context.shape, 3), BLANK, dtype=np.uint8)
            rgb = {"truth": np.concatenate([grey_rgb(context), grey_rgb(truth)], axis=1),
                   "pred": np.concatenate([blank, grey_rgb(pred)], axis=1),
                   "error": np.concatenate([blank, error_rgb(truth, pred, self.signed)],
                                           axis=1)}
            self._page_data = (key, rgb)
        return self._page_data[1]

    def cell_images(self, cell: int) -> list[np.ndarray]:
        """The images cell ``cell`` of the page shows now, top to bottom, uint8 RGB (H, W, 3)."""
        rgb = self.page_rgb()
        t = min(self.frame, rgb["truth"].shape[1] - 1)
        names = ["truth", "pred"] if self.mode == "pair" else [self.mode]
        return [rgb[name][cell, t] for name in names]

    def cell_rect(self, cell: int) -> QRect | None:
        """Where cell ``cell`` of the page is drawn, in canvas coordinates."""
        start = self.page_range()[0]
        return next((rect for rect, i in self._cells if i == start + cell), None)


class _GridCanvas(QWidget):
    """Paints the grid of its :class:`PredictionGrid`."""

    def __init__(self, grid: PredictionGrid) -> None:
        super().__init__(grid)
        self.grid = grid
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        if event is None:
            return
        x, y = int(event.position().x()), int(event.position().y())
        for rect, sequence in self.grid._cells:
            if rect.contains(x, y):
                self.grid.sequence_clicked.emit(sequence)
                return

    def paintEvent(self, event: QPaintEvent | None) -> None:
        g = self.grid
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        text = self.palette().text().color()
        painter.setPen(text)
        painter.drawText(QRect(0, 0, self.width(), HEAD_H), Qt.AlignmentFlag.AlignCenter,
                         g.step_text())
        g._cells = []
        start, stop = g.page_range()
        rows, cols = g.rows_spin.value(), g.cols_spin.value()
        stacked = 2 if g.mode == "pair" else 1
        cell_w = (self.width() - GAP) // cols - GAP
        cell_h = (self.height() - HEAD_H - GAP) // rows - GAP - CAPTION_H
        side = max(4, min(cell_w, cell_h // stacked))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        for cell in range(stop - start):
            r, c = divmod(cell, cols)
            x = GAP + c * (side + GAP) + max(0, (cell_w - side) // 2)
            y = HEAD_H + r * (side * stacked + GAP + CAPTION_H)
            images = g.cell_images(cell)
            for j, image in enumerate(images):
                painter.drawImage(QRectF(x, y + CAPTION_H + j * side, side, side),
                                  _qimage(image))
            rect = QRect(x, y, side, CAPTION_H + side * stacked)
            g._cells.append((rect, start + cell))
            painter.setPen(text)
            painter.drawText(QRect(x, y, side, CAPTION_H), Qt.AlignmentFlag.AlignCenter,
                             f"#{start + cell}")
            if start + cell == g.current:
                painter.setPen(QPen(HIGHLIGHT, 2))
                painter.drawRect(rect.adjusted(-2, -1, 2, 2))
            if stacked == 2:  # a thin line between truth (top) and prediction (bottom)
                painter.setPen(QPen(QColor(HIGHLIGHT).darker(150), 1))
                painter.drawLine(x, y + CAPTION_H + side, x + side - 1, y + CAPTION_H + side)
        painter.end()
