"""A model's predictions beside the truth: OpenSTL and PredRNN result folders, or two files.

* **OpenSTL** (``work_dirs/<exp>/saved/``): ``inputs.npy`` (context), ``trues.npy`` and
  ``preds.npy`` (the K future steps), each (N, T, C, H, W) float32 in [0, 1] with C = 1;
  ``metrics.npy`` may sit beside them. The ``saved`` folder or its parent may be given.
* **PredRNN / E3D-LSTM** (``results/<exp>/<iteration>/``): one folder ``<k>`` per sequence
  holding ``gt1.png … gtT.png`` (the whole sequence) and ``pd<c+1>.png … pdT.png`` (the
  predicted steps, numbered like the truth), as ``trainer.test`` writes them; the iteration
  folder is given.
* **A pair of sequence files** any layout :func:`~.reading.open_sequences` reads: the truth
  holds either the K future steps or the whole sequence (then its first T − K frames are the
  context); optional inputs hold the context.

Values are float32 in [0, 1]: floating-point files as stored (never rounded to 8 bits, and
not clipped: the metrics clip predictions where OpenSTL does), 8-bit files and PNGs / 255.
Frames are read a chunk of sequences at a time; ``.npy`` files are read with plain file reads,
so memory stays bounded for sets larger than memory. Mismatched N, T, H or W raise one-line
:class:`DataError` naming both files.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from ..sequences import IndexedSequenceSet, SequenceSet
from .reading import MappedSequenceSet
from .stored import npy_info

MIN_SIZE = 7  # SSIM's 7×7 window needs frames at least this large
OPENSTL_FILES = ("inputs.npy", "trues.npy", "preds.npy")
_PNG = re.compile(r"^(gt|pd)(\d+)\.png$", re.IGNORECASE)

Reader = Callable[[int, int], np.ndarray]


@dataclass(frozen=True)
class FrameSource:
    """N sequences of T frames of H×W from one file or folder, read as float32 in [0, 1].

    ``read(start, stop)`` returns float32 (stop-start, T, H, W) for frames ``t0:t0+T`` of the
    stored sequences; ``eight_bit`` says the values were stored as integers and divided.
    """

    path: str
    num_sequences: int
    num_frames: int
    height: int
    width: int
    read: Reader = field(repr=False, compare=False)
    eight_bit: bool = False
    t0: int = 0

    def chunk(self, start: int, stop: int) -> np.ndarray:
        """Frames of sequences ``start:stop``, float32 (n, T, H, W)."""
        start, stop = max(0, int(start)), min(self.num_sequences, int(stop))
        frames = self.read(start, max(start, stop))
        return np.ascontiguousarray(frames[:, self.t0: self.t0 + self.num_frames],
                                    dtype=np.float32)

    def frames(self, t0: int, t1: int) -> FrameSource:
        """The same sequences, frames ``t0:t1`` only."""
        return replace(self, num_frames=t1 - t0, t0=self.t0 + t0)

    def describe(self) -> str:
        return (f"{self.num_sequences} × {self.num_frames} frames of "
                f"{self.height}×{self.width}")


@dataclass(frozen=True)
class PredictionSet:
    """Truth and prediction of K future steps of N sequences, and their context if known.

    ``truth`` and ``pred`` are (N, K, H, W); ``inputs`` (N, C, H, W) with C =
    ``num_context`` frames, or None. ``kind`` is ``"openstl"``, ``"predrnn"`` or ``"pair"``;
    ``notes`` says what was decided on the user's behalf (shown in the window and in
    ``evaluate --json``); ``stored_metrics`` holds OpenSTL's ``metrics.npy`` when present.
    """

    truth: FrameSource
    pred: FrameSource
    inputs: FrameSource | None
    kind: str
    path: str
    notes: tuple[str, ...] = ()
    stored_metrics: tuple[float, ...] | None = None

    @property
    def num_sequences(self) -> int:
        return self.truth.num_sequences

    @property
    def steps(self) -> int:
        """K, the number of predicted (future) steps."""
        return self.truth.num_frames

    @property
    def num_context(self) -> int:
        return 0 if self.inputs is None else self.inputs.num_frames

    @property
    def height(self) -> int:
        return self.truth.height

    @property
    def width(self) -> int:
        return self.truth.width

    def __len__(self) -> int:
        return self.num_sequences

    def chunk(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """(truth, prediction) of sequences start:stop, each float32 (n, K, H, W)."""
        return self.truth.chunk(start, stop), self.pred.chunk(start, stop)

    def context(self, start: int, stop: int) -> np.ndarray:
        """Context frames of sequences start:stop, float32 (n, C, H, W) (C may be 0)."""
        if self.inputs is None:
            n = max(0, min(self.num_sequences, stop) - start)
            return np.zeros((n, 0, self.height, self.width), dtype=np.float32)
        return self.inputs.chunk(start, stop)

    def info(self) -> dict[str, Any]:
        """What was opened, for ``evaluate --json`` and the window's status line."""
        files = {"truth": self.truth.path, "pred": self.pred.path}
        if self.inputs is not None:
            files["inputs"] = self.inputs.path
        return {"kind": self.kind, "path": self.path, "files": files,
                "context_frames": self.num_context, "height": self.height,
                "width": self.width, "notes": list(self.notes),
                **({"stored_metrics": list(self.stored_metrics)}
                   if self.stored_metrics is not None else {})}


# --------------------------------------------------------------------------------------------
# checks


def _check_size(source: FrameSource) -> None:
    if source.num_sequences == 0 or source.num_frames == 0:
        raise DataError(source.path, f"holds no frames ({source.describe()})")
    if min(source.height, source.width) < MIN_SIZE:
        raise DataError(source.path, f"frames of {source.height}×{source.width} are smaller "
                        f"than SSIM's {MIN_SIZE}×{MIN_SIZE} window")


def _check_match(a: FrameSource, b: FrameSource, what: str, same_frames: bool) -> None:
    """One-line DataError naming both files when N, H, W (and T) differ."""
    problems = []
    if a.num_sequences != b.num_sequences:
        problems.append(f"{b.num_sequences} sequences, not {a.num_sequences}")
    if same_frames and a.num_frames != b.num_frames:
        problems.append(f"{b.num_frames} frames, not {a.num_frames}")
    if (a.height, a.width) != (b.height, b.width):
        problems.append(f"frames of {b.height}×{b.width}, not {a.height}×{a.width}")
    if problems:
        raise DataError(b.path, f"{what} does not match {a.path} ({a.describe()}): "
                        + "; ".join(problems))


# --------------------------------------------------------------------------------------------
# OpenSTL


def npy_frames(path: str | os.PathLike[str]) -> FrameSource:
    """A (N, T, H, W) or (N, T, 1, H, W) ``.npy`` of floats or uint8, read by plain reads."""
    path = Path(path)
    stored = npy_info(path)
    shape = stored.shape
    if len(shape) == 5 and shape[2] != 1:
        raise DataError(path, f"has {shape[2]} channels (shape {shape}); only greyscale "
                        "(C = 1) predictions can be reviewed")
    if len(shape) not in (4, 5):
        raise DataError(path, f"expected (N, T, C, H, W) or (N, T, H, W) frames, not shape "
                        f"{shape}")
    dtype = stored.dtype
    if dtype.kind != "f" and dtype != np.uint8:
        raise DataError(path, f"expected float or uint8 frames, not {dtype}")
    n, t, h, w = shape[0], shape[1], shape[-2], shape[-1]
    per_sequence = t * h * w

    def read(start: int, stop: int) -> np.ndarray:
        count = (stop - start) * per_sequence
        if stored.fortran or count == 0:
            data = np.array(stored.mapped()[start:stop]).reshape(stop - start, t, h, w)
        else:
            with open(path, "rb") as fp:
                fp.seek(int(stored.offset or 0) + start * per_sequence * dtype.itemsize)
                data = np.fromfile(fp, dtype=dtype, count=count)
            if data.size != count:
                raise DataError(path, "truncated while reading")
            data = data.reshape(stop - start, t, h, w)
        return _as_unit_float(data)

    return FrameSource(str(path), n, t, h, w, read, eight_bit=dtype == np.uint8)


def _as_unit_float(data: np.ndarray) -> np.ndarray:
    if data.dtype == np.uint8:
        return data.astype(np.float32) / np.float32(255.0)
    if data.dtype == np.uint16:
        return data.astype(np.float32) / np.float32(65535.0)
    return data.astype(np.float32, copy=False)


def _openstl_folder(path: Path) -> Path | None:
    for folder in (path, path / "saved"):
        if all((folder / name).is_file() for name in OPENSTL_FILES[1:]):
            return folder
    return None


def open_openstl(path: str | os.PathLike[str]) -> PredictionSet:
    """OpenSTL's ``saved/`` folder (or the experiment folder holding it)."""
    given = Path(path).expanduser()
    folder = _openstl_folder(given)
    if folder is None:
        raise DataError(given, "no trues.npy and preds.npy here or in saved/ (not an OpenSTL "
                        "results folder)")
    truth = npy_frames(folder / "trues.npy")
    pred = npy_frames(folder / "preds.npy")
    _check_size(truth)
    _check_match(truth, pred, "the prediction", same_frames=True)
    inputs = None
    notes = []
    if (folder / "inputs.npy").is_file():
        inputs = npy_frames(folder / "inputs.npy")
        _check_match(truth, inputs, "the inputs", same_frames=False)
    else:
        notes.append("no inputs.npy: the context frames are not shown")
    return PredictionSet(truth, pred, inputs, "openstl", str(given), tuple(notes),
                         _stored_metrics(folder / "metrics.npy"))


def _stored_metrics(path: Path) -> tuple[float, ...] | None:
    """OpenSTL's metrics.npy when it is a small numeric array (never unpickled)."""
    try:
        values = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if values.dtype.kind not in "fiu" or values.size > 64:
        return None
    return tuple(float(v) for v in values.ravel())


# --------------------------------------------------------------------------------------------
# PredRNN / E3D-LSTM


def _read_png(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            data = np.asarray(image)
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise DataError(path, f"not a readable PNG ({exc})") from None
    if data.ndim == 3:
        if not (data[..., :3] == data[..., :1]).all():
            raise DataError(path, "is a colour image; only greyscale frames can be reviewed")
        data = data[..., 0]
    if data.dtype == np.bool_:
        data = data.astype(np.uint8) * 255
    return data


def _png_numbers(folder: Path) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {"gt": [], "pd": []}
    for entry in folder.iterdir():
        match = _PNG.match(entry.name)
        if match:
            found[match.group(1).lower()].append(int(match.group(2)))
    return {k: sorted(v) for k, v in found.items()}


def _sequence_folders(path: Path) -> list[Path]:
    folders = [p for p in path.iterdir() if p.is_dir() and p.name.isdigit()]
    return sorted(folders, key=lambda p: int(p.name))


def open_predrnn(path: str | os.PathLike[str]) -> PredictionSet:
    """A PredRNN / E3D-LSTM iteration folder: ``<k>/gt1.png…gtT.png`` and ``pd….png``."""
    path = Path(path).expanduser()
    folders = _sequence_folders(path) if path.is_dir() else []
    if not folders:
        raise DataError(path, "no numbered sequence folders (<k>/gt1.png …) here (not a "
                        "PredRNN results iteration folder)")
    numbers = _png_numbers(folders[0])
    gt, pd = numbers["gt"], numbers["pd"]
    first = folders[0]
    if not gt or gt != list(range(1, len(gt) + 1)):
        raise DataError(first, "expected gt1.png … gtT.png numbered without gaps")
    if not pd or pd != list(range(pd[0], pd[-1] + 1)) or pd[-1] > gt[-1]:
        raise DataError(first, f"expected pd<c+1>.png … pd{gt[-1]}.png numbered like the "
                        "ground truth")
    for folder in folders[1:]:
        if _png_numbers(folder) != numbers:
            raise DataError(folder, f"holds other frames than {first} (gt{gt[0]}…{gt[-1]}, "
                            f"pd{pd[0]}…{pd[-1]})")
    sample = _read_png(first / "gt1.png")
    h, w = sample.shape
    eight = sample.dtype == np.uint8

    def reader(prefix: str, numbers: list[int]) -> Reader:
        def read(start: int, stop: int) -> np.ndarray:
            out = np.empty((stop - start, len(numbers), h, w), dtype=np.float32)
            for i, folder in enumerate(folders[start:stop]):
                for j, k in enumerate(numbers):
                    frame_path = folder / f"{prefix}{k}.png"
                    frame = _read_png(frame_path)
                    if frame.shape != (h, w):
                        raise DataError(frame_path, f"is {frame.shape[0]}×{frame.shape[1]}, "
                                        f"not {h}×{w} like {first / 'gt1.png'}")
                    out[i, j] = _as_unit_float(frame)
            return out
        return read

    n, t, c = len(folders), len(gt), pd[0] - 1
    whole = FrameSource(str(path), n, t, h, w, reader("gt", gt), eight_bit=eight)
    pred = FrameSource(str(path), n, len(pd), h, w, reader("pd", pd), eight_bit=eight)
    _check_size(whole)
    inputs = whole.frames(0, c) if c > 0 else None
    notes = (f"ground truth gt1…gt{t}: frames 1…{c} are the context, pd{pd[0]}…pd{pd[-1]} "
             "the predicted steps",)
    return PredictionSet(whole.frames(c, c + len(pd)), pred, inputs, "predrnn", str(path),
                         notes)


# --------------------------------------------------------------------------------------------
# a pair of sequence files


def _release_pages(array: Any) -> None:
    """Drop the file pages a memory-mapped ``array`` has touched from this process's resident
    set (``madvise(MADV_DONTNEED)``; they stay in the page cache), so reading a large file
    chunk by chunk keeps the RSS bounded. Does nothing for arrays not backed by a map."""
    import mmap

    base = array
    while base is not None:
        mapped = getattr(base, "_mmap", None)
        if mapped is not None:
            if hasattr(mmap, "MADV_DONTNEED"):
                with contextlib.suppress(OSError, ValueError):
                    mapped.madvise(mmap.MADV_DONTNEED)
            return
        base = getattr(base, "base", None)


def sequence_frames(seqset: SequenceSet, path: str) -> FrameSource:
    """A :class:`SequenceSet` as float32 frames in [0, 1]: a float file's values as stored
    (PredRNN rows, or the frames behind a :class:`~.reading.MappedSequenceSet`), 8-bit frames
    / 255."""
    if isinstance(seqset, IndexedSequenceSet) and seqset.rows.dtype.kind == "f":
        rows, index = seqset.rows, seqset.index

        def read(start: int, stop: int) -> np.ndarray:
            picked = index[start:stop]
            data = np.asarray(rows[picked.ravel()], dtype=np.float32)
            return data.reshape(picked.shape + rows.shape[1:])

        eight = False
    elif isinstance(seqset, MappedSequenceSet) and np.dtype(seqset.frames.dtype).kind == "f":
        frames = seqset.frames  # (N, T, H, W) view of the file, values as stored

        def read(start: int, stop: int) -> np.ndarray:
            out = np.array(frames[start:stop], dtype=np.float32)  # a copy: the pages can go
            _release_pages(frames)
            return out

        eight = False
    else:
        def read(start: int, stop: int) -> np.ndarray:
            return _as_unit_float(seqset.chunk(start, stop))

        eight = True
    return FrameSource(path, seqset.num_sequences, seqset.num_frames, seqset.height,
                       seqset.width, read, eight_bit=eight)


def open_pair(
    truth: str | os.PathLike[str],
    pred: str | os.PathLike[str],
    inputs: str | os.PathLike[str] | None = None,
    layout: str | None = None,
) -> PredictionSet:
    """Truth and prediction files (and optional context inputs), any sequence layout.

    The prediction's T is K; the truth holds K frames, or more (then its first T − K frames
    are the context, unless ``inputs`` is given). ``layout`` applies to all three files.
    """
    from .reading import open_sequences

    layouts: dict[str, str] = {}

    def load(path: str | os.PathLike[str]) -> FrameSource:
        seqset = open_sequences(path, layout)
        layouts[Path(path).name] = seqset.layout
        return sequence_frames(seqset, str(Path(path).expanduser()))

    whole, guess = load(truth), load(pred)
    _check_size(whole)
    _check_match(whole, guess, "the prediction", same_frames=False)
    k, t = guess.num_frames, whole.num_frames
    if k > t:
        raise DataError(guess.path, f"holds {k} predicted frames but the truth {whole.path} "
                        f"only {t}")
    notes = []
    context = whole.frames(0, t - k) if t > k else None
    if t > k:
        notes.append(f"the truth holds {t} frames: the first {t - k} are the context, the "
                     f"last {k} are compared with the prediction")
    if inputs is not None:
        context = load(inputs)
        _check_match(whole, context, "the inputs", same_frames=False)
    notes += [f"{name}: {found} layout" for name, found in layouts.items()]
    for source in (whole, guess) + ((context,) if context is not None else ()):
        if source.eight_bit:
            notes.append(f"{Path(source.path).name}: 8-bit values, divided by 255")
    return PredictionSet(whole.frames(t - k, t), guess, context, "pair", str(guess.path),
                         tuple(dict.fromkeys(notes)))


# --------------------------------------------------------------------------------------------
# any of them


def predictions_kind(path: str | os.PathLike[str]) -> str | None:
    """``"openstl"`` or ``"predrnn"`` for a results folder, None otherwise (a cheap look)."""
    path = Path(path).expanduser()
    if not path.is_dir():
        return None
    if _openstl_folder(path) is not None:
        return "openstl"
    folders = _sequence_folders(path)
    if folders and (folders[0] / "gt1.png").is_file():
        return "predrnn"
    return None


def open_predictions(path: str | os.PathLike[str]) -> PredictionSet:
    """An OpenSTL or PredRNN results folder (see the module doc); DataError otherwise."""
    kind = predictions_kind(path)
    if kind == "openstl":
        return open_openstl(path)
    if kind == "predrnn":
        return open_predrnn(path)
    raise DataError(path, "not a predictions folder: expected OpenSTL's saved/ (trues.npy, "
                    "preds.npy, inputs.npy) or PredRNN's <k>/gt1.png … pd….png folders; for "
                    "two sequence files use --truth and --pred")
