"""How large a generated set is: its frames and ground truth as a file, and what it holds in
memory while it is shown, so a set that cannot fit is refused (with the figures) before any work.

A generated set is lazy (:mod:`.sets`): nothing is drawn up front. While it is in use it keeps
at most :data:`TRUTH_CACHE_BLOCKS` blocks of ground truth (:mod:`.lazy`) and at most
:func:`cached_sequences` rendered sequences; that is what :attr:`SetSize.memory_bytes` counts.
Pure functions of a :class:`~.config.GeneratorConfig`; sizes in bytes (powers of 1000 in text).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..containers import check_memory, human
from .config import GeneratorConfig
from .draws import BLOCK

TRUTH_CACHE_BLOCKS = 32
"""Ground-truth blocks a lazy set keeps (LRU) while it is browsed or saved."""
RENDER_CACHE_SEQUENCES = 16
"""Rendered sequences a set keeps (LRU), fewer when they are large (see below)."""
RENDER_CACHE_BYTES = 512 * 2**20
"""At most this many bytes of rendered sequences are kept (at least one sequence)."""


def truth_block(config: GeneratorConfig) -> int:
    """Sequences per cached ground-truth block: about 1 M frame-slots, a multiple of BLOCK
    (only a cache size: the ground truth does not depend on it)."""
    per_sequence = config.frames * config.num_slots
    return BLOCK * max(1, min(16, (2**20 // per_sequence) // BLOCK))


def cached_sequences(config: GeneratorConfig, limit: int = RENDER_CACHE_SEQUENCES) -> int:
    """How many rendered sequences a set keeps: ``limit``, fewer when they would take more
    than :data:`RENDER_CACHE_BYTES`, never fewer than one."""
    sequence_bytes = max(1, config.frames * config.canvas_size**2)
    return max(1, min(int(limit), RENDER_CACHE_BYTES // sequence_bytes, config.num_sequences))


@dataclass(frozen=True)
class SetSize:
    """The sizes of a generated set, in bytes."""

    num_sequences: int
    frames: int
    canvas: int  # frame height = width, pixels
    frames_bytes: int  # N × T × H × W uint8: every frame of the set
    ground_truth_bytes: int  # the ground truth of every sequence (a .npz holds it too)
    memory_bytes: int  # the most it holds in memory while shown: truth blocks + rendered cache

    @property
    def file_bytes(self) -> int:
        """A file with the frames and the ground truth (the .npz the app writes; a frames-only
        .npy is :attr:`frames_bytes`)."""
        return self.frames_bytes + self.ground_truth_bytes

    def describe(self) -> str:
        """One line, e.g. '10,000 × 20 frames of 64×64: 819.2 MB as a file, up to 45.1 MB in
        memory'."""
        return (f"{self.num_sequences:,} × {self.frames:,} frames of {self.canvas}×{self.canvas}:"
                f" {human(self.file_bytes)} as a file, up to {human(self.memory_bytes)} in memory")


def set_size(config: GeneratorConfig) -> SetSize:
    """The :class:`SetSize` of the set ``config`` describes (nothing is generated)."""
    n = config.num_sequences
    per_sequence_truth = config.ground_truth_bytes // max(1, n)
    kept = min(n, TRUTH_CACHE_BLOCKS * truth_block(config))
    rendered = cached_sequences(config) * config.frames * config.canvas_size**2
    return SetSize(n, config.frames, config.canvas_size, config.file_bytes,
                   config.ground_truth_bytes, kept * per_sequence_truth + rendered)


def check_set_fits(config: GeneratorConfig, where: str | os.PathLike[str] | None = None) -> None:
    """Raise DataError (naming ``where``, with the figures) unless the memory the set holds
    while shown (:attr:`SetSize.memory_bytes`) fits in the memory available now."""
    size = set_size(config)
    check_memory(where, size.memory_bytes,
                 f"{size.num_sequences:,} sequences × {size.frames:,} frames of "
                 f"{size.canvas}×{size.canvas} (ground truth and rendered frames kept while "
                 "shown)")
