"""PNG writers: a folder of frames (``frame_000.png`` …) and a contact sheet of all frames.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from ..jobs import Cancel, Progress, atomic_path, check_cancel, report
from .colormaps import apply_colormap
from .frames import (
    check_export_target,
    check_frames,
    check_scale,
    colour_table,
    output_frames,
    upscale,
)
from .mosaic import GAP_FILL, mosaic

# --------------------------------------------------------------------------- PNG


def _write_png(path: Path, image: np.ndarray) -> None:
    import imageio.v3 as iio

    iio.imwrite(path, image, extension=".png")


def write_png_frames(
    path: str | os.PathLike[str],
    frames: np.ndarray,
    *,
    scale: int = 1,
    colormap: str | np.ndarray | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Path:
    """A folder of ``frame_0000.png``...; an existing folder is replaced only when complete."""
    path = Path(path)
    frames = check_frames(frames)
    scale = check_scale(scale)
    table = colour_table(colormap, frames)
    check_export_target(path, directory=True)
    t = len(frames)
    digits = max(4, len(str(t - 1)))
    with atomic_path(path, directory=True) as tmp:
        for k, frame in enumerate(output_frames(frames, scale, table)):
            check_cancel(cancel)
            _write_png(tmp / f"frame_{k:0{digits}d}.png", frame)
            report(progress, k + 1, t)
    return path


def contact_sheet(
    frames: np.ndarray, cols: int | None = None, gap: int = 1, fill: int = GAP_FILL
) -> np.ndarray:
    """The frames of a sequence tiled row by row (``cols`` default: ceil(sqrt(T)))."""
    frames = check_frames(frames)
    t = len(frames)
    cols = min(t, cols or math.ceil(math.sqrt(t)))
    if cols < 1:
        raise ValueError(f"cols must be ≥ 1, got {cols}")
    rows = math.ceil(t / cols)
    if frames.ndim == 3:
        return mosaic(frames, rows, cols, gap, fill)
    channels = [mosaic(frames[..., c], rows, cols, gap, fill) for c in range(3)]
    return np.stack(channels, axis=-1)


def write_sheet(
    path: str | os.PathLike[str],
    frames: np.ndarray,
    *,
    cols: int | None = None,
    gap: int = 1,
    scale: int = 1,
    colormap: str | np.ndarray | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Path:
    """One PNG of all frames (:func:`contact_sheet`; ``cols=T`` gives a one-row sprite sheet).

    The sheet is built at the output scale (gaps scale too), so it equals the upscaled sheet.
    """
    path = Path(path)
    frames = check_frames(frames)
    scale = check_scale(scale)
    table = colour_table(colormap, frames)
    check_export_target(path)
    check_cancel(cancel)
    sheet = upscale(contact_sheet(frames, cols, gap)[None], scale)[0]
    if table is not None:
        sheet = apply_colormap(sheet, table)
    with atomic_path(path) as tmp:
        _write_png(tmp, sheet)
    report(progress, len(frames), len(frames))
    return path
