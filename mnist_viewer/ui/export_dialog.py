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

from PyQt6.QtCore import QSignalBlocker, Qt, pyqtSignal
from PyQt6.QtGui import QShowEvent, QStandardItemModel
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from ..core import encoders, export
from ..core.colormaps import COLORMAPS
from ..core.errors import DataError
from ..core.playback import MAX_FPS, MIN_FPS
from . import export_worker
from .export_what import WhatBox
from .export_worker import ExportPlan, ExportRequest
from .grid_dialog import GridDialog
from .workers import Job

if TYPE_CHECKING:
    from .main_window import MainWindow

JOB_KIND = "export"
# format choice -> (menu text, extension, AVI codec)
FORMAT_CHOICES: dict[str, tuple[str, str, str]] = {
    "gif": ("GIF animation (.gif)", ".gif", "mjpg"),
    "avi": ("AVI video, MJPG (.avi)", ".avi", "mjpg"),
    "avi-ffv1": ("AVI video, lossless FFV1 (.avi)", ".avi", "ffv1"),
    "mp4": ("MP4 video, H.264 (.mp4)", ".mp4", "mjpg"),
    "sheet": ("PNG contact sheet (.png)", ".png", "mjpg"),
    "frames": ("Folder of PNG frames", "", "mjpg"),
}
FILE_FILTERS = {"gif": "GIF animation (*.gif)", "avi": "AVI video (*.avi)",
                "avi-ffv1": "AVI video (*.avi)", "mp4": "MP4 video (*.mp4)",
                "sheet": "PNG image (*.png)", "frames": "Folder of PNG frames (*)"}
MP4_MISSING = "MP4 needs imageio-ffmpeg: pip install 'mnist-viewer[mp4]'"
STEMS = {"sequence": "sequence", "range": "sequences", "grid": "grid", "stream": "digits"}
_KNOWN_SUFFIXES = {".gif", ".avi", ".mp4", ".png"}
MAX_SCALE = 16


class ExportDialog(QDialog):
    """The export dialog of a :class:`MainWindow` (non-modal, kept and re-shown)."""

    exported = pyqtSignal(list)  # the paths written, after a successful export

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.main_window = window
        self.setWindowTitle("Export")
        self._job: Job | None = None
        self._plan: ExportPlan | None = None
        self._syncing = False
        self._auto_name = True  # the file name follows "what" until the user edits it
        # fps, loop and colormap follow the player and the view until the user edits them
        self._user_set = {"fps": False, "loop": False, "colormap": False}
        self._following = False  # True while a field is set from the player or the view
        self.mp4_available = export_worker.mp4_available()

        self.what_box = WhatBox(self)

        # output ----------------------------------------------------------------------------
        self.format_combo = QComboBox()
        for key, (text, _ext, _codec) in FORMAT_CHOICES.items():
            self.format_combo.addItem(text, key)
        if not self.mp4_available:
            model = self.format_combo.model()
            assert isinstance(model, QStandardItemModel)
            item = model.item(list(FORMAT_CHOICES).index("mp4"))
            assert item is not None
            item.setEnabled(False)
            item.setToolTip(MP4_MISSING)
        self.path_edit = QLineEdit()
        self.path_edit.setMinimumWidth(380)
        self.path_edit.setToolTip("The file to write (a folder name for PNG frames); "
                                  "the extension chooses the format")
        self.browse_button = QPushButton("Browse…")
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        output_box = QGroupBox("Output")
        output_form = QFormLayout(output_box)
        output_form.addRow("Format:", self.format_combo)
        output_form.addRow("File:", path_row)

        # options ---------------------------------------------------------------------------
        self.fps_spin = QDoubleSpinBox()
        self.fps_spin.setRange(MIN_FPS, MAX_FPS)
        self.fps_spin.setDecimals(1)
        self.fps_spin.setSuffix(" fps")
        self.fps_note = QLabel()
        self.fps_note.setStyleSheet("color: #b35900")
        fps_row = QHBoxLayout()
        fps_row.addWidget(self.fps_spin)
        fps_row.addWidget(self.fps_note, 1)
        self.scale_spin = QSpinBox()
        self.scale_spin.setRange(1, MAX_SCALE)
        self.scale_spin.setToolTip("Enlarge every pixel K × K (nearest neighbour)")
        self.scale_spin.setSuffix(" ×")
        self.colormap_combo = QComboBox()
        for name in COLORMAPS:
            self.colormap_combo.addItem(name.capitalize(), name)
        self.loop_check = QCheckBox("Loop forever (unchecked: play once)")
        self.captions_check = QCheckBox("Captions: frame numbers and labels")
        self.boxes_check = QCheckBox("Ground-truth boxes")
        options_box = QGroupBox("Options")
        options_form = QFormLayout(options_box)
        options_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        options_form.addRow("Frame rate:", fps_row)
        options_form.addRow("Scale:", self.scale_spin)
        options_form.addRow("Colormap:", self.colormap_combo)
        for check in (self.loop_check, self.captions_check, self.boxes_check):
            options_form.addRow("", check)

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
        for box in (self.what_box, output_box, options_box):
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
        self.format_combo.currentIndexChanged.connect(self._on_format_changed)
        self.path_edit.textEdited.connect(self._on_path_edited)
        self.path_edit.textChanged.connect(self._on_path_changed)
        self.what_box.changed.connect(self._on_value_changed)
        self.what_box.what_changed.connect(self._on_what_changed)
        self.scale_spin.valueChanged.connect(self._on_value_changed)
        self.fps_spin.valueChanged.connect(self._on_value_changed)
        for check in (self.loop_check, self.captions_check, self.boxes_check):
            check.toggled.connect(self._on_value_changed)
        self.colormap_combo.currentIndexChanged.connect(self._on_value_changed)
        self.fps_spin.valueChanged.connect(lambda _v: self._on_option_edited("fps"))
        self.loop_check.toggled.connect(lambda _on: self._on_option_edited("loop"))
        self.colormap_combo.currentIndexChanged.connect(
            lambda _i: self._on_option_edited("colormap"))
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
        self.scale_spin.setValue(min(max(1, s.get_int("export/scale", 1)), MAX_SCALE))
        self._set_auto_path()
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
        return str(self.format_combo.currentData())

    def set_what(self, key: str) -> None:
        self.what_box.set_what(key)

    def set_format(self, key: str) -> None:
        self.format_combo.setCurrentIndex(list(FORMAT_CHOICES).index(key))

    def set_path(self, path: str | Path) -> None:
        """Export to ``path`` (its extension picks the format)."""
        self._auto_name = False
        self.path_edit.setText(str(path))

    # --- following the window --------------------------------------------------------------
    def sync_player(self) -> None:
        """Take fps, loop and colormap from the player and the view, except those the user
        has set here (called whenever the player's or the view's value changes)."""
        model, view = self.main_window.model, self.main_window.view
        self._following = True
        try:
            if not self._user_set["fps"]:
                self.fps_spin.setValue(model.fps)
            if not self._user_set["loop"]:
                self.loop_check.setChecked(model.loop_mode != "once")
            if not self._user_set["colormap"]:  # the same tables
                self.colormap_combo.setCurrentIndex(COLORMAPS.index(view.colormap))
        finally:
            self._following = False

    def user_set(self, field: str) -> bool:
        """True once the user has edited ``field`` ("fps", "loop" or "colormap") here."""
        return self._user_set[field]

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
        text = self.path_edit.text().strip()
        if not text:
            raise DataError(None, "choose a file to export to")
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = Path(self.main_window.settings.last_dir("export")) / path
        return path

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
        options = export.ExportOptions(
            fps=self.fps_spin.value(), scale=self.scale_spin.value(),
            loop=self.loop_check.isChecked(),
            colormap=None if self.colormap_combo.currentData() == "grey"
            else str(self.colormap_combo.currentData()),
            codec=FORMAT_CHOICES[key][2], captions=self.captions_check.isChecked(),
            boxes=self.boxes_check.isChecked() and self.boxes_check.isEnabled())
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
        if self._auto_name:
            self._set_auto_path()
        self._on_value_changed()

    def _set_auto_path(self) -> None:
        """A name for what is exported, in the last export folder, with the format's suffix."""
        folder = Path(self.main_window.settings.last_dir("export"))
        name = STEMS[self.what()] + FORMAT_CHOICES[self.format_key()][1]
        with QSignalBlocker(self.path_edit):
            self.path_edit.setText(str(folder / name))

    def _on_format_changed(self, _index: int) -> None:
        key = self.format_key()
        self.main_window.settings.set_value("export/format", key)
        text = self.path_edit.text().strip()
        if self._syncing:
            return
        if not text or self._auto_name:
            self._set_auto_path()
            self._on_value_changed()
            return
        path = Path(text)
        stem = path.with_suffix("") if path.suffix.lower() in _KNOWN_SUFFIXES else path
        self._syncing = True
        try:
            self.path_edit.setText(str(stem) + FORMAT_CHOICES[key][1])
        finally:
            self._syncing = False
        self._on_value_changed()

    def _on_option_edited(self, field: str) -> None:
        if not self._following:
            self._user_set[field] = True

    def _on_path_edited(self, _text: str) -> None:
        self._auto_name = False

    def _on_path_changed(self, text: str) -> None:
        if not self._syncing and text.strip():
            try:
                fmt = encoders.export_format(self.target())
            except DataError:
                fmt = None
            current = self.format_key()
            key = current if fmt == "avi" and current.startswith("avi") else fmt
            if key is not None and key != current:
                self._syncing = True
                try:
                    self.set_format(key)
                finally:
                    self._syncing = False
        self._on_value_changed()

    def _on_value_changed(self, *_args: object) -> None:
        """Update the switches that depend on the format and the content; redo the preview."""
        content = self.main_window.content
        seqs = None if content is None else content.seqset
        key, what = self.format_key(), self.what()
        animated = key in ("gif", "avi", "avi-ffv1", "mp4")
        self.fps_spin.setEnabled(animated)
        self.loop_check.setEnabled(key == "gif")
        self.loop_check.setToolTip("" if key == "gif" else "Only GIF files loop")
        has_gt = seqs is not None and seqs.ground_truth is not None
        self.boxes_check.setEnabled(has_gt and what != "stream")
        self.boxes_check.setToolTip(
            "" if self.boxes_check.isEnabled() else "A digit stream has no boxes"
            if what == "stream" else "These sequences have no ground truth")
        capped = key == "gif" and self.fps_spin.value() > encoders.MAX_GIF_FPS
        self.fps_note.setText(f"GIF plays at most {encoders.MAX_GIF_FPS:g} fps" if capped else "")
        self.fps_note.setToolTip("GIF delays are 10 ms steps and browsers slow faster GIFs "
                                 f"down: written at {encoders.MAX_GIF_FPS:g} fps" if capped else "")
        self._update_preview()

    def _update_preview(self) -> None:
        notes: list[str] = []
        try:
            self._plan = export_worker.plan(self.request())
            check_folders(self._plan)
        except MissingFolder as exc:
            self._plan = None
            self.preview_label.setText(f"The folder {exc.folder} does not exist")
            self.note_label.setStyleSheet("color: #e03131")
            self.note_label.setText("Choose an existing folder (or create it first)")
        except (DataError, ValueError, IndexError) as exc:
            self._plan = None
            problem = exc.problem if isinstance(exc, DataError) else str(exc)
            self.preview_label.setText("Nothing to export yet")
            self.note_label.setStyleSheet("color: #e03131")
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
            self.note_label.setStyleSheet("color: #b35900")
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
        if Path(path).suffix.lower() not in _KNOWN_SUFFIXES and picked != "frames":
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
        self.message_label.setStyleSheet("color: #e03131")
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

