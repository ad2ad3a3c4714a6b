"""Statistics of the generator's ground truth: trajectories, speeds, directions, overlaps, labels.

Conventions:

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

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..ground_truth import GroundTruth
from ..sequences import SequenceSet

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
# Ground truth: trajectories, speeds, directions, overlaps, labels


@dataclass(frozen=True, eq=False)
class Histogram:
    """Counts of values in bins ``edges[i] <= v < edges[i+1]`` (the last bin includes its end)."""

    counts: np.ndarray  # int64 (B,)
    edges: np.ndarray  # float64 (B+1,)

    @property
    def total(self) -> int:
        return int(self.counts.sum())


SPEED_BINS, DIRECTION_BINS = 20, 36
"""Bins of the speed histograms (over [0, :func:`speed_top`]) and of the direction ones."""


def speed_top(values: np.ndarray) -> float | None:
    """The top of a speed histogram's range: the largest finite value rounded up to a whole
    pixel, at least 1 (None when there is no finite value)."""
    values = np.asarray(values, np.float64)
    finite = values[np.isfinite(values)]
    return max(1.0, float(math.ceil(finite.max()))) if finite.size else None


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
    """bool (N, D): slots holding a digit (digit index set, i.e. not -1; the label may be -1
    when the source dataset has no labels)."""
    return np.asarray(gt.digit_index) >= 0


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
    with np.errstate(over="ignore", invalid="ignore"):  # a forged 1e308 velocity: inf, below
        vy, vx = vel[..., 0] * sy, vel[..., 1] * sx
        speed = np.hypot(vy, vx)
    direction = _angle(vy, vx)
    unused = ~valid[:, None, :]
    absurd = ~np.isfinite(speed)  # not a speed at all: unknown (NaN), left out of every mean
    speed[absurd] = np.nan
    direction[absurd] = np.nan
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
    """How many digits of each label the set holds, labels 0..max (at least ``minlength``);
    unused slots and unknown labels (-1: digits from a label-less dataset) are not counted."""
    labels = np.asarray(gt.labels)[_valid_slots(gt)].astype(np.int64)
    labels = labels[labels >= 0]
    return tuple(int(c) for c in np.bincount(labels, minlength=minlength))


class MotionMeans(Protocol):
    """Mean speeds in px/frame: :class:`Motion` (with every digit's speeds) or a set's
    :class:`.ground_truth_sums.MeanSpeeds` (the means only)."""

    @property
    def mean_step_speed(self) -> float: ...

    @property
    def mean_speed(self) -> float: ...


class OverlapFractions(Protocol):
    """Overlap fractions: :class:`Overlap` (per sequence and frame) or a set's
    :class:`.ground_truth_sums.OverlapCounts` (counts per frame)."""

    @property
    def fraction(self) -> float: ...

    @property
    def patch_fraction(self) -> float: ...

    @property
    def per_frame(self) -> np.ndarray: ...


@dataclass(frozen=True, eq=False)
class GroundTruthStats:
    """Everything the ground truth tells about a set.

    From :func:`ground_truth_stats`: ``motion`` is a :class:`Motion` and ``overlap`` an
    :class:`Overlap` (arrays over every digit, O(N)); from a whole set's chunk-wise summary
    (:mod:`.ground_truth_sums`, what :func:`.summary.set_statistics` gives) they hold the
    means and counts only, and ``trajectories`` the first sequences'.
    """

    trajectories: Trajectories
    motion: MotionMeans
    step_speed_histogram: Histogram  # of Motion.step_speed, px/frame
    step_direction_histogram: Histogram  # of Motion.step_direction, degrees
    speed_histogram: Histogram  # of Motion.speed (continuous), px/frame
    direction_histogram: Histogram  # of Motion.direction (continuous), degrees
    overlap: OverlapFractions
    label_counts: tuple[int, ...]


def ground_truth_stats(
    gt: GroundTruth,
    canvas: tuple[int, int] = (64, 64),
    patch: tuple[int, int] = DEFAULT_PATCH,
    step: float = DEFAULT_STEP_LENGTH,
    *,
    speed_bins: int = SPEED_BINS,
    direction_bins: int = DIRECTION_BINS,
) -> GroundTruthStats:
    """Trajectories, speeds, directions with histograms, overlaps and label counts.

    Speed histograms span [0, the largest speed rounded up to a whole pixel (at least 1)];
    direction histograms span [0, 360) degrees.
    """
    mot = motion(gt, canvas, patch, step)

    def speeds(values: np.ndarray) -> Histogram:
        return histogram(values, speed_bins, (0.0, speed_top(values) or 1.0))

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
