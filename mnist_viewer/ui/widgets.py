"""Small widget helpers shared by the panel and the dialogs."""

from __future__ import annotations

from PyQt6.QtWidgets import QSpinBox


def spin_box(lo: int, hi: int, value: int, tip: str, prefix: str = "") -> QSpinBox:
    """An accelerated integer spin box with range ``lo..hi``, a value, a tooltip and a prefix."""
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    box.setToolTip(tip)
    box.setPrefix(prefix)
    box.setAccelerated(True)
    return box
