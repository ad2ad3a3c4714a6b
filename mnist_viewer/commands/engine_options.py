"""``--workers N`` and ``--scheduler ADDR``: where a whole-set job (generate, stats, export)
runs its chunks (Dask; see :mod:`mnist_viewer.core.compute`)."""

from __future__ import annotations

import argparse
import os

from ..core.compute import Engine, cpu_count


def _workers(text: str) -> int:
    """A whole number ≥ 1, capped at the number of CPU cores (more only adds overhead)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 1, not {text!r}")
    return min(value, os.cpu_count() or 1)


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers`` and ``--scheduler`` to a subcommand."""
    parser.add_argument("--workers", type=_workers, default=1, metavar="N",
                        help="compute in N worker threads (Dask's threaded scheduler; the "
                        f"same output; at most the CPU cores, {cpu_count()} here; worth it "
                        "for large sets, most on machines with many cores). Default 1")
    parser.add_argument("--scheduler", metavar="ADDR",
                        help="run on an existing dask.distributed cluster, e.g. "
                        "tcp://host:8786 (its workers need mnist-viewer installed; the same "
                        "output as one process)")


def engine_from(args: argparse.Namespace) -> Engine:
    """The :class:`Engine` the options ask for."""
    # threads: measured faster than local processes here (benchmarks/RESULTS.md, bench_scale)
    return Engine(workers=getattr(args, "workers", 1) or 1,
                  scheduler=getattr(args, "scheduler", None) or None, processes=False)
