"""Statistics of sequences, sequence sets and the digit stream, as pure functions.

Every function returns a small frozen dataclass (or an array) and never changes its input.

Frame differences are ``diff(frames, axis=time)`` on signed values: uint8 frames are widened
before subtracting, so 0 - 255 is -255 and never wraps. Integer frames (up to 16 bits) are
accumulated exactly in int64, so a whole set streamed in chunks gives the same numbers as one
numpy computation on all of it, whatever the chunk size; float frames use float64 and Chan's
merge of (count, mean, M2). Differences are taken inside each sequence, never across two.

Conventions for the ground-truth statistics:

* positions are pixel coordinates where pixel (row, col) covers [row, row+1) × [col, col+1);
  the centre of a patch at (top, left) of size (ph, pw) is (top + ph/2, left + pw/2).
* a step speed is the length of the move between consecutive frames from the integer patch
  positions, in px/frame; the continuous speed is the length of the generator's velocity
  times its step length, converted to px/frame (see :func:`velocity_scale`). For the
  original settings that is 0.1 × (64 - 28) = 3.6 px/frame, while the step speeds scatter
  around it (positions are truncated to whole pixels, and a bounce shortens the step).
* a direction is an angle in degrees in [0, 360), counter-clockwise from +x (right) with
  y pointing up on the screen (so 90 is up, 270 is down); a step with no move has none (NaN).
* two digits overlap in a frame when their ink boxes (x0, y0, x1, y1; x1/y1 exclusive) share
  at least one pixel; the patch overlap uses the whole digit patches instead. The overlap
  fraction is the number of (sequence, frame) pairs in which at least one pair of digits
  overlaps, divided by the number of all (sequence, frame) pairs (sequences with one digit
  count as frames without overlap). Empty or unused slots never overlap.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .ground_truth import GroundTruth
from .jobs import Cancel, Progress, atomic_path, check_cancel, report
from .sequences import SequenceSet

DEFAULT_PATCH = (28, 28)
"""Digit patch size (height, width) assumed when a set does not say (MNIST digits)."""

DEFAULT_STEP_LENGTH = 0.1
"""Generator step length (normalised units per frame) assumed when a set does not say."""

GROUND_TRUTH_STATISTICS = (
    "trajectories",
    "speed",
    "direction",
    "overlap_fraction",
    "label_counts",
)
"""Statistics that need the generator's ground truth (listed in ``missing`` without it)."""

NO_GROUND_TRUTH = "needs ground truth: this set holds frames only"


# --------------------------------------------------------------------------------------------
# Frame differences


@dataclass(frozen=True, eq=False)
class FrameDiffStats:
    """Per-pixel statistics over time of the frame differences ``f[t+1] - f[t]``.

    ``count`` difference images were averaged; with none, the images are all zero.
    """

    mean: np.ndarray  # float64 (H, W): mean of the signed differences
    std: np.ndarray  # float64 (H, W): standard deviation (ddof=0) of the signed differences
    abs_mean: np.ndarray  # float64 (H, W): mean of |differences| (a motion-energy image)
    count: int  # how many difference images

    @property
    def mean_summary(self) -> float:
        """Mean over pixels of :attr:`mean`."""
        return float(self.mean.mean())

    @property
    def std_summary(self) -> float:
        """Mean over pixels of :attr:`std`."""
        return float(self.std.mean())

    @property
    def abs_mean_summary(self) -> float:
        """Mean over pixels of :attr:`abs_mean` (the mean motion energy)."""
        return float(self.abs_mean.mean())


def _signed(frames: np.ndarray) -> np.ndarray:
    """``frames`` in a signed type wide enough for their differences (int16, int32 or float64)."""
    kind, size = frames.dtype.kind, frames.dtype.itemsize
    if kind == "b" or (kind in "iu" and size == 1):
        return frames.astype(np.int16)
    if kind in "iu" and size == 2:
        return frames.astype(np.int32)
    if kind in "iu":
        raise ValueError(f"integer frames wider than 16 bits are not supported: {frames.dtype}")
    return frames.astype(np.float64)


class _DiffAccumulator:
    """Running per-pixel moments of difference images, merged chunk by chunk."""

    def __init__(self, shape: tuple[int, int]) -> None:
        self.shape = shape
        self.count = 0
        self.exact: bool | None = None  # integer (exact) or float accumulation, set by add()
        self.total = np.zeros(shape, np.int64)
        self.squares = np.zeros(shape, np.int64)
        self.absolute = np.zeros(shape, np.int64)
        self.fmean = np.zeros(shape, np.float64)
        self.fm2 = np.zeros(shape, np.float64)
        self.fabs = np.zeros(shape, np.float64)

    def add(self, diffs: np.ndarray) -> np.ndarray:
        """Add difference images (..., H, W); return the sum of |d| per image (...)."""
        k = int(np.prod(diffs.shape[:-2], dtype=np.int64))
        exact = diffs.dtype.kind == "i"
        if self.exact is None:
            self.exact = exact
        elif self.exact != exact:
            raise ValueError("cannot mix integer and float frames in one statistic")
        axes = tuple(range(diffs.ndim - 2))
        magnitude = np.abs(diffs)
        if k == 0:
            return magnitude.sum(axis=(-2, -1), dtype=np.int64 if exact else np.float64)
        if exact:
            self.total += diffs.sum(axis=axes, dtype=np.int64)
            self.squares += np.square(diffs, dtype=np.int64 if diffs.itemsize > 2 else np.int32
                                      ).sum(axis=axes, dtype=np.int64)
            self.absolute += magnitude.sum(axis=axes, dtype=np.int64)
            self.count += k
            return magnitude.sum(axis=(-2, -1), dtype=np.int64)
        # Chan et al.: merge (count, mean, M2) of this chunk into the running ones.
        flat = diffs.reshape((k, *self.shape))
        mean = flat.mean(axis=0)
        m2 = np.square(flat - mean).sum(axis=0)
        n = self.count + k
        delta = mean - self.fmean
        self.fmean = self.fmean + delta * (k / n)
        self.fm2 = self.fm2 + m2 + np.square(delta) * (self.count * k / n)
        self.fabs += magnitude.sum(axis=axes)
        self.count = n
        return magnitude.sum(axis=(-2, -1))

    def result(self) -> FrameDiffStats:
        n = self.count
        if n == 0:
            zero = np.zeros(self.shape, np.float64)
            return FrameDiffStats(zero, zero.copy(), zero.copy(), 0)
        if self.exact:
            mean = self.total / n
            # n·Σd² - (Σd)² exactly, in Python integers (no overflow), then one rounding.
            numerator = self.squares.astype(object) * n - np.square(self.total.astype(object))
            var = numerator.astype(np.float64) / float(n * n)
            absolute = self.absolute / n
        else:
            mean, var, absolute = self.fmean.copy(), self.fm2 / n, self.fabs / n
        std = np.sqrt(np.maximum(var, 0.0))
        return FrameDiffStats(mean, std, absolute, n)


def _check_stack(frames: np.ndarray, what: str = "frames") -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 3:
        raise ValueError(f"{what} must be (T, H, W), got shape {frames.shape}")
    return frames


def frame_diff_stats(frames: np.ndarray) -> FrameDiffStats:
    """Mean, standard deviation and mean magnitude over time of ``diff(frames, axis=0)``.

    ``frames`` is one sequence (T, H, W); the result images are (H, W) float64.
    """
    frames = _check_stack(frames)
    acc = _DiffAccumulator(frames.shape[1:])
    acc.add(np.diff(_signed(frames), axis=0))
    return acc.result()


def motion_energy(frames: np.ndarray) -> np.ndarray:
    """Mean absolute difference between consecutive frames: float64 (T-1,) for (T, H, W)."""
    frames = _check_stack(frames)
    d = np.abs(np.diff(_signed(frames), axis=0))
    pixels = frames.shape[1] * frames.shape[2]
    return d.sum(axis=(1, 2), dtype=np.float64) / pixels if pixels else np.zeros(len(d))


@dataclass(frozen=True, eq=False)
class MotionEnergy:
    """Motion energy (mean |f[t+1] - f[t]| over pixels) of every sequence of a set."""

    per_sequence: np.ndarray  # float64 (N, T-1)

    @property
    def curve(self) -> np.ndarray:
        """Mean over sequences per frame transition, float64 (T-1,)."""
        if len(self.per_sequence) == 0:
            return np.zeros(self.per_sequence.shape[1], np.float64)
        return self.per_sequence.mean(axis=0)

    @property
    def mean(self) -> float:
        """Mean over sequences and transitions (0.0 when there is none)."""
        return float(self.per_sequence.mean()) if self.per_sequence.size else 0.0


def _range(num: int, start: int, stop: int | None) -> tuple[int, int]:
    stop = num if stop is None else int(stop)
    start = int(start)
    if not 0 <= start <= stop <= num:
        raise IndexError(f"range {start}:{stop} out of 0:{num}")
    return start, stop


def set_frame_stats(
    seqset: SequenceSet,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    *,
    start: int = 0,
    stop: int | None = None,
    chunk_size: int = 64,
) -> tuple[FrameDiffStats, MotionEnergy]:
    """Frame-difference statistics and motion energy of sequences ``start:stop`` of a set.

    Reads the set ``chunk_size`` sequences at a time; pools the T-1 difference images of every
    sequence (never differencing across two sequences). ``progress`` gets (sequences done,
    sequences to do); ``cancel`` is checked before each chunk (raises Cancelled).
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    start, stop = _range(seqset.num_sequences, start, stop)
    total = stop - start
    acc = _DiffAccumulator((seqset.height, seqset.width))
    transitions = max(seqset.num_frames - 1, 0)
    energy = np.zeros((total, transitions), np.float64)
    pixels = max(seqset.height * seqset.width, 1)
    report(progress, 0, total)
    for first in range(start, stop, chunk_size):
        check_cancel(cancel)
        last = min(first + chunk_size, stop)
        chunk = np.asarray(seqset.chunk(first, last))
        sums = acc.add(np.diff(_signed(chunk), axis=1))
        energy[first - start:last - start] = sums / pixels
        report(progress, last - start, total)
    return acc.result(), MotionEnergy(energy)


def set_frame_diff_stats(
    seqset: SequenceSet,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    *,
    start: int = 0,
    stop: int | None = None,
    chunk_size: int = 64,
) -> FrameDiffStats:
    """Frame-difference statistics of sequences ``start:stop``, streamed in chunks."""
    return set_frame_stats(seqset, progress, cancel, start=start, stop=stop,
                           chunk_size=chunk_size)[0]


def digit_stream_diff_stats(
    images: np.ndarray,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    *,
    start: int = 0,
    stop: int | None = None,
    chunk_size: int = 4096,
) -> FrameDiffStats:
    """Statistics of ``images[1:] - images[:-1]`` over digits ``start:stop`` (the digit stream).

    ``images`` is a dataset's (N, H, W) array, read ``chunk_size`` digits at a time;
    ``progress`` gets (digits done, digits to do).
    """
    images = _check_stack(images, "images")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    start, stop = _range(len(images), start, stop)
    total = stop - start
    acc = _DiffAccumulator(images.shape[1:])
    report(progress, 0, total)
    for first in range(start, stop, chunk_size):
        check_cancel(cancel)
        last = min(first + chunk_size, stop)
        # One digit of overlap with the next chunk, so no difference is lost at the seam.
        block = _signed(np.asarray(images[first:min(last + 1, stop)]))
        acc.add(np.diff(block, axis=0))
        report(progress, last - start, total)
    return acc.result()


# --------------------------------------------------------------------------------------------
# Comparisons


@dataclass(frozen=True, eq=False)
class Comparison:
    """Two sequences side by side: their frame-difference statistics and how they differ."""

    first: FrameDiffStats
    second: FrameDiffStats
    mean_difference: np.ndarray  # float64 (H, W): first.mean - second.mean
    std_difference: np.ndarray  # float64 (H, W): first.std - second.std
    mean_distance: float  # mean over pixels of |mean_difference|
    std_distance: float  # mean over pixels of |std_difference|
    frames_rms: float  # root mean square of the signed frames first - second (all frames)

    @property
    def identical(self) -> bool:
        """True when the two inputs had equal frames."""
        return self.frames_rms == 0.0


def _rms(a: np.ndarray, b: np.ndarray) -> float:
    d = _signed(a) - _signed(b)
    if d.size == 0:
        return 0.0
    return math.sqrt(float(np.square(d, dtype=np.float64).mean()))


def compare(a: np.ndarray, b: np.ndarray) -> Comparison:
    """Compare two sequences (T, H, W) of the same shape (e.g. two windows of the digit stream).

    Two identical sequences compare as all zeros.
    """
    a, b = _check_stack(a, "first"), _check_stack(b, "second")
    if a.shape != b.shape:
        raise ValueError(f"cannot compare shapes {a.shape} and {b.shape}")
    first, second = frame_diff_stats(a), frame_diff_stats(b)
    mean_difference = first.mean - second.mean
    std_difference = first.std - second.std
    return Comparison(
        first=first,
        second=second,
        mean_difference=mean_difference,
        std_difference=std_difference,
        mean_distance=float(np.abs(mean_difference).mean()),
        std_distance=float(np.abs(std_difference).mean()),
        frames_rms=_rms(a, b),
    )


@dataclass(frozen=True, eq=False)
class DigitComparison:
    """Two digit images and their signed difference."""

    difference: np.ndarray  # float64 (H, W): first - second
    mean_abs: float  # mean over pixels of |difference|
    rms: float  # root mean square of difference


def compare_digits(a: np.ndarray, b: np.ndarray) -> DigitComparison:
    """Compare two digit images (H, W) of the same shape; identical digits give zeros."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"digits must be two (H, W) images of one shape: {a.shape}, {b.shape}")
    difference = (_signed(a) - _signed(b)).astype(np.float64)
    return DigitComparison(
        difference=difference,
        mean_abs=float(np.abs(difference).mean()),
        rms=_rms(a, b),
    )


# --------------------------------------------------------------------------------------------
# Ground truth: trajectories, speeds, directions, overlaps, labels


@dataclass(frozen=True, eq=False)
class Histogram:
    """Counts of values in bins ``edges[i] <= v < edges[i+1]`` (the last bin includes its end)."""

    counts: np.ndarray  # int64 (B,)
    edges: np.ndarray  # float64 (B+1,)

    @property
    def total(self) -> int:
        return int(self.counts.sum())


def histogram(values: np.ndarray, bins: int, value_range: tuple[float, float]) -> Histogram:
    """Histogram of the finite ``values`` (NaN are left out) in ``bins`` equal bins."""
    values = np.asarray(values, np.float64).ravel()
    counts, edges = np.histogram(values[np.isfinite(values)], bins=bins, range=value_range)
    return Histogram(counts.astype(np.int64), edges.astype(np.float64))


def patch_size(seqset: SequenceSet) -> tuple[int, int]:
    """The digit patch size (height, width) of a set: its config's ``digit_size``, else 28×28."""
    value = (seqset.config or {}).get("digit_size")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value, value
    return DEFAULT_PATCH


def step_length(seqset: SequenceSet) -> float:
    """The generator's step length of a set: from its config, else :data:`DEFAULT_STEP_LENGTH`."""
    value = (seqset.config or {}).get("step_length")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    return DEFAULT_STEP_LENGTH


def velocity_scale(
    canvas: tuple[int, int], patch: tuple[int, int], step: float = DEFAULT_STEP_LENGTH
) -> tuple[float, float]:
    """Pixels per frame for one unit of ground-truth velocity along (y, x).

    The generator moves ``velocity * step`` per frame in coordinates normalised to [0, 1]
    over the range a patch can travel (``canvas - patch`` pixels along each axis).
    """
    return float(step * (canvas[0] - patch[0])), float(step * (canvas[1] - patch[1]))


@dataclass(frozen=True, eq=False)
class Trajectories:
    """Centres of the digit patches over time; NaN in unused slots."""

    centres: np.ndarray  # float64 (N, T, D, 2): (y, x) in pixels
    labels: np.ndarray  # int16 (N, D): -1 for unused slots
    valid: np.ndarray  # bool (N, D): the slot holds a digit


def _valid_slots(gt: GroundTruth) -> np.ndarray:
    """bool (N, D): slots holding a digit (label and digit index both set, i.e. not -1)."""
    return (np.asarray(gt.labels) >= 0) & (np.asarray(gt.digit_index) >= 0)


def trajectories(gt: GroundTruth, patch: tuple[int, int] = DEFAULT_PATCH) -> Trajectories:
    """Per-digit paths: the centre (top + ph/2, left + pw/2) of each patch in each frame."""
    valid = _valid_slots(gt)
    centres = np.asarray(gt.positions, np.float64) + np.array(patch, np.float64) / 2.0
    centres[~np.broadcast_to(valid[:, None, :, None], centres.shape)] = np.nan
    return Trajectories(centres, np.asarray(gt.labels), valid)


def _angle(dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
    """Degrees in [0, 360), counter-clockwise from +x with y up on screen; NaN for no move."""
    with np.errstate(invalid="ignore"):
        angle = np.degrees(np.arctan2(-dy, dx)) % 360.0
    angle[(dy == 0) & (dx == 0)] = np.nan
    return angle


@dataclass(frozen=True, eq=False)
class Motion:
    """Speeds and directions of every digit; NaN in unused slots (and for no-move steps)."""

    step_speed: np.ndarray  # float64 (N, T-1, D): |position[t+1] - position[t]| in px/frame
    step_direction: np.ndarray  # float64 (N, T-1, D): degrees, NaN where the digit did not move
    speed: np.ndarray  # float64 (N, T, D): |velocity| in px/frame (continuous)
    direction: np.ndarray  # float64 (N, T, D): degrees of the velocity

    @property
    def mean_step_speed(self) -> float:
        """Mean step speed in px/frame over every digit and step (NaN without any)."""
        return _nanmean(self.step_speed)

    @property
    def mean_speed(self) -> float:
        """Mean continuous speed in px/frame (NaN without any)."""
        return _nanmean(self.speed)


def _nanmean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else math.nan


def motion(
    gt: GroundTruth,
    canvas: tuple[int, int] = (64, 64),
    patch: tuple[int, int] = DEFAULT_PATCH,
    step: float = DEFAULT_STEP_LENGTH,
) -> Motion:
    """Speeds and directions from the integer positions and from the velocities."""
    valid = _valid_slots(gt)
    positions = np.asarray(gt.positions, np.float64)
    moves = np.diff(positions, axis=1)  # (N, T-1, D, 2)
    dy, dx = moves[..., 0], moves[..., 1]
    step_speed = np.hypot(dy, dx)
    step_direction = _angle(dy, dx)
    sy, sx = velocity_scale(canvas, patch, step)
    vel = np.asarray(gt.velocity, np.float64)
    vy, vx = vel[..., 0] * sy, vel[..., 1] * sx
    speed = np.hypot(vy, vx)
    direction = _angle(vy, vx)
    unused = ~valid[:, None, :]
    for array in (step_speed, step_direction, speed, direction):
        array[np.broadcast_to(unused, array.shape)] = np.nan
    return Motion(step_speed, step_direction, speed, direction)


@dataclass(frozen=True, eq=False)
class Overlap:
    """Which frames have two digits overlapping (see the module notes for the definition)."""

    ink: np.ndarray  # bool (N, T): some pair of ink boxes shares a pixel
    patch: np.ndarray  # bool (N, T): some pair of digit patches shares a pixel

    @property
    def fraction(self) -> float:
        """Fraction of all (sequence, frame) pairs with overlapping ink boxes."""
        return float(self.ink.mean()) if self.ink.size else 0.0

    @property
    def patch_fraction(self) -> float:
        """Fraction of all (sequence, frame) pairs with overlapping patches."""
        return float(self.patch.mean()) if self.patch.size else 0.0

    @property
    def per_frame(self) -> np.ndarray:
        """Fraction of sequences with overlapping ink boxes at each frame, float64 (T,)."""
        return self.ink.mean(axis=0) if len(self.ink) else np.zeros(self.ink.shape[1])


def _any_pair_intersects(boxes: np.ndarray, present: np.ndarray) -> np.ndarray:
    """boxes (N, T, D, 4) as (x0, y0, x1, y1) exclusive; present (N, T, D) -> bool (N, T)."""
    n, t, d = present.shape
    out = np.zeros((n, t), bool)
    for i in range(d):
        for j in range(i + 1, d):
            a, b = boxes[:, :, i], boxes[:, :, j]
            meet = (
                (a[..., 0] < b[..., 2]) & (b[..., 0] < a[..., 2])
                & (a[..., 1] < b[..., 3]) & (b[..., 1] < a[..., 3])
            )
            out |= meet & present[:, :, i] & present[:, :, j]
    return out


def overlap(gt: GroundTruth, patch: tuple[int, int] = DEFAULT_PATCH) -> Overlap:
    """Frames where the ink boxes (and the patches) of two digits intersect."""
    valid = _valid_slots(gt)
    boxes = np.asarray(gt.boxes, np.int64)
    ink_present = (
        valid[:, None, :] & (boxes[..., 2] > boxes[..., 0]) & (boxes[..., 3] > boxes[..., 1])
    )
    pos = np.asarray(gt.positions, np.int64)
    top, left = pos[..., 0], pos[..., 1]
    patches = np.stack([left, top, left + patch[1], top + patch[0]], axis=-1)
    patch_present = np.broadcast_to(valid[:, None, :], top.shape)
    return Overlap(
        ink=_any_pair_intersects(boxes, ink_present),
        patch=_any_pair_intersects(patches, patch_present),
    )


def label_counts(gt: GroundTruth, minlength: int = 10) -> tuple[int, ...]:
    """How many digits of each label the set holds (unused slots are not counted)."""
    labels = np.asarray(gt.labels)[_valid_slots(gt)].astype(np.int64)
    return tuple(int(c) for c in np.bincount(labels, minlength=minlength))


@dataclass(frozen=True, eq=False)
class GroundTruthStats:
    """Everything the ground truth tells about a set."""

    trajectories: Trajectories
    motion: Motion
    step_speed_histogram: Histogram  # of Motion.step_speed, px/frame
    step_direction_histogram: Histogram  # of Motion.step_direction, degrees
    speed_histogram: Histogram  # of Motion.speed (continuous), px/frame
    direction_histogram: Histogram  # of Motion.direction (continuous), degrees
    overlap: Overlap
    label_counts: tuple[int, ...]


def ground_truth_stats(
    gt: GroundTruth,
    canvas: tuple[int, int] = (64, 64),
    patch: tuple[int, int] = DEFAULT_PATCH,
    step: float = DEFAULT_STEP_LENGTH,
    *,
    speed_bins: int = 20,
    direction_bins: int = 36,
) -> GroundTruthStats:
    """Trajectories, speeds, directions with histograms, overlaps and label counts.

    Speed histograms span [0, the largest speed rounded up to a whole pixel (at least 1)];
    direction histograms span [0, 360) degrees.
    """
    mot = motion(gt, canvas, patch, step)

    def speeds(values: np.ndarray) -> Histogram:
        finite = values[np.isfinite(values)]
        top = max(1.0, float(math.ceil(finite.max()))) if finite.size else 1.0
        return histogram(values, speed_bins, (0.0, top))

    return GroundTruthStats(
        trajectories=trajectories(gt, patch),
        motion=mot,
        step_speed_histogram=speeds(mot.step_speed),
        step_direction_histogram=histogram(mot.step_direction, direction_bins, (0.0, 360.0)),
        speed_histogram=speeds(mot.speed),
        direction_histogram=histogram(mot.direction, direction_bins, (0.0, 360.0)),
        overlap=overlap(gt, patch),
        label_counts=label_counts(gt),
    )


# --------------------------------------------------------------------------------------------
# Everything about a set


@dataclass(frozen=True, eq=False)
class SetStatistics:
    """Every statistic computable for sequences ``start:start+num_sequences`` of a set.

    Without ground truth, ``ground_truth`` is None and ``missing`` names the statistics that
    could not be computed, ``missing_reason`` says why.
    """

    start: int
    num_sequences: int
    num_frames: int
    height: int
    width: int
    diff: FrameDiffStats
    energy: MotionEnergy
    ground_truth: GroundTruthStats | None
    missing: tuple[str, ...]
    missing_reason: str


def set_statistics(
    seqset: SequenceSet,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    *,
    start: int = 0,
    stop: int | None = None,
    chunk_size: int = 64,
) -> SetStatistics:
    """All statistics of sequences ``start:stop`` (default: the whole set)."""
    start, stop = _range(seqset.num_sequences, start, stop)
    diff, energy = set_frame_stats(
        seqset, progress, cancel, start=start, stop=stop, chunk_size=chunk_size
    )
    gt_stats = None
    missing: tuple[str, ...] = GROUND_TRUTH_STATISTICS
    reason = NO_GROUND_TRUTH
    if seqset.ground_truth is not None:
        check_cancel(cancel)
        gt_stats = ground_truth_stats(
            seqset.ground_truth.select(slice(start, stop)),
            (seqset.height, seqset.width),
            patch_size(seqset),
            step_length(seqset),
        )
        missing, reason = (), ""
    return SetStatistics(
        start=start,
        num_sequences=stop - start,
        num_frames=seqset.num_frames,
        height=seqset.height,
        width=seqset.width,
        diff=diff,
        energy=energy,
        ground_truth=gt_stats,
        missing=missing,
        missing_reason=reason,
    )


def sequence_statistics(
    seqset: SequenceSet, index: int, cancel: Cancel | None = None
) -> SetStatistics:
    """All statistics of one sequence of a set."""
    index = int(index)
    if not 0 <= index < seqset.num_sequences:
        raise IndexError(f"sequence {index} out of range 0..{seqset.num_sequences - 1}")
    return set_statistics(seqset, None, cancel, start=index, stop=index + 1)


def _finite_or_none(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _histograms(gt: GroundTruthStats) -> tuple[tuple[str, Histogram], ...]:
    return (
        ("step_speed_histogram", gt.step_speed_histogram),
        ("step_direction_histogram", gt.step_direction_histogram),
        ("speed_histogram", gt.speed_histogram),
        ("direction_histogram", gt.direction_histogram),
    )


def summary(stats: SetStatistics) -> dict[str, Any]:
    """The numbers of ``stats`` as plain JSON-ready values (no images, no per-digit arrays)."""
    out: dict[str, Any] = {
        "start": stats.start,
        "num_sequences": stats.num_sequences,
        "frames": stats.num_frames,
        "height": stats.height,
        "width": stats.width,
        "motion_energy": [float(v) for v in stats.energy.curve],
        "mean_motion_energy": stats.energy.mean,
        "diff_mean": stats.diff.mean_summary,
        "diff_std": stats.diff.std_summary,
        "diff_abs_mean": stats.diff.abs_mean_summary,
        "ground_truth": stats.ground_truth is not None,
        "missing": list(stats.missing),
        "missing_reason": stats.missing_reason,
    }
    gt = stats.ground_truth
    if gt is not None:
        out.update({
            "mean_speed_px": _finite_or_none(gt.motion.mean_step_speed),
            "mean_continuous_speed_px": _finite_or_none(gt.motion.mean_speed),
            "overlap_fraction": gt.overlap.fraction,
            "patch_overlap_fraction": gt.overlap.patch_fraction,
            "label_counts": list(gt.label_counts),
            **{name: {"counts": hist.counts.tolist(), "edges": hist.edges.tolist()}
               for name, hist in _histograms(gt)},
        })
    return out


# --------------------------------------------------------------------------------------------
# CSV


def statistics_rows(stats: SetStatistics) -> list[tuple[str, str, str]]:
    """``stats`` as (statistic, key, value) rows of text, the long format of the CSV export."""
    rows: list[tuple[str, str, str]] = []

    def add(name: str, key: object, value: object) -> None:
        if value is None:
            text = ""
        elif isinstance(value, float):
            text = repr(value)  # full precision
        else:
            text = str(value)
        rows.append((name, str(key), text))

    data = summary(stats)
    for name in ("start", "num_sequences", "frames", "height", "width", "mean_motion_energy",
                 "diff_mean", "diff_std", "diff_abs_mean", "mean_speed_px",
                 "mean_continuous_speed_px", "overlap_fraction", "patch_overlap_fraction"):
        if name in data:
            add(name, "", data[name])
    for t, value in enumerate(stats.energy.curve):
        add("motion_energy", f"{t}->{t + 1}", float(value))
    gt = stats.ground_truth
    if gt is not None:
        for label, count in enumerate(gt.label_counts):
            add("label_count", label, count)
        for name, hist in _histograms(gt):
            for lo, hi, count in zip(hist.edges[:-1], hist.edges[1:], hist.counts, strict=True):
                add(name, f"{lo:g}..{hi:g}", int(count))
        for t, value in enumerate(gt.overlap.per_frame):
            add("overlap_per_frame", t, float(value))
    for name in stats.missing:
        add("missing", name, stats.missing_reason)
    return rows


def write_csv(
    path: str | os.PathLike[str],
    rows: Iterable[Sequence[object]],
    header: Sequence[str] | None = None,
) -> None:
    """Write ``rows`` (and ``header``) as CSV, atomically (no partial file on failure)."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)


def write_statistics_csv(path: str | os.PathLike[str], stats: SetStatistics) -> None:
    """Write :func:`statistics_rows` with the header ``statistic,key,value``."""
    write_csv(path, statistics_rows(stats), ("statistic", "key", "value"))


def write_image_csv(path: str | os.PathLike[str], image: np.ndarray) -> None:
    """Write a 2-D float image (e.g. a frame-difference mean) as one CSV row per image row."""
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D, got shape {image.shape}")
    write_csv(path, ([repr(float(v)) for v in row] for row in image))
