"""The side panel: what to show (mode, data source, split) and the generator's settings."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QRegularExpression, Qt, pyqtSignal
from PyQt6.QtGui import (
    QAction,
    QFocusEvent,
    QKeyEvent,
    QKeySequence,
    QRegularExpressionValidator,
)
from PyQt6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...core.containers import human
from ...core.errors import DataError
from ...core.generation import COMBINES, MOTIONS, GeneratorConfig
from ...core.generation.size import check_set_fits, set_size
from ..content import MODE_LABELS, MODES, SOURCE_LABELS, DataSource
from ..elided_label import ElidedLabel
from ..widgets import ERROR_COLOUR, combo_item
from ..widgets import spin_box as _spin

DEFAULT_SEQUENCES = 10_000  # as many as the released mnist_test_seq.npy (the set is lazy)
GENERATE_KEYS = QKeySequence("Ctrl+R")
MOTION_LABELS = {"original": "Original (bounce)", "reflect": "Reflect", "stochastic":
                 "Stochastic", "tfds": "TFDS", "svg": "SVG (stochastic)",
                 "svg-deterministic": "SVG (deterministic)"}
MOTION_TIPS = {
    "original": "Original: the bounce of Srivastava et al. (2015): at an edge the position is "
                "clamped (the overshoot is lost) and the direction flipped on that axis",
    "reflect": "Reflect: exact reflection at the edges, the overshoot is mirrored back "
               "(as TensorFlow Datasets' moving sequences)",
    "stochastic": "Stochastic: a new random direction at each bounce, uniform over those "
                  "pointing back into the canvas",
    "tfds": "TFDS: TensorFlow Datasets' image_as_moving_sequence: frame 0 at the start, "
            "reflection by folding, positions rounded",
    "svg": "SVG: Stochastic Moving MNIST of Denton & Fergus (2018): whole-pixel speeds "
           "-4..4, a new random velocity at each wall, 32-pixel digits; SVG sums overlapping "
           "digits (choose combine 'sum' for its exact frames)",
    "svg-deterministic": "SVG deterministic: SVG's whole-pixel model, flipped at the walls "
                         "(Denton & Fergus 2018); choose combine 'sum' for its exact frames",
}
COMBINE_TIPS = {
    "max": "max: where digits overlap, the brighter pixel wins (as the original)",
    "sum": "sum: overlapping pixels add up, clipped to 255",
}
SOURCE_TIPS = {
    "auto": "Default: the first source that is available",
    "embedded": "The small MNIST subset shipped with mnist-viewer (works offline)",
    "cache": "The full MNIST downloaded earlier",
    "keras": "The MNIST of Keras (needs TensorFlow)",
    "path": "An MNIST folder, an IDX file or an mnist.npz chosen below",
}
SPLIT_TIPS = {"train": "Train: the 60,000 training digits (the embedded subset: fewer)",
              "test": "Test: the 10,000 test digits (the embedded subset: fewer)"}


def recorded_settings(config: dict[str, Any] | None) -> str:
    """The generator settings a file records (``SequenceSet.config``), for people:
    "40 sequences, 20 frames, 64 px, 2 digits, motion original, seed 3"; "" for none."""
    config = config or {}
    digits = config.get("digits")
    if isinstance(digits, (list, tuple)) and len(digits) == 2:
        digits = digits[0] if digits[0] == digits[1] else f"{digits[0]}–{digits[1]}"
    count = config.get("num_sequences")
    if isinstance(count, int) and not isinstance(count, bool):
        count = f"{count:,}"  # 100,000 as the rest of the window writes it
    parts = [(count, "{} sequences"), (config.get("frames"), "{} frames"),
             (config.get("canvas_size"), "{} px"), (digits, "{} digits"),
             (config.get("motion"), "motion {}"), (config.get("seed"), "seed {}")]
    return ", ".join(form.format(value) for value, form in parts if value is not None)


class PathEdit(QLineEdit):
    """The data path: shows its start (the end is cut) unless it is being edited; the whole
    path is in the tooltip."""

    def setText(self, text: str | None) -> None:
        super().setText(text)
        self._show_start()

    def focusOutEvent(self, event: QFocusEvent | None) -> None:
        super().focusOutEvent(event)
        self._show_start()

    def _show_start(self) -> None:
        self.setCursorPosition(0)
        self.setToolTip(self.text() or self.placeholderText())


@dataclass(frozen=True)
class GenerateRequest:
    """What the Generate button asks for."""

    mode: str  # one of content.MODES
    source: DataSource
    split: str
    config: GeneratorConfig


def _explain(combo: QComboBox, tips: dict[str, str], intro: str) -> None:
    """Tooltips for a combo box: each entry's own, and all of them on the box."""
    for i in range(combo.count()):
        tip = tips.get(str(combo.itemData(i)))
        if tip:
            combo.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
    lines = [tips[str(combo.itemData(i))] for i in range(combo.count())
             if str(combo.itemData(i)) in tips]
    combo.setToolTip("\n".join([intro, *(f"• {line}" for line in lines)]))


class GeneratorPanel(QWidget):
    """Mode, source and generator settings, and the Generate button."""

    generate_requested = pyqtSignal()
    choose_path_requested = pyqtSignal()  # the "Choose…" button (the window owns the dialogs)

    def __init__(self, parent: QWidget | None = None, keras_available: bool = False,
                 cache_available: bool = False) -> None:
        super().__init__(parent)
        defaults = GeneratorConfig(num_sequences=DEFAULT_SEQUENCES)
        self.mode = QComboBox()
        for mode in MODES:
            self.mode.addItem(MODE_LABELS[mode], mode)
        self.mode.setToolTip("Moving MNIST sequences, one digit moving, or the dataset's digits "
                             "in order (x_train[i])")
        self.source = QComboBox()
        for kind, label in SOURCE_LABELS.items():
            self.source.addItem(label, kind)
        self.path = PathEdit()
        self.path.setPlaceholderText("MNIST folder, IDX file or mnist.npz")
        self.path.setClearButtonEnabled(True)
        self.path.editingFinished.connect(self.path._show_start)
        self.browse = QPushButton("Choose…")
        self.browse.clicked.connect(self.choose_path_requested)
        self.split = QComboBox()
        self.split.addItem("Train", "train")
        self.split.addItem("Test", "test")
        self.set_source_availability(keras_available, cache_available)

        self.sequences = _spin(1, 1_000_000, defaults.num_sequences, "Number of sequences")
        self.frames = _spin(1, 10_000, defaults.frames, "Frames per sequence")
        self.canvas = _spin(defaults.digit_size, 1024, defaults.canvas_size,
                            f"Canvas width and height in pixels (at least the digit size, "
                            f"{defaults.digit_size})")
        self.canvas.setSuffix(" px")
        self.digits_min = _spin(1, 16, defaults.digit_range[0], "Fewest digits per sequence")
        self.digits_max = _spin(1, 16, defaults.digit_range[1], "Most digits per sequence")
        self.step = QDoubleSpinBox()
        self.step.setRange(0.01, 1.0)
        self.step.setSingleStep(0.01)
        self.step.setValue(defaults.step_length)
        self.step.setToolTip("Distance moved per frame, as a fraction of the free travel")
        self.motion = QComboBox()
        for m in MOTIONS:
            self.motion.addItem(MOTION_LABELS.get(m, m), m)
        self.combine = QComboBox()
        for c in COMBINES:
            self.combine.addItem(c, c)
        _explain(self.motion, MOTION_TIPS, "How digits move:")
        _explain(self.combine, COMBINE_TIPS, "How overlapping digits combine:")
        _explain(self.source, SOURCE_TIPS, "Where the digits come from:")
        _explain(self.split, SPLIT_TIPS, "Which MNIST split the digits come from:")
        self.digits_min.valueChanged.connect(lambda v: self.digits_max.setMinimum(v))
        self.digits_max.valueChanged.connect(lambda v: self.digits_min.setMaximum(v))
        self._couple_digits()
        self.classes = QLineEdit()
        self.classes.setPlaceholderText("all (or e.g. 3, 5, 8)")
        self.classes.setToolTip("Only use digits of these classes")
        self.seed = QLineEdit()
        self.seed.setPlaceholderText("random")
        self.seed.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,19}")))
        self.seed.setToolTip("Random seed: the same seed and settings give the same set; "
                             "leave empty for a new random set each time")
        self.reuse_seed = QPushButton("Reuse")
        self.reuse_seed.setToolTip("Put the seed of the set shown in the Seed box")
        self.reuse_seed.setEnabled(False)
        self.reuse_seed.clicked.connect(lambda: self.seed.setText(self._last_seed))
        self._last_seed = ""
        self.last_seed = ElidedLabel()  # never widens the panel (the tooltip has it all)
        self.last_seed.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.last_seed.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.file_note = QLabel()  # a file is shown: what it records; the settings are new
        self.file_note.setWordWrap(True)
        self.file_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.file_note.setMinimumWidth(120)
        self.file_note.hide()
        self.size_label = QLabel()  # the set's size on disk and in memory, before generating
        self.size_label.setWordWrap(True)
        # never widens the panel: it wraps to the width the panel has
        self.size_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.size_label.setMinimumWidth(120)
        self.size_label.setTextFormat(Qt.TextFormat.RichText)
        self.size_label.setToolTip("What a file of this set takes (frames and ground truth), "
                                   "and the most it holds in memory while shown (it is "
                                   "generated as it is shown)")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setDefault(True)
        self.generate_button.clicked.connect(self.generate_requested)
        # Ctrl+R: one action, also in the main window's View menu and the shortcut list
        self.generate_action = QAction("&Generate", self)
        self.generate_action.setShortcut(GENERATE_KEYS)
        self.generate_action.setStatusTip("Make a new set with the generator panel's settings")
        self.generate_action.triggered.connect(lambda _=False: self.generate_button.click())
        self.addAction(self.generate_action)

        show = QGroupBox("Show")
        form = QFormLayout(show)
        form.addRow("Mode", self.mode)
        form.addRow("Data", self.source)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(self.browse)
        form.addRow("", path_row)
        form.addRow("Split", self.split)
        self.generator_box = QGroupBox("Settings")  # the dock is titled "Generator"
        form = QFormLayout(self.generator_box)
        form.addRow("Sequences", self.sequences)
        form.addRow("Frames", self.frames)
        form.addRow("Canvas", self.canvas)
        digits_row = QHBoxLayout()
        digits_row.addWidget(self.digits_min)
        digits_row.addWidget(QLabel("to"))
        digits_row.addWidget(self.digits_max)
        form.addRow("Digits", digits_row)
        form.addRow("Motion", self.motion)
        form.addRow("Step", self.step)
        form.addRow("Combine", self.combine)
        form.addRow("Classes", self.classes)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.reuse_seed)
        form.addRow("Seed", seed_row)
        form.addRow(self.last_seed)  # both columns: room for a 19-digit seed
        layout = QVBoxLayout(self)
        layout.addWidget(show)
        layout.addWidget(self.file_note)
        layout.addWidget(self.generator_box)
        layout.addWidget(self.size_label)  # full width: a wrapped label gets its height here
        layout.addWidget(self.generate_button)
        layout.addStretch(1)

        self.mode.currentIndexChanged.connect(self._update_enabled)
        for spin in (self.sequences, self.frames, self.canvas, self.digits_min, self.digits_max):
            spin.valueChanged.connect(self._update_size)
        self.mode.currentIndexChanged.connect(self._update_size)
        self.source.currentIndexChanged.connect(self._update_enabled)
        self.file_shown = False  # a file is shown, not a set made with these settings
        self._update_enabled()
        self._update_size()

    # --- state ---------------------------------------------------------------------------------
    def set_source_availability(self, keras: bool, cache: bool) -> None:
        """Enable the Keras and download-cache entries only when they can work."""
        for kind, ok in (("keras", keras), ("cache", cache)):
            item = combo_item(self.source, self.source.findData(kind))
            if item is not None:
                item.setEnabled(ok)
        current = combo_item(self.source, self.source.currentIndex())
        if current is not None and not current.isEnabled():
            self.source.setCurrentIndex(self.source.findData("auto"))

    def set_source(self, source: DataSource) -> None:
        """Select a source (e.g. after File › Open Dataset)."""
        self.source.setCurrentIndex(max(0, self.source.findData(source.kind)))
        if source.path:
            self.path.setText(source.path)

    def data_source(self) -> DataSource:
        kind = self.source.currentData()
        return DataSource(kind, self.path.text().strip() or None if kind == "path" else None)

    def current_mode(self) -> str:
        return str(self.mode.currentData())

    def set_mode(self, mode: str) -> None:
        self.mode.setCurrentIndex(max(0, self.mode.findData(mode)))

    def config(self) -> GeneratorConfig:
        """The generator settings (raises DataError when they make no sense)."""
        single = self.current_mode() == "single"
        lo, hi = self.digits_min.value(), self.digits_max.value()
        digits: int | tuple[int, int] = 1 if single else (lo if lo == hi else (lo, hi))
        return GeneratorConfig(
            num_sequences=self.sequences.value(), frames=self.frames.value(),
            canvas_size=self.canvas.value(), digits=digits, step_length=self.step.value(),
            motion=str(self.motion.currentData()), combine=str(self.combine.currentData()),
            split=str(self.split.currentData()), classes=self._classes(),
            seed=int(self.seed.text()) if self.seed.text().strip() else None,
        )

    def request(self) -> GenerateRequest:
        """What Generate asks for; DataError when the settings make no sense or the set
        cannot fit in memory (with the figures, see :func:`~...core.generation.size`)."""
        if self.current_mode() != "stream":
            check_set_fits(self.config())
        return GenerateRequest(self.current_mode(), self.data_source(),
                               str(self.split.currentData()), self.config())

    def show_seed(self, seed: int | None) -> None:
        """Show the seed of the set on screen (so it can be reused)."""
        self._last_seed = "" if seed is None else str(seed)
        self.last_seed.setText("" if seed is None else f"shown: seed {seed}")
        self.reuse_seed.setEnabled(seed is not None)

    def show_file(self, path: str | None, config: dict[str, Any] | None = None) -> None:
        """Say that the set shown is the file ``path`` (None: a generated set or the digits),
        with the generator settings it records (its ``SequenceSet.config``), and that the
        fields below make a new set with Generate (they are left as the user set them)."""
        self.file_shown = path is not None
        self.generator_box.setTitle("Settings for a new set" if path else "Settings")
        self.file_note.setVisible(path is not None)
        self._update_size()
        if path is None:
            return
        name = Path(path).name or path
        recorded = recorded_settings(config)
        self.file_note.setText(
            f"Showing {name}" + (f", made with: {recorded}." if recorded else
                                 " (it records no generator settings).")
            + " The settings below apply to Generate.")
        self.file_note.setToolTip(path)

    def state(self) -> dict[str, Any]:
        """Everything the panel shows, for the settings."""
        return {"mode": self.current_mode(), "source": self.source.currentData(),
                "path": self.path.text(), "split": self.split.currentData(),
                "sequences": self.sequences.value(), "frames": self.frames.value(),
                "canvas": self.canvas.value(), "digits_min": self.digits_min.value(),
                "digits_max": self.digits_max.value(), "step": self.step.value(),
                "motion": self.motion.currentData(), "combine": self.combine.currentData(),
                "classes": self.classes.text(), "seed": self.seed.text()}

    def restore(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state` output; unknown or bad values are ignored."""
        combos = {"mode": self.mode, "source": self.source, "split": self.split,
                  "motion": self.motion, "combine": self.combine}
        spins = {"sequences": self.sequences, "frames": self.frames, "canvas": self.canvas,
                 "digits_min": self.digits_min, "digits_max": self.digits_max}
        for key, combo in combos.items():
            item = combo_item(combo, combo.findData(state.get(key)))
            if item is not None and item.isEnabled():
                combo.setCurrentIndex(item.row())
        self.digits_min.setMaximum(16)  # uncouple while both are restored
        self.digits_max.setMinimum(1)
        for key, spin in spins.items():
            with contextlib.suppress(KeyError, TypeError, ValueError):
                spin.setValue(int(state[key]))
        if self.digits_min.value() > self.digits_max.value():
            self.digits_min.setValue(self.digits_max.value())
        self._couple_digits()
        with contextlib.suppress(KeyError, TypeError, ValueError):
            self.step.setValue(float(state["step"]))
        self.path.setText(str(state.get("path") or ""))
        self.classes.setText(str(state.get("classes") or ""))
        seed = str(state.get("seed") or "")
        self.seed.setText(seed if seed.isdigit() else "")

    # --- internals -----------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        """Enter or Return in a field of the panel generates, like the Generate button."""
        if event is not None and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                not isinstance(self.focusWidget(), QAbstractButton):
            event.accept()
            if self.generate_button.isEnabled():
                self.generate_button.click()
            return
        super().keyPressEvent(event)

    def _couple_digits(self) -> None:
        """The fewest digits never above the most, and the reverse."""
        self.digits_max.setMinimum(self.digits_min.value())
        self.digits_min.setMaximum(self.digits_max.value())

    def set_labels_known(self, known: bool) -> None:
        """A label-less dataset (images only) has no classes to filter by: say why."""
        self.classes.setEnabled(known)
        self.classes.setToolTip("Only use digits of these classes" if known else
                                "The dataset has no labels file: classes are unknown")
        if not known:
            self.classes.clear()

    def _classes(self) -> tuple[int, ...] | None:
        text = self.classes.text().replace(",", " ").split()
        if not text:
            return None
        try:
            values = tuple(int(v) for v in text)
        except ValueError:
            raise DataError(None, f"digit classes must be numbers, not {self.classes.text()!r}")\
                from None
        return values

    def _update_enabled(self) -> None:
        mode = self.current_mode()
        # the stream shows the dataset as it is (no generator settings: classes, seed...);
        # a single digit has no range of digits and nothing to combine
        self.generator_box.setEnabled(mode != "stream")
        self.generator_box.setToolTip("The digit stream shows the dataset's digits in order: "
                                      "no generator settings" if mode == "stream" else "")
        for w in (self.digits_min, self.digits_max, self.combine):
            w.setEnabled(mode == "moving")
        is_path = self.source.currentData() == "path"
        self.path.setEnabled(is_path)
        self.browse.setEnabled(is_path)
        self.generate_button.setText("Show Digits" if mode == "stream" else "Generate")
        self.generate_action.setText("Show &Digits" if mode == "stream" else "&Generate")
        keys = GENERATE_KEYS.toString(QKeySequence.SequenceFormat.NativeText)
        self.generate_button.setToolTip(
            f"Show the dataset's digits in order ({keys})" if mode == "stream"
            else f"Make a new set with these settings ({keys})")

    def _update_size(self) -> None:
        """Show the set's size; in red, with the figures, when it cannot be generated."""
        if self.current_mode() == "stream":
            self.size_label.setText("")
            return
        try:
            config = self.config()
            size = set_size(config)
            text = (f"{'New set' if self.file_shown else 'Size'}: {human(size.file_bytes)} "
                    f"as a file,\nup to "
                    f"{human(size.memory_bytes)} in memory")
            check_set_fits(config)
        except DataError as exc:
            self.size_label.setText(f"<span style='color:{ERROR_COLOUR}'>"
                                    f"{escape(exc.problem)}</span>")
            return
        self.size_label.setText(escape(text).replace("\n", "<br>"))

