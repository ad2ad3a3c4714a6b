"""HDF5 files (h5py): the datasets they hold, frames read lazily by chunks, and MNIST digits.

An HDF5 file is recognised by its signature (``\\x89HDF\\r\\n\\x1a\\n`` at offset 0, or at 512,
1024, 2048… when a user block precedes it), never by its name. Every array dataset of the file is
listed (:func:`list_datasets`); which one holds frames is the one the user names (``--key``, a
dialog), else the only one of rank 3 to 5 with a numeric dtype.

As sequences, a dataset is read lazily: a chunk of sequences reads only those slices. As a digit
source, an (N, H, W) dataset is N digits: ``x_train``/``y_train``/``x_test``/``y_test`` (the
Keras names), ``train``/``test`` with optional ``train_labels``/``test_labels``, or the one
dataset chosen with ``key`` (labels unknown: −1). The original bouncing-MNIST code
(Srivastava et al. 2015) read its digits from an ``mnist.h5`` holding ``train``/``test``…
arrays of flattened digits (N, 784): those are reshaped to 28×28.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DataError

SIGNATURE = b"\x89HDF\r\n\x1a\n"
MAX_DIGITS_BYTES = 2 * 2**30
"""The most bytes of digits read into memory from one HDF5 file."""

DIGIT_PAIRS = {
    "train": (("x_train", "y_train"), ("train", "train_labels"), ("train_images", "train_labels")),
    "test": (("x_test", "y_test"), ("test", "test_labels"), ("test_images", "test_labels")),
}


@dataclass(frozen=True)
class Hdf5Entry:
    """One array dataset of an HDF5 file: its full name (``/group/name``), shape and dtype."""

    name: str
    shape: tuple[int, ...]
    dtype: str


def is_hdf5(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a regular file with the HDF5 signature (offset 0 or a user block)."""
    path = Path(path)
    try:
        if not path.is_file():
            return False
        with open(path, "rb") as fp:
            offset = 0
            while True:
                fp.seek(offset)
                head = fp.read(8)
                if head == SIGNATURE:
                    return True
                if len(head) < 8 or offset > 2**20:
                    return False
                offset = 512 if offset == 0 else offset * 2
    except OSError:
        return False


def _open(path: Path) -> Any:
    import h5py

    if not is_hdf5(path):
        raise DataError(path, "not an HDF5 file (no HDF5 signature)")
    try:
        return h5py.File(path, "r")
    except (OSError, ValueError) as exc:
        raise DataError(path, f"cannot open the HDF5 file ({exc})") from None


def list_datasets(path: str | os.PathLike[str]) -> list[Hdf5Entry]:
    """Every array dataset in the file, in the order h5py visits them (sorted by name)."""
    import h5py

    path = Path(path)
    found: list[Hdf5Entry] = []
    with _open(path) as f:
        def visit(name: str, obj: Any) -> None:
            if isinstance(obj, h5py.Dataset) and obj.shape is not None:
                found.append(Hdf5Entry("/" + name, tuple(int(s) for s in obj.shape),
                                       str(obj.dtype)))
        try:
            f.visititems(visit)
        except (OSError, RuntimeError, ValueError) as exc:
            raise DataError(path, f"cannot list the HDF5 file's datasets ({exc})") from None
    return found


def _numeric(dtype: str) -> bool:
    try:
        return np.dtype(dtype).kind in "biuf"
    except TypeError:
        return False


def frames_key(path: str | os.PathLike[str], key: str | None = None) -> Hdf5Entry:
    """The dataset holding frames: ``key`` if given (checked: rank 3 to 5, numeric), else the
    only numeric dataset of rank 3 to 5. Raises :class:`DataError` naming the file and the
    dataset, or listing the candidates when there are several."""
    path = Path(path)
    entries = list_datasets(path)
    if key is not None:
        wanted = "/" + key.lstrip("/")
        match = [e for e in entries if e.name == wanted]
        if not match:
            names = ", ".join(e.name for e in entries) or "none"
            raise DataError(path, f"no dataset {wanted} (datasets: {names})")
        entry = match[0]
        if not 3 <= len(entry.shape) <= 5 or not _numeric(entry.dtype):
            raise DataError(path, f"dataset {entry.name} is {entry.dtype} {entry.shape}: frames "
                                  "need a numeric array of 3 to 5 dimensions")
        return entry
    candidates = [e for e in entries if 3 <= len(e.shape) <= 5 and _numeric(e.dtype)]
    if not candidates:
        raise DataError(path, "no dataset of frames (a numeric array of 3 to 5 dimensions)")
    if len(candidates) > 1:
        names = ", ".join(f"{e.name} {e.shape}" for e in candidates)
        raise DataError(path, f"several datasets could hold frames; choose one with --key: "
                              f"{names}")
    return candidates[0]


class Hdf5Array:
    """A lazily read HDF5 dataset: ``shape``, ``dtype``, ``ndim`` and numpy slicing (each slice
    reads only what it covers). Keeps the file open until :meth:`close` or garbage collection."""

    def __init__(self, path: str | os.PathLike[str], key: str) -> None:
        self.path = Path(path)
        self._file = _open(self.path)
        try:
            self._dataset = self._file[key]
        except KeyError:
            self._file.close()
            raise DataError(self.path, f"no dataset {key}") from None
        self.key = key
        self.shape = tuple(int(s) for s in self._dataset.shape)
        self.dtype = np.dtype(self._dataset.dtype)
        self.ndim = len(self.shape)

    def __getitem__(self, index: Any) -> np.ndarray:
        try:
            return np.asarray(self._dataset[index])
        except (OSError, RuntimeError, ValueError) as exc:
            raise DataError(self.path, f"cannot read dataset {self.key} ({exc})") from None

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self[()]
        return out if dtype is None else out.astype(dtype)

    def close(self) -> None:
        self._file.close()


def read_digits(path: str | os.PathLike[str], split: str,
                key: str | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """MNIST-like digits of ``split`` from an HDF5 file: (images uint8 (N, H, W), labels int16
    (N,) with −1 for unknown, the dataset name used).

    Float digits in [0, 1] are scaled to 0..255; flattened (N, 784) digits are reshaped to 28×28.
    Raises :class:`DataError` naming the file and the dataset for a wrong rank or dtype, or when
    no dataset of that split is there.
    """
    path = Path(path)
    with _open(path) as f:
        if key is not None:
            pairs: tuple[tuple[str, str | None], ...] = ((key, None),)
        else:
            pairs = DIGIT_PAIRS.get(split, ())
        for images_key, labels_key in pairs:
            if images_key.lstrip("/") not in f:
                continue
            images = _digits_array(path, f[images_key.lstrip("/")], images_key)
            labels = np.full(len(images), -1, np.int16)
            if labels_key is not None and labels_key in f:
                raw = np.asarray(f[labels_key][()]).reshape(-1)
                if raw.shape[0] != len(images) or raw.dtype.kind not in "iu":
                    raise DataError(path, f"dataset {labels_key} does not hold one integer "
                                          f"label per image of {images_key}")
                labels = raw.astype(np.int16)
            return images, labels, images_key
    names = " or ".join(p[0] for p in pairs) or key or split
    raise DataError(path, f"no {split} digits in this HDF5 file (looked for {names})")


def _digits_array(path: Path, dataset: Any, name: str) -> np.ndarray:
    shape = tuple(int(s) for s in dataset.shape)
    dtype = np.dtype(dataset.dtype)
    if dtype.kind not in "biuf":
        raise DataError(path, f"dataset {name} is {dtype}: digits must be numeric")
    if len(shape) == 2 and shape[1] == 784:
        shape = (shape[0], 28, 28)
    if len(shape) != 3:
        raise DataError(path, f"dataset {name} is {shape}: digits must be (N, H, W)")
    if int(np.prod(shape)) * dtype.itemsize > MAX_DIGITS_BYTES:
        raise DataError(path, f"dataset {name} is too large to read as digits ({shape})")
    images = np.asarray(dataset[()]).reshape(shape)
    if dtype.kind == "f":
        if not np.isfinite(images).all():
            raise DataError(path, f"dataset {name} holds NaN or infinite values")
        high = float(images.max()) if images.size else 0.0
        images = images * 255.0 if high <= 1.0 else images
        return np.clip(np.rint(images), 0, 255).astype(np.uint8)
    if images.size and (images.min() < 0 or images.max() > 255):
        raise DataError(path, f"dataset {name} holds values outside 0..255")
    return images.astype(np.uint8)
