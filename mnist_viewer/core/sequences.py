"""Sequence sets: N sequences of T frames of H×W uint8, rendered on demand or backed by an array."""

from __future__ import annotations

from typing import Any

import numpy as np

from .ground_truth import GroundTruth


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
            raise ValueError(f"frames must be uint8 (N, T, H, W), got {frames.dtype} {frames.shape}")
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
