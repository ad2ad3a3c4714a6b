"""``mnist_viewer.view``: open the viewer from Python, on an array, a file or predictions.

Like napari's ``view_image`` and ndv's ``imshow``: from a script it blocks until the window is
closed (when no Qt event loop is running yet); in Jupyter with ``%gui qt`` (a Qt event loop in
the kernel) it returns at once and the window stays live. Either way it returns the window.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import DataError
from ..core.files.predictions import FrameSource, PredictionSet, open_pair, open_predictions
from ..core.sequences import ArraySequenceSet, to_uint8

_windows: list[Any] = []  # keep windows alive while the kernel's event loop runs


def _event_loop_running() -> bool:
    """True in IPython/Jupyter with a Qt event loop (``%gui qt``), or inside a running app."""
    try:
        from IPython import get_ipython  # type: ignore[attr-defined]

        shell = get_ipython()  # type: ignore[no-untyped-call]
    except ImportError:
        shell = None
    if shell is not None and str(getattr(shell, "active_eventloop", None) or "").startswith("qt"):
        return True
    from PyQt6.QtCore import QCoreApplication, QThread

    app = QCoreApplication.instance()
    return app is not None and QThread.currentThread() is app.thread() and \
        bool(getattr(app, "_mnist_viewer_running", False))


def frames_array(data: Any, name: str = "array") -> np.ndarray:
    """An in-memory array as (N, T, H, W): (T, H, W) is one sequence, (N, T, 1, H, W) drops
    the channel; uint8 as is, floats taken to be in [0, 1]."""
    array = np.asarray(data)
    if array.ndim == 5 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.dtype.kind not in "uif":
        raise DataError(name, f"expected (N, T, H, W) or (T, H, W) frames, not {array.dtype} "
                        f"{array.shape}")
    return array


def _array_source(data: Any, name: str) -> FrameSource:
    array = frames_array(data, name)
    eight = array.dtype == np.uint8

    def read(start: int, stop: int) -> np.ndarray:
        part = array[start:stop]
        return part.astype(np.float32) / 255 if eight else part.astype(np.float32)

    n, t, h, w = array.shape
    return FrameSource(name, n, t, h, w, read, eight_bit=eight)


def prediction_set(truth: Any, pred: Any, inputs: Any = None) -> PredictionSet:
    """Predictions from arrays or paths (a path pair goes through ``open_pair``)."""
    if isinstance(truth, (str, os.PathLike)) and isinstance(pred, (str, os.PathLike)):
        inputs_path = inputs if isinstance(inputs, (str, os.PathLike)) else None
        return open_pair(truth, pred, inputs_path)
    t, p = _array_source(truth, "truth"), _array_source(pred, "pred")
    if (t.num_sequences, t.height, t.width) != (p.num_sequences, p.height, p.width) or \
            p.num_frames > t.num_frames:
        raise DataError("pred", f"{p.describe()} does not match the truth's {t.describe()}")
    k = p.num_frames
    context = _array_source(inputs, "inputs") if inputs is not None else (
        t.frames(0, t.num_frames - k) if t.num_frames > k else None)
    return PredictionSet(t.frames(t.num_frames - k, t.num_frames), p, context, "arrays",
                         "arrays")


def view(data: Any = None, *, truth: Any = None, pred: Any = None, inputs: Any = None,
         block: bool | None = None) -> Any:
    """Open the viewer on ``data`` (an array (N, T, H, W) / (T, H, W), or a path to a
    sequence file, dataset or predictions folder), or the review window on ``truth``/``pred``
    (arrays or paths, with optional context ``inputs``). Returns the window.

    ``block``: wait until the window is closed; by default only when no Qt event loop runs
    (a script), not in Jupyter with ``%gui qt``. Raises DataError for unusable data.
    """
    from .app import application

    app = application()
    if truth is not None or pred is not None:
        if truth is None or pred is None:
            raise DataError(None, "truth and pred go together")
        from .review.window import ReviewWindow

        window: Any = ReviewWindow(prediction_set(truth, pred, inputs))
    elif isinstance(data, (str, os.PathLike)) and Path(data).is_dir() and \
            _predictions_folder(data) is not None:
        from .review.window import ReviewWindow

        window = ReviewWindow(_predictions_folder(data))  # type: ignore[arg-type]
    else:
        from . import content as ct
        from .player.main_window import MainWindow

        window = MainWindow()
        if data is None:
            window.start(None)
        elif isinstance(data, (str, os.PathLike)):
            window.start(str(data))
        else:
            seqset = ArraySequenceSet(np.ascontiguousarray(to_uint8(frames_array(data))),
                                      layout="array")
            window.set_content(ct.Content(seqset, "file", (
                f"array · {seqset.num_sequences} × {seqset.num_frames} frames · "
                f"{seqset.height}×{seqset.width}")))
    window.show()
    _windows.append(window)
    if block if block is not None else not _event_loop_running():
        app._mnist_viewer_running = True  # type: ignore[attr-defined]
        try:
            app.exec()
        finally:
            app._mnist_viewer_running = False  # type: ignore[attr-defined]
    return window


def _predictions_folder(path: str | os.PathLike[str]) -> PredictionSet | None:
    from ..core.files.predictions import predictions_kind

    return open_predictions(path) if predictions_kind(path) is not None else None
