"""The export dialog's "What to export" box: the current sequence, a range, a grid page or
a stream of dataset digits, with the choices that make sense for the content shown.

Sequence and digit indices are 0-based everywhere (as the transport bar shows them and as
:class:`~.export_worker.ExportRequest` takes them); only grid pages are counted from 1 here,
:meth:`WhatBox.selection` returns the page 0-based.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import QSignalBlocker, pyqtSignal
from PyQt6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ...core.output.export import grid_pages
from ..content import Content
from ..grid.dialog import MAX_SIDE
from ..widgets import spin_box as _spin
from .worker import WHATS

WHAT_TEXT = {"sequence": "Current sequence", "range": "Sequences", "grid": "Grid",
             "stream": "Digit stream"}
DEFAULT_RANGE = 10  # sequences in the default range
DEFAULT_COUNT = 100  # digits in the default stream


class WhatBox(QGroupBox):
    """Radio buttons for :data:`~.export_worker.WHATS`, each with its own settings."""

    changed = pyqtSignal()  # any choice or value changed
    what_changed = pyqtSignal(str)  # another kind of export was chosen

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("What to export", parent)
        self._content: Content | None = None
        self._sequence = 0
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        self.sequence_info = QLabel()
        self.range_from = _spin(0, 0, 0, "Index of the first sequence exported", "#")
        self.range_to = _spin(0, 0, 0, "Index of the last sequence exported (included)", "to #")
        self.rows_spin = _spin(1, MAX_SIDE, 4, "Rows of sequences")
        self.cols_spin = _spin(1, MAX_SIDE, 4, "Columns of sequences", "× ")
        self.page_spin = _spin(1, 1, 1, "Which page of rows × columns sequences", "page ")
        self.stream_start = _spin(0, 0, 0, "First digit (its index in the dataset split)",
                                  "from digit ")
        self.stream_count = _spin(1, 1, 1, "How many digits, one per frame", "count ")
        self.stream_info = QLabel()
        self._rows: dict[str, list[QWidget]] = {
            "sequence": [self.sequence_info],
            "range": [self.range_from, self.range_to, QLabel("one file each")],
            "grid": [self.rows_spin, self.cols_spin, self.page_spin],
            "stream": [self.stream_start, self.stream_count, self.stream_info],
        }
        layout = QVBoxLayout(self)
        for key in WHATS:
            button = QRadioButton(WHAT_TEXT[key])
            button.setMinimumWidth(130)
            self.group.addButton(button)
            self.buttons[key] = button
            line = QHBoxLayout()
            line.addWidget(button)
            for w in self._rows[key]:
                line.addWidget(w)
            line.addStretch(1)
            layout.addLayout(line)
            button.toggled.connect(lambda on, k=key: self._on_toggled(k, on))
        for spin in (self.range_from, self.range_to, self.rows_spin, self.cols_spin,
                     self.page_spin, self.stream_start, self.stream_count):
            spin.valueChanged.connect(self._on_value_changed)
        self.grid_edited = False  # the user chose rows, columns or page here
        for spin in (self.rows_spin, self.cols_spin, self.page_spin):
            spin.valueChanged.connect(self._on_grid_edited)
        for widgets in self._rows.values():
            for w in widgets:
                w.setEnabled(False)
        self.set_what("sequence")

    def what(self) -> str:
        return next((k for k, b in self.buttons.items() if b.isChecked()), "sequence")

    def set_what(self, key: str) -> None:
        self.buttons[key].setChecked(True)

    def selection(self) -> dict[str, Any]:
        """The keyword arguments of ExportRequest for the choice made (0-based indices)."""
        what = self.what()
        if what == "stream":
            return {"start": self.stream_start.value(), "count": self.stream_count.value()}
        if what == "range":
            return {"start": self.range_from.value(), "stop": self.range_to.value() + 1}
        if what == "grid":
            return {"rows": self.rows_spin.value(), "cols": self.cols_spin.value(),
                    "page": self.page_spin.value() - 1}
        return {"index": self._sequence}

    def set_grid(self, rows: int, cols: int, page: int) -> None:
        """Choose a rows × cols grid and its page ``page`` (0-based), clamped."""
        with QSignalBlocker(self.rows_spin), QSignalBlocker(self.cols_spin), \
                QSignalBlocker(self.page_spin):
            self.rows_spin.setValue(rows)
            self.cols_spin.setValue(cols)
            self._update_ranges()
            self.page_spin.setValue(page + 1)
        self.changed.emit()

    def sync(self, content: Content | None, sequence: int, frame: int) -> None:
        """Follow the content shown; a new content resets the ranges around ``sequence``
        (and a digit stream starts at the digit shown, ``frame``)."""
        seqs = None if content is None else content.seqset
        stream_mode = content is not None and content.is_stream
        dataset = None if content is None else content.dataset
        has_sequences = seqs is not None and not stream_mode
        available = {"sequence": has_sequences, "range": has_sequences, "grid": has_sequences,
                     "stream": dataset is not None}
        for key, button in self.buttons.items():
            button.setEnabled(available[key])
            button.setToolTip(
                "" if available[key] else "Needs a dataset: generate or load digits"
                if key == "stream" else "The digit stream is one long sequence: export digits"
                if stream_mode else "Nothing to export yet")
        new = content is not self._content
        self._content = content
        n = len(seqs) if seqs is not None else 1
        with QSignalBlocker(self.range_from), QSignalBlocker(self.range_to), \
                QSignalBlocker(self.stream_start), QSignalBlocker(self.stream_count):
            self.range_from.setRange(0, n - 1)
            self.range_to.setRange(0, n - 1)  # the minimum follows "from" below
            if dataset is not None:
                self.stream_start.setRange(0, len(dataset) - 1)
                self.stream_info.setText(f"of {len(dataset)} ({dataset.split})")
            if new:
                self.range_from.setValue(sequence)
                self.range_to.setValue(min(n, sequence + DEFAULT_RANGE) - 1)
                self.stream_start.setValue(frame if stream_mode else 0)
                self._clamp_count()
                self.stream_count.setValue(DEFAULT_COUNT)
        if new or not self.buttons[self.what()].isEnabled():
            preferred = "stream" if stream_mode else "sequence"
            choice = preferred if available[preferred] else next(
                (k for k in WHATS if available[k]), None)
            if choice is not None:
                self.set_what(choice)
        self.set_sequence(sequence)

    def set_sequence(self, sequence: int) -> None:
        """The sequence shown by the player (the one "Current sequence" exports)."""
        self._sequence = sequence
        c = self._content
        self.sequence_info.setText(
            "" if c is None or c.is_stream else
            f"sequence #{sequence} of {len(c.seqset)} · {c.seqset.num_frames} frames")
        self._on_value_changed()

    def _clamp_count(self) -> None:
        left = self.stream_start.maximum() + 1 - self.stream_start.value()
        self.stream_count.setRange(1, max(1, left))

    def _on_toggled(self, key: str, on: bool) -> None:
        for w in self._rows[key]:
            w.setEnabled(on)
        if on:
            self.what_changed.emit(key)
            self.changed.emit()

    def _on_grid_edited(self, *_args: object) -> None:
        self.grid_edited = True

    def _update_ranges(self) -> None:
        n = 1 if self._content is None else len(self._content.seqset)
        with QSignalBlocker(self.page_spin), QSignalBlocker(self.stream_count), \
                QSignalBlocker(self.range_to):
            pages = grid_pages(n, self.rows_spin.value(), self.cols_spin.value())
            self.page_spin.setRange(1, pages)
            self.page_spin.setSuffix(f" of {pages}")
            self._clamp_count()
            self.range_to.setMinimum(self.range_from.value())  # "to" never before "from"

    def _on_value_changed(self, *_args: object) -> None:
        self._update_ranges()
        self.changed.emit()
