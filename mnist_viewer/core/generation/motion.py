"""Moving MNIST generator settings and motion models: random draws -> :class:`GroundTruth`.

Every model moves each digit in normalised coordinates (y, x) in [0, 1], where 1 means the
patch touches the far edge (travel = canvas - digit pixels). Each frame first takes a step
``p += v * step_length`` and then applies the model's wall rule; the recorded patch position
is ``int(travel * p)`` (truncation), so frame 0 is already one step from the start.

* ``original`` (Srivastava et al. 2015): clamp-and-flip per axis, the overshoot is discarded:
  ``if x <= 0: x = 0, vx = -vx``; ``if x >= 1: x = 1, vx = -vx`` (then the same for y).
* ``reflect``: exact geometric reflection, the overshoot is mirrored back into [0, 1]
  (as TensorFlow Datasets' ``image_as_moving_sequence``).
* ``stochastic`` (SVG, Denton & Fergus 2018): clamped like ``original``, and at each bounce
  a new direction is drawn uniformly from the directions pointing back into the canvas (a
  half circle at a wall, a quarter circle in a corner).

All randomness for a set of N sequences is drawn up front from a seeded generator, in a fixed
order and from separate streams (digit counts, digit choice, starts, bounces), so the same
seed and settings give the same set whatever chunk size or number of workers renders it.
Digits are taken by walking through successive random permutations of the source split (or
of the digits of the chosen classes), like the original, which walks a shuffled index list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.random  # loaded now, not on the first generation (it takes a few ms)

from ..errors import DataError
from .config import GeneratorConfig


@dataclass(frozen=True, eq=False)
class RandomDraws:
    """Every random number a set needs, drawn up front (see :func:`draw`)."""

    digit_index: np.ndarray  # int64 (N, D): index into the source split, -1 for an unused slot
    start: np.ndarray  # float64 (N, D, 2): (y, x) in [0, 1)
    theta: np.ndarray  # float64 (N, D): initial direction in [0, 2π); (vy, vx) = (sin, cos)
    bounce: np.ndarray | None  # float64 (N, T, D) in [0, 1): new directions (stochastic only)

    @property
    def used(self) -> np.ndarray:
        """bool (N, D): which slots hold a digit."""
        return self.digit_index >= 0


def _streams(seed: int) -> list[np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(4)
    return [np.random.Generator(np.random.PCG64(c)) for c in children]


def draw(config: GeneratorConfig, labels: np.ndarray) -> RandomDraws:
    """Draw digit choices, starts, directions (and bounce directions) for the whole set.

    ``labels`` are the labels of the source split (its length is the number of digits).
    Raises :class:`DataError` if the digit-class filter leaves no digit to choose from.
    """
    if config.seed is None:
        raise ValueError("draw() needs a concrete seed: use config.with_seed()")
    n, d, t = config.num_sequences, config.num_slots, config.frames
    counts_rng, digits_rng, start_rng, bounce_rng = _streams(config.seed)
    lo, hi = config.digit_range
    if lo == hi:
        used = np.ones((n, d), dtype=bool)
    else:
        counts = counts_rng.integers(lo, hi + 1, size=n)
        used = np.arange(d)[None, :] < counts[:, None]
    labels = np.asarray(labels)
    if config.classes is None:
        pool = np.arange(labels.shape[0], dtype=np.int64)
    else:
        pool = np.flatnonzero(np.isin(labels, np.asarray(config.classes))).astype(np.int64)
    if pool.size == 0:
        wanted = "any digit" if config.classes is None else f"digits of classes {config.classes}"
        raise DataError(None, f"the source split has no {wanted}")
    need = int(used.sum())
    rounds = -(-need // pool.size)
    walk = np.concatenate([digits_rng.permutation(pool) for _ in range(rounds)])[:need]
    digit_index = np.full((n, d), -1, dtype=np.int64)
    digit_index[used] = walk
    u = start_rng.random((n, d, 3))
    start = np.ascontiguousarray(u[..., :2])
    theta = u[..., 2] * (2 * np.pi)
    bounce = bounce_rng.random((n, t, d)) if config.motion == "stochastic" else None
    return RandomDraws(digit_index, start, theta, bounce)


def trajectories(
    config: GeneratorConfig,
    start: np.ndarray,
    theta: np.ndarray,
    bounce: np.ndarray | None = None,
    block: int = 4096,
) -> tuple[np.ndarray, np.ndarray]:
    """Move every digit of every sequence at once (a loop over frames only).

    ``start`` float64 (N, D, 2) as (y, x), ``theta`` float64 (N, D); ``bounce`` (N, T, D)
    uniforms in [0, 1) for the stochastic model. Returns ``positions`` int32 (N, T, D, 2) as
    (top, left) and ``velocity`` float64 (N, T, D, 2) as (vy, vx) used to reach each frame.
    Sets of more than 4 blocks are moved ``block`` sequences at a time, which bounds the
    working memory (the result is the same: every sequence moves independently).
    """
    n, d = theta.shape
    if config.motion == "stochastic" and bounce is None:
        raise ValueError("the stochastic model needs bounce draws")
    if n <= 4 * block:
        return _move(config, start, theta, bounce)
    positions = np.empty((n, config.frames, d, 2), dtype=np.int32)
    velocity = np.empty((n, config.frames, d, 2), dtype=np.float64)
    for a in range(0, n, block):
        b = min(n, a + block)
        pos, vel = _move(config, start[a:b], theta[a:b], None if bounce is None else bounce[a:b])
        positions[a:b] = pos
        velocity[a:b] = vel
    return positions, velocity


def _move(
    config: GeneratorConfig, start: np.ndarray, theta: np.ndarray, bounce: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    n, d = theta.shape
    frames, step, travel = config.frames, config.step_length, config.travel
    p = np.array(start, dtype=np.float64)  # (n, D, 2): (y, x), updated in place
    v = np.stack([np.sin(theta), np.cos(theta)], axis=-1)  # (n, D, 2): (vy, vx)
    flat_p = p.reshape(-1)
    v_bits = v.view(np.uint64)
    # filled frame by frame in time-major order (contiguous writes), transposed at the end
    positions = np.empty((frames, n, d, 2), dtype=np.int32)
    velocity = np.empty((frames, n, d, 2), dtype=np.float64)
    move = np.empty_like(p)
    for t in range(frames):
        velocity[t] = v
        np.multiply(v, step, out=move)
        p += move
        if config.motion == "reflect":
            low, high = p < 0, p > 1.0
            out_low, out_high = np.flatnonzero(low), np.flatnonzero(high)
            flat_p[out_low] = -flat_p[out_low]
            flat_p[out_high] = 2.0 - flat_p[out_high]  # one reflection is enough: step <= 1
            _flip_signs(v_bits, low | high)
        else:
            low, high = p <= 0, p >= 1.0
            np.clip(p, 0.0, 1.0, out=p)  # the same values as "if p <= 0: p = 0" etc.
            if config.motion == "original":
                _flip_signs(v_bits, low | high)
            else:
                assert bounce is not None
                _new_directions(v, low, high, bounce[:, t])
        np.multiply(p, travel, out=move)
        positions[t] = move  # float -> int32 truncates, as int(36 * y)
    return _sequence_major(positions), _sequence_major(velocity)


def _flip_signs(bits: np.ndarray, where: np.ndarray) -> None:
    """v = -v where asked, on the float64 bit patterns (exactly IEEE negation, fast)."""
    np.bitwise_xor(bits, where.astype(np.uint64) << np.uint64(63), out=bits)


def _sequence_major(a: np.ndarray) -> np.ndarray:
    """(T, N, D, 2) -> C-contiguous (N, T, D, 2), moving whole (D, 2) records at once."""
    t, n = a.shape[:2]
    width = a[0, 0].nbytes
    records = a.reshape(t, n, -1).view(f"V{width}")[..., 0]
    return np.ascontiguousarray(records.T).view(a.dtype).reshape((n, t, *a.shape[2:]))


def _new_directions(v: np.ndarray, low: np.ndarray, high: np.ndarray, u: np.ndarray) -> None:
    """Point ``v`` in a random direction back into the canvas wherever a digit hit a wall.

    The direction is uniform over the half circle facing away from the wall, or over the
    quarter circle facing away from both walls in a corner.
    """
    flip = low | high
    hit = np.flatnonzero(flip[..., 0] | flip[..., 1])  # flat (N * D) indices
    if hit.size == 0:
        return
    low, high = low.reshape(-1, 2)[hit], high.reshape(-1, 2)[hit]
    ny = low[:, 0].astype(np.int8) - high[:, 0]  # inward normal, components -1, 0 or 1
    nx = low[:, 1].astype(np.int8) - high[:, 1]
    width = np.where((ny != 0) & (nx != 0), np.pi / 2, np.pi)
    angle = np.arctan2(ny, nx) + (u.reshape(-1)[hit] - 0.5) * width
    flat = v.reshape(-1, 2)
    flat[hit, 0] = np.sin(angle)
    flat[hit, 1] = np.cos(angle)
