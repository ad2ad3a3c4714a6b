"""Random draws of a generated set, made per fixed-size block of sequences.

Sequences ``[b * BLOCK, (b + 1) * BLOCK)`` form block ``b``. Each block has its own random
generator, ``PCG64(SeedSequence(seed, spawn_key=(b,)))`` (NumPy's documented way of making
independent streams from one seed), and always draws for all ``BLOCK`` sequences in a fixed
order, even when the set ends inside it. So sequence ``i`` depends only on (settings, seed, i):
a set of any size starts in O(BLOCK) time and memory, any range can be drawn on its own (by a
chunk, a worker process or a training-loop dataset), and a larger set with the same seed
starts with the smaller one.

Digit choice (generator version 2): each block takes the digits of its sequences without
replacement from the split (or from the digits of the chosen classes); blocks choose
independently, so a digit may recur in another block. When a block needs more digits than the
pool holds, it walks successive random permutations of the pool. (Version 1 walked
permutations of the whole split across the whole set, as the original's shuffled index list.)

Order of the draws in a block: digit counts (only for a (min, max) range), digit choice,
``random((BLOCK, D, 3))`` (start y, start x, direction / 2π), then per motion model:
``stochastic`` bounce uniforms ``(BLOCK, T, D)``; ``svg``/``svg-deterministic`` integer starts
in ``[0, travel)`` and velocities in -4..4 ``(BLOCK, D, 2)``; ``svg`` the redraws at wall hits
``(BLOCK, T, D, 4)``: (|vy| 1..4, vx -4..4) for a y wall, (|vx| 1..4, vy -4..4) for an x wall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.random  # loaded now, not on the first generation (it takes a few ms)

from ..errors import DataError
from .config import GeneratorConfig

BLOCK = 64
"""Sequences per random block. Part of the generator's definition (changing it changes sets)."""

GENERATOR_VERSION = 2
"""Bumped whenever the same settings and seed give other frames. 1: whole-set draws (up to
mnist-viewer 0.x); 2: per-block draws, digits chosen per block, svg and tfds models."""

SVG_SPEED = 4  # SVG's velocities are integers in -4..4, redrawn at walls from 1..4


@dataclass(frozen=True, eq=False)
class RandomDraws:
    """Every random number of sequences ``first : first + n`` (see the module docstring)."""

    first: int  # index of the first sequence
    digit_index: np.ndarray  # int64 (n, D): index into the source split, -1 for an unused slot
    start: np.ndarray  # float64 (n, D, 2): (y, x) in [0, 1)
    theta: np.ndarray  # float64 (n, D): initial direction in [0, 2π); (vy, vx) = (sin, cos)
    direction: np.ndarray  # float64 (n, D, 2): (sin theta, cos theta)
    bounce: np.ndarray | None  # float64 (n, T, D) in [0, 1): new directions (stochastic)
    pixel_start: np.ndarray | None  # int64 (n, D, 2): (y, x) in [0, travel) (svg models)
    pixel_velocity: np.ndarray | None  # int64 (n, D, 2): (vy, vx) in -4..4 (svg models)
    redraw: np.ndarray | None  # int8 (n, T, D, 4): velocities drawn at wall hits (svg)

    def __len__(self) -> int:
        return int(self.digit_index.shape[0])

    @property
    def used(self) -> np.ndarray:
        """bool (n, D): which slots hold a digit."""
        return self.digit_index >= 0

    def select(self, a: int, b: int) -> RandomDraws:
        """The draws of sequences ``first + a : first + b``."""
        def cut(x: np.ndarray | None) -> np.ndarray | None:
            return None if x is None else x[a:b]
        return RandomDraws(
            self.first + a, self.digit_index[a:b], self.start[a:b], self.theta[a:b],
            self.direction[a:b], cut(self.bounce), cut(self.pixel_start),
            cut(self.pixel_velocity), cut(self.redraw),
        )


def digit_pool(config: GeneratorConfig, labels: np.ndarray) -> np.ndarray:
    """int64 indices of the split's digits the config may use (all, or those of its classes).

    Raises :class:`DataError` if the class filter leaves none.
    """
    labels = np.asarray(labels)
    if config.classes is None:
        pool = np.arange(labels.shape[0], dtype=np.int64)
    else:
        pool = np.flatnonzero(np.isin(labels, np.asarray(config.classes))).astype(np.int64)
    if pool.size == 0:
        wanted = "any digit" if config.classes is None else f"digits of classes {config.classes}"
        raise DataError(None, f"the source split has no {wanted}")
    return pool


def _choose(rng: np.random.Generator, pool: np.ndarray, need: int) -> np.ndarray:
    """``need`` digits of ``pool``, without replacement while the pool lasts."""
    m = pool.size
    if need > m:  # a small pool: walk successive permutations
        rounds = -(-need // m)
        return np.concatenate([rng.permutation(pool) for _ in range(rounds)])[:need]
    pick = rng.integers(0, m, size=need)
    while True:  # redraw repeats, in order, until all differ (rarely more than one round)
        repeat = _repeats(pick)
        if repeat is None:
            return pool[pick]
        pick[repeat] = rng.integers(0, m, size=int(repeat.sum()))


def _repeats(values: np.ndarray) -> np.ndarray | None:
    """bool mask of the values equal to an earlier one (None if all differ).

    A Python set for the few hundred picks of one block (np.unique sorts; this is several
    times faster at that size, and the mask is the same)."""
    listed = values.tolist()
    if len(set(listed)) == len(listed):
        return None
    seen: set[int] = set()
    repeat = np.zeros(len(listed), dtype=bool)
    for i, v in enumerate(listed):
        if v in seen:
            repeat[i] = True
        seen.add(v)
    return repeat


def block_draws(config: GeneratorConfig, pool: np.ndarray, block: int) -> RandomDraws:
    """All draws of random block ``block`` (``BLOCK`` sequences, whatever the set's size)."""
    if config.seed is None:
        raise ValueError("drawing needs a concrete seed: use config.with_seed()")
    n, d, t = BLOCK, config.num_slots, config.frames
    seq = np.random.SeedSequence(config.seed, spawn_key=(int(block),))
    rng = np.random.Generator(np.random.PCG64(seq))
    lo, hi = config.digit_range
    if lo == hi:
        used = np.ones((n, d), dtype=bool)
    else:
        counts = rng.integers(lo, hi + 1, size=n)
        used = np.arange(d)[None, :] < counts[:, None]
    digit_index = np.full((n, d), -1, dtype=np.int64)
    digit_index[used] = _choose(rng, pool, int(used.sum()))
    u = rng.random((n, d, 3))
    start = np.ascontiguousarray(u[..., :2])
    theta = u[..., 2] * (2 * np.pi)
    direction = np.stack([np.sin(theta), np.cos(theta)], axis=-1)
    bounce = pixel_start = pixel_velocity = redraw = None
    if config.motion == "stochastic":
        bounce = rng.random((n, t, d))
    if config.motion in ("svg", "svg-deterministic"):
        pixel_start = rng.integers(0, config.travel, size=(n, d, 2))
        pixel_velocity = rng.integers(-SVG_SPEED, SVG_SPEED + 1, size=(n, d, 2))
        if config.motion == "svg":
            redraw = np.empty((n, t, d, 4), dtype=np.int8)
            redraw[..., 0::2] = rng.integers(1, SVG_SPEED + 1, size=(n, t, d, 2))
            redraw[..., 1::2] = rng.integers(-SVG_SPEED, SVG_SPEED + 1, size=(n, t, d, 2))
    return RandomDraws(block * BLOCK, digit_index, start, theta, direction, bounce,
                       pixel_start, pixel_velocity, redraw)


def _concat(parts: list[RandomDraws]) -> RandomDraws:
    def cat(name: str) -> np.ndarray | None:
        arrays = [getattr(p, name) for p in parts]
        return None if arrays[0] is None else np.concatenate(arrays)
    return RandomDraws(
        parts[0].first, *(cat(name) for name in (  # type: ignore[arg-type]
            "digit_index", "start", "theta", "direction", "bounce", "pixel_start",
            "pixel_velocity", "redraw")),
    )


def draw(
    config: GeneratorConfig,
    labels: np.ndarray,
    start: int = 0,
    stop: int | None = None,
    pool: np.ndarray | None = None,
) -> RandomDraws:
    """The draws of sequences ``start:stop`` (default: the whole set), from their blocks.

    ``labels`` are the labels of the source split (its length is the number of digits);
    ``pool`` (from :func:`digit_pool`) may be passed to skip recomputing it. Time and memory
    are O(stop - start + BLOCK), whatever the set's size. Raises :class:`DataError` if the
    digit-class filter leaves no digit to choose from.
    """
    stop = config.num_sequences if stop is None else int(stop)
    start = int(start)
    if not 0 <= start <= stop:
        raise IndexError(f"sequences {start}:{stop} out of range")
    if pool is None:
        pool = digit_pool(config, labels)
    first, last = start // BLOCK, max(start // BLOCK, -(-stop // BLOCK) - 1)
    parts = [block_draws(config, pool, b) for b in range(first, last + 1)]
    whole = parts[0] if len(parts) == 1 else _concat(parts)
    offset = first * BLOCK
    return whole.select(start - offset, stop - offset)
