"""Sequence sets from what people pass around besides arrays: animations and videos (one
sequence, or a grid split back into its cells), folders of frame images, and HDF5 datasets.

:func:`media_kind_of` decides the kind from the content (magic numbers, folder contents), never
from the name alone; :func:`open_media_sequences` opens it; :func:`describe_media` says what was
recognised and how (for ``info --json``). Each set's ``config`` carries a ``"source"`` dict with
the kind, the reader, the frame rate and durations when the file gives them, how colour was
handled, and any note (truncation) — the viewer shows the note in the status bar.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from ..sequences import ArraySequenceSet, SequenceSet
from . import grid_split, hdf5, image_folders, media

KINDS = ("animation", "video", "frame-folder", "sequence-folders", "hdf5")


def media_kind_of(path: str | os.PathLike[str]) -> str | None:
    """One of :data:`KINDS` for ``path`` by its content, or None."""
    path = Path(path)
    if path.is_dir():
        kind = image_folders.folder_kind(path)
        return {"frames": "frame-folder", "sequences": "sequence-folders"}.get(kind or "")
    if not path.is_file():
        return None
    if hdf5.is_hdf5(path):
        return "hdf5"
    return media.media_kind(path)


def _source(kind: str, **fields: Any) -> dict[str, Any]:
    return {"source": {"kind": kind, **{k: v for k, v in fields.items() if v is not None}}}


def open_media_sequences(
    path: str | os.PathLike[str],
    *,
    key: str | None = None,
    grid: grid_split.GridSplit | None = None,
) -> SequenceSet:
    """Open an animation, video, frame folder, folder of frame folders or HDF5 dataset.

    ``grid`` splits an animation or video into ``rows × cols`` sequences (see
    :mod:`.grid_split`); ``key`` names the HDF5 dataset. Raises :class:`DataError` naming the
    file for anything it can't use.
    """
    path = Path(path)
    kind = media_kind_of(path)
    if kind in ("animation", "video"):
        read = media.read_media(path)
        frames = read.frames
        detected = grid_split.detect_grid(frames)
        fields: dict[str, Any] = {
            "reader": read.reader, "fps": read.fps, "colour": read.colour,
            "note": read.note or None,
            "durations": None if read.durations is None else [float(d) for d in read.durations],
        }
        if grid is not None:
            try:
                cells = grid_split.split_grid(frames, grid)
            except ValueError as exc:
                raise DataError(path, str(exc)) from None
            fields["grid"] = {"rows": grid.rows, "cols": grid.cols, "gap": grid.gap}
            return ArraySequenceSet(cells, config=_source(kind, **fields), layout=kind)
        if detected is not None:
            fields["grid_detected"] = {"rows": detected.rows, "cols": detected.cols,
                                       "gap": detected.gap}
        return ArraySequenceSet(frames[None], config=_source(kind, **fields), layout=kind)
    if kind == "frame-folder":
        frames, exact = image_folders.read_frame_folder(path)
        config = _source(kind, reader="pillow", colour="grey" if exact else "converted")
        return ArraySequenceSet(frames[None], config=config, layout=kind)
    if kind == "sequence-folders":
        frames, subs, exact = image_folders.read_sequence_folders(path)
        config = _source(kind, reader="pillow", colour="grey" if exact else "converted",
                         folders=[p.name for p in subs])
        return ArraySequenceSet(frames, config=config, layout=kind)
    if kind == "hdf5":
        return open_hdf5_sequences(path, key)
    raise DataError(path, "not an animation, a video, a folder of frame images or an HDF5 file")


def _to_uint8(block: np.ndarray, mapping: tuple[float, float] | None) -> np.ndarray:
    if block.dtype == np.uint8:
        return block
    if block.dtype == np.bool_:
        return block.astype(np.uint8) * 255
    if mapping is None:
        return np.asarray(block).astype(np.uint8)
    low, scale = mapping
    with np.errstate(invalid="ignore", over="ignore"):
        out = (np.asarray(block, np.float64) - low) * scale
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


class Hdf5SequenceSet(SequenceSet):
    """Sequences of an HDF5 dataset, read by chunks of sequences when asked for.

    ``time_first`` says the dataset is (T, N, …) rather than (N, T, …); a channel axis of size 1
    (after or before H, W) is dropped; values are mapped to uint8 by ``mapping`` = (low, scale)
    (``(x − low) × scale``, rounded and clipped) or taken as they are for uint8.
    """

    def __init__(self, array: hdf5.Hdf5Array, shape: tuple[int, int, int, int],
                 time_first: bool, channel: int | None,
                 mapping: tuple[float, float] | None, config: dict[str, Any]) -> None:
        n, t, h, w = shape
        super().__init__(n, t, h, w, config=config)
        self.array, self.time_first = array, time_first
        self.channel, self.mapping = channel, mapping
        self.layout = "hdf5"

    def chunk(self, start: int, stop: int) -> np.ndarray:
        if self.array.ndim == 3:
            block = self.array[:][None][start:stop]
        elif self.time_first:
            block = np.swapaxes(self.array[:, start:stop], 0, 1)
        else:
            block = self.array[start:stop]
        if self.channel is not None:
            block = np.take(block, 0, axis=self.channel)
        return _to_uint8(block, self.mapping)


def _value_mapping(array: hdf5.Hdf5Array) -> tuple[tuple[float, float] | None, str]:
    """(mapping, how) from the whole range, read by slices (bounded memory)."""
    if array.dtype == np.uint8 or array.dtype == np.bool_:
        return None, "as stored" if array.dtype == np.uint8 else "bool → 0/255"
    low, high = np.inf, -np.inf
    step = max(1, int(2**26 // max(1, int(np.prod(array.shape[1:])) * array.dtype.itemsize)))
    for i in range(0, array.shape[0], step):
        block = array[i:i + step]
        if block.dtype.kind == "f" and not np.isfinite(block).all():
            raise DataError(array.path, f"dataset {array.key} holds NaN or infinite values")
        if block.size:
            low, high = min(low, float(block.min())), max(high, float(block.max()))
    if array.dtype.kind in "iu" and low >= 0 and high <= 255:
        return None, "as stored (integers within 0..255)"
    if array.dtype.kind == "f" and low >= 0 and high <= 1:
        return (0.0, 255.0), "×255 (floats within [0, 1])"
    if array.dtype.kind == "f" and low >= 0 and high <= 255:
        return (0.0, 1.0), "rounded (floats within [0, 255])"
    span = high - low if high > low else 1.0
    return (low, 255.0 / span), f"min–max {low:g}..{high:g} → 0..255"


def open_hdf5_sequences(path: str | os.PathLike[str], key: str | None = None) -> SequenceSet:
    """An HDF5 dataset of frames as a lazy sequence set (see :class:`Hdf5SequenceSet`).

    Ranks: 3 is one sequence (T, H, W); 4 is (N, T, H, W) or (T, N, H, W) (time is the axis
    along which neighbouring frames are most alike, measured on a bounded sample); 5 has a
    channel axis of size 1 after the two leading axes or last.
    """
    path = Path(path)
    entry = hdf5.frames_key(path, key)
    array = hdf5.Hdf5Array(path, entry.name)
    shape = array.shape
    channel = None
    if len(shape) == 5:
        if shape[2] == 1:
            channel, shape = 2, shape[:2] + shape[3:]
        elif shape[4] == 1:
            channel, shape = 4, shape[:4]
        else:
            raise DataError(path, f"dataset {entry.name} is {shape}: a 5-D dataset needs a "
                                  "channel axis of size 1")
    mapping, how = _value_mapping(array)
    time_first, decided_by = False, "shape"
    if len(shape) == 3:
        dims = (1, shape[0], shape[1], shape[2])
    else:
        time_first, decided_by = _time_axis(array, channel)
        a, b, h, w = shape
        dims = (b, a, h, w) if time_first else (a, b, h, w)
    if min(dims) < 1:
        raise DataError(path, f"dataset {entry.name} is empty {array.shape}")
    config = _source("hdf5", dataset=entry.name, dtype=entry.dtype,
                     layout="(T, N, H, W)" if time_first else "(N, T, H, W)",
                     layout_decided_by=decided_by, value_mapping=how)
    return Hdf5SequenceSet(array, dims, time_first, channel, mapping, config)


def _time_axis(array: hdf5.Hdf5Array, channel: int | None) -> tuple[bool, str]:
    """Whether axis 0 is time: neighbouring frames along time differ less than along sequences.

    Compares the mean absolute difference between neighbours along each leading axis on a
    sample of at most 8 × 8 frames; a tie (blank frames) keeps (N, T)."""
    a, b = array.shape[0], array.shape[1]
    if a < 2 and b < 2:
        return False, "shape"
    sample = np.asarray(array[: min(a, 8), : min(b, 8)], np.float64)
    if channel is not None:
        sample = np.take(sample, 0, axis=channel)
    along0 = np.abs(np.diff(sample, axis=0)).mean() if a > 1 else np.inf
    along1 = np.abs(np.diff(sample, axis=1)).mean() if b > 1 else np.inf
    if along0 == along1:
        return False, "shape"
    return bool(along0 < along1), "content"


def describe_media(path: str | os.PathLike[str], key: str | None = None) -> dict[str, Any]:
    """What an animation, video, frame folder or HDF5 file holds and how it was recognised."""
    path = Path(path)
    kind = media_kind_of(path)
    info: dict[str, Any] = {"kind": "sequences", "path": str(path), "recognised_as": kind}
    if kind == "hdf5":
        info["datasets"] = [
            {"name": e.name, "shape": list(e.shape), "dtype": e.dtype}
            for e in hdf5.list_datasets(path)
        ]
    seqs = open_media_sequences(path, key=key)
    info.update({
        "layout": seqs.layout, "num_sequences": seqs.num_sequences, "frames": seqs.num_frames,
        "height": seqs.height, "width": seqs.width, "dtype": "uint8", "ground_truth": False,
    })
    info.update(seqs.config or {})
    return info
