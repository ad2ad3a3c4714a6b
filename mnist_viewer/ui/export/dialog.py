"""File › Export…: write the current sequence, a range, a grid page or a digit stream.

The format follows the file name's extension or the format chosen (each updates the other).
A preview line shows the output size, frame count, duration and number of files. The export
runs as a worker job (:mod:`.export_worker`), with progress and Cancel here and in the status
bar, while the player keeps playing; closing the dialog leaves it running, closing the main
window cancels it (``WorkerPool.shutdown``). Errors go through ``MainWindow.report_error``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QShowEvent
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from ...core.errors import DataError
from ..grid.dialog import GridDialog
from ..widgets import ERROR_COLOUR, WARNING_COLOUR
from ..workers import Job
from . import worker as export_worker
from .options import (
    FILE_FILTERS,
    FORMAT_CHOICES,
    KNOWN_SUFFIXES,
    MP4_MISSING,
    OptionsBox,
    OutputBox,
)
from .what import WhatBox
from .worker import ExportPlan, ExportRequest

if TYPE_CHECKING:
    from ..player.main_window import MainWindow

JOB_KIND = "export"


class ExportDialog(QDialog):
    """The export dialog of a :class:`MainWindow` (non-modal, kept and re-shown)."""

    exported = pyqtSignal(list)  # the paths written, after a successful export

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.main_window = window
        self.setWindowTitle("Export")
        self._job: Job | None = None
        self._plan: ExportPlan | None = None
        self.mp4_available = export_worker.mp4_available()

        self.what_box = WhatBox(self)

        # output ----------------------------------------------------------------------------
        self.output_box = OutputBox(window.settings, self.mp4_available, self.what, self)
        out = self.output_box
        self.format_combo, self.path_edit = out.format_combo, out.path_edit
        self.browse_button = out.browse_button

        # options ---------------------------------------------------------------------------
        self.options_box = OptionsBox(self)
        opt = self.options_box
        self.fps_spin, self.fps_note, self.scale_spin = opt.fps_spin, opt.fps_note, opt.scale_spin
        self.colormap_combo, self.loop_check = opt.colormap_combo, opt.loop_check
        self.captions_check, self.boxes_check = opt.captions_check, opt.boxes_check

        # preview, progress, buttons --------------------------------------------------------
        self.preview_label = QLabel()
        self.preview_label.setStyleSheet("font-weight: bold")
        self.note_label = QLabel()
        self.note_label.setWordWrap(True)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress_bar = QProgressBar()
        self._reset_progress()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_bar, 1)
        progress_row.addWidget(self.cancel_button)
        buttons = QDialogButtonBox()
        export_button = buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        assert export_button is not None and close_button is not None
        self.export_button: QPushButton = export_button
        self.close_button: QPushButton = close_button
        self.export_button.setDefault(True)

        layout = QVBoxLayout(self)
        for box in (self.what_box, self.output_box, self.options_box):
            layout.addWidget(box)
        layout.addWidget(self.preview_label)
        layout.addWidget(self.note_label)
        layout.addLayout(progress_row)
        layout.addWidget(self.message_label)
        layout.addWidget(buttons)

        # wiring ----------------------------------------------------------------------------
        buttons.accepted.connect(self.start_export)
        buttons.rejected.connect(self.reject)
        self.cancel_button.clicked.connect(self.cancel_export)
        self.browse_button.clicked.connect(self.choose_path)
        self.output_box.changed.connect(self._on_value_changed)
        self.what_box.changed.connect(self._on_value_changed)
        self.what_box.what_changed.connect(self._on_what_changed)
        self.options_box.changed.connect(self._on_value_changed)
        window.model.fps_changed.connect(lambda _f: self.sync_player())
        window.model.loop_mode_changed.connect(lambda _m: self.sync_player())
        window.view.colormap_changed.connect(lambda _n: self.sync_player())
        window.content_changed.connect(lambda _c: self.sync_content())
        window.model.sequence_changed.connect(self.what_box.set_sequence)
        window.workers.job_ended.connect(self._on_job_ended)

        s = window.settings
        saved = s.get_str("export/format", "gif")
        self.set_format(saved if saved in FORMAT_CHOICES and (saved != "mp4" or self.mp4_available)
                        else "gif")
        self.options_box.set_scale(s.get_int("export/scale", 1))
        self.options_box.captions_check.setChecked(s.get_bool("export/captions", False))
        self.options_box.boxes_check.setChecked(s.get_bool("export/boxes", False))
        self.output_box.set_auto_path()
        self.sync_player()
        self.sync_content()

    # --- public state ----------------------------------------------------------------------
    @property
    def job(self) -> Job | None:
        """The export running, if any."""
        return self._job

    @property
    def is_exporting(self) -> bool:
        return self._job is not None

    def what(self) -> str:
        return self.what_box.what()

    def format_key(self) -> str:
        return self.output_box.format_key()

    def set_what(self, key: str) -> None:
        self.what_box.set_what(key)

    def set_format(self, key: str) -> None:
        self.output_box.set_format(key)

    def set_path(self, path: str | Path) -> None:
        """Export to ``path`` (its extension picks the format)."""
        self.output_box.set_path(path)

    # --- following the window --------------------------------------------------------------
    def sync_player(self) -> None:
        """Take fps, loop and colormap from the player and the view, except those the user
        has set here (called whenever the player's or the view's value changes)."""
        model, view = self.main_window.model, self.main_window.view
        self.options_box.follow(model.fps, model.loop_mode != "once", view.colormap)

    def user_set(self, field: str) -> bool:
        """True once the user has edited ``field`` ("fps", "loop" or "colormap") here."""
        return self.options_box.user_set(field)

    def sync_grid(self) -> None:
        """Take the grid export's rows, columns and page from the grid dialog, if it has been
        opened (and the user has not chosen them here)."""
        grid = self.main_window._tools.get("grid")
        if not isinstance(grid, GridDialog) or self.what_box.grid_edited or grid.stream_mode:
            return
        self.what_box.set_grid(grid.rows, grid.cols, grid.page)

    def sync_content(self) -> None:
        """Adapt the choices to the content shown (called when it changes)."""
        model = self.main_window.model
        self.what_box.sync(self.main_window.content, model.sequence_index, model.frame_index)
        self._on_value_changed()

    def showEvent(self, event: QShowEvent | None) -> None:
        if not self.is_exporting:
            self.sync_content()
            self.sync_grid()
        super().showEvent(event)

    # --- the request ---------------------------------------------------------------------------
    def target(self) -> Path:
        """The path typed, relative paths taken from the last export folder."""
        return self.output_box.target()

    def request(self) -> ExportRequest:
        """What the dialog asks for, as a snapshot for the worker (DataError if incomplete)."""
        target = self.target()
        key = self.format_key()
        if key == "mp4" and not self.mp4_available:
            raise DataError(target, MP4_MISSING)
        content = self.main_window.content
        if content is None:
            raise DataError(None, "nothing to export: open or generate sequences first")
        what = self.what()
        options = self.options_box.options(FORMAT_CHOICES[key][2])
        selection = self.what_box.selection()
        if what == "stream":
            dataset = content.dataset
            return ExportRequest(target, what, options,
                                 images=None if dataset is None else dataset.images,
                                 labels=None if dataset is None else dataset.labels,
                                 **selection)
        return ExportRequest(target, what, options, content.seqset, **selection)

    # --- reacting to edits ---------------------------------------------------------------------
    def _on_what_changed(self, _key: str) -> None:
        self.output_box.follow_what()
        self._on_value_changed()

    def _on_value_changed(self, *_args: object) -> None:
        """Update the switches that depend on the format and the content; redo the preview."""
        content = self.main_window.content
        seqs = None if content is None else content.seqset
        has_gt = seqs is not None and seqs.ground_truth is not None
        self.options_box.adapt(self.format_key(), self.what(), has_gt)
        self._update_preview()

    def _update_preview(self) -> None:
        notes: list[str] = []
        try:
            self._plan = export_worker.plan(self.request())
            check_folders(self._plan)
        except MissingFolder as exc:
            self._plan = None
            self.preview_label.setText(f"The folder {exc.folder} does not exist")
            self.note_label.setStyleSheet(f"color: {ERROR_COLOUR}")
            self.note_label.setText("Choose an existing folder (or create it first)")
        except (DataError, ValueError, IndexError) as exc:
            self._plan = None
            problem = exc.problem if isinstance(exc, DataError) else str(exc)
            self.preview_label.setText("Nothing to export yet")
            self.note_label.setStyleSheet(f"color: {ERROR_COLOUR}")
            self.note_label.setText(problem[:1].upper() + problem[1:])
        else:
            self.preview_label.setText(self._plan.describe())
            existing = [p for p in self._plan.paths if p.exists()]
            if existing:
                notes.append("The file exists and will be replaced" if len(self._plan.paths) == 1
                             else f"{len(existing)} of the files exist and will be replaced")
            if self._plan.memory_bytes > export_worker.LARGE_BYTES:
                notes.append(f"Large: about {self._plan.memory_bytes / 2**30:.1f} GB of frames "
                              "in memory per file")
            self.note_label.setStyleSheet(f"color: {WARNING_COLOUR}")
            self.note_label.setText(" · ".join(notes))
        self.note_label.setVisible(bool(self.note_label.text()))
        self.export_button.setEnabled(self._plan is not None and not self.is_exporting)

    # --- file chooser ------------------------------------------------------------------------
    def choose_path(self) -> None:
        """Pick the target with a file dialog opened in the last export folder."""
        key = self.format_key()
        try:
            start = str(self.target())
        except DataError:
            start = self.main_window.settings.last_dir("export")
        filters = [FILE_FILTERS[k] for k in FORMAT_CHOICES if k != "mp4" or self.mp4_available]
        filters = list(dict.fromkeys(filters))
        path, chosen = QFileDialog.getSaveFileName(self, "Export To", start, ";;".join(filters),
                                                   FILE_FILTERS[key])
        if not path:
            return
        picked = next((k for k in FORMAT_CHOICES if FILE_FILTERS[k] == chosen), key)
        if picked == "avi" and key.startswith("avi"):
            picked = key
        if Path(path).suffix.lower() not in KNOWN_SUFFIXES and picked != "frames":
            path += FORMAT_CHOICES[picked][1]
        self.main_window.settings.set_last_dir("export", Path(path).parent)
        self.set_path(path)

    # --- running -------------------------------------------------------------------------------
    def start_export(self) -> Job | None:
        """Start the export in a worker (None, with a message, if the request is not valid)."""
        if self.is_exporting:
            return None
        try:
            request = self.request()
            plan = export_worker.plan(request)
            check_folders(plan)
        except (DataError, ValueError, IndexError) as exc:
            self._show_error(str(exc))
            return None
        window = self.main_window
        job = window.workers.submit(JOB_KIND, lambda progress, cancel: export_worker.run_export(
            request, progress, cancel))
        self._job, self._plan = job, plan
        name = plan.paths[0].name if plan.files == 1 else f"{plan.files} files"
        window.track(job, f"Exporting {name}…")
        job.progress.connect(self._on_progress)
        job.finished.connect(self._on_finished)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(self._on_cancelled)
        window.settings.set_value("export/scale", request.options.scale)
        window.settings.set_value("export/captions", self.options_box.captions_check.isChecked())
        window.settings.set_value("export/boxes", self.options_box.boxes_check.isChecked())
        self.progress_bar.setRange(0, 0)  # busy until the first report
        self._set_message(f"Exporting to {plan.paths[0]}…")
        self._set_running(True)
        return job

    def cancel_export(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self._set_message("Cancelling…")

    def _set_running(self, running: bool) -> None:
        self.cancel_button.setEnabled(running)
        self.export_button.setEnabled(not running and self._plan is not None)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(min(done, total))

    def _on_finished(self, paths: list[Path]) -> None:
        written = paths[0] if len(paths) == 1 else paths[0].parent
        what = str(written) if len(paths) == 1 else f"{len(paths)} files to {written}"
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1)
        self._set_message(f"Exported {what}")
        self.main_window.status.show_info(f"Exported {what}")
        self.main_window.settings.set_last_dir("export", written)
        self.exported.emit(list(paths))

    def _on_failed(self, message: str) -> None:
        self._reset_progress()
        self._show_error(message)

    def _on_cancelled(self) -> None:
        self._reset_progress()
        kept = " (the files already finished are kept)" if self._plan and self._plan.files > 1 \
            else ""
        self._set_message(f"Export cancelled{kept}")
        self.main_window.status.show_info(f"Export cancelled{kept}")

    def _on_job_ended(self, job: Job) -> None:
        if job is self._job:
            self._job = None
            self._set_running(False)
            self._update_preview()

    def _reset_progress(self) -> None:
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setTextVisible(False)

    def _show_error(self, message: str) -> None:
        message = " ".join(str(message).split())
        self.message_label.setStyleSheet(f"color: {ERROR_COLOUR}")
        self.message_label.setText(message)
        self.main_window.report_error(message)

    def _set_message(self, text: str) -> None:
        self.message_label.setStyleSheet("")
        self.message_label.setText(text)


class MissingFolder(DataError):
    """The folder an export would write into does not exist (or is not a folder)."""

    def __init__(self, path: Path, folder: Path) -> None:
        super().__init__(path, f"cannot write there: {folder} is not an existing folder")
        self.folder = folder


def check_folders(plan: ExportPlan) -> None:
    """Raise :class:`MissingFolder` unless every file of ``plan`` goes into an existing folder
    (so the dialog says so before Export is clicked)."""
    for path in plan.paths:
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise MissingFolder(path, folder)


def create_dialog(window: MainWindow) -> QDialog:
    """The export dialog of ``window`` (File › Export…)."""
    return ExportDialog(window)

