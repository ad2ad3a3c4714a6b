"""The export dialog's "Output" and "Options" boxes: how and where the frames are written.

:class:`OutputBox` holds the format and the file: the format follows the file name's extension
or the format chosen (each updates the other), and the name follows what is exported until
the user edits it. :class:`OptionsBox` holds frame rate, scale, colour map, loop, captions and
boxes; frame rate, loop and colour map follow the player and the view
(:meth:`OptionsBox.follow`) until the user edits them here, and :meth:`OptionsBox.adapt`
enables only the switches that make sense for the format and the content chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QSignalBlocker, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ...core.errors import DataError
from ...core.output import encoders, export
from ...core.output.colormaps import COLORMAPS
from ...core.playback import MAX_FPS, MIN_FPS
from ..widgets import WARNING_COLOUR, combo_item

if TYPE_CHECKING:
    from ..settings import Settings

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
KNOWN_SUFFIXES = {".gif", ".avi", ".mp4", ".png"}
MAX_SCALE = 16
ANIMATED = ("gif", "avi", "avi-ffv1", "mp4")  # format choices that have a frame rate


class OutputBox(QGroupBox):
    """The format (one of :data:`FORMAT_CHOICES`) and the file to write."""

    changed = pyqtSignal()  # the format or the file changed

    def __init__(self, settings: Settings, mp4_available: bool, what: Callable[[], str],
                 parent: QWidget | None = None) -> None:
        super().__init__("Output", parent)
        self._settings = settings
        self._what = what  # the kind of export chosen (names the file)
        self._syncing = False
        self.auto_name = True  # the file name follows "what" until the user edits it
        self.format_combo = QComboBox()
        for key, (text, _ext, _codec) in FORMAT_CHOICES.items():
            self.format_combo.addItem(text, key)
        if not mp4_available:
            item = combo_item(self.format_combo, list(FORMAT_CHOICES).index("mp4"))
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
        form = QFormLayout(self)
        form.addRow("Format:", self.format_combo)
        form.addRow("File:", path_row)
        self.format_combo.currentIndexChanged.connect(self._on_format_changed)
        self.path_edit.textEdited.connect(self._on_path_edited)
        self.path_edit.textChanged.connect(self._on_path_changed)

    def format_key(self) -> str:
        return str(self.format_combo.currentData())

    def set_format(self, key: str) -> None:
        self.format_combo.setCurrentIndex(list(FORMAT_CHOICES).index(key))

    def set_path(self, path: str | Path) -> None:
        """Export to ``path`` (its extension picks the format)."""
        self.auto_name = False
        self.path_edit.setText(str(path))

    def target(self) -> Path:
        """The path typed, relative paths taken from the last export folder."""
        text = self.path_edit.text().strip()
        if not text:
            raise DataError(None, "choose a file to export to")
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = Path(self._settings.last_dir("export")) / path
        return path

    def set_auto_path(self) -> None:
        """A name for what is exported, in the last export folder, with the format's suffix."""
        folder = Path(self._settings.last_dir("export"))
        name = STEMS[self._what()] + FORMAT_CHOICES[self.format_key()][1]
        with QSignalBlocker(self.path_edit):
            self.path_edit.setText(str(folder / name))

    def follow_what(self) -> None:
        """Another kind of export was chosen: rename the file unless the user named it."""
        if self.auto_name:
            self.set_auto_path()

    def _on_format_changed(self, _index: int) -> None:
        key = self.format_key()
        self._settings.set_value("export/format", key)
        text = self.path_edit.text().strip()
        if self._syncing:
            return
        if not text or self.auto_name:
            self.set_auto_path()
            self.changed.emit()
            return
        path = Path(text)
        stem = path.with_suffix("") if path.suffix.lower() in KNOWN_SUFFIXES else path
        self._syncing = True
        try:
            self.path_edit.setText(str(stem) + FORMAT_CHOICES[key][1])
        finally:
            self._syncing = False
        self.changed.emit()

    def _on_path_edited(self, _text: str) -> None:
        self.auto_name = False

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
        self.changed.emit()


class OptionsBox(QGroupBox):
    """How the frames are drawn and played: the fields of :class:`~..core.export.ExportOptions`
    except the codec (which comes with the format chosen)."""

    changed = pyqtSignal()  # any option changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Options", parent)
        # fps, loop and colormap follow the player and the view until the user edits them
        self._user_set = {"fps": False, "loop": False, "colormap": False}
        self._following = False  # True while a field is set from the player or the view
        self.fps_spin = QDoubleSpinBox()
        self.fps_spin.setRange(MIN_FPS, MAX_FPS)
        self.fps_spin.setDecimals(1)
        self.fps_spin.setSuffix(" fps")
        self.fps_note = QLabel()
        self.fps_note.setStyleSheet(f"color: {WARNING_COLOUR}")
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
        self.captions_check = QCheckBox("Captions: sequence and frame numbers, labels")
        self.boxes_check = QCheckBox("Ground-truth boxes")
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Frame rate:", fps_row)
        form.addRow("Scale:", self.scale_spin)
        form.addRow("Colormap:", self.colormap_combo)
        for check in (self.loop_check, self.captions_check, self.boxes_check):
            form.addRow("", check)

        self.scale_spin.valueChanged.connect(self._emit_changed)
        self.fps_spin.valueChanged.connect(self._emit_changed)
        for check in (self.loop_check, self.captions_check, self.boxes_check):
            check.toggled.connect(self._emit_changed)
        self.colormap_combo.currentIndexChanged.connect(self._emit_changed)
        self.fps_spin.valueChanged.connect(lambda _v: self._on_edited("fps"))
        self.loop_check.toggled.connect(lambda _on: self._on_edited("loop"))
        self.colormap_combo.currentIndexChanged.connect(lambda _i: self._on_edited("colormap"))

    def follow(self, fps: float, loop: bool, colormap: str) -> None:
        """Take fps, loop and colormap (a name of COLORMAPS) from the player and the view,
        except those the user has set here."""
        self._following = True
        try:
            if not self._user_set["fps"]:
                self.fps_spin.setValue(fps)
            if not self._user_set["loop"]:
                self.loop_check.setChecked(loop)
            if not self._user_set["colormap"]:  # the same tables
                self.colormap_combo.setCurrentIndex(COLORMAPS.index(colormap))
        finally:
            self._following = False

    def user_set(self, field: str) -> bool:
        """True once the user has edited ``field`` ("fps", "loop" or "colormap") here."""
        return self._user_set[field]

    def set_scale(self, scale: int) -> None:
        """Enlarge ``scale`` times (clamped to 1..MAX_SCALE)."""
        self.scale_spin.setValue(min(max(1, scale), MAX_SCALE))

    def adapt(self, key: str, what: str, has_gt: bool) -> None:
        """Enable the switches that apply to format choice ``key``, export kind ``what`` and
        content with (``has_gt``) or without ground truth; note a GIF's frame rate cap."""
        self.fps_spin.setEnabled(key in ANIMATED)
        self.loop_check.setEnabled(key == "gif")
        self.loop_check.setToolTip("" if key == "gif" else "Only GIF files loop")
        self.boxes_check.setEnabled(has_gt and what != "stream")
        self.boxes_check.setToolTip(
            "" if self.boxes_check.isEnabled() else "A digit stream has no boxes"
            if what == "stream" else "These sequences have no ground truth")
        capped = key == "gif" and self.fps_spin.value() > encoders.MAX_GIF_FPS
        self.fps_note.setText(f"GIF plays at most {encoders.MAX_GIF_FPS:g} fps" if capped else "")
        self.fps_note.setToolTip("GIF delays are 10 ms steps and browsers slow faster GIFs "
                                 f"down: written at {encoders.MAX_GIF_FPS:g} fps" if capped else "")

    def options(self, codec: str) -> export.ExportOptions:
        """The options chosen, with AVI codec ``codec``."""
        name = str(self.colormap_combo.currentData())
        return export.ExportOptions(
            fps=self.fps_spin.value(), scale=self.scale_spin.value(),
            loop=self.loop_check.isChecked(), colormap=None if name == "grey" else name,
            codec=codec, captions=self.captions_check.isChecked(),
            boxes=self.boxes_check.isChecked() and self.boxes_check.isEnabled())

    def _emit_changed(self, *_args: object) -> None:
        self.changed.emit()

    def _on_edited(self, field: str) -> None:
        if not self._following:
            self._user_set[field] = True
