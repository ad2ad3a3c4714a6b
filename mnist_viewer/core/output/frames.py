"""Frames on their way to a file: checks, integer upscaling, colour tables, target checks.

Frames are uint8 (T, H, W) greyscale or (T, H, W, 3) RGB.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..containers import check_memory, human
from ..errors import DataError
from ..jobs import check_target
from .colormaps import apply_colormap
from .colormaps import colormap as _colormap

MAX_GIF_FPS = 50.0
"""GIF delays are counted in 10 ms steps and viewers slow down delays under 20 ms."""

MAX_FPS = 1000.0
"""The fastest rate any writer accepts (OpenCV and ffmpeg misbehave on absurd rates; GIF is
capped lower, at :data:`MAX_GIF_FPS`)."""

MAX_SIDE = 65_535
"""The widest or tallest frame written: GIF stores sizes in 2 bytes, and so does JPEG
(MJPG AVI)."""

MIN_FPS = 0.01
"""The slowest rate any writer accepts: a GIF delay is 2 bytes of centiseconds (at most
655.35 s), and a frame a minute and a half is already a slide show."""

# --------------------------------------------------------------------------- frames


def check_frames(frames: np.ndarray) -> np.ndarray:
    """``frames`` as uint8 (T, H, W) or (T, H, W, 3) with T ≥ 1, or ValueError."""
    frames = np.asarray(frames)
    rgb = frames.ndim == 4 and frames.shape[-1] == 3
    if frames.dtype != np.uint8 or not (frames.ndim == 3 or rgb) or 0 in frames.shape:
        raise ValueError(
            f"frames must be uint8 (T, H, W) or (T, H, W, 3), got {frames.dtype} {frames.shape}"
        )
    return frames


def upscale(frames: np.ndarray, scale: int) -> np.ndarray:
    """Nearest-neighbour integer upscaling of greyscale (..., H, W) up to 3-D, or (T, H, W, 3)."""
    scale = check_scale(scale)
    if scale == 1:
        return frames
    rgb = frames.ndim == 4 and frames.shape[-1] == 3
    head = frames.shape[:-3] if rgb else frames.shape[:-2]
    h, w = frames.shape[-3:-1] if rgb else frames.shape[-2:]
    tail = (3,) if rgb else ()
    out = np.empty((*head, h * scale, w * scale, *tail), dtype=frames.dtype)
    view = out.reshape(*head, h, scale, w, scale, *tail)
    view[...] = frames.reshape(*head, h, 1, w, 1, *tail)
    return out


def check_scale(scale: int) -> int:
    if int(scale) != scale or scale < 1:
        raise ValueError(f"scale must be a whole number ≥ 1, got {scale}")
    return int(scale)


def check_fps(fps: float) -> float:
    if not (math.isfinite(fps) and MIN_FPS <= fps <= MAX_FPS):
        raise ValueError(f"fps must be a number of at least {MIN_FPS:g} (one frame per "
                         f"{1 / MIN_FPS:g} s) and at most {MAX_FPS:g}, got {fps}")
    return float(fps)


def check_output_size(
    path: str | os.PathLike[str], frames: int, height: int, width: int, copies: int = 2
) -> None:
    """Refuse, before rendering, an export whose frames cannot be written or held: a side
    over :data:`MAX_SIDE` pixels, or ``copies`` × frames × height × width bytes (the frames
    and their upscaled, decorated copy) beyond the memory available. DataError naming
    ``path`` with the figures."""
    if height > MAX_SIDE or width > MAX_SIDE:
        raise DataError(path, f"frames of {width:,}x{height:,} pixels; at most {MAX_SIDE:,} "
                              "a side can be written (a smaller --scale or grid)")
    nbytes = copies * frames * height * width
    try:
        check_memory(path, nbytes, f"{frames:,} frames of {width:,}x{height:,}")
    except DataError:
        raise DataError(path, f"{frames:,} frames of {width:,}x{height:,} pixels would need "
                              f"{human(nbytes)} of memory, more than is available (a smaller "
                              "--scale, grid or count)") from None


def colour_table(colormap: str | np.ndarray | None, frames: np.ndarray) -> np.ndarray | None:
    """The (256, 3) table for ``colormap`` (None or 'grey' → None: keep greyscale)."""
    if colormap is None or (isinstance(colormap, str) and colormap.lower() in ("grey", "gray")):
        return None
    if frames.ndim == 4:
        raise ValueError("a colour map applies to greyscale frames only")
    table = _colormap(colormap) if isinstance(colormap, str) else np.asarray(colormap)
    if table.shape != (256, 3) or table.dtype != np.uint8:
        raise ValueError(f"a colour table must be uint8 (256, 3), got {table.dtype} {table.shape}")
    return table


def output_frames(
    frames: np.ndarray, scale: int, table: np.ndarray | None
) -> Iterator[np.ndarray]:
    """Each frame upscaled and, with a table, colour-mapped: (H, W) or (H, W, 3) uint8."""
    for frame in frames:
        out = upscale(frame, scale) if frame.ndim == 2 else upscale(frame[None], scale)[0]
        yield out if table is None else apply_colormap(out, table)


_FRAME_NAME = re.compile(r"^frame_\d+\.png$")


def check_export_target(path: str | os.PathLike[str], directory: bool = False) -> None:
    """Refuse what an export should not replace (DataError), before any work is done:
    everything :func:`~.jobs.check_target` refuses, and a folder holding anything but PNG
    frames (an earlier frame export may be replaced)."""
    path = Path(path)
    check_target(path, directory)
    if directory and path.is_dir() and any(
        not _FRAME_NAME.match(p.name) for p in path.iterdir()
    ):
        raise DataError(
            path, "holds files other than frame_NNNN.png; refusing to replace it "
            "(choose a new or empty folder)",
        )
