"""PlayerModel: state changes, signals, elapsed-time playback in every loop mode."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_viewer.core.sequences import ArraySequenceSet
from mnist_viewer.ui.player.model import PlayerModel


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def bounce(num_frames: int, steps: int, mode: str) -> list[int]:
    """Frames after 1..steps ticks of a naive one-frame-per-tick player starting at 0."""
    frame, d, out = 0, 1, []
    for _ in range(steps):
        if mode == "loop":
            frame = (frame + 1) % num_frames
        elif mode == "once":
            frame = min(frame + 1, num_frames - 1)
        else:
            if not 0 <= frame + d < num_frames:
                d = -d
            frame += d
        out.append(frame)
    return out


@pytest.fixture
def model(qtbot, digit_frames: np.ndarray):  # type: ignore[no-untyped-def]
    clock = FakeClock()
    m = PlayerModel(fps=10, clock=clock)
    m.clock = clock  # type: ignore[attr-defined]
    m.set_sequence_set(ArraySequenceSet(digit_frames))
    yield m
    m.pause()
    assert not m.timer.isActive()


def test_current_frame_is_the_frame_of_the_set(model: PlayerModel, digit_frames) -> None:
    model.set_sequence(3)
    model.set_frame(7)
    np.testing.assert_array_equal(model.current_frame(), digit_frames[3, 7])
    assert model.current_frame().max() > 200  # real digit ink


def test_navigation_clamps_and_signals(model: PlayerModel, qtbot) -> None:
    n, t = model.num_sequences, model.num_frames
    frames: list[int] = []
    model.frame_changed.connect(frames.append)
    model.last()
    model.step(1)  # stops at the last frame, even in loop mode
    model.first()
    model.step(-5)  # and at 0
    model.set_frame(10_000)
    assert frames == [t - 1, 0, t - 1]
    sequences: list[int] = []
    model.sequence_changed.connect(sequences.append)
    model.previous_sequence()  # already at 0: nothing
    model.next_sequence()
    model.set_sequence(99)
    model.next_sequence()  # already at the last: nothing
    assert sequences == [1, n - 1]
    assert model.frame_index == t - 1  # the frame number is kept across sequences


@pytest.mark.parametrize("mode", ["loop", "pingpong", "once"])
def test_play_follows_elapsed_time_in_each_loop_mode(model: PlayerModel, mode: str) -> None:
    model.set_loop_mode(mode)
    model.set_fps(20)
    model.play()
    t = model.num_frames
    expected = bounce(t, 3 * t, mode)
    shown = []
    for k in range(1, 3 * t + 1):
        model.clock.now += 1 / 20  # type: ignore[attr-defined]
        model.tick()
        shown.append(model.frame_index)
        if mode == "once" and k >= t - 1:
            assert not model.is_playing  # stopped on the last frame
    assert shown == expected
    assert model.dropped_frames == 0


def test_a_late_tick_skips_frames_instead_of_drifting(model: PlayerModel) -> None:
    model.set_fps(10)
    model.play()
    model.clock.now += 0.35  # type: ignore[attr-defined]  # three and a half periods late
    model.tick()
    assert model.frame_index == 3
    assert model.dropped_frames == 2
    model.clock.now += 0.05  # type: ignore[attr-defined]  # the next boundary, 0.4 s
    model.tick()
    assert model.frame_index == 4


def test_scrubbing_while_playing_continues_from_there(model: PlayerModel) -> None:
    model.set_fps(10)
    model.play()
    model.clock.now += 0.25  # type: ignore[attr-defined]
    model.tick()
    model.set_frame(8)
    model.clock.now += 0.1  # type: ignore[attr-defined]
    model.tick()
    assert model.frame_index == 9


def test_changing_fps_keeps_the_frame(model: PlayerModel) -> None:
    model.play()
    model.clock.now += 0.5  # type: ignore[attr-defined]  # 5 frames at 10 fps
    model.tick()
    assert model.frame_index == 5
    model.set_fps(40)
    model.clock.now += 0.05  # type: ignore[attr-defined]  # 2 frames at 40 fps
    model.tick()
    assert model.frame_index == 7


def test_pingpong_resumes_in_the_direction_it_was_going(model: PlayerModel) -> None:
    t = model.num_frames
    model.set_loop_mode("pingpong")
    model.play()
    model.clock.now += t / 10  # type: ignore[attr-defined]  # past the end: coming back
    model.tick()
    assert model.frame_index == t - 2
    model.pause()
    model.play()
    model.clock.now += 0.1  # type: ignore[attr-defined]
    model.tick()
    assert model.frame_index == t - 3


def test_once_restarts_from_the_beginning_when_played_at_the_end(model: PlayerModel) -> None:
    model.set_loop_mode("once")
    model.last()
    model.play()
    assert model.frame_index == 0 and model.is_playing


def test_fps_is_clamped_and_loop_modes_checked(model: PlayerModel) -> None:
    model.set_fps(1000)
    assert model.fps == 120
    model.set_fps(0)
    assert model.fps == 1
    with pytest.raises(ValueError):
        model.set_loop_mode("sideways")


def test_real_timer_plays_and_measures_fps(qtbot, digit_frames) -> None:
    model = PlayerModel(fps=60)
    model.set_sequence_set(ArraySequenceSet(digit_frames))
    seen: set[int] = set()
    model.frame_changed.connect(seen.add)
    model.play()
    assert model.timer.isActive()
    qtbot.waitUntil(lambda: len(seen) == model.num_frames and model.measured_fps > 0,
                    timeout=10_000)
    model.pause()
    assert not model.timer.isActive()
    assert model.measured_fps == 0


def test_once_stops_by_itself_with_the_real_timer(qtbot, digit_frames) -> None:
    model = PlayerModel(fps=120, loop_mode="once")
    model.set_sequence_set(ArraySequenceSet(digit_frames))
    with qtbot.waitSignal(model.playing_changed, timeout=10_000,
                          check_params_cb=lambda playing: not playing):
        model.play()
    assert model.frame_index == model.num_frames - 1
    assert not model.timer.isActive()


def test_empty_model_ignores_commands(qtbot) -> None:
    model = PlayerModel()
    model.play()
    model.step(1)
    model.next_sequence()
    assert not model.is_playing and model.current_frame() is None
    model.set_sequence_set(ArraySequenceSet(np.zeros((0, 5, 4, 4), np.uint8)))
    assert model.sequence_set is None
