"""Comparisons of two sequences or two digits: differences, RMS and correlation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .frames import FrameDiffStats, _check_stack, _signed, frame_diff_stats

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
