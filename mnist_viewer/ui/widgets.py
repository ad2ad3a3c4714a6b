"""Small widget helpers shared by the panel and the dialogs."""

from __future__ import annotations

from PyQt6.QtGui import QStandardItem, QStandardItemModel
from PyQt6.QtWidgets import QComboBox, QSpinBox

ERROR_COLOUR = "#e03131"  # one-line errors in the status bar and the dialogs
WARNING_COLOUR = "#b35900"  # notes that are not errors (a capped fps, files to be replaced)


def spin_box(lo: int, hi: int, value: int, tip: str, prefix: str = "") -> QSpinBox:
    """An accelerated integer spin box with range ``lo..hi``, a value, a tooltip and a prefix."""
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    box.setToolTip(tip)
    box.setPrefix(prefix)
    box.setAccelerated(True)
    return box


def combo_item(combo: QComboBox, index: int) -> QStandardItem | None:
    """The item of a combo box entry (to enable or disable it), None if out of range."""
    model = combo.model()
    if index < 0 or not isinstance(model, QStandardItemModel):
        return None
    return model.item(index)
