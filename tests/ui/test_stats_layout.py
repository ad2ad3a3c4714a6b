"""The statistics plots fit their area: no plot is cut off, whatever the dialog's width."""

from __future__ import annotations

import numpy as np

from mnist_viewer.core import analysis
from mnist_viewer.ui.stats.panels import DiffPanel, image_columns


def test_columns_show_the_images_largest_and_never_cut_one_off() -> None:
    assert image_columns(3, 1056, 540, 300) == 3  # wide: one row
    assert image_columns(3, 740, 460, 300) == 2  # the 784 px dialog: 2 + 1
    assert image_columns(3, 556, 460, 300) == 1  # too narrow for two: a column
    assert image_columns(3, 1500, 200, 300) == 3
    assert image_columns(2, 300, 900, 250) == 1


def test_frame_difference_plots_stay_inside_a_narrow_panel(qtbot) -> None:
    panel = DiffPanel()
    qtbot.addWidget(panel)
    frames = np.random.default_rng(0).integers(0, 256, (6, 64, 64), np.uint8)
    panel.set_stats(analysis.frame_diff_stats(frames), "test")
    for width, columns in ((784, 2), (1100, 3)):
        panel.resize(width, 620)
        panel.show()
        qtbot.waitUntil(lambda c=columns: panel.columns == c, timeout=5000)
        view = panel.graphics.viewport().width()
        qtbot.waitUntil(lambda v=view: all(
            image.plot.sceneBoundingRect().right() <= v + 1 for image in panel.images()),
            timeout=5000)
        rects = [image.plot.sceneBoundingRect() for image in panel.images()]
        assert all(r.left() >= 0 and r.width() > 150 for r in rects), (width, rects)
