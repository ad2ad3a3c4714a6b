"""Datasets: MNIST-like digits with labels, from wherever a user has them.

:func:`open_dataset` reads every split at one path: a folder of IDX files, a single IDX images
file (its labels file beside it), or a Keras-format ``.npz`` (``x_train``, ``y_train``,
``x_test``, ``y_test``). IDX files are recognised by their magic number, not their name, and an
images file is paired with the labels file whose name is the same but for ``images``/``labels``,
``idx3``/``idx1`` (or QMNIST's ``idx2-int``) and ``ubyte``/``int``, whatever the prefix and
separators: MNIST's ``train-images-idx3-ubyte.gz`` or ``train-images.idx3-ubyte``, EMNIST's
``emnist-balanced-train-images-idx3-ubyte.gz``, QMNIST's ``qmnist-train-labels-idx2-int.gz``
(its first column is the class). The split is ``test`` when the name says ``t10k`` or ``test``,
else ``train``. Images without a labels file make a label-less dataset: its labels are all -1
(unknown), and :attr:`Dataset.has_labels` is False.

:func:`load_dataset` resolves a source in this order and returns one split:

1. an explicit path (or ``"embedded"`` / ``"keras"`` / ``"cache"``),
2. the environment variable ``MNIST_VIEWER_DATA``,
3. the download cache (see :mod:`mnist_viewer.core.sources.download`),
4. the file Keras caches at ``~/.keras/datasets/mnist.npz`` (``$KERAS_HOME`` if set),
5. the small real-MNIST subset embedded in the package.

A source the user named (1, 2) that fails to open is an error (:class:`DataError`). A source
the program found by itself (3, 4) that fails to open, or a download cache that fails its
SHA-256 check, is skipped with a one-line warning naming it, and the next one is tried. The
embedded subset never passes for MNIST: using it always warns (:func:`embedded_note`). The
warnings go to the ``mnist_viewer`` logger (the CLI prints them on stderr) and are kept in
:attr:`Dataset.warnings` (the GUI shows them in its status bar).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .. import containers, hdf5
from ..errors import DataError
from .embedded_note import (  # noqa: F401 - re-exported, callers name them datasets.X
    CLI_REMEDY,
    EMBEDDED_NAME,
    EMBEDDED_NOTE,
    ENV_DATA,
    GUI_REMEDY,
    PYTHON_REMEDY,
    embedded_note,
    python_remedy,
)
from .idx import read_header, read_idx, read_idx_pair
from .keras import keras_cache_file, keras_cache_mismatch

SPLITS = ("train", "test")

log = logging.getLogger("mnist_viewer.sources")
"""Where :func:`load_dataset` reports skipped sources and the embedded subset (WARNING)."""

# SHA-256 of the decompressed official MNIST label files: identifies real MNIST cheaply.
_MNIST_LABEL_SHA256 = {
    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
_KIND_WORDS = re.compile(r"images|imgs|labels|idx[0-9]|ubyte|int")
_SPLIT_WORDS = re.compile(r"t10k|test|train")
_NAME_HINTS = (("fashion", "fashion-mnist"), ("kmnist", "kmnist"), ("kuzushiji", "kmnist"),
               ("emnist", "emnist"), ("mnist", "mnist"))


@dataclass(frozen=True, eq=False)
class Dataset:
    """One split of an MNIST-like data set."""

    images: np.ndarray  # uint8 (N, H, W)
    labels: np.ndarray  # uint8 (N,), or int16 -1 for every image of a label-less dataset
    split: str  # "train" or "test"
    name: str  # "mnist", "fashion-mnist", "kmnist", "embedded-mnist" or "unknown"
    provenance: str  # where it came from: a path, "embedded subset", "keras", ...
    format: str = "idx"  # "idx", "keras-npz", "keras"
    warnings: tuple[str, ...] = ()  # one line each: sources skipped, the embedded subset used

    @property
    def is_embedded(self) -> bool:
        """The small subset shipped in the package, not a full data set."""
        return self.name == EMBEDDED_NAME

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def image_shape(self) -> tuple[int, int]:
        return int(self.images.shape[1]), int(self.images.shape[2])

    @property
    def has_labels(self) -> bool:
        """False for a label-less dataset (an images file without its labels file)."""
        return bool(len(self.labels)) and int(self.labels.min()) >= 0

    def label_counts(self, minlength: int = 10) -> list[int] | None:
        """How many images each label has, labels 0..max (at least 0..9; EMNIST balanced has
        47 classes); None for a label-less dataset."""
        if not self.has_labels:
            return None
        return [int(c) for c in np.bincount(self.labels, minlength=minlength)]


def _check_images(path: Path, images: np.ndarray) -> None:
    """Digits are uint8 (N, H, W): DataError naming the images file ``path`` otherwise."""
    if images.dtype != np.uint8 or images.ndim != 3:
        raise DataError(
            path, f"images must be uint8 (N, H, W), found {images.dtype} {images.shape}"
        )


def _check_pair(path: Path, images: np.ndarray, labels: np.ndarray,
                labels_path: Path | None = None) -> None:
    """Images (in ``path``) and labels (in ``labels_path``, default ``path``) fit together."""
    _check_images(path, images)
    unknown = labels.dtype == np.int16 and labels.ndim == 1 and bool((labels == -1).all())
    if (labels.dtype != np.uint8 and not unknown) or labels.ndim != 1:
        raise DataError(labels_path or path,
                        f"labels must be uint8 (N,), found {labels.dtype} {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise DataError(
            path, f"{images.shape[0]} images but {labels.shape[0]} labels: the counts must agree"
        )
    if images.shape[0] == 0:
        raise DataError(path, "holds no images")


def _guess_name(path: Path, label_bytes_sha: str | None, labels: dict[str, np.ndarray]) -> str:
    if label_bytes_sha in _MNIST_LABEL_SHA256:
        return "mnist"
    mnist_train = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    mnist_test = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    counts = {s: np.bincount(y, minlength=10).tolist() for s, y in labels.items()
              if len(y) and y.min() >= 0}
    if counts.get("train") == mnist_train or counts.get("test") == mnist_test:
        return "mnist"
    lowered = str(path.resolve()).lower()
    for hint, name in _NAME_HINTS:
        if hint in lowered:
            return name
    return "unknown"


def _idx_kind(path: Path) -> str | None:
    """"images", "labels" or None, from an IDX file's header (its magic number and shape)."""
    try:
        dtype, shape = read_header(path)
    except DataError:
        return None
    if len(shape) == 3:
        return "images"
    if len(shape) == 1 or (len(shape) == 2 and dtype.kind in "iu" and "label" in path.name.lower()):
        return "labels"
    return None


def _pair_key(name: str) -> tuple[str, str]:
    """(set, split) of an IDX file name: the name without the words that tell images from
    labels, and without the split word; the split from that word."""
    stem = name.lower().removesuffix(".gz")
    key = re.sub(r"[-_.]", "-", _KIND_WORDS.sub("*", stem))
    m = _SPLIT_WORDS.search(key)
    split = "train" if m is None or m.group() == "train" else "test"
    return _SPLIT_WORDS.sub("*", key), split


def _find_idx_sets(folder: Path) -> dict[str, dict[str, dict[str, Path]]]:
    """{set: {split: {"images": path, "labels": path}}} for the IDX files in a folder, found by
    their magic number and paired by name (see the module doc)."""
    found: dict[str, dict[str, dict[str, Path]]] = {}
    for entry in sorted(folder.iterdir()):
        if not entry.is_file():
            continue
        kind = _idx_kind(entry)
        if kind is None:
            continue
        key, split = _pair_key(entry.name)
        slot = found.setdefault(key, {}).setdefault(split, {})
        # prefer the raw file over the .gz when both are there (faster to read)
        if kind not in slot or not entry.name.endswith(".gz"):
            slot[kind] = entry
    return {key: splits for key, splits in found.items()
            if any("images" in files for files in splits.values())}


def _find_idx_files(folder: Path) -> dict[str, dict[str, Path]]:
    """{split: {"images": path, "labels": path}} for the one IDX data set in a folder."""
    sets = _find_idx_sets(folder)
    if len(sets) > 1:
        names = sorted(next(iter(f["images"].name for f in s.values() if "images" in f))
                       for s in sets.values())
        raise DataError(folder, f"holds {len(sets)} IDX data sets ({', '.join(names)}): open "
                                "one of their images files instead")
    return next(iter(sets.values()), {})


def _read_idx_pair(
    split: str, files: dict[str, Path], folder: Path
) -> tuple[np.ndarray, np.ndarray]:
    if "images" not in files:
        for path in files.values():
            read_idx(path)  # a bad file speaks first
        raise DataError(folder, f"the {split} images file is missing")
    if "labels" not in files:  # a label-less dataset: labels unknown
        images = read_idx(files["images"])
        if images.ndim != 3:
            raise DataError(files["images"], f"expected 3-dimensional images, found {images.shape}")
        _check_images(files["images"], images)
        return images, np.full(images.shape[0], -1, np.int16)
    _, lshape = read_header(files["labels"])
    if len(lshape) == 2:  # QMNIST: (N, 8) int32, the class first
        images, labels = read_idx(files["images"]), read_idx(files["labels"])[:, 0]
        if images.ndim != 3:
            raise DataError(files["images"], f"expected 3-dimensional images, found {images.shape}")
    else:
        images, labels = read_idx_pair(files["images"], files["labels"])  # counts checked first
    if labels.dtype != np.uint8 and labels.size and labels.min() >= 0 and labels.max() <= 255:
        labels = labels.astype(np.uint8)
    _check_pair(files["images"], images, labels, files["labels"])
    return images, labels


def _open_idx_folder(folder: Path) -> dict[str, Dataset]:
    found = _find_idx_files(folder)
    if not found:
        raise DataError(
            folder, "no MNIST-format files here (IDX files, e.g. train-images-idx3-ubyte.gz)"
        )
    return _datasets(folder, found)


def _datasets(where: Path, found: dict[str, dict[str, Path]]) -> dict[str, Dataset]:
    pairs = {split: _read_idx_pair(split, files, where) for split, files in found.items()}
    labels_only = {s: p[1] for s, p in pairs.items()}
    first = next(iter(found.values()))["images"]
    name = _guess_name(where / first.name, _labels_sha(pairs), labels_only)
    return {
        split: Dataset(images, labels, split, name, str(found[split]["images"].parent), "idx")
        for split, (images, labels) in sorted(pairs.items(), key=lambda kv: SPLITS.index(kv[0]))
    }


def _labels_sha(pairs: dict[str, tuple[np.ndarray, np.ndarray]]) -> str | None:
    """SHA-256 of a labels file's decompressed bytes (header included), from its array."""
    for split in ("test", "train"):
        if split in pairs:
            labels = pairs[split][1]
            header = b"\x00\x00\x08\x01" + len(labels).to_bytes(4, "big")
            return hashlib.sha256(header + labels.tobytes()).hexdigest()
    return None


def _read_keras_members(path: Path) -> dict[str, np.ndarray]:
    """The four Keras arrays, through the containers layer: every member's header is read
    first and the total declared size checked against free memory before anything is
    inflated (a 1 MB deflate bomb cannot take gigabytes); members are CRC-checked."""
    with containers.open_zip(path) as zf:
        infos = {i.filename[:-4]: i for i in zf.infolist() if i.filename.endswith(".npy")}
        missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in infos]
        if missing:
            raise DataError(
                path, f"not a Keras-format MNIST file: missing keys {', '.join(missing)}"
                f" (found {', '.join(sorted(infos)) or 'none'})",
            )
        heads = {k: containers.read_member_header(zf, infos[k], f"{path} [{k}]").header
                 for k in ("x_train", "y_train", "x_test", "y_test")}
        containers.check_memory(path, sum(h.nbytes for h in heads.values()),
                                "reading this data set")
        return {k: containers.member_array(zf, infos[k], f"{path} [{k}]") for k in heads}


def _open_npz(path: Path) -> dict[str, Dataset]:
    if not path.is_file():
        raise DataError(path, "no such file" if not path.exists() else "not a regular file")
    with open(path, "rb") as fp:
        if fp.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
            raise DataError(path, "not a valid .npz (zip) file")
    arrays = _read_keras_members(path)
    out: dict[str, Dataset] = {}
    labels = {}
    for split in SPLITS:
        x, y = np.ascontiguousarray(arrays[f"x_{split}"]), arrays[f"y_{split}"]
        if y.dtype != np.uint8 and np.issubdtype(y.dtype, np.integer) and y.size and (
            y.min() >= 0 and y.max() <= 255
        ):
            y = y.astype(np.uint8)
        _check_pair(path, x, y)
        labels[split] = y
        out[split] = Dataset(x, y, split, "", str(path), "keras-npz")
    name = _guess_name(path, None, labels)
    return {s: Dataset(d.images, d.labels, s, name, d.provenance, d.format) for s, d in out.items()}


def open_dataset(path: str | os.PathLike[str]) -> dict[str, Dataset]:
    """Every split found at ``path`` (a folder of IDX files, one IDX file, or a Keras .npz)."""
    path = Path(path).expanduser()
    containers.check_exists(path)  # a symbolic link loop is not "no such file"
    if path.is_dir():
        return _open_idx_folder(path)
    containers.check_regular_file(path)  # a FIFO would block, /dev/zero never ends
    if path.suffix == ".npz":
        return _open_npz(path)
    if hdf5.is_hdf5(path):
        return _open_hdf5(path)
    if _idx_kind(path) is not None:
        key, split = _pair_key(path.name)
        files = _find_idx_sets(path.parent).get(key, {}).get(split, {})
        files[_idx_kind(path) or "images"] = path
        return _datasets(path.parent, {split: files})
    raise DataError(
        path, "not a dataset: expected a folder of IDX files, an IDX file, a Keras mnist.npz or "
        "an HDF5 file of digits"
    )


def _open_hdf5(path: Path) -> dict[str, Dataset]:
    """The train and test digits of an HDF5 file (:func:`~mnist_viewer.core.hdf5.read_digits`);
    labels the file does not hold are −1 (a label-less dataset)."""
    found: dict[str, Dataset] = {}
    for split in SPLITS:
        try:
            images, labels, _ = hdf5.read_digits(path, split)
        except DataError as exc:
            if "no " + split + " digits" in exc.problem:
                continue
            raise
        if (labels >= 0).all() and labels.size and labels.max() <= 255:
            labels = labels.astype(np.uint8)
        found[split] = Dataset(images, labels, split, "unknown", str(path), "hdf5")
    if not found:
        raise DataError(path, "no digits in this HDF5 file (looked for x_train/x_test, "
                              "train/test, train_images/test_images)")
    return found


def embedded_path() -> Path:
    """The folder of the real-MNIST subset shipped with the package."""
    from ...resources import resource

    return resource("mnist-subset")


def embedded_dataset(split: str = "train") -> Dataset:
    """The small class-balanced real-MNIST subset shipped inside the package."""
    d = open_dataset(embedded_path())[split]
    return Dataset(d.images, d.labels, split, EMBEDDED_NAME, "embedded subset", "idx")


def _cache_folder() -> Path | None:
    """The download cache if it holds a verified copy (``download.is_cached``), else None."""
    from . import download

    return download.mnist_cache_path() if download.is_cached() else None


def _cache_path() -> Path:
    from . import download

    return download.mnist_cache_path()


def _has_mnist_files(folder: Path) -> bool:
    """Whether a folder holds any IDX file (a download, complete or not)."""
    try:
        return folder.is_dir() and any("ubyte" in p.name for p in folder.iterdir())
    except OSError:
        return True


def _pick(splits: dict[str, Dataset], split: str, where: str | Path) -> Dataset:
    if split not in SPLITS:
        raise DataError(where, f"unknown split {split!r} (use 'train' or 'test')")
    if split not in splits:
        raise DataError(where, f"has no {split} split (found: {', '.join(splits)})")
    return splits[split]


def _named(source: str | os.PathLike[str] | None) -> bool:
    return source is not None and str(source) not in ("", "auto")


def resolve_source(source: str | os.PathLike[str] | None = None) -> str | Path:
    """The first source in the order: a path, or ``"embedded"`` / ``"keras"``.

    :func:`load_dataset` may go further down the order: it skips a source found here by
    itself (the download cache, the Keras cache) that fails to open.
    """
    if _named(source):
        if str(source) in ("embedded", "keras"):
            return str(source)
        if str(source) == "cache":
            folder = _cache_folder()
            if folder is None:
                raise DataError("cache", _cache_problem())
            return folder
        return Path(str(source)).expanduser()
    env = os.environ.get(ENV_DATA)
    if env:
        return Path(env).expanduser()
    folder = _cache_folder()
    if folder is not None:
        return folder
    if os.path.lexists(keras_cache_file()):
        return keras_cache_file()
    return "embedded"


def _cache_problem() -> str:
    folder = _cache_path()
    if not _has_mnist_files(folder):
        return "MNIST has not been downloaded yet"
    return (f"the download in {folder} is incomplete or damaged (it fails the check against "
            "the official SHA-256 sums): download it again")


def _warn(message: str) -> str:
    log.warning("%s", message)
    return message


def load_dataset(source: str | os.PathLike[str] | None = None, split: str = "train",
                 remedy: str = PYTHON_REMEDY) -> Dataset:
    """One split from the first source that opens, in the documented order (module doc).

    ``source``: a path, ``"embedded"``, ``"keras"``, ``"cache"``, or None / ``"auto"`` for
    the order. ``remedy`` ends the embedded subset's warning (:func:`embedded_note`): how the
    caller's user names the full MNIST (the CLI passes :data:`CLI_REMEDY`). Raises
    :class:`DataError` when a source the user named (``source`` or ``$MNIST_VIEWER_DATA``)
    cannot be opened or lacks ``split``; a source found by itself that fails is skipped with a
    warning (``log`` and :attr:`Dataset.warnings`).
    """
    if split not in SPLITS:
        raise DataError(source or "dataset", f"unknown split {split!r} (use 'train' or 'test')")
    if _named(source):
        where = resolve_source(source)
        if where == "embedded":
            return _embedded(split, (), remedy)
        if where == "keras":
            return _keras(split)
        return _pick(open_dataset(where), split, where)
    env = os.environ.get(ENV_DATA)
    if env:
        named = Path(env).expanduser()
        try:
            return _pick(open_dataset(named), split, named)
        except DataError as exc:
            raise DataError(exc.path, f"{exc.problem} (named by ${ENV_DATA})") from None
    skipped: list[str] = []
    cache = _cache_folder()
    if cache is None and _has_mnist_files(damaged := _cache_path()):
        skipped.append(_warn(f"the download cache {damaged} is skipped: the MNIST files there "
                             "are incomplete or damaged (they fail the SHA-256 check); "
                             "download them again"))
    found_here = (("the download cache", cache), ("the Keras cache", keras_cache_file()))
    for label, candidate in found_here:
        if candidate is None or not os.path.lexists(candidate):
            continue
        try:
            found = _pick(open_dataset(candidate), split, candidate)
        except (DataError, OSError) as exc:
            if isinstance(exc, DataError):
                problem = exc.problem if exc.path == str(candidate) else str(exc)
            else:
                problem = " ".join(str(exc.strerror or exc).split())
            skipped.append(_warn(f"{label} {candidate} is skipped: {problem}"))
            continue
        return replace(found, warnings=tuple(skipped))
    return _embedded(split, tuple(skipped), remedy)


def _embedded(split: str, skipped: tuple[str, ...], remedy: str) -> Dataset:
    """The embedded subset, with :func:`embedded_note` logged and kept in its warnings."""
    return replace(embedded_dataset(split),
                   warnings=(*skipped, _warn(embedded_note(remedy))))


def _keras(split: str) -> Dataset:
    """The "keras" source: through tf.keras, unless Keras would delete the cached file
    (:func:`~.keras.keras_cache_mismatch`): that file is then read directly, with a warning."""
    mismatch = keras_cache_mismatch("mnist")
    if mismatch is not None:
        path, problem = mismatch
        note = _warn(f"{path}: {problem}, so it is read directly, not through Keras (which "
                     "would try to download it again and delete this file when it cannot)")
        return replace(_pick(open_dataset(path), split, path), warnings=(note,))
    from .keras import load_keras

    x, y = load_keras("mnist")[split]
    return Dataset(np.ascontiguousarray(x, np.uint8), y.astype(np.uint8), split, "mnist",
                   "keras", "keras")
