"""One sequence's motion, in plain Python floats: fast random access for training loops.

The vectorised :mod:`.motion` moves thousands of sequences at once but costs ~1 ms even for
one; a single sequence is moved here in tens of microseconds instead. Both paths perform the
same IEEE float64 operations in the same order (``p + v * step``, clamp, flip, ``int(travel *
p)``; stochastic bounce angles through :func:`.motion.new_direction`), so their results are
bit-identical (a test checks every model); ``tfds`` reuses the closed form on one row.
"""

from __future__ import annotations

import numpy as np

from .config import GeneratorConfig
from .draws import RandomDraws
from .motion import new_direction, tfds_move


def move_one(
    config: GeneratorConfig, draws: RandomDraws, row: int
) -> tuple[np.ndarray, np.ndarray]:
    """positions int32 (T, D, 2) and velocity float64 (T, D, 2) of sequence ``row`` of
    ``draws``, equal to ``motion.trajectories(config, draws)`` at that row."""
    if config.motion == "tfds":
        p, v = tfds_move(config, draws.start[row:row + 1], draws.direction[row:row + 1])
        return p[0], v[0]
    if config.motion in ("svg", "svg-deterministic"):
        return _svg_one(config, draws, row)
    frames, step, travel = config.frames, config.step_length, config.travel
    motion = config.motion
    d = draws.theta.shape[1]
    positions = np.empty((d, frames, 2), dtype=np.int32)
    velocity = np.empty((d, frames, 2), dtype=np.float64)
    bounce = None if draws.bounce is None else draws.bounce[row].T.tolist()  # (D, T)
    for j, ((y, x), (vy, vx)) in enumerate(zip(draws.start[row].tolist(),
                                               draws.direction[row].tolist(), strict=True)):
        pos: list[tuple[int, int]] = []
        vel: list[tuple[float, float]] = []
        for t in range(frames):
            vel.append((vy, vx))
            y = y + vy * step
            x = x + vx * step
            if motion == "reflect":
                if y < 0:
                    y, vy = -y, -vy
                elif y > 1.0:
                    y, vy = 2.0 - y, -vy
                if x < 0:
                    x, vx = -x, -vx
                elif x > 1.0:
                    x, vx = 2.0 - x, -vx
            else:
                ny = (y <= 0) - (y >= 1.0)
                nx = (x <= 0) - (x >= 1.0)
                if ny or nx:
                    y = min(max(y, 0.0), 1.0)
                    x = min(max(x, 0.0), 1.0)
                    if motion == "original":
                        vy = -vy if ny else vy
                        vx = -vx if nx else vx
                    else:
                        assert bounce is not None
                        vy, vx = new_direction(ny, nx, bounce[j][t])
            pos.append((int(travel * y), int(travel * x)))
        positions[j] = pos
        velocity[j] = vel
    return positions.transpose(1, 0, 2), velocity.transpose(1, 0, 2)


def _svg_one(config: GeneratorConfig, draws: RandomDraws, row: int
             ) -> tuple[np.ndarray, np.ndarray]:
    assert draws.pixel_start is not None and draws.pixel_velocity is not None
    frames, travel = config.frames, config.travel
    d = draws.theta.shape[1]
    redraw = None if draws.redraw is None else draws.redraw[row].tolist()  # (T, D, 4)
    positions = np.empty((frames, d, 2), dtype=np.int32)
    velocity = np.empty((frames, d, 2), dtype=np.int64)
    for j in range(d):
        s = draws.pixel_start[row, j].tolist()
        v = draws.pixel_velocity[row, j].tolist()
        for t in range(frames):
            for axis in (0, 1):
                hit = 0
                if s[axis] < 0:
                    s[axis], hit = 0, 1
                elif s[axis] >= travel:
                    s[axis], hit = travel - 1, -1
                if hit and redraw is None:
                    v[axis] = -v[axis]
                elif hit and redraw is not None:
                    r = redraw[t][j]
                    v[axis] = hit * r[2 * axis]
                    v[1 - axis] = r[2 * axis + 1]
            positions[t, j] = s
            velocity[t, j] = v
            s = [s[0] + v[0], s[1] + v[1]]
    return positions, velocity / (config.step_length * travel)
