"""Saving what the statistics dialog shows: figures (PNG at a chosen width, SVG), a
screenshot of the current tab, CSV of its results.

:class:`SavingMixin` is mixed into :class:`~mnist_viewer.ui.stats.dialog.StatsDialog`; it uses
the dialog's results (``statistics``, ``stream_stats``, ``comparison``), its tab widget and its
status label. The CSV files are written by the writers of :mod:`mnist_viewer.core.analysis`;
every file is written atomically (no partial file on failure).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pyqtgraph as pg
from PyQt6.QtWidgets import QFileDialog, QInputDialog, QLabel, QMenu, QTabWidget, QWidget

from ...core import analysis
from ...core.errors import DataError
from ...core.jobs import atomic_path
from .. import plot_export
from ..widgets import ERROR_COLOUR
from .compare import CompareResult


class SavingMixin:
    """PNG and CSV saving for the statistics dialog (see the module docstring)."""

    tabs: QTabWidget
    csv_menu: QMenu
    status_label: QLabel
    window_: Any
    statistics: analysis.SetStatistics | None
    stream_stats: analysis.FrameDiffStats | None
    comparison: CompareResult | None
    needed: Callable[[], str]  # which result the current tab shows: "set", "stream", "compare"
    figure_widget: Callable[[], pg.GraphicsView]  # the plots of the current tab

    def save_figure(self, path: str | Path, width: int | None = None) -> None:
        """Save the plots of the current tab: SVG when ``path`` ends in .svg, else a PNG
        ``width`` px wide (default: twice the width on screen). Errors: see
        :mod:`mnist_viewer.ui.plot_export`."""
        widget = self.figure_widget()
        if str(path).lower().endswith(".svg"):
            plot_export.save_svg(widget, path)
        else:
            plot_export.save_png(widget, path, width or 2 * max(widget.width(), 100))

    def save_png(self, path: str | Path) -> None:
        """Save a picture of the current tab (atomically)."""
        page = self.tabs.currentWidget()
        assert page is not None
        pixmap = page.grab()
        with atomic_path(path, suffix=".png") as tmp:
            if pixmap.isNull() or not pixmap.save(str(tmp), "PNG"):
                raise DataError(path, "could not write the PNG image")

    def csv_choices(self) -> list[tuple[str, str]]:
        """(what, menu text) of the CSV files the current tab can save."""
        need = self.needed()
        if need == "set" and self.statistics is not None:
            return [("statistics", "Statistics (statistic, key, value)…"),
                    ("abs_mean", "Mean |difference| image…"), ("std", "Std difference image…"),
                    ("mean", "Mean difference image…")]
        if need == "stream" and self.stream_stats is not None:
            return [("abs_mean", "Mean |difference| image…"), ("std", "Std difference image…"),
                    ("mean", "Mean difference image (= (last − first) / (count − 1))…")]
        if need == "compare" and self.comparison is not None:
            return [("statistics", "Comparison numbers…"), ("difference", "A − B image…")]
        return []

    def save_csv(self, path: str | Path, what: str = "statistics") -> None:
        """Write ``what`` (see :meth:`csv_choices`) of the current tab as CSV (atomically)."""
        need = self.needed()
        if need == "set" and self.statistics is not None:
            stats = self.statistics
            if what == "statistics":
                analysis.write_statistics_csv(path, stats)
            else:
                analysis.write_image_csv(path, getattr(stats.diff, what))
        elif need == "stream" and self.stream_stats is not None:
            analysis.write_image_csv(path, getattr(self.stream_stats, what))
        elif need == "compare" and self.comparison is not None:
            _write_comparison_csv(path, what, self.comparison)
        else:
            raise DataError(path, "nothing to save: no results shown in this tab")

    def _fill_csv_menu(self) -> None:
        self.csv_menu.clear()
        choices = self.csv_choices()
        for what, text in choices:
            action = self.csv_menu.addAction(text)
            assert action is not None
            action.triggered.connect(lambda _=False, w=what: self._choose_csv(w))
        if not choices:
            empty = self.csv_menu.addAction("Nothing to save yet")
            assert empty is not None
            empty.setEnabled(False)

    def _save_name(self, suffix: str, what: str = "") -> str:
        tab = re.sub(r"[^a-z0-9]+", "-", self.tabs.tabText(self.tabs.currentIndex()).lower())
        tab = tab.strip("-")
        name = f"mnist-{tab}{'-' + what if what else ''}{suffix}"
        return str(Path(self.window_.settings.last_dir("export") or Path.home()) / name)

    def _choose_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(cast(QWidget, self), "Save PNG",
                                              self._save_name(".png"), "PNG images (*.png)")
        if path:
            self._save(path, lambda: self.save_png(path))

    def _choose_figure(self, kind: str) -> None:
        parent = cast(QWidget, self)
        width = 0
        if kind == "png":
            shown = self.figure_widget().width()
            width, ok = QInputDialog.getInt(
                parent, "Figure width", f"Width of the PNG in pixels (on screen: {shown}):",
                min(2 * shown, plot_export.MAX_WIDTH), plot_export.MIN_WIDTH,
                plot_export.MAX_WIDTH, 100)
            if not ok:
                return
        suffix, kinds = (".svg", "SVG vector images (*.svg)") if kind == "svg" else (
            ".png", "PNG images (*.png)")
        path, _ = QFileDialog.getSaveFileName(parent, f"Save figure as {kind.upper()}",
                                              self._save_name(suffix, "figure"), kinds)
        if path:
            if not path.lower().endswith(suffix):
                path += suffix
            self._save(path, lambda: self.save_figure(path, width or None))

    def _choose_csv(self, what: str) -> None:
        path, _ = QFileDialog.getSaveFileName(cast(QWidget, self), "Save CSV",
                                              self._save_name(".csv", what), "CSV files (*.csv)")
        if path:
            self._save(path, lambda: self.save_csv(path, what))

    def _save(self, path: str, write: Any) -> None:
        try:
            write()
        except (DataError, OSError, ValueError) as exc:
            self.status_label.setStyleSheet(f"QLabel {{ color: {ERROR_COLOUR}; }}")
            self.status_label.setText(" ".join(str(exc).split()))
            return
        self.window_.settings.set_last_dir("export", path)
        self.status_label.setStyleSheet("")
        self.status_label.setText(f"Saved {path}")


def _write_comparison_csv(path: str | Path, what: str, result: CompareResult) -> None:
    """The A − B image (``what="difference"``) or the numbers of a comparison."""
    if result.comparison is not None:
        c = result.comparison
        image = c.mean_difference
        numbers = [("mean_distance", c.mean_distance), ("std_distance", c.std_distance),
                   ("frames_rms", c.frames_rms)]
    else:
        d = result.digits
        assert d is not None
        image, numbers = d.difference, [("mean_abs", d.mean_abs), ("rms", d.rms)]
    if what == "difference":
        analysis.write_image_csv(path, image)
    else:
        rows = [("kind", result.kind), ("a", str(result.a)), ("b", str(result.b)),
                *((name, repr(float(value))) for name, value in numbers)]
        analysis.write_csv(path, rows, ("statistic", "value"))
