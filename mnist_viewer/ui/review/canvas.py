"""The rows of one sequence (context, ground truth, prediction, error), drawn with QPainter.

Left: the strip, one column per time step, labelled ``t−C+1 … t`` (context) and ``t+1 … t+K``
(future, as in papers), the player's frame outlined. Right: the frame at the player's time,
large: truth (or the context frame), prediction and error. A click on a cell sets the frame.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QRect, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from ...core.output.comparison import ROW_NAMES, step_label, strip_rows

LABEL_W = 96
HEAD_H = 18
GAP = 3
HIGHLIGHT = QColor(255, 190, 0)


def _qimage(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QImage(rgb.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class ReviewCanvas(QWidget):
    """Paints the rows of the sequence it is given; emits ``frame_clicked(t)``."""

    frame_clicked = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(480, 240)
        self.rows: dict[str, list[QImage]] = {}
        self.num_context = 0
        self.steps = 0
        self.frame = 0
        self.paint_count = 0
        self._cells: list[tuple[QRect, int]] = []

    def set_sequence(self, context: np.ndarray, truth: np.ndarray, pred: np.ndarray,
                     signed: bool) -> None:
        """Show one sequence: context (C, H, W), truth and prediction (K, H, W), in [0, 1]."""
        rows = strip_rows(context, truth, pred, signed)
        self.rows = {name: [_qimage(f) for f in frames] for name, frames in rows.items()}
        self.num_context, self.steps = len(context), len(truth)
        self.update()

    def set_frame(self, frame: int) -> None:
        self.frame = int(frame)
        self.update()

    def row_labels(self) -> list[str]:
        """The labels of the rows shown, top to bottom."""
        return [ROW_NAMES[name] for name in self.rows]

    def column_labels(self) -> list[str]:
        """The labels of the future columns: ``t+1 … t+K``."""
        return [step_label(self.num_context + k, self.num_context) for k in range(self.steps)]

    def cell_at(self, x: int, y: int) -> int | None:
        """The time index of the cell at widget position (x, y), if any."""
        for rect, t in self._cells:
            if rect.contains(x, y):
                return t
        return None

    def cell_rect(self, t: int) -> QRect | None:
        """Where time index ``t`` is drawn in the strip (its truth or context cell)."""
        return next((rect for rect, tt in self._cells if tt == t), None)

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        if event is None:
            return
        t = self.cell_at(int(event.position().x()), int(event.position().y()))
        if t is not None:
            self.frame_clicked.emit(t)

    def paintEvent(self, event: QPaintEvent | None) -> None:
        self.paint_count += 1
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        self._cells = []
        if not self.rows:
            painter.end()
            return
        names = list(self.rows)
        cols = max(len(v) for v in self.rows.values())
        big_w = int(self.width() * 0.3)
        avail_w = self.width() - LABEL_W - big_w - 2 * GAP * 4
        avail_h = self.height() - 2 * HEAD_H
        cell = max(8, min(avail_w // cols - GAP, avail_h // len(names) - GAP))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        text = self.palette().text().color()
        c = self.num_context
        for r, name in enumerate(names):
            y = HEAD_H + r * (cell + GAP)
            painter.setPen(text)
            painter.drawText(QRect(4, y, LABEL_W - 8, cell),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                             ROW_NAMES[name])
            for j, image in enumerate(self.rows[name]):
                x = LABEL_W + j * (cell + GAP)
                rect = QRect(x, y, cell, cell)
                painter.drawImage(QRectF(rect), image)
                t = j if name == "context" else c + j
                if name in ("context", "truth"):
                    self._cells.append((rect, t))
                if t == self.frame:
                    painter.setPen(QPen(HIGHLIGHT, 2))
                    painter.drawRect(rect.adjusted(-1, -1, 1, 1))
        painter.setPen(text)
        bottom = HEAD_H + len(names) * (cell + GAP)
        for j in range(cols):
            x = LABEL_W + j * (cell + GAP)
            if c and j < c:
                painter.drawText(QRect(x, 0, cell, HEAD_H), Qt.AlignmentFlag.AlignCenter,
                                 step_label(j, c))
            if j < self.steps:
                painter.drawText(QRect(x, bottom, cell, HEAD_H), Qt.AlignmentFlag.AlignCenter,
                                 f"t+{j + 1}")
        self._paint_current(painter, self.width() - big_w, big_w, names)
        painter.end()

    def _paint_current(self, painter: QPainter, x0: int, width: int, names: list[str]) -> None:
        """The frame at the player's time, large: truth or context, prediction, error."""
        t, c = self.frame, self.num_context
        future = t >= c
        shown = [("truth" if future else "context", t - c if future else t)]
        shown += [(n, t - c) for n in ("pred", "error")]
        size = max(8, min(width - 2 * GAP, (self.height() - HEAD_H) // 3 - HEAD_H))
        text = self.palette().text().color()
        for i, (name, index) in enumerate(shown):
            y = HEAD_H + i * (size + HEAD_H)
            rect = QRect(x0 + (width - size) // 2, y, size, size)
            painter.setPen(text)
            title = f"{ROW_NAMES[name]} · {step_label(t, c)}"
            painter.drawText(QRect(x0, y - HEAD_H, width, HEAD_H), Qt.AlignmentFlag.AlignCenter,
                             title)
            images = self.rows.get(name, [])
            if future or name == "context":
                if 0 <= index < len(images):
                    painter.drawImage(QRectF(rect), images[index])
            else:
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "(context: no prediction)")
            painter.setPen(QPen(text, 1))
            painter.drawRect(rect)
