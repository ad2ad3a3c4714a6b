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

from .. import hdf5
from ..errors import DataError
from ..sequences import ArraySequenceSet, SequenceSet
from . import grid_split, image_folders, media
from .layout_decision import READ_LAYOUTS, decide_layout
from .values import ValueMapping, full_range, sample_frames, value_mapping

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
    layout: str | None = None,
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
        return open_hdf5_sequences(path, key, layout)
    raise DataError(path, "not an animation, a video, a folder of frame images or an HDF5 file")


class _ChannelDropped:
    """A lazy view of an HDF5 array without its size-1 channel axis ``channel``."""

    def __init__(self, array: hdf5.Hdf5Array, channel: int) -> None:
        self.array, self.channel = array, channel
        self.shape = array.shape[:channel] + array.shape[channel + 1:]
        self.dtype, self.ndim = array.dtype, array.ndim - 1

    def __getitem__(self, index: Any) -> np.ndarray:
        index = index if isinstance(index, tuple) else (index,)
        index = index + (slice(None),) * (self.ndim - len(index))
        return self.array[(*index[:self.channel], 0, *index[self.channel:])]


class Hdf5SequenceSet(SequenceSet):
    """Sequences of an HDF5 dataset, read by chunks of sequences when asked for: ``axes`` is the
    dataset's layout without its channel (``"NTHW"``, ``"TNHW"`` or ``"THW"``), values are
    mapped to uint8 by ``mapping`` (the same rule as for ``.npy``, :mod:`.values`)."""

    def __init__(self, array: Any, axes: str, mapping: ValueMapping,
                 config: dict[str, Any]) -> None:
        dims = dict(zip(axes, array.shape, strict=True))
        super().__init__(dims.get("N", 1), dims["T"], dims["H"], dims["W"], config=config)
        self.array, self.axes, self.mapping = array, axes, mapping
        self.layout = "hdf5"

    def chunk(self, start: int, stop: int) -> np.ndarray:
        if self.axes == "THW":
            block = np.asarray(self.array[:])[None][start:stop]
        elif self.axes == "TNHW":
            block = np.swapaxes(np.asarray(self.array[:, start:stop]), 0, 1)
        else:
            block = np.asarray(self.array[start:stop])
        return self.mapping.apply(block)


def open_hdf5_sequences(path: str | os.PathLike[str], key: str | None = None,
                        layout: str | None = None) -> SequenceSet:
    """An HDF5 dataset of frames as a lazy sequence set, by the same layout and value rules as
    a ``.npy`` (:func:`~.layout_decision.decide_layout`, :func:`~.values.value_mapping`):
    (T, H, W) is one sequence; (N, T, H, W) or (T, N, H, W) from the content; a channel axis of
    size 1 in the usual places. ``layout`` overrides the decision.
    """
    path = Path(path)
    entry = hdf5.frames_key(path, key)
    array: Any = hdf5.Hdf5Array(path, entry.name)
    mapping = value_mapping(sample_frames(array), full_range(array), path)
    try:
        decision = decide_layout(array, path.name, mapping, layout)
    except ValueError as exc:
        raise DataError(path, f"dataset {entry.name}: {exc}") from None
    axes = READ_LAYOUTS[decision.layout]
    if "C" in axes:
        array = _ChannelDropped(array, axes.index("C"))
        axes = axes.replace("C", "")
    if min(array.shape) < 1:
        raise DataError(path, f"dataset {entry.name} is empty {entry.shape}")
    how = {"layout": decision.layout, "axes": decision.axes or axes,
           "layout_decided_by": decision.decided_by, "layout_weak": decision.weak,
           "layout_reason": decision.reason, "value_range": mapping.range_json(),
           "value_mapping": mapping.as_json()}
    config = _source("hdf5", dataset=entry.name, dtype=entry.dtype, **how)
    seqs = Hdf5SequenceSet(array, axes, mapping, config)
    seqs.how_read = how
    return seqs


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
