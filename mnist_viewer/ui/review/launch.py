"""Starting the review window: ``mnist-viewer review …`` and the ``--view review`` screenshot."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from PyQt6.QtWidgets import QApplication

from ...core.files.predictions import PredictionSet, open_predictions
from ..app import application, process_until
from .window import ReviewWindow

SCREENSHOT_SIZE = (1200, 780)
METRICS_TIMEOUT = 600.0  # seconds: the whole-set metrics of a large set take a while


def _fail(message: str) -> int:
    print(f"mnist-viewer: error: {message}", file=sys.stderr)
    return 2


def run_review(args: argparse.Namespace) -> int:
    """Open the review window on ``args.predictions`` (or the folder ``args.path``); with
    ``args.screenshot`` save a PNG of it once the whole-set metrics are shown, and exit."""
    predictions: PredictionSet | None = getattr(args, "predictions", None)
    if predictions is None:
        if not getattr(args, "path", None):
            return _fail("--view review needs a predictions folder")
        predictions = open_predictions(args.path)  # DataError: one line, exit 2 (cli)
    if getattr(args, "screenshot", None) and not os.environ.get("QT_QPA_PLATFORM") and \
            not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = application()
    window = ReviewWindow(predictions, sequence=int(getattr(args, "sequence", 0) or 0))
    if getattr(args, "view", None) == "review-grid":  # the Grid of sequences tab
        window.tabs.setCurrentWidget(window.grid)
    try:
        if getattr(args, "screenshot", None):
            return _screenshot(app, window, args)
        window.show()
        return int(app.exec())
    finally:
        window.close()
        window.deleteLater()


def _screenshot(app: QApplication, window: ReviewWindow, args: argparse.Namespace) -> int:
    out = Path(args.screenshot)
    window.message_boxes = False
    errors: list[str] = []
    window.error_reported.connect(errors.append)
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    if not process_until(lambda: errors or window.is_ready(), timeout=METRICS_TIMEOUT):
        return _fail("timed out waiting for the metrics")
    if errors:
        return _fail(errors[0])
    frame = getattr(args, "frame", None)
    p = window.predictions
    window.model.set_frame(p.num_context + min(2, p.steps - 1) if not frame else int(frame))
    shown = window.tabs.currentWidget()
    painted = window.canvas.paint_count
    window.canvas.update()
    if shown is window.canvas:
        process_until(lambda: window.canvas.paint_count > painted, timeout=10)
    app.processEvents()
    image = window.grab()
    out.parent.mkdir(parents=True, exist_ok=True)
    if image.isNull() or not image.save(str(out), "PNG"):
        return _fail(f"{out}: could not write the screenshot")
    print(f"{out}: {image.width()}×{image.height()} screenshot of the review view")
    return 0
