"""Which axes of a frames array are sequences, time, channel, height and width: decided from the
content, with the shape, and a name only breaking a tie.

Frames of one sequence are similar to their neighbours in time; frames of different sequences
are not. On a bounded sample (frames mapped to 0..255 by the file's value mapping, then pooled
to a coarse 4×4 grid so that motion of a few pixels hardly counts), the *normalised difference*
of two frames a, b is ``sum|a − b| / (sum a + sum b)``: 0 for equal frames, about 1 for frames
whose ink does not overlap. Then:

* both leading axes longer than 1: the axis whose neighbours differ less is time when the ratio
  of the two mean differences is below :data:`DECIDES` (weak below :data:`DECIDES` but above
  :data:`STRONG`);
* one leading axis of length 1: with 3 or more frames along the other, frames two apart
  differing clearly more than neighbours (ratio below :data:`DECIDES`) make it time, about as
  much (above 0.95) sequences; with 2, a normalised difference below :data:`NEAR` makes it
  time, above :data:`FAR` sequences (two frames are weak evidence either way);
* no evidence (blank or constant frames, noise, a ratio near 1): the file's name decides if it
  starts with ``mnist_test_seq`` (T, N); then the shape: if exactly one of the two axes is at
  most 100 it is time; otherwise a 4-D array is (T, N), the layout of the released
  ``mnist_test_seq.npy``, and a 5-D one (N, T, C), the order of PyTorch video batches.
  Such a decision is *weak*: the viewer says so and offers to swap sequences and frames.

Shapes accepted (C, a channel axis, must have length 1): (A, B, H, W), (A, B, 1, H, W),
(A, B, H, W, 1) with {A, B} = {N, T}; single sequences (T, H, W) and (T, H, W, 1); (T, 1, H, W)
is (A, B, H, W) with B = 1.

Readers of every container use :func:`decide_layout` (any array-like with ``shape`` and numpy
indexing: an ndarray, a memmap, an h5py or zarr array).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .values import ValueMapping

# layout name -> axes (N sequences, T time, C channel of length 1, H, W)
READ_LAYOUTS: dict[str, str] = {
    "mnist_test_seq": "TNHW",
    "torchvision": "NTHW",
    "torchvision_channel": "NTCHW",
    "mnist_test_seq_channel": "TNCHW",
    "torchvision_channels_last": "NTHWC",
    "mnist_test_seq_channels_last": "TNHWC",
    "sequence": "THW",
    "sequence_channels_last": "THWC",
}
DECIDES = 0.8  # ratio of mean neighbour differences below which the content decides
STRONG = 0.6  # ... and below which that evidence is strong
NEAR = 0.5  # normalised difference below which neighbours are frames of one sequence
FAR = 0.75  # ... and above which they are frames of different sequences
MAX_TIME_AXIS = 100  # the shape rule
SAMPLE_POSITIONS = 16  # places the neighbours are compared at
SAMPLE_BYTES = 32 * 2**20  # at most this much is read to decide
_GRID = 4


@dataclass(frozen=True)
class LayoutDecision:
    """How a frames array is read: its layout, sizes and why.

    ``decided_by``: ``"file"`` (the format fixes it), ``"content"``, ``"name"``, ``"shape"``
    or ``"override"``; ``weak``: the evidence is weak (say so, offer :meth:`swapped`);
    ``evidence``: the measured numbers (JSON-ready); ``reason``: one line for people.
    """

    layout: str
    num_sequences: int
    num_frames: int
    height: int
    width: int
    decided_by: str
    weak: bool = False
    reason: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def axes(self) -> str:
        return READ_LAYOUTS.get(self.layout, "")

    def swapped(self) -> str | None:
        """The layout with sequences and frames swapped (None for a single sequence)."""
        axes = self.axes
        if "N" not in axes:
            return None
        other = axes.replace("N", "x").replace("T", "N").replace("x", "T")
        return next(name for name, a in READ_LAYOUTS.items() if a == other)


def channel_layouts(shape: tuple[int, ...]) -> tuple[str, str] | tuple[str] | None:
    """The candidate layouts of an array of this shape: (time-major, sequence-major) for a set,
    (name,) for a single sequence, or None if no layout fits."""
    nd = len(shape)
    if nd == 3:
        return ("sequence",)
    if nd == 4:
        if shape[3] == 1 and shape[1] > 1 and shape[2] > 1:
            return ("sequence_channels_last",)
        return ("mnist_test_seq", "torchvision")
    if nd == 5:
        if shape[2] == 1:
            return ("mnist_test_seq_channel", "torchvision_channel")
        if shape[4] == 1:
            return ("mnist_test_seq_channels_last", "torchvision_channels_last")
    return None


def frames_view(array: Any, layout: str) -> Any:
    """``array`` (in ``layout``) as a (N, T, H, W) view: channel dropped, axes transposed.
    Works on memmaps without reading; on other array-likes the channel index reads."""
    axes = READ_LAYOUTS[layout]
    if "C" in axes:
        c = axes.index("C")
        array = array[(slice(None),) * c + (0,)]
        axes = axes.replace("C", "")
    if axes == "THW":
        return np.asarray(array)[None] if not isinstance(array, np.ndarray) else array[None]
    if axes == "TNHW":
        return array.transpose(1, 0, 2, 3)
    return array


def sizes(shape: tuple[int, ...], layout: str) -> tuple[int, int, int, int]:
    """(N, T, H, W) of an array of ``shape`` read in ``layout``."""
    axes = READ_LAYOUTS[layout]
    dims = dict(zip(axes, shape, strict=True))
    return dims.get("N", 1), dims["T"], dims["H"], dims["W"]


def _pool(frames: np.ndarray) -> np.ndarray:
    """(..., H, W) uint8 → (..., g, g) float64 block sums (g ≤ 4), trailing rows dropped."""
    h, w = frames.shape[-2:]
    gh, gw = min(_GRID, h), min(_GRID, w)
    fh, fw = h // gh, w // gw
    x = frames[..., :gh * fh, :gw * fw].astype(np.float64)
    return x.reshape((*x.shape[:-2], gh, fh, gw, fw)).sum(axis=(-1, -3))


def _normalised(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(sum |a − b|, sum a + sum b) of pooled frames."""
    return float(np.abs(a - b).sum()), float(a.sum() + b.sum())


def _positions(length: int, count: int) -> list[int]:
    if length <= 0:
        return []
    return sorted({round(v) for v in np.linspace(0, length - 1, min(count, length))})


def _measure(core: Any, mapping: ValueMapping) -> dict[str, Any]:
    """Mean normalised neighbour differences along A and B of a (A, B, H, W) array-like."""
    a_len, b_len, h, w = (int(s) for s in core.shape)
    frame_bytes = max(1, h * w * np.dtype(core.dtype).itemsize)
    count = max(2, min(SAMPLE_POSITIONS, SAMPLE_BYTES // (4 * frame_bytes)))
    sums = {"A": [0.0, 0.0], "B": [0.0, 0.0]}
    pa, pb = _positions(a_len - 1 if a_len > 1 else 1, count), \
        _positions(b_len - 1 if b_len > 1 else 1, count)
    pb = pb[::-1]
    for k in range(max(len(pa), len(pb))):
        a, b = pa[k % len(pa)], pb[k % len(pb)]
        block = _pool(mapping.apply(np.asarray(core[a:a + 2, b:b + 2])))
        for axis, (i, j) in (("A", ((0, 0), (1, 0))), ("B", ((0, 0), (0, 1)))):
            if max(i[0], j[0]) < block.shape[0] and max(i[1], j[1]) < block.shape[1]:
                d, s = _normalised(block[i], block[j])
                sums[axis][0] += d
                sums[axis][1] += s
    out: dict[str, Any] = {}
    for axis, (d, s) in sums.items():
        out[axis] = (d / s) if s > 0 else None
    return out


def _measure_line(line: Any, mapping: ValueMapping) -> tuple[float | None, float | None]:
    """Mean normalised differences of neighbours (lag 1) and of frames two apart (lag 2)
    along a (L, H, W) array-like: along time lag 2 differs more; across sequences alike."""
    length, h, w = (int(s) for s in line.shape)
    frame_bytes = max(1, h * w * np.dtype(line.dtype).itemsize)
    count = max(2, min(SAMPLE_POSITIONS, SAMPLE_BYTES // (3 * frame_bytes)))
    lag1, lag2 = [0.0, 0.0], [0.0, 0.0]
    for p in _positions(max(1, length - 2), count):
        block = _pool(mapping.apply(np.asarray(line[p:p + 3])))
        for i in range(len(block) - 1):
            d, s = _normalised(block[i], block[i + 1])
            lag1[0] += d
            lag1[1] += s
        if len(block) == 3:
            d, s = _normalised(block[0], block[2])
            lag2[0] += d
            lag2[1] += s
    return (lag1[0] / lag1[1] if lag1[1] > 0 else None,
            lag2[0] / lag2[1] if lag2[1] > 0 else None)


def decide_layout(
    array: Any,
    name: str = "",
    mapping: ValueMapping | None = None,
    layout: str | None = None,
) -> LayoutDecision:
    """Decide the layout of a frames ``array`` (array-like, see the module doc for shapes).

    ``name``: the file's name (a tie-breaker only); ``mapping``: the file's value mapping
    (default: values used as uint8 0..255); ``layout``: an explicit override (checked against
    the shape). Raises ``ValueError`` with a one-line reason when no layout fits the shape or
    the override does not; readers turn it into :class:`DataError` naming the file.
    """
    shape = tuple(int(s) for s in array.shape)
    candidates = channel_layouts(shape)
    if candidates is None:
        raise ValueError(f"expected frames of shape (T, N, H, W), (N, T, H, W), with a channel "
                         f"axis of 1, or one sequence (T, H, W), found {shape}")
    if layout is not None:
        fits = layout in READ_LAYOUTS and len(READ_LAYOUTS[layout]) == len(shape) and all(
            shape[i] == 1 for i, ax in enumerate(READ_LAYOUTS[layout]) if ax == "C")
        if not fits:
            raise ValueError(f"layout {layout!r} does not fit an array of shape {shape}")
        return _decision(shape, layout, "override", False, "--layout given", {})
    if len(candidates) == 1:
        return _decision(shape, candidates[0], "shape", False, "a single sequence", {})
    time_major, seq_major = candidates
    if mapping is None:
        mapping = ValueMapping("none", "uint8", (0.0, 255.0), False)
    core = array
    axes = READ_LAYOUTS[time_major]
    if "C" in axes:
        c = axes.index("C")
        core = array[(slice(None),) * c + (0,)]
    a_len, b_len = shape[0], shape[1]
    found = _measure(core, mapping) if max(a_len, b_len) > 1 else {"A": None, "B": None}
    evidence = {"difference_axis0": found["A"], "difference_axis1": found["B"]}
    da, db = found["A"], found["B"]
    if da is not None and db is not None and max(da, db) > 0:
        ratio = min(da, db) / max(da, db)
        evidence["ratio"] = round(ratio, 4)
        if ratio < DECIDES:
            chosen = time_major if da < db else seq_major
            return _decision(shape, chosen, "content", ratio >= STRONG,
                             "frames are more alike along the time axis", evidence)
    elif (da is None) != (db is None):
        time_axis_is_a = da is not None
        line = core[:, 0] if time_axis_is_a else core[0]
        length = a_len if time_axis_is_a else b_len
        d, d2 = _measure_line(line, mapping)
        evidence["difference_lag2"] = d2
        clear = False  # only many frames with a clear lag signal make this strong evidence
        if d is not None and d2 is not None and d2 > 0:
            lag_ratio = d / d2
            evidence["lag_ratio"] = round(lag_ratio, 4)
            clear = length >= 4 and (lag_ratio < STRONG or lag_ratio > 0.95)
            d = NEAR / 2 if lag_ratio < DECIDES else FAR * 1.5 if lag_ratio > 0.95 else d
        if d is not None and d < NEAR:
            chosen = time_major if time_axis_is_a else seq_major
            return _decision(shape, chosen, "content", not clear,
                             "neighbouring frames are alike: one sequence", evidence)
        if d is not None and d > FAR:
            chosen = seq_major if time_axis_is_a else time_major
            return _decision(shape, chosen, "content", not clear,
                             "neighbouring frames are unlike: separate sequences", evidence)
    if Path(name).name.lower().startswith("mnist_test_seq"):
        return _decision(shape, time_major, "name", True,
                         "no evidence in the content; the name says (T, N)", evidence)
    if a_len == b_len == 1:
        return _decision(shape, time_major, "shape", False, "a single frame", evidence)
    if (a_len <= MAX_TIME_AXIS) != (b_len <= MAX_TIME_AXIS):
        chosen = time_major if a_len <= MAX_TIME_AXIS else seq_major
        return _decision(shape, chosen, "shape", True,
                         "no evidence in the content; the shorter axis (≤ 100) taken as time",
                         evidence)
    if len(shape) == 5:
        return _decision(shape, seq_major, "shape", True,
                         "no evidence in the content; (N, T, C) by default", evidence)
    return _decision(shape, time_major, "shape", True,
                     "no evidence in the content; (T, N) by default", evidence)


def _decision(shape: tuple[int, ...], layout: str, by: str, weak: bool, reason: str,
              evidence: dict[str, Any]) -> LayoutDecision:
    n, t, h, w = sizes(shape, layout)
    clean = {k: (round(v, 4) if isinstance(v, float) and math.isfinite(v) else v)
             for k, v in evidence.items()}
    return LayoutDecision(layout, n, t, h, w, by, weak, reason, clean)
