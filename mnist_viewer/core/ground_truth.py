"""Ground truth: what the generator knows about each digit in each frame of a sequence set."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class GroundTruth:
    """Per-digit truth of N sequences of T frames with D digit slots each.

    A sequence with fewer than D digits has label -1 and digit_index -1 in its unused slots;
    their positions and velocities are 0 and their boxes are all -1.
    """

    labels: np.ndarray  # int16 (N, D)
    digit_index: np.ndarray  # int64 (N, D): index into the source split
    positions: np.ndarray  # int32 (N, T, D, 2): (top, left) of each digit patch in each frame
    start: np.ndarray  # float64 (N, D, 2): (y, x) in [0, 1) before the first step
    velocity: np.ndarray  # float64 (N, T, D, 2): (vy, vx) used to reach each frame
    boxes: np.ndarray  # int32 (N, T, D, 4): ink box (x0, y0, x1, y1), x1/y1 exclusive; -1 if none

    @property
    def num_sequences(self) -> int:
        return int(self.labels.shape[0])

    @property
    def num_frames(self) -> int:
        return int(self.positions.shape[1])

    @property
    def num_slots(self) -> int:
        return int(self.labels.shape[1])

    def select(self, indices: np.ndarray | slice) -> GroundTruth:
        """The ground truth of a subset of the sequences (by index array or slice)."""
        return GroundTruth(
            labels=self.labels[indices],
            digit_index=self.digit_index[indices],
            positions=self.positions[indices],
            start=self.start[indices],
            velocity=self.velocity[indices],
            boxes=self.boxes[indices],
        )
