"""Everything about a set in one result (:class:`SetStatistics`), as a summary and as rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..compute import Engine, chunk_ranges, run_chunks, statistics_engine
from ..jobs import Cancel, Progress
from ..sequences import SequenceSet
from .frames import (
    FrameDiffStats,
    FrameStatsAccumulator,
    MotionEnergy,
    _ChunkSums,
    chunk_sums_task,
    job_range,
)
from .ground_truth_stats import (
    GROUND_TRUTH_STATISTICS,
    NO_GROUND_TRUTH,
    GroundTruthStats,
    Histogram,
    patch_size,
    step_length,
)
from .ground_truth_sums import (
    SPEED_BINS,
    GroundTruthAccumulator,
    GroundTruthGeometry,
    GroundTruthSums,
    chunk_ground_truth_sums,
    speed_counts,
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


@dataclass(frozen=True)
class _Job:
    """What a chunk task needs (pickled once to each Dask worker)."""

    seqset: SequenceSet
    start: int  # of the whole range (trajectories are kept for its first sequences)
    geometry: GroundTruthGeometry | None  # None: no ground truth
    speed_top: float = 1.0  # for the second pass over the continuous speeds


def _statistics_task(job: _Job, start: int, stop: int
                     ) -> tuple[_ChunkSums, GroundTruthSums | None]:
    """The frame sums and ground-truth sums of sequences ``start:stop`` (a Dask task)."""
    frames = chunk_sums_task(job.seqset, start, stop)
    truth = job.seqset.ground_truth
    if job.geometry is None or truth is None:
        return frames, None
    part = truth.select(slice(start, stop))  # a lazy set's: only these sequences' blocks
    return frames, chunk_ground_truth_sums(part, job.geometry, start - job.start)


def _speed_task(job: _Job, start: int, stop: int) -> np.ndarray:
    """The continuous speeds of sequences ``start:stop`` counted over [0, job.speed_top]."""
    truth = job.seqset.ground_truth
    assert truth is not None and job.geometry is not None
    return speed_counts(truth.select(slice(start, stop)), job.geometry, job.speed_top)


def set_statistics(
    seqset: SequenceSet,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    *,
    start: int = 0,
    stop: int | None = None,
    chunk_size: int = 256,
    engine: Engine | None = None,
) -> SetStatistics:
    """All statistics of sequences ``start:stop`` (default: the whole set).

    The frames and the ground truth are read together in chunks of ``chunk_size`` sequences,
    each a task on ``engine`` (Dask; by default a thread per CPU core,
    :func:`..compute.statistics_engine`), and merged in order: memory is
    O(chunk) (plus 8 bytes per frame transition for the motion energy), so a lazy set of
    1,000,000 sequences never holds its whole ground truth. When the chunks' continuous
    speeds span different ranges, those are counted again in a second pass over the ground
    truth (:mod:`.ground_truth_sums`). ``progress`` gets (sequences done, sequences to do) of
    the first pass; ``cancel`` is checked between chunks. Raises IndexError for a range
    outside the set.
    """
    start, stop = job_range(seqset, start, stop, chunk_size)
    frames = FrameStatsAccumulator(seqset, start, stop)
    truth = None
    geometry = None
    if seqset.ground_truth is not None:
        truth = GroundTruthAccumulator(seqset.num_frames)
        geometry = GroundTruthGeometry((seqset.height, seqset.width), patch_size(seqset),
                                       step_length(seqset))
    job = _Job(seqset, start, geometry)

    def consume(first: int, last: int, part: tuple[_ChunkSums, GroundTruthSums | None]
                ) -> None:
        frames.merge(first, last, part[0])
        if truth is not None and part[1] is not None:
            truth.merge(part[1])

    ranges = chunk_ranges(start, stop, chunk_size)
    run_chunks(_statistics_task, job, ranges, consume, statistics_engine(engine), progress,
               cancel)
    if truth is not None and truth.needs_speed_pass():
        counts = np.zeros(SPEED_BINS, np.int64)

        def add(_first: int, _last: int, part: np.ndarray) -> None:
            counts[:] += part

        run_chunks(_speed_task, replace(job, speed_top=truth.speed_top or 1.0), ranges, add,
                   engine, None, cancel)
        truth.set_speed_counts(counts)
    diff, energy = frames.result()
    gt_stats = None if truth is None else truth.result()
    return SetStatistics(
        start=start,
        num_sequences=stop - start,
        num_frames=seqset.num_frames,
        height=seqset.height,
        width=seqset.width,
        diff=diff,
        energy=energy,
        ground_truth=gt_stats,
        missing=() if gt_stats is not None else GROUND_TRUTH_STATISTICS,
        missing_reason="" if gt_stats is not None else NO_GROUND_TRUTH,
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
