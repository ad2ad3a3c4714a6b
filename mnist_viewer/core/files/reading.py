"""Opening and describing sequence files: every layout as a lazy :class:`SequenceSet`.

Which axes are sequences and time is decided from the content (:mod:`.layout_decision`), and
values other than uint8 are mapped to 0..255 by one mapping per file (:mod:`.values`), applied
on access. ``.npy`` files and uncompressed ``.npz`` members are memory-mapped, never loaded
whole. Nothing is ever unpickled. Every set opened here carries ``how_read`` (see
:meth:`.layouts.FoundLayout.how_read`).
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
from .grid_split import GridSplit
from .layout_decision import frames_view
from .layouts import KERAS_KEYS, FoundLayout, inspect_file
from .media_sets import describe_media, media_kind_of, open_media_sequences
from .stored import CHEAP_CHECK_BYTES, sniff, verify_file
from .values import ValueMapping
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


class MappedSequenceSet(SequenceSet):
    """A (N, T, H, W) array-like of any numeric dtype (any strides, memory-mapped or not),
    mapped to uint8 on access by one :class:`~.values.ValueMapping`."""

    def __init__(self, frames: Any, mapping: ValueMapping, ground_truth: GroundTruth | None = None,
                 config: dict[str, Any] | None = None, layout: str = "array") -> None:
        n, t, h, w = (int(s) for s in frames.shape)
        super().__init__(n, t, h, w, ground_truth, config)
        self.frames, self.mapping, self.layout = frames, mapping, layout

    def chunk(self, start: int, stop: int) -> np.ndarray:
        return self.mapping.apply(self.frames[start:stop])

    def sequence(self, index: int) -> np.ndarray:
        return self.mapping.apply(self.frames[self._check_index(index)])

    def frame(self, index: int, t: int) -> np.ndarray:
        return self.mapping.apply(self.frames[self._check_index(index), int(t)])


class MappedIndexedSequenceSet(IndexedSequenceSet):
    """:class:`IndexedSequenceSet` whose rows are mapped to uint8 by a ValueMapping."""

    def __init__(self, rows: np.ndarray, index: np.ndarray, mapping: ValueMapping,
                 layout: str = "indexed") -> None:
        super().__init__(rows, index, layout=layout)
        self.mapping = mapping

    def chunk(self, start: int, stop: int) -> np.ndarray:
        index = self.index[start:stop]
        rows = self.mapping.apply(self.rows[index.ravel()])
        return rows.reshape(index.shape + self.rows.shape[1:])

    def frame(self, index: int, t: int) -> np.ndarray:
        return self.mapping.apply(self.rows[int(self.index[self._check_index(index), int(t)])])


def open_sequences(path: str | os.PathLike[str], layout: str | None = None, *,
                   key: str | None = None, grid: GridSplit | None = None) -> SequenceSet:
    """Open a sequence file of any supported layout (see the module doc for the rules), or an
    animation, video, folder of frame images or HDF5 dataset (:mod:`.media_sets`: ``key`` names
    the HDF5 dataset, ``grid`` splits a grid animation into its cells).

    ``layout`` overrides the decided layout (one of ``READABLE_LAYOUTS``, e.g.
    ``"mnist_test_seq"`` / ``"torchvision"``). Frames come back as uint8 (N, T, H, W) through
    the :class:`SequenceSet` API; ``how_read`` says how they were read. Raises
    :class:`DataError` naming the file for anything it can't use. A Zarr store (``.zarr``,
    also an fsspec URL) opens lazily (:mod:`.zarr_store`).
    """
    if is_zarr(path):
        return open_zarr(path)
    if media_kind_of(path) is not None:
        return open_media_sequences(path, key=key, grid=grid, layout=layout)
    found = inspect_file(path, layout)
    mapping = found.mapping
    assert mapping is not None
    seqset: SequenceSet
    if found.layout == "predrnn":
        data = found.arrays["input_raw_data"].mapped()[:, 0]
        clips, t_in, t_out = found.extra["clips"], found.extra["t_in"], found.extra["t_out"]
        index = np.concatenate(
            [clips[0, :, :1] + np.arange(t_in), clips[1, :, :1] + np.arange(t_out)], axis=1
        )
        seqset = MappedIndexedSequenceSet(data, index, mapping, layout="predrnn")
    else:
        raw = found.arrays["frames"].mapped()
        truth = config = None
        if found.layout == "npz":
            frames = raw
            truth = _ground_truth(found) if found.ground_truth else None
            config = found.config
        else:
            frames = frames_view(raw, found.layout)
        if mapping.kind == "none":
            seqset = ArraySequenceSet(frames, truth, config, layout=found.layout)
        else:
            seqset = MappedSequenceSet(frames, mapping, truth, config, layout=found.layout)
    seqset.how_read = found.how_read()
    return seqset


def describe_sequences(path: str | os.PathLike[str], layout: str | None = None, *,
                       key: str | None = None) -> dict[str, Any]:
    """What a sequence file holds (for ``mnist-viewer info --json``): sizes from its headers,
    and how its frames are read (layout decision, value range and mapping, from a bounded
    sample of its content). Animations, videos, frame folders and HDF5 files: see
    :func:`~.media_sets.describe_media`. An .npz's stored members are checked against their
    CRC-32 when the file is at most :data:`~.stored.CHEAP_CHECK_BYTES` (``crc_checked`` says
    whether they were); DataError naming the file and member if one fails."""
    if is_zarr(path):
        return describe_zarr(path)
    if media_kind_of(path) is not None:
        return describe_media(path, key=key)
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
    info.update(found.how_read())
    if found.ground_truth:
        info["digits_per_sequence"] = int(found.arrays["labels"].shape[1])
    if found.config is not None:
        info["config"] = found.config
    if stored.member is not None:  # an .npz: its stored members' CRC-32, if cheap to check
        info["crc_checked"] = stored.path.stat().st_size <= CHEAP_CHECK_BYTES
        if info["crc_checked"]:
            verify_file(stored.path)
    return info


def is_sequence_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is to be read as a sequence file (a cheap sniff, not a validation).

    The rule, in one place: any existing ``.npy`` file is (even a corrupt one, so that its
    error is about .npy); a ``.npz`` file is unless it is a Keras-format dataset (members
    ``x_train``...; a .npz that is not a zip at all counts as a sequence file too). Other
    names: a ``.npy`` array by content, or a zip holding ``frames`` or PredRNN's
    ``input_raw_data``/``clips``. An animation, a video, an HDF5 file, a folder of frame images
    or of such folders is (:func:`~.media_sets.media_kind_of`, by content). Any other folder, a
    missing file or an IDX file is not; a Zarr store (a ``.zarr`` name or a folder holding
    ``zarr.json``) is.
    """
    if is_zarr(path):
        return True
    path = Path(path).expanduser()
    if media_kind_of(path) is not None:
        return True
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
