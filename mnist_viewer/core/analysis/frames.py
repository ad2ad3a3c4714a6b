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

from ..compute import Engine, chunk_ranges, run_chunks, statistics_engine
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

    def merge(self, part: _ChunkSums) -> None:
        """Add the exact sums of one chunk of uint8 sequences (see :func:`chunk_sums`)."""
        if self.exact is False:
            raise ValueError("cannot mix integer and float frames in one statistic")
        self.exact = True
        self.total += part.total
        self.squares += part.squares
        self.absolute += part.absolute
        self.count += part.count

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


@dataclass(frozen=True, eq=False)
class _ChunkSums:
    """Exact integer sums of the frame differences of a chunk of k uint8 sequences."""

    total: np.ndarray  # int64 (H, W): Σ d
    squares: np.ndarray  # int64 (H, W): Σ d²
    absolute: np.ndarray  # int64 (H, W): Σ |d|
    count: int  # difference images, k·(T-1)
    per_image: np.ndarray  # int64 (k, T-1): Σ |d| over the pixels of each difference image


def chunk_sums(frames: np.ndarray) -> _ChunkSums:
    """The exact sums of ``diff(frames, axis=1)`` for uint8 ``frames`` (k, T, H, W), any strides
    with contiguous rows (e.g. a transposed (T, N, H, W) file): the same integers as widening
    to int16 and summing in int64, computed one transition at a time on k×(H·W) uint8 slabs
    with OpenCV (|d| by ``absdiff``; Σd by telescoping, f[T-1] - f[0]; Σd² = Σ|d|² by
    ``reduce(REDUCE_SUM2)``, in int32 while k·255² fits, else float64, exact to 2^53).
    """
    import cv2  # here, not at import: every subcommand's start-up would pay for it

    k, t, h, w = frames.shape
    pixels = h * w
    absolute = np.zeros(pixels, np.int64)
    squares = np.zeros(pixels, np.int64)
    per_image = np.zeros((k, max(t - 1, 0)), np.int64)
    total = np.zeros((h, w), np.int64)
    if k and t > 1 and pixels:
        total = (frames[:, -1].sum(axis=0, dtype=np.int64)
                 - frames[:, 0].sum(axis=0, dtype=np.int64))
        wide = cv2.CV_32S if 255 * pixels < 2**31 else cv2.CV_64F  # Σ|d| of one image
        deep = cv2.CV_32S if 255 * 255 * k < 2**31 else cv2.CV_64F  # Σd² of one pixel
        previous = _slab(frames[:, 0])
        for step in range(1, t):
            current = _slab(frames[:, step])
            d = cv2.absdiff(current, previous)
            previous = current
            absolute += cv2.reduce(d, 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S)[0]
            per_image[:, step - 1] = cv2.reduce(d, 1, cv2.REDUCE_SUM, dtype=wide)[:, 0]
            squares += cv2.reduce(d, 0, cv2.REDUCE_SUM2, dtype=deep)[0].astype(np.int64)
    return _ChunkSums(total, squares.reshape(h, w),
                      absolute.reshape(h, w), k * max(t - 1, 0), per_image)


def _slab(frames: np.ndarray) -> np.ndarray:
    """(k, H, W) uint8 frames as a (k, H·W) matrix OpenCV takes (a view when rows allow)."""
    k = frames.shape[0]
    flat = frames.reshape(k, -1)  # a view unless the frames themselves are strided
    if flat.strides[1] != 1 or flat.strides[0] < 0:
        flat = np.ascontiguousarray(flat)
    return flat


def chunk_sums_task(seqset: SequenceSet, start: int, stop: int) -> _ChunkSums:
    """:func:`chunk_sums` of sequences ``start:stop`` (a Dask task, see :mod:`..compute`)."""
    return chunk_sums(np.asarray(seqset.chunk(start, stop)))


def job_range(seqset: SequenceSet, start: int, stop: int | None,
              chunk_size: int) -> tuple[int, int]:
    """The checked range ``start:stop`` (None: to the end) of a chunked job over ``seqset``.

    Raises IndexError for a range outside the set, ValueError for ``chunk_size`` < 1."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    return _range(seqset.num_sequences, start, stop)


class FrameStatsAccumulator:
    """Merges the :func:`chunk_sums` of consecutive chunks of sequences ``start:stop`` of a
    set into its :class:`FrameDiffStats` and :class:`MotionEnergy` (the chunk loop of
    :func:`set_frame_stats` and of :func:`.summary.set_statistics`)."""

    def __init__(self, seqset: SequenceSet, start: int, stop: int) -> None:
        self.start = start
        self.acc = _DiffAccumulator((seqset.height, seqset.width))
        self.acc.exact = True  # a SequenceSet's frames are uint8
        self.energy = np.zeros((stop - start, max(seqset.num_frames - 1, 0)), np.float64)
        self.pixels = max(seqset.height * seqset.width, 1)

    def merge(self, first: int, last: int, part: _ChunkSums) -> None:
        """Add the sums of sequences ``first:last`` (chunks come in order)."""
        self.acc.merge(part)
        self.energy[first - self.start:last - self.start] = part.per_image / self.pixels

    def result(self) -> tuple[FrameDiffStats, MotionEnergy]:
        return self.acc.result(), MotionEnergy(self.energy)


def set_frame_stats(
    seqset: SequenceSet,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    *,
    start: int = 0,
    stop: int | None = None,
    chunk_size: int = 256,
    engine: Engine | None = None,
) -> tuple[FrameDiffStats, MotionEnergy]:
    """Frame-difference statistics and motion energy of sequences ``start:stop`` of a set.

    Reads the set ``chunk_size`` sequences at a time, each chunk a task on ``engine`` (Dask:
    by default a thread per CPU core, :func:`..compute.statistics_engine`); pools the T-1
    difference images of every sequence (never differencing across two sequences). Integer
    sums are exact, so the numbers never depend on the chunking or the engine. ``progress``
    gets (sequences done, sequences to do); ``cancel`` is checked between chunks (raises
    Cancelled).
    """
    start, stop = job_range(seqset, start, stop, chunk_size)
    acc = FrameStatsAccumulator(seqset, start, stop)
    run_chunks(chunk_sums_task, seqset, chunk_ranges(start, stop, chunk_size), acc.merge,
               statistics_engine(engine), progress, cancel)
    return acc.result()


def set_frame_diff_stats(
    seqset: SequenceSet,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    *,
    start: int = 0,
    stop: int | None = None,
    chunk_size: int = 256,
    engine: Engine | None = None,
) -> FrameDiffStats:
    """Frame-difference statistics of sequences ``start:stop``, streamed in chunks."""
    return set_frame_stats(seqset, progress, cancel, start=start, stop=stop,
                           chunk_size=chunk_size, engine=engine)[0]


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
