"""The rows of one sequence (context, ground truth, prediction, error), drawn with QPainter.

Left: the strip, one column per time step, labelled ``t−C+1 … t`` (context) and ``t+1 … t+K``
(future, as in papers), the player's frame outlined, and a colour bar beside the error row
(what its colours mean: the signed error P − Y in [−1, 1] or the absolute error |P − Y| in
[0, 1], intensity differences on the [0, 1] scale). Right: the frame at the player's time,
large: truth (or the context frame), prediction and error. A click on a cell sets the frame.
Frames are drawn at an integer multiple of their size when one comes close to the space
(crisp pixels), nearest-neighbour when enlarged, smoothed when reduced (:func:`fit_side`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PyQt6.QtCore import QRect, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from ...core.output.comparison import ROW_NAMES, error_rgb, step_label, strip_rows

LABEL_W = 96
HEAD_H = 18
GAP = 3
HIGHLIGHT = QColor(255, 190, 0)
BAR_W = 12  # the error colour bar's width; its tick labels take TICKS_W beside it
TICKS_W = 30
CRISP = 0.8  # an integer multiple of the frame size is used if it fills this much of the space


def fit_side(available: int, native: int) -> tuple[int, bool]:
    """The side (px) to draw a ``native``-pixel frame in ``available`` px, and whether to smooth.

    The largest integer multiple of ``native`` when it fills at least :data:`CRISP` of the
    space (every source pixel the same size); otherwise all of it, nearest-neighbour when
    enlarged (square source pixels, one screen pixel of unevenness) and smoothed when reduced
    (so thin strokes do not vanish). At least 4 px.
    """
    available = max(4, int(available))
    if available >= native:
        multiple = available // native * native
        return (multiple if multiple >= CRISP * available else available), False
    return available, True


@dataclass(frozen=True)
class ErrorScale:
    """What the error map's colours mean: ``levels`` (low, high) in intensity difference on
    the [0, 1] scale, ``colours`` uint8 RGB (n, 3) from high (index 0) to low, and labels."""

    signed: bool
    levels: tuple[float, float]
    colours: np.ndarray
    label: str
    short: str


def error_scale(signed: bool, n: int = 256) -> ErrorScale:
    """The colour bar of :func:`~mnist_viewer.core.output.comparison.error_rgb`, made by that
    function itself (so the bar has exactly the map's colours), ``n`` colours high to low."""
    low = -1.0 if signed else 0.0
    errors = np.linspace(1.0, low, n, dtype=np.float64)
    truth, pred = np.maximum(0.0, -errors), np.maximum(0.0, errors)  # pred − truth = error
    colours = error_rgb(truth, pred, signed)
    if signed:
        return ErrorScale(True, (-1.0, 1.0), colours,
                          "signed error P − Y (intensity difference, −1 to 1)", "P − Y")
    return ErrorScale(False, (0.0, 1.0), colours,
                      "absolute error |P − Y| (intensity difference, 0 to 1)", "|P − Y|")


def paint_error_bar(painter: QPainter, rect: QRect, scale: ErrorScale, colour: QColor) -> None:
    """The error map's colour bar in ``rect`` with its ticks (ends, and 0 when signed) beside
    it: vertical (high at the top, ticks right) if ``rect`` is taller than wide, else
    horizontal (high at the right, ticks below)."""
    vertical = rect.height() >= rect.width()
    colours = scale.colours[:, None] if vertical else scale.colours[None, ::-1]
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    painter.drawImage(QRectF(rect), _qimage(colours))
    painter.setPen(QPen(colour, 1))
    painter.drawRect(rect.adjusted(0, 0, -1, -1))
    low, high = scale.levels
    ticks = [low, high] + ([0.0] if scale.signed else [])
    font_h = painter.fontMetrics().height()
    for value in ticks:
        f = (value - low) / (high - low)
        label = "0" if value == 0 else f"{value:+g}".replace("-", "−") if scale.signed \
            else f"{value:g}"
        if vertical:
            y = round(rect.bottom() - f * (rect.height() - 1))
            painter.drawLine(rect.right() + 1, y, rect.right() + 3, y)
            where = QRect(rect.right() + 5, y - font_h // 2, TICKS_W, font_h)
            align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        else:
            x = round(rect.left() + f * (rect.width() - 1))
            painter.drawLine(x, rect.bottom() + 1, x, rect.bottom() + 3)
            where = QRect(x - TICKS_W // 2, rect.bottom() + 3, TICKS_W, font_h)
            align = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
        painter.drawText(where, align, label)
    painter.restore()


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
        self.scale = error_scale(False)
        self.bar_rect: QRect | None = None  # where the error colour bar was last drawn
        self._cells: list[tuple[QRect, int]] = []

    def set_sequence(self, context: np.ndarray, truth: np.ndarray, pred: np.ndarray,
                     signed: bool) -> None:
        """Show one sequence: context (C, H, W), truth and prediction (K, H, W), in [0, 1]."""
        rows = strip_rows(context, truth, pred, signed)
        self.rows = {name: [_qimage(f) for f in frames] for name, frames in rows.items()}
        self.num_context, self.steps = len(context), len(truth)
        self.scale = error_scale(signed)
        self.setToolTip(f"Error row: {self.scale.label}")
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
        avail_w = self.width() - LABEL_W - big_w - 2 * GAP * 4 - 2 * GAP - BAR_W - TICKS_W
        avail_h = self.height() - 2 * HEAD_H
        native = self.rows[names[0]][0].height()
        cell, smooth = fit_side(min(avail_w // cols - GAP, avail_h // len(names) - GAP), native)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
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
                if name == "error" and self.scale.signed:  # white is no error: a frame
                    painter.setPen(QPen(self.palette().mid().color(), 1))
                    painter.drawRect(rect.adjusted(-1, -1, 0, 0))
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
        x_bar = LABEL_W + cols * (cell + GAP) + GAP
        self.bar_rect = QRect(x_bar, HEAD_H + (len(names) - 1) * (cell + GAP), BAR_W, cell)
        paint_error_bar(painter, self.bar_rect, self.scale, text)
        painter.drawText(QRect(x_bar - TICKS_W // 2, bottom, BAR_W + TICKS_W + 10, HEAD_H),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         self.scale.short)
        self._paint_current(painter, self.width() - big_w, big_w, names)
        painter.end()

    def _paint_current(self, painter: QPainter, x0: int, width: int, names: list[str]) -> None:
        """The frame at the player's time, large: truth or context, prediction, error."""
        t, c = self.frame, self.num_context
        future = t >= c
        shown = [("truth" if future else "context", t - c if future else t)]
        shown += [(n, t - c) for n in ("pred", "error")]
        native = self.rows[names[0]][0].height()
        size, smooth = fit_side(min(width - 2 * GAP, (self.height() - HEAD_H) // 3 - HEAD_H),
                                native)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
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
