"""Sequence sets: N sequences of T frames of H×W uint8, rendered on demand or backed by an array.

* :class:`ArraySequenceSet`: a (N, T, H, W) array, in memory or memory-mapped (any strides,
  so a transposed (T, N, H, W) file is used in place);
* :class:`IndexedSequenceSet`: frames gathered from a pool of rows (PredRNN clips);
* :class:`GeneratedSequenceSet`: ground truth + source digits, rendered on demand
  (:func:`generate` makes one).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import numpy as np

from .. import __version__
from .datasets import Dataset, load_dataset
from .errors import DataError
from .generator import GeneratorConfig
from .generator import ground_truth as make_ground_truth
from .ground_truth import GroundTruth
from .render import render, render_frame


class SequenceSet:
    """Read-only view of N sequences of T frames. Subclasses implement :meth:`chunk`."""

    layout: str = "unknown"

    def __init__(
        self,
        num_sequences: int,
        num_frames: int,
        height: int,
        width: int,
        ground_truth: GroundTruth | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        self.num_sequences = int(num_sequences)
        self.num_frames = int(num_frames)
        self.height = int(height)
        self.width = int(width)
        self.ground_truth = ground_truth
        self.config = config

    def __len__(self) -> int:
        return self.num_sequences

    def _check_index(self, index: int) -> int:
        index = int(index)
        if not 0 <= index < self.num_sequences:
            raise IndexError(f"sequence {index} out of range 0..{self.num_sequences - 1}")
        return index

    def chunk(self, start: int, stop: int) -> np.ndarray:
        """Frames of sequences ``start:stop`` as uint8 (stop-start, T, H, W)."""
        raise NotImplementedError

    def sequence(self, index: int) -> np.ndarray:
        """All frames of one sequence, uint8 (T, H, W)."""
        index = self._check_index(index)
        return self.chunk(index, index + 1)[0]

    def frame(self, index: int, t: int) -> np.ndarray:
        """One frame, uint8 (H, W)."""
        t = int(t)
        if not 0 <= t < self.num_frames:
            raise IndexError(f"frame {t} out of range 0..{self.num_frames - 1}")
        return self.sequence(index)[t]


class ArraySequenceSet(SequenceSet):
    """A sequence set backed by a (N, T, H, W) uint8 array (in memory or memory-mapped)."""

    def __init__(
        self,
        frames: np.ndarray,
        ground_truth: GroundTruth | None = None,
        config: dict[str, Any] | None = None,
        layout: str = "array",
    ) -> None:
        if frames.ndim != 4 or frames.dtype != np.uint8:
            raise ValueError(
                f"frames must be uint8 (N, T, H, W), not {frames.dtype} {frames.shape}"
            )
        n, t, h, w = frames.shape
        super().__init__(n, t, h, w, ground_truth, config)
        self.frames = frames
        self.layout = layout

    def chunk(self, start: int, stop: int) -> np.ndarray:
        return np.asarray(self.frames[start:stop])

    def sequence(self, index: int) -> np.ndarray:
        return np.asarray(self.frames[self._check_index(index)])

    def frame(self, index: int, t: int) -> np.ndarray:
        return np.asarray(self.frames[self._check_index(index), int(t)])


def to_uint8(frames: np.ndarray) -> np.ndarray:
    """Frames as uint8: uint8 as is; floats are taken to be in [0, 1] (clipped, rounded;
    NaN becomes 0), without warnings."""
    frames = np.asarray(frames)
    if frames.dtype == np.uint8:
        return frames
    if frames.dtype.kind != "f":
        raise ValueError(f"frames must be uint8 or floating point, not {frames.dtype}")
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.clip(frames, 0.0, 1.0) * 255.0
        np.nan_to_num(scaled, copy=False, nan=0.0)
        return np.rint(scaled, out=scaled).astype(np.uint8)


class IndexedSequenceSet(SequenceSet):
    """Sequences gathered from a pool of frames by a (N, T) table of row numbers.

    ``rows`` is (M, H, W) uint8, or floating point in [0, 1] (converted on access); it may be
    memory-mapped. Used for layouts that store frames in clips (PredRNN's ``input_raw_data``).
    """

    def __init__(
        self,
        rows: np.ndarray,
        index: np.ndarray,
        ground_truth: GroundTruth | None = None,
        config: dict[str, Any] | None = None,
        layout: str = "indexed",
    ) -> None:
        if rows.ndim != 3 or index.ndim != 2:
            raise ValueError(
                f"rows must be (M, H, W) and index (N, T), not {rows.shape} {index.shape}"
            )
        n, t = index.shape
        super().__init__(n, t, rows.shape[1], rows.shape[2], ground_truth, config)
        self.rows = rows
        self.index = index
        self.layout = layout

    def chunk(self, start: int, stop: int) -> np.ndarray:
        index = self.index[start:stop]
        return to_uint8(self.rows[index.ravel()]).reshape(index.shape + self.rows.shape[1:])

    def frame(self, index: int, t: int) -> np.ndarray:
        return to_uint8(self.rows[int(self.index[self._check_index(index), int(t)])])


class GeneratedSequenceSet(SequenceSet):
    """A generated set: its ground truth plus the source digits; frames rendered on demand.

    The most recently rendered sequences are kept in a small cache, so stepping through the
    frames of one sequence renders it once. Safe to use from several threads.
    """

    layout = "generated"

    def __init__(
        self,
        ground_truth: GroundTruth,
        digits: np.ndarray,
        generator_config: GeneratorConfig,
        source: dict[str, Any] | None = None,
        cache_size: int = 16,
    ) -> None:
        cfg = generator_config
        config = {**cfg.to_dict(), "source": dict(source or {}), "version": __version__}
        super().__init__(
            ground_truth.num_sequences, ground_truth.num_frames, cfg.canvas_size,
            cfg.canvas_size, ground_truth, config,
        )
        self.ground_truth: GroundTruth = ground_truth
        self.digits = digits
        self.generator_config = cfg
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._cache_size = int(cache_size)
        self._lock = threading.Lock()

    def render_into(self, start: int, stop: int, out: np.ndarray | None = None) -> np.ndarray:
        """Render sequences ``start:stop`` into ``out`` (any (n, T, H, W) uint8 view with
        contiguous rows, e.g. a transposed (T, n, H, W) buffer) or a new array."""
        return render(
            self.ground_truth, self.digits, int(start), int(stop),
            self.generator_config.combine, out=out, size=self.height,
        )

    def chunk(self, start: int, stop: int) -> np.ndarray:
        start, stop = int(start), int(stop)
        if not 0 <= start <= stop <= self.num_sequences:
            raise IndexError(f"sequences {start}:{stop} out of range 0:{self.num_sequences}")
        return self.render_into(start, stop)

    def sequence(self, index: int) -> np.ndarray:
        index = self._check_index(index)
        with self._lock:
            cached = self._cache.get(index)
            if cached is not None:
                self._cache.move_to_end(index)
                return cached
        frames = self.render_into(index, index + 1)[0]
        frames.flags.writeable = False
        with self._lock:
            self._cache[index] = frames
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return frames

    def frame(self, index: int, t: int) -> np.ndarray:
        index, t = self._check_index(index), int(t)
        if not 0 <= t < self.num_frames:
            raise IndexError(f"frame {t} out of range 0..{self.num_frames - 1}")
        with self._lock:
            cached = self._cache.get(index)
        if cached is not None:
            return cached[t]
        return render_frame(
            self.ground_truth, self.digits, index, t, self.generator_config.combine, self.height
        )


def generate(config: GeneratorConfig, dataset: Dataset | None = None) -> GeneratedSequenceSet:
    """A new lazy set: ground truth now (milliseconds), frames when asked for.

    ``dataset`` defaults to ``load_dataset(None, config.split)``; when one is given, its split
    is the one recorded. Without a seed in ``config`` a random one is chosen and recorded.
    """
    if dataset is None:
        dataset = load_dataset(None, config.split)
    config = replace(config.with_seed(), split=dataset.split)
    try:
        truth = make_ground_truth(config, dataset.images, dataset.labels)
    except DataError as exc:
        raise DataError(dataset.provenance, exc.problem) from None
    source = {
        "name": dataset.name, "provenance": dataset.provenance, "split": dataset.split,
        "format": dataset.format, "num_images": len(dataset),
    }
    return GeneratedSequenceSet(truth, dataset.images, config, source)
