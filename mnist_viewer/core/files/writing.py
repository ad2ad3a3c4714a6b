"""Saving sequence sets in every layout: chunked, bounded memory, atomic (temporary file, then
rename).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import zipfile
from collections.abc import Callable, Generator
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from ..errors import DataError
from ..generation.render import render_task, subset_digits
from ..generation.sets import GeneratedSequenceSet
from ..jobs import Cancel, Progress, atomic_path, check_cancel, check_target, report
from ..sequences import SequenceSet
from .layouts import GROUND_TRUTH_KEYS, LAYOUTS, NPY_LAYOUTS, NPZ_LAYOUTS

_CHUNK = 128  # sequences per chunk when saving (about 10 MB of 64x64x20 frames)
# ---------------------------------------------------------------------------------------------
# saving


def layout_for(path: str | os.PathLike[str], layout: str | None = None) -> str:
    """The layout to save ``path`` in: ``layout`` if given (checked against the extension),
    else ``npz`` for .npz and ``mnist_test_seq`` for .npy."""
    suffix = Path(path).suffix.lower()
    if layout in (None, "", "auto"):
        if suffix == ".npz":
            return "npz"
        if suffix == ".npy":
            return "mnist_test_seq"
        raise DataError(path, "unknown extension: save sequences as .npz or .npy")
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


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _spawn_pool(workers: int) -> ProcessPoolExecutor:
    # spawn, not fork: safe from a GUI process with threads, the same on every platform
    return ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupts,
                               mp_context=multiprocessing.get_context("spawn"))


class _Fill:
    """Writes the frames of sequences ``start:stop`` into a (k, T, H, W) view ``out``."""

    def __init__(self, seqset: SequenceSet, start: int, stop: int,
                 future: Future[np.ndarray] | None = None) -> None:
        self.seqset, self.start, self.stop, self.future = seqset, start, stop, future

    def __call__(self, out: np.ndarray) -> None:
        if self.future is not None:  # rendered by a worker process
            try:
                np.copyto(out, self.future.result())
            except BrokenExecutor as exc:
                raise OSError(f"a worker process stopped unexpectedly ({exc})") from None
        elif isinstance(self.seqset, GeneratedSequenceSet):
            self.seqset.render_into(self.start, self.stop, out)  # straight into the buffer
        else:
            np.copyto(out, self.seqset.chunk(self.start, self.stop))


def _fills(seqset: SequenceSet, chunk: int, workers: int) -> Generator[_Fill, None, None]:
    """One :class:`_Fill` per chunk; a generated set is rendered by ``workers`` processes
    (a few chunks ahead) when more than 1."""
    n = seqset.num_sequences
    ranges = [(s, min(n, s + chunk)) for s in range(0, n, chunk)]
    if workers <= 1 or not isinstance(seqset, GeneratedSequenceSet):
        for s, e in ranges:
            yield _Fill(seqset, s, e)
        return
    combine, size = seqset.generator_config.combine, seqset.height
    pool = _spawn_pool(workers)
    futures: list[Future[np.ndarray] | None] = []
    try:
        for i, (s, e) in enumerate(ranges):
            while len(futures) < min(len(ranges), i + 2 * workers):
                a, b = ranges[len(futures)]
                gt, digits = subset_digits(seqset.ground_truth.select(slice(a, b)), seqset.digits)
                futures.append(pool.submit(render_task, gt, digits, combine, size))
            future, futures[i] = futures[i], None  # the result is freed once used
            yield _Fill(seqset, s, e, future)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _stream(
    seqset: SequenceSet,
    write: Callable[[np.ndarray, int, int], None],
    time_major: bool,
    progress: Progress | None,
    cancel: Cancel | None,
    workers: int,
    chunk: int = _CHUNK,
) -> None:
    """Fill chunk buffers in turn and write each on a background thread (two buffers, so
    rendering the next chunk overlaps writing the last: bounded memory, disk-speed writes).

    ``write(frames, start, stop)`` gets (T, k, H, W) if ``time_major`` else (k, T, H, W).
    """
    n, t, h, w = seqset.num_sequences, seqset.num_frames, seqset.height, seqset.width
    chunk = max(1, min(chunk, n))
    shape = (t, chunk, h, w) if time_major else (chunk, t, h, w)
    buffers = [np.empty(shape, dtype=np.uint8) for _ in range(2)]
    pending: Future[None] | None = None
    report(progress, 0, n)
    chunks = _fills(seqset, chunk, workers)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sequence-writer") as io:
        try:
            for i, fill in enumerate(chunks):
                s, e = fill.start, fill.stop
                check_cancel(cancel)
                buf = buffers[i % 2]
                k = e - s
                block = buf[:, :k] if time_major else buf[:k]
                fill(block.transpose(1, 0, 2, 3) if time_major else block)
                if pending is not None:
                    pending.result()
                    pending = None
                pending = io.submit(write, block, s, e)
                report(progress, e, n)
            if pending is not None:
                pending.result()
                pending = None
        finally:
            chunks.close()  # stops worker processes at once on failure or cancel
            if pending is not None:  # let an in-flight write finish before the file closes
                with contextlib.suppress(Exception):
                    pending.result()


def _npy_header(fp: IO[bytes], shape: tuple[int, ...], dtype: npt.DTypeLike) -> None:
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
              "shape": shape}
    np.lib.format.write_array_header_1_0(fp, header)


def _write_frames_npy(
    fp: IO[bytes], seqset: SequenceSet, layout: str,
    progress: Progress | None, cancel: Cancel | None, workers: int,
) -> None:
    n, t, h, w = seqset.num_sequences, seqset.num_frames, seqset.height, seqset.width
    if layout == "mnist_test_seq":
        _npy_header(fp, (t, n, h, w), np.uint8)
        base, frame_bytes = fp.tell(), h * w

        def write(block: np.ndarray, s: int, e: int) -> None:
            for k in range(t):  # time k of sequences s:e is one contiguous run in the file
                fp.seek(base + (k * n + s) * frame_bytes)
                _write_bytes(fp, block[k])

        _stream(seqset, write, True, progress, cancel, workers)
        fp.seek(base + t * n * frame_bytes)
        return
    shape = (n, t, 1, h, w) if layout == "torchvision_channel" else (n, t, h, w)
    _npy_header(fp, shape, np.uint8)
    _stream(seqset, lambda block, s, e: _write_bytes(fp, block), False, progress, cancel,
            workers)


def _write_bytes(fp: IO[bytes], array: np.ndarray) -> None:
    """Write a C-contiguous array's bytes without copying them."""
    fp.write(array.data.cast("B"))


def _write_member(zf: zipfile.ZipFile, key: str, array: np.ndarray) -> None:
    with zf.open(f"{key}.npy", "w", force_zip64=True) as fp:
        np.lib.format.write_array(fp, np.asarray(array), allow_pickle=False)


def _write_npz(
    fp: IO[bytes], seqset: SequenceSet, progress: Progress | None, cancel: Cancel | None,
    workers: int,
) -> None:
    n, t, h, w = seqset.num_sequences, seqset.num_frames, seqset.height, seqset.width
    with zipfile.ZipFile(fp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        with zf.open("frames.npy", "w", force_zip64=True) as member:
            _npy_header(member, (n, t, h, w), np.uint8)
            _stream(seqset, lambda block, s, e: _write_bytes(member, block), False, progress,
                    cancel, workers)
        truth = seqset.ground_truth
        if truth is not None:
            for key in GROUND_TRUTH_KEYS:
                _write_member(zf, key, getattr(truth, key))
        if seqset.config is not None:
            text = json.dumps(seqset.config, sort_keys=True, default=str)
            _write_member(zf, "config", np.array(text))


def _write_predrnn(
    fp: IO[bytes], seqset: SequenceSet, progress: Progress | None, cancel: Cancel | None,
    workers: int,
) -> None:
    n, t, h, w = seqset.num_sequences, seqset.num_frames, seqset.height, seqset.width
    t_in = t - t // 2
    first = np.arange(n, dtype=np.int32) * t
    clips = np.empty((2, n, 2), dtype=np.int32)
    clips[0, :, 0], clips[0, :, 1] = first, t_in
    clips[1, :, 0], clips[1, :, 1] = first + t_in, t - t_in
    scale = np.float32(255)
    with zipfile.ZipFile(fp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        _write_member(zf, "clips", clips)
        _write_member(zf, "dims", np.array([[1, h, w]], dtype=np.int32))
        with zf.open("input_raw_data.npy", "w", force_zip64=True) as member:
            _npy_header(member, (n * t, 1, h, w), np.float32)

            def write(block: np.ndarray, s: int, e: int) -> None:
                values = block.astype(np.float32)
                values /= scale
                _write_bytes(member, values)

            _stream(seqset, write, False, progress, cancel, workers)


def save_sequences(
    path: str | os.PathLike[str],
    seqset: SequenceSet,
    layout: str | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    workers: int = 1,
) -> Path:
    """Write a sequence set to ``path`` in ``layout`` (by extension if not given).

    Frames are streamed chunk by chunk (memory stays bounded whatever N is). A generated set
    is rendered as it is written, by ``workers`` processes if more than 1 (same bytes; capped
    at the number of CPU cores, and worth it only on machines with many). The
    file is written beside the target and renamed when complete: a failure or a cancel leaves
    no partial file. Returns the path written.
    """
    path = Path(path).expanduser()
    check_target(path)  # before any work: never a folder, FIFO or device
    layout = layout_for(path, layout)
    workers = max(1, min(int(workers), os.cpu_count() or 1))  # more only adds overhead
    with atomic_path(path) as tmp, open(tmp, "r+b") as fp:
        if layout in NPY_LAYOUTS:
            _write_frames_npy(fp, seqset, layout, progress, cancel, workers)
        elif layout == "npz":
            _write_npz(fp, seqset, progress, cancel, workers)
        else:
            _write_predrnn(fp, seqset, progress, cancel, workers)
        fp.truncate()
        fp.flush()
        os.fsync(fp.fileno())
    return path
