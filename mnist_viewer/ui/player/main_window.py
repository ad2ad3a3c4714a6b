"""The main window: the sequence view, transport bar, generator panel, menus and status bar.

Everything slow (reading a dataset, opening a sequence file, generating, saving, downloading)
runs in a :class:`~mnist_viewer.ui.workers.WorkerPool` job; the content shown changes only when
a job succeeds, so a bad file leaves the previous set on screen and reports one line.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PyQt6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import DataError
from ...core.files.predictions import predictions_kind
from ...core.jobs import check_cancel, check_free_space
from ...core.sources import download
from ...core.sources.datasets import Dataset
from ...core.sources.keras import tensorflow_available
from .. import content as ct
from .. import dialogs
from ..screen_fit import keep_on_screen, resize_to_fit
from ..settings import Settings
from ..status import StatusBar
from ..workers import Job, WorkerPool
from . import file_dialogs
from .actions import PlayerActions
from .damage_check import check_shown_file
from .generator_panel import GenerateRequest, GeneratorPanel
from .media_dialogs import ask_grid_split, choose_hdf5_dataset
from .menus import TOOLS, Menus, shortcut_groups
from .model import PlayerModel
from .sequence_view import COLORMAPS, OVERLAYS, SequenceView
from .transport import TransportBar

CONTENT_JOB = "content"  # opening, generating: a newer request replaces an older one

class MainWindow(QMainWindow):
    """The application window. See the module docstring."""

    content_changed = pyqtSignal(object)  # Content
    error_reported = pyqtSignal(str)  # one line: "path: problem"

    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else Settings()
        self.setWindowTitle("mnist-viewer")
        self.setAcceptDrops(True)
        self.message_boxes = True  # tests turn the (non-blocking) error boxes off
        self.content: ct.Content | None = None
        self._datasets: dict[tuple[str, str | None, str], Dataset] = {}
        self._tools: dict[str, QWidget] = {}
        self._fallback_to_default = False

        s = self.settings
        self.workers = WorkerPool(self)
        self.model = PlayerModel(self, fps=s.get_float("player/fps", 10.0),
                                 loop_mode=s.get_str("player/loop", "loop"))
        self.player_actions = PlayerActions(self.model, self)
        self.view = SequenceView(self.model, self)
        self.transport = TransportBar(self.model, self.player_actions, self)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.transport)
        self.setCentralWidget(central)

        self.panel = GeneratorPanel(self, keras_available=tensorflow_available(),
                                    cache_available=download.is_cached())
        self.panel_dock = QDockWidget("Generator", self)
        self.panel_dock.setObjectName("generator-dock")
        self.panel_dock.setWidget(self.panel)
        self.panel_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                                    | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.panel_dock)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.menus = Menus(self)

        self.panel.generate_requested.connect(lambda: self.generate())
        self.panel.choose_path_requested.connect(lambda: file_dialogs.choose_panel_path(self))
        self._tracked: set[Job] = set()  # the jobs whose progress the status bar shows
        self._content_job: Job | None = None  # the newest opening or generating
        self.status.cancel_requested.connect(self.cancel_tracked)
        self.status.swap_requested.connect(self.swap_sequences_and_frames)
        self.workers.job_ended.connect(self._on_job_ended)
        self.view.pixel_hovered.connect(self.status.set_pixel)
        self.view.hover_left.connect(self.status.clear_pixel)
        self.model.damage_changed.connect(self.status.show_damage)
        self.model.frame_changed.connect(lambda _t: self._update_caption())
        self.model.sequence_changed.connect(lambda _i: self._update_caption())
        self.model.fps_changed.connect(lambda v: s.set_value("player/fps", v))
        self.model.loop_mode_changed.connect(lambda m: s.set_value("player/loop", m))
        self._restore_settings()
        self._update_enabled()
        self.view.setFocus()

    # --- starting ------------------------------------------------------------------------------
    def start(self, path: str | None = None) -> None:
        """Open ``path``, or show a freshly generated set from the default data source."""
        if path:
            self._fallback_to_default = True
            self.open_path(path)
        else:
            self.generate()

    # --- opening and generating ----------------------------------------------------------------
    def open_path(self, path: str | Path) -> Job | None:
        """Open a dataset (folder, IDX or Keras .npz), a sequence file (or a .zarr store, a
        folder of frames) or a predictions folder (in the review window), whichever it is."""
        if predictions_kind(path) is not None:
            self._remember(str(path), "datasets")
            self.open_predictions(path)
            return None
        if ct.is_sequence_path(path):
            return self.open_sequences(path)
        return self.open_dataset(path)

    def open_recent(self, path: str) -> Job | None:
        """Open an entry of File › Open Recent; one that no longer exists leaves the list."""
        if not Path(path).exists():
            self.settings.remove_recent_file(path)
            self.report_error(f"{path}: no longer exists (removed from Open Recent)")
            return None
        return self.open_path(path)

    def open_dataset(self, path: str | Path) -> Job | None:
        """Use the dataset at ``path`` as the data source and regenerate in the current mode."""
        path = str(Path(path).expanduser())
        try:
            request = self.panel.request()
        except DataError as exc:
            self.report_error(str(exc))
            return None
        source = ct.DataSource("path", path)
        mode = request.mode if request.mode in ct.MODES else "moving"
        request = GenerateRequest(mode, source, request.split, request.config)
        return self.generate(request, recent=path)

    def open_sequences(self, path: str | Path, layout: str | None = None,
                       grid: object = None) -> Job | None:
        """Show the sequences of a file (``layout`` overrides the detected one; ``grid`` splits
        a grid animation). An HDF5 file with several datasets of frames asks which one."""
        path = str(Path(path).expanduser())
        layout = layout or self.settings.file_layout(path)  # a swap chosen before
        key = choose_hdf5_dataset(self, path)
        if key == "":
            return None  # the user cancelled the choice
        job = self._submit_content(f"Opening {Path(path).name}…",
                                   lambda progress, cancel: ct.open_sequence_file(
                                       path, progress, cancel, layout, key, grid))
        job.finished.connect(lambda c: self._remember(path, "sequences"))
        return job

    def split_grid_animation(self) -> Job | None:
        """File › Split Grid Animation: reopen the animation shown as the grid's sequences (the
        detected layout, or rows × columns and gap given in a dialog)."""
        content = self.content
        if content is None or content.path is None:
            return None
        grid = ask_grid_split(self, content.seqset.config)
        return None if grid is None else self.open_sequences(content.path, None, grid)

    def swap_sequences_and_frames(self) -> Job | None:
        """Reopen the file shown with sequences and frames swapped (remembered for it)."""
        content = self.content
        if content is None or content.path is None or content.swap_layout is None:
            return None
        self.settings.set_file_layout(content.path, content.swap_layout)
        return self.open_sequences(content.path, content.swap_layout)

    def generate(self, request: GenerateRequest | None = None,
                 recent: str | None = None) -> Job | None:
        """Make a new set from the panel's settings (or ``request``) in the background."""
        try:
            request = request if request is not None else self.panel.request()
        except DataError as exc:
            self.report_error(str(exc))
            return None
        key = (request.source.kind, request.source.path, request.split)
        cached = self._datasets.get(key)

        def job_fn(progress, cancel):  # type: ignore[no-untyped-def]
            dataset = cached or ct.load_source(request.source, request.split, progress, cancel)
            check_cancel(cancel)
            if request.mode == "stream":
                return ct.digit_stream(dataset)
            return ct.generated(request.config, dataset, request.mode)

        # reading the data is the slow part (the set itself is generated as it is shown)
        what = "Loading MNIST…" if cached is None else \
            "Showing digits…" if request.mode == "stream" else "Generating…"
        job = self._submit_content(what, job_fn)

        def done(result: ct.Content) -> None:
            if result.dataset is not None:
                self._datasets = {key: result.dataset}  # keep the last dataset only
                self.panel.set_labels_known(result.dataset.has_labels)
            if recent:
                self.panel.set_source(request.source)
                self._remember(recent, "datasets")

        job.finished.connect(done)
        return job

    def set_content(self, content: ct.Content) -> None:
        """Show a sequence set (from a job, or directly)."""
        keep_frame = self.content is not None and self.content.mode == content.mode
        self.content = content
        frame = self.model.frame_index if keep_frame else 0
        self.model.set_sequence_set(content.seqset, 0, frame)
        check_shown_file(self.workers, self.model, content)  # CRC-32 of stored members
        self.setWindowTitle(f"{content.title.split(' · ')[0]} — mnist-viewer")
        if content.warnings:
            self.status.show_warning(" · ".join(content.warnings), content.title)
        else:
            self.status.show_info(content.title)
        self.status.show_reading_note(
            content.note, content.path is not None and content.swap_layout is not None)
        config = content.seqset.config or {}
        self.panel.show_seed(None if content.is_stream else config.get("seed"))  # files too
        self.panel.show_file(content.path if content.mode == "file" else None, config)
        self._update_enabled()
        self._update_caption()
        self.content_changed.emit(content)

    def _submit_content(self, what: str, fn: Any) -> Job:
        job = self.workers.submit(CONTENT_JOB, fn)
        self.track(job, what)
        self._content_job = job
        self.view.set_busy(what)  # on the canvas too, until the job ends
        job.finished.connect(self.set_content)
        job.failed.connect(self._content_failed)
        return job

    def _content_failed(self, message: str) -> None:
        self.report_error(message)
        if self._fallback_to_default and self.content is None:
            self._fallback_to_default = False
            self.generate(self.panel.request())

    def track(self, job: Job, what: str) -> None:
        """Show ``job``'s progress in the status bar, where Cancel stops it (and only it).

        Jobs that are not tracked (statistics, grid pages) report in their own dialogs.
        """
        self._tracked.add(job)
        self.status.start_progress(what)
        job.progress.connect(self.status.set_progress)
        job.cancelled.connect(lambda: self.status.show_info(f"{what.rstrip('…')} cancelled"))

    def cancel_tracked(self) -> None:
        """The status bar's Cancel: stop the jobs it shows."""
        for job in list(self._tracked):
            job.cancel()

    def _on_job_ended(self, job: Job) -> None:
        self._tracked.discard(job)
        if job is self._content_job:
            self.view.set_busy("")
        if not self._tracked:
            self.status.stop_progress()

    def _remember(self, path: str, kind: str) -> None:
        self.settings.add_recent_file(path)
        self.settings.set_last_dir(kind, path)

    # --- errors --------------------------------------------------------------------------------
    def report_error(self, message: str) -> None:
        """Show one error line in the status bar and a message box; the content stays."""
        message = " ".join(str(message).split())
        self.status.show_error(message)
        self.error_reported.emit(message)
        self.show_error_box(message)

    def show_error_box(self, message: str) -> None:
        """The message box of :meth:`report_error` (non-blocking; off when ``message_boxes``)."""
        if self.message_boxes:
            dialogs.show_error_box(self, "mnist-viewer", message)

    # --- file dialogs --------------------------------------------------------------------------
    def choose_dataset(self) -> None:
        file_dialogs.choose_dataset(self)

    def choose_folder(self) -> None:
        file_dialogs.choose_folder(self)

    def choose_sequences(self) -> None:
        file_dialogs.choose_sequences(self)

    def choose_predictions(self) -> None:
        file_dialogs.choose_predictions(self)

    def open_predictions(self, path: str | Path) -> QWidget | None:
        """Open the review window on a predictions folder (one line on a bad folder)."""
        from ..review.window import open_review

        try:
            review = open_review(path, self)
        except DataError as exc:
            self.report_error(str(exc))
            return None
        self._tools[f"review:{path}"] = review
        return review

    def choose_save_path(self) -> None:
        file_dialogs.choose_save_path(self)

    def save_sequences(self, path: str | Path, layout: str | None = None) -> Job | None:
        """Write the sequence set shown to ``path`` in the background (layout by extension)."""
        if self.content is None:
            return None
        from ...core.files import save_sequences

        seqset, target = self.content.seqset, str(path)
        try:  # frames (uint8) and a little more: refused with the figures before any work
            check_free_space(target, seqset.num_sequences * seqset.num_frames * seqset.height
                             * seqset.width, f"{seqset.num_sequences:,} sequences")
        except DataError as exc:
            self.report_error(str(exc))
            return None
        job = self.workers.submit("save", lambda progress, cancel: save_sequences(
            target, seqset, layout, progress=progress, cancel=cancel))
        self.track(job, f"Saving {Path(target).name}…")
        def saved(_result: object) -> None:
            self.status.show_info(f"Saved {target}")
            self._remember(target, "sequences")

        job.finished.connect(saved)
        job.failed.connect(self.report_error)
        return job

    def confirm_download(self) -> Job | None:
        """File › Download MNIST…: say what will happen, then download if the user agrees."""
        return self.download_mnist() if file_dialogs.confirm_download(self) else None

    def download_mnist(self) -> Job:
        """Download the full MNIST into the cache in the background."""
        job = self.workers.submit("download", lambda progress, cancel: download.download_mnist(
            progress=progress, cancel=cancel))
        self.track(job, "Downloading MNIST…")

        def done(folder: object) -> None:
            self.status.show_info(f"MNIST downloaded to {folder}")
            self.panel.set_source_availability(tensorflow_available(), True)
            self._datasets.clear()

        job.finished.connect(done)
        job.failed.connect(self.report_error)
        return job

    # --- view options, tools, help -------------------------------------------------------------
    def set_colormap(self, name: str) -> None:
        self.view.set_colormap(name)
        self.menus.colormaps[name].setChecked(True)
        self.settings.set_value("view/colormap", name)

    def set_overlay_visible(self, name: str, visible: bool) -> None:
        self.view.set_overlay_visible(name, visible)
        self.menus.overlays[name].setChecked(visible)
        self.settings.set_value(f"view/overlay_{name}", visible)

    def open_tool(self, name: str) -> QWidget:
        """Show the grid, statistics or export dialog (``<module>.create_dialog(window)``)."""
        dialog = self._tools.get(name)
        if dialog is None:
            module = importlib.import_module(TOOLS[name][0])
            dialog = module.create_dialog(self)
            self._tools[name] = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def show_shortcuts(self) -> None:
        dialogs.show_shortcuts(self, shortcut_groups(self))

    def show_about(self) -> None:
        dialogs.show_about(self)

    def _update_caption(self) -> None:
        c = self.content
        self.status.set_caption("" if c is None else
                                c.caption(self.model.sequence_index, self.model.frame_index))

    def _update_enabled(self) -> None:
        c = self.content
        has_truth = c is not None and c.seqset.ground_truth is not None
        self.menus.update_enabled(c is not None, has_truth)

    # --- drag and drop -------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent | None) -> None:
        mime = event.mimeData() if event is not None else None
        if mime is not None and mime.hasUrls() and any(u.isLocalFile() for u in mime.urls()):
            event.acceptProposedAction()  # type: ignore[union-attr]

    def dropEvent(self, event: QDropEvent | None) -> None:
        mime = event.mimeData() if event is not None else None
        paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()] if mime else []
        if paths:
            event.acceptProposedAction()  # type: ignore[union-attr]
            self.open_path(paths[0])  # a results folder opens the review window

    # --- settings and closing ------------------------------------------------------------------
    def _restore_settings(self) -> None:
        s = self.settings
        geometry, state = s.get_bytes("window/geometry"), s.get_bytes("window/state")
        if geometry is None or not self.restoreGeometry(geometry):
            resize_to_fit(self, 1100, 720)
        keep_on_screen(self)  # saved on a larger screen, or at another scaling
        if state is None or not self.restoreState(state):
            self.resizeDocks([self.panel_dock], [300], Qt.Orientation.Horizontal)
        colormap = s.get_str("view/colormap", "grey")
        self.set_colormap(colormap if colormap in COLORMAPS else "grey")
        for name in OVERLAYS:
            self.set_overlay_visible(name, s.get_bool(f"view/overlay_{name}", True))
        try:
            panel_state = json.loads(s.get_str("panel/state", "{}"))
        except ValueError:
            panel_state = {}
        if isinstance(panel_state, dict):
            self.panel.restore(panel_state)

    def save_settings(self) -> None:
        s = self.settings
        s.set_value("window/geometry", self.saveGeometry())
        s.set_value("window/state", self.saveState())
        s.set_value("player/fps", self.model.fps)
        s.set_value("player/loop", self.model.loop_mode)
        s.set_value("panel/state", json.dumps(self.panel.state()))
        s.sync()

    def shutdown(self) -> None:
        """Stop playback and every job, close the tool dialogs (idempotent)."""
        self.model.pause()
        for dialog in self._tools.values():
            dialog.close()
        self._tools.clear()
        self.workers.shutdown()

    def closeEvent(self, event: QCloseEvent | None) -> None:
        self.save_settings()
        self.shutdown()
        super().closeEvent(event)
