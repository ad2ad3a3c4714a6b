"""How a sequence file's layout is decided, from its headers: which layout, and its N, T, H, W.

Layouts (``layout=`` names):

``npz``
    Ours, complete: ``frames`` uint8 (N, T, H, W); ground truth ``labels`` (N, D),
    ``digit_index`` (N, D), ``positions`` (N, T, D, 2) as (top, left), ``start`` float64
    (N, D, 2) as (y, x), ``velocity`` float64 (N, T, D, 2) as (vy, vx), ``boxes``
    (N, T, D, 4) as (x0, y0, x1, y1); ``config``, a JSON string (generator settings, seed,
    source data set, program version). Written uncompressed, so ``frames`` is memory-mapped
    when opened.
``mnist_test_seq``
    ``.npy`` uint8 (T, N, H, W), the layout of the released ``mnist_test_seq.npy``.
``torchvision``
    ``.npy`` (N, T, H, W).
``torchvision_channel``
    ``.npy`` (N, T, 1, H, W).
``predrnn``
    PredRNN / E3D-LSTM ``.npz``: ``input_raw_data`` float32 (N*T, 1, H, W) in [0, 1],
    ``clips`` int32 (2, N, 2) holding [first row, length] of each sequence's input half
    (``clips[0]``) and output half (``clips[1]``), ``dims`` int32 (1, 3) = [[1, H, W]].
    Exported with the first half of each sequence (rounded up) as input.

Which axes of a ``.npy`` are sequences and time, and how its values become uint8, is decided
from its content by :mod:`.layout_decision` and :mod:`.values` (``layout=`` overrides); the
other layouts are fixed by their format (``decided_by`` ``"file"``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from .layout_decision import READ_LAYOUTS, LayoutDecision, decide_layout
from .stored import StoredArray, npy_info, npz_info, sniff
from .values import ValueMapping, full_range, sample_frames, value_mapping

LAYOUTS = ("npz", "mnist_test_seq", "torchvision", "torchvision_channel", "predrnn")  # written
NPY_LAYOUTS = ("mnist_test_seq", "torchvision", "torchvision_channel")
READABLE_LAYOUTS = ("npz", "predrnn", *READ_LAYOUTS)  # what --layout may say when reading
NPZ_LAYOUTS = ("npz", "predrnn")
GROUND_TRUTH_KEYS = ("labels", "digit_index", "positions", "start", "velocity", "boxes")
PREDRNN_KEYS = ("clips", "dims", "input_raw_data")
KERAS_KEYS = ("x_train", "y_train", "x_test", "y_test")  # a Keras dataset, not sequences
# ---------------------------------------------------------------------------------------------
# layouts


@dataclass
class FoundLayout:
    """What a file holds, from its headers."""

    path: Path
    layout: str
    num_sequences: int
    num_frames: int
    height: int
    width: int
    arrays: dict[str, StoredArray]
    ground_truth: bool = False
    config: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    decision: LayoutDecision | None = None
    mapping: ValueMapping | None = None

    def how_read(self) -> dict[str, Any]:
        """How the frames were read, JSON-ready: :func:`how_read_json`."""
        return how_read_json(self.layout, self.decision, self.mapping)


def how_read_json(layout: str, decision: LayoutDecision | None,
                  mapping: ValueMapping | None) -> dict[str, Any]:
    """How a file's frames are read, JSON-ready (``info --json`` and the status bar; every
    sequence format gives the same keys): ``layout``, ``axes``, ``layout_decided_by``,
    ``layout_weak``, ``layout_reason``, ``layout_evidence``, ``swap_layout``, ``value_range``,
    ``value_mapping``."""
    d, m = decision, mapping
    out: dict[str, Any] = {"layout": layout}
    if d is not None:
        out.update(axes=d.axes or "NTHW", layout_decided_by=d.decided_by,
                   layout_weak=d.weak, layout_reason=d.reason,
                   layout_evidence=d.evidence, swap_layout=d.swapped())
    if m is not None:
        out.update(value_range=m.range_json(), value_mapping=m.as_json())
    return out


def npy_layout(shape: tuple[int, ...], name: str = "") -> str:
    """The layout the shape and name alone give a .npy (no content: the documented default,
    see :mod:`.layout_decision`)."""
    return decide_layout(_ShapeOnly(shape, np.dtype(np.uint8)), name).layout


class _ShapeOnly:
    """An array-like of a shape whose every frame is blank (no content evidence)."""

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.shape, self.dtype = shape, dtype

    def __getitem__(self, key: Any) -> np.ndarray:
        return np.zeros((1, 1, 1, 1), dtype=self.dtype)


def _check_frames_dtype(stored: StoredArray) -> None:
    if stored.dtype.kind not in "buif":
        raise DataError(stored.where(), f"frames must hold numbers, found {stored.dtype}")


def decide_values(stored: StoredArray, frames: Any) -> ValueMapping:
    """The value mapping of a stored frames array (a bounded sample, the whole range when
    cheap and the array can be memory-mapped)."""
    if stored.dtype == np.uint8:  # used as is: a few frames only for the range reported
        return value_mapping(sample_frames(frames, 4), None, stored.where())
    cheap = stored.offset is not None
    return value_mapping(sample_frames(frames), full_range(frames) if cheap else None,
                         stored.where())


def _inspect_npy(path: Path, layout: str | None) -> FoundLayout:
    stored = npy_info(path)
    shape = stored.shape
    _check_frames_dtype(stored)
    if layout is not None and layout not in READ_LAYOUTS:
        raise DataError(path, f"a .npy file cannot have layout {layout!r} (use one of "
                              f"{', '.join(READ_LAYOUTS)})")
    if len(shape) not in (3, 4, 5):
        raise DataError(path, f"expected frames of shape (T, N, H, W), (N, T, H, W) (a channel "
                              f"axis of 1 allowed) or (T, H, W), found {shape}")
    if 0 in shape:
        raise DataError(path, f"holds no frames (shape {shape})")
    frames = stored.mapped()
    mapping = decide_values(stored, frames)
    try:
        decision = decide_layout(frames, path.name, mapping, layout)
    except ValueError as exc:
        raise DataError(path, str(exc)) from None
    d = decision
    return FoundLayout(path, d.layout, d.num_sequences, d.num_frames, d.height, d.width,
                       {"frames": stored}, decision=d, mapping=mapping)


def _inspect_npz(path: Path, layout: str | None) -> FoundLayout:
    arrays = npz_info(path)
    if layout is None:
        if "frames" in arrays:
            layout = "npz"
        elif all(k in arrays for k in PREDRNN_KEYS):
            layout = "predrnn"
        else:
            keys = ", ".join(sorted(arrays)) or "none"
            raise DataError(path, f"not a sequence file: expected 'frames' (ours) or 'clips', "
                                  f"'dims', 'input_raw_data' (PredRNN), found keys {keys}")
    elif layout not in NPZ_LAYOUTS:
        raise DataError(path, f"a .npz file cannot have layout {layout!r} (use one of "
                              f"{', '.join(NPZ_LAYOUTS)})")
    if layout == "predrnn":
        return _inspect_predrnn(path, arrays)
    if "frames" not in arrays:
        raise DataError(path, f"missing key 'frames' (found {', '.join(sorted(arrays)) or 'none'})")
    frames = arrays["frames"]
    if len(frames.shape) != 4 or frames.dtype.kind not in "buif":
        raise DataError(frames.where(), f"must be uint8 (N, T, H, W), found {frames.dtype} "
                                        f"{frames.shape}")
    n, t, h, w = frames.shape
    if min(n, t, h, w) < 1:
        raise DataError(path, f"holds no frames (shape {frames.shape})")
    present = [k for k in GROUND_TRUTH_KEYS if k in arrays]
    if present and len(present) != len(GROUND_TRUTH_KEYS):
        missing = [k for k in GROUND_TRUTH_KEYS if k not in arrays]
        raise DataError(path, f"incomplete ground truth: missing {', '.join(missing)}")
    if present:
        _check_ground_truth_headers(path, arrays, n, t)
    config = _read_config(arrays["config"]) if "config" in arrays else None
    mapping = decide_values(frames, frames.mapped())
    decision = LayoutDecision("npz", n, t, h, w, "file", reason="the .npz 'frames' is (N, T, H, W)")
    return FoundLayout(path, "npz", n, t, h, w, arrays, ground_truth=bool(present), config=config,
                       decision=decision, mapping=mapping)


def _check_ground_truth_headers(path: Path, arrays: dict[str, StoredArray], n: int, t: int) -> None:
    labels = arrays["labels"]
    if len(labels.shape) != 2 or labels.shape[1] < 1:
        raise DataError(labels.where(), f"must be (N, D), found {labels.shape}")
    d = labels.shape[1]
    expected = {
        "labels": ((n, d), "iu"), "digit_index": ((n, d), "iu"),
        "positions": ((n, t, d, 2), "iu"), "start": ((n, d, 2), "f"),
        "velocity": ((n, t, d, 2), "f"), "boxes": ((n, t, d, 4), "iu"),
    }
    for key, (shape, kinds) in expected.items():
        stored = arrays[key]
        if stored.shape != shape or stored.dtype.kind not in kinds:
            want = "floating-point" if kinds == "f" else "integer"
            raise DataError(stored.where(), f"must be {want} of shape {shape}, found "
                                            f"{stored.dtype} {stored.shape}")


def _read_config(stored: StoredArray) -> dict[str, Any]:
    if stored.shape != () or stored.dtype.kind not in "US":
        raise DataError(stored.where(), f"must be a JSON string, found {stored.dtype} "
                                        f"{stored.shape}")
    value = stored.read()[()]
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(stored.where(), f"is not valid JSON ({exc.msg})") from None
    except RecursionError:  # json nests by recursion: ~1,000 brackets exhaust the stack
        raise DataError(stored.where(), "is JSON nested too deeply to read") from None
    if not isinstance(config, dict):
        raise DataError(stored.where(), "must be a JSON object")
    return config


def _inspect_predrnn(path: Path, arrays: dict[str, StoredArray]) -> FoundLayout:
    missing = [k for k in PREDRNN_KEYS if k not in arrays]
    if missing:
        raise DataError(path, f"not a PredRNN file: missing keys {', '.join(missing)}")
    dims_s, clips_s, data = arrays["dims"], arrays["clips"], arrays["input_raw_data"]
    if dims_s.dtype.kind not in "iu" or dims_s.shape not in ((1, 3), (2, 3)):
        raise DataError(dims_s.where(), f"must be integer (1, 3), found {dims_s.dtype} "
                                        f"{dims_s.shape}")
    if dims_s.shape == (2, 3):
        raise DataError(path, "separate output_raw_data (dims of shape (2, 3)) is not supported")
    if clips_s.dtype.kind not in "iu" or len(clips_s.shape) != 3 or clips_s.shape[0] != 2 \
            or clips_s.shape[2] != 2:
        raise DataError(clips_s.where(), f"must be integer (2, N, 2), found {clips_s.dtype} "
                                         f"{clips_s.shape}")
    if len(data.shape) != 4:
        raise DataError(data.where(), f"must be (N*T, C, H, W), found {data.shape}")
    _check_frames_dtype(data)
    c, h, w = (int(v) for v in dims_s.read()[0])
    if data.shape[1:] != (c, h, w):
        raise DataError(data.where(), f"shape {data.shape} does not match dims {[c, h, w]}")
    if c != 1:
        raise DataError(path, f"only single-channel frames are supported, found {c} channels")
    raw_clips = clips_s.read()
    n = raw_clips.shape[1]
    if n < 1:
        raise DataError(clips_s.where(), "holds no sequences")
    rows = data.shape[0]
    # every start and length lies in [0, rows]: checked before any sum, which could wrap
    # around in int64 for offsets near 2**63 (and uint64 ones would turn negative)
    low, high = int(raw_clips.min()), int(raw_clips.max())
    if low < 0 or high > rows:
        raise DataError(clips_s.where(), f"clips point outside the {rows} frames of "
                                         f"input_raw_data (a start or length of "
                                         f"{low if low < 0 else high})")
    clips = raw_clips.astype(np.int64)
    lengths = clips[:, :, 1]
    if (lengths[0] != lengths[0, 0]).any() or (lengths[1] != lengths[1, 0]).any():
        raise DataError(clips_s.where(), "sequences of different lengths are not supported")
    t_in, t_out = int(lengths[0, 0]), int(lengths[1, 0])
    starts = clips[:, :, 0]
    if t_in + t_out < 1 or (starts[0] + t_in).max() > rows or (starts[1] + t_out).max() > rows:
        raise DataError(clips_s.where(), f"clips point outside the {rows} frames of "
                                         "input_raw_data")
    mapping = decide_values(data, data.mapped())
    decision = LayoutDecision("predrnn", n, t_in + t_out, h, w, "file",
                              reason="PredRNN clips give each sequence's frames")
    return FoundLayout(path, "predrnn", n, t_in + t_out, h, w, arrays,
                       extra={"clips": clips, "t_in": t_in, "t_out": t_out},
                       decision=decision, mapping=mapping)


def inspect_file(path: str | os.PathLike[str], layout: str | None) -> FoundLayout:
    path = Path(path).expanduser()
    if layout in (None, "", "auto"):
        layout = None
    elif layout not in READABLE_LAYOUTS:
        raise DataError(path, f"unknown layout {layout!r} (use one of "
                              f"{', '.join(READABLE_LAYOUTS)})")
    try:
        kind = sniff(path)
        return _inspect_npy(path, layout) if kind == "npy" else _inspect_npz(path, layout)
    except PermissionError:
        raise DataError(path, "permission denied") from None
