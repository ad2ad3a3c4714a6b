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

import math
import secrets
import threading
import weakref
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.random  # loaded now, not on the first generation (it takes a few ms)

from .errors import DataError
from .ground_truth import GroundTruth

MOTIONS = ("original", "reflect", "stochastic")
COMBINES = ("max", "sum")


MAX_SEQUENCE_BYTES = 256 * 2**20
"""The largest single sequence (frames × canvas²) a config may ask for: one whole sequence is
rendered at a time (the GUI shows one), so it must fit in memory comfortably."""


@dataclass(frozen=True)
class GeneratorConfig:
    """Settings of a generated set. Defaults are those of the original Moving MNIST."""

    num_sequences: int = 10_000
    frames: int = 20
    canvas_size: int = 64
    digit_size: int = 28
    digits: int | tuple[int, int] = 2  # a fixed number, or an inclusive (min, max) range
    step_length: float = 0.1
    motion: str = "original"
    combine: str = "max"
    split: str = "train"
    classes: tuple[int, ...] | None = None  # only digits with these labels, or all
    seed: int | None = None  # None: a random seed is chosen (and recorded) by generate()

    def __post_init__(self) -> None:
        digits = self.digits
        if isinstance(digits, (list, tuple)):
            if len(digits) != 2:
                raise DataError(None, f"digits must be a number or a (min, max) pair, not {digits}")
            digits = (_as_int("digits", digits[0]), _as_int("digits", digits[1]))
            if digits[0] == digits[1]:
                digits = digits[0]
        else:
            digits = _as_int("digits", digits)
        object.__setattr__(self, "digits", digits)
        if self.classes is not None:
            classes = tuple(sorted({_as_int("classes", c) for c in self.classes}))
            object.__setattr__(self, "classes", classes)
        for name in ("num_sequences", "frames", "canvas_size", "digit_size"):
            object.__setattr__(self, name, _as_int(name, getattr(self, name)))
        object.__setattr__(self, "step_length", float(self.step_length))
        if self.seed is not None:
            object.__setattr__(self, "seed", _as_int("seed", self.seed))
        self.validate()

    def validate(self) -> None:
        """Raise :class:`DataError` if the settings make no sense."""
        problems = []
        if self.num_sequences < 1:
            problems.append("the number of sequences must be at least 1")
        if self.frames < 1:
            problems.append("the number of frames must be at least 1")
        if self.digit_size < 1 or self.canvas_size < self.digit_size:
            problems.append(
                f"the canvas ({self.canvas_size}) must be at least the digit size "
                f"({self.digit_size})"
            )
        lo, hi = self.digit_range
        if lo < 1 or hi < lo:
            problems.append(
                f"digits per sequence must be at least 1 (and min <= max), not {self.digits}"
            )
        if not 0.0 < self.step_length <= 1.0 or math.isnan(self.step_length):
            problems.append(f"the step length must be in (0, 1], not {self.step_length}")
        if self.motion not in MOTIONS:
            problems.append(f"unknown motion {self.motion!r} (use {', '.join(MOTIONS)})")
        if self.combine not in COMBINES:
            problems.append(f"unknown combine rule {self.combine!r} (use {', '.join(COMBINES)})")
        if self.split not in ("train", "test"):
            problems.append(f"unknown split {self.split!r} (use 'train' or 'test')")
        if self.classes is not None and (not self.classes or min(self.classes) < 0):
            problems.append("the digit classes must be non-negative labels")
        if self.seed is not None and self.seed < 0:
            problems.append("the seed must be a non-negative integer")
        sequence_bytes = self.frames * self.canvas_size**2
        if self.frames >= 1 and self.canvas_size >= 1 and sequence_bytes > MAX_SEQUENCE_BYTES:
            problems.append(
                f"one sequence of {self.frames} frames of {self.canvas_size}x{self.canvas_size} "
                f"would take {sequence_bytes / 2**20:,.0f} MB; at most "
                f"{MAX_SEQUENCE_BYTES // 2**20} MB (fewer frames or a smaller canvas)"
            )
        if problems:
            raise DataError(None, "; ".join(problems))

    @property
    def digit_range(self) -> tuple[int, int]:
        """(min, max) digits per sequence."""
        if isinstance(self.digits, tuple):
            return self.digits
        return self.digits, self.digits

    @property
    def num_slots(self) -> int:
        """D: the largest number of digits in a sequence."""
        return self.digit_range[1]

    @property
    def travel(self) -> int:
        """How far a patch can move, in pixels (canvas - digit)."""
        return self.canvas_size - self.digit_size

    def with_seed(self) -> GeneratorConfig:
        """This config with a concrete seed (a fresh random one if none was set)."""
        if self.seed is not None:
            return self
        return replace(self, seed=secrets.randbits(63))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings."""
        d = asdict(self)
        d["digits"] = list(self.digits) if isinstance(self.digits, tuple) else self.digits
        d["classes"] = None if self.classes is None else list(self.classes)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GeneratorConfig:
        """Settings from :meth:`to_dict` output; unknown keys (source, version...) are ignored."""
        if not isinstance(data, dict):
            kind = type(data).__name__
            raise DataError(None, f"generator settings must be a mapping, not {kind}")
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        for key in ("digits", "classes"):
            if isinstance(kwargs.get(key), list):
                kwargs[key] = tuple(kwargs[key])
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise DataError(None, f"bad generator settings ({exc})") from None


def _as_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return int(value)
        raise DataError(None, f"{name} must be an integer, not {value!r}")
    return int(value)


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


def _ink_rows_cols(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """bool (M, h) and (M, w): which rows and columns of each image hold ink.

    The images are packed to one bit per pixel in one flat pass; a group of k rows
    (k * w bits) then fills whole bytes, so each row is an OR of a few masked bytes.
    """
    m, h, w = images.shape
    k = 8 // math.gcd(w, 8)
    if h % k:
        return images.max(axis=2) > 0, images.max(axis=1) > 0
    bits = np.packbits((images != 0).reshape(-1)).reshape(m, h // k, k * w // 8)
    rows = np.empty((m, h // k, k), dtype=bool)
    for r in range(k):
        first, last = r * w, (r + 1) * w - 1  # bit range of row r in its group
        b0, b1 = first // 8, last // 8
        end_mask = (0xFF << (7 - last % 8)) & 0xFF  # big-endian bits up to `last`
        acc = bits[:, :, b0] & (0xFF >> (first % 8))
        if b1 == b0:
            acc &= end_mask
        else:
            for b in range(b0 + 1, b1):
                acc |= bits[:, :, b]
            acc |= bits[:, :, b1] & end_mask
        rows[:, :, r] = acc != 0
    folded = bits  # OR every group of rows together, halving each time
    while folded.shape[1] > 1:
        half = folded.shape[1] // 2
        merged = folded[:, :half] | folded[:, half:2 * half]
        if folded.shape[1] % 2:
            merged[:, 0] |= folded[:, -1]
        folded = merged
    cols = np.asarray(np.unpackbits(folded[:, 0], axis=1).reshape(m, k, w).any(axis=1))
    return rows.reshape(m, h), cols


def ink_boxes(images: np.ndarray) -> np.ndarray:
    """int32 (M, 4) ink box (x0, y0, x1, y1) of each (M, h, w) image, exclusive; -1 if blank."""
    images = np.ascontiguousarray(images)
    m, h, w = images.shape
    rows, cols = _ink_rows_cols(images)
    blank = ~rows.any(axis=1)
    boxes = np.empty((m, 4), dtype=np.int32)
    boxes[:, 0] = cols.argmax(axis=1)
    boxes[:, 1] = rows.argmax(axis=1)
    boxes[:, 2] = w - cols[:, ::-1].argmax(axis=1)
    boxes[:, 3] = h - rows[:, ::-1].argmax(axis=1)
    boxes[blank] = -1
    return boxes


def frame_boxes(
    positions: np.ndarray, digit_boxes: np.ndarray, used: np.ndarray, canvas_size: int
) -> np.ndarray:
    """int32 (N, T, D, 4) ink boxes in the canvas, clipped; -1 for blank digits / unused slots.

    ``digit_boxes`` (N, D, 4) are the boxes of each slot's digit inside its own patch.
    """
    n, t, d, _ = positions.shape
    boxes = np.empty((n, t, d, 4), dtype=np.int32)
    flat = boxes.reshape(n, t, d * 4)  # strided copies of whole planes: no length-2 loops
    top, left = positions[..., 0], positions[..., 1]
    flat[:, :, 0::4] = left
    flat[:, :, 1::4] = top
    flat[:, :, 2::4] = left
    flat[:, :, 3::4] = top
    boxes += digit_boxes[:, None, :, :]
    np.clip(boxes, 0, canvas_size, out=boxes)
    empty = ~used | (digit_boxes[..., 0] < 0)  # (N, D)
    if empty.any():
        boxes[np.broadcast_to(empty[:, None, :], boxes.shape[:3])] = -1
    return boxes


class _InkBoxTable:
    """Ink boxes of source digits, each computed once per images array and then looked up.

    Generating again from the same (already loaded, never modified) split then costs almost
    nothing for the boxes. Tables are dropped when their images array is freed.
    """

    def __init__(self) -> None:
        self._tables: dict[int, tuple[weakref.ref[np.ndarray], np.ndarray]] = {}
        self._lock = threading.Lock()

    def _table(self, images: np.ndarray) -> np.ndarray:
        key = id(images)
        entry = self._tables.get(key)
        if entry is None or entry[0]() is not images:

            def forget(_ref: object, key: int = key) -> None:
                self._tables.pop(key, None)

            ref = weakref.ref(images, forget)
            entry = (ref, np.full((images.shape[0], 4), -2, dtype=np.int32))  # -2: not yet
            self._tables[key] = entry
        return entry[1]

    def lookup(self, images: np.ndarray, index: np.ndarray, chunk: int = 4096) -> np.ndarray:
        """int32 (*index.shape, 4): the ink boxes of images[index]."""
        flat = index.ravel()
        with self._lock:
            try:
                table = self._table(images)
            except TypeError:  # an object that can't be weakly referenced: no caching
                table = np.full((images.shape[0], 4), -2, dtype=np.int32)
            wanted = np.zeros(images.shape[0], dtype=bool)
            wanted[flat] = True
            todo = np.flatnonzero(wanted & (table[:, 0] == -2))
            for i in range(0, todo.size, chunk):
                part = todo[i:i + chunk]
                table[part] = ink_boxes(images[part])
            return table[flat].reshape((*index.shape, 4))


_ink_table = _InkBoxTable()


def ground_truth(
    config: GeneratorConfig,
    images: np.ndarray,
    labels: np.ndarray,
    draws: RandomDraws | None = None,
) -> GroundTruth:
    """The complete ground truth of a set from the source split's images and labels."""
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (config.digit_size, config.digit_size):
        raise DataError(
            None,
            f"the source digits are {'x'.join(map(str, images.shape[1:]))} but the generator "
            f"is set to {config.digit_size}x{config.digit_size}",
        )
    if draws is None:
        draws = draw(config, labels)
    used = draws.used
    positions, velocity = trajectories(config, draws.start, draws.theta, draws.bounce)
    if not used.all():
        positions[~np.broadcast_to(used[:, None, :], positions.shape[:3])] = 0
        velocity[~np.broadcast_to(used[:, None, :], velocity.shape[:3])] = 0.0
    safe_index = np.where(used, draws.digit_index, 0)
    digit_boxes = _ink_table.lookup(images, safe_index)
    boxes = frame_boxes(positions, digit_boxes, used, config.canvas_size)
    digit_labels = np.where(used, np.asarray(labels)[safe_index].astype(np.int16), -1)
    digit_labels = digit_labels.astype(np.int16)
    start = np.where(used[..., None], draws.start, 0.0)
    return GroundTruth(
        labels=digit_labels,
        digit_index=draws.digit_index.copy(),
        positions=positions,
        start=start,
        velocity=velocity,
        boxes=boxes,
    )
