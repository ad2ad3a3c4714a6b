"""The main window's status bar: messages and errors, frame caption, pixel readout, progress."""

from __future__ import annotations

from html import escape

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QLabel,
    QProgressBar,
    QSizePolicy,
    QStatusBar,
    QStyle,
    QToolButton,
    QWidget,
)

from .elided_label import ElidedLabel
from .widgets import ERROR_COLOUR, WARNING_COLOUR


class StatusBar(QStatusBar):
    """Status bar with a permanent caption, pixel readout and a cancellable progress bar."""

    cancel_requested = pyqtSignal()
    swap_requested = pyqtSignal()  # "Swap sequences and frames" of the file shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # long descriptions end in "…" (whole in the tooltip) rather than pushing the caption
        # and readout away
        self.info = ElidedLabel()
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.info.setMinimumWidth(120)
        self.caption = QLabel()
        self.caption.setToolTip("The frame shown")
        self.pixel = QLabel()
        self.pixel.setMinimumWidth(self.fontMetrics().horizontalAdvance("x 000  y 000  value 255"))
        self.pixel.setToolTip("Pixel under the cursor: column, row and value")
        self.progress_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.setMaximumHeight(self.fontMetrics().height() + 4)
        self.progress.setTextVisible(False)
        self.cancel = QToolButton()
        style = self.style()
        if style is not None:
            self.cancel.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogCancelButton))
        self.cancel.setAutoRaise(True)
        self.cancel.setToolTip("Cancel")
        self.cancel.clicked.connect(self.cancel_requested)
        for w in (self.progress_label, self.progress, self.cancel):
            self.addPermanentWidget(w)
            w.setVisible(False)
        self.note = QLabel()  # how a file was read, when worth a warning
        self.note.setStyleSheet("QLabel { color: #8a5a00; }")
        self.note.setVisible(False)
        self.swap = QToolButton()
        self.swap.setText("Swap sequences and frames")
        self.swap.setToolTip("Read this file with its first two axes the other way round "
                             "(remembered for this file)")
        self.swap.clicked.connect(self.swap_requested)
        self.swap.setVisible(False)
        self.damage = QLabel()  # the file shown failed a check (CRC-32): its frames may be wrong
        self.damage.setStyleSheet(f"QLabel {{ color: {ERROR_COLOUR}; }}")
        self.damage.setVisible(False)
        self.addPermanentWidget(self.damage)
        self.addPermanentWidget(self.note)
        self.addPermanentWidget(self.swap)
        self.addPermanentWidget(self.caption)
        self.addPermanentWidget(self.pixel)
        self.addWidget(self.info, 1)
        self.last_error = ""

    def show_error(self, message: str) -> None:
        """An error line naming the file and the problem (stays until the next message)."""
        self.last_error = message
        self._show(f"⚠ {message}", ERROR_COLOUR)

    def show_warning(self, warning: str, text: str = "") -> None:
        """A warning (e.g. digits from the embedded subset) before ``text``, until the next
        message; the tooltip holds both in full."""
        self._show(f"⚠ {warning}" + (f" · {text}" if text else ""), WARNING_COLOUR)
        self.info.setToolTip("\n".join(filter(None, (warning, text))))

    def show_info(self, text: str) -> None:
        self._show(text, "")

    def _show(self, text: str, colour: str) -> None:
        self.info.setStyleSheet(f"QLabel {{ color: {colour}; }}" if colour else "")
        self.info.setText(text)  # the tooltip holds the whole line

    def show_reading_note(self, note: str, can_swap: bool) -> None:
        """Say how a file was read when the layout evidence is weak or values were mapped
        (empty: nothing to say), and offer the swap of sequences and frames."""
        self.note.setText(f"⚠ {escape(note)}" if note else "")
        self.note.setToolTip(note)
        self.note.setVisible(bool(note))
        self.swap.setVisible(can_swap)

    def show_damage(self, problem: str) -> None:
        """Say that the file shown is damaged (``problem``: one line naming it; "" hides it)."""
        self.damage.setText(f"⚠ Damaged: {escape(problem)}" if problem else "")
        self.damage.setToolTip(f"{problem}\nThe frames shown may be wrong." if problem else "")
        self.damage.setVisible(bool(problem))

    def set_caption(self, text: str) -> None:
        """The frame shown (e.g. "digits 5 7"); its label never gets narrower than its text,
        so a long description beside it is elided instead of the caption being cut."""
        self.caption.setText(text)
        self.caption.setMinimumWidth(self.caption.sizeHint().width())

    def set_pixel(self, x: int, y: int, value: int) -> None:
        self.pixel.setText(f"x {x}  y {y}  value {value}")

    def clear_pixel(self) -> None:
        self.pixel.setText("")

    def start_progress(self, text: str) -> None:
        self.progress_label.setText(text)
        self.progress.setRange(0, 0)  # busy until the first report
        for w in (self.progress_label, self.progress, self.cancel):
            w.setVisible(True)

    def set_progress(self, done: int, total: int) -> None:
        if total <= 0:
            self.progress.setRange(0, 0)
            return
        scale = max(1, total // 1_000_000 + 1)  # QProgressBar holds ints < 2**31
        self.progress.setRange(0, total // scale)
        self.progress.setValue(min(done, total) // scale)

    def stop_progress(self) -> None:
        for w in (self.progress_label, self.progress, self.cancel):
            w.setVisible(False)

    @property
    def progress_visible(self) -> bool:
        return not self.progress.isHidden()


