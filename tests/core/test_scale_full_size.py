"""Issue 15's "done when", at full size: 100,000 sequences generated to Zarr on a real
dask.distributed LocalCluster equal the one-process ``.npy`` of the same seed, frame for frame
and byte for byte, and the viewer opens the 8 GB store lazily.

Several minutes and ~10 GB of scratch space, so not in the default run: ``pytest -m scale``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from mnist_viewer.cli import main
from mnist_viewer.core.files import describe_sequences, open_sequences
from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.sources.datasets import load_dataset

pytestmark = pytest.mark.scale

NUM = int(os.environ.get("MNIST_VIEWER_SCALE_NUM", "100000"))
BLOCK = 5_000  # sequences compared at a time (410 MB of frames)


def test_cluster_zarr_equals_one_process_npy_and_opens_lazily(tmp_path, full_mnist_dir, cluster):
    common = ["generate", "--num", str(NUM), "--seed", "11", "--data", str(full_mnist_dir)]
    store, npy = tmp_path / "set.zarr", tmp_path / "set.npy"
    assert main([*common, "--out", str(store), "--scheduler", cluster]) == 0
    assert main([*common, "--out", str(npy), "--workers", "1"]) == 0

    zarr_set, npy_set = open_sequences(store), open_sequences(npy)
    assert (len(zarr_set), zarr_set.num_frames) == (len(npy_set), npy_set.num_frames) == (NUM, 20)
    for start in range(0, NUM, BLOCK):
        stop = min(NUM, start + BLOCK)
        a, b = zarr_set.chunk(start, stop), npy_set.chunk(start, stop)
        assert a.dtype == b.dtype == np.uint8
        assert a.tobytes() == b.tobytes(), f"sequences {start}..{stop} differ"
    # the .npy holds frames only; the store's ground truth against the generator's, in process
    expected = generate(GeneratorConfig(num_sequences=NUM, seed=11),
                        load_dataset(full_mnist_dir, "train"))
    stored = zarr_set.ground_truth
    assert stored is not None
    for start in range(0, NUM, BLOCK):
        stop = min(NUM, start + BLOCK)
        truth = expected.ground_truth_for(start, stop)
        for key in ("labels", "digit_index", "positions", "velocity"):
            np.testing.assert_array_equal(getattr(stored, key)[start:stop], getattr(truth, key))
    assert describe_sequences(store)["num_sequences"] == NUM

    # the viewer on the 8 GB store: one screenshot, in a fresh process, far below the set's size
    shot = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([sys.executable, "-m", "mnist_viewer", "--screenshot", str(shot),
                             "--frame", "3", str(store)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # the child's own high-water mark: its ru_maxrss would include this process's RSS, which
    # Linux carries across the exec of a child started by a large parent
    peak_kb = 0
    while proc.poll() is None:
        with contextlib.suppress(OSError, ValueError), \
                open(f"/proc/{proc.pid}/status", encoding="ascii") as fp:
            peak_kb = max([peak_kb] + [int(line.split()[1]) for line in fp
                                       if line.startswith("VmHWM:")])
        time.sleep(0.05)
    assert proc.returncode == 0
    assert shot.stat().st_size > 0
    peak = peak_kb * 1024  # the viewer alone (Qt, pyqtgraph, MNIST) is ~360 MB
    assert 0 < peak < 600e6, f"viewer peak {peak / 1e6:.0f} MB for {NUM * 20 * 4096 / 1e9:.1f} GB"
