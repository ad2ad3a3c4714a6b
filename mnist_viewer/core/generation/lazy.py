"""The ground truth of a generated set, computed per block of sequences when asked for.

:class:`LazyGroundTruth` stands where a :class:`GroundTruth` is expected: ``num_sequences``,
``num_frames``, ``num_slots`` and ``select(slice or indices)`` (a real :class:`GroundTruth`
of those sequences, O(range) time and memory); its fields (``labels``, ``positions``,
``boxes``...) are :class:`LazyField` views that compute only the blocks an index touches
(``gt.labels[i]``, ``gt.boxes[i, :, d]``), and turn into the whole array only when used as
one (``np.asarray``), which is O(N): fine for a small set, to be avoided for a large one.
Recent blocks are kept in a small LRU cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from ..ground_truth import GroundTruth

FIELDS = ("labels", "digit_index", "positions", "start", "velocity", "boxes")
DTYPES = {"labels": "int16", "digit_index": "int64", "positions": "int32", "start": "float64",
          "velocity": "float64", "boxes": "int32"}


class LazyField(np.lib.mixins.NDArrayOperatorsMixin):
    """One field of a :class:`LazyGroundTruth`, indexed by sequence first.

    Indexing by a sequence number or a contiguous slice computes only those sequences; used as
    a whole (operators, ufuncs, ``np.asarray``, any other ndarray attribute) it is the whole
    array, computed once (O(N)).
    """

    def __init__(self, owner: LazyGroundTruth, name: str) -> None:
        self._owner, self._name = owner, name

    @property
    def shape(self) -> tuple[int, ...]:
        return (self._owner.num_sequences, *self._owner.row_shape(self._name))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def dtype(self) -> np.dtype[Any]:
        return np.dtype(DTYPES[self._name])

    def __getattr__(self, name: str) -> Any:  # any other ndarray attribute: the whole array
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(np.asarray(self), name)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        inputs = tuple(np.asarray(x) if isinstance(x, LazyField) else x for x in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __len__(self) -> int:
        return self._owner.num_sequences

    def __getitem__(self, key: Any) -> Any:
        first, rest = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        n = self._owner.num_sequences
        if isinstance(first, (int, np.integer)):
            i = int(first) + n if int(first) < 0 else int(first)
            if not 0 <= i < n:
                raise IndexError(f"sequence {first} out of range 0..{n - 1}")
            row = getattr(self._owner.select(slice(i, i + 1)), self._name)[0]
            return row[rest] if rest else row
        if isinstance(first, slice) and first.step in (None, 1):
            a, b, _ = first.indices(n)
            part = getattr(self._owner.select(slice(a, max(a, b))), self._name)
            inner = (slice(None), *rest)
            return part[inner] if rest else part
        return np.asarray(self)[key]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        whole = getattr(self._owner.whole(), self._name)
        return whole if dtype is None else whole.astype(dtype)


class LazyGroundTruth:
    """Ground truth of N sequences computed by ``compute(start, stop) -> GroundTruth`` on
    demand, a block of ``block`` sequences at a time for small requests (cached, LRU)."""

    def __init__(self, num_sequences: int, num_frames: int, num_slots: int,
                 compute: Callable[[int, int], GroundTruth], block: int,
                 cache_blocks: int = 32) -> None:
        self._n, self._t, self._d = int(num_sequences), int(num_frames), int(num_slots)
        self._compute, self._block, self._cache_blocks = compute, int(block), int(cache_blocks)
        self._cache: OrderedDict[int, GroundTruth] = OrderedDict()
        self._lock = threading.Lock()
        self._whole: GroundTruth | None = None

    num_sequences = property(lambda self: self._n)
    num_frames = property(lambda self: self._t)
    num_slots = property(lambda self: self._d)

    def row_shape(self, name: str) -> tuple[int, ...]:
        t, d = self._t, self._d
        return {"labels": (d,), "digit_index": (d,), "positions": (t, d, 2),
                "start": (d, 2), "velocity": (t, d, 2), "boxes": (t, d, 4)}[name]

    def __getattr__(self, name: str) -> LazyField:
        if name in FIELDS:
            return LazyField(self, name)
        raise AttributeError(name)

    def _cached_block(self, k: int) -> GroundTruth:
        with self._lock:
            gt = self._cache.get(k)
            if gt is not None:
                self._cache.move_to_end(k)
                return gt
        a = k * self._block
        gt = self._compute(a, min(self._n, a + self._block))
        with self._lock:
            self._cache[k] = gt
            while len(self._cache) > self._cache_blocks:
                self._cache.popitem(last=False)
        return gt

    def range(self, start: int, stop: int) -> GroundTruth:
        """The :class:`GroundTruth` of sequences ``start:stop`` (0 <= start <= stop <= N)."""
        start, stop = int(start), int(stop)
        if not 0 <= start <= stop <= self._n:
            raise IndexError(f"sequences {start}:{stop} out of range 0:{self._n}")
        if self._whole is not None:
            return self._whole.select(slice(start, stop))
        k = start // self._block
        if stop <= (k + 1) * self._block and stop > start:  # inside one block: cached
            return self._cached_block(k).select(slice(start - k * self._block,
                                                      stop - k * self._block))
        return self._compute(start, stop)

    def select(self, indices: np.ndarray | slice) -> GroundTruth:
        """A real :class:`GroundTruth` of a subset of the sequences (slice or index array)."""
        if isinstance(indices, slice) and indices.step in (None, 1):
            a, b, _ = indices.indices(self._n)
            return self.range(a, max(a, b))
        index = np.arange(self._n)[indices]
        parts = [self.range(int(i), int(i) + 1) for i in np.atleast_1d(index)]
        if not parts:
            return self.range(0, 0)
        return GroundTruth(**{f: np.concatenate([getattr(p, f) for p in parts])
                              for f in FIELDS})

    def whole(self) -> GroundTruth:
        """Every sequence's ground truth as one :class:`GroundTruth` (O(N), kept)."""
        if self._whole is None:
            self._whole = self._compute(0, self._n)
        return self._whole
