"""Optional TensorFlow/Keras source of MNIST and Fashion-MNIST.

TensorFlow is never imported at start-up: :func:`tensorflow_available` only looks for it and
:func:`keras_cache_file` only computes where Keras keeps its download. Only :func:`load_keras`
imports it, inside the function.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

import numpy as np

from ..errors import DataError

# Our dataset name -> attribute of tf.keras.datasets
KERAS_DATASETS: dict[str, str] = {"mnist": "mnist", "fashion-mnist": "fashion_mnist"}

INSTALL_HINT = "not installed: pip install 'mnist-viewer[tensorflow]'"


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


def load_keras(name: str = "mnist") -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Load ``{"train": (images, labels), "test": (images, labels)}`` through tf.keras.

    Images are uint8 (N, 28, 28) C-contiguous, labels uint8 (N,) in 0..9. Keras downloads
    the data on first use. Raises :class:`DataError` when TensorFlow is absent or the data
    cannot be loaded.
    """
    attr = _check_name(name)
    if not tensorflow_available():
        raise DataError("tensorflow", INSTALL_HINT)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ log quiet
    try:
        tf = importlib.import_module("tensorflow")
    except Exception as exc:  # a broken install can raise anything while importing
        raise DataError("tensorflow", f"cannot be imported: {exc}") from exc
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
