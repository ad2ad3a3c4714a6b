"""The player's QActions with their shortcuts, shared by the Playback menu and the transport bar.

The shortcuts are window-wide, but keys an editable widget uses itself (PgUp/PgDown, Home/End,
arrows, Space... typed into a spin box, a line edit or a combo box) go to that widget:
:class:`EditKeysFirst` accepts their ShortcutOverride.
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtGui import QAction, QActionGroup, QKeyEvent, QKeySequence
from PyQt6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QStyle,
    QTextEdit,
    QWidget,
)

from ...core.playback import LOOP_MODES
from .model import PlayerModel

FPS_PRESETS: tuple[int, ...] = (1, 2, 5, 10, 15, 24, 30, 60, 120)
LOOP_LABELS = {"loop": "Loop", "pingpong": "Ping-pong", "once": "Play once"}


# keys the player's shortcuts use that editable widgets use too
EDIT_KEYS = frozenset({
    Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End,
    Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Space,
    Qt.Key.Key_Comma, Qt.Key.Key_Period, Qt.Key.Key_BracketLeft, Qt.Key.Key_BracketRight,
})
_EDITABLE = (QAbstractSpinBox, QLineEdit, QComboBox, QTextEdit, QPlainTextEdit)
_NO_TYPING = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier \
    | Qt.KeyboardModifier.MetaModifier


def wants_key(widget: QObject | None, event: QKeyEvent) -> bool:
    """True when ``widget`` (the focus widget) handles ``event``'s key itself: an enabled,
    editable spin box, line edit, text edit or combo box, and no Ctrl/Alt/Meta."""
    if not isinstance(widget, _EDITABLE) or not widget.isEnabled():
        return False
    if event.modifiers() & _NO_TYPING or Qt.Key(event.key()) not in EDIT_KEYS:
        return False
    if isinstance(widget, QComboBox):  # a closed, non-editable combo box: no Space, no text
        return widget.isEditable() or Qt.Key(event.key()) in (
            Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End,
            Qt.Key.Key_Up, Qt.Key.Key_Down)
    return not (isinstance(widget, (QAbstractSpinBox, QLineEdit)) and widget.isReadOnly())


class EditKeysFirst(QObject):
    """Application event filter: the focus widget gets the keys it edits with (see
    :func:`wants_key`) instead of the window's shortcuts."""

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        if event is not None and event.type() == QEvent.Type.ShortcutOverride and \
                isinstance(event, QKeyEvent) and wants_key(obj, event):
            event.accept()  # delivered to ``obj`` as a key press, not as a shortcut
            return True
        return super().eventFilter(obj, event)


def _keys(*keys: Qt.Key | QKeySequence.StandardKey) -> list[QKeySequence]:
    return [QKeySequence(k) for k in keys]


class PlayerActions(QObject):
    """Play/pause, stepping, jumping, sequence navigation, speed and loop mode actions."""

    def __init__(self, model: PlayerModel, window: QWidget) -> None:
        super().__init__(window)
        self.model = model
        self.edit_keys_first = EditKeysFirst(self)
        app = QApplication.instance()
        if app is not None:  # removed again when this object is deleted
            app.installEventFilter(self.edit_keys_first)
        style = window.style()
        assert style is not None

        def action(text: str, icon: QStyle.StandardPixmap | None, keys: list[QKeySequence],
                   slot, tip: str) -> QAction:  # type: ignore[no-untyped-def]
            act = QAction(text, window)
            if icon is not None:
                act.setIcon(style.standardIcon(icon))
            act.setShortcuts(keys)
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            shortcut = keys[0].toString(QKeySequence.SequenceFormat.NativeText) if keys else ""
            act.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            window.addAction(act)
            return act

        sp = QStyle.StandardPixmap
        self.play = action("&Play", sp.SP_MediaPlay, _keys(Qt.Key.Key_Space),
                           lambda: model.toggle_play(), "Play or pause")
        self.play.setCheckable(True)
        self.step_back = action("Step &Back", sp.SP_MediaSeekBackward,
                                _keys(Qt.Key.Key_Left, Qt.Key.Key_Comma),
                                lambda: model.step(-1), "One frame back")
        self.step_forward = action("Step &Forward", sp.SP_MediaSeekForward,
                                   _keys(Qt.Key.Key_Right, Qt.Key.Key_Period),
                                   lambda: model.step(1), "One frame forward")
        self.first = action("&First Frame", sp.SP_MediaSkipBackward, _keys(Qt.Key.Key_Home),
                            lambda: model.first(), "First frame")
        self.last = action("&Last Frame", sp.SP_MediaSkipForward, _keys(Qt.Key.Key_End),
                           lambda: model.last(), "Last frame")
        self.previous_sequence = action("P&revious Sequence", sp.SP_ArrowUp,
                                        _keys(Qt.Key.Key_PageUp),
                                        lambda: model.previous_sequence(), "Previous sequence")
        self.next_sequence = action("&Next Sequence", sp.SP_ArrowDown,
                                    _keys(Qt.Key.Key_PageDown),
                                    lambda: model.next_sequence(), "Next sequence")
        self.faster = action("F&aster", None, _keys(Qt.Key.Key_BracketRight),
                             lambda: self.change_speed(+1), "Next faster frame rate")
        self.slower = action("&Slower", None, _keys(Qt.Key.Key_BracketLeft),
                             lambda: self.change_speed(-1), "Next slower frame rate")
        self.loop_group = QActionGroup(window)
        self.loop_group.setExclusive(True)
        self.loop_modes: dict[str, QAction] = {}
        for mode in LOOP_MODES:
            act = QAction(LOOP_LABELS[mode], window)
            act.setCheckable(True)
            act.setChecked(mode == model.loop_mode)
            act.triggered.connect(lambda _=False, m=mode: model.set_loop_mode(m))
            self.loop_group.addAction(act)
            self.loop_modes[mode] = act
        model.playing_changed.connect(self._on_playing)
        model.loop_mode_changed.connect(lambda m: self.loop_modes[m].setChecked(True))
        model.sequence_set_changed.connect(lambda _s: self.update_enabled())
        self._style = style
        self._on_playing(model.is_playing)
        self.update_enabled()

    def navigation(self) -> list[QAction]:
        return [self.first, self.step_back, self.play, self.step_forward, self.last]

    def change_speed(self, direction: int) -> None:
        """Go to the next preset frame rate above (+1) or below (-1) the current one."""
        fps = self.model.fps
        if direction > 0:
            faster = [p for p in FPS_PRESETS if p > fps + 1e-9]
            if faster:
                self.model.set_fps(faster[0])
        else:
            slower = [p for p in FPS_PRESETS if p < fps - 1e-9]
            if slower:
                self.model.set_fps(slower[-1])

    def update_enabled(self) -> None:
        has_content = self.model.sequence_set is not None
        for act in (*self.navigation(), self.previous_sequence, self.next_sequence):
            act.setEnabled(has_content)

    def _on_playing(self, playing: bool) -> None:
        sp = QStyle.StandardPixmap
        self.play.setChecked(playing)
        self.play.setText("&Pause" if playing else "&Play")
        icon = sp.SP_MediaPause if playing else sp.SP_MediaPlay
        self.play.setIcon(self._style.standardIcon(icon))
