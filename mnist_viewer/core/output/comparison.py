"""Pictures of predictions beside the truth: the comparison strip of papers, and GIF frames.

The strip has one row per kind — context (inputs), ground truth, prediction, error — and one
column per time step, labelled as papers do: the context ``t−C+1 … t``, the future ``t+1 …
t+K``. Frames are float in [0, 1] (predictions are clipped for display only); the error is
``pred − truth`` (signed: blue below, red above, white at 0) or ``|pred − truth|`` (the
``inferno`` map), both on a fixed scale of 1. Labels are drawn with Pillow's built-in font.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..jobs import Cancel, Progress, atomic_path
from .colormaps import colormap
from .encoders import export_frames

ROW_NAMES = {"context": "Context", "truth": "Ground truth", "pred": "Prediction",
             "error": "Error"}
GAP = 2
BACKGROUND = 255


def step_label(t: int, num_context: int) -> str:
    """The paper-style label of time index ``t`` of a sequence of context + future frames."""
    k = t - num_context + 1
    if k <= 0:
        return "t" if k == 0 else f"t-{-k}"
    return f"t+{k}"


def _levels(values: np.ndarray, levels: int | None) -> np.ndarray:
    return values if levels is None else np.rint(values * (levels - 1)) / (levels - 1)


def grey_rgb(frames: np.ndarray, levels: int | None = None) -> np.ndarray:
    """Float frames (..., H, W) in [0, 1] as uint8 RGB (..., H, W, 3), clipped for display
    (``levels``: that many grey levels, for palettes)."""
    values = _levels(np.clip(np.nan_to_num(frames), 0, 1), levels)
    u8 = np.rint(values * 255).astype(np.uint8)
    return np.repeat(u8[..., None], 3, axis=-1)


def error_rgb(truth: np.ndarray, pred: np.ndarray, signed: bool,
              levels: int | None = None) -> np.ndarray:
    """The error map of (..., H, W) frames as uint8 RGB (..., H, W, 3) on a fixed scale
    (``levels``: that many levels of |error|, for palettes)."""
    err = np.clip(np.nan_to_num(np.clip(pred, 0, 1) - truth), -1, 1)
    err = np.sign(err) * _levels(np.abs(err), levels)
    if not signed:
        return colormap("inferno")[np.rint(np.abs(err) * 255).astype(np.uint8)]
    out = np.empty((*err.shape, 3), dtype=np.uint8)
    pos, neg = np.clip(err, 0, 1), np.clip(-err, 0, 1)
    out[..., 0] = np.rint(255 * (1 - neg))
    out[..., 1] = np.rint(255 * (1 - pos - neg))
    out[..., 2] = np.rint(255 * (1 - pos))
    return out


def strip_rows(context: np.ndarray, truth: np.ndarray, pred: np.ndarray,
               signed: bool = False) -> dict[str, np.ndarray]:
    """Each row's frames as uint8 RGB (n, H, W, 3): context (C frames, may be 0), truth,
    prediction and error (K frames each)."""
    rows = {"context": grey_rgb(context), "truth": grey_rgb(truth), "pred": grey_rgb(pred),
            "error": error_rgb(truth, pred, signed)}
    return rows if len(context) else {k: v for k, v in rows.items() if k != "context"}


def comparison_strip(context: np.ndarray, truth: np.ndarray, pred: np.ndarray, *,
                     signed: bool = False, scale: int = 2) -> np.ndarray:
    """The labelled strip of one sequence, uint8 RGB (height, width, 3).

    ``context`` (C, H, W), ``truth`` and ``pred`` (K, H, W), floats in [0, 1]; ``scale`` is
    the integer upscaling of each frame (nearest neighbour).
    """
    from PIL import Image, ImageDraw

    if scale < 1 or scale > 32:
        raise DataError(None, f"scale {scale}: choose 1 to 32")
    rows = strip_rows(context, truth, pred, signed)
    c = len(context)
    h, w = truth.shape[-2] * scale, truth.shape[-1] * scale
    cols = max(len(v) for v in rows.values())
    label_w, head_h = 100, 16
    height = head_h + len(rows) * (h + GAP) + head_h
    width = label_w + cols * (w + GAP)
    canvas = np.full((height, width, 3), BACKGROUND, dtype=np.uint8)
    for r, frames in enumerate(rows.values()):
        y = head_h + r * (h + GAP)
        for j, frame in enumerate(frames):
            x = label_w + j * (w + GAP)
            canvas[y:y + h, x:x + w] = frame.repeat(scale, 0).repeat(scale, 1)
    image = Image.fromarray(canvas)
    draw = ImageDraw.Draw(image)
    ink = (0, 0, 0)
    for r, name in enumerate(rows):
        draw.text((4, head_h + r * (h + GAP) + h // 2 - 5), ROW_NAMES[name], fill=ink)
    for j in range(cols):
        x = label_w + j * (w + GAP) + 2
        if c:
            draw.text((x, 2), step_label(j, c) if j < c else "", fill=ink)
        draw.text((x, height - head_h + 2), f"t+{j + 1}" if j < len(truth) else "", fill=ink)
    return np.asarray(image)


def write_strip(path: str | os.PathLike[str], strip: np.ndarray) -> Path:
    """Write a strip as PNG, or as SVG (the pixels embedded, drawn without smoothing)."""
    import imageio.v3 as iio

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise DataError(path, f"unknown strip format {suffix!r}: use .png or .svg")
    png = iio.imwrite("<bytes>", strip, extension=".png")
    with atomic_path(path) as tmp:
        if suffix == ".png":
            tmp.write_bytes(png)
        else:
            h, w = strip.shape[:2]
            data = base64.b64encode(png).decode("ascii")
            tmp.write_text(
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
                f'viewBox="0 0 {w} {h}"><image width="{w}" height="{h}" '
                f'style="image-rendering:pixelated" href="data:image/png;base64,{data}"/>'
                "</svg>\n", encoding="utf-8")
    return path


def animation_frames(context: np.ndarray, truth: np.ndarray, pred: np.ndarray, *,
                     signed: bool = False) -> np.ndarray:
    """Frames of the rows over time, uint8 RGB (C+K, H, 3W + 2·GAP, 3): truth (or the
    context frame), prediction and error side by side; blank (white) where none exists.
    128 grey levels and 32 error levels, so that a GIF palette (256 colours) holds them."""
    c, k = len(context), len(truth)
    h, w = truth.shape[-2:]
    out = np.full((c + k, h, 3 * w + 2 * GAP, 3), BACKGROUND, dtype=np.uint8)
    if c:
        out[:c, :, :w] = grey_rgb(context, 128)
    out[c:, :, :w] = grey_rgb(truth, 128)
    out[c:, :, w + GAP:2 * w + GAP] = grey_rgb(pred, 128)
    out[c:, :, 2 * w + 2 * GAP:] = error_rgb(truth, pred, signed, 32)
    return out


def write_animation(path: str | os.PathLike[str], frames: np.ndarray, *, fps: float = 4.0,
                    scale: int = 2, progress: Progress | None = None,
                    cancel: Cancel | None = None) -> Path:
    """An animated GIF (or any :func:`~.encoders.export_frames` format) of the rows."""
    return export_frames(path, frames, fps=fps, scale=scale, progress=progress, cancel=cancel)
