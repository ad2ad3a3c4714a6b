"""Frame arithmetic of playback: which frame to show after some time, in each loop mode.

Playback is anchored: it starts at ``start_frame`` at a known instant and the frame shown later
is computed from the elapsed time only, ``steps = floor(elapsed * fps)``. Nothing is
accumulated tick by tick, so playback keeps the requested rate and never drifts, however
irregular the timer that asks.

Loop modes:

- ``"loop"``: ... T-2, T-1, 0, 1, ...
- ``"pingpong"``: ... T-2, T-1, T-2, ..., 1, 0, 1, ... (the end frames are shown once per turn)
- ``"once"``: stops on the last frame (``finished`` becomes true there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LOOP_MODES = ("loop", "pingpong", "once")
MIN_FPS = 1.0
MAX_FPS = 120.0

# Tolerance on elapsed * fps so that an exact frame boundary computed in floating point
# (e.g. 0.1 s at 30 fps = 2.9999999999999996 steps) counts as reached.
_EPS = 1e-9


@dataclass(frozen=True)
class PlaybackPosition:
    """Where playback is: the frame to show, its direction of travel, whether it has ended."""

    frame: int
    direction: int  # +1 forwards, -1 backwards (ping-pong only goes backwards)
    finished: bool  # "once" mode reached the last frame
    steps: int  # whole frame periods elapsed since the anchor


def check_mode(mode: str) -> str:
    """Return ``mode`` if it is a loop mode, else raise ValueError."""
    if mode not in LOOP_MODES:
        raise ValueError(f"unknown loop mode {mode!r} (use {', '.join(LOOP_MODES)})")
    return mode


def steps_elapsed(elapsed: float, fps: float) -> int:
    """Whole frame periods in ``elapsed`` seconds at ``fps`` (0 for negative elapsed time)."""
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    if elapsed <= 0:
        return 0
    return math.floor(elapsed * fps + _EPS)


def next_frame_time(elapsed: float, fps: float) -> float:
    """Seconds since the anchor at which the next frame is due (the next period boundary)."""
    return (steps_elapsed(elapsed, fps) + 1) / fps


def position(
    elapsed: float,
    fps: float,
    num_frames: int,
    start_frame: int = 0,
    mode: str = "loop",
    direction: int = 1,
) -> PlaybackPosition:
    """The frame to show ``elapsed`` seconds after playback started at ``start_frame``.

    ``direction`` is the direction of travel at the start (only ping-pong uses -1).
    """
    check_mode(mode)
    if num_frames < 1:
        raise ValueError(f"num_frames must be at least 1, got {num_frames}")
    if not 0 <= start_frame < num_frames:
        raise ValueError(f"start_frame {start_frame} out of range 0..{num_frames - 1}")
    steps = steps_elapsed(elapsed, fps)
    last = num_frames - 1
    if mode == "loop":
        return PlaybackPosition((start_frame + steps) % num_frames, 1, False, steps)
    if mode == "once":
        frame = min(start_frame + steps, last)
        return PlaybackPosition(frame, 1, frame == last, steps)
    # ping-pong: unfold the bounce into a cycle of 2 * last positions
    if last == 0:
        return PlaybackPosition(0, 1, False, steps)
    period = 2 * last
    phase = start_frame if direction >= 0 or start_frame == 0 else period - start_frame
    q = (phase + steps) % period
    if q < last:
        return PlaybackPosition(q, 1, False, steps)
    return PlaybackPosition(period - q, -1, False, steps)


def frame_at(
    elapsed: float,
    fps: float,
    num_frames: int,
    start_frame: int = 0,
    mode: str = "loop",
    direction: int = 1,
) -> tuple[int, bool]:
    """``(frame, finished)`` — the short form of :func:`position`."""
    pos = position(elapsed, fps, num_frames, start_frame, mode, direction)
    return pos.frame, pos.finished


def clamp_fps(fps: float) -> float:
    """``fps`` limited to the range the player offers (1..120)."""
    return min(MAX_FPS, max(MIN_FPS, float(fps)))
