"""The transport bar: frame slider, play/step/jump buttons, sequence, fps and loop controls."""

from __future__ import annotations

from PyQt6.QtCore import QSignalBlocker, Qt
from PyQt6.QtGui import QAction, QActionGroup
from PyQt6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.playback import LOOP_MODES, MAX_FPS, MIN_FPS
from .actions import FPS_PRESETS, LOOP_LABELS, PlayerActions
from .model import PlayerModel


def _button(action, parent: QWidget) -> QToolButton:  # type: ignore[no-untyped-def]
    button = QToolButton(parent)
    button.setDefaultAction(action)
    button.setAutoRaise(True)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


class TransportBar(QWidget):
    """Controls of a :class:`PlayerModel`; every change goes through the model."""

    def __init__(self, model: PlayerModel, actions: PlayerActions,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._resume_after_scrub = False

        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setTracking(True)
        self.slider.setToolTip("Drag to scrub through the frames")
        self.frame_label = QLabel(self)
        metrics = self.fontMetrics()
        self.frame_label.setMinimumWidth(metrics.horizontalAdvance("digit #000000 of 000000"))
        self.frame_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.buttons = [_button(a, self) for a in actions.navigation()]
        self.previous_button = _button(actions.previous_sequence, self)
        self.next_button = _button(actions.next_sequence, self)
        self.sequence_spin = QSpinBox(self)
        self.sequence_spin.setKeyboardTracking(False)
        self.sequence_spin.setPrefix("sequence #")
        # no arrows of its own: its up (+1) beside the ▲ button (previous, as PgUp) confused
        self.sequence_spin.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)
        self.sequence_spin.setToolTip("Index of the sequence shown, from 0 as in the file and "
                                       "--index (PgUp / PgDn)")
        self.sequence_total = QLabel(self)

        self.fps_spin = QSpinBox(self)
        self.fps_spin.setRange(int(MIN_FPS), int(MAX_FPS))
        self.fps_spin.setSuffix(" fps")
        self.fps_spin.setKeyboardTracking(False)
        self.fps_spin.setToolTip("Playback speed in frames per second ([ and ] change it)")
        self.presets = QToolButton(self)
        self.presets.setText("Speed")
        self.presets.setToolTip("Speed presets")
        self.presets.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.presets.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        menu = QMenu(self.presets)
        self.preset_actions: dict[int, QAction] = {}
        self.preset_group = QActionGroup(self)  # one rate marked: the current one, if a preset
        self.preset_group.setExclusive(True)
        for fps in FPS_PRESETS:
            act = menu.addAction(f"{fps} fps")
            assert act is not None
            act.setCheckable(True)  # the current rate is marked
            self.preset_group.addAction(act)
            act.triggered.connect(lambda _=False, f=fps: model.set_fps(f))
            self.preset_actions[fps] = act
        self.presets.setMenu(menu)
        self.loop_combo = QComboBox(self)
        for mode in LOOP_MODES:
            self.loop_combo.addItem(LOOP_LABELS[mode], mode)
        self.loop_combo.setToolTip("What happens at the last frame")
        self.loop_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the player
        self.measured_label = QLabel(self)
        self.measured_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("000.0 fps shown"))
        self.measured_label.setToolTip("Frames actually shown per second")

        top = QHBoxLayout()
        top.addWidget(self.slider, 1)
        top.addWidget(self.frame_label)
        top.addSpacing(8)
        top.addWidget(self.measured_label)
        bottom = QHBoxLayout()
        for b in self.buttons:
            bottom.addWidget(b)
        bottom.addSpacing(12)
        bottom.addWidget(self.previous_button)
        bottom.addWidget(self.sequence_spin)
        bottom.addWidget(self.sequence_total)
        bottom.addWidget(self.next_button)
        bottom.addStretch(1)
        bottom.addWidget(self.fps_spin)
        bottom.addWidget(self.presets)
        bottom.addSpacing(8)
        bottom.addWidget(self.loop_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 4)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addLayout(bottom)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        self.slider.valueChanged.connect(self._on_slider_value)
        self.slider.sliderPressed.connect(self._on_slider_pressed)
        self.slider.sliderReleased.connect(self._on_slider_released)
        self.sequence_spin.valueChanged.connect(lambda v: model.set_sequence(v))
        self.fps_spin.valueChanged.connect(lambda v: model.set_fps(v))
        self.loop_combo.currentIndexChanged.connect(
            lambda i: model.set_loop_mode(self.loop_combo.itemData(i))
        )
        model.sequence_set_changed.connect(self._on_set_changed)
        model.sequence_changed.connect(self._on_sequence_changed)
        model.frame_changed.connect(self._on_frame_changed)
        model.fps_changed.connect(self._on_fps_changed)
        model.loop_mode_changed.connect(self._on_loop_mode_changed)
        model.measured_fps_changed.connect(self._on_measured)
        model.playing_changed.connect(lambda _p: self._on_measured(model.measured_fps))
        self._on_set_changed(model.sequence_set)
        self._on_fps_changed(model.fps)
        self._on_loop_mode_changed(model.loop_mode)
        self._on_measured(model.measured_fps)

    # --- widgets -> model ----------------------------------------------------------------------
    def _on_slider_value(self, value: int) -> None:
        self.model.set_frame(value)

    def _on_slider_pressed(self) -> None:
        self._resume_after_scrub = self.model.is_playing
        self.model.pause()

    def _on_slider_released(self) -> None:
        if self._resume_after_scrub:
            self.model.play()
        self._resume_after_scrub = False

    # --- model -> widgets ----------------------------------------------------------------------
    def _on_set_changed(self, _seqset: object) -> None:
        n, t = self.model.num_sequences, self.model.num_frames
        with QSignalBlocker(self.slider):
            self.slider.setRange(0, max(0, t - 1))
            self.slider.setPageStep(max(1, t // 10))
        with QSignalBlocker(self.sequence_spin):
            self.sequence_spin.setRange(0, max(n - 1, 0))
        self.sequence_total.setText(f"of {n}")
        for widget in (self.previous_button, self.sequence_spin, self.sequence_total,
                       self.next_button):
            widget.setVisible(n > 1)  # a digit stream or a one-sequence file has nothing to pick
        self.setEnabled(n > 0)
        self._on_sequence_changed(self.model.sequence_index)
        self._on_frame_changed(self.model.frame_index)

    def _on_sequence_changed(self, index: int) -> None:
        with QSignalBlocker(self.sequence_spin):
            self.sequence_spin.setValue(index)

    def _on_frame_changed(self, frame: int) -> None:
        with QSignalBlocker(self.slider):
            self.slider.setValue(frame)
        total = self.model.num_frames
        seqset = self.model.sequence_set
        what = "digit" if seqset is not None and seqset.layout == "digit-stream" else "frame"
        # indices from 0, like sequences, --frame and the captions of exports
        self.frame_label.setText(f"{what} #{frame} of {total}" if total else "")

    def _on_fps_changed(self, fps: float) -> None:
        with QSignalBlocker(self.fps_spin):
            self.fps_spin.setValue(round(fps))
        for preset, act in self.preset_actions.items():
            act.setChecked(abs(preset - fps) < 1e-6)

    def _on_loop_mode_changed(self, mode: str) -> None:
        with QSignalBlocker(self.loop_combo):
            self.loop_combo.setCurrentIndex(self.loop_combo.findData(mode))

    def _on_measured(self, fps: float) -> None:
        if self.model.is_playing:
            self.measured_label.setText(f"{fps:5.1f} fps shown" if fps > 0 else "playing")
        else:
            self.measured_label.setText("paused")
