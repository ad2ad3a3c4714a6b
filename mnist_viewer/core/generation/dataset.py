"""MovingMNIST: the generator as a map-style dataset for training loops (PyTorch, TensorFlow).

``MovingMNIST(n, ...)[i]`` is sequence ``i`` of ``generate(GeneratorConfig(n, ...), dataset)``
with the same settings, seed and digits, computed on its own: its random block is drawn (and
kept in a small cache), the sequence moved in plain Python floats (:mod:`.single`) and its
frames placed with slicing. Nothing depends on the order of access, the process or the number
of DataLoader workers; the object pickles without its digits when they come from a path (each
worker loads them on first use). No torch or TensorFlow import.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..ground_truth import GroundTruth
from ..sources.datasets import Dataset, load_dataset, python_remedy
from .config import GeneratorConfig
from .draws import BLOCK, RandomDraws, block_draws, digit_pool
from .resize import ResizedDigits
from .single import move_one
from .truth import _ink_table, assemble, check_digits

_REMEDY = python_remedy("pass MovingMNIST(..., data=PATH)")
"""How a user of this class names the full MNIST (ends the embedded subset's warning)."""

CACHE_BYTES = 64 * 2**20
"""At most this much memory for cached random blocks (and at most ``cache_blocks`` blocks)."""


@dataclass
class _Loaded:
    """What a process needs to make sequences (rebuilt in each DataLoader worker)."""

    config: GeneratorConfig
    digits: np.ndarray  # (M, s, s) uint8, s = digit_size (filled lazily when resized)
    labels: np.ndarray
    pool: np.ndarray
    resized: ResizedDigits | None


class MovingMNIST:
    """Moving MNIST generated on the fly, indexable: ``len(ds)``, ``ds[i]`` -> uint8 (T, H, W).

    ``data``: a path to MNIST (any layout :func:`load_dataset` reads), a :class:`Dataset`, or
    None for the usual source order (as :func:`generate`). Other generator settings
    (``step_length``, ``combine``, ``classes``, ``digit_size``) may be given by keyword.
    ``ds[i]`` equals ``generate(GeneratorConfig(num_sequences, ..., seed=seed), dataset)
    .sequence(i)``; :meth:`item` also returns the sequence's :class:`GroundTruth`. Raises
    :class:`DataError` for bad settings (at once) or unreadable data (on first use).
    """

    def __init__(self, num_sequences: int, frames: int = 20, canvas_size: int = 64,
                 digits: int | tuple[int, int] = 2, motion: str = "original",
                 split: str = "train", seed: int = 0,
                 data: str | os.PathLike[str] | Dataset | None = None,
                 cache_blocks: int = 1024, **settings: Any) -> None:
        self.config = GeneratorConfig(
            num_sequences=num_sequences, frames=frames, canvas_size=canvas_size,
            digits=digits, motion=motion, split=split, seed=seed, **settings,
        )
        self.data = data
        self.cache_blocks = int(cache_blocks)
        self._loaded: _Loaded | None = None
        self._blocks: OrderedDict[int, RandomDraws] = OrderedDict()
        self._lock = threading.Lock()

    # pickling: settings and data only; digits and caches are rebuilt where unpickled
    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config, "data": self.data, "cache_blocks": self.cache_blocks}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.config, self.data = state["config"], state["data"]
        self.cache_blocks = state["cache_blocks"]
        self._loaded, self._blocks, self._lock = None, OrderedDict(), threading.Lock()

    def __len__(self) -> int:
        return self.config.num_sequences

    def __repr__(self) -> str:
        c = self.config
        return (f"MovingMNIST({c.num_sequences}, frames={c.frames}, canvas_size="
                f"{c.canvas_size}, digits={c.digits!r}, motion={c.motion!r}, split={c.split!r}, "
                f"seed={c.seed})")

    def _load(self) -> _Loaded:
        loaded = self._loaded
        if loaded is None:
            data = self.data
            dataset = data if isinstance(data, Dataset) else load_dataset(
                None if data is None else os.fspath(data), self.config.split, _REMEDY)
            config = replace(self.config, split=dataset.split)
            images, resized = dataset.images, None
            size = config.digit_size
            if images.shape[1:] != (size, size):
                resized = ResizedDigits(images, size)
                images = resized.images
            check_digits(config, images)
            loaded = _Loaded(config, images, dataset.labels,
                             digit_pool(config, dataset.labels), resized)
            self._loaded = loaded
        return loaded

    def _draws(self, loaded: _Loaded, block: int) -> RandomDraws:
        with self._lock:
            draws = self._blocks.get(block)
            if draws is not None:
                self._blocks.move_to_end(block)
                return draws
        draws = block_draws(loaded.config, loaded.pool, block)
        if loaded.resized is not None:
            loaded.resized.ensure(draws.digit_index)
        size = sum(a.nbytes for a in vars(draws).values() if isinstance(a, np.ndarray))
        limit = max(4, min(self.cache_blocks, CACHE_BYTES // max(1, size)))
        with self._lock:
            self._blocks[block] = draws
            while len(self._blocks) > limit:
                self._blocks.popitem(last=False)
        return draws

    def _check(self, index: int) -> int:
        n = self.config.num_sequences
        i = int(index)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"sequence {index} out of range 0..{n - 1}")
        return i

    def __getitem__(self, index: int) -> np.ndarray:
        return self._make(self._check(index), False)[0]

    def item(self, index: int, ground_truth: bool = False
             ) -> tuple[np.ndarray, GroundTruth | None]:
        """(frames uint8 (T, H, W), the sequence's :class:`GroundTruth` (N = 1) or None)."""
        return self._make(self._check(index), ground_truth)

    def _make(self, i: int, with_truth: bool) -> tuple[np.ndarray, GroundTruth | None]:
        loaded = self._load()
        config = loaded.config
        draws = self._draws(loaded, i // BLOCK)
        row = i % BLOCK
        positions, velocity = move_one(config, draws, row)
        frames = _place(loaded.digits, draws.digit_index[row], positions, config)
        if not with_truth:
            return frames, None
        one = draws.select(row, row + 1)
        index = np.where(one.used, one.digit_index, 0)
        boxes = _ink_table.lookup(loaded.digits, index)
        return frames, assemble(config, one, positions[None].copy(), velocity[None].copy(),
                                loaded.labels, boxes)

    def stream(self, seed: int | None = None, start: int = 0, step: int = 1
               ) -> Iterator[np.ndarray]:
        """Endless sequences ``start, start + step, ...`` of the set with these settings and
        ``seed`` (default: this one's): sequence k equals ``ds[k]`` of any such set with more
        than k sequences. Give each DataLoader worker its own ``start`` (its id) and ``step``
        (the number of workers) to share one stream without repeats."""
        source = self if seed is None else self.with_seed(seed)
        for i in itertools.count(int(start), int(step)):
            yield source._make(i, False)[0]

    def with_seed(self, seed: int) -> MovingMNIST:
        """The same settings and data with another seed (shares loaded digits)."""
        other = MovingMNIST.__new__(MovingMNIST)
        other.__setstate__({"config": replace(self.config, seed=int(seed)), "data": self.data,
                            "cache_blocks": self.cache_blocks})
        if self._loaded is not None:
            other._loaded = replace(self._loaded, config=replace(self._loaded.config,
                                                                 seed=int(seed)))
        return other


def _place(digits: np.ndarray, index: np.ndarray, positions: np.ndarray,
           config: GeneratorConfig) -> np.ndarray:
    """Frames (T, S, S) uint8 of one sequence: its digits placed slot after slot (max, or a
    sum clipped to 255), the same bytes as :func:`.render.render`.

    The frames are viewed (without copying) as every h x h window of every frame, so one
    slot is placed in all T frames by a single fancy-index assignment (frame t, window at the
    slot's (top, left)): a few numpy calls per slot instead of one per frame.
    """
    size, h, frames = config.canvas_size, config.digit_size, config.frames
    out = np.zeros((frames, size, size), dtype=np.uint8)
    s0, s1, s2 = out.strides
    free = size - h + 1
    # np.ndarray over the same buffer: as_strided builds its view through a Python
    # __array_interface__ object, ten times slower at this size
    windows = np.ndarray((frames, free, free, h, h), np.uint8, out, 0,
                         (s0, s1, s2, s1, s2))
    t = np.arange(frames)
    first = True
    for d, k in enumerate(index.tolist()):
        if k < 0:
            continue
        ys, xs = positions[:, d, 0], positions[:, d, 1]
        if first:
            windows[t, ys, xs] = digits[k]
            first = False
        elif config.combine == "max":
            windows[t, ys, xs] = np.maximum(windows[t, ys, xs], digits[k])
        else:
            total = windows[t, ys, xs].astype(np.uint16) + digits[k]
            windows[t, ys, xs] = np.minimum(total, 255)
    return out
