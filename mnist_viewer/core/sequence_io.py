"""Sequence files: open, describe and save every layout the Moving MNIST world uses.

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

A 5-D ``.npy`` is always (N, T, 1, H, W). Frames stored as floating point are taken to be in
[0, 1] (as PredRNN and torchvision's ``ToTensor`` produce) and converted to uint8 on access.
``.npy`` files and uncompressed ``.npz`` members are memory-mapped, never loaded whole.
Nothing is ever unpickled.
"""

from __future__ import annotations

import contextlib
import json
import math
import multiprocessing
import os
import signal
import struct
import zipfile
from collections.abc import Callable, Generator
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from .errors import DataError
from .ground_truth import GroundTruth
from .jobs import Cancel, Progress, atomic_path, check_cancel, check_target, report
from .npz import read_member_header, read_npy_header
from .render import render_task, subset_digits
from .sequences import ArraySequenceSet, GeneratedSequenceSet, IndexedSequenceSet, SequenceSet

LAYOUTS = ("npz", "mnist_test_seq", "torchvision", "torchvision_channel", "predrnn")
NPY_LAYOUTS = ("mnist_test_seq", "torchvision", "torchvision_channel")
NPZ_LAYOUTS = ("npz", "predrnn")
GROUND_TRUTH_KEYS = ("labels", "digit_index", "positions", "start", "velocity", "boxes")
PREDRNN_KEYS = ("clips", "dims", "input_raw_data")
_KERAS_KEYS = ("x_train", "y_train", "x_test", "y_test")  # a Keras dataset, not sequences

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_MAX_TIME_AXIS = 100  # rule 2 above
_CHUNK = 128  # sequences per chunk when saving (about 10 MB of 64x64x20 frames)


# ---------------------------------------------------------------------------------------------
# reading headers


@dataclass
class _Stored:
    """One array inside a file, located from its header without reading the data."""

    path: Path
    name: str  # the zip member ("frames.npy") or "" for a .npy file
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran: bool
    offset: int | None  # byte offset of the raw data in the file, if it can be memory-mapped

    @property
    def key(self) -> str:
        return self.name[:-4] if self.name.endswith(".npy") else self.name

    def where(self) -> str:
        return f"{self.path}" if not self.name else f"{self.path} [{self.key}]"

    def mapped(self) -> np.ndarray:
        """The array, memory-mapped when possible (read whole otherwise)."""
        if self.offset is None:
            return self.read()
        if math.prod(self.shape) == 0:  # nothing to map
            return np.empty(self.shape, dtype=self.dtype)
        return np.memmap(self.path, dtype=self.dtype, mode="r", offset=self.offset,
                         shape=self.shape, order="F" if self.fortran else "C")

    def read(self) -> np.ndarray:
        """The whole array in memory."""
        try:
            if not self.name:
                return np.array(self.mapped())
            with zipfile.ZipFile(self.path) as zf, zf.open(self.name) as fp:
                return np.lib.format.read_array(fp, allow_pickle=False)
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise DataError(self.path, f"cannot read {self.key or 'the array'} ({exc})") from None


def _npy_info(path: Path) -> _Stored:
    with open(path, "rb") as fp:
        shape, fortran, dtype = read_npy_header(fp, str(path))
        offset = fp.tell()
    nbytes = math.prod(shape) * dtype.itemsize
    size = path.stat().st_size
    if size < offset + nbytes:
        raise DataError(path, f"truncated: the header declares {nbytes:,} bytes of data but the "
                              f"file holds {max(0, size - offset):,}")
    return _Stored(path, "", shape, dtype, fortran, offset)


def _npz_info(path: Path) -> dict[str, _Stored]:
    """Every ``.npy`` member of a zip, by key, located without reading the data."""
    found: dict[str, _Stored] = {}
    try:
        with zipfile.ZipFile(path) as zf, open(path, "rb") as raw:
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                where = f"{path} [{info.filename[:-4]}]"
                head = read_member_header(zf, info, where)
                shape, fortran, dtype = head.shape, head.fortran, head.dtype
                offset = None
                if info.compress_type == zipfile.ZIP_STORED:
                    raw.seek(info.header_offset)
                    local = raw.read(30)
                    if len(local) == 30 and local[:4] == b"PK\x03\x04":
                        name_len, extra_len = struct.unpack("<HH", local[26:30])
                        offset = info.header_offset + 30 + name_len + extra_len + head.header_len
                stored = _Stored(path, info.filename, shape, dtype, fortran, offset)
                found[stored.key] = stored
    except zipfile.BadZipFile as exc:
        raise DataError(path, f"not a readable .npz file ({exc})") from None
    except (EOFError, zipfile.LargeZipFile) as exc:
        raise DataError(path, f"not a readable .npz file ({exc})") from None
    return found


def _sniff(path: Path) -> str:
    """'npy' or 'npz' from the first bytes of a file."""
    try:
        with open(path, "rb") as fp:
            head = fp.read(6)
    except FileNotFoundError:
        raise DataError(path, "no such file") from None
    except IsADirectoryError:
        raise DataError(path, "is a folder, not a sequence file") from None
    if head.startswith(_NPY_MAGIC):
        return "npy"
    if head[:4] in _ZIP_MAGICS:
        return "npz"
    if not head:
        raise DataError(path, "empty file")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        raise DataError(path, "not a valid .npy file (bad magic)")
    if suffix == ".npz":
        raise DataError(path, "not a valid .npz (zip) file")
    raise DataError(path, "not a sequence file (expected a .npy array or a .npz archive)")


# ---------------------------------------------------------------------------------------------
# layouts


@dataclass
class _Found:
    """What a file holds, from its headers."""

    path: Path
    layout: str
    num_sequences: int
    num_frames: int
    height: int
    width: int
    arrays: dict[str, _Stored]
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


def _check_frames_dtype(stored: _Stored) -> None:
    if stored.dtype != np.uint8 and stored.dtype.kind != "f":
        raise DataError(stored.where(), f"frames must be uint8 (or floats in [0, 1]), found "
                                        f"{stored.dtype}")
    if stored.dtype != np.uint8 and stored.fortran:
        raise DataError(stored.where(), "Fortran-ordered float frames are not supported")


def _inspect_npy(path: Path, layout: str | None) -> _Found:
    stored = _npy_info(path)
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
    return _Found(path, layout, n, t, h, w, {"frames": stored})


def _inspect_npz(path: Path, layout: str | None) -> _Found:
    arrays = _npz_info(path)
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
    return _Found(path, "npz", n, t, h, w, arrays, ground_truth=bool(present), config=config)


def _check_ground_truth_headers(path: Path, arrays: dict[str, _Stored], n: int, t: int) -> None:
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


def _read_config(stored: _Stored) -> dict[str, Any]:
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


def _inspect_predrnn(path: Path, arrays: dict[str, _Stored]) -> _Found:
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
    return _Found(path, "predrnn", n, t_in + t_out, h, w, arrays,
                  extra={"clips": clips, "t_in": t_in, "t_out": t_out})


def _inspect(path: str | os.PathLike[str], layout: str | None) -> _Found:
    path = Path(path).expanduser()
    if layout in (None, "", "auto"):
        layout = None
    elif layout not in LAYOUTS:
        raise DataError(path, f"unknown layout {layout!r} (use one of {', '.join(LAYOUTS)})")
    try:
        kind = _sniff(path)
        return _inspect_npy(path, layout) if kind == "npy" else _inspect_npz(path, layout)
    except PermissionError:
        raise DataError(path, "permission denied") from None


# ---------------------------------------------------------------------------------------------
# opening


def _ground_truth(found: _Found) -> GroundTruth:
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
    """
    found = _inspect(path, layout)
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
    found = _inspect(path, layout)
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
    ``input_raw_data``/``clips``. A folder, a missing file or an IDX file is not.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        return False
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return True
    try:
        kind = _sniff(path)
        if kind == "npy":
            return True
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (DataError, OSError, zipfile.BadZipFile, EOFError):
        return suffix == ".npz"
    if {"frames.npy", "input_raw_data.npy", "clips.npy"} & names:
        return True
    if suffix == ".npz":
        return not {f"{k}.npy" for k in _KERAS_KEYS} & names
    return False


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
