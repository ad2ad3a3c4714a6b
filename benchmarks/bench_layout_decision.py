"""What deciding a sequence file's layout and values from its content costs, against reading
its header alone (the old name/shape rule), in one run.

A (20, 2000, 64, 64) uint8 file of generated Moving MNIST (time-major, as the released file)
and the same frames as float32 0..255 (OpenSTL). Timed: ``npy_info`` (header only, the
baseline), ``describe_sequences`` (header + sampled content: layout and value mapping), and
``open_sequences`` + one frame. The files are in the page cache after the first run, so this
measures the computation, not the disk.

Run from the project root:  python benchmarks/bench_layout_decision.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from timing import best_of

from mnist_viewer.core.files import describe_sequences, open_sequences
from mnist_viewer.core.files.stored import npy_info
from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.sources.datasets import embedded_dataset


def main() -> None:
    frames = generate(GeneratorConfig(num_sequences=2000, frames=20, seed=1),
                      embedded_dataset()).chunk(0, 2000)
    with tempfile.TemporaryDirectory() as folder:
        for name, array in [("uint8", frames), ("float32 0..255", frames.astype(np.float32))]:
            path = Path(folder) / "set.npy"
            np.save(path, np.ascontiguousarray(array.transpose(1, 0, 2, 3)))
            header = best_of(lambda p=path: npy_info(p), 5)[0]
            describe = best_of(lambda p=path: describe_sequences(p), 3)[0]
            opened = best_of(lambda p=path: open_sequences(p).frame(1999, 19), 3)[0]
            info = describe_sequences(path)
            print(f"{name:15s} header only (baseline): {header * 1e3:8.2f} ms   describe: "
                  f"{describe * 1e3:8.2f} ms   open + frame: {opened * 1e3:8.2f} ms   "
                  f"ratio describe/header: {describe / header:6.0f}x   decided by "
                  f"{info['layout_decided_by']} ({info['num_sequences']}x{info['frames']}), "
                  f"values {info['value_mapping']['kind']}")


if __name__ == "__main__":
    main()
