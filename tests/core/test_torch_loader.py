"""MovingMNIST through a real torch DataLoader with worker processes (skipped without torch)."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_viewer import MovingMNIST

torch = pytest.importorskip("torch")


@pytest.mark.slow
def test_dataloader_with_workers_gives_the_same_batches_as_one_process(mnist_dir):
    ds = MovingMNIST(96, seed=4, data=mnist_dir, digits=(1, 3))
    from torch.utils.data import DataLoader

    expected = np.stack([ds[i] for i in range(96)])
    for workers in (0, 2):
        loader = DataLoader(ds, batch_size=16, shuffle=False, num_workers=workers)
        got = np.concatenate([batch.numpy() for batch in loader])
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, expected)
