"""The review window: rows of one sequence in sync with a player, curves and a ranked table.

The player (:class:`~mnist_viewer.ui.player.model.PlayerModel`) runs over the context and
future frames of the shown sequence; the canvas outlines the player's frame. The whole-set
metrics (curves and table) are computed by :func:`~mnist_viewer.core.analysis.metrics.evaluate`
in a worker, so the window stays responsive; the shown sequence's own curves are computed
on the spot (K frames).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PyQt6.QtCore import QModelIndex, Qt, pyqtSignal
from PyQt6.QtGui import QAction, QCloseEvent, QKeySequence
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ...core.analysis.metrics import METRICS, FrameMetrics, evaluate, frame_metrics
from ...core.files.predictions import PredictionSet
from ...core.output.comparison import (
    animation_frames,
    comparison_strip,
    step_label,
    write_animation,
    write_strip,
)
from ...core.sequences import SequenceSet, to_uint8
from ..player.actions import PlayerActions
from ..player.model import PlayerModel
from ..player.transport import TransportBar
from ..workers import Job, WorkerPool, error_message
from .canvas import ReviewCanvas
from .grid import PredictionGrid
from .panels import CurvesWidget, SequenceTable, number_text

EVALUATE_JOB = "evaluate"


class ReviewFrames(SequenceSet):
    """What the player plays: each sequence's context then its true future, uint8."""

    layout = "predictions"

    def __init__(self, predictions: PredictionSet) -> None:
        p = predictions
        super().__init__(p.num_sequences, p.num_context + p.steps, p.height, p.width)
        self.predictions = p

    def chunk(self, start: int, stop: int) -> np.ndarray:
        truth, _pred = self.predictions.chunk(start, stop)
        both = np.concatenate([self.predictions.context(start, stop), truth], axis=1)
        return to_uint8(both)


class ReviewWindow(QMainWindow):
    """Predictions beside the truth. See the module docstring."""

    evaluated = pyqtSignal(object)  # FrameMetrics of the whole set
    error_reported = pyqtSignal(str)

    def __init__(self, predictions: PredictionSet, sequence: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.predictions = predictions
        self.message_boxes = True
        self.evaluation: FrameMetrics | None = None
        self.sequence_metrics: FrameMetrics | None = None
        self._frames: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.setWindowTitle(f"{Path(predictions.path).name} — review — mnist-viewer")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)

        self.workers = WorkerPool(self)
        self.model = PlayerModel(self, fps=4.0)
        self.player_actions = PlayerActions(self.model, self)
        self.transport = TransportBar(self.model, self.player_actions, self)
        self.canvas = ReviewCanvas(self)
        self.curves = CurvesWidget(self)
        self.curves.set_steps(predictions.steps)
        self.table_model = SequenceTable(self)
        self.table = QTableView(self)
        self.table.setModel(self.table_model)
        self.table.setSortingEnabled(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        rows = self.table.verticalHeader()
        assert rows is not None
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # compact rows: more in view
        rows.setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        assert header is not None
        # every column in view, no horizontal scrolling: the metrics share the width
        header.setMinimumSectionSize(self.table.fontMetrics().horizontalAdvance("0000.00") + 12)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(1, Qt.SortOrder.DescendingOrder)
        header.sortIndicatorChanged.connect(self.table_model.sort)
        self.table.setToolTip("Sequences ranked by error, worst first; click a header to sort "
                              "by that metric, a row to show the sequence")

        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        self.grid = PredictionGrid(predictions, self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.canvas, "Sequence")
        self.tabs.addTab(self.grid, "Grid of sequences")
        self.tabs.setTabToolTip(1, "Many sequences at the player's frame: truth over prediction, "
                                "or truth / prediction / error")
        top_layout.addWidget(self.tabs, 1)
        top_layout.addWidget(self.transport)
        bottom = QSplitter(Qt.Orientation.Horizontal, self)
        bottom.addWidget(self.curves)
        bottom.addWidget(self.table)
        bottom.setSizes([620, 380])
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([430, 300])
        self.setCentralWidget(split)
        self._build_toolbar()
        self.caption = QLabel(self)
        self.set_figures = QLabel("Whole set: computing…", self)
        status = self.statusBar()
        assert status is not None
        status.addWidget(self.caption, 1)
        status.addPermanentWidget(self.set_figures)

        self.model.sequence_changed.connect(self._show_sequence)
        self.model.frame_changed.connect(self._show_frame)
        self.canvas.frame_clicked.connect(self.model.set_frame)
        self.model.frame_changed.connect(self.grid.set_frame)
        self.model.sequence_changed.connect(self.grid.set_current)
        self.grid.sequence_clicked.connect(self.model.set_sequence)
        self.table.clicked.connect(self._row_clicked)
        self.resize(1200, 780)
        self.model.set_sequence_set(ReviewFrames(predictions), sequence,
                                    predictions.num_context)
        self.evaluate_set()

    # --- building ---------------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = QToolBar("Review", self)
        bar.setObjectName("review-toolbar")
        self.addToolBar(bar)
        self.error_mode = QComboBox(self)
        self.error_mode.addItem("Absolute error |P − Y|", False)
        self.error_mode.addItem("Signed error P − Y", True)
        self.error_mode.currentIndexChanged.connect(lambda _i: self._show_sequence())
        self.error_mode.currentIndexChanged.connect(
            lambda _i: self.grid.set_signed(self.signed_error))
        bar.addWidget(QLabel(" Error map: ", self))
        bar.addWidget(self.error_mode)
        self.scale = QSpinBox(self)
        self.scale.setRange(1, 16)
        self.scale.setValue(2)
        self.scale.setPrefix("export scale ×")
        bar.addSeparator()
        bar.addWidget(self.scale)
        menu_bar = self.menuBar()
        assert menu_bar is not None
        file_menu = menu_bar.addMenu("&File")
        assert file_menu is not None
        for text, slot, keys in (("Export Comparison &Strip…", self.choose_strip_path, "Ctrl+S"),
                                 ("Export &Animated GIF…", self.choose_gif_path, "Ctrl+E"),
                                 ("&Close", self.close, "Ctrl+W"),
                                 ("&Quit", self.quit_application, "Ctrl+Q")):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(lambda _=False, s=slot: s())
            file_menu.addAction(action)
            if text.startswith("Export"):
                bar.addAction(action)
        action.setMenuRole(QAction.MenuRole.QuitRole)
        action.setStatusTip("Quit mnist-viewer: close this and every other window")
        self.quit_action = action

    # --- state ------------------------------------------------------------------------------
    @property
    def signed_error(self) -> bool:
        return bool(self.error_mode.currentData())

    def is_ready(self) -> bool:
        """True once the whole-set metrics are in (screenshots wait for it)."""
        return self.evaluation is not None

    def current_frames(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Context (C, H, W), truth and prediction (K, H, W) of the shown sequence, float32."""
        if self._frames is None:
            i = self.model.sequence_index
            truth, pred = self.predictions.chunk(i, i + 1)
            self._frames = (self.predictions.context(i, i + 1)[0], truth[0], pred[0])
        return self._frames

    def _show_sequence(self, _index: int | None = None) -> None:
        self._frames = None
        context, truth, pred = self.current_frames()
        self.canvas.set_sequence(context, truth, pred, self.signed_error)
        self.canvas.set_frame(self.model.frame_index)
        self.sequence_metrics = frame_metrics(truth[None], pred[None])
        self.curves.set_sequence({k: v[0] for k, v in
                                  {m: self.sequence_metrics.get(m) for m in METRICS}.items()})
        self._update_caption()

    def _show_frame(self, frame: int) -> None:
        self.canvas.set_frame(frame)
        self._update_caption()

    def _update_caption(self) -> None:
        p, i, t = self.predictions, self.model.sequence_index, self.model.frame_index
        text = (f"sequence {i} of {p.num_sequences} · {step_label(t, p.num_context)} · "
                f"{p.num_context} context + {p.steps} predicted frames ({p.kind})")
        m = self.sequence_metrics
        if m is not None and t >= p.num_context:
            k = t - p.num_context
            text += " · " + "  ".join(
                f"{name.upper()} {number_text(float(m.get(name)[0, k]), name)}"
                for name in METRICS)
        if p.notes:
            text += " · " + "; ".join(p.notes)
        self.caption.setText(text)

    def _row_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.model.set_sequence(self.table_model.sequence_at(index.row()))

    # --- the whole set, in a worker -------------------------------------------------------
    def evaluate_set(self) -> Job:
        predictions = self.predictions
        job = self.workers.submit(EVALUATE_JOB, lambda progress, cancel: evaluate(
            predictions, progress=progress, cancel=cancel))
        job.progress.connect(lambda done, total: self.set_figures.setText(
            f"Whole set: computing… {done}/{total} sequences"))
        job.finished.connect(self._evaluated)
        job.failed.connect(self.report_error)
        return job

    def _evaluated(self, result: FrameMetrics) -> None:
        self.evaluation = result
        self.curves.set_whole_set(result.per_step())
        self.table_model.set_values(result.per_sequence())
        overall = result.overall()
        self.set_figures.setText(f"Whole set ({result.num_sequences}): " + "  ".join(
            f"{m.upper()} {number_text(overall[m], m)}" for m in METRICS))
        self.evaluated.emit(result)

    def report_error(self, message: str) -> None:
        self.set_figures.setText(message)
        self.error_reported.emit(message)
        if self.message_boxes:
            QMessageBox.warning(self, "mnist-viewer", message)

    # --- export -----------------------------------------------------------------------------
    def export_strip(self, path: str | Path, scale: int | None = None) -> Path:
        """The comparison strip of the shown sequence as PNG or SVG."""
        context, truth, pred = self.current_frames()
        strip = comparison_strip(context, truth, pred, signed=self.signed_error,
                                 scale=self.scale.value() if scale is None else scale)
        return write_strip(path, strip)

    def export_gif(self, path: str | Path) -> Path:
        """An animated GIF of the rows over time (truth, prediction, error)."""
        context, truth, pred = self.current_frames()
        frames = animation_frames(context, truth, pred, signed=self.signed_error)
        return write_animation(path, frames, fps=self.model.fps, scale=self.scale.value())

    def _export(self, title: str, filters: str, suffix: str, write) -> None:  # type: ignore[no-untyped-def]
        name = f"sequence_{self.model.sequence_index}{suffix}"
        path, _ = QFileDialog.getSaveFileName(self, title, name, filters)
        if not path:
            return
        try:
            out = write(path)
        except (OSError, ValueError) as exc:
            self.report_error(error_message(exc))
            return
        self.caption.setText(f"Saved {out}")

    def choose_strip_path(self) -> None:
        self._export("Export comparison strip", "PNG image (*.png);;SVG image (*.svg)",
                     ".png", self.export_strip)

    def choose_gif_path(self) -> None:
        self._export("Export animated GIF", "Animated GIF (*.gif)", ".gif", self.export_gif)

    def quit_application(self) -> None:
        """Ctrl+Q: close every window of the application (each stops its work as it closes;
        Qt quits when the last one has closed), as the main window's File › Quit does."""
        QApplication.closeAllWindows()

    def closeEvent(self, event: QCloseEvent | None) -> None:
        self.model.pause()
        self.workers.shutdown()
        super().closeEvent(event)


def open_review(path: str | Path, parent: QWidget | None = None) -> ReviewWindow:
    """Open a predictions folder in a new, shown review window (DataError if it is none)."""
    from ...core.files.predictions import open_predictions

    window = ReviewWindow(open_predictions(path), parent=None)
    if parent is not None:
        parent.destroyed.connect(window.close)
    window.show()
    window.raise_()
    return window
