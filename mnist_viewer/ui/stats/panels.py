"""Display panels of the statistics dialog: images with colour bars, curves and histograms.

The panels only show results of :mod:`mnist_viewer.core.analysis`; they compute nothing
(colour levels and bar positions are the only arithmetic here).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from ...core import analysis
from ..player.sequence_view import SLOT_COLOURS
from ..plot_theme import apply_theme, current_theme
from .axes import ImagePlot, use_count_axis

pg.setConfigOptions(imageAxisOrder="row-major")

DIVERGING = "CET-D1"  # blue, white, red: signed differences with 0 in the middle
SEQUENTIAL = "viridis"
GREY = "CET-L1"
BAR_BRUSH = "#4dabf7"
MAX_PATHS = 200  # sequences whose trajectories are drawn for a whole set
MISSING_TEXT = {
    "trajectories": "per-digit trajectories",
    "speed": "speed histogram",
    "direction": "direction histogram",
    "overlap_fraction": "overlap fraction",
    "label_counts": "label counts",
}


def note_label(text: str = "", warning: bool = False) -> QLabel:
    """A wrapping label for summaries; ``warning`` ones are framed and amber."""
    label = QLabel(text)
    label.setWordWrap(True)
    policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
    policy.setHeightForWidth(True)  # as tall as its lines at its width (no band below)
    label.setSizePolicy(policy)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if warning:
        label.setStyleSheet("QLabel { background: #fff3bf; color: #5c3c00; "
                            "border: 1px solid #f0c000; padding: 6px; }")
    return label


def missing_text(missing: tuple[str, ...], reason: str) -> str:
    """One sentence naming the statistics that could not be computed, and why."""
    names = ", ".join(MISSING_TEXT.get(name, name) for name in missing)
    return f"Not available for this set: {names} ({reason})."


class ImageWithBar:
    """A plot showing one image with a colour bar beside it."""

    def __init__(self, layout: pg.GraphicsLayout, title: str, cmap: str, symmetric: bool,
                 row: int, col: int, axes: bool = True,
                 quantity: str = "grey levels (0–255 scale)") -> None:
        self.plot = ImagePlot(title=title)  # the view fits the image: square pixels
        layout.addItem(self.plot, row=row, col=col)
        if not axes:
            self.plot.hideAxis("left")
            self.plot.hideAxis("bottom")
        else:
            self.plot.setLabel("bottom", "x", units="px")
            self.plot.setLabel("left", "y", units="px")
        self.plot.invertY(True)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.symmetric = symmetric
        self.bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=pg.colormap.get(cmap),
                                   interactive=False, width=12, colorMapMenu=False,
                                   label=quantity)  # what the colours mean, and its unit
        self.bar.setImageItem(self.image, insert_in=self.plot)

    def set_title(self, title: str) -> None:
        self.plot.setTitle(title)

    def set_image(self, image: np.ndarray | None, levels: tuple[float, float] | None = None,
                  cmap: str | None = None) -> None:
        """Show ``image`` (None clears); levels default to its range (symmetric if signed)."""
        if cmap is not None:
            self.bar.setColorMap(pg.colormap.get(cmap))
        if image is None:
            self.image.clear()
            return
        if levels is None:
            levels = self.levels_of(image)
        self.image.setImage(np.asarray(image), autoLevels=False)
        self.bar.setLevels(levels)
        h, w = image.shape
        self.plot.set_image_size(w, h)  # exactly the image, no margin around it

    def levels_of(self, *images: np.ndarray) -> tuple[float, float]:
        """Colour levels covering ``images`` (± the largest magnitude when symmetric)."""
        if self.symmetric:
            top = max(float(np.abs(im).max()) if im.size else 0.0 for im in images)
            top = top if top > 0 else 1.0
            return -top, top
        low = min(float(im.min()) if im.size else 0.0 for im in images)
        high = max(float(im.max()) if im.size else 0.0 for im in images)
        return min(low, 0.0), high if high > min(low, 0.0) else min(low, 0.0) + 1.0

    @property
    def shown(self) -> np.ndarray | None:
        """The image on screen (for tests and exports)."""
        return None if self.image.image is None else np.asarray(self.image.image)


def _plot_widget() -> pg.GraphicsLayoutWidget:
    widget = pg.GraphicsLayoutWidget()
    apply_theme(widget)
    return widget


TELESCOPES = ("The mean of x[i+1] − x[i] is not shown: the sum telescopes, so it equals "
              "(x[last] − x[first]) / (count − 1) and shows only the two end digits. The mean "
              "|x[i+1] − x[i]| shows where consecutive digits differ.")
SEQUENCE_TELESCOPES = ("The mean of f[t+1] − f[t] (right) telescopes to (f[T−1] − f[0]) / (T−1):"
                       " it shows the last and the first frame, not the motion. The mean "
                       "|f[t+1] − f[t]| (left) shows where the digits moved.")


class DiffPanel(QWidget):
    """Mean |difference|, standard deviation and (for sequences) signed mean of the frame
    differences; for the digit stream (``stream=True``) the signed mean is left out, because
    it telescopes to (last − first) / (count − 1), and a caption says so."""

    def __init__(self, parent: QWidget | None = None, stream: bool = False) -> None:
        super().__init__(parent)
        self.stream = stream
        self.summary = note_label()
        self.note = note_label(warning=True)
        self.note.hide()
        self.caption = note_label(TELESCOPES if stream else SEQUENCE_TELESCOPES)
        self.graphics = _plot_widget()
        d = "x[i+1] − x[i]" if stream else "f[t+1] − f[t]"
        self.abs_mean = ImageWithBar(self.graphics.ci, f"mean |{d}|", SEQUENTIAL, False, 0, 0,
                                     quantity="mean |Δ| (grey levels)")
        self.std = ImageWithBar(self.graphics.ci, f"std of {d}", SEQUENTIAL, False, 0, 1,
                                quantity="std of Δ (grey levels)")
        self.mean: ImageWithBar | None = None
        if not stream:
            self.mean = ImageWithBar(self.graphics.ci, "mean of f[t+1] − f[t]", DIVERGING,
                                     True, 0, 2, quantity="mean Δ (grey levels)")
            self.graphics.setToolTip(SEQUENCE_TELESCOPES)
        apply_theme(self.graphics)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.summary)
        layout.addWidget(self.caption)
        layout.addWidget(self.graphics, 1)
        layout.addStretch(0)  # takes the space when there is nothing to plot

    def images(self) -> list[ImageWithBar]:
        """The image plots shown, left to right."""
        return [self.abs_mean, self.std] + ([self.mean] if self.mean is not None else [])

    def set_stats(self, stats: analysis.FrameDiffStats | None, what: str = "") -> None:
        """Show ``stats`` of ``what`` (e.g. "sequence 3"); None clears."""
        self.abs_mean.set_image(None if stats is None else stats.abs_mean)
        self.std.set_image(None if stats is None else stats.std)
        if self.mean is not None:
            self.mean.set_image(None if stats is None else stats.mean)
        self.graphics.setVisible(stats is not None)  # no empty axes around nothing
        if stats is None:
            self.summary.setText("")
            return
        signed = ("" if self.stream else
                  f", mean Δ image {_fmt(stats.mean_summary, 4)} (= (last − first) / (T−1))")
        self.summary.setText(
            f"{what}: {stats.count} difference images. Means over pixels (grey levels): "
            f"mean |difference| {_fmt(stats.abs_mean_summary, 3)}, "
            f"std image {_fmt(stats.std_summary, 3)}{signed}.")

    def set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))


class MotionPanel(QWidget):
    """Motion energy (mean |f[t+1] − f[t]|) per frame transition."""

    MAX_THIN = 50  # per-sequence curves drawn under the mean for a whole set

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = note_label()
        self.note = note_label(warning=True)
        self.note.hide()
        self.plot = pg.PlotWidget()
        theme = apply_theme(self.plot)
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLabel("bottom", "frame transition t → t+1")
        self.plot.setLabel("left", "motion energy (mean |Δ|, grey levels)")
        self.curve = self.plot.plot([], [], pen=pg.mkPen(theme.accent, width=2.5), symbol="o",
                                    symbolSize=5, symbolBrush=theme.accent)
        self._thin: list[pg.PlotDataItem] = []
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.summary)
        layout.addWidget(self.plot, 1)

    def set_energy(self, energy: analysis.MotionEnergy | None, what: str = "") -> None:
        for item in self._thin:
            self.plot.removeItem(item)
        self._thin = []
        if energy is None:
            self.curve.setData([], [])
            self.summary.setText("")
            return
        curve = energy.curve
        x = np.arange(len(curve))
        if len(energy.per_sequence) > 1:
            pen = pg.mkPen((120, 160, 220, 70), width=1)
            for row in energy.per_sequence[:self.MAX_THIN]:
                self._thin.append(self.plot.plot(x, row, pen=pen))
        self.curve.setData(x, curve)
        self.curve.setZValue(10)
        top = max([float(np.max(curve)) if len(curve) else 0.0]
                  + [float(np.max(r)) for r in energy.per_sequence[:self.MAX_THIN] if len(r)])
        self.plot.setYRange(0.0, top * 1.05 if top > 0 else 1.0, padding=0)  # from 0
        extra = (f" Thin lines: the first {min(self.MAX_THIN, len(energy.per_sequence))} "
                 "sequences; thick line: their mean." if len(energy.per_sequence) > 1 else "")
        self.summary.setText(f"{what}: mean motion energy {_fmt(energy.mean, 3)} grey levels per "
                             f"pixel over {len(curve)} transitions.{extra}")

    def set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def restyle(self) -> None:
        """Follow the window's light or dark palette (see :mod:`~mnist_viewer.ui.plot_theme`)."""
        theme = apply_theme(self.plot)
        self.curve.setPen(pg.mkPen(theme.accent, width=2.5))
        self.curve.setSymbolBrush(theme.accent)

    def curve_data(self) -> np.ndarray:
        """The y values of the mean curve shown."""
        _x, y = self.curve.getData()
        return np.asarray(y if y is not None else [], np.float64)


def _bars(plot: pg.PlotItem, hist: analysis.Histogram | None) -> pg.BarGraphItem | None:
    plot.clear()
    if hist is None:
        return None
    edges = hist.edges
    bars = pg.BarGraphItem(x=(edges[:-1] + edges[1:]) / 2.0, height=hist.counts,
                           width=np.diff(edges) * 0.9, brush=BAR_BRUSH, pen=None)
    plot.addItem(bars)
    return bars


class GroundTruthPanel(QWidget):
    """Trajectories, speed and direction histograms, overlaps and label counts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = note_label(warning=True)
        self.note.hide()
        self.summary = note_label()
        self.graphics = _plot_widget()
        ci = self.graphics.ci
        # the canvas exactly (0..W × 0..H, square pixels); a short title, since ImagePlot's
        # margins are not in its size hint (how many paths are drawn goes in the summary)
        self.paths = ImagePlot(title="trajectories (patch centres)")
        ci.addItem(self.paths, row=0, col=0)
        self.paths.invertY(True)
        self.labels: pg.PlotItem = ci.addPlot(row=0, col=1, title="label counts")
        self.labels.getAxis("bottom").setTicks([[(i, str(i)) for i in range(10)]])
        self.speed: pg.PlotItem = ci.addPlot(row=1, col=0,
                                             title="step speed (px/frame, from positions)")
        self.direction: pg.PlotItem = ci.addPlot(row=1, col=1,
                                                 title="direction (°; 0 = right, 90 = up)")
        self.direction.getAxis("bottom").setTicks([[(a, f"{a}°") for a in range(0, 361, 90)]])
        for plot in (self.paths, self.labels, self.speed, self.direction):
            plot.setMenuEnabled(False)
            plot.hideButtons()
        self.paths.setLabel("bottom", "x", units="px")
        self.paths.setLabel("left", "y", units="px")
        self.labels.setLabel("bottom", "digit label")
        self.speed.setLabel("bottom", "speed", units="px/frame")
        self.direction.setLabel("bottom", "direction (degrees)")
        for plot in (self.labels, self.speed, self.direction):
            use_count_axis(plot)  # histograms: how many digit-steps or digits, whole numbers
        apply_theme(self.graphics)
        self.bar_items: dict[str, pg.BarGraphItem | None] = {}
        self.path_items: list[pg.PlotCurveItem] = []
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.summary)
        layout.addWidget(self.graphics, 1)
        layout.addStretch(0)  # takes the space when the plots are hidden

    def set_stats(self, stats: analysis.SetStatistics | None, what: str = "") -> None:
        gt = None if stats is None else stats.ground_truth
        self.note.setVisible(stats is not None and bool(stats.missing))
        if stats is not None and stats.missing:
            self.note.setText(missing_text(stats.missing, stats.missing_reason)
                              + " The frame differences and the motion energy are computed "
                              "from the frames alone.")
        self.graphics.setVisible(gt is not None)
        self.summary.setVisible(gt is not None)
        self._draw_paths(gt, stats)
        if gt is not None:  # label ticks from the data (EMNIST has 47 classes)
            step = max(1, len(gt.label_counts) // 10)
            self.labels.getAxis("bottom").setTicks(
                [[(i, str(i)) for i in range(0, len(gt.label_counts), step)]])
        self.bar_items = {
            "labels": _bars(self.labels, None if gt is None else analysis.Histogram(
                np.asarray(gt.label_counts), np.arange(-0.5, len(gt.label_counts)))),
            "speed": _bars(self.speed, None if gt is None else gt.step_speed_histogram),
            "direction": _bars(self.direction,
                               None if gt is None else gt.step_direction_histogram),
        }
        if gt is None or stats is None:
            self.summary.setText("")
            return
        speed, continuous = gt.motion.mean_step_speed, gt.motion.mean_speed
        self.summary.setText(
            f"{what}: mean speed {_fmt(speed)} px/frame from the positions "
            f"({_fmt(continuous)} px/frame continuous). Digits overlap in "
            f"{100 * gt.overlap.fraction:.1f}% of the frames (ink boxes; "
            f"{100 * gt.overlap.patch_fraction:.1f}% for whole patches). "
            f"Labels 0–{len(gt.label_counts) - 1}: "
            f"{' '.join(str(c) for c in gt.label_counts)}." + self._paths_note(gt, stats))

    @staticmethod
    def _paths_note(gt: analysis.GroundTruthStats, stats: analysis.SetStatistics) -> str:
        """Says when the trajectories plot shows only the first sequences of the set."""
        n = min(len(gt.trajectories.centres), MAX_PATHS)
        return (f" Trajectories: the first {n:,} of {stats.num_sequences:,} sequences."
                if n < stats.num_sequences else "")

    def _draw_paths(self, gt: analysis.GroundTruthStats | None,
                    stats: analysis.SetStatistics | None) -> None:
        self.paths.clear()
        self.path_items = []
        if gt is None or stats is None:
            return
        self.paths.addItem(pg.PlotCurveItem(
            [0, stats.width, stats.width, 0, 0], [0, 0, stats.height, stats.height, 0],
            pen=pg.mkPen(current_theme().outline)))
        centres = gt.trajectories.centres[:MAX_PATHS]  # (n, T, D, 2) as (y, x)
        n, t, d, _ = centres.shape
        for slot in range(d):
            # one curve per slot, sequences separated by NaN (connect="finite")
            xy = np.full((n, t + 1, 2), np.nan)
            xy[:, :t] = centres[:, :, slot]
            colour = pg.mkColor(SLOT_COLOURS[slot % len(SLOT_COLOURS)])
            colour.setAlpha(220 if n == 1 else 90)
            item = pg.PlotCurveItem(xy[..., 1].ravel(), xy[..., 0].ravel(), connect="finite",
                                    pen=pg.mkPen(colour, width=2 if n == 1 else 1))
            self.paths.addItem(item)
            self.path_items.append(item)
        self.paths.set_image_size(stats.width, stats.height)


def _fmt(value: float | None, digits: int = 2) -> str:
    """A statistic for people: "n/a" when there is no value (no data is not zero)."""
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"
