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

Which layout a 4-D ``.npy`` (A, B, H, W) has is decided by this rule, unless ``layout=`` says:

1. a file whose name starts with ``mnist_test_seq`` is (T, N, H, W);
2. otherwise, if exactly one of A and B is at most 100, that axis is time
   (so (20, 10000, 64, 64) is (T, N) and (10000, 20, 64, 64) is (N, T));
3. otherwise (T, N, H, W): the layout of the released file and of the ``.npy`` files this
   program writes.

A 5-D ``.npy`` is always (N, T, 1, H, W).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from .stored import StoredArray, npy_info, npz_info, sniff

LAYOUTS = ("npz", "mnist_test_seq", "torchvision", "torchvision_channel", "predrnn")
NPY_LAYOUTS = ("mnist_test_seq", "torchvision", "torchvision_channel")
NPZ_LAYOUTS = ("npz", "predrnn")
GROUND_TRUTH_KEYS = ("labels", "digit_index", "positions", "start", "velocity", "boxes")
PREDRNN_KEYS = ("clips", "dims", "input_raw_data")
KERAS_KEYS = ("x_train", "y_train", "x_test", "y_test")  # a Keras dataset, not sequences

_MAX_TIME_AXIS = 100  # rule 2 above
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


def npy_layout(shape: tuple[int, ...], name: str = "") -> str:
    """The layout of a .npy of this shape and file name, by the documented rule."""
    if len(shape) == 5:
        return "torchvision_channel"
    if Path(name).name.lower().startswith("mnist_test_seq"):
        return "mnist_test_seq"
    a, b = shape[0], shape[1]
    if (a <= _MAX_TIME_AXIS) != (b <= _MAX_TIME_AXIS):
        return "mnist_test_seq" if a <= _MAX_TIME_AXIS else "torchvision"
    return "mnist_test_seq"


def _check_frames_dtype(stored: StoredArray) -> None:
    if stored.dtype != np.uint8 and stored.dtype.kind != "f":
        raise DataError(stored.where(), f"frames must be uint8 (or floats in [0, 1]), found "
                                        f"{stored.dtype}")
    if stored.dtype != np.uint8 and stored.fortran:
        raise DataError(stored.where(), "Fortran-ordered float frames are not supported")


def _inspect_npy(path: Path, layout: str | None) -> FoundLayout:
    stored = npy_info(path)
    shape = stored.shape
    if len(shape) not in (4, 5) or (len(shape) == 5 and shape[2] != 1):
        raise DataError(path, f"expected frames of shape (T, N, H, W), (N, T, H, W) or "
                              f"(N, T, 1, H, W), found {shape}")
    _check_frames_dtype(stored)
    if layout is None:
        layout = npy_layout(shape, path.name)
    elif layout not in NPY_LAYOUTS:
        raise DataError(path, f"a .npy file cannot have layout {layout!r} (use one of "
                              f"{', '.join(NPY_LAYOUTS)})")
    if (layout == "torchvision_channel") != (len(shape) == 5):
        raise DataError(path, f"layout {layout!r} does not fit an array of shape {shape}")
    if layout == "mnist_test_seq":
        t, n = shape[0], shape[1]
    else:
        n, t = shape[0], shape[1]
    h, w = shape[-2], shape[-1]
    if min(n, t, h, w) < 1:
        raise DataError(path, f"holds no frames (shape {shape})")
    return FoundLayout(path, layout, n, t, h, w, {"frames": stored})


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
    if len(frames.shape) != 4 or frames.dtype != np.uint8:
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
    return FoundLayout(path, "npz", n, t, h, w, arrays, ground_truth=bool(present), config=config)


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
    clips = clips_s.read().astype(np.int64)
    n = clips.shape[1]
    if n < 1:
        raise DataError(clips_s.where(), "holds no sequences")
    lengths = clips[:, :, 1]
    if (lengths[0] != lengths[0, 0]).any() or (lengths[1] != lengths[1, 0]).any():
        raise DataError(clips_s.where(), "sequences of different lengths are not supported")
    t_in, t_out = int(lengths[0, 0]), int(lengths[1, 0])
    starts = clips[:, :, 0]
    rows = data.shape[0]
    if t_in < 0 or t_out < 0 or t_in + t_out < 1 or starts.min() < 0 or \
            (starts[0] + t_in).max() > rows or (starts[1] + t_out).max() > rows:
        raise DataError(clips_s.where(), f"clips point outside the {rows} frames of "
                                         "input_raw_data")
    return FoundLayout(path, "predrnn", n, t_in + t_out, h, w, arrays,
                  extra={"clips": clips, "t_in": t_in, "t_out": t_out})


def inspect_file(path: str | os.PathLike[str], layout: str | None) -> FoundLayout:
    path = Path(path).expanduser()
    if layout in (None, "", "auto"):
        layout = None
    elif layout not in LAYOUTS:
        raise DataError(path, f"unknown layout {layout!r} (use one of {', '.join(LAYOUTS)})")
    try:
        kind = sniff(path)
        return _inspect_npy(path, layout) if kind == "npy" else _inspect_npz(path, layout)
    except PermissionError:
        raise DataError(path, "permission denied") from None
