"""Keys and focus like a media player: playback keys reach the player unless a text field is
being edited; Enter/Esc give the focus back; the shortcut list is grouped and complete."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import QApplication, QTableWidget

from mnist_viewer.ui.player.menus import SHORTCUT_GROUPS, shortcut_groups


@pytest.fixture
def player(qtbot, window, wait_idle):  # type: ignore[no-untyped-def]
    window.start()
    wait_idle(window)
    window.model.pause()
    window.view.setFocus()
    qtbot.waitUntil(lambda: window.view.hasFocus())
    return window


def key(qtbot, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    """Press ``key`` where the focus is, as the keyboard would (shortcut override first)."""
    widget = QApplication.focusWidget()
    assert widget is not None
    qtbot.keyClick(widget, key, modifier)


def test_transport_combo_boxes_take_no_focus_and_home_end_move_the_frame(qtbot, player) -> None:
    combo = player.transport.loop_combo
    assert combo.focusPolicy() == Qt.FocusPolicy.NoFocus
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)  # opens the list, takes no focus
    combo.hidePopup()
    combo.setCurrentIndex(combo.findData("pingpong"))  # picked with the mouse
    assert player.model.loop_mode == "pingpong"
    assert not combo.hasFocus()
    key(qtbot, Qt.Key.Key_End)
    assert player.model.frame_index == player.model.num_frames - 1
    key(qtbot, Qt.Key.Key_Home)
    assert player.model.frame_index == 0
    assert player.model.loop_mode == "pingpong"


def test_playback_keys_work_from_the_sequence_box_and_enter_gives_focus_back(qtbot, player) -> None:
    spin, model = player.transport.sequence_spin, player.model
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    key(qtbot, Qt.Key.Key_PageDown)  # next sequence, not a page of the spin box
    assert model.sequence_index == 1
    key(qtbot, Qt.Key.Key_Space)
    assert model.is_playing
    key(qtbot, Qt.Key.Key_Space)
    assert not model.is_playing
    key(qtbot, Qt.Key.Key_BracketRight)  # faster
    assert model.fps > 10
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, "42")
    key(qtbot, Qt.Key.Key_Return)  # typed number is taken, focus back on the view
    assert model.sequence_index == 42
    qtbot.waitUntil(player.view.hasFocus)
    frame = model.frame_index
    key(qtbot, Qt.Key.Key_Right)
    assert model.frame_index == frame + 1


def test_text_field_keeps_its_keys_and_esc_gives_them_back(qtbot, player) -> None:
    field, model = player.panel.classes, player.model
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClicks(field, "3, 5 [")
    key(qtbot, Qt.Key.Key_Home)  # moves the text cursor, not the frame
    key(qtbot, Qt.Key.Key_Right)
    assert field.text() == "3, 5 [" and field.cursorPosition() == 1
    assert not model.is_playing and model.frame_index == 0
    key(qtbot, Qt.Key.Key_PageDown)  # not a text key: the player's
    assert model.sequence_index == 1
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(player.view.hasFocus)
    key(qtbot, Qt.Key.Key_Space)
    assert model.is_playing
    model.pause()


@pytest.mark.parametrize("mode", ["loop", "pingpong", "once"])
def test_stepping_stops_at_the_ends_in_every_loop_mode(qtbot, player, mode: str) -> None:
    model = player.model
    model.set_loop_mode(mode)
    key(qtbot, Qt.Key.Key_End)
    key(qtbot, Qt.Key.Key_Right)
    key(qtbot, Qt.Key.Key_Period)
    assert model.frame_index == model.num_frames - 1
    key(qtbot, Qt.Key.Key_Home)
    key(qtbot, Qt.Key.Key_Left)
    key(qtbot, Qt.Key.Key_Comma)
    assert model.frame_index == 0


def test_ctrl_r_generates_and_is_in_a_menu(qtbot, player, wait_idle) -> None:
    generate = player.menus.generate
    assert generate.shortcut() == QKeySequence("Ctrl+R")
    view_menu = next(a.menu() for a in player.menuBar().actions() if a.text() == "&View")
    assert generate in view_menu.actions()
    with qtbot.waitSignal(player.panel.generate_requested, timeout=5000):
        key(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    wait_idle(player)


def test_shortcut_list_is_grouped_complete_and_names_each_key_once(qtbot, player) -> None:
    groups = shortcut_groups(player)
    names = [g for g, _rows in groups]
    assert names[:4] == ["Playback", "File", "View", "Generator"]
    assert all(g in SHORTCUT_GROUPS for g in names)
    rows = {what: keys for _g, rs in groups for keys, what in rs}
    assert rows["Step Back"] == "Left or ,"
    assert rows["Play or Pause"] == "Space"
    assert rows["Generate"] == QKeySequence("Ctrl+R").toString(
        QKeySequence.SequenceFormat.NativeText)
    assert dict(groups)["Generator"] == [("F9", "Generator Panel"), (rows["Generate"],
                                                                      "Generate")]
    listed = [k for _g, rs in groups for keys, _w in rs for k in keys.split(" or ")]
    assert len(listed) == len(set(listed))  # each key once
    every = {k.toString(QKeySequence.SequenceFormat.NativeText)
             for a in player.findChildren(QAction) for k in a.shortcuts()
             if a.shortcutContext() != Qt.ShortcutContext.WidgetShortcut}
    assert every <= set(listed)  # complete
    player.menus.shortcuts.trigger()
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if w.windowTitle() == "Keyboard Shortcuts" and w.isVisible())
    qtbot.waitExposed(dialog)
    table = dialog.findChild(QTableWidget)
    assert table.verticalScrollBar().maximum() == 0  # fits without scrolling
    assert table.item(0, 0).text() == "Playback"
    dialog.close()


def test_speed_menu_marks_the_current_rate_and_recent_shows_paths(qtbot, player) -> None:
    bar = player.transport
    player.model.set_fps(24)
    assert [f for f, a in bar.preset_actions.items() if a.isChecked()] == [24]
    player.model.set_fps(33)
    assert not any(a.isChecked() for a in bar.preset_actions.values())
    path = "/data/a/mnist/train-images-idx3-ubyte.gz"
    player.settings.add_recent_file(path)
    player.menus.fill_recent()
    assert any(path in a.text() for a in player.menus.recent_menu.actions())
