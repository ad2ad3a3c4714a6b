"""Plots people can read: axes with units, colour bars saying what they show, energy from 0."""

from __future__ import annotations

import numpy as np

from mnist_viewer.core import analysis
from mnist_viewer.ui.stats.panels import DiffPanel, GroundTruthPanel, MotionPanel


def _label(plot, side: str) -> str:  # type: ignore[no-untyped-def]
    return plot.getAxis(side).labelText + " " + (plot.getAxis(side).labelUnits or "")


def test_image_panels_have_axes_in_px_and_a_labelled_colour_bar(qtbot, digit_frames) -> None:
    panel = DiffPanel()
    qtbot.addWidget(panel)
    image = np.diff(digit_frames[0].astype(np.float64), axis=0).mean(axis=0)
    panel.mean.set_image(image)
    assert "px" in _label(panel.mean.plot, "bottom") and "px" in _label(panel.mean.plot, "left")
    assert "grey levels" in panel.mean.bar.getAxis("left").labelText


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
    assert "px/frame" in _label(panel.speed, "bottom")
