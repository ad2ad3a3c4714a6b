"""Generated sequence sets: ground truth + source digits, frames rendered on demand.

:func:`generate` makes one from a :class:`GeneratorConfig` and a dataset.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import numpy as np

from ...version import __version__
from ..errors import DataError
from ..ground_truth import GroundTruth
from ..sequences import SequenceSet
from ..sources.datasets import EMBEDDED_NOTE, Dataset, load_dataset
from .config import GeneratorConfig
from .render import render, render_frame
from .truth import ground_truth as make_ground_truth


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
    if dataset.is_embedded:  # never to pass for MNIST in a file's settings
        source.update(embedded=True, note=EMBEDDED_NOTE)
    return GeneratedSequenceSet(truth, dataset.images, config, source)
