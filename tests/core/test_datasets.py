"""Datasets from real MNIST folders, Keras .npz files, the embedded subset; the resolution order."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from mnist_viewer.core.errors import DataError
from mnist_viewer.core.sources import datasets
from mnist_viewer.core.sources.datasets import embedded_dataset, load_dataset, open_dataset
from mnist_viewer.core.sources.idx import read_idx

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_real_mnist_folder(full_mnist_dir: Path) -> None:
    splits = open_dataset(full_mnist_dir)
    assert list(splits) == ["train", "test"]
    train, test = splits["train"], splits["test"]
    assert train.images.shape == (60000, 28, 28) and test.images.shape == (10000, 28, 28)
    assert train.label_counts() == TRAIN_COUNTS and test.label_counts() == TEST_COUNTS
    assert train.name == "mnist" and train.format == "idx"
    assert (train.images[0] > 0).sum() > 50  # real ink


def _make_npz(path: Path, mnist_dir: Path, **override: np.ndarray) -> dict[str, np.ndarray]:
    arrays = {
        "x_train": read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz")[:300],
        "y_train": read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz")[:300],
        "x_test": read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz")[300:400],
        "y_test": read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz")[300:400],
    }
    arrays.update(override)
    np.savez(path, **arrays)
    return arrays


def test_keras_npz(tmp_path: Path, mnist_dir: Path) -> None:
    arrays = _make_npz(tmp_path / "mnist.npz", mnist_dir)
    splits = open_dataset(tmp_path / "mnist.npz")
    assert splits["train"].format == "keras-npz"
    np.testing.assert_array_equal(splits["test"].images, arrays["x_test"])
    np.testing.assert_array_equal(splits["train"].labels, arrays["y_train"])


def test_keras_cache_file_is_in_the_resolution_order(tmp_path: Path, mnist_dir: Path) -> None:
    cache = datasets.keras_cache_file()  # under the isolated HOME/KERAS_HOME of the test
    cache.parent.mkdir(parents=True)
    _make_npz(cache, mnist_dir)
    assert load_dataset(None, "test").provenance == str(cache)


def test_embedded_subset_is_real_and_balanced(full_mnist_dir: Path) -> None:
    train = embedded_dataset("train")
    assert train.label_counts() == [200] * 10
    assert embedded_dataset("test").label_counts() == [50] * 10
    full = read_idx(full_mnist_dir / "train-images-idx3-ubyte.gz")
    index = datasets.embedded_path() / "indices.json"
    import json

    idx = json.loads(index.read_text())["train"]
    np.testing.assert_array_equal(train.images, full[idx])


def test_resolution_order(tmp_path: Path, mnist_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_dataset().provenance == "embedded subset"
    monkeypatch.setenv("MNIST_VIEWER_DATA", str(mnist_dir))
    assert len(load_dataset()) == len(read_idx(mnist_dir / "train-labels-idx1-ubyte.gz"))
    assert load_dataset().provenance == str(mnist_dir)
    other = tmp_path / "other"
    other.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(mnist_dir / name, other / name)
    test = load_dataset(other, "test")  # explicit path wins over the variable
    assert test.provenance == str(other)
    assert len(test) == len(read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz"))
    with pytest.raises(DataError, match="no train split"):
        load_dataset(other, "train")


def test_folder_with_dot_spelling_and_fashion_name(tmp_path: Path, full_mnist_dir: Path) -> None:
    folder = tmp_path / "fashion"
    folder.mkdir()
    for src, dst in (("t10k-images-idx3-ubyte.gz", "t10k-images.idx3-ubyte"),
                     ("t10k-labels-idx1-ubyte.gz", "t10k-labels.idx1-ubyte")):
        raw = gzip.decompress((full_mnist_dir / src).read_bytes())
        (folder / dst).write_bytes(raw)
    # real MNIST labels are recognised as MNIST whatever the folder is called
    assert open_dataset(folder)["test"].name == "mnist"


def _fails(path: Path) -> str:
    with pytest.raises(DataError) as info:
        open_dataset(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    return message


def test_bad_inputs(tmp_path: Path, mnist_dir: Path) -> None:
    assert "no such" in _fails(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no MNIST-format files" in _fails(empty)
    (tmp_path / "notes.txt").write_text("hello")
    assert "not a dataset" in _fails(tmp_path / "notes.txt")


def test_image_and_label_count_mismatch(tmp_path: Path, mnist_dir: Path) -> None:
    folder = tmp_path / "mismatch"
    folder.mkdir()
    shutil.copy(mnist_dir / "t10k-images-idx3-ubyte.gz", folder)
    shutil.copy(mnist_dir / "train-labels-idx1-ubyte.gz", folder / "t10k-labels-idx1-ubyte.gz")
    n_images = len(read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz"))
    n_labels = len(read_idx(mnist_dir / "train-labels-idx1-ubyte.gz"))
    assert f"{n_images} images but {n_labels} labels" in _fails(folder)


def test_images_without_labels_are_a_label_less_dataset(tmp_path: Path, mnist_dir: Path) -> None:
    folder = tmp_path / "half"  # as OpenSTL keeps it: images only
    folder.mkdir()
    shutil.copy(mnist_dir / "t10k-images-idx3-ubyte.gz", folder)
    test = open_dataset(folder)["test"]
    count = len(read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz"))
    assert len(test) == count and not test.has_labels and test.label_counts() is None
    assert test.labels.dtype == np.int16 and (test.labels == -1).all()


def test_npz_missing_keys_wrong_dtype_and_shape(tmp_path: Path, mnist_dir: Path) -> None:
    np.savez(tmp_path / "keys.npz", x_train=np.zeros((2, 28, 28), np.uint8))
    assert "missing keys" in _fails(tmp_path / "keys.npz")
    _make_npz(tmp_path / "dtype.npz", mnist_dir, x_test=np.zeros((100, 28, 28), np.float32))
    assert "uint8" in _fails(tmp_path / "dtype.npz")
    _make_npz(tmp_path / "shape.npz", mnist_dir, x_test=np.zeros((100, 784), np.uint8))
    assert "(N, H, W)" in _fails(tmp_path / "shape.npz")
    _make_npz(tmp_path / "count.npz", mnist_dir, y_test=np.zeros(99, np.uint8))
    assert "100 images but 99 labels" in _fails(tmp_path / "count.npz")


def test_npz_with_pickled_object_is_refused(tmp_path: Path, mnist_dir: Path) -> None:
    evil = np.empty(1, dtype=object)
    evil[0] = {"payload": 1}
    _make_npz(tmp_path / "pickle.npz", mnist_dir, y_test=evil)
    assert "pickle" in _fails(tmp_path / "pickle.npz")


def test_not_a_zip_npz(tmp_path: Path) -> None:
    (tmp_path / "broken.npz").write_bytes(b"this is not a zip file at all")
    assert "npz" in _fails(tmp_path / "broken.npz")


def test_download_cache_comes_before_the_keras_cache(tmp_path: Path, full_mnist_dir: Path) -> None:
    from mnist_viewer.core.sources import download

    cache = download.mnist_cache_path()  # under the isolated MNIST_VIEWER_CACHE of the test
    cache.mkdir(parents=True)
    for gz in full_mnist_dir.glob("*-ubyte.gz"):
        (cache / gz.name[:-3]).write_bytes(gzip.decompress(gz.read_bytes()))
    assert download.is_cached()
    keras = datasets.keras_cache_file()
    keras.parent.mkdir(parents=True)
    _make_npz(keras, full_mnist_dir)
    test = load_dataset(None, "test")
    assert test.provenance == str(cache)
    assert len(test) == len(read_idx(full_mnist_dir / "t10k-labels-idx1-ubyte.gz"))
    train_labels = read_idx(full_mnist_dir / "train-labels-idx1-ubyte.gz")
    assert len(load_dataset("cache", "train")) == len(train_labels)


# --- sources found by the program never block; sources named by the user are errors ---------


def _fill_download_cache(mnist_dir: Path) -> Path:
    from mnist_viewer.core.sources import download

    cache = download.mnist_cache_path()  # under the isolated MNIST_VIEWER_CACHE of the test
    cache.mkdir(parents=True)
    for gz in mnist_dir.glob("*-ubyte.gz"):
        (cache / gz.name[:-3]).write_bytes(gzip.decompress(gz.read_bytes()))
    return cache


def _truncated_keras_cache(mnist_dir: Path) -> tuple[Path, bytes]:
    """A Keras cache mnist.npz cut in half, as a failed download leaves it."""
    keras = datasets.keras_cache_file()
    keras.parent.mkdir(parents=True)
    _make_npz(keras, mnist_dir)
    data = keras.read_bytes()[:5000]
    keras.write_bytes(data)
    return keras, data


def test_a_truncated_keras_cache_is_skipped_with_a_warning(
    mnist_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    keras, data = _truncated_keras_cache(mnist_dir)
    test = load_dataset(None, "test")
    assert test.is_embedded and test.provenance == "embedded subset"  # the next source
    skipped, embedded = test.warnings
    assert skipped.startswith(f"the Keras cache {keras} is skipped: ") and "\n" not in skipped
    assert embedded == datasets.embedded_note() and datasets.ENV_DATA in embedded
    assert [r.getMessage() for r in caplog.records] == [skipped, embedded]
    assert all(r.levelname == "WARNING" for r in caplog.records)
    assert keras.read_bytes() == data  # never deleted or changed


def test_a_damaged_download_cache_is_skipped_for_the_keras_cache(full_mnist_dir: Path) -> None:
    cache = _fill_download_cache(full_mnist_dir)
    labels = cache / "t10k-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes()[:-100])  # fails the size and SHA-256 checks
    keras = datasets.keras_cache_file()
    keras.parent.mkdir(parents=True)
    arrays = _make_npz(keras, full_mnist_dir)
    test = load_dataset(None, "test")
    assert test.provenance == str(keras)  # the next source in the order
    np.testing.assert_array_equal(test.images, arrays["x_test"])
    [warning] = test.warnings
    assert warning.startswith(f"the download cache {cache} is skipped") and "SHA-256" in warning
    with pytest.raises(DataError, match="incomplete or damaged"):
        load_dataset("cache", "test")  # named: an error


def test_a_download_cache_that_does_not_open_is_skipped(full_mnist_dir: Path) -> None:
    cache = _fill_download_cache(full_mnist_dir)
    images = cache / "train-images-idx3-ubyte"
    with open(images, "r+b") as fh:  # same size, broken IDX header
        fh.write(b"\xff\xff\xff\xff")
    train = load_dataset(None, "train")
    assert train.is_embedded
    assert any(w.startswith(f"the download cache {cache}") for w in train.warnings)
    assert images.stat().st_size == 47_040_016  # left as it is


def test_a_broken_source_the_user_named_is_an_error(
    tmp_path: Path, full_mnist_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "mnist.npz"
    broken.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DataError) as info:
        load_dataset(broken, "train")
    assert info.value.path == str(broken)
    monkeypatch.setenv("MNIST_VIEWER_DATA", str(broken))
    with pytest.raises(DataError, match=r"named by \$MNIST_VIEWER_DATA"):
        load_dataset(None, "train")
    _fill_download_cache(full_mnist_dir)  # a good source further down does not hide the error
    with pytest.raises(DataError):
        load_dataset(None, "train")


def test_real_mnist_found_by_itself_has_no_warning(full_mnist_dir: Path) -> None:
    _fill_download_cache(full_mnist_dir)
    test = load_dataset(None, "test")
    assert test.warnings == () and not test.is_embedded and test.name == "mnist"


def test_the_embedded_subset_always_says_so(caplog: pytest.LogCaptureFixture) -> None:
    for source in (None, "embedded", "auto"):
        caplog.clear()
        d = load_dataset(source, "test")
        assert d.is_embedded and d.warnings == (datasets.embedded_note(),)
        assert caplog.records[-1].getMessage() == datasets.embedded_note()


def test_the_embedded_warning_gives_the_callers_remedy(caplog: pytest.LogCaptureFixture) -> None:
    # from Python: the Python way (an argument, the environment variable), no CLI flag or menu
    python = load_dataset(None, "test").warnings[-1]
    assert "load_dataset(PATH)" in python and "$MNIST_VIEWER_DATA=PATH" in python
    assert "--data" not in python and "File ›" not in python
    # the CLI names its flag; one builder, so the facts agree and only the remedy differs
    cli = load_dataset("embedded", "test", datasets.CLI_REMEDY).warnings[-1]
    assert cli == f"{datasets.EMBEDDED_NOTE}: {datasets.CLI_REMEDY}" and "--data PATH" in cli
    assert caplog.records[-1].getMessage() == cli


def test_generated_config_records_the_embedded_subset(full_mnist_dir: Path) -> None:
    from mnist_viewer.core.generation import GeneratorConfig, generate

    config = GeneratorConfig(num_sequences=2, frames=3, seed=1)
    source = generate(config, load_dataset(None, "train")).config["source"]
    assert source["embedded"] is True and source["note"] == datasets.EMBEDDED_NOTE
    real = generate(config, load_dataset(full_mnist_dir, "train")).config["source"]
    assert "embedded" not in real and real["name"] == "mnist"
