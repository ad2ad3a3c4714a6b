"""``--workers N`` and ``--scheduler ADDR``: where a whole-set job (generate, stats, export)
runs its chunks (Dask; see :mod:`mnist_viewer.core.compute`)."""

from __future__ import annotations

import argparse
import os

from ..core.compute import Engine, cpu_count, statistics_engine


def _workers(text: str) -> int:
    """A whole number ≥ 1, capped at the number of CPU cores (more only adds overhead)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 1, not {text!r}")
    return min(value, os.cpu_count() or 1)


def add_engine_options(parser: argparse.ArgumentParser, statistics: bool = False) -> None:
    """Add ``--workers`` and ``--scheduler`` to a subcommand (``statistics``: the default is
    a thread per CPU core, as :func:`~mnist_viewer.core.compute.statistics_engine`)."""
    default = (f"Default: one per CPU core ({cpu_count()} here)" if statistics else
               "Default 1")
    parser.add_argument("--workers", type=_workers, default=None if statistics else 1,
                        metavar="N",
                        help="compute in N worker threads (Dask's threaded scheduler; the "
                        f"same output; at most the CPU cores, {cpu_count()} here; worth it "
                        f"for large sets, most on machines with many cores). {default}")
    parser.add_argument("--scheduler", metavar="ADDR",
                        help="run on an existing dask.distributed cluster, e.g. "
                        "tcp://host:8786 (its workers need mnist-viewer installed; the same "
                        "output as one process)")


def engine_from(args: argparse.Namespace) -> Engine:
    """The :class:`Engine` the options ask for."""
    # threads: measured faster than local processes here (benchmarks/RESULTS.md, bench_scale)
    workers, scheduler = getattr(args, "workers", 1), getattr(args, "scheduler", None) or None
    if workers is None and scheduler is None:
        return statistics_engine(None)
    return Engine(workers=workers or 1, scheduler=scheduler, processes=False)
