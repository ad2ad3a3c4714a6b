"""Small non-blocking dialogs of the main window: About, Keyboard Shortcuts, error boxes."""

from __future__ import annotations

import platform

from PyQt6.QtCore import PYQT_VERSION_STR, QT_VERSION_STR, Qt
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
        "Qt": QT_VERSION_STR,
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


def show_shortcuts(parent: QWidget, rows: list[tuple[str, str]]) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle("Keyboard Shortcuts")
    table = QTableWidget(len(rows), 2, dialog)
    table.setHorizontalHeaderLabels(["Keys", "Action"])
    table.verticalHeader().setVisible(False)  # type: ignore[union-attr]
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
    for i, (keys, what) in enumerate(rows):
        table.setItem(i, 0, QTableWidgetItem(keys))
        table.setItem(i, 1, QTableWidgetItem(what))
    header = table.horizontalHeader()
    assert header is not None
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(table)
    layout.addWidget(buttons)
    dialog.resize(420, 480)
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
