"""Many sequences' predictions at once: a rows×cols grid following the review player's frame.

Each cell is one sequence of the current page at the player's time index: the ground truth
over the prediction (stacked), or one of truth / prediction / error map. Context frames have
no prediction: their cells show the context frame and a blank (grey) half. The header says
what the cells hold and which step is shown (``t+1 … t+K``, as in papers); the review
player's sequence is outlined; clicking a cell shows that sequence (``sequence_clicked``).
A page is read with ``PredictionSet.chunk`` (at most 100 sequences) when it is first shown.

The cells fill the pane: a truth/prediction pair is stacked or put side by side, whichever
gives the larger frames, and the frames are scaled as the sequence canvas scales them
(:func:`~mnist_viewer.ui.review.canvas.fit_side`: crisp integer multiples when close); the
block of cells is centred.
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
from .canvas import HIGHLIGHT, _qimage, error_scale, fit_side, paint_error_bar

MODES = {"pair": "Truth and prediction", "truth": "Ground truth", "pred": "Prediction",
         "error": "Error"}
MAX_SIDE = 10
HEAD_H = 20
BAR_H, BAR_LEN = 8, 160  # the error colour bar in the header (error cells)
CAPTION_H = 16
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
        self.across = False  # a pair side by side (truth left), else stacked (truth on top)
        self.bar_rect: QRect | None = None  # where the error colour bar was last drawn
        self._page_data: tuple[tuple[int, int, bool], dict[str, np.ndarray]] | None = None
        self._cells: list[tuple[QRect, int]] = []
        self.rows_spin, self.cols_spin = QSpinBox(self), QSpinBox(self)
        for spin, value, name in ((self.rows_spin, 2, "rows"), (self.cols_spin, 6, "columns")):
            spin.setRange(1, MAX_SIDE)
            spin.setValue(value)
            spin.setToolTip(f"Number of {name} of sequences")
            spin.valueChanged.connect(lambda _v: self.set_page(self.page))
        self.mode_box = QComboBox(self)
        for key, text in MODES.items():
            self.mode_box.addItem(text, key)
        self.mode_box.setToolTip("What each cell shows at the player's frame")
        self.mode_box.currentIndexChanged.connect(lambda _i: self.canvas.update())
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
        what = MODES[self.mode]
        if self.mode == "pair":
            what = "Truth (left), prediction (right)" if self.across else "Truth over prediction"
        elif self.mode == "error":
            what = "Signed error P − Y" if self.signed else "Absolute error |P − Y|"
        return f"{what} · {when}"

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

    def header_height(self) -> int:
        """The header's height: one line, two when it holds the error colour bar."""
        return 2 * HEAD_H if self.mode == "error" else HEAD_H

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

    def geometry_for(self, width: int, height: int) -> tuple[int, bool, bool]:
        """The frame side (px) of the grid in a ``width``×``height`` canvas, whether a pair is
        side by side (else stacked), and whether frames are smoothed (reduced)."""
        g = self.grid
        rows, cols = g.rows_spin.value(), g.cols_spin.value()
        native = g.predictions.height
        stacked = 2 if g.mode == "pair" else 1
        cell_w = (width - GAP) // cols - GAP
        cell_h = (height - g.header_height() - GAP) // rows - GAP - CAPTION_H
        across = min(cell_w // stacked, cell_h)  # a pair side by side
        down = min(cell_w, cell_h // stacked)  # a pair stacked
        side, smooth = fit_side(max(across, down), native)
        return side, stacked == 2 and across > down, smooth

    def paintEvent(self, event: QPaintEvent | None) -> None:
        g = self.grid
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        text = self.palette().text().color()
        side, across, smooth = self.geometry_for(self.width(), self.height())
        g.across = across
        painter.setPen(text)
        header = g.step_text()
        painter.drawText(QRect(0, 0, self.width(), HEAD_H), Qt.AlignmentFlag.AlignCenter, header)
        g.bar_rect = None
        if g.mode == "error":  # what the colours mean, right of the header
            scale = error_scale(g.signed)
            x = (self.width() + painter.fontMetrics().horizontalAdvance(header)) // 2 + 3 * GAP
            x = min(x, self.width() - BAR_LEN - 8 * GAP)
            g.bar_rect = QRect(x, (HEAD_H - BAR_H) // 2, BAR_LEN, BAR_H)
            paint_error_bar(painter, g.bar_rect, scale, text)
            painter.drawText(QRect(g.bar_rect.right() + 2 * GAP, 0, 8 * GAP, HEAD_H),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             scale.short)
        g._cells = []
        start, stop = g.page_range()
        rows, cols = g.rows_spin.value(), g.cols_spin.value()
        pair = g.mode == "pair"
        w = side * (2 if pair and across else 1)
        h = CAPTION_H + side * (2 if pair and not across else 1)
        x0 = max(GAP, (self.width() - cols * (w + GAP) + GAP) // 2)
        head = g.header_height()
        y0 = head + max(0, (self.height() - head - rows * (h + GAP)) // 2)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        for cell in range(stop - start):
            r, c = divmod(cell, cols)
            x, y = x0 + c * (w + GAP), y0 + r * (h + GAP)
            for j, image in enumerate(g.cell_images(cell)):
                dx, dy = (j * side, 0) if across else (0, j * side)
                painter.drawImage(QRectF(x + dx, y + CAPTION_H + dy, side, side), _qimage(image))
            if g.mode == "error" and g.signed:  # white is no error: show where the cell is
                painter.setPen(QPen(self.palette().mid().color(), 1))
                painter.drawRect(QRect(x - 1, y + CAPTION_H - 1, w + 1, h - CAPTION_H + 1))
            rect = QRect(x, y, w, h)
            g._cells.append((rect, start + cell))
            painter.setPen(text)
            painter.drawText(QRect(x, y, w, CAPTION_H), Qt.AlignmentFlag.AlignCenter,
                             f"#{start + cell}")
            if start + cell == g.current:
                painter.setPen(QPen(HIGHLIGHT, 2))
                painter.drawRect(rect.adjusted(-2, -1, 2, 2))
            if pair:  # a thin line between truth (top or left) and prediction
                painter.setPen(QPen(QColor(HIGHLIGHT).darker(150), 1))
                if across:
                    painter.drawLine(x + side, y + CAPTION_H, x + side, y + h - 1)
                else:
                    painter.drawLine(x, y + CAPTION_H + side, x + w - 1, y + CAPTION_H + side)
        painter.end()
