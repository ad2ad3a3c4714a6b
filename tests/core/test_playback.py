"""Frame arithmetic of playback, checked against a step-by-step reference player."""

from __future__ import annotations

import itertools

import pytest

from mnist_viewer.core import playback


def reference_frames(num_frames: int, start: int, mode: str, steps: int, direction: int = 1):
    """Frames shown after 0..steps ticks by a naive player that moves one frame per tick."""
    frame, d, shown, finished = start, direction, [start], [start == num_frames - 1]
    for _ in range(steps):
        if mode == "loop":
            frame = (frame + 1) % num_frames
        elif mode == "once":
            frame = min(frame + 1, num_frames - 1)
        else:
            if num_frames > 1:
                if not 0 <= frame + d < num_frames:
                    d = -d
                frame += d
        shown.append(frame)
        finished.append(mode == "once" and frame == num_frames - 1)
    return shown, finished


@pytest.mark.parametrize("mode", playback.LOOP_MODES)
@pytest.mark.parametrize("num_frames", [1, 2, 3, 7, 20])
def test_matches_step_by_step_player(mode: str, num_frames: int) -> None:
    fps = 24.0
    for start in range(num_frames):
        directions = (1, -1) if mode == "pingpong" and start > 0 else (1,)
        for direction in directions:
            expected, finished = reference_frames(num_frames, start, mode, 3 * num_frames + 5,
                                                  direction)
            for k, (frame, done) in enumerate(zip(expected, finished, strict=True)):
                # anywhere inside the k-th frame period gives the k-th frame
                for offset in (0.0, 0.3, 0.999):
                    elapsed = (k + offset) / fps
                    got = playback.frame_at(elapsed, fps, num_frames, start, mode, direction)
                    if mode == "once":
                        assert got == (frame, done), (start, k, offset)
                    else:
                        assert got == (frame, False), (start, direction, k, offset)


def test_pingpong_shows_end_frames_once_per_turn() -> None:
    frames = [playback.frame_at(k / 10, 10, 4, 0, "pingpong")[0] for k in range(13)]
    assert frames == [0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0]


def test_pingpong_direction_is_reported() -> None:
    dirs = [playback.position(k / 10, 10, 4, 0, "pingpong").direction for k in range(7)]
    # at frame 3 the player turns around; at 0 it goes forwards again
    assert dirs == [1, 1, 1, -1, -1, -1, 1]


@pytest.mark.parametrize("fps", [1, 7, 24, 25, 30, 59.94, 60, 120])
def test_exact_frame_boundaries_count_as_reached(fps: float) -> None:
    # k / fps computed in floating point must give k steps, not k - 1
    for k in range(0, 5000, 7):
        assert playback.steps_elapsed(k / fps, fps) == k


def test_no_drift_over_a_long_time() -> None:
    # an hour at 60 fps: exactly 216000 frame periods, frame = 216000 mod 20
    assert playback.steps_elapsed(3600.0, 60) == 216_000
    assert playback.frame_at(3600.0 + 0.5 / 60, 60, 20) == (216_000 % 20, False)


def test_negative_elapsed_is_the_start() -> None:
    assert playback.frame_at(-1.0, 30, 10, 4) == (4, False)


def test_next_frame_time_is_the_next_boundary() -> None:
    fps = 30
    for elapsed in (0.0, 0.01, 1 / 30, 0.5, 0.999):
        due = playback.next_frame_time(elapsed, fps)
        assert due > elapsed
        assert playback.steps_elapsed(due, fps) == playback.steps_elapsed(elapsed, fps) + 1


def test_once_finishes_on_the_last_frame_and_stays() -> None:
    for k, start in itertools.product(range(30), range(10)):
        frame, finished = playback.frame_at(k / 5, 5, 10, start, "once")
        assert frame == min(start + k, 9)
        assert finished == (start + k >= 9)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"mode": "bounce"}, "loop mode"),
        ({"num_frames": 0}, "num_frames"),
        ({"start_frame": 10}, "start_frame"),
        ({"fps": 0}, "fps"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict, word: str) -> None:
    args = {"elapsed": 1.0, "fps": 10.0, "num_frames": 10, "start_frame": 0, "mode": "loop"}
    args.update(kwargs)
    with pytest.raises(ValueError, match=word):
        playback.frame_at(**args)


def test_clamp_fps() -> None:
    assert playback.clamp_fps(0.2) == playback.MIN_FPS
    assert playback.clamp_fps(500) == playback.MAX_FPS
    assert playback.clamp_fps(33) == 33.0
