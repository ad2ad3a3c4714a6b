"""Opening and describing sequence files: every layout as a lazy :class:`SequenceSet`.

Frames stored as floating point are taken to be in [0, 1] (as PredRNN and torchvision's
``ToTensor`` produce) and converted to uint8 on access. ``.npy`` files and uncompressed ``.npz``
members are memory-mapped, never loaded whole. Nothing is ever unpickled.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from ..ground_truth import GroundTruth
from ..sequences import ArraySequenceSet, IndexedSequenceSet, SequenceSet
from .layouts import KERAS_KEYS, FoundLayout, inspect_file
from .stored import sniff
from .zarr_store import describe_zarr, is_zarr, open_zarr

# ---------------------------------------------------------------------------------------------
# opening


def _ground_truth(found: FoundLayout) -> GroundTruth:
    dtypes = {"labels": np.int16, "digit_index": np.int64, "positions": np.int32,
              "start": np.float64, "velocity": np.float64, "boxes": np.int32}
    values = {}
    for key, dtype in dtypes.items():
        stored = found.arrays[key]
        array = stored.read()
        if array.dtype.kind in "iu" and array.size:
            info = np.iinfo(np.dtype(dtype).name)
            if array.min() < info.min or array.max() > info.max:
                raise DataError(stored.where(), f"values out of the range of {np.dtype(dtype)}")
        values[key] = np.ascontiguousarray(array, dtype=dtype)
    return GroundTruth(**values)


def open_sequences(path: str | os.PathLike[str], layout: str | None = None) -> SequenceSet:
    """Open a sequence file of any supported layout (see the module doc for the rules).

    ``layout`` overrides the detected layout (``"mnist_test_seq"`` / ``"torchvision"`` for
    an ambiguous .npy). Raises :class:`DataError` naming the file for anything it can't use.
    A Zarr store (``.zarr``, also an fsspec URL) opens lazily (:mod:`.zarr_store`).
    """
    if is_zarr(path):
        return open_zarr(path)
    found = inspect_file(path, layout)
    if found.layout == "predrnn":
        data = found.arrays["input_raw_data"].mapped()[:, 0]
        clips, t_in, t_out = found.extra["clips"], found.extra["t_in"], found.extra["t_out"]
        index = np.concatenate(
            [clips[0, :, :1] + np.arange(t_in), clips[1, :, :1] + np.arange(t_out)], axis=1
        )
        return IndexedSequenceSet(data, index, layout="predrnn")
    frames = found.arrays["frames"].mapped()
    if found.layout == "npz":
        truth = _ground_truth(found) if found.ground_truth else None
        return ArraySequenceSet(frames, truth, found.config, layout="npz")
    if frames.ndim == 5:
        frames = frames[:, :, 0]
    if found.layout == "mnist_test_seq":
        frames = frames.transpose(1, 0, 2, 3)
    if frames.dtype == np.uint8:
        return ArraySequenceSet(frames, layout=found.layout)
    # floats: gather rows of a (N*T or T*N, H, W) view, converting on access
    n, t = found.num_sequences, found.num_frames
    rows = found.arrays["frames"].mapped().reshape(-1, found.height, found.width)
    i, k = np.meshgrid(np.arange(n, dtype=np.int64), np.arange(t, dtype=np.int64), indexing="ij")
    index = k * n + i if found.layout == "mnist_test_seq" else i * t + k
    return IndexedSequenceSet(rows, index, layout=found.layout)


def describe_sequences(path: str | os.PathLike[str], layout: str | None = None) -> dict[str, Any]:
    """What a sequence file holds, read from its headers (for ``mnist-viewer info --json``)."""
    if is_zarr(path):
        return describe_zarr(path)
    found = inspect_file(path, layout)
    stored = found.arrays.get("frames") or found.arrays["input_raw_data"]
    info: dict[str, Any] = {
        "kind": "sequences",
        "path": str(found.path),
        "layout": found.layout,
        "num_sequences": found.num_sequences,
        "frames": found.num_frames,
        "height": found.height,
        "width": found.width,
        "dtype": str(stored.dtype),
        "ground_truth": found.ground_truth,
    }
    if found.ground_truth:
        info["digits_per_sequence"] = int(found.arrays["labels"].shape[1])
    if found.config is not None:
        info["config"] = found.config
    return info


def is_sequence_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is to be read as a sequence file (a cheap sniff, not a validation).

    The rule, in one place: any existing ``.npy`` file is (even a corrupt one, so that its
    error is about .npy); a ``.npz`` file is unless it is a Keras-format dataset (members
    ``x_train``...; a .npz that is not a zip at all counts as a sequence file too). Other
    names: a ``.npy`` array by content, or a zip holding ``frames`` or PredRNN's
    ``input_raw_data``/``clips``. A folder, a missing file or an IDX file is not; a Zarr
    store (a ``.zarr`` name or a folder holding ``zarr.json``) is.
    """
    if is_zarr(path):
        return True
    path = Path(path).expanduser()
    if not path.is_file():
        return False
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return True
    try:
        kind = sniff(path)
        if kind == "npy":
            return True
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (DataError, OSError, zipfile.BadZipFile, EOFError):
        return suffix == ".npz"
    if {"frames.npy", "input_raw_data.npy", "clips.npy"} & names:
        return True
    if suffix == ".npz":
        return not {f"{k}.npy" for k in KERAS_KEYS} & names
    return False
