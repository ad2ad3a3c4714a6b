"""GIF writer: our own container around Pillow's LZW encoder.

Why our own: Pillow's animated-GIF writer (which ``imageio.v3.imwrite`` uses) merges identical
consecutive frames into one longer frame, which changes the frame count; a Moving MNIST
sequence whose digits pause would lose frames. Here each frame is LZW-encoded by Pillow and the
container (GIF89a, NETSCAPE2.0 loop extension, one graphic control extension per frame) is
assembled as the GIF89a specification gives it, so greyscale (and colour-mapped) frames decode
back exactly and every frame is kept. Delays are whole centiseconds; the rate is kept on
average by alternating delays (30 fps → 30, 40, 30 ms...), capped at 50 fps.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..jobs import Cancel, Progress, atomic_path, check_cancel, report
from .colormaps import colormap as _colormap
from .frames import (
    MAX_GIF_FPS,
    check_export_target,
    check_fps,
    check_frames,
    check_output_size,
    check_scale,
    colour_table,
    upscale,
)

# --------------------------------------------------------------------------- GIF


def gif_delays_ms(fps: float, count: int) -> np.ndarray:
    """Per-frame GIF delays in ms (multiples of 10) whose running total follows ``fps``.

    ``fps`` is capped at :data:`MAX_GIF_FPS` and must be at least :data:`MIN_FPS` (ValueError
    otherwise). Frame k ends at round(100 (k+1) / fps) cs.
    """
    fps = min(check_fps(fps), MAX_GIF_FPS)
    ends = np.rint(np.arange(count + 1) * (100.0 / fps)).astype(np.int64)
    return np.diff(ends) * 10


MAX_MERGED_COLOURS = 256
"""RGB frames may hold up to this many colours beyond 256 (drawn in their nearest kept colour)."""


def _gif_palette(
    frames: np.ndarray, table: np.ndarray | None
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """(palette (256, 3), for RGB frames (their sorted packed colours, palette index of each)
    or None for index frames).

    RGB frames with more than 256 colours (a colour-mapped frame with coloured boxes and
    captions on top) keep their 256 most frequent colours exactly; each rarer colour is drawn
    in its nearest kept colour (RGB distance). More than 256 + :data:`MAX_MERGED_COLOURS`
    colours is refused (DataError).
    """
    if frames.ndim == 3:
        return (_colormap("grey") if table is None else table), None
    colours, counts = np.unique(_pack_rgb(frames), return_counts=True)
    if colours.size > 256 + MAX_MERGED_COLOURS:
        raise DataError(
            None, f"GIF holds 256 colours; these RGB frames have {colours.size} (use AVI or MP4)"
        )
    kept = np.sort(colours[np.argsort(-counts, kind="stable")[:256]])
    palette = np.zeros((256, 3), dtype=np.uint8)
    palette[: kept.size] = _unpack(kept)
    distance = ((_unpack(colours)[:, None, :].astype(np.int32)
                 - palette[None, : kept.size].astype(np.int32)) ** 2).sum(axis=2)
    return palette, (colours, np.argmin(distance, axis=1).astype(np.uint8))


def _unpack(packed: np.ndarray) -> np.ndarray:
    return np.stack([(packed >> 16) & 255, (packed >> 8) & 255, packed & 255], axis=1)


def _pack_rgb(frames: np.ndarray) -> np.ndarray:
    f = frames.astype(np.uint32)
    return (f[..., 0] << 16) | (f[..., 1] << 8) | f[..., 2]


def _gif_image_data(indices: np.ndarray) -> bytes:
    """LZW-coded image data (code-size byte + sub-blocks + terminator) of one index frame."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(indices)).save(
        buf, format="GIF", optimize=False, interlace=False
    )
    data = buf.getvalue()
    pos = 13
    if data[10] & 0x80:
        pos += 3 << ((data[10] & 7) + 1)
    while data[pos] == 0x21:  # skip extensions: introducer, label, sub-blocks
        pos += 2
        while data[pos]:
            pos += data[pos] + 1
        pos += 1
    if data[pos] != 0x2C or data[pos + 9] & 0x40:
        raise RuntimeError("unexpected GIF layout from Pillow")
    flags = data[pos + 9]
    pos += 10
    if flags & 0x80:
        pos += 3 << ((flags & 7) + 1)
    start = pos
    pos += 1  # LZW minimum code size
    while data[pos]:
        pos += data[pos] + 1
    return data[start : pos + 1]


def write_gif(
    path: str | os.PathLike[str],
    frames: np.ndarray,
    *,
    fps: float = 10.0,
    loop: bool = True,
    scale: int = 1,
    colormap: str | np.ndarray | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Path:
    """Animated GIF: loops forever (``loop=False``: plays once), delays from :func:`gif_delays_ms`.

    Greyscale frames decode back exactly (a grey or colour-map palette indexed by the pixel
    value). RGB frames with at most 256 distinct colours decode back exactly; with up to 256
    more, the rarest are drawn in their nearest kept colour (``_gif_palette``); with more,
    DataError.
    """
    path = Path(path)
    frames = check_frames(frames)
    scale = check_scale(scale)
    table = colour_table(colormap, frames)
    delays = gif_delays_ms(fps, len(frames))
    check_export_target(path)
    check_output_size(path, len(frames), frames.shape[1] * scale, frames.shape[2] * scale)
    t, h, w = frames.shape[:3]
    if max(h, w) * scale > 0xFFFF:
        raise ValueError(f"GIF frames are at most 65535 pixels wide, got {w * scale}x{h * scale}")
    palette, colours = _gif_palette(frames, table)
    with atomic_path(path) as tmp, open(tmp, "wb") as fp:
        fp.write(b"GIF89a" + (w * scale).to_bytes(2, "little") + (h * scale).to_bytes(2, "little"))
        fp.write(b"\xf7\x00\x00" + palette.tobytes())  # global 256-colour table
        if loop:
            fp.write(b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")  # repeat forever
        for k, frame in enumerate(frames):
            check_cancel(cancel)
            if colours is not None:
                known, index = colours
                frame = index[np.searchsorted(known, _pack_rgb(frame))]
            frame = upscale(frame[None], scale)[0]
            # Graphic control: "do not dispose", delay in centiseconds, no transparency.
            fp.write(b"\x21\xf9\x04\x04" + int(delays[k] // 10).to_bytes(2, "little") + b"\x00\x00")
            fp.write(b"\x2c\x00\x00\x00\x00" + (w * scale).to_bytes(2, "little")
                     + (h * scale).to_bytes(2, "little") + b"\x00")
            fp.write(_gif_image_data(frame))
            report(progress, k + 1, t)
        fp.write(b"\x3b")
    return path
