"""Ground-truth statistics of a whole set, accumulated chunk by chunk: O(chunk) memory.

:func:`.ground_truth_stats.ground_truth_stats` keeps every digit's speeds, directions and
overlaps as arrays (O(N): 1,000,000 sequences need gigabytes). A whole set is summarised here
instead from sums of chunks of sequences (:func:`chunk_ground_truth_sums`, a task a Dask
worker can run), merged in the order of the chunks (:class:`GroundTruthAccumulator`) into a
:class:`~.ground_truth_stats.GroundTruthStats` whose ``motion`` is a :class:`MeanSpeeds` and
``overlap`` an :class:`OverlapCounts` (same conventions, see that module):

* step speeds and directions come from the integer moves (dy, dx) between frames, counted per
  distinct move, so their histograms are exactly those of the whole arrays;
* the continuous speed histogram spans [0, the largest speed rounded up]: each chunk counts
  over its own range, and when the chunks' ranges differ the counts are made again with the
  set's range (:meth:`GroundTruthAccumulator.needs_speed_pass`, a second pass over the
  velocities only);
* overlaps and labels are counts; trajectories are kept for the first
  :data:`TRAJECTORIES_KEPT` sequences only (what a plot shows).

Means are sums over chunks divided by counts: equal to the whole-array means up to rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..ground_truth import GroundTruth
from .ground_truth_stats import (
    DEFAULT_PATCH,
    DEFAULT_STEP_LENGTH,
    DIRECTION_BINS,
    SPEED_BINS,
    GroundTruthStats,
    Histogram,
    Trajectories,
    _angle,
    _valid_slots,
    histogram,
    label_counts,
    motion,
    overlap,
    speed_top,
    trajectories,
)

TRAJECTORIES_KEPT = 1000
"""Sequences whose trajectories a set's summary keeps (the first ones)."""


@dataclass(frozen=True)
class GroundTruthGeometry:
    """What the statistics need to know about a set besides its ground truth."""

    canvas: tuple[int, int] = (64, 64)  # (height, width) in pixels
    patch: tuple[int, int] = DEFAULT_PATCH  # digit patch (height, width) in pixels
    step: float = DEFAULT_STEP_LENGTH  # the generator's step length


@dataclass(frozen=True, eq=False)
class MeanSpeeds:
    """Mean speeds of a set in px/frame (NaN without any digit or step)."""

    mean_step_speed: float  # from the integer positions
    mean_speed: float  # from the velocities (continuous)


@dataclass(frozen=True, eq=False)
class OverlapCounts:
    """How many sequences have two digits overlapping at each frame (module notes of
    :mod:`.ground_truth_stats`)."""

    ink_frames: np.ndarray  # int64 (T,): sequences whose ink boxes overlap at frame t
    patch_frames: np.ndarray  # int64 (T,): the same for whole patches
    num_sequences: int

    @property
    def fraction(self) -> float:
        """Fraction of all (sequence, frame) pairs with overlapping ink boxes."""
        size = self.num_sequences * len(self.ink_frames)
        return float(self.ink_frames.sum()) / size if size else 0.0

    @property
    def patch_fraction(self) -> float:
        """Fraction of all (sequence, frame) pairs with overlapping patches."""
        size = self.num_sequences * len(self.patch_frames)
        return float(self.patch_frames.sum()) / size if size else 0.0

    @property
    def per_frame(self) -> np.ndarray:
        """Fraction of sequences with overlapping ink boxes at each frame, float64 (T,)."""
        if not self.num_sequences:
            return np.zeros(len(self.ink_frames))
        return self.ink_frames / self.num_sequences


@dataclass(frozen=True, eq=False)
class GroundTruthSums:
    """The sums of one chunk of sequences (see :func:`chunk_ground_truth_sums`)."""

    moves: np.ndarray  # int64 (K, 2): distinct (dy, dx) steps of digits
    move_counts: np.ndarray  # int64 (K,)
    speed_top: float | None  # the chunk's speed range [0, top]; None: no digit
    speed_counts: np.ndarray  # int64 (SPEED_BINS,) over [0, speed_top]
    speed_sum: float  # Σ continuous speeds
    speed_count: int
    direction_counts: np.ndarray  # int64 (DIRECTION_BINS,)
    ink_frames: np.ndarray  # int64 (T,)
    patch_frames: np.ndarray  # int64 (T,)
    labels: np.ndarray  # int64 (L,): counts of labels 0..L-1
    num_sequences: int
    trajectories: Trajectories | None  # of the chunk's first sequences still to keep


def speed_counts(gt: GroundTruth, geometry: GroundTruthGeometry, top: float) -> np.ndarray:
    """int64 (SPEED_BINS,): continuous speeds of ``gt`` counted over [0, ``top``]."""
    speed = motion(gt, geometry.canvas, geometry.patch, geometry.step).speed
    return histogram(speed, SPEED_BINS, (0.0, top)).counts


def chunk_ground_truth_sums(
    gt: GroundTruth, geometry: GroundTruthGeometry, first: int = 0,
    keep: int | None = None,
) -> GroundTruthSums:
    """The sums of the ground truth ``gt`` of sequences ``first:first+n`` of a set; the
    trajectories of those among the first ``keep`` (default :data:`TRAJECTORIES_KEPT`) of
    the set are kept."""
    keep = TRAJECTORIES_KEPT if keep is None else int(keep)
    valid = _valid_slots(gt)
    positions = np.asarray(gt.positions, np.int64)
    steps = np.diff(positions, axis=1)  # (n, T-1, D, 2)
    used = np.broadcast_to(valid[:, None, :], steps.shape[:3])
    moves, move_counts = np.unique(steps[used].reshape(-1, 2), axis=0, return_counts=True)
    mot = motion(gt, geometry.canvas, geometry.patch, geometry.step)
    finite = mot.speed[np.isfinite(mot.speed)]
    top = speed_top(finite)
    counts = (histogram(finite, SPEED_BINS, (0.0, top)).counts if top is not None
              else np.zeros(SPEED_BINS, np.int64))
    ovl = overlap(gt, geometry.patch)
    n = gt.num_sequences
    kept = None
    if first < keep:
        kept = trajectories(gt.select(slice(0, min(n, keep - first))), geometry.patch)
    return GroundTruthSums(
        moves=moves.astype(np.int64).reshape(-1, 2),
        move_counts=move_counts.astype(np.int64),
        speed_top=top, speed_counts=counts,
        speed_sum=float(finite.sum()), speed_count=int(finite.size),
        direction_counts=histogram(mot.direction, DIRECTION_BINS, (0.0, 360.0)).counts,
        ink_frames=ovl.ink.sum(axis=0, dtype=np.int64),
        patch_frames=ovl.patch.sum(axis=0, dtype=np.int64),
        labels=np.asarray(label_counts(gt, minlength=0), np.int64),
        num_sequences=n, trajectories=kept,
    )


def _add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Counts of different lengths added (the shorter padded with zeros)."""
    out = np.zeros(max(len(a), len(b)), np.int64)
    out[:len(a)] += a
    out[:len(b)] += b
    return out


def _weighted(values: np.ndarray, weights: np.ndarray, bins: int,
              value_range: tuple[float, float]) -> Histogram:
    """:func:`.ground_truth_stats.histogram` of values repeated ``weights`` times (the same
    bins as on the repeated values: numpy bins both alike)."""
    keep = np.isfinite(values)
    counts, edges = np.histogram(values[keep], bins=bins, range=value_range,
                                 weights=weights[keep].astype(np.float64))
    return Histogram(np.rint(counts).astype(np.int64), edges.astype(np.float64))


class GroundTruthAccumulator:
    """Merges :class:`GroundTruthSums` of consecutive chunks into a
    :class:`GroundTruthStats`."""

    def __init__(self, num_frames: int) -> None:
        self.moves: dict[tuple[int, int], int] = {}
        self.speed_top: float | None = None
        self.speed_counts = np.zeros(SPEED_BINS, np.int64)
        self.mixed_tops = False  # chunks counted speeds over different ranges
        self.speed_sum, self.speed_count = 0.0, 0
        self.direction_counts = np.zeros(DIRECTION_BINS, np.int64)
        self.ink_frames = np.zeros(num_frames, np.int64)
        self.patch_frames = np.zeros(num_frames, np.int64)
        self.labels = np.zeros(10, np.int64)
        self.num_sequences = 0
        self.kept: list[Trajectories] = []

    def merge(self, part: GroundTruthSums) -> None:
        """Add the sums of the next chunk."""
        for (dy, dx), count in zip(part.moves.tolist(), part.move_counts.tolist(),
                                   strict=True):
            self.moves[dy, dx] = self.moves.get((dy, dx), 0) + count
        if part.speed_top is not None:
            if self.speed_top is None or part.speed_top == self.speed_top:
                self.speed_counts += part.speed_counts
            else:
                self.mixed_tops = True
            self.speed_top = max(self.speed_top or 0.0, part.speed_top)
        self.speed_sum += part.speed_sum
        self.speed_count += part.speed_count
        self.direction_counts += part.direction_counts
        self.ink_frames += part.ink_frames
        self.patch_frames += part.patch_frames
        self.labels = _add(self.labels, part.labels)
        self.num_sequences += part.num_sequences
        if part.trajectories is not None:
            self.kept.append(part.trajectories)

    def needs_speed_pass(self) -> bool:
        """Whether the continuous speeds must be counted again over the set's range
        (:func:`speed_counts` of every chunk with ``top=self.speed_top``, then
        :meth:`set_speed_counts`)."""
        return self.mixed_tops

    def set_speed_counts(self, counts: np.ndarray) -> None:
        """The continuous speed counts of the whole set over [0, ``speed_top``]."""
        self.speed_counts, self.mixed_tops = np.asarray(counts, np.int64), False

    def result(self) -> GroundTruthStats:
        if self.mixed_tops:
            raise RuntimeError("the continuous speeds need a second pass (needs_speed_pass)")
        pairs = np.array(list(self.moves), np.float64).reshape(-1, 2)
        weights = np.array(list(self.moves.values()), np.int64)
        dy, dx = pairs[:, 0], pairs[:, 1]
        lengths = np.hypot(dy, dx)
        step_top = speed_top(lengths) or 1.0
        steps = int(weights.sum())
        continuous_top = self.speed_top or 1.0
        if self.kept:
            traj = Trajectories(*(np.concatenate([getattr(t, f) for t in self.kept])
                                  for f in ("centres", "labels", "valid")))
        else:
            traj = Trajectories(np.zeros((0, len(self.ink_frames), 0, 2)),
                                np.zeros((0, 0), np.int16), np.zeros((0, 0), bool))
        return GroundTruthStats(
            trajectories=traj,
            motion=MeanSpeeds(
                mean_step_speed=float((lengths * weights).sum() / steps) if steps else math.nan,
                mean_speed=(self.speed_sum / self.speed_count if self.speed_count
                            else math.nan)),
            step_speed_histogram=_weighted(lengths, weights, SPEED_BINS, (0.0, step_top)),
            step_direction_histogram=_weighted(_angle(dy, dx), weights, DIRECTION_BINS,
                                               (0.0, 360.0)),
            speed_histogram=Histogram(self.speed_counts.copy(),
                                      np.linspace(0.0, continuous_top, SPEED_BINS + 1)),
            direction_histogram=Histogram(self.direction_counts.copy(),
                                          np.linspace(0.0, 360.0, DIRECTION_BINS + 1)),
            overlap=OverlapCounts(self.ink_frames.copy(), self.patch_frames.copy(),
                                  self.num_sequences),
            label_counts=tuple(int(c) for c in self.labels),
        )
