"""Start-up cost of the terminal subcommands, in CPU time (user + system) of fresh processes.

Wall time on a shared machine says more about the neighbours than about us, so each command is
run several times in a fresh interpreter and the least CPU time kept. Printed beside: the CPU
of a bare interpreter and of importing the heavy libraries alone, measured in the same run
(what a command could save by not importing them), and the load average.

Run from the project root:  python benchmarks/bench_cli_startup.py [runs]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu_of(argv: list[str], cwd: str, runs: int) -> tuple[float, float]:
    """(least CPU seconds, least wall seconds) of ``argv`` over ``runs`` fresh processes."""
    cpus, walls = [], []
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - t0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {' '.join(argv)}")
        cpus.append(usage.ru_utime + usage.ru_stime)
    return min(cpus), min(walls)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        cli = [py, "-m", "mnist_viewer"]
        subprocess.run([*cli, "generate", "--out", "s.npz", "--num", "8", "--frames", "4",
                        "--seed", "0", "--data", "embedded", "-q"], cwd=tmp, check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True)
        cases = {
            "python -c pass": [py, "-c", "pass"],
            "import numpy": [py, "-c", "import numpy"],
            "import dask.threaded": [py, "-c", "import dask.threaded"],
            "import cv2": [py, "-c", "import cv2"],
            "import zarr": [py, "-c", "import zarr"],
            "import mnist_viewer.cli": [py, "-c", "import mnist_viewer.cli"],
            "cli parser (all subcommands)": [py, "-c", "import mnist_viewer.cli as c; "
                                             "c.command_parser()"],
            "generate --help": [*cli, "generate", "--help"],
            "info s.npz": [*cli, "info", "s.npz"],
            "stats s.npz": [*cli, "stats", "s.npz"],
            "generate 8 seqs (workers 1)": [*cli, "generate", "--out", "t.npz", "--num", "8",
                                            "--frames", "4", "--seed", "0", "--data",
                                            "embedded", "-q"],
        }
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"{'':32s} {'cpu s':>7s} {'wall s':>7s}   (least of {runs})")
        for name, argv in cases.items():
            cpu, wall = cpu_of(argv, tmp, runs)
            print(f"{name:32s} {cpu:7.3f} {wall:7.3f}")
        print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
