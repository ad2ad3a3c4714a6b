"""Export frames as GIF, AVI, MP4, a PNG sheet or a folder of PNG frames: one entry point,
:func:`export_frames`, that picks the writer by the target's extension.

Frames are uint8 (T, H, W) greyscale or (T, H, W, 3) RGB. Every writer upscales by an integer
factor (nearest neighbour), can map greyscale through a colour map (:mod:`.colormaps`), reports
``progress(done, total)`` per frame, stops on ``cancel()`` and writes through
:func:`~mnist_viewer.core.jobs.atomic_path`, so a failed or cancelled export leaves no partial
file behind. The writers: :mod:`.gif` (our own container, and why), :mod:`.video` (AVI, MP4),
:mod:`.png`. Pillow, imageio, OpenCV and imageio-ffmpeg are imported inside the functions
that use them.

Captions and boxes are burned in by :mod:`.overlays`; what to export (a sequence, a range, a
grid page, the digit stream) is put together by :mod:`.export`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from ..jobs import Cancel, Progress
from .frames import (
    MAX_FPS,
    MAX_GIF_FPS,
    MIN_FPS,
    check_export_target,
    check_frames,
    check_output_size,
    upscale,
)
from .gif import gif_delays_ms, write_gif
from .mosaic import GAP_FILL
from .png import contact_sheet, write_png_frames, write_sheet
from .video import AVI_CODECS, even_size, write_avi, write_mp4

FORMATS = ("gif", "avi", "mp4", "sheet", "frames")
"""What :func:`export_format` returns: by extension, .png → sheet, no extension → frames."""

__all__ = [
    "AVI_CODECS",
    "FORMATS",
    "GAP_FILL",
    "MAX_FPS",
    "MAX_GIF_FPS",
    "MIN_FPS",
    "check_export_target",
    "check_frames",
    "check_output_size",
    "contact_sheet",
    "even_size",
    "export_format",
    "export_frames",
    "gif_delays_ms",
    "upscale",
    "write_avi",
    "write_gif",
    "write_mp4",
    "write_png_frames",
    "write_sheet",
]

_EXTENSIONS = {".gif": "gif", ".avi": "avi", ".mp4": "mp4", ".png": "sheet"}

# --------------------------------------------------------------------------- by extension


def export_format(path: str | os.PathLike[str]) -> str:
    """Which writer a path asks for (one of :data:`FORMATS`), DataError for unknown extensions."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in _EXTENSIONS:  # even if a folder has that name: refused later, not filled
        return _EXTENSIONS[suffix]
    if not suffix or path.is_dir():
        return "frames"
    if suffix not in _EXTENSIONS:
        raise DataError(
            path, f"unknown export format {suffix!r}: use .gif, .avi, .mp4, .png (a sheet) "
            "or a name without extension (a folder of PNG frames)",
        )
    return _EXTENSIONS[suffix]


def export_frames(
    path: str | os.PathLike[str],
    frames: np.ndarray,
    *,
    fps: float = 10.0,
    scale: int = 1,
    loop: bool = True,
    colormap: str | np.ndarray | None = None,
    codec: str = "mjpg",
    sheet_cols: int | None = None,
    sheet_gap: int = 1,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Path:
    """Write ``frames`` in the format :func:`export_format` picks from ``path``.

    ``loop`` applies to GIF, ``codec`` to AVI, ``sheet_cols`` and ``sheet_gap`` (pixels between
    frames, before ``scale``) to PNG sheets; ``fps`` to the animated formats.
    """
    kind = export_format(path)
    common: dict[str, Any] = {
        "scale": scale, "colormap": colormap, "progress": progress, "cancel": cancel
    }
    if kind == "gif":
        return write_gif(path, frames, fps=fps, loop=loop, **common)
    if kind == "avi":
        return write_avi(path, frames, fps=fps, codec=codec, **common)
    if kind == "mp4":
        return write_mp4(path, frames, fps=fps, **common)
    if kind == "sheet":
        return write_sheet(path, frames, cols=sheet_cols, gap=sheet_gap, **common)
    return write_png_frames(path, frames, **common)
