"""Motion models, vectorised over many sequences: random draws -> positions and velocities.

Models that move in normalised coordinates (y, x) in [0, 1] (1: the patch touches the far edge,
travel = canvas - digit pixels): ``original``, ``reflect`` and ``stochastic`` first take a step
``p += v * step_length`` and then apply the wall rule, so frame 0 is already one step from the
start; the recorded patch position is ``int(travel * p)`` (truncation).

* ``original`` (Srivastava et al. 2015, the released ``mnist_test_seq.npy`` generator):
  clamp-and-flip per axis, the overshoot is discarded: ``if x <= 0: x = 0, vx = -vx``;
  ``if x >= 1: x = 1, vx = -vx`` (then the same for y).
* ``reflect``: exact geometric reflection, the overshoot is mirrored back into [0, 1], in
  float64 with truncation (our own model; for TensorFlow Datasets' rule use ``tfds``).
* ``stochastic``: clamped like ``original``, and at each bounce a new direction is drawn
  uniformly from the directions pointing back into the canvas (a half circle at a wall, a
  quarter circle in a corner). Angles are computed in float64 (``math``), so every new
  direction points strictly inward.
* ``tfds`` (TensorFlow Datasets ``image_as_moving_sequence``): frame t is at
  ``start + v * t`` (frame 0 at the start, no initial step), in float32, folded into [0, 1]
  by ``p % 2`` then ``min(p, 2 - p)``, placed at ``round(travel * p)`` (half to even).
* ``svg`` / ``svg-deterministic`` (Denton & Fergus 2018, ``edenton/svg``
  ``data/moving_mnist.py``): integer pixel positions from ``[0, travel)`` and integer
  velocities from -4..4. Each frame, per axis (y first, then x): a position below 0 is set to
  0, one at or beyond ``travel`` to ``travel - 1``, and the velocity is redrawn (``svg``: the
  component away from the wall from 1..4, the other from -4..4) or that component flipped
  (``svg-deterministic``); the frame is recorded there, then the digit moves by its
  velocity. ``step_length`` is not used; velocities are stored as ``v_px / (step * travel)``
  so that, as for every model, ``velocity * step_length * travel`` is in px/frame.
"""

from __future__ import annotations

import math

import numpy as np

from .config import GeneratorConfig
from .draws import RandomDraws


def trajectories(
    config: GeneratorConfig, draws: RandomDraws, block: int = 4096
) -> tuple[np.ndarray, np.ndarray]:
    """Move every digit of the drawn sequences at once (a loop over frames only).

    Returns ``positions`` int32 (n, T, D, 2) as (top, left) and ``velocity`` float64
    (n, T, D, 2) as (vy, vx) (see the module docstring for each model's convention). More than
    4 blocks of sequences are moved ``block`` at a time, which bounds the working memory (the
    result is the same: every sequence moves independently). Unused slots are moved too
    (callers zero them).
    """
    n, d = draws.theta.shape
    if n <= 4 * block:
        return _move(config, draws)
    positions = np.empty((n, config.frames, d, 2), dtype=np.int32)
    velocity = np.empty((n, config.frames, d, 2), dtype=np.float64)
    for a in range(0, n, block):
        b = min(n, a + block)
        positions[a:b], velocity[a:b] = _move(config, draws.select(a, b))
    return positions, velocity


def _move(config: GeneratorConfig, draws: RandomDraws) -> tuple[np.ndarray, np.ndarray]:
    if config.motion == "tfds":
        return tfds_move(config, draws.start, draws.direction)
    if config.motion in ("svg", "svg-deterministic"):
        return _svg_move(config, draws)
    n, d = draws.theta.shape
    frames, step, travel = config.frames, config.step_length, config.travel
    p = np.array(draws.start, dtype=np.float64)  # (n, D, 2): (y, x), updated in place
    v = draws.direction.copy()  # (n, D, 2): (vy, vx)
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
                assert draws.bounce is not None
                _new_directions(v, low, high, draws.bounce[:, t])
        np.multiply(p, travel, out=move)
        positions[t] = move  # float -> int32 truncates, as int(36 * y)
    return _sequence_major(positions), _sequence_major(velocity)


def tfds_move(
    config: GeneratorConfig, start: np.ndarray, direction: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """TFDS's closed form for (n, D, 2) starts and unit directions (see the module docstring).

    Returns positions int32 (n, T, D, 2) and velocity float64 (n, T, D, 2): the direction,
    its sign flipped on the folded-back half of each period.
    """
    t = np.arange(config.frames, dtype=np.float32)[None, :, None, None]
    v = direction.astype(np.float32) * np.float32(config.step_length)
    p = start.astype(np.float32)[:, None] + v[:, None] * t  # float32, as TFDS
    p = p % np.float32(2)
    back = p > 1
    p = np.minimum(np.float32(2) - p, p)
    positions = np.rint(p * np.float32(config.travel)).astype(np.int32)
    velocity = np.where(back, -direction[:, None], direction[:, None])
    return positions, velocity


def _svg_move(config: GeneratorConfig, draws: RandomDraws) -> tuple[np.ndarray, np.ndarray]:
    assert draws.pixel_start is not None and draws.pixel_velocity is not None
    n, d = draws.theta.shape
    frames, travel = config.frames, config.travel
    s = draws.pixel_start.astype(np.int64)  # (n, D, 2): (y, x)
    v = draws.pixel_velocity.astype(np.int64)
    redraw = draws.redraw
    positions = np.empty((n, frames, d, 2), dtype=np.int32)
    velocity = np.empty((n, frames, d, 2), dtype=np.int64)
    for t in range(frames):
        for axis in (0, 1):  # y first, then x, as SVG
            other = 1 - axis
            pos = s[..., axis]
            low, high = pos < 0, pos >= travel
            pos[low] = 0
            pos[high] = travel - 1
            hit = low | high
            if redraw is None:  # svg-deterministic: flip
                v[..., axis][hit] *= -1
            else:
                away = redraw[:, t, :, 2 * axis].astype(np.int64)
                v[..., axis] = np.where(low, away, np.where(high, -away, v[..., axis]))
                v[..., other] = np.where(hit, redraw[:, t, :, 2 * axis + 1], v[..., other])
        positions[:, t] = s
        velocity[:, t] = v
        s += v
    return positions, velocity / (config.step_length * travel)


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
    normal = low.astype(np.int64) - high  # inward normal, components -1, 0 or 1
    flat = v.reshape(-1, 2)
    for k, (ny, nx), r in zip(hit.tolist(), normal.tolist(), u.reshape(-1)[hit].tolist(),
                              strict=True):
        flat[k] = new_direction(ny, nx, r)


def new_direction(ny: int, nx: int, u: float) -> tuple[float, float]:
    """(vy, vx): a direction uniform over those pointing away from walls with inward normal
    (ny, nx) (a half circle, or a quarter circle in a corner), from one uniform ``u`` in
    [0, 1). Computed in float64 with :mod:`math` (exactly the same in every code path); the
    tangent directions at the ends of the range (``u == 0``) are replaced by the middle."""
    width = math.pi / 2 if ny and nx else math.pi
    if u == 0.0:
        u = 0.5
    angle = math.atan2(ny, nx) + (u - 0.5) * width
    return math.sin(angle), math.cos(angle)
