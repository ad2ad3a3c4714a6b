"""``mnist_viewer.view``: arrays and predictions from Python, blocking in a script only."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

import mnist_viewer

ROOT = Path(__file__).resolve().parents[2]


def test_view_opens_the_review_on_arrays_without_blocking(qtbot, digit_frames) -> None:  # type: ignore[no-untyped-def]
    from mnist_viewer.ui.review.window import ReviewWindow

    truth = digit_frames / np.float32(255)  # (6, 12, 64, 64): 8 context + 4 predicted
    pred = np.clip(truth[:, 8:] * 0.8, 0, 1)
    win = mnist_viewer.view(truth=truth, pred=pred, block=False)
    qtbot.addWidget(win)
    assert isinstance(win, ReviewWindow)
    assert (win.predictions.steps, win.predictions.num_context) == (4, 8)
    qtbot.waitUntil(win.is_ready, timeout=60_000)
    win.close()


def test_view_opens_the_player_on_an_array(qtbot, digit_frames) -> None:  # type: ignore[no-untyped-def]
    win = mnist_viewer.view(digit_frames[0], block=False)  # one (T, H, W) sequence
    qtbot.addWidget(win)
    assert win.model.num_sequences == 1 and win.model.num_frames == 12
    np.testing.assert_array_equal(win.model.current_sequence(), digit_frames[0])
    win.close()


def test_import_stays_light_and_view_blocks_in_a_script(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent("""
        import sys
        import mnist_viewer
        print("light:", not any(m in sys.modules for m in ("PyQt6", "numpy")))
        import numpy as np
        from PyQt6.QtCore import QTimer
        from mnist_viewer.ui.app import application
        app = application()
        closed = []
        def close_all():
            closed.append(True)
            for w in app.topLevelWidgets():
                w.close()
        QTimer.singleShot(300, close_all)
        y = np.random.default_rng(0).random((3, 10, 32, 32), dtype=np.float32)
        win = mnist_viewer.view(truth=y, pred=y[:, 5:])
        print("returned after close:", bool(closed), type(win).__name__)
    """))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "light: True" in out.stdout
    assert "returned after close: True ReviewWindow" in out.stdout
