"""Generated sequence sets: ground truth + source digits, frames rendered on demand.

:func:`generate` makes one from a :class:`GeneratorConfig` and a dataset. Nothing is drawn up
front: the random draws, motion and ground truth of a range of sequences are computed when
that range is shown or saved (per block, see :mod:`.draws`), so a set of any size opens at
once and uses memory in proportion to what is being worked on.
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
from ..sources.datasets import EMBEDDED_NOTE, Dataset, load_dataset, python_remedy
from .config import GeneratorConfig
from .draws import GENERATOR_VERSION, digit_pool, draw
from .lazy import LazyGroundTruth
from .render import render, render_frame
from .resize import ResizedDigits
from .size import TRUTH_CACHE_BLOCKS, cached_sequences, check_set_fits, truth_block
from .truth import check_digits
from .truth import ground_truth as make_ground_truth


class GeneratedSequenceSet(SequenceSet):
    """A generated set: its ground truth plus the source digits; frames rendered on demand.

    The most recently rendered sequences are kept in a small cache, so stepping through the
    frames of one sequence renders it once. Safe to use from several threads.
    """

    layout = "generated"

    def __init__(
        self,
        ground_truth: GroundTruth | None,
        digits: np.ndarray,
        generator_config: GeneratorConfig,
        source: dict[str, Any] | None = None,
        cache_size: int = 16,
        labels: np.ndarray | None = None,
    ) -> None:
        """``ground_truth`` None: computed lazily from ``generator_config`` (with a seed),
        ``digits`` (M, h, w) uint8 and their ``labels`` (M,); digits of another size than
        ``digit_size`` are resized as they are first used (:mod:`.resize`). Otherwise the
        given ``ground_truth`` over ``digits`` (already of the right size)."""
        cfg = generator_config
        config = {**cfg.to_dict(), "source": dict(source or {}), "version": __version__,
                  "generator_version": GENERATOR_VERSION}
        truth: GroundTruth | LazyGroundTruth
        images = np.asarray(digits)
        if ground_truth is None:
            if labels is None:
                raise ValueError("a lazily generated set needs the digits' labels")
            resized = None
            if images.ndim == 3 and images.shape[1:] != (cfg.digit_size, cfg.digit_size):
                resized = ResizedDigits(images, cfg.digit_size)
                digits = resized.images
                config["source"]["resized_from"] = list(images.shape[1:])
            check_digits(cfg, np.asarray(digits))
            pool = digit_pool(cfg, labels)

            def compute(a: int, b: int) -> GroundTruth:
                draws = draw(cfg, labels, a, b, pool=pool)
                if resized is not None:
                    resized.ensure(draws.digit_index)
                return make_ground_truth(cfg, digits, labels, draws)

            truth = LazyGroundTruth(cfg.num_sequences, cfg.frames, cfg.num_slots, compute,
                                    truth_block(cfg), TRUTH_CACHE_BLOCKS)
        else:
            truth = ground_truth
        super().__init__(
            truth.num_sequences, truth.num_frames, cfg.canvas_size,
            cfg.canvas_size, truth, config,  # type: ignore[arg-type]
        )
        self.ground_truth: GroundTruth = truth  # type: ignore[assignment]
        self.digits = digits
        self.generator_config = cfg
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._cache_size = cached_sequences(cfg, cache_size)  # fewer when they are large
        self._lock = threading.Lock()
        # what __reduce__ rebuilds it from (another process, a dask worker): the lazy ground
        # truth holds a closure and locks, which do not pickle, and need not travel
        self._made_from = (ground_truth, images if ground_truth is None else digits, cfg,
                           dict(source or {}), int(cache_size), labels)

    def __reduce__(self) -> tuple[Any, ...]:
        return (GeneratedSequenceSet, self._made_from)

    def render_into(self, start: int, stop: int, out: np.ndarray | None = None) -> np.ndarray:
        """Render sequences ``start:stop`` into ``out`` (any (n, T, H, W) uint8 view with
        contiguous rows, e.g. a transposed (T, n, H, W) buffer) or a new array."""
        start, stop = int(start), int(stop)
        return render(
            self.ground_truth_for(start, stop), self.digits, 0, stop - start,
            self.generator_config.combine, out=out, size=self.height,
        )

    def ground_truth_for(self, start: int, stop: int) -> GroundTruth:
        """The :class:`GroundTruth` of sequences ``start:stop`` only: O(stop - start) time
        and memory (``.ground_truth`` is a lazy stand-in; see :mod:`.lazy`)."""
        gt = self.ground_truth
        if isinstance(gt, LazyGroundTruth):
            return gt.range(start, stop)
        return gt.select(slice(int(start), int(stop)))

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
            self.ground_truth_for(index, index + 1), self.digits, 0, t,
            self.generator_config.combine, self.height,
        )


def generate(config: GeneratorConfig, dataset: Dataset | None = None) -> GeneratedSequenceSet:
    """A new lazy set: nothing drawn yet; ground truth and frames when asked for (O(1)).

    ``dataset`` defaults to ``load_dataset(None, config.split)``; when one is given, its split
    is the one recorded. Without a seed in ``config`` a random one is chosen and recorded.
    """
    # what the set keeps while shown (ground-truth blocks, rendered sequences) must fit;
    # the whole set never has to (see .size)
    check_set_fits(config, None if dataset is None else dataset.provenance)
    if dataset is None:
        dataset = load_dataset(None, config.split,
                               python_remedy("pass generate(config, load_dataset(PATH))"))
    config = replace(config.with_seed(), split=dataset.split)
    source = {
        "name": dataset.name, "provenance": dataset.provenance, "split": dataset.split,
        "format": dataset.format, "num_images": len(dataset),
    }
    if dataset.is_embedded:  # never to pass for MNIST in a file's settings
        source.update(embedded=True, note=EMBEDDED_NOTE)
    try:
        return GeneratedSequenceSet(None, dataset.images, config, source,
                                    labels=dataset.labels)
    except DataError as exc:
        raise DataError(dataset.provenance, exc.problem) from None
