"""Small non-blocking dialogs of the main window: About, Keyboard Shortcuts, error boxes."""

from __future__ import annotations

import platform

from PyQt6.QtCore import PYQT_VERSION_STR, Qt, qVersion
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..version import __version__

ATTRIBUTION = (
    "The MNIST database of handwritten digits is by Yann LeCun, Corinna Cortes and "
    "Christopher J. C. Burges, and is distributed under the Creative Commons "
    "Attribution-Share Alike 3.0 license (CC BY-SA 3.0)."
)


def versions() -> dict[str, str]:
    """Versions of the application and of the libraries it runs on."""
    import numpy
    import pyqtgraph

    return {
        "mnist-viewer": __version__,
        "Qt": qVersion() or "",  # the Qt running, not the one PyQt6 was built with
        "PyQt6": PYQT_VERSION_STR,
        "pyqtgraph": pyqtgraph.__version__,
        "numpy": numpy.__version__,
        "Python": platform.python_version(),
    }


def about_html() -> str:
    rows = "".join(f"<tr><td>{k}</td><td>&nbsp;{v}</td></tr>" for k, v in versions().items())
    return (
        f"<h3>mnist-viewer {__version__}</h3>"
        "<p>View, generate, analyse and export Moving MNIST.</p>"
        f"<table>{rows}</table>"
        f"<p><small>{ATTRIBUTION}<br>"
        "<a href='https://creativecommons.org/licenses/by-sa/3.0/'>"
        "creativecommons.org/licenses/by-sa/3.0</a></small></p>"
    )


def show_about(parent: QWidget) -> QMessageBox:
    box = QMessageBox(parent)
    box.setWindowTitle("About mnist-viewer")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_html())
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def show_shortcuts(parent: QWidget, groups: list[tuple[str, list[tuple[str, str]]]]) -> QDialog:
    """The shortcut list: one bold heading row per group, then its (keys, action) rows.

    Sized to show every row without scrolling (within the screen's available height).
    """
    dialog = QDialog(parent)
    dialog.setWindowTitle("Keyboard Shortcuts")
    count = sum(1 + len(rows) for _group, rows in groups)
    table = QTableWidget(count, 2, dialog)
    table.setHorizontalHeaderLabels(["Keys", "Action"])
    table.verticalHeader().setVisible(False)  # type: ignore[union-attr]
    table.setWordWrap(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
    table.setShowGrid(False)
    row = 0
    for group, rows in groups:
        heading = QTableWidgetItem(group)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        table.setItem(row, 0, heading)
        table.setSpan(row, 0, 1, 2)
        row += 1
        for keys, what in rows:
            table.setItem(row, 0, QTableWidgetItem(keys))
            table.setItem(row, 1, QTableWidgetItem(what))
            row += 1
    vertical = table.verticalHeader()
    assert vertical is not None
    vertical.setDefaultSectionSize(table.fontMetrics().height() + 6)  # rows of one height
    header = table.horizontalHeader()
    assert header is not None
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    height = header.height() + sum(table.rowHeight(r) for r in range(count)) \
        + 2 * table.frameWidth()
    table.setMinimumHeight(height)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(table)
    layout.addWidget(buttons)
    dialog.resize(440, dialog.sizeHint().height())
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def show_error_box(parent: QWidget, title: str, message: str) -> QMessageBox:
    """A window-modal, non-blocking error box."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message,
                      QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
