"""Which pixel values a file's frames hold, and how they become uint8 0..255: decided once per
file from its content, never per frame (so frames never flicker in brightness).

The rule (README "Sequence files"), in order:

* ``uint8``: as is (``"none"``);
* ``bool``: False/True → 0/255 (``"bool"``);
* integers of any width whose values fit 0..255: exact (``"exact"``);
* floats in [0, 1]: ×255, rounded (``"unit"``: torchvision ``ToTensor``, PredRNN);
* floats within [0, 255] with values above 1: as is, rounded (``"as_is"``: OpenSTL's own
  Moving MNIST generator writes float32 0..255);
* anything else (standardised ``(x − mean)/std``, negative, above 255): a linear min–max map of
  the file's range onto 0..255 (``"min_max"``), which :attr:`ValueMapping.note` says in words;
* NaN or ±inf anywhere in what was looked at: :class:`DataError` naming the file.

Readers of any container (``.npy``, ``.npz``, HDF5, video, image folders) use it the same way::

    mapping = value_mapping(sample, full_range=whole_range_if_cheap, where=path)
    frames_uint8 = mapping.apply(frames)        # any shape, same shape back as uint8

:func:`sample_frames` and :func:`full_range` help a reader get ``sample`` and the range from a
(possibly memory-mapped) array without reading all of it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DataError

SAMPLE_FRAMES = 64  # frames spread over a file that decide its value mapping
FULL_RANGE_BYTES = 128 * 2**20  # the whole range is read when the frames are at most this big
_RANGE_CHUNK_BYTES = 16 * 2**20


@dataclass(frozen=True)
class ValueMapping:
    """How stored values become uint8 frames (see the module doc for the kinds).

    ``low``/``high``: the stored values mapped to 0 and 255 by ``"min_max"`` (the observed
    range otherwise); ``observed``: (min, max) of the values looked at; ``whole_file``: whether
    that range covers every value (else a bounded sample).
    """

    kind: str  # "none", "bool", "exact", "unit", "as_is" or "min_max"
    dtype: str
    observed: tuple[float, float]
    whole_file: bool
    low: float = 0.0
    high: float = 255.0

    @property
    def mapped(self) -> bool:
        """Whether values are changed by more than rounding or a lossless cast (worth a note)."""
        return self.kind == "min_max"

    @property
    def note(self) -> str:
        """One line for people: what was done to the values (empty when nothing worth saying)."""
        if self.kind == "min_max":
            return (f"{self.dtype} values {_num(self.low)}..{_num(self.high)} mapped linearly "
                    "to 0..255")
        if self.kind == "unit":
            return f"{self.dtype} values in [0, 1] scaled by 255"
        if self.kind == "as_is":
            return f"{self.dtype} values in [0, 255] rounded"
        return ""

    def as_json(self) -> dict[str, Any]:
        """``info --json``'s ``value_mapping`` object."""
        out: dict[str, Any] = {"kind": self.kind, "note": self.note}
        if self.kind == "min_max":
            out["from"] = [self.low, self.high]
        return out

    def range_json(self) -> dict[str, Any]:
        """``info --json``'s ``value_range`` object."""
        return {"min": self.observed[0], "max": self.observed[1],
                "from": "whole file" if self.whole_file else "sample"}

    def apply(self, frames: Any) -> np.ndarray:
        """``frames`` (any shape) as uint8 of the same shape, by this mapping.

        Values outside the decided range (only possible when it came from a sample) are
        clipped to 0..255, never wrapped; NaN becomes 0.
        """
        frames = np.asarray(frames)
        if self.kind == "none" and frames.dtype == np.uint8:
            return frames
        if frames.dtype == np.bool_:
            return frames.astype(np.uint8) * np.uint8(255)
        if self.kind in ("none", "exact") and frames.dtype.kind in "iu":
            return np.clip(frames, 0, 255).astype(np.uint8)
        values = frames.astype(np.float32 if frames.dtype.itemsize <= 4 else np.float64)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            if self.kind == "unit":
                values *= 255.0
            elif self.kind == "min_max":
                span = self.high - self.low
                values -= self.low
                values *= (255.0 / span) if span > 0 else 0.0
            np.nan_to_num(values, copy=False, nan=0.0, posinf=255.0, neginf=0.0)
            np.clip(values, 0.0, 255.0, out=values)
            return np.rint(values, out=values).astype(np.uint8)


def _num(value: float) -> str:
    return f"{value:.6g}"


def value_mapping(
    sample: np.ndarray,
    full_range: tuple[float, float] | None = None,
    where: str | os.PathLike[str] = "",
) -> ValueMapping:
    """Decide how a file's values become uint8 from ``sample`` (frames of any shape) and, when
    the reader could afford it, ``full_range`` = (min, max) of every value in the file.

    Raises :class:`DataError` (``where``: the user's file) for NaN or ±inf, or for a dtype that
    holds no pixel values (complex, strings, objects).
    """
    sample = np.asarray(sample)
    dtype = sample.dtype
    if dtype.kind not in "buif":
        raise DataError(where, f"frames must hold numbers, found {dtype}")
    if dtype.kind == "f" and not np.isfinite(sample).all():
        raise DataError(where, "frames hold NaN or infinite values")
    if full_range is not None:
        lo, hi = float(full_range[0]), float(full_range[1])
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise DataError(where, "frames hold NaN or infinite values")
    elif sample.size:
        lo, hi = float(sample.min()), float(sample.max())
    else:
        lo, hi = 0.0, 0.0
    observed, whole = (lo, hi), full_range is not None
    if dtype == np.uint8:
        return ValueMapping("none", str(dtype), observed, whole)
    if dtype.kind == "b":
        return ValueMapping("bool", str(dtype), observed, whole)
    if dtype.kind in "iu" and lo >= 0 and hi <= 255:
        return ValueMapping("exact", str(dtype), observed, whole)
    if dtype.kind == "f" and lo >= 0 and hi <= 1:
        return ValueMapping("unit", str(dtype), observed, whole)
    if dtype.kind == "f" and lo >= 0 and hi <= 255:
        return ValueMapping("as_is", str(dtype), observed, whole)
    return ValueMapping("min_max", str(dtype), observed, whole, lo, hi)


def sample_frames(frames: Any, count: int = SAMPLE_FRAMES) -> np.ndarray:
    """Up to ``count`` frames spread evenly over ``frames`` (an array-like whose last two axes
    are H, W, e.g. a memory-mapped (A, B, H, W)), read into memory as (k, H, W)."""
    shape = tuple(int(s) for s in frames.shape)
    lead = shape[:-2]
    total = math.prod(lead)
    if total == 0:
        return np.empty((0, *shape[-2:]), dtype=frames.dtype)
    picks = np.unique(np.linspace(0, total - 1, min(count, total)).round().astype(np.int64))
    out = [np.asarray(frames[np.unravel_index(int(p), lead)]) for p in picks]
    return np.stack(out)


def full_range(frames: Any, limit: int = FULL_RANGE_BYTES) -> tuple[float, float] | None:
    """(min, max) of every value of ``frames`` when its size is at most ``limit`` bytes (read
    in chunks along the first axis), else None. NaN propagates (so it is then reported)."""
    shape = tuple(int(s) for s in frames.shape)
    itemsize = np.dtype(frames.dtype).itemsize
    nbytes = math.prod(shape) * itemsize
    if nbytes > limit or not shape or shape[0] == 0:
        return None
    row = max(1, nbytes // shape[0])
    step = max(1, _RANGE_CHUNK_BYTES // row)
    lo, hi = math.inf, -math.inf
    for start in range(0, shape[0], step):
        block = np.asarray(frames[start:start + step])
        if block.dtype.kind == "f" and not np.isfinite(block).all():
            return (math.nan, math.nan)
        lo, hi = min(lo, float(block.min())), max(hi, float(block.max()))
    return lo, hi
