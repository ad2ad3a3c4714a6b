"""Windows fit the screen: default and restored sizes are clamped to the available area."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image
from PyQt6.QtCore import QRect

from mnist_viewer.ui.elided_label import ElidedLabel
from mnist_viewer.ui.screen_fit import FRAME, fit_rect, fit_size, keep_on_screen

SMALL = QRect(0, 0, 1280, 800)


def test_sizes_are_clamped_to_the_available_area() -> None:
    assert fit_size(760, 800, SMALL) == (760, 800 - FRAME[1])  # the grid at 1280×800
    assert fit_size(1100, 720, SMALL) == (1100, 720)  # fits already: unchanged
    assert fit_size(3000, 2000, QRect(0, 0, 1280, 768)) == (1280 - FRAME[0], 768 - FRAME[1])


def test_a_restored_rect_is_shrunk_and_moved_on_screen() -> None:
    panel = QRect(0, 32, 1280, 768)  # a task bar at the top
    fitted = fit_rect(QRect(900, 600, 1900, 1000), panel)
    assert panel.contains(fitted)
    assert (fitted.width(), fitted.height()) == (1280 - FRAME[0], 768 - FRAME[1])


def test_main_window_saved_on_a_bigger_screen_fits(qtbot, window) -> None:
    window.setGeometry(2500, 1500, 3000, 2000)  # as restored from a 4K screen
    keep_on_screen(window)
    available = window.screen().availableGeometry()
    assert available.contains(window.geometry())


def test_grid_window_fits_a_1280x800_screen(tmp_path: Path) -> None:
    screen = tmp_path / "screen.json"
    screen.write_text(json.dumps({"screens": [{
        "name": "small", "x": 0, "y": 0, "width": 1280, "height": 800,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    out = tmp_path / "grid.png"
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screen}"}
    result = subprocess.run([sys.executable, "-m", "mnist_viewer", "--screenshot", str(out),
                             "--view", "grid"], capture_output=True, text=True, timeout=180,
                            env=env)
    assert result.returncode == 0, result.stderr
    width, height = Image.open(out).size
    assert width <= 1280 - FRAME[0] and height <= 800 - FRAME[1]
    assert height >= 700  # clamped, not collapsed


def test_long_labels_elide_and_keep_the_whole_text(qtbot) -> None:
    label = ElidedLabel()
    qtbot.addWidget(label)
    text = "Page 1 of 625 · sequences 0–15 · embedded subset digits 1 3 " * 3
    label.setText(text)
    label.resize(150, 20)
    label.show()
    assert label.text() == text and label.toolTip() == text
    assert label.shown_text().endswith("…") and len(label.shown_text()) < len(text)
    assert label.fontMetrics().horizontalAdvance(label.shown_text()) <= 150
