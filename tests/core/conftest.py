"""Fixtures for the core tests that need real distributed components."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def cluster():
    """A real dask.distributed cluster: scheduler and 2 worker processes on 127.0.0.1."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as local:
        yield local.scheduler_address
