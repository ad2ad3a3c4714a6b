"""The IDX reader on real MNIST and on every kind of bad file."""

from __future__ import annotations

import gzip
import hashlib
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from mnist_viewer.core.errors import DataError
from mnist_viewer.core.sources.idx import read_header, read_idx, write_idx

TRAIN_IMAGES_SHA = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"


def _idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_real_train_images_match_the_official_bytes(full_mnist_dir: Path) -> None:
    images = read_idx(full_mnist_dir / "train-images-idx3-ubyte.gz")
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    header = struct.pack(">BBBBIII", 0, 0, 8, 3, 60000, 28, 28)
    assert hashlib.sha256(header + images.tobytes()).hexdigest() == TRAIN_IMAGES_SHA


def test_raw_and_gz_and_dot_spelling_read_the_same(tmp_path: Path, mnist_dir: Path) -> None:
    labels = read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz")
    raw = tmp_path / "t10k-labels.idx1-ubyte"
    raw.write_bytes(gzip.decompress((mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    np.testing.assert_array_equal(read_idx(raw), labels)
    assert read_header(raw) == (np.dtype(np.uint8), labels.shape)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
def test_write_then_read_round_trips(tmp_path: Path, dtype: type, name: str) -> None:
    data = (np.arange(2 * 3 * 5) - 7).astype(dtype).reshape(2, 3, 5)
    write_idx(tmp_path / name, data)
    back = read_idx(tmp_path / name)
    assert back.dtype == np.dtype(dtype) and back.shape == data.shape
    np.testing.assert_array_equal(back, data)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def _error(path: Path) -> str:
    with pytest.raises(DataError) as info:
        read_idx(path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    return message


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in _error(tmp_path / "nope-idx3-ubyte")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e").write_bytes(b"")
    assert "empty" in _error(tmp_path / "e")


def test_wrong_magic(tmp_path: Path) -> None:
    (tmp_path / "m").write_bytes(b"PK\x03\x04" + bytes(100))
    assert "magic" in _error(tmp_path / "m")


def test_truncated_images(tmp_path: Path, mnist_dir: Path) -> None:
    raw = gzip.decompress((mnist_dir / "t10k-images-idx3-ubyte.gz").read_bytes())
    (tmp_path / "t").write_bytes(raw[: len(raw) // 2])
    assert "truncated" in _error(tmp_path / "t")
    (tmp_path / "t.gz").write_bytes(gzip.compress(raw[: len(raw) // 2]))
    assert "truncated" in _error(tmp_path / "t.gz")


def test_gzip_cut_short_is_reported(tmp_path: Path, mnist_dir: Path) -> None:
    data = (mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes()
    (tmp_path / "cut.gz").write_bytes(data[: len(data) // 2])
    assert "truncated" in _error(tmp_path / "cut.gz") or "gzip" in _error(tmp_path / "cut.gz")


def test_corrupt_gzip(tmp_path: Path, mnist_dir: Path) -> None:
    data = bytearray((mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes())
    data[40:80] = b"\xff" * 40
    (tmp_path / "c.gz").write_bytes(bytes(data))
    assert "gzip" in _error(tmp_path / "c.gz")


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_billions_declared_in_a_tiny_file_fail_fast_without_allocating(
    tmp_path: Path, suffix: str
) -> None:
    header = struct.pack(">BBBBIII", 0, 0, 8, 3, 3_000_000_000, 28, 28)
    payload = header + bytes(1000)
    path = tmp_path / f"huge{suffix}"
    path.write_bytes(gzip.compress(payload) if suffix else payload)
    tracemalloc.start()
    try:
        message = _error(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "truncated" in message
    assert peak < 10_000_000


def test_gzip_inflating_beyond_the_declared_size_is_refused(tmp_path: Path) -> None:
    body = _idx_bytes(np.zeros((10, 28, 28), np.uint8)) + bytes(5_000_000)
    (tmp_path / "bomb.gz").write_bytes(gzip.compress(body))
    assert "inflates beyond" in _error(tmp_path / "bomb.gz")
