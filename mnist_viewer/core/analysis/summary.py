"""Everything about a set in one result (:class:`SetStatistics`), as a summary and as rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..compute import Engine
from ..jobs import Cancel, Progress, check_cancel
from ..sequences import SequenceSet
from .frames import FrameDiffStats, MotionEnergy, _range, set_frame_stats
from .ground_truth_stats import (
    GROUND_TRUTH_STATISTICS,
    NO_GROUND_TRUTH,
    GroundTruthStats,
    Histogram,
    ground_truth_stats,
    patch_size,
    step_length,
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
    chunk_size: int = 256,
    engine: Engine | None = None,
) -> SetStatistics:
    """All statistics of sequences ``start:stop`` (default: the whole set); the frames are
    read in chunks computed on ``engine`` (Dask, see :mod:`..compute`)."""
    start, stop = _range(seqset.num_sequences, start, stop)
    diff, energy = set_frame_stats(
        seqset, progress, cancel, start=start, stop=stop, chunk_size=chunk_size, engine=engine
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
