"""The generator panel: Enter generates, limits that follow each other, keys stay in fields."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QKeySequence
from PyQt6.QtWidgets import QApplication

from mnist_viewer.core.generation import GeneratorConfig
from mnist_viewer.core.sources.datasets import embedded_dataset
from mnist_viewer.ui import content as ct
from mnist_viewer.ui.player.generator_panel import GeneratorPanel


@pytest.fixture
def panel(qtbot):  # type: ignore[no-untyped-def]
    p = GeneratorPanel()
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    return p


@pytest.mark.parametrize("field", ["frames", "step", "classes", "seed", "motion"])
def test_enter_in_a_field_generates(qtbot, panel, field) -> None:
    widget = getattr(panel, field)
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        with qtbot.waitSignal(panel.generate_requested, timeout=1000):
            qtbot.keyClick(widget, key)


def test_enter_uses_the_value_typed(qtbot, panel) -> None:
    seen = []
    panel.generate_requested.connect(lambda: seen.append(panel.config().frames))
    panel.frames.setFocus()
    panel.frames.lineEdit().selectAll()
    qtbot.keyClicks(panel.frames, "7")
    qtbot.keyClick(panel.frames, Qt.Key.Key_Return)
    assert seen == [7]


def test_generate_shortcut_survives_mode_changes_and_is_in_the_tooltip(panel) -> None:
    keys = QKeySequence("Ctrl+R")
    text = keys.toString(QKeySequence.SequenceFormat.NativeText)
    for mode in ("moving", "stream", "single"):
        panel.set_mode(mode)
        assert panel.generate_action.shortcut() == keys
        assert f"({text})" in panel.generate_button.toolTip()


def test_limits_follow_each_other(panel) -> None:
    digit = GeneratorConfig().digit_size
    assert panel.canvas.minimum() == digit
    panel.canvas.setValue(digit - 5)
    assert panel.canvas.value() == digit
    panel.config()  # the smallest canvas allowed is valid
    panel.digits_min.setValue(1)
    panel.digits_max.setValue(3)
    panel.digits_min.setValue(5)  # never above the most
    assert panel.digits_min.value() == 3
    panel.digits_max.setValue(2)  # never below the fewest
    assert panel.digits_max.value() == 3
    panel.digits_max.setValue(6)
    panel.digits_min.setValue(5)
    assert panel.digits_max.minimum() == 5 and panel.digits_min.maximum() == 6
    # restoring saved settings is not blocked by the current limits, either way
    panel.restore({"digits_min": 1, "digits_max": 1})
    assert (panel.digits_min.value(), panel.digits_max.value()) == (1, 1)
    panel.restore({"digits_min": 8, "digits_max": 9})
    assert (panel.digits_min.value(), panel.digits_max.value()) == (8, 9)
    assert panel.digits_max.minimum() == 8 and panel.digits_min.maximum() == 9


def test_combo_boxes_explain_their_choices(panel) -> None:
    motion = panel.motion.toolTip()
    assert "Srivastava" in motion and "reflection" in motion and "Denton & Fergus" in motion
    assert "255" in panel.combine.toolTip() and "max" in panel.combine.toolTip()
    for combo in (panel.motion, panel.combine, panel.source, panel.split):
        assert combo.toolTip()
        for i in range(combo.count()):
            assert combo.itemData(i, Qt.ItemDataRole.ToolTipRole)


def test_navigation_keys_in_a_field_edit_the_field(qtbot, window) -> None:
    """A number field keeps the keys that move its text cursor; PgUp/PgDn and the keys of a
    combo box are the player's (issue 14: keys like a media player)."""
    config = GeneratorConfig(num_sequences=30, frames=10, seed=3)
    window.set_content(ct.generated(config, embedded_dataset("train")))
    model, panel = window.model, window.panel
    model.set_sequence(5)
    model.set_frame(4)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    panel.sequences.setValue(100)
    panel.sequences.setFocus()
    qtbot.waitUntil(panel.sequences.hasFocus)
    for key in (Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Left, Qt.Key.Key_Right):
        qtbot.keyClick(panel.sequences, key)
    assert (model.sequence_index, model.frame_index) == (5, 4)  # the player did not move
    qtbot.keyClick(panel.sequences, Qt.Key.Key_PageDown)  # the player's next sequence
    assert panel.sequences.value() == 100 and model.sequence_index == 6
    choice = panel.motion.currentIndex()
    panel.motion.setFocus()
    qtbot.waitUntil(panel.motion.hasFocus)
    qtbot.keyClick(panel.motion, Qt.Key.Key_End)  # a combo box keeps no playback key
    assert panel.motion.currentIndex() == choice
    assert (model.sequence_index, model.frame_index) == (6, 9)


def test_a_file_shown_is_named_with_its_recorded_settings(qtbot, window, wait_idle,
                                                           tmp_path) -> None:
    import numpy as np

    from mnist_viewer.core.files import save_sequences
    from mnist_viewer.core.generation import generate

    config = GeneratorConfig(num_sequences=3, frames=5, seed=42, motion="reflect")
    path = tmp_path / "made.npz"
    save_sequences(path, generate(config, embedded_dataset("train")))
    panel = window.panel
    window.open_path(str(path))
    wait_idle(window)
    note = panel.file_note.text()
    assert panel.file_note.isVisible() and "made.npz" in note
    for part in ("3 sequences", "5 frames", "motion reflect", "seed 42", "apply to Generate"):
        assert part in note, note
    assert panel.generator_box.title() == "Settings for a new set"
    assert panel.size_label.text().startswith("New set:")
    # a file that records nothing says so
    bare = tmp_path / "bare.npy"
    np.save(bare, np.zeros((4, 2, 64, 64), np.uint8))  # (T, N, H, W) like mnist_test_seq
    window.open_path(str(bare))
    qtbot.waitUntil(lambda: "bare.npy" in panel.file_note.text(), timeout=20_000)
    assert "records no generator settings" in panel.file_note.text()
    # a generated set: the fields are its settings, no note
    window.set_content(ct.generated(GeneratorConfig(num_sequences=2, frames=3, seed=1),
                                    embedded_dataset("train")))
    assert not panel.file_note.isVisible()
    assert panel.generator_box.title() == "Settings"
    assert panel.size_label.text().startswith("Size:")


def test_recorded_settings_write_large_counts_with_separators() -> None:
    from mnist_viewer.ui.player.generator_panel import recorded_settings

    text = recorded_settings({"num_sequences": 100000, "frames": 20, "seed": 123456,
                              "digits": [1, 3]})
    assert text == "100,000 sequences, 20 frames, 1–3 digits, seed 123456"
    assert recorded_settings(None) == ""
