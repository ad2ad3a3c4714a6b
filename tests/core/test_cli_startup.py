"""Start-up of the terminal subcommands: building the parser (what every ``mnist-viewer
COMMAND`` and ``--help`` does first) imports none of the heavy libraries a job needs
(benchmarks/bench_cli_startup.py measures the CPU this saves)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("cv2", "dask", "distributed", "zarr", "numcodecs", "PIL", "skimage", "scipy", "h5py",
         "imageio", "tensorflow", "PyQt6", "pyqtgraph")


def test_building_the_command_parser_imports_no_heavy_library() -> None:
    code = ("import sys, mnist_viewer.cli as c\n"
            "c.command_parser()\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
