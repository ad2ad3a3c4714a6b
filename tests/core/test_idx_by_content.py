"""IDX datasets recognised by their magic number and paired whatever the prefix; images-only
folders are label-less datasets; label ranges come from the data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mnist_viewer.cli import main
from mnist_viewer.core.errors import DataError
from mnist_viewer.core.sources.datasets import embedded_dataset, open_dataset
from mnist_viewer.core.sources.idx import write_idx

DIGITS = embedded_dataset()


def emnist_like(folder: Path, prefix: str, classes: int, sep: str = "-",
                splits: tuple[str, ...] = ("train", "test")) -> dict[str, np.ndarray]:
    folder.mkdir(parents=True, exist_ok=True)
    labels = {}
    for i, split in enumerate(splits):
        images = DIGITS.images[i * 100:(i + 1) * 100]
        y = (np.arange(100) % classes).astype(np.uint8)
        write_idx(folder / f"{prefix}{split}-images{sep}idx3-ubyte.gz", images)
        write_idx(folder / f"{prefix}{split}-labels{sep}idx1-ubyte.gz", y)
        labels[split] = y
    return labels


@pytest.mark.parametrize(("prefix", "sep"), [
    ("emnist-balanced-", "-"), ("kmnist-", "-"), ("", "."), ("fashion_", "-")])
def test_any_prefix_and_spelling(tmp_path, prefix, sep, capsys):
    labels = emnist_like(tmp_path / "set", prefix, 47, sep)
    splits = open_dataset(tmp_path / "set")
    assert set(splits) == {"train", "test"}
    np.testing.assert_array_equal(splits["test"].labels, labels["test"])
    np.testing.assert_array_equal(splits["train"].images, DIGITS.images[:100])
    # one file opens its pair
    one = open_dataset(tmp_path / "set" / f"{prefix}test-images{sep}idx3-ubyte.gz")
    assert set(one) == {"test"} and one["test"].has_labels
    assert main(["info", str(tmp_path / "set"), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert len(info["train"]["label_counts"]) == 47
    assert main(["info", str(tmp_path / "set")]) == 0
    assert "per label 0-46:" in capsys.readouterr().out


def test_qmnist_labels_are_their_first_column(tmp_path):
    folder = tmp_path / "q"
    folder.mkdir()
    write_idx(folder / "qmnist-test-images-idx3-ubyte.gz", DIGITS.images[:50])
    extended = np.zeros((50, 8), np.int32)
    extended[:, 0] = np.arange(50) % 10
    extended[:, 5] = 12345  # writer id etc.
    write_idx(folder / "qmnist-test-labels-idx2-int.gz", extended)
    test = open_dataset(folder)["test"]
    np.testing.assert_array_equal(test.labels, np.arange(50) % 10)


def test_images_only_is_label_less_and_generates(tmp_path, capsys):
    folder = tmp_path / "openstl"
    folder.mkdir()
    write_idx(folder / "train-images-idx3-ubyte.gz", DIGITS.images[:200])
    assert main(["info", str(folder)]) == 0
    assert "no labels" in capsys.readouterr().out
    out = tmp_path / "gen.npz"
    assert main(["generate", "--data", str(folder), "--num", "3", "--frames", "4",
                 "--out", str(out), "--seed", "2"]) == 0
    capsys.readouterr()
    with np.load(out, allow_pickle=False) as npz:
        assert (npz["labels"] == -1).all() and (npz["digit_index"] >= 0).all()
    assert main(["stats", str(out), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert sum(stats["label_counts"]) == 0 and stats["mean_speed_px"] is not None


def test_several_sets_in_one_folder_are_named(tmp_path):
    emnist_like(tmp_path / "all", "emnist-balanced-", 47)
    emnist_like(tmp_path / "all", "emnist-digits-", 10)
    with pytest.raises(DataError) as err:
        open_dataset(tmp_path / "all")
    assert "2 IDX data sets" in str(err.value) and "emnist-digits" in str(err.value)
    one = open_dataset(tmp_path / "all" / "emnist-digits-train-images-idx3-ubyte.gz")
    assert one["train"].label_counts() == [10] * 10


def test_non_idx_files_with_idx_names_are_ignored(tmp_path):
    emnist_like(tmp_path / "s", "", 10)
    (tmp_path / "s" / "notes-images-idx3-ubyte").write_text("not an IDX file")
    assert set(open_dataset(tmp_path / "s")) == {"train", "test"}
