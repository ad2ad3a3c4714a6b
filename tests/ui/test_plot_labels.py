"""Plots people can read: axes with units, colour bars saying what they show, energy from 0."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PyQt6.QtGui import QColor, QPalette
from PyQt6.QtWidgets import QApplication

from mnist_viewer.core import analysis
from mnist_viewer.core.errors import DataError
from mnist_viewer.ui.plot_export import save_png, save_svg
from mnist_viewer.ui.plot_theme import current_theme
from mnist_viewer.ui.stats.axes import CountAxis
from mnist_viewer.ui.stats.panels import DiffPanel, GroundTruthPanel, MotionPanel


def _label(plot, side: str) -> str:  # type: ignore[no-untyped-def]
    return plot.getAxis(side).labelText + " " + (plot.getAxis(side).labelUnits or "")


def test_image_panels_have_axes_in_px_and_a_labelled_colour_bar(qtbot, digit_frames) -> None:
    panel = DiffPanel()
    qtbot.addWidget(panel)
    image = np.diff(digit_frames[0].astype(np.float64), axis=0).mean(axis=0)
    for plot in panel.images():
        plot.set_image(image)
        assert "px" in _label(plot.plot, "bottom") and "px" in _label(plot.plot, "left")
        assert "grey levels" in plot.bar.getAxis("left").labelText


def test_motion_energy_starts_at_zero(qtbot, digit_frames) -> None:
    panel = MotionPanel()
    qtbot.addWidget(panel)
    energy = np.abs(np.diff(digit_frames.astype(np.float64), axis=1)).mean(axis=(2, 3))
    panel.set_energy(analysis.MotionEnergy(per_sequence=energy), "set")
    low, high = panel.plot.getPlotItem().viewRange()[1]
    assert low == 0.0 and high >= energy.max()


def test_histograms_count(qtbot) -> None:
    panel = GroundTruthPanel()
    qtbot.addWidget(panel)
    for plot in (panel.labels, panel.speed, panel.direction):
        assert _label(plot, "left").strip() == "count"
        assert isinstance(plot.getAxis("left"), CountAxis)
    assert "px/frame" in _label(panel.speed, "bottom")


def test_image_plots_fit_the_image_exactly_with_square_pixels(qtbot) -> None:
    panel = DiffPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 400)  # plots far wider than tall: aspect lock would widen the x range
    panel.show()
    qtbot.waitExposed(panel)
    image = np.arange(64 * 48, dtype=np.float64).reshape(48, 64)  # 64 px wide, 48 px high
    plots = [item.plot for item in panel.images()]
    for item in panel.images():
        item.set_image(image)
    qtbot.waitUntil(lambda: all(abs(p.view_aspect() - 64 / 48) < 0.05 for p in plots))
    scene = panel.graphics.sceneRect()
    for plot in plots:
        (x0, x1), (y0, y1) = plot.viewRange()
        assert (x0, x1, y0, y1) == pytest.approx((0, 64, 0, 48), abs=1e-6)
        assert scene.contains(plot.getViewBox().sceneBoundingRect())  # nothing cut off
    widths = [p.getViewBox().width() for p in plots]
    assert max(widths) < 1.3 * min(widths)  # the plots share the row (colour bars differ)


def test_trajectories_show_the_canvas_exactly_and_say_how_many_are_drawn(qtbot) -> None:
    from mnist_viewer.core.generation import GeneratorConfig, generate
    from mnist_viewer.core.sources.datasets import embedded_dataset
    from mnist_viewer.ui.stats.panels import MAX_PATHS

    seqs = generate(GeneratorConfig(num_sequences=MAX_PATHS + 5, frames=4, seed=3),
                    embedded_dataset("test"))
    panel = GroundTruthPanel()
    qtbot.addWidget(panel)
    panel.resize(1200, 700)  # cells far wider than tall: an aspect lock would widen x
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_stats(analysis.set_statistics(seqs), "set")
    qtbot.waitUntil(lambda: abs(panel.paths.view_aspect() - 1.0) < 0.05)
    (x0, x1), (y0, y1) = panel.paths.viewRange()
    assert (x0, x1, y0, y1) == pytest.approx((0, 64, 0, 64), abs=1e-6)
    assert f"first {MAX_PATHS:,} of {MAX_PATHS + 5:,} sequences" in panel.summary.text()
    assert panel.graphics.sceneRect().contains(panel.paths.getViewBox().sceneBoundingRect())


def test_count_axes_tick_whole_numbers_only() -> None:
    axis = CountAxis("left")
    for low, high in ((0.0, 2.0), (0.0, 3.5), (0.0, 1000.0)):
        spacings = [spacing for spacing, _offset in axis.tickSpacing(low, high, 400)]
        assert spacings and all(s >= 1 and float(s).is_integer() for s in spacings)
    assert axis.tickStrings([0.0, 1.0, 2.0], 1.0, 1.0) == ["0", "1", "2"]


def test_stream_panel_shows_mean_absolute_difference_and_says_why(qtbot) -> None:
    panel = DiffPanel(stream=True)
    qtbot.addWidget(panel)
    images = np.random.default_rng(0).integers(0, 256, (5, 6, 7), np.uint8)
    stats = analysis.digit_stream_diff_stats(images)
    panel.set_stats(stats, "digits 0–4")
    d = np.diff(images.astype(np.float64), axis=0)
    np.testing.assert_allclose(panel.abs_mean.shown, np.abs(d).mean(axis=0), atol=1e-12)
    assert panel.mean is None and "telescopes" in panel.caption.text()
    assert f"{np.abs(d).mean():.3f}" in panel.summary.text()


def test_plots_follow_the_windows_light_or_dark_palette(qtbot) -> None:
    app = QApplication.instance()
    saved = QPalette(app.palette())
    try:
        for window, dark in ((QColor("#202124"), True), (QColor("#f0f0f0"), False)):
            palette = QPalette(saved)
            palette.setColor(QPalette.ColorRole.Window, window)
            app.setPalette(palette)
            assert current_theme().dark is dark
            panel = MotionPanel()
            qtbot.addWidget(panel)
            background = panel.plot.backgroundBrush().color()
            text = panel.plot.getPlotItem().getAxis("left").textPen().color()
            assert (background.lightnessF() < 0.5) is dark
            assert (text.lightnessF() > 0.5) is dark  # readable on that background
    finally:
        app.setPalette(saved)


def test_figures_save_as_png_of_the_chosen_width_and_as_svg(qtbot, tmp_path: Path) -> None:
    panel = DiffPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 300)
    panel.set_stats(analysis.frame_diff_stats(
        np.random.default_rng(1).integers(0, 256, (4, 8, 8), np.uint8)), "test")
    width, height = save_png(panel.graphics, tmp_path / "fig.png", 1234)
    with Image.open(tmp_path / "fig.png") as image:
        assert image.size == (width, height) and width == 1234 and height > 100
    save_svg(panel.graphics, tmp_path / "fig.svg")
    root = ET.parse(tmp_path / "fig.svg").getroot()
    assert root.tag.rsplit("}", 1)[-1] == "svg"
    with pytest.raises(DataError, match="width must be"):
        save_png(panel.graphics, tmp_path / "tiny.png", 3)
    with pytest.raises(DataError, match="cannot write there"):
        save_svg(panel.graphics, tmp_path / "missing" / "fig.svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png", "fig.svg"]
