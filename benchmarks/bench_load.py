"""How long loading real MNIST takes: our IDX reader against plain gzip + numpy, in one run.

Run from the project root:  python benchmarks/bench_load.py [../shared/data/mnist]
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np
from timing import best_of

from mnist_viewer.core.sources.datasets import embedded_dataset, open_dataset
from mnist_viewer.core.sources.idx import read_idx


def plain_gzip_numpy(path: Path) -> np.ndarray:
    """The usual tutorial code: gzip.open, read everything, frombuffer past the 16-byte header."""
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/mnist")
    images = folder / "train-images-idx3-ubyte.gz"
    ours = best_of(lambda: read_idx(images))
    plain = best_of(lambda: plain_gzip_numpy(images))
    both = best_of(lambda: open_dataset(folder), runs=3)
    embedded = best_of(lambda: embedded_dataset("train"))
    assert np.array_equal(read_idx(images), plain_gzip_numpy(images))
    print(f"train images (60,000) read_idx, validated : best {ours[0]*1e3:7.1f} ms"
          f"  median {ours[1]*1e3:7.1f} ms")
    print(f"train images plain gzip.open + frombuffer  : best {plain[0]*1e3:7.1f} ms"
          f"  median {plain[1]*1e3:7.1f} ms")
    print(f"ratio plain / ours                         : {plain[0] / ours[0]:.2f}x")
    print(f"full MNIST, both splits with labels        : best {both[0]*1e3:7.1f} ms")
    print(f"embedded subset (2,000 digits)             : best {embedded[0]*1e3:7.1f} ms")


if __name__ == "__main__":
    main()
