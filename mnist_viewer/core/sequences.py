"""Sequence sets: N sequences of T frames of H×W uint8, rendered on demand or backed by an array.

* :class:`ArraySequenceSet`: a (N, T, H, W) array, in memory or memory-mapped (any strides,
  so a transposed (T, N, H, W) file is used in place);
* :class:`IndexedSequenceSet`: frames gathered from a pool of rows (PredRNN clips);
* :class:`~mnist_viewer.core.generation.sets.GeneratedSequenceSet` (in :mod:`.generation`):
  ground truth + source digits, rendered on demand.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from .ground_truth import GroundTruth


class SequenceSet:
    """Read-only view of N sequences of T frames. Subclasses implement :meth:`chunk`."""

    layout: str = "unknown"
    # how a file's frames were read (layout decision, value mapping), JSON-ready; set by the
    # files room (see core.files.layouts.FoundLayout.how_read), None for other sets
    how_read: dict[str, Any] | None = None

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

    def __getstate__(self) -> dict[str, Any]:
        """Picklable (sent to Dask worker processes): locks are left out, made anew on arrival."""
        lock_types = (type(threading.Lock()), type(threading.RLock()))
        return {k: ("<lock>" if isinstance(v, lock_types) else v)
                for k, v in self.__dict__.items()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update({k: (threading.Lock() if isinstance(v, str) and v == "<lock>"
                                  else v) for k, v in state.items()})

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
