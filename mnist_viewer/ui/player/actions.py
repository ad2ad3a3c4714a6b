"""The player's QActions with their shortcuts, shared by the Playback menu and the transport bar.

Keys behave as in a media player: the playback keys (Space, Left/Right and , ., Home/End,
PgUp/PgDn, [ ]) act on the player wherever the focus is, unless a text field is being edited
and the key edits its text (:func:`wants_key`); combo boxes never keep them. Enter or Esc in a
field of the main window hands the focus back to the view (:class:`EditKeysFirst`).
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QEvent, QObject, Qt, QTimer
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


# keys the player's shortcuts use that text fields use too (to move the cursor or as characters)
EDIT_KEYS = frozenset({
    Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Space,
    Qt.Key.Key_Comma, Qt.Key.Key_Period, Qt.Key.Key_BracketLeft, Qt.Key.Key_BracketRight,
})
# what a number field (a spin box) edits with: the cursor keys and a decimal separator
NUMBER_KEYS = frozenset({
    Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Comma,
    Qt.Key.Key_Period,
})
# every key of the player's shortcuts that a field could claim
PLAYBACK_KEYS = EDIT_KEYS | {Qt.Key.Key_PageUp, Qt.Key.Key_PageDown}
_TEXT = (QLineEdit, QTextEdit, QPlainTextEdit)
_NUMBER_OR_CHOICE = (QAbstractSpinBox, QComboBox)
_NO_TYPING = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier \
    | Qt.KeyboardModifier.MetaModifier
_RETURN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)


def _editable(widget: QObject | None) -> bool:
    if isinstance(widget, QAbstractSpinBox):
        return widget.isEnabled() and not widget.isReadOnly()
    if isinstance(widget, QLineEdit):
        return widget.isEnabled() and not widget.isReadOnly()
    return isinstance(widget, (QTextEdit, QPlainTextEdit)) and widget.isEnabled() and \
        not widget.isReadOnly()


def wants_key(widget: QObject | None, event: QKeyEvent) -> bool:
    """True when ``widget`` (the focus widget) edits text with ``event``'s key itself.

    A text field (line edit, text edit) keeps the cursor keys, Space and the characters
    , . [ ]; a spin box keeps the cursor keys and , . (a decimal separator). Everything else
    (PgUp/PgDn always, Space and [ ] in a spin box, any key in a combo box or a button) goes
    to the player's shortcuts. No key with Ctrl/Alt/Meta is kept.
    """
    if not _editable(widget) or event.modifiers() & _NO_TYPING:
        return False
    key = Qt.Key(event.key())
    if isinstance(widget, QAbstractSpinBox):
        return key in NUMBER_KEYS
    return isinstance(widget, _TEXT) and key in EDIT_KEYS


class EditKeysFirst(QObject):
    """Application event filter: a text field being edited gets the keys it edits with (see
    :func:`wants_key`) instead of the window's shortcuts; Enter or Esc in a field of
    ``window`` gives the focus back to ``home()`` (after the field has taken the Enter)."""

    def __init__(self, window: QWidget, home: Callable[[], QWidget | None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.home = home

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        if event is None or not isinstance(event, QKeyEvent):
            return super().eventFilter(obj, event)
        if isinstance(obj, QLineEdit) and isinstance(obj.parent(), QAbstractSpinBox):
            obj = obj.parent()  # the line edit inside a spin box is the spin box
        if event.type() == QEvent.Type.ShortcutOverride:
            if wants_key(obj, event):
                event.accept()  # delivered to ``obj`` as a key press, not as a shortcut
                return True
            if Qt.Key(event.key()) in PLAYBACK_KEYS and isinstance(obj, _NUMBER_OR_CHOICE) and \
                    not event.modifiers() & _NO_TYPING:
                event.ignore()  # the spin box or combo box may not claim it: the shortcut runs
                return True
        if event.type() == QEvent.Type.KeyPress and event.key() in _RETURN_KEYS and \
                isinstance(obj, QWidget) and obj.window() is self.window and \
                _editable(obj):
            QTimer.singleShot(0, self._go_home)  # once the field has handled the key
        return super().eventFilter(obj, event)

    def _go_home(self) -> None:
        home = self.home()
        if home is not None:
            home.setFocus(Qt.FocusReason.ShortcutFocusReason)


def _keys(*keys: Qt.Key | QKeySequence.StandardKey) -> list[QKeySequence]:
    return [QKeySequence(k) for k in keys]


class PlayerActions(QObject):
    """Play/pause, stepping, jumping, sequence navigation, speed and loop mode actions."""

    def __init__(self, model: PlayerModel, window: QWidget) -> None:
        super().__init__(window)
        self.model = model
        self.edit_keys_first = EditKeysFirst(
            window, lambda: getattr(window, "view", None) or window, self)
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
        self.play.setProperty("shortcut_text", "Play or Pause")  # its text changes with the state
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
