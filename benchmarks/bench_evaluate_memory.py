"""Peak memory of ``mnist-viewer evaluate`` on a set larger than 1 GB (default 10 GB).

Writes a truth/prediction pair of (N, 10, 64, 64) float32 ``.npy`` files (GB/2 each, written
through ``np.lib.format.open_memmap`` a block at a time, in a temporary folder), runs
``python -m mnist_viewer evaluate --truth … --pred … --json`` in a subprocess and reports its
peak resident set size (its own ``VmHWM``, see ``timing.run_with_peak_rss``) against the 1 GB
target.
The files are deleted afterwards.

    python benchmarks/bench_evaluate_memory.py [GB] [DIR]
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from timing import run_with_peak_rss

from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.sources.datasets import embedded_dataset

TARGET_MB = 1024
BLOCK = 100  # sequences generated once and repeated


def write_pair(folder: Path, gigabytes: float) -> int:
    per_sequence = 10 * 64 * 64 * 4
    n = int(gigabytes * 1e9 / 2 / per_sequence)
    frames = generate(GeneratorConfig(num_sequences=BLOCK, frames=10, seed=2),
                      embedded_dataset("test")).chunk(0, BLOCK)
    truth = frames.astype(np.float32) / 255
    rng = np.random.default_rng(0)
    pred = (0.6 * truth + 0.2 * np.roll(truth, 1, -1)
            + rng.normal(0, 0.05, truth.shape).astype(np.float32))
    for name, block in (("truth.npy", truth), ("pred.npy", pred)):
        out = np.lib.format.open_memmap(folder / name, mode="w+", dtype=np.float32,
                                        shape=(n, 10, 64, 64))
        for start in range(0, n, BLOCK):
            stop = min(n, start + BLOCK)
            out[start:stop] = block[: stop - start]
            out.flush()
        del out
    return n


def main() -> None:
    gigabytes = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    parent = sys.argv[2] if len(sys.argv) > 2 else None
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start")
    with tempfile.TemporaryDirectory(dir=parent) as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        n = write_pair(folder, gigabytes)
        size = sum(f.stat().st_size for f in folder.iterdir()) / 1e9
        print(f"wrote {n} sequences x 10 frames of 64x64 float32: {size:.2f} GB on disk "
              f"in {time.perf_counter() - t0:.0f} s")
        cmd = [sys.executable, "-m", "mnist_viewer", "evaluate", "--truth",
               str(folder / "truth.npy"), "--pred", str(folder / "pred.npy"), "--json"]
        t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        peak, stdout, stderr, code = run_with_peak_rss(cmd)
        wall = time.perf_counter() - t0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = usage.ru_utime + usage.ru_stime - c0.ru_utime - c0.ru_stime
        if code != 0:
            print(stderr)
            raise SystemExit(code)
        data = json.loads(stdout)
        print(f"evaluate: wall {wall:.0f} s, cpu {cpu:.0f} s, "
              f"{data['num_sequences']} sequences, metrics {data['metrics']}")
        print(f"peak RSS of the evaluate process: {peak:.0f} MB (target < {TARGET_MB} MB: "
              f"{'met' if peak < TARGET_MB else 'NOT met'})")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
