"""Frame-difference statistics and motion energy of sequences, sets and the digit stream.

Frame differences are ``diff(frames, axis=time)`` on signed values: uint8 frames are widened
before subtracting, so 0 - 255 is -255 and never wraps. Integer frames (up to 16 bits) are
accumulated exactly in int64, so a whole set streamed in chunks gives the same numbers as one
numpy computation on all of it, whatever the chunk size; float frames use float64 and Chan's
merge of (count, mean, M2). Differences are taken inside each sequence, never across two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..jobs import Cancel, Progress, check_cancel, report
from ..sequences import SequenceSet


@dataclass(frozen=True, eq=False)
class FrameDiffStats:
    """Per-pixel statistics over time of the frame differences ``f[t+1] - f[t]``.

    ``count`` difference images were averaged; with none (T = 1), the images are all zero and
    the summaries are None: no data is no value, not "no motion" (JSON null, "n/a" on screen).
    """

    mean: np.ndarray  # float64 (H, W): mean of the signed differences
    std: np.ndarray  # float64 (H, W): standard deviation (ddof=0) of the signed differences
    abs_mean: np.ndarray  # float64 (H, W): mean of |differences| (a motion-energy image)
    count: int  # how many difference images

    @property
    def mean_summary(self) -> float | None:
        """Mean over pixels of :attr:`mean`."""
        return float(self.mean.mean()) if self.count else None

    @property
    def std_summary(self) -> float | None:
        """Mean over pixels of :attr:`std`."""
        return float(self.std.mean()) if self.count else None

    @property
    def abs_mean_summary(self) -> float | None:
        """Mean over pixels of :attr:`abs_mean` (the mean motion energy)."""
        return float(self.abs_mean.mean()) if self.count else None


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
    def mean(self) -> float | None:
        """Mean over sequences and transitions (None when there is none: T = 1)."""
        return float(self.per_sequence.mean()) if self.per_sequence.size else None


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
