"""Saving sequence sets in every layout: chunked, bounded memory, atomic (temporary file, then
rename).
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from ..compute import Engine, chunk_ranges, run_chunks
from ..errors import DataError
from ..jobs import Cancel, Progress, atomic_path, check_target
from ..sequences import SequenceSet
from .layouts import GROUND_TRUTH_KEYS, LAYOUTS, NPY_LAYOUTS, NPZ_LAYOUTS
from .zarr_store import is_zarr, save_zarr
from .zipstream import ZipStream

CHUNK = 128  # sequences per chunk when saving (10 MB of 64x64x20 frames)
# ---------------------------------------------------------------------------------------------
# saving


def layout_for(path: str | os.PathLike[str], layout: str | None = None) -> str:
    """The layout to save ``path`` in: ``layout`` if given (checked against the extension),
    else ``npz`` for .npz, ``mnist_test_seq`` for .npy and ``zarr`` for a .zarr store."""
    if is_zarr(path) and layout in (None, "", "auto", "zarr"):
        return "zarr"
    suffix = Path(path).suffix.lower()
    if layout in (None, "", "auto"):
        if suffix == ".npz":
            return "npz"
        if suffix == ".npy":
            return "mnist_test_seq"
        raise DataError(path, "unknown extension: save sequences as .npz, .npy or a .zarr store")
    if layout not in LAYOUTS:
        raise DataError(path, f"unknown layout {layout!r} (use one of {', '.join(LAYOUTS)})")
    wanted = ".npz" if layout in NPZ_LAYOUTS else ".npy"
    if suffix != wanted:
        raise DataError(path, f"layout {layout!r} is written as a {wanted} file")
    if layout in ("torchvision", "torchvision_channel") and \
            Path(path).name.lower().startswith("mnist_test_seq"):
        # every reader (this one, torchvision, OpenSTL) takes that name as (T, N, H, W)
        raise DataError(path, f"the name mnist_test_seq* means (T, N, H, W), which layout "
                              f"{layout!r} is not: use another name, e.g. "
                              f"moving_mnist_{layout}.npy")
    return layout


def frames_task(seqset: SequenceSet, start: int, stop: int) -> np.ndarray:
    """The frames of sequences ``start:stop`` as a C-contiguous uint8 (k, T, H, W) array (a
    Dask task: module-level, so worker processes can run it)."""
    return np.ascontiguousarray(seqset.chunk(start, stop), dtype=np.uint8)


def _unit_floats_task(seqset: SequenceSet, start: int, stop: int) -> np.ndarray:
    values = seqset.chunk(start, stop).astype(np.float32)
    values /= np.float32(255)
    return values


def _stream(
    seqset: SequenceSet,
    write: Callable[[np.ndarray, int, int], None],
    progress: Progress | None,
    cancel: Cancel | None,
    engine: Engine | None,
    task: Callable[[SequenceSet, int, int], np.ndarray] = frames_task,
    chunk: int = CHUNK,
) -> None:
    """``write(frames, start, stop)`` every chunk of sequences in order, the chunks computed
    on ``engine`` (see :mod:`..compute`): the bytes written never depend on the engine."""
    ranges = chunk_ranges(0, seqset.num_sequences, chunk)
    run_chunks(task, seqset, ranges, lambda s, e, block: write(block, s, e), engine, progress,
               cancel)


def _npy_header(fp: IO[bytes], shape: tuple[int, ...], dtype: npt.DTypeLike) -> None:
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
              "shape": shape}
    np.lib.format.write_array_header_1_0(fp, header)


def _write_frames_npy(
    fp: IO[bytes], seqset: SequenceSet, layout: str,
    progress: Progress | None, cancel: Cancel | None, engine: Engine | None,
) -> None:
    n, t, h, w = seqset.num_sequences, seqset.num_frames, seqset.height, seqset.width
    if layout == "mnist_test_seq":
        _npy_header(fp, (t, n, h, w), np.uint8)
        base, frame_bytes = fp.tell(), h * w

        def write(block: np.ndarray, s: int, e: int) -> None:
            by_time = np.ascontiguousarray(block.transpose(1, 0, 2, 3))
            for k in range(t):  # time k of sequences s:e is one contiguous run in the file
                fp.seek(base + (k * n + s) * frame_bytes)
                _write_bytes(fp, by_time[k])

        _stream(seqset, write, progress, cancel, engine)
        fp.seek(base + t * n * frame_bytes)
        return
    shape = (n, t, 1, h, w) if layout == "torchvision_channel" else (n, t, h, w)
    _npy_header(fp, shape, np.uint8)
    _stream(seqset, lambda block, s, e: _write_bytes(fp, block), progress, cancel, engine)


def _write_bytes(fp: IO[bytes], array: np.ndarray) -> None:
    """Write a C-contiguous array's bytes without copying them."""
    fp.write(array.data.cast("B"))


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def _add_member(zs: ZipStream, key: str, array: np.ndarray) -> None:
    with zs.member(f"{key}.npy") as member:
        member.write(_npy_bytes(array))


def _npy_member_header(shape: tuple[int, ...], dtype: npt.DTypeLike) -> bytes:
    buffer = io.BytesIO()
    _npy_header(buffer, shape, dtype)
    return buffer.getvalue()


def _write_npz(
    fp: IO[bytes], seqset: SequenceSet, progress: Progress | None, cancel: Cancel | None,
    engine: Engine | None,
) -> None:
    n, t, h, w = seqset.num_sequences, seqset.num_frames, seqset.height, seqset.width
    zs = ZipStream(fp)
    with zs.member("frames.npy") as member:
        member.write(_npy_member_header((n, t, h, w), np.uint8))
        _stream(seqset, lambda block, s, e: member.write(block), progress, cancel, engine)
    truth = seqset.ground_truth
    if truth is not None:
        for key in GROUND_TRUTH_KEYS:
            _add_member(zs, key, getattr(truth, key))
    if seqset.config is not None:
        text = json.dumps(seqset.config, sort_keys=True, default=str)
        _add_member(zs, "config", np.array(text))
    zs.close()


def _write_predrnn(
    fp: IO[bytes], seqset: SequenceSet, progress: Progress | None, cancel: Cancel | None,
    engine: Engine | None,
) -> None:
    n, t, h, w = seqset.num_sequences, seqset.num_frames, seqset.height, seqset.width
    t_in = t - t // 2
    first = np.arange(n, dtype=np.int32) * t
    clips = np.empty((2, n, 2), dtype=np.int32)
    clips[0, :, 0], clips[0, :, 1] = first, t_in
    clips[1, :, 0], clips[1, :, 1] = first + t_in, t - t_in
    zs = ZipStream(fp)
    _add_member(zs, "clips", clips)
    _add_member(zs, "dims", np.array([[1, h, w]], dtype=np.int32))
    with zs.member("input_raw_data.npy") as member:
        member.write(_npy_member_header((n * t, 1, h, w), np.float32))
        _stream(seqset, lambda block, s, e: member.write(block), progress, cancel, engine,
                task=_unit_floats_task)
    zs.close()


def save_sequences(
    path: str | os.PathLike[str],
    seqset: SequenceSet,
    layout: str | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    engine: Engine | None = None,
    resume: bool = False,
) -> Path:
    """Write a sequence set to ``path`` in ``layout`` (by extension if not given).

    Frames are streamed chunk by chunk (memory stays bounded whatever N is); a generated set
    is rendered as it is written, the chunks computed on ``engine`` (Dask: local threads by
    default, local processes or a cluster, see :mod:`..compute`), the same bytes whatever the
    engine. The file is written beside the target and renamed when complete: a failure or a
    cancel leaves no partial file. Returns the path written. A ``.zarr`` target (also an
    fsspec URL) is a Zarr store, written chunk by chunk by the engine's workers, resumable
    with ``resume`` (see :func:`.zarr_store.save_zarr`).
    """
    if not is_zarr(path):
        check_target(Path(path).expanduser())  # before any work: never a folder, FIFO, device
    layout = layout_for(path, layout)
    if layout == "zarr":
        return Path(save_zarr(path, seqset, progress, cancel, engine, resume=resume))
    path = Path(path).expanduser()
    with atomic_path(path) as tmp, open(tmp, "r+b") as fp:
        if layout in NPY_LAYOUTS:
            _write_frames_npy(fp, seqset, layout, progress, cancel, engine)
        elif layout == "npz":
            _write_npz(fp, seqset, progress, cancel, engine)
        else:
            _write_predrnn(fp, seqset, progress, cancel, engine)
        fp.truncate()
        fp.flush()
        os.fsync(fp.fileno())
    return path
