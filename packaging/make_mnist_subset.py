"""Build the small real-MNIST subset embedded in the package (resources/mnist-subset/).

The first N_TRAIN digits of each class of the training split and the first N_TEST of each class
of the test split, in file order, written as IDX .gz files under the original names. Run from the
project root:  python packaging/make_mnist_subset.py ../shared/data/mnist
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from mnist_viewer.core.sources.datasets import open_dataset
from mnist_viewer.core.sources.idx import write_idx

N_TRAIN = 200
N_TEST = 50
OUT = Path(__file__).resolve().parent.parent / "resources" / "mnist-subset"
PREFIX = {"train": "train", "test": "t10k"}


def balanced_indices(labels: np.ndarray, per_class: int) -> np.ndarray:
    """Indices of the first ``per_class`` items of each label 0..9, in file order."""
    chosen = [np.flatnonzero(labels == c)[:per_class] for c in range(10)]
    return np.sort(np.concatenate(chosen))


def main(source: str) -> None:
    splits = open_dataset(source)
    OUT.mkdir(parents=True, exist_ok=True)
    record = {}
    for split, per_class in (("train", N_TRAIN), ("test", N_TEST)):
        d = splits[split]
        idx = balanced_indices(d.labels, per_class)
        write_idx(OUT / f"{PREFIX[split]}-images-idx3-ubyte.gz", d.images[idx])
        write_idx(OUT / f"{PREFIX[split]}-labels-idx1-ubyte.gz", d.labels[idx])
        record[split] = idx.tolist()
    (OUT / "indices.json").write_text(json.dumps(record, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/mnist")
