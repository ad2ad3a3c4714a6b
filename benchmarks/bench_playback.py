"""Playback speed of the sequence view, offscreen.

1. Maximum render rate: for each frame, the player model moves on (setImage on the view) and
   the view is repainted synchronously; frames per second over a few hundred frames, on a
   64x64 generated sequence shown in a 700x700 view, with and without overlays.
2. 60 fps playback on the real timer for a few seconds: frames shown, frame periods dropped
   (ticks that came too late and skipped a frame) and the measured rate.

Run from the project root:  python benchmarks/bench_playback.py [seconds]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MNIST_VIEWER_SETTINGS", os.path.join(tempfile.mkdtemp(), "s.ini"))

from PyQt6.QtCore import QEventLoop, QTimer

from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.sources.datasets import embedded_dataset
from mnist_viewer.ui.app import application


def render_rate(view, model, frames: int) -> float:  # type: ignore[no-untyped-def]
    viewport = view.viewport()
    before = view.paint_count
    t0 = time.perf_counter()
    for _ in range(frames):
        model.step(1)
        viewport.repaint()
    elapsed = time.perf_counter() - t0
    painted = view.paint_count - before
    if painted < frames:
        raise RuntimeError(f"only {painted} of {frames} frames were painted")
    return frames / elapsed


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    app = application()
    from mnist_viewer.ui.player.model import PlayerModel
    from mnist_viewer.ui.player.sequence_view import SequenceView

    seqset = generate(GeneratorConfig(num_sequences=4, frames=20, seed=0), embedded_dataset())
    model = PlayerModel()
    model.set_sequence_set(seqset)
    view = SequenceView(model)
    view.resize(700, 700)
    view.show()
    app.processEvents()
    render_rate(view, model, 20)  # warm up
    with_overlays = render_rate(view, model, 400)
    for name in ("boxes", "trajectories", "labels"):
        view.set_overlay_visible(name, False)
    bare = render_rate(view, model, 400)
    for name in ("boxes", "trajectories", "labels"):
        view.set_overlay_visible(name, True)
    print(f"max render rate, 64x64 in a 700x700 view, overlays on  : {with_overlays:7.0f} fps")
    print(f"max render rate, 64x64 in a 700x700 view, overlays off : {bare:7.0f} fps")

    model.set_fps(60)
    painted0 = view.paint_count
    model.play()
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    t0 = time.perf_counter()
    loop.exec()
    elapsed = time.perf_counter() - t0
    shown, dropped, measured = model.shown_frames, model.dropped_frames, model.measured_fps
    model.pause()
    expected = int(elapsed * 60)
    print(f"60 fps playback for {elapsed:.1f} s: {shown} frames shown of {expected} due, "
          f"{dropped} dropped, {view.paint_count - painted0} paints, "
          f"measured {measured:.1f} fps")
    view.close()


if __name__ == "__main__":
    main()
