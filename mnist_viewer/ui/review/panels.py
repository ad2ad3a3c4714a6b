"""The review window's metric panels: per-step curves and the table of sequences by error."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt

from ...core.analysis.metrics import LOWER_IS_BETTER, METRICS

TITLES = {"mse": "MSE (per frame)", "mae": "MAE (per frame)", "psnr": "PSNR (dB)",
          "ssim": "SSIM"}


def number_text(value: float, name: str) -> str:
    """How a metric value is shown: ∞ for an infinite PSNR."""
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if math.isnan(value):
        return "–"
    return f"{value:.4f}" if name == "ssim" else f"{value:.2f}"


class CurvesWidget(pg.GraphicsLayoutWidget):
    """MSE, MAE, PSNR and SSIM against the future step: this sequence and the whole set."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.plots: dict[str, pg.PlotItem] = {}
        self.sequence_curves: dict[str, pg.PlotDataItem] = {}
        self.set_curves: dict[str, pg.PlotDataItem] = {}
        # the legend has a row of its own above the plots, where it hides no data
        self.legend = pg.LegendItem(colCount=2, labelTextColor="#333333")
        self.addItem(self.legend, row=0, col=0, colspan=2)
        self.ci.layout.setRowMaximumHeight(0, 2 * self.fontMetrics().height())
        for i, name in enumerate(METRICS):
            plot = self.addPlot(row=1 + i // 2, col=i % 2, title=TITLES[name])
            plot.showGrid(x=True, y=True, alpha=0.3)
            self.set_curves[name] = plot.plot(
                [], [], pen=pg.mkPen("#888888", width=2, style=Qt.PenStyle.DashLine),
                name="whole set", connect="finite")
            self.sequence_curves[name] = plot.plot(
                [], [], pen=pg.mkPen("#1f77b4", width=2), symbol="o", symbolSize=5,
                symbolBrush="#1f77b4", name="this sequence", connect="finite")
            self.plots[name] = plot
            if i == 0:
                self.legend.addItem(self.set_curves[name], "whole set (mean)")
                self.legend.addItem(self.sequence_curves[name], "this sequence")

    def set_steps(self, steps: int) -> None:
        ticks = [(k, f"t+{k}") for k in range(1, steps + 1)]
        stride = max(1, steps // 10)
        for plot in self.plots.values():
            plot.getAxis("bottom").setTicks([ticks[::stride]])
            plot.setXRange(0.5, steps + 0.5, padding=0)

    def _set(self, curves: dict[str, pg.PlotDataItem], values: dict[str, np.ndarray]) -> None:
        for name in METRICS:
            y = np.asarray(values[name], dtype=np.float64)
            y = np.where(np.isfinite(y), y, np.nan)
            curves[name].setData(np.arange(1, len(y) + 1), y)

    def set_sequence(self, values: dict[str, np.ndarray]) -> None:
        """The shown sequence's per-step values, each (K,)."""
        self._set(self.sequence_curves, values)

    def set_whole_set(self, values: dict[str, np.ndarray]) -> None:
        """The set's per-step means, each (K,)."""
        self._set(self.set_curves, values)

    def curve_data(self, which: str, name: str) -> np.ndarray:
        """The y values of a curve (``which`` is ``"sequence"`` or ``"set"``)."""
        curves = self.sequence_curves if which == "sequence" else self.set_curves
        y = curves[name].yData
        return np.array([] if y is None else y)


class SequenceTable(QAbstractTableModel):
    """One row per sequence: index and its mean MSE, MAE, PSNR, SSIM; sorted worst first."""

    HEADERS = ("Sequence", *(m.upper() for m in METRICS))

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.values: dict[str, np.ndarray] = {m: np.zeros(0) for m in METRICS}
        self.order = np.zeros(0, dtype=np.int64)

    def set_values(self, per_sequence: dict[str, np.ndarray]) -> None:
        """Each metric's per-sequence mean, (N,); rows sorted by MSE, worst first."""
        self.beginResetModel()
        self.values = {m: np.asarray(per_sequence[m], dtype=np.float64) for m in METRICS}
        self.order = self._sorted("mse", worst_first=True)
        self.endResetModel()

    def _sorted(self, name: str, worst_first: bool) -> np.ndarray:
        values = self.values[name]
        key = -values if LOWER_IS_BETTER[name] == worst_first else values
        key = np.where(np.isnan(key), np.inf, key)
        return np.argsort(key, kind="stable")

    def sequence_at(self, row: int) -> int:
        """The sequence index shown in table row ``row``."""
        return int(self.order[row])

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.order)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            if section == 0:
                return "The sequence's index in the set; click to sort by it"
            name = METRICS[section - 1]
            better = "lower" if LOWER_IS_BETTER[name] else "higher"
            return (f"{TITLES[name]}: the sequence's mean over the predicted steps ({better} "
                    "is better); click to sort, worst first, again for best first")
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        seq = self.sequence_at(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                return str(seq)
            name = METRICS[index.column() - 1]
            return number_text(float(self.values[name][seq]), name)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Column 0 by index; a metric column worst first (descending order) or best first."""
        self.layoutAboutToBeChanged.emit()
        if column == 0:
            self.order = np.arange(len(self.order))
            if order == Qt.SortOrder.DescendingOrder:
                self.order = self.order[::-1].copy()
        else:
            self.order = self._sorted(METRICS[column - 1],
                                      worst_first=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()
