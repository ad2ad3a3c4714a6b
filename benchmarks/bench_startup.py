"""Cold start to the first painted frame: mnist-viewer against a minimal PyQt6 + pyqtgraph window.

Each run is a fresh Python process (offscreen); the time is from launching the process to the
child reporting that its first image has been painted. Both programs are measured in the same
run, alternately, and the medians compared (target: ratio <= 1.5, mnist-viewer <= 1 s).

Run from the project root:  python benchmarks/bench_startup.py [runs]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

BASELINE = r"""
import numpy as np
import pyqtgraph as pg
from PyQt6.QtWidgets import QApplication

app = QApplication([])
pg.setConfigOptions(imageAxisOrder="row-major")

class Item(pg.ImageItem):
    painted = 0
    def paint(self, p, *args):
        super().paint(p, *args)
        Item.painted += 1

win = pg.GraphicsLayoutWidget()
vb = win.addViewBox(lockAspect=True, invertY=True)
item = Item(np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8), levels=(0, 255))
vb.addItem(item)
win.resize(1100, 720)
win.show()
while not Item.painted:
    app.processEvents()
print("PAINTED", flush=True)
"""

APP = r"""
import mnist_viewer.cli  # what `mnist-viewer` imports first
from mnist_viewer.ui.app import application, process_until

app = application()
from mnist_viewer.ui.player.main_window import MainWindow

win = MainWindow()
win.show()
win.start()
process_until(lambda: win.view.paint_count > 0)
print("PAINTED", flush=True)
import sys
print("tensorflow" in sys.modules, flush=True)
win.close()
"""


def time_to_paint(code: str, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - t0
    rest = proc.stdout.read()
    proc.wait(timeout=60)
    if line.strip() != "PAINTED":
        raise RuntimeError(f"the child did not paint (exit code {proc.returncode})")
    if rest.strip() == "True":
        raise RuntimeError("tensorflow was imported at start-up")
    return elapsed


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
               "MNIST_VIEWER_SETTINGS": os.path.join(tmp, "settings.ini")}
        time_to_paint(BASELINE, env)  # warm the OS file cache for both
        time_to_paint(APP, env)
        base, ours = [], []
        for _ in range(runs):
            base.append(time_to_paint(BASELINE, env))
            ours.append(time_to_paint(APP, env))
    b, o = statistics.median(base), statistics.median(ours)
    print(f"runs: {runs} each, alternating, offscreen")
    print(f"minimal PyQt6 + pyqtgraph window, one image : median {b * 1e3:6.0f} ms"
          f"  (min {min(base) * 1e3:.0f})")
    print(f"mnist-viewer, first generated frame painted : median {o * 1e3:6.0f} ms"
          f"  (min {min(ours) * 1e3:.0f})")
    print(f"ratio                                       : {o / b:.2f}x  (target <= 1.5x, <= 1 s)")


if __name__ == "__main__":
    main()
