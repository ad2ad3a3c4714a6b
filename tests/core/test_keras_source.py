"""The optional TensorFlow/Keras source.

TensorFlow is not installed in CI (installing it would take minutes and gigabytes), so the
"present" path runs against a fake ``tensorflow`` module: injected into ``sys.modules`` with
monkeypatch, or placed on ``PYTHONPATH`` of a subprocess. Only the "absent" path runs against
the real environment.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest

from mnist_viewer.core.errors import DataError
from mnist_viewer.core.sources import keras as keras_source

tf_installed = importlib.util.find_spec("tensorflow") is not None


def read_idx_gz(path: Path, count: int) -> np.ndarray:
    """The first ``count`` items of an IDX .gz file, read with plain numpy."""
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    item = int(np.prod(dims[1:])) if ndim > 1 else 1
    start = 4 + 4 * ndim
    data = np.frombuffer(raw, np.uint8, count * item, start)
    return data.reshape((count, *dims[1:]))


def fake_tensorflow(datasets: dict[str, object]) -> types.ModuleType:
    """A module shaped like ``tensorflow`` with ``keras.datasets.<name>.load_data``."""
    tf = types.ModuleType("tensorflow")
    tf.__spec__ = importlib.machinery.ModuleSpec("tensorflow", None)
    tf.keras = types.SimpleNamespace(datasets=types.SimpleNamespace(**datasets))  # type: ignore[attr-defined]
    return tf


def loader(result: object) -> types.SimpleNamespace:
    def load_data() -> object:
        if isinstance(result, Exception):
            raise result
        return result

    return types.SimpleNamespace(load_data=load_data)


@pytest.fixture
def digits(mnist_dir: Path):
    """Small real train/test splits, as Keras would return them (labels int64 here)."""
    x_train = read_idx_gz(mnist_dir / "train-images-idx3-ubyte.gz", 50)
    y_train = read_idx_gz(mnist_dir / "train-labels-idx1-ubyte.gz", 50).astype(np.int64)
    x_test = read_idx_gz(mnist_dir / "t10k-images-idx3-ubyte.gz", 20)
    y_test = read_idx_gz(mnist_dir / "t10k-labels-idx1-ubyte.gz", 20).astype(np.int64)
    return (x_train, y_train), (x_test, y_test)


# --- absent (the real environment) ----------------------------------------------------------


@pytest.mark.skipif(tf_installed, reason="TensorFlow is installed")
def test_absent_tensorflow() -> None:
    assert keras_source.tensorflow_available() is False
    with pytest.raises(DataError) as info:
        keras_source.load_keras("mnist")
    assert str(info.value) == "tensorflow: not installed: pip install 'mnist-viewer[tensorflow]'"
    assert "tensorflow" not in sys.modules


def test_import_does_not_import_tensorflow(tmp_path: Path) -> None:
    # A fake tensorflow on the path that fails loudly if anything imports it.
    package = tmp_path / "tensorflow"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('tensorflow was imported')\n")
    code = textwrap.dedent(
        """
        import sys
        import mnist_viewer.core.sources.keras as ks
        assert ks.tensorflow_available(), "fake tensorflow not found on the path"
        print(ks.keras_cache_file("mnist"))
        print("tensorflow" in sys.modules)
        """
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), *sys.path]))
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    cache_line, imported = done.stdout.split()
    assert imported == "False"
    assert Path(cache_line) == Path(os.environ["KERAS_HOME"]) / "datasets" / "mnist.npz"


# --- present (fake tensorflow in sys.modules) ------------------------------------------------


def test_load_keras_with_fake_tensorflow(monkeypatch: pytest.MonkeyPatch, digits) -> None:
    (x_train, y_train), (x_test, y_test) = digits
    monkeypatch.setitem(sys.modules, "tensorflow", fake_tensorflow({"mnist": loader(digits)}))
    assert keras_source.tensorflow_available()
    result = keras_source.load_keras("mnist")
    assert set(result) == {"train", "test"}
    for split, (x, y) in (("train", (x_train, y_train)), ("test", (x_test, y_test))):
        images, labels = result[split]
        assert images.dtype == np.uint8 and labels.dtype == np.uint8
        assert images.flags.c_contiguous and labels.flags.c_contiguous
        np.testing.assert_array_equal(images, x)
        np.testing.assert_array_equal(labels.astype(np.int64), y)


def test_fashion_mnist_uses_its_loader(monkeypatch: pytest.MonkeyPatch, digits) -> None:
    wrong = RuntimeError("the mnist loader must not be used for fashion-mnist")
    fake = fake_tensorflow({"mnist": loader(wrong), "fashion_mnist": loader(digits)})
    monkeypatch.setitem(sys.modules, "tensorflow", fake)
    images, _ = keras_source.load_keras("fashion-mnist")["test"]
    np.testing.assert_array_equal(images, digits[1][0])


def test_keras_failure_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    failure = Exception("URL fetch failure on https://example.invalid/mnist.npz:\nNone -- refused")
    monkeypatch.setitem(sys.modules, "tensorflow", fake_tensorflow({"mnist": loader(failure)}))
    with pytest.raises(DataError) as info:
        keras_source.load_keras("mnist")
    assert "\n" not in str(info.value)
    assert info.value.path == str(keras_source.keras_cache_file("mnist"))
    assert "URL fetch failure" in info.value.problem


@pytest.mark.parametrize(
    ("train", "problem"),
    [
        ((np.zeros((4, 28, 27), np.uint8), np.zeros(4, np.uint8)), "shape"),
        ((np.zeros((4, 28, 28), np.uint8), np.zeros(3, np.uint8)), "shape"),
        ((np.zeros((4, 28, 28), np.uint8), np.full(4, 10, np.uint8)), "0..9"),
        ((np.full((4, 28, 28), 300, np.int32), np.zeros(4, np.uint8)), "8-bit"),
        ((np.zeros((4, 28, 28), np.float32), np.zeros(4, np.uint8)), "8-bit"),
    ],
)
def test_bad_keras_arrays_are_refused(
    monkeypatch: pytest.MonkeyPatch, train: tuple[np.ndarray, np.ndarray], problem: str
) -> None:
    test = (np.zeros((2, 28, 28), np.uint8), np.zeros(2, np.uint8))
    fake = fake_tensorflow({"mnist": loader((train, test))})
    monkeypatch.setitem(sys.modules, "tensorflow", fake)
    with pytest.raises(DataError, match=problem):
        keras_source.load_keras("mnist")


def test_unknown_dataset_name() -> None:
    with pytest.raises(DataError, match="not a Keras dataset"):
        keras_source.load_keras("cifar10")
    with pytest.raises(DataError, match="not a Keras dataset"):
        keras_source.keras_cache_file("cifar10")


# --- where Keras caches ----------------------------------------------------------------------


def test_keras_cache_file_with_keras_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert keras_source.keras_cache_file() == tmp_path / "kh" / "datasets" / "mnist.npz"
    assert keras_source.keras_cache_file("fashion-mnist") == (
        tmp_path / "kh" / "datasets" / "fashion-mnist"
    )


def test_keras_cache_file_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert keras_source.keras_cache_file("mnist") == tmp_path / ".keras" / "datasets" / "mnist.npz"


# --- a cached mnist.npz Keras would delete ---------------------------------------------------


class Keras3GetFile:
    """``keras.datasets.mnist.load_data`` as Keras 3 runs it offline: ``get_file`` checks the
    cached file's SHA-256 against the pinned one; on a mismatch it tries to download, fails,
    **removes the file** and raises; otherwise it loads the file."""

    def __init__(self) -> None:
        self.calls = 0

    def load_data(self) -> object:
        self.calls += 1
        path = keras_source.keras_cache_file("mnist")
        if not path.exists() or keras_source.file_sha256(path) != keras_source.KERAS_MNIST_SHA256:
            if path.exists():
                os.remove(path)  # what keras.utils.get_file does when the download fails
            raise Exception("URL fetch failure on https://storage.googleapis.com/tensorflow/"
                            "tf-keras-datasets/mnist.npz: None -- [Errno -3] offline")
        with np.load(path, allow_pickle=False) as f:
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])


@pytest.fixture
def keras3(monkeypatch: pytest.MonkeyPatch) -> Keras3GetFile:
    fake = Keras3GetFile()
    monkeypatch.setitem(sys.modules, "tensorflow", fake_tensorflow({"mnist": fake}))
    return fake


@pytest.fixture
def rebuilt_npz(digits) -> tuple[Path, bytes]:
    """A valid Keras-format mnist.npz rebuilt by hand in the Keras cache (another SHA-256)."""
    (x_train, y_train), (x_test, y_test) = digits
    path = keras_source.keras_cache_file("mnist")
    path.parent.mkdir(parents=True)
    np.savez(path, x_train=x_train, y_train=y_train.astype(np.uint8), x_test=x_test,
             y_test=y_test.astype(np.uint8))
    return path, path.read_bytes()


def test_the_stand_in_deletes_like_keras(keras3, rebuilt_npz) -> None:
    # The danger is real: handed to (this stand-in for) Keras, the user's file is gone.
    path, _ = rebuilt_npz
    with pytest.raises(Exception, match="URL fetch failure"):
        keras3.load_data()
    assert not path.exists()


def test_load_keras_refuses_a_file_keras_would_delete(keras3, rebuilt_npz) -> None:
    path, data = rebuilt_npz
    with pytest.raises(DataError) as info:
        keras_source.load_keras("mnist")
    assert info.value.path == str(path)
    assert "SHA-256" in info.value.problem and "delete" in info.value.problem
    assert keras3.calls == 0 and path.read_bytes() == data


def test_keras_source_reads_a_mismatched_file_directly(keras3, rebuilt_npz, digits,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    from mnist_viewer.core.sources.datasets import load_dataset

    path, data = rebuilt_npz
    test = load_dataset("keras", "test")
    np.testing.assert_array_equal(test.images, digits[1][0])
    assert test.provenance == str(path) and test.format == "keras-npz"
    assert len(test.warnings) == 1 and "read directly, not through Keras" in test.warnings[0]
    assert test.warnings[0] in caplog.text
    assert keras3.calls == 0 and path.read_bytes() == data  # untouched


def test_keras_source_with_a_truncated_file_is_an_error_and_keeps_it(keras3, rebuilt_npz
                                                                     ) -> None:
    from mnist_viewer.core.sources.datasets import load_dataset

    path, data = rebuilt_npz
    path.write_bytes(data[: len(data) // 2])  # what a failed download leaves
    with pytest.raises(DataError) as info:
        load_dataset("keras", "train")  # named by the user: an error, not a fallback
    assert info.value.path == str(path)
    assert keras3.calls == 0 and path.read_bytes() == data[: len(data) // 2]


def test_a_file_with_the_pinned_hash_goes_through_keras(keras3, rebuilt_npz, digits,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path, data = rebuilt_npz
    monkeypatch.setattr(keras_source, "KERAS_MNIST_SHA256", keras_source.file_sha256(path))
    images, _ = keras_source.load_keras("mnist")["train"]
    np.testing.assert_array_equal(images, digits[0][0])
    assert keras3.calls == 1 and path.read_bytes() == data


def test_without_a_cached_file_keras_downloads(keras3) -> None:
    # Nothing of the user's to lose: Keras is called (and fails offline, one line).
    with pytest.raises(DataError, match="URL fetch failure"):
        keras_source.load_keras("mnist")
    assert keras3.calls == 1


def test_the_tmp_fallback_of_keras_is_guarded(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    # get_file uses <tmp>/.keras when the Keras home is not writable (or missing).
    monkeypatch.setattr(keras_source.os, "access", lambda *_a: False)
    files = keras_source.keras_cache_candidates("mnist")
    assert files[0] == keras_source.keras_cache_file("mnist")
    assert files[1].parts[-3:] == (".keras", "datasets", "mnist.npz")
    assert keras_source.keras_cache_candidates("fashion-mnist")[1].name == "fashion-mnist"
    assert keras_source.keras_cache_mismatch("fashion-mnist") is None  # Keras pins no hash


def test_tensorflow_chatter_is_turned_off(monkeypatch: pytest.MonkeyPatch, digits) -> None:
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "")  # restored after the test
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL")
    monkeypatch.setitem(sys.modules, "tensorflow", fake_tensorflow({"mnist": loader(digits)}))
    keras_source.load_keras("mnist")
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
