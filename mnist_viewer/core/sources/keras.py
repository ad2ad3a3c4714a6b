"""Optional TensorFlow/Keras source of MNIST and Fashion-MNIST.

TensorFlow is never imported at start-up: :func:`tensorflow_available` only looks for it and
:func:`keras_cache_file` only computes where Keras keeps its download. Only :func:`load_keras`
imports it, inside the function.

Keras's ``get_file`` (Keras 2 and 3) treats a cached ``mnist.npz`` whose SHA-256 is not the
pinned :data:`KERAS_MNIST_SHA256` as outdated: it downloads it again and, when that fails
(offline), **removes the file**. So :func:`load_keras` checks the hash first
(:func:`keras_cache_mismatch`) and never hands such a file to Keras. Keras pins no hash for
Fashion-MNIST, so it reads those files as they are.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError

# Our dataset name -> attribute of tf.keras.datasets
KERAS_DATASETS: dict[str, str] = {"mnist": "mnist", "fashion-mnist": "fashion_mnist"}

INSTALL_HINT = "not installed: pip install 'mnist-viewer[tensorflow]'"

KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
"""The SHA-256 ``keras.datasets.mnist.load_data`` pins for ``mnist.npz`` (Keras 2 and 3)."""

# TensorFlow's start-up chatter off: C++ INFO/WARNING/ERROR lines (CPU features, CUDA), and
# the oneDNN note TensorFlow 2.21 prints before its log level applies (oneDNN's custom ops
# only change float round-off in models; loading MNIST does no arithmetic). The user's own
# settings win.
_QUIET_TF = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}


def tensorflow_available() -> bool:
    """True if ``import tensorflow`` would find a module (it is not imported)."""
    try:
        return importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):
        # ValueError: already in sys.modules without a __spec__.
        return "tensorflow" in sys.modules


def keras_home() -> Path:
    """Keras's cache root: ``$KERAS_HOME`` if set, else ``~/.keras``."""
    home = os.environ.get("KERAS_HOME")
    return Path(home).expanduser() if home else Path.home() / ".keras"


def keras_cache_file(name: str = "mnist") -> Path:
    """Where Keras caches a dataset: the ``mnist.npz`` file, or the Fashion-MNIST folder.

    Keras falls back to ``/tmp/.keras`` when its home is not writable; that case is not
    followed here.
    """
    _check_name(name)
    datasets = keras_home() / "datasets"
    return datasets / "mnist.npz" if name == "mnist" else datasets / "fashion-mnist"


def keras_cache_candidates(name: str = "mnist") -> list[Path]:
    """Every file Keras may read (and delete) for ``name``: :func:`keras_cache_file`, and the
    one under ``<tmp>/.keras`` that Keras's ``get_file`` uses instead when the Keras home is
    not writable (or does not exist yet)."""
    files = [keras_cache_file(name)]
    home = keras_home()
    if not os.access(home, os.W_OK):
        tmp = Path("/tmp") if os.path.isdir("/tmp") else Path(tempfile.gettempdir())
        files.append(tmp / ".keras" / files[0].relative_to(home))
    return files


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes (OSError if it cannot be read)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def keras_cache_mismatch(name: str = "mnist") -> tuple[Path, str] | None:
    """``(path, problem)`` for a cached file Keras would delete, else None.

    Keras re-downloads a cached ``mnist.npz`` whose SHA-256 is not :data:`KERAS_MNIST_SHA256`
    and deletes it when the download fails; a file that cannot be hashed (a folder, no read
    permission) is reported too. Fashion-MNIST has no pinned hash: always None.
    """
    if _check_name(name) != "mnist":
        return None
    for path in keras_cache_candidates(name):
        if not os.path.lexists(path):
            continue
        if not path.is_file():
            return path, "is not a regular file"
        try:
            got = file_sha256(path)
        except OSError as exc:
            return path, f"cannot be read to check it ({exc.strerror or exc})"
        if got != KERAS_MNIST_SHA256:
            return path, (f"its SHA-256 ({got[:12]}…) is not the one Keras pins "
                          f"({KERAS_MNIST_SHA256[:12]}…)")
    return None


def load_keras(name: str = "mnist") -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Load ``{"train": (images, labels), "test": (images, labels)}`` through tf.keras.

    Images are uint8 (N, 28, 28) C-contiguous, labels uint8 (N,) in 0..9. Keras downloads
    the data on first use. Raises :class:`DataError` when TensorFlow is absent, when the
    cached file is one Keras would delete (:func:`keras_cache_mismatch`; Keras is then not
    called at all) or when the data cannot be loaded.
    """
    attr = _check_name(name)
    if not tensorflow_available():
        raise DataError("tensorflow", INSTALL_HINT)
    mismatch = keras_cache_mismatch(name)
    if mismatch is not None:
        path, problem = mismatch
        raise DataError(path, f"{problem}: not handed to Keras, which would try to download it "
                        "again and delete this file when it cannot; open it as a dataset file "
                        "instead")
    tf = _import_tensorflow()
    source = keras_cache_file(name)
    try:
        loader = getattr(tf.keras.datasets, attr)
        (x_train, y_train), (x_test, y_test) = loader.load_data()
    except Exception as exc:  # Keras raises bare Exception for download failures
        raise DataError(source, f"Keras could not load {name}: {exc}") from exc
    return {
        "train": _checked(source, "train", x_train, y_train),
        "test": _checked(source, "test", x_test, y_test),
    }


def _import_tensorflow() -> Any:
    """``import tensorflow`` without its start-up chatter (C++ log lines, Python warnings)."""
    for key, value in _QUIET_TF.items():
        os.environ.setdefault(key, value)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tf = importlib.import_module("tensorflow")
    except Exception as exc:  # a broken install can raise anything while importing
        raise DataError("tensorflow", f"cannot be imported: {exc}") from exc
    get_logger = getattr(tf, "get_logger", None)
    if callable(get_logger):
        get_logger().setLevel("ERROR")
    return tf


def _check_name(name: str) -> str:
    try:
        return KERAS_DATASETS[name]
    except KeyError:
        known = ", ".join(KERAS_DATASETS)
        raise DataError(name, f"not a Keras dataset (known: {known})") from None


def _checked(
    source: Path, split: str, images: object, labels: object
) -> tuple[np.ndarray, np.ndarray]:
    """Validate what Keras returned and give it the project's dtypes."""
    x = np.asarray(images)
    y = np.asarray(labels)
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise DataError(source, f"{split} images have shape {x.shape}, expected (N, 28, 28)")
    if y.shape != (x.shape[0],):
        raise DataError(source, f"{split} labels have shape {y.shape}, expected ({x.shape[0]},)")
    if x.dtype != np.uint8:
        if x.dtype.kind not in "iu" or (x.size and (x.min() < 0 or x.max() > 255)):
            raise DataError(source, f"{split} images are {x.dtype}, not 8-bit pixels")
        x = x.astype(np.uint8)
    if y.dtype.kind not in "iu":
        raise DataError(source, f"{split} labels are {y.dtype}, not integers")
    if y.size and (y.min() < 0 or y.max() > 9):
        raise DataError(source, f"{split} labels outside 0..9")
    return np.ascontiguousarray(x), np.ascontiguousarray(y, dtype=np.uint8)
