"""The player's state: which sequence set, sequence and frame, playing or not, fps, loop mode.

Widgets listen to the signals and change the state through the methods; nothing here draws.
While playing, a precise single-shot QTimer is re-armed for the next frame boundary and the
frame is computed from the elapsed time (:mod:`mnist_viewer.core.playback`), so playback
keeps the requested rate and does not drift when the event loop is late.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
from PyQt6.QtCore import QObject, Qt, QTimer, pyqtSignal

from ...core import playback
from ...core.ground_truth import GroundTruth
from ...core.sequences import SequenceSet

_MEASURE_WINDOW = 0.5  # seconds over which the shown frame rate is measured


class PlayerModel(QObject):
    """State of the sequence player, with a signal for every change."""

    sequence_set_changed = pyqtSignal(object)  # SequenceSet | None
    sequence_changed = pyqtSignal(int)  # index of the sequence shown
    frame_changed = pyqtSignal(int)  # frame index within the sequence
    playing_changed = pyqtSignal(bool)
    fps_changed = pyqtSignal(float)
    loop_mode_changed = pyqtSignal(str)
    measured_fps_changed = pyqtSignal(float)  # frames actually shown per second (0 if paused)
    damage_changed = pyqtSignal(str)  # why the frames shown may be damaged ("" when not known)

    def __init__(
        self,
        parent: QObject | None = None,
        fps: float = 10.0,
        loop_mode: str = "loop",
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._set: SequenceSet | None = None
        self._sequence = 0
        self._frame = 0
        self._frames: np.ndarray | None = None  # cache of the current sequence (T, H, W)
        self._damage = ""
        self._playing = False
        self._fps = playback.clamp_fps(fps)
        self._loop_mode = playback.check_mode(loop_mode)
        # playback anchor: started at _anchor_frame going _anchor_dir at _anchor_time
        self._anchor_time = 0.0
        self._anchor_frame = 0
        self._anchor_dir = 1
        self._direction = 1
        self._last_steps = 0
        self.dropped_frames = 0  # frame periods skipped because a tick came too late
        self.shown_frames = 0  # frames advanced by playback since play()
        self._measure_start = 0.0
        self._measure_count = 0
        self._measured_fps = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.tick)

    # --- read-only state ---------------------------------------------------------------------
    @property
    def sequence_set(self) -> SequenceSet | None:
        return self._set

    @property
    def num_sequences(self) -> int:
        return 0 if self._set is None else self._set.num_sequences

    @property
    def num_frames(self) -> int:
        return 0 if self._set is None else self._set.num_frames

    @property
    def sequence_index(self) -> int:
        return self._sequence

    @property
    def frame_index(self) -> int:
        return self._frame

    @property
    def is_playing(self) -> bool:
        return self._playing

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def loop_mode(self) -> str:
        return self._loop_mode

    @property
    def measured_fps(self) -> float:
        return self._measured_fps

    @property
    def damage(self) -> str:
        """Why the set shown may be damaged (a stored member failing its CRC-32), or ""."""
        return self._damage

    @property
    def ground_truth(self) -> GroundTruth | None:
        return None if self._set is None else self._set.ground_truth

    @property
    def timer(self) -> QTimer:
        """The playback timer (exposed so tests can check it is stopped)."""
        return self._timer

    def current_sequence(self) -> np.ndarray | None:
        """Frames of the sequence shown, uint8 (T, H, W), rendered once and cached."""
        if self._set is None:
            return None
        if self._frames is None:
            self._frames = self._set.sequence(self._sequence)
        return self._frames

    def current_frame(self) -> np.ndarray | None:
        """The frame shown, uint8 (H, W)."""
        frames = self.current_sequence()
        return None if frames is None else frames[self._frame]

    # --- changing the content ----------------------------------------------------------------
    def set_sequence_set(
        self, seqset: SequenceSet | None, sequence: int = 0, frame: int = 0
    ) -> None:
        """Show another sequence set (playback goes on if it was playing)."""
        self._set = seqset
        self._frames = None
        self._set_damage("")  # a new set: nothing known against it yet
        if seqset is None or seqset.num_sequences == 0 or seqset.num_frames == 0:
            self._set = None
            self.pause()
            self._sequence = self._frame = 0
        else:
            self._sequence = min(max(0, int(sequence)), seqset.num_sequences - 1)
            self._frame = min(max(0, int(frame)), seqset.num_frames - 1)
        self._direction = 1
        self._reanchor()
        self.sequence_set_changed.emit(self._set)
        self.sequence_changed.emit(self._sequence)
        self.frame_changed.emit(self._frame)

    def report_damage(self, seqset: SequenceSet, problem: str) -> None:
        """Record that ``seqset``'s file failed a check (e.g. a stored member whose bytes do
        not match its CRC-32: one line naming the file and member). Ignored when another set
        is shown by now (a late report of a check on the previous file)."""
        if seqset is self._set and self._set is not None:
            self._set_damage(problem)

    def set_sequence(self, index: int) -> None:
        """Show sequence ``index`` (clamped), keeping the frame number."""
        if self._set is None:
            return
        index = min(max(0, int(index)), self._set.num_sequences - 1)
        if index == self._sequence:
            return
        self._sequence = index
        self._frames = None
        self._reanchor()
        self.sequence_changed.emit(index)
        self.frame_changed.emit(self._frame)

    def next_sequence(self) -> None:
        self.set_sequence(self._sequence + 1)

    def previous_sequence(self) -> None:
        self.set_sequence(self._sequence - 1)

    def set_frame(self, frame: int) -> None:
        """Show frame ``frame`` (clamped); playback, if on, continues from there."""
        if self._set is None:
            return
        frame = min(max(0, int(frame)), self._set.num_frames - 1)
        self._reanchor(frame)
        if frame != self._frame:
            self._frame = frame
            self.frame_changed.emit(frame)

    def step(self, delta: int) -> None:
        """Move ``delta`` frames, stopping at the first and last frame in every loop mode.

        Looping is for playback; stepping stops at the ends (the habit of ImageJ and napari).
        """
        if self._set is None:
            return
        self.set_frame(self._frame + int(delta))

    def first(self) -> None:
        self.set_frame(0)

    def last(self) -> None:
        self.set_frame(self.num_frames - 1)

    # --- playback ------------------------------------------------------------------------------
    def play(self) -> None:
        if self._playing or self._set is None:
            return
        if self._loop_mode == "once" and self._frame == self._set.num_frames - 1:
            self._frame = 0
            self.frame_changed.emit(0)
        self._playing = True
        self.dropped_frames = 0
        self.shown_frames = 0
        self._reanchor()  # also arms the timer
        self._measure_start = self._anchor_time
        self._measure_count = 0
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if not self._playing:
            return
        self._playing = False
        self._timer.stop()
        self._set_measured(0.0)
        self.playing_changed.emit(False)

    def toggle_play(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def set_playing(self, playing: bool) -> None:
        if playing:
            self.play()
        else:
            self.pause()

    def set_fps(self, fps: float) -> None:
        fps = playback.clamp_fps(fps)
        if fps == self._fps:
            return
        self._fps = fps
        self._reanchor()
        self.fps_changed.emit(fps)

    def set_loop_mode(self, mode: str) -> None:
        playback.check_mode(mode)
        if mode == self._loop_mode:
            return
        self._loop_mode = mode
        self._direction = 1
        self._reanchor()
        self.loop_mode_changed.emit(mode)

    def tick(self) -> None:
        """Show the frame due now (called by the timer; tests may call it with a fake clock)."""
        if not self._playing or self._set is None:
            return
        now = self._clock()
        elapsed = now - self._anchor_time
        pos = playback.position(
            elapsed, self._fps, self._set.num_frames, self._anchor_frame,
            self._loop_mode, self._anchor_dir,
        )
        advanced = pos.steps - self._last_steps
        if advanced > 1:
            self.dropped_frames += advanced - 1
        self._last_steps = pos.steps
        self._direction = pos.direction
        if advanced > 0:
            self.shown_frames += 1
            self._measure_count += 1
        if pos.frame != self._frame:
            self._frame = pos.frame
            self.frame_changed.emit(pos.frame)
        self._update_measured(now)
        if pos.finished:
            self.pause()
            return
        self._arm_timer(elapsed)

    # --- internals -----------------------------------------------------------------------------
    def _reanchor(self, frame: int | None = None) -> None:
        self._anchor_time = self._clock()
        self._anchor_frame = self._frame if frame is None else frame
        self._anchor_dir = self._direction
        self._last_steps = 0
        if self._playing:
            self._arm_timer()

    def _arm_timer(self, elapsed: float = 0.0) -> None:
        due = playback.next_frame_time(elapsed, self._fps)
        delay_ms = max(1, math.ceil((due - elapsed) * 1000.0))  # never before the boundary
        self._timer.start(delay_ms)

    def _update_measured(self, now: float) -> None:
        span = now - self._measure_start
        if span >= _MEASURE_WINDOW:
            self._set_measured(self._measure_count / span)
            self._measure_start = now
            self._measure_count = 0

    def _set_damage(self, problem: str) -> None:
        if problem != self._damage:
            self._damage = problem
            self.damage_changed.emit(problem)

    def _set_measured(self, value: float) -> None:
        if value != self._measured_fps:
            self._measured_fps = value
            self.measured_fps_changed.emit(value)
