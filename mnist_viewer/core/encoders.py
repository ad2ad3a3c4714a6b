"""Export frames as GIF, AVI, MP4, a PNG sheet or a folder of PNG frames.

Frames are uint8 (T, H, W) greyscale or (T, H, W, 3) RGB. Every writer upscales by an integer
factor (nearest neighbour), can map greyscale through a colour map (:mod:`.colormaps`), reports
``progress(done, total)`` per frame, stops on ``cancel()`` and writes through
:func:`~.jobs.atomic_path`, so a failed or cancelled export leaves no partial file behind.

GIF: written frame by frame with Pillow's LZW encoder into a GIF container assembled here, so
greyscale (and colour-mapped) frames decode back exactly and every frame is kept. (Pillow's
animated-GIF writer, which ``imageio.v3.imwrite`` uses, merges identical consecutive frames
into one longer frame, which changes the frame count.) Delays are whole centiseconds; the rate
is kept on average by alternating delays (30 fps → 30, 40, 30 ms...), capped at 50 fps.

AVI: OpenCV ``VideoWriter``, MJPG (lossy) or FFV1 (lossless), read back to confirm.
MP4: H.264 through imageio-ffmpeg (optional extra ``mp4``), read back to confirm.
Pillow, imageio, OpenCV and imageio-ffmpeg are imported inside the functions that use them.

Captions and boxes are burned in by :mod:`.overlays`; what to export (a sequence, a range, a
grid page, the digit stream) is put together by :mod:`.export`.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .colormaps import apply_colormap
from .colormaps import colormap as _colormap
from .errors import DataError
from .jobs import Cancel, Progress, atomic_path, check_cancel, check_target, report
from .mosaic import GAP_FILL, mosaic

MAX_GIF_FPS = 50.0
"""GIF delays are counted in 10 ms steps and viewers slow down delays under 20 ms."""

MIN_FPS = 0.01
"""The slowest rate any writer accepts: a GIF delay is 2 bytes of centiseconds (at most
655.35 s), and a frame a minute and a half is already a slide show."""

AVI_CODECS = {"mjpg": "MJPG", "ffv1": "FFV1"}
"""AVI codec names accepted by :func:`write_avi` → OpenCV FourCC."""

FORMATS = ("gif", "avi", "mp4", "sheet", "frames")
"""What :func:`export_format` returns: by extension, .png → sheet, no extension → frames."""

_EXTENSIONS = {".gif": "gif", ".avi": "avi", ".mp4": "mp4", ".png": "sheet"}

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
    scale = _check_scale(scale)
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


def _check_scale(scale: int) -> int:
    if int(scale) != scale or scale < 1:
        raise ValueError(f"scale must be a whole number ≥ 1, got {scale}")
    return int(scale)


def _check_fps(fps: float) -> float:
    if not (math.isfinite(fps) and fps >= MIN_FPS):
        raise ValueError(f"fps must be a number of at least {MIN_FPS:g} (one frame per "
                         f"{1 / MIN_FPS:g} s), got {fps}")
    return float(fps)


def _table(colormap: str | np.ndarray | None, frames: np.ndarray) -> np.ndarray | None:
    """The (256, 3) table for ``colormap`` (None or 'grey' → None: keep greyscale)."""
    if colormap is None or (isinstance(colormap, str) and colormap.lower() in ("grey", "gray")):
        return None
    if frames.ndim == 4:
        raise ValueError("a colour map applies to greyscale frames only")
    table = _colormap(colormap) if isinstance(colormap, str) else np.asarray(colormap)
    if table.shape != (256, 3) or table.dtype != np.uint8:
        raise ValueError(f"a colour table must be uint8 (256, 3), got {table.dtype} {table.shape}")
    return table


def _output_frames(
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


# --------------------------------------------------------------------------- GIF


def gif_delays_ms(fps: float, count: int) -> np.ndarray:
    """Per-frame GIF delays in ms (multiples of 10) whose running total follows ``fps``.

    ``fps`` is capped at :data:`MAX_GIF_FPS` and must be at least :data:`MIN_FPS` (ValueError
    otherwise). Frame k ends at round(100 (k+1) / fps) cs.
    """
    fps = min(_check_fps(fps), MAX_GIF_FPS)
    ends = np.rint(np.arange(count + 1) * (100.0 / fps)).astype(np.int64)
    return np.diff(ends) * 10


def _gif_palette(
    frames: np.ndarray, table: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """(palette (256, 3), colour → index lookup for RGB frames or None for index frames)."""
    if frames.ndim == 3:
        return (_colormap("grey") if table is None else table), None
    packed = _pack_rgb(frames)
    colours = np.unique(packed)
    if colours.size > 256:
        raise DataError(
            None, f"GIF holds 256 colours; these RGB frames have {colours.size} (use AVI or MP4)"
        )
    palette = np.zeros((256, 3), dtype=np.uint8)
    palette[: colours.size] = np.stack(
        [(colours >> 16) & 255, (colours >> 8) & 255, colours & 255], axis=1
    )
    return palette, colours


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
    value). RGB frames must hold at most 256 distinct colours (DataError otherwise).
    """
    path = Path(path)
    frames = check_frames(frames)
    scale = _check_scale(scale)
    table = _table(colormap, frames)
    delays = gif_delays_ms(fps, len(frames))
    check_export_target(path)
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
                frame = np.searchsorted(colours, _pack_rgb(frame)).astype(np.uint8)
            frame = upscale(frame[None], scale)[0]
            # Graphic control: "do not dispose", delay in centiseconds, no transparency.
            fp.write(b"\x21\xf9\x04\x04" + int(delays[k] // 10).to_bytes(2, "little") + b"\x00\x00")
            fp.write(b"\x2c\x00\x00\x00\x00" + (w * scale).to_bytes(2, "little")
                     + (h * scale).to_bytes(2, "little") + b"\x00")
            fp.write(_gif_image_data(frame))
            report(progress, k + 1, t)
        fp.write(b"\x3b")
    return path


# --------------------------------------------------------------------------- AVI / MP4


def _cv2() -> Any:
    """OpenCV, with the ffmpeg messages it prints on unreadable files turned off (unless the
    user set ``OPENCV_FFMPEG_LOGLEVEL``): failures are reported as DataError instead."""
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    import cv2

    return cv2


def write_avi(
    path: str | os.PathLike[str],
    frames: np.ndarray,
    *,
    fps: float = 10.0,
    scale: int = 1,
    codec: str = "mjpg",
    colormap: str | np.ndarray | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Path:
    """AVI through OpenCV: ``codec`` "mjpg" (lossy, small) or "ffv1" (lossless).

    The file is read back with ``cv2.VideoCapture`` to confirm its frame count and size.
    """
    cv2 = _cv2()
    path = Path(path)
    frames = check_frames(frames)
    scale = _check_scale(scale)
    fps = _check_fps(fps)
    table = _table(colormap, frames)
    if codec.lower() not in AVI_CODECS:
        raise ValueError(f"unknown AVI codec {codec!r}; choose from {', '.join(AVI_CODECS)}")
    fourcc = AVI_CODECS[codec.lower()]
    check_export_target(path)
    t, h, w = frames.shape[:3]
    size = (w * scale, h * scale)
    colour = frames.ndim == 4 or table is not None
    with atomic_path(path, suffix=".avi") as work:
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        try:
            writer = cv2.VideoWriter(
                str(work), cv2.VideoWriter_fourcc(*fourcc), fps, size, isColor=colour
            )
        finally:
            cv2.utils.logging.setLogLevel(level)
        if not writer.isOpened():
            raise DataError(path, f"OpenCV cannot write AVI with codec {fourcc}")
        try:
            for k, frame in enumerate(_output_frames(frames, scale, table)):
                check_cancel(cancel)
                writer.write(np.ascontiguousarray(frame[..., ::-1] if colour else frame))
                report(progress, k + 1, t)
        finally:
            writer.release()
        _confirm_video(path, work, t, size)
    return path


def _confirm_video(path: Path, work: Path, count: int, size: tuple[int, int]) -> None:
    """Decode every frame of a written video with OpenCV; DataError naming ``path`` unless
    exactly ``count`` frames of ``size`` come back (a cut-short file's header may still claim
    them all)."""
    cv2 = _cv2()
    cap = cv2.VideoCapture(str(work))
    decoded, sizes = 0, set()
    try:
        if cap.isOpened():
            while decoded <= count:
                ok, frame = cap.read()
                if not ok or frame is None:
                    break
                decoded += 1
                sizes.add((int(frame.shape[1]), int(frame.shape[0])))
    finally:
        cap.release()
    if decoded != count or sizes != {size}:
        got = ", ".join(f"{w}x{h}" for w, h in sorted(sizes)) or "none"
        raise DataError(
            path,
            f"the video written does not decode back as {count} frames of {size[0]}x{size[1]} "
            f"(decoded {decoded} frames, sizes {got}); is the disk full?",
        )


def write_mp4(
    path: str | os.PathLike[str],
    frames: np.ndarray,
    *,
    fps: float = 10.0,
    scale: int = 1,
    colormap: str | np.ndarray | None = None,
    quality: float = 8.0,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Path:
    """H.264 MP4 through imageio-ffmpeg (``pip install mnist-viewer[mp4]``), yuv420p.

    Odd sizes are padded with black to even ones (H.264 needs them). ``quality`` 0..10.
    """
    try:
        import imageio_ffmpeg
    except ImportError:
        raise DataError(
            path, "MP4 export needs imageio-ffmpeg (pip install 'mnist-viewer[mp4]')"
        ) from None
    path = Path(path)
    frames = check_frames(frames)
    scale = _check_scale(scale)
    fps = _check_fps(fps)
    table = _table(colormap, frames)
    check_export_target(path)
    t, h, w = frames.shape[:3]
    out_h, out_w = h * scale + (h * scale) % 2, w * scale + (w * scale) % 2
    rgb = frames.ndim == 4 or table is not None
    with atomic_path(path, suffix=".mp4") as work:
        writer = imageio_ffmpeg.write_frames(
            str(work), (out_w, out_h), pix_fmt_in="rgb24" if rgb else "gray", fps=fps,
            codec="libx264", quality=quality, macro_block_size=1, ffmpeg_log_level="error",
        )
        writer.send(None)
        padded = np.zeros((out_h, out_w, 3) if rgb else (out_h, out_w), dtype=np.uint8)
        try:
            for k, frame in enumerate(_output_frames(frames, scale, table)):
                check_cancel(cancel)
                padded[: frame.shape[0], : frame.shape[1]] = frame
                writer.send(padded)
                report(progress, k + 1, t)
        except BaseException:
            with contextlib.suppress(Exception):
                writer.close()
            raise
        try:
            writer.close()
        except (OSError, RuntimeError) as exc:
            raise DataError(path, f"ffmpeg failed: {exc}") from None
        _confirm_video(path, work, t, (out_w, out_h))
    return path


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
    scale = _check_scale(scale)
    table = _table(colormap, frames)
    check_export_target(path, directory=True)
    t = len(frames)
    digits = max(4, len(str(t - 1)))
    with atomic_path(path, directory=True) as tmp:
        for k, frame in enumerate(_output_frames(frames, scale, table)):
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
    scale = _check_scale(scale)
    table = _table(colormap, frames)
    check_export_target(path)
    check_cancel(cancel)
    sheet = upscale(contact_sheet(frames, cols, gap)[None], scale)[0]
    if table is not None:
        sheet = apply_colormap(sheet, table)
    with atomic_path(path) as tmp:
        _write_png(tmp, sheet)
    report(progress, len(frames), len(frames))
    return path


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
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Path:
    """Write ``frames`` in the format :func:`export_format` picks from ``path``.

    ``loop`` applies to GIF, ``codec`` to AVI, ``sheet_cols`` to PNG sheets; ``fps`` to the
    animated formats.
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
        return write_sheet(path, frames, cols=sheet_cols, **common)
    return write_png_frames(path, frames, **common)
