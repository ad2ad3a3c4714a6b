"""The "Compare two" tab of the statistics dialog: two sequences (or two digits) side by side.

:func:`compare_job` is the (Qt-free) work done in a worker; :class:`ComparePanel` holds the
controls and shows a :class:`CompareResult`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import pyqtSignal
from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...core import analysis
from ...core.jobs import check_cancel, report
from ...core.sequences import SequenceSet
from ..plot_theme import apply_theme
from ..widgets import combo_item
from .panels import DIVERGING, GREY, SEQUENTIAL, ImageWithBar, note_label

KINDS = {"sequences": "Two sequences", "digits": "Two dataset digits"}


@dataclass(frozen=True, eq=False)
class CompareResult:
    """What the Compare tab shows: a sequence comparison or a digit comparison."""

    kind: str  # "sequences" or "digits"
    a: int
    b: int
    comparison: analysis.Comparison | None = None  # sequences
    energy_a: np.ndarray | None = None  # motion energy per transition of each sequence
    energy_b: np.ndarray | None = None
    digits: analysis.DigitComparison | None = None  # digits
    image_a: np.ndarray | None = None
    image_b: np.ndarray | None = None
    labels: tuple[int, int] | None = None  # the digits' labels, when known


def compare_job(kind: str, a: int, b: int, seqset: SequenceSet | None,
                images: np.ndarray | None, labels: np.ndarray | None = None,
                ) -> Callable[..., CompareResult]:
    """A worker callable ``fn(progress, cancel)`` comparing sequences or digits ``a`` and ``b``."""

    def run(progress: Any = None, cancel: Any = None) -> CompareResult:
        check_cancel(cancel)
        report(progress, 0, 1)
        if kind == "sequences":
            assert seqset is not None
            first, second = seqset.sequence(a), seqset.sequence(b)
            result = CompareResult(
                kind, a, b, comparison=analysis.compare(first, second),
                energy_a=analysis.motion_energy(first), energy_b=analysis.motion_energy(second))
        else:
            assert images is not None
            pair = None if labels is None else (int(labels[a]), int(labels[b]))
            result = CompareResult(kind, a, b, digits=analysis.compare_digits(images[a],
                                                                                 images[b]),
                                   image_a=np.asarray(images[a]), image_b=np.asarray(images[b]),
                                   labels=pair)
        report(progress, 1, 1)
        return result

    return run


class ComparePanel(QWidget):
    """Controls (what, A, B) and the side-by-side images of a comparison."""

    request_changed = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind_combo = QComboBox()
        for key, text in KINDS.items():
            self.kind_combo.addItem(text, key)
        self.a_spin, self.b_spin = QSpinBox(), QSpinBox()
        self.a_spin.setToolTip("First sequence (or digit) index")
        self.b_spin.setToolTip("Second sequence (or digit) index")
        self.a_spin.setValue(0)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Compare"))
        controls.addWidget(self.kind_combo)
        controls.addWidget(QLabel("A"))
        controls.addWidget(self.a_spin)
        controls.addWidget(QLabel("B"))
        controls.addWidget(self.b_spin)
        controls.addStretch(1)
        self.distance = QLabel()
        font = QFont()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.distance.setFont(font)
        self.summary = note_label()
        self.note = note_label(warning=True)
        self.note.hide()

        self.sequence_view = pg.GraphicsLayoutWidget()
        ci = self.sequence_view.ci
        self.mean_a = ImageWithBar(ci, "A: mean Δ", DIVERGING, True, 0, 0, axes=False,
                                    quantity="mean Δ (grey levels)")
        self.mean_b = ImageWithBar(ci, "B: mean Δ", DIVERGING, True, 0, 1, axes=False,
                                    quantity="mean Δ (grey levels)")
        self.mean_diff = ImageWithBar(ci, "A − B (mean Δ)", DIVERGING, True, 0, 2,
                                       axes=False, quantity="A − B (grey levels)")
        self.std_a = ImageWithBar(ci, "A: std Δ", SEQUENTIAL, False, 1, 0, axes=False,
                                   quantity="std Δ (grey levels)")
        self.std_b = ImageWithBar(ci, "B: std Δ", SEQUENTIAL, False, 1, 1, axes=False,
                                   quantity="std Δ (grey levels)")
        self.std_diff = ImageWithBar(ci, "A − B (std Δ)", DIVERGING, True, 1, 2,
                                      axes=False, quantity="A − B (grey levels)")
        self.energy_plot: pg.PlotItem = ci.addPlot(row=2, col=0, colspan=3,
                                                   title="motion energy per transition")
        self.energy_plot.addLegend(offset=(-10, 5))
        self.energy_plot.setMenuEnabled(False)
        self.energy_plot.hideButtons()
        self.energy_plot.setLabel("bottom", "frame transition t → t+1")
        self.energy_plot.setLabel("left", "mean |Δ| (grey levels)")
        self.energy_a = self.energy_plot.plot([], [], pen=pg.mkPen("#ff6b6b", width=2), name="A")
        self.energy_b = self.energy_plot.plot([], [], pen=pg.mkPen("#4dabf7", width=2), name="B")
        ci.layout.setRowStretchFactor(0, 3)
        ci.layout.setRowStretchFactor(1, 3)
        ci.layout.setRowStretchFactor(2, 2)

        self.digit_view = pg.GraphicsLayoutWidget()
        dci = self.digit_view.ci
        self.digit_a = ImageWithBar(dci, "A", GREY, False, 0, 0, axes=False)
        self.digit_b = ImageWithBar(dci, "B", GREY, False, 0, 1, axes=False)
        self.digit_diff = ImageWithBar(dci, "A − B", DIVERGING, True, 0, 2, axes=False,
                                        quantity="A − B (grey levels)")
        for view in (self.sequence_view, self.digit_view):
            apply_theme(view)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.sequence_view)
        self.stack.addWidget(self.digit_view)

        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.note)
        layout.addWidget(self.distance)
        layout.addWidget(self.summary)
        layout.addWidget(self.stack, 1)
        self.kind_combo.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.a_spin.valueChanged.connect(lambda _v: self.request_changed.emit())
        self.b_spin.valueChanged.connect(lambda _v: self.request_changed.emit())
        self._limits = {"sequences": 0, "digits": 0}

    # --- controls ---------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def request(self) -> tuple[str, int, int] | None:
        """(kind, a, b) to compare, or None when there is nothing of that kind."""
        if self._limits.get(self.kind, 0) < 1:
            return None
        return self.kind, self.a_spin.value(), self.b_spin.value()

    def set_request(self, kind: str, a: int, b: int, emit: bool = True) -> None:
        """Choose what to compare (emits one request_changed, if ``emit``)."""
        self.blockSignals(True)
        self.kind_combo.setCurrentIndex(list(KINDS).index(kind))
        self.a_spin.setValue(a)
        self.b_spin.setValue(b)
        self.blockSignals(False)
        if emit:
            self.request_changed.emit()

    def set_limits(self, sequences: int, digits: int, prefer: str | None = None) -> None:
        """How many sequences and dataset digits there are to choose from (0 = none)."""
        self._limits = {"sequences": sequences, "digits": digits}
        self.blockSignals(True)
        for i, key in enumerate(KINDS):
            item = combo_item(self.kind_combo, i)
            if item is not None:
                item.setEnabled(self._limits[key] > 0)
        if prefer is not None and self._limits.get(prefer, 0) > 0:
            self.kind_combo.setCurrentIndex(list(KINDS).index(prefer))
        elif self._limits.get(self.kind, 0) < 1:
            for i, key in enumerate(KINDS):
                if self._limits[key] > 0:
                    self.kind_combo.setCurrentIndex(i)
                    break
        self._update_ranges()
        self.blockSignals(False)

    def _kind_changed(self) -> None:
        self._update_ranges()
        self.request_changed.emit()

    def _update_ranges(self) -> None:
        top = max(self._limits.get(self.kind, 0) - 1, 0)
        for spin in (self.a_spin, self.b_spin):
            spin.blockSignals(True)
            spin.setRange(0, top)
            spin.blockSignals(False)
        self.stack.setCurrentIndex(0 if self.kind == "sequences" else 1)
        if self._limits.get(self.kind, 0) < 1:
            self.show_result(None)
            self.set_note("Nothing to compare: no sequences shown."
                          if self.kind == "sequences" else
                          "No dataset digits: this set was opened from a file.")
        else:
            self.set_note("")

    def set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    # --- results ----------------------------------------------------------------------------
    def show_result(self, result: CompareResult | None) -> None:
        if result is None:
            for item in (self.mean_a, self.mean_b, self.mean_diff, self.std_a, self.std_b,
                         self.std_diff, self.digit_a, self.digit_b, self.digit_diff):
                item.set_image(None)
            self.energy_a.setData([], [])
            self.energy_b.setData([], [])
            self.distance.setText("")
            self.summary.setText("")
            return
        if result.comparison is not None:
            self._show_sequences(result)
        elif result.digits is not None:
            self._show_digits(result)

    def _show_sequences(self, r: CompareResult) -> None:
        c = r.comparison
        assert c is not None and r.energy_a is not None and r.energy_b is not None
        self.stack.setCurrentIndex(0)
        means = self.mean_a.levels_of(c.first.mean, c.second.mean)
        self.mean_a.set_image(c.first.mean, means)
        self.mean_b.set_image(c.second.mean, means)
        self.mean_diff.set_image(c.mean_difference)
        stds = self.std_a.levels_of(c.first.std, c.second.std)
        self.std_a.set_image(c.first.std, stds)
        self.std_b.set_image(c.second.std, stds)
        self.std_diff.set_image(c.std_difference)
        self.mean_a.set_title(f"A = #{r.a}: mean Δ")
        self.mean_b.set_title(f"B = #{r.b}: mean Δ")
        self.energy_a.setData(np.arange(len(r.energy_a)), r.energy_a)
        self.energy_b.setData(np.arange(len(r.energy_b)), r.energy_b)
        top = max([float(np.max(e)) for e in (r.energy_a, r.energy_b) if len(e)] + [0.0])
        self.energy_plot.setYRange(0.0, top * 1.05 if top > 0 else 1.0, padding=0)  # from 0
        self.distance.setText(f"Motion difference (mean |A − B| of the mean Δ images): "
                              f"{c.mean_distance:.4f}")
        same = " The two sequences are identical." if c.identical else ""
        self.summary.setText(
            f"Sequences {r.a} and {r.b}: mean |A − B| of the std Δ images {c.std_distance:.4f};"
            f" RMS of the frames A − B {c.frames_rms:.3f} grey levels.{same}")

    def _show_digits(self, r: CompareResult) -> None:
        d = r.digits
        assert d is not None and r.image_a is not None and r.image_b is not None
        self.stack.setCurrentIndex(1)
        self.digit_a.set_image(r.image_a, (0.0, 255.0))
        self.digit_b.set_image(r.image_b, (0.0, 255.0))
        self.digit_diff.set_image(d.difference)
        la, lb = r.labels if r.labels is not None else (None, None)
        self.digit_a.set_title(f"A = digit {r.a}" + (f" (label {la})" if la is not None else ""))
        self.digit_b.set_title(f"B = digit {r.b}" + (f" (label {lb})" if lb is not None else ""))
        self.distance.setText(f"Mean |A − B|: {d.mean_abs:.3f} grey levels")
        same = " The two digits are identical." if d.rms == 0.0 else ""
        self.summary.setText(f"Digits {r.a} and {r.b}: RMS of A − B {d.rms:.3f} grey levels."
                             f"{same}")
