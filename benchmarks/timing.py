"""Timing shared by the benchmark scripts (they run as ``python benchmarks/bench_*.py``)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], runs: int = 5) -> tuple[float, float]:
    """(best, median) wall time in seconds over ``runs`` calls of ``fn``."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def run_with_peak_rss(cmd: list[str], poll: float = 0.05) -> tuple[float, str, str, int]:
    """Run ``cmd``; (its peak RSS in MB, stdout, stderr, exit code).

    The peak is the child's own ``VmHWM`` (Linux ``/proc/PID/status``), polled while it runs.
    ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is not used: Linux carries the RSS of the image a
    child replaced at ``exec`` into that figure, so a child started by a parent holding
    gigabytes (a set just written through a memory map) "peaks" at the parent's size.
    """
    import subprocess
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        peak_kb = 0
        status = f"/proc/{proc.pid}/status"
        while proc.poll() is None:
            try:
                with open(status, encoding="ascii") as fp:
                    for line in fp:
                        if line.startswith("VmHWM:"):
                            peak_kb = max(peak_kb, int(line.split()[1]))
            except (OSError, ValueError):
                pass
            time.sleep(poll)
        out.seek(0)
        err.seek(0)
        return (peak_kb / 1024, out.read().decode("utf-8", "replace"),
                err.read().decode("utf-8", "replace"), proc.returncode)
