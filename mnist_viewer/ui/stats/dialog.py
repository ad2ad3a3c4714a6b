"""The statistics dialog: frame differences, motion, ground truth, comparisons, digit stream.

Every number comes from :mod:`mnist_viewer.core.analysis`, computed in a worker
(:class:`~mnist_viewer.ui.workers.WorkerPool`) with a progress bar and Cancel; the panels
(:mod:`.stats_panels`, :mod:`.stats_compare`) only display results. A tab computes what it
shows when it is visible and its result is out of date. Results are saved as PNG (a grab of
the tab) and CSV (the writers of core.analysis).
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import QEvent, pyqtSignal
from PyQt6.QtGui import QHideEvent, QShowEvent
from PyQt6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core import analysis
from ...core.jobs import report
from ..plot_theme import apply_theme, current_theme
from ..screen_fit import resize_to_fit
from ..widgets import ERROR_COLOUR
from ..workers import Job
from .compare import ComparePanel, CompareResult, compare_job
from .panels import DiffPanel, GroundTruthPanel, MotionPanel, note_label
from .saving import SavingMixin

JOBS = {"set": "stats-set", "stream": "stats-stream", "compare": "stats-compare"}
SCOPES = {"sequence": "Current sequence", "set": "Whole set"}
STREAM_NOTE = ("The digit stream is one sequence of consecutive dataset digits: the differences "
               "between consecutive digits are in the Digit stream tab.")
NO_CONTENT = "No sequences: open or generate some in the main window."


class StatsDialog(SavingMixin, QDialog):
    """Tabs of statistics about the main window's set, its current sequence and its digits."""

    results_shown = pyqtSignal(str)  # "set", "stream" or "compare": new results on screen

    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else window)
        self.window_ = window
        self.model = window.model
        self.workers = window.workers
        self.setWindowTitle("Statistics — mnist-viewer")
        self.setModal(False)
        resize_to_fit(self, 980, 760)
        self.statistics: analysis.SetStatistics | None = None
        self.stream_stats: analysis.FrameDiffStats | None = None
        self.comparison: CompareResult | None = None
        self._dirty = {"set": True, "stream": True, "compare": True}
        self._held = {"set": False, "stream": False, "compare": False}  # cancelled by the user
        self._wanted: dict[str, Any] = {}
        self._jobs: dict[str, Job] = {}

        self.scope_combo = QComboBox()
        for key, text in SCOPES.items():
            self.scope_combo.addItem(text, key)
        self.scope_combo.setToolTip("Statistics of the sequence shown or of every sequence")
        self.compute_button = QPushButton("Compute")
        self.compute_button.setToolTip("Compute the statistics of this tab again")
        top = QHBoxLayout()
        top.addWidget(QLabel("Scope"))
        top.addWidget(self.scope_combo)
        top.addStretch(1)
        top.addWidget(self.compute_button)

        self.diff_panel = DiffPanel()
        self.motion_panel = MotionPanel()
        self.gt_panel = GroundTruthPanel()
        self.compare_panel = ComparePanel()
        self.stream_panel = DiffPanel(stream=True)
        self.stream_first = QSpinBox()
        self.stream_first.setToolTip("Index of the first dataset digit")
        self.stream_count = QSpinBox()
        self.stream_count.setToolTip("How many consecutive digits (count − 1 differences)")
        stream_tab = QWidget()
        stream_controls = QHBoxLayout()
        stream_controls.addWidget(QLabel("Digits from"))
        stream_controls.addWidget(self.stream_first)
        stream_controls.addWidget(QLabel("count"))
        stream_controls.addWidget(self.stream_count)
        stream_controls.addStretch(1)
        stream_layout = QVBoxLayout(stream_tab)
        stream_layout.setContentsMargins(0, 0, 0, 0)
        stream_layout.addLayout(stream_controls)
        stream_layout.addWidget(self.stream_panel, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.diff_panel, "Frame differences")
        self.tabs.addTab(self.motion_panel, "Motion energy")
        self.tabs.addTab(self.gt_panel, "Ground truth")
        self.tabs.addTab(self.compare_panel, "Compare two")
        self.tabs.addTab(stream_tab, "Digit stream")
        self._needs = ["set", "set", "set", "compare", "stream"]

        self.status_label = note_label()
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(260)
        self.progress_bar.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.png_button = QToolButton()
        self.png_button.setText("Save figure")
        self.png_button.setToolTip("Save the plots of this tab as a PNG at a chosen width, as "
                                   "SVG (vector, for papers), or a screenshot of the tab")
        self.png_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.figure_menu = QMenu(self.png_button)
        for text, slot in (("PNG at a chosen width…", lambda: self._choose_figure("png")),
                           ("SVG (vector)…", lambda: self._choose_figure("svg")),
                           ("Screenshot of the tab (PNG)…", self._choose_png)):
            action = self.figure_menu.addAction(text)
            assert action is not None
            action.triggered.connect(lambda _=False, s=slot: s())
        self.png_button.setMenu(self.figure_menu)
        self.csv_button = QToolButton()
        self.csv_button.setText("Save CSV")
        self.csv_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.csv_menu = QMenu(self.csv_button)
        self.csv_button.setMenu(self.csv_menu)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.progress_bar)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.png_button)
        bottom.addWidget(self.csv_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)

        self.scope_combo.currentIndexChanged.connect(lambda _i: self._invalidate("set"))
        self.compute_button.clicked.connect(lambda _=False: self.compute())
        self.cancel_button.clicked.connect(lambda _=False: self.cancel())
        self.csv_menu.aboutToShow.connect(self._fill_csv_menu)
        self.tabs.currentChanged.connect(lambda _i: self._refresh())
        self.compare_panel.request_changed.connect(lambda: self._invalidate("compare"))
        self.stream_first.valueChanged.connect(lambda _v: self._invalidate("stream"))
        self.stream_count.valueChanged.connect(lambda _v: self._invalidate("stream"))
        window.content_changed.connect(lambda _c: self._on_content_changed())
        self.model.sequence_changed.connect(lambda _i: self._on_sequence_changed())
        self._on_content_changed()

    # --- public -------------------------------------------------------------------------------
    @property
    def scope(self) -> str:
        return str(self.scope_combo.currentData())

    def set_scope(self, scope: str) -> None:
        """"sequence" (the sequence shown in the main window) or "set" (every sequence)."""
        self.scope_combo.setCurrentIndex(list(SCOPES).index(scope))

    def needed(self) -> str:
        """Which result the current tab shows: "set", "compare" or "stream"."""
        return self._needs[self.tabs.currentIndex()]

    def figure_widget(self) -> Any:
        """The plot widget (a pyqtgraph GraphicsView) of the current tab."""
        page = self.tabs.currentWidget()
        if page is self.compare_panel:
            return self.compare_panel.stack.currentWidget()
        panel = {id(self.diff_panel): self.diff_panel.graphics,
                 id(self.motion_panel): self.motion_panel.plot,
                 id(self.gt_panel): self.gt_panel.graphics}
        return panel.get(id(page), self.stream_panel.graphics)

    def is_ready(self) -> bool:
        """True when no computation runs and the current tab is up to date."""
        return not self._jobs and not self._dirty[self.needed()]

    def compute(self, what: str | None = None) -> Job | None:
        """(Re)compute ``what`` (default: what the current tab shows) in a worker."""
        what = what or self.needed()
        self._held[what] = False
        job = {"set": self._start_set, "stream": self._start_stream,
               "compare": self._start_compare}[what]()
        if job is None:  # nothing to compute: the tab says why
            self._dirty[what] = False
        return job

    def cancel(self) -> None:
        """Stop every computation of this dialog (what was shown stays)."""
        for what, job in list(self._jobs.items()):
            self._held[what] = True
            job.cancel()

    # --- starting jobs --------------------------------------------------------------------------
    def _start_set(self) -> Job | None:
        content, seqset = self.window_.content, self.model.sequence_set
        stream = content is not None and content.is_stream
        if seqset is None or stream:
            self._wanted["set"] = None
            self._show_set(None, None)
            return None
        if self.scope == "sequence":
            index = self.model.sequence_index
            what = f"Sequence {index}"

            def fn(progress, cancel):  # type: ignore[no-untyped-def]
                report(progress, 0, 1)
                return analysis.sequence_statistics(seqset, index, cancel)
        else:
            index = -1
            what = f"All {seqset.num_sequences} sequences"

            def fn(progress, cancel):  # type: ignore[no-untyped-def]
                return analysis.set_statistics(seqset, progress, cancel)
        key = (id(seqset), index)
        self._wanted["set"] = key
        return self._submit("set", fn, f"Computing the statistics of {what.lower()}…",
                            lambda stats: self._show_set(key, stats, what))

    def _start_stream(self) -> Job | None:
        images = self._dataset_images()
        if images is None:
            self._wanted["stream"] = None
            self.stream_panel.set_note("No dataset digits: this set was opened from a file. "
                                       "Generate sequences or show the digit stream in the "
                                       "main window.")
            self._show_stream(None, None)
            return None
        self.stream_panel.set_note("")
        first, count = self.stream_first.value(), self.stream_count.value()
        stop = min(first + count, len(images))
        key = (id(images), first, stop)
        self._wanted["stream"] = key
        what = f"Digits {first}–{stop - 1} (x[i+1] − x[i])"
        return self._submit(
            "stream", lambda progress, cancel: analysis.digit_stream_diff_stats(
                images, progress, cancel, start=first, stop=stop),
            f"Computing the differences of {stop - first} consecutive digits…",
            lambda stats: self._show_stream(key, stats, what))

    def _start_compare(self) -> Job | None:
        request = self.compare_panel.request()
        content = self.window_.content
        if request is None or content is None:
            self._wanted["compare"] = None
            self._show_compare(None, None)
            return None
        kind, a, b = request
        dataset = content.dataset
        images = self._dataset_images()
        labels = None if dataset is None else dataset.labels
        key = (kind, a, b, id(content.seqset))
        self._wanted["compare"] = key
        return self._submit("compare", compare_job(kind, a, b, content.seqset, images, labels),
                            f"Comparing {kind} {a} and {b}…",
                            lambda result: self._show_compare(key, result))

    def _submit(self, what: str, fn: Any, text: str, done: Any) -> Job:
        job = self.workers.submit(JOBS[what], fn)
        self._jobs[what] = job
        self._dirty[what] = False
        self.status_label.setStyleSheet("")
        self.status_label.setText(text)
        self.progress_bar.setRange(0, 0)
        self.progress_bar.show()
        self.cancel_button.show()
        job.progress.connect(self._on_progress)
        job.finished.connect(done)
        job.finished.connect(lambda _r: self._ended(what, job, ""))
        job.failed.connect(lambda message: self._ended(what, job, message, failed=True))
        job.cancelled.connect(lambda: self._ended(what, job, "Cancelled.", cancelled=True))
        return job

    def _on_progress(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)

    def _ended(self, what: str, job: Job, message: str, failed: bool = False,
               cancelled: bool = False) -> None:
        if self._jobs.get(what) is job:
            del self._jobs[what]
            self._dirty[what] = self._dirty[what] or failed or cancelled
        if not self._jobs:
            self.progress_bar.hide()
            self.cancel_button.hide()
        self.status_label.setStyleSheet(f"QLabel {{ color: {ERROR_COLOUR}; }}" if failed else "")
        self.status_label.setText(message)

    # --- showing results ------------------------------------------------------------------------
    def _show_set(self, key: Any, stats: analysis.SetStatistics | None, what: str = "") -> None:
        if key != self._wanted.get("set"):
            return
        self.statistics = stats
        self.diff_panel.set_stats(None if stats is None else stats.diff, what)
        self.motion_panel.set_energy(None if stats is None else stats.energy, what)
        self.gt_panel.set_stats(stats, what)
        missing = stats is not None and bool(stats.missing)
        self.tabs.setTabText(self.tabs.indexOf(self.gt_panel),
                             "Ground truth (not in this set)" if missing else "Ground truth")
        self.results_shown.emit("set")

    def _show_stream(self, key: Any, stats: analysis.FrameDiffStats | None,
                     what: str = "") -> None:
        if key != self._wanted.get("stream"):
            return
        self.stream_stats = stats
        self.stream_panel.set_stats(stats, what)
        self.results_shown.emit("stream")

    def _show_compare(self, key: Any, result: CompareResult | None) -> None:
        if key != self._wanted.get("compare"):
            return
        self.comparison = result
        self.compare_panel.show_result(result)
        self.results_shown.emit("compare")

    # --- what changes the results ---------------------------------------------------------------
    def _dataset_images(self) -> Any:
        content = self.window_.content
        return None if content is None or content.dataset is None else content.dataset.images

    def _invalidate(self, what: str) -> None:
        self._dirty[what] = True
        self._held[what] = False
        self._refresh()

    def _refresh(self) -> None:
        what = self.needed()
        self.compute_button.setEnabled(self.window_.content is not None)
        self.scope_combo.setEnabled(what == "set")
        if self.isVisible() and self._dirty[what] and not self._held[what]:
            self.compute(what)

    def _on_sequence_changed(self) -> None:
        if self.scope == "sequence":
            self._invalidate("set")

    def _on_content_changed(self) -> None:
        content = self.window_.content
        seqset = None if content is None else content.seqset
        stream = content is not None and content.is_stream
        images = self._dataset_images()
        n = 0 if images is None else len(images)
        for spin, lo, hi, value in ((self.stream_first, 0, max(n - 2, 0), 0),
                                    (self.stream_count, min(2, n), n, n)):
            spin.blockSignals(True)
            spin.setRange(lo, hi)
            spin.setValue(value)
            spin.blockSignals(False)
        sequences = 0 if seqset is None or stream else seqset.num_sequences
        self.compare_panel.set_limits(sequences, n, prefer="digits" if stream else "sequences")
        if sequences > 1 or (stream and n > 1):
            current = self.model.sequence_index if not stream else self.model.frame_index
            limit = sequences if not stream else n
            self.compare_panel.set_request(self.compare_panel.kind, current,
                                           min(current + 1, limit - 1), emit=False)
        for panel in (self.diff_panel, self.motion_panel):
            panel.set_note(STREAM_NOTE if stream else "" if seqset is not None else NO_CONTENT)
        if stream and self.needed() == "set":
            self.tabs.setCurrentIndex(self._needs.index("stream"))
        for what in self._dirty:
            self._dirty[what] = True
            self._held[what] = False
        self._refresh()

    # --- Qt -------------------------------------------------------------------------------------
    def restyle(self) -> None:
        """Colour every plot with the theme of the window's palette (light or dark)."""
        theme = current_theme(self.palette())
        for widget in (self.diff_panel.graphics, self.gt_panel.graphics,
                       self.stream_panel.graphics, self.compare_panel.sequence_view,
                       self.compare_panel.digit_view):
            apply_theme(widget, theme)
        self.motion_panel.restyle()

    def changeEvent(self, event: QEvent | None) -> None:
        super().changeEvent(event)
        if event is not None and event.type() == QEvent.Type.PaletteChange:
            self.restyle()

    def showEvent(self, event: QShowEvent | None) -> None:
        super().showEvent(event)
        self._refresh()

    def hideEvent(self, event: QHideEvent | None) -> None:
        for what, job in list(self._jobs.items()):  # nobody looks: stop, redo when shown
            job.cancel()
            self._held[what] = False
        super().hideEvent(event)


def create_dialog(window: Any) -> StatsDialog:
    """The statistics dialog of a main window (View › Statistics…)."""
    return StatsDialog(window)

