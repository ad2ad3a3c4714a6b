"""Animations and videos as one sequence: GIF, APNG, AVI, MP4 and other containers FFmpeg reads.

What is read, and with which library (whichever reads the file exactly):

* GIF and (A)PNG: Pillow, frame by frame, composited as a viewer shows them (disposal, partial
  frames), so our own GIF exports decode to exactly the frames written. Durations come from
  each frame's ``duration`` (milliseconds; GIF stores centiseconds).
* AVI, MP4, MKV, MOV, WebM…: OpenCV's FFmpeg back end (``cv2.VideoCapture``), frame by frame;
  fps from the container (``CAP_PROP_FPS``). Lossless codecs (FFV1) decode exactly; lossy ones
  (MJPG, H.264) within their tolerance.

Colour: frames whose three channels are equal everywhere (our exports, most grey GIFs and
videos) are returned as grey (T, H, W) uint8, exactly. True colour frames are converted to grey
with ITU-R BT.601 luma (Pillow's ``"L"`` conversion: L = R·299/1000 + G·587/1000 + B·114/1000)
and the result says so (``colour="converted"``); the viewer shows greyscale sequences only.

A truncated file gives the frames that decode and a one-line note; a file in which no frame
decodes is a :class:`DataError`. The whole sequence is held in memory: its size (frames × H × W
bytes) is checked against :data:`MAX_MEDIA_BYTES` and the memory available before it grows.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError

MAX_MEDIA_BYTES = 4 * 2**30
"""The largest decoded animation or video held in memory (grey bytes): 4 GiB."""

MAX_MEDIA_SIDE = 65_535
"""The largest frame side accepted (GIF's own limit; far beyond any Moving MNIST canvas)."""

ANIMATION_MAGICS = {b"GIF87a": "gif", b"GIF89a": "gif", b"\x89PNG\r\n\x1a\n": "png"}
VIDEO_SUFFIXES = (".avi", ".mp4", ".mkv", ".mov", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv")


@dataclass(frozen=True, eq=False)
class MediaFrames:
    """The frames of one animation or video.

    ``frames`` uint8 (T, H, W) grey; ``durations`` float64 (T,) seconds per frame (None when the
    file gives none); ``fps`` the file's frame rate (1 / mean duration for animations);
    ``colour`` is ``"grey"`` (stored grey or as equal channels) or ``"converted"`` (true colour
    turned grey); ``note`` a one-line remark for the user (truncation), or ``""``.
    """

    frames: np.ndarray
    durations: np.ndarray | None
    fps: float | None
    colour: str
    reader: str
    note: str = ""


def media_kind(path: str | os.PathLike[str]) -> str | None:
    """``"animation"`` (GIF, PNG/APNG by magic number), ``"video"`` (RIFF AVI, ISO-BMFF ``ftyp``,
    Matroska/WebM, or a video file extension) or None. Reads at most 16 bytes."""
    path = Path(path)
    try:
        with open(path, "rb") as fp:
            head = fp.read(16)
    except OSError:
        return None
    for magic in ANIMATION_MAGICS:
        if head.startswith(magic):
            return "animation"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video"
    if head[4:8] == b"ftyp" or head[:4] == b"\x1a\x45\xdf\xa3":
        return "video"
    if path.suffix.lower() in VIDEO_SUFFIXES and head:
        return "video"
    return None


def _available_memory() -> int:
    try:
        with open("/proc/meminfo") as fp:
            for line in fp:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return MAX_MEDIA_BYTES


def _check_size(path: Path, count: int, height: int, width: int) -> None:
    if not (0 < height <= MAX_MEDIA_SIDE and 0 < width <= MAX_MEDIA_SIDE):
        raise DataError(path, f"frames of {width}x{height} pixels are not supported")
    need = count * height * width
    limit = min(MAX_MEDIA_BYTES, _available_memory() // 2)
    if need > limit:
        raise DataError(
            path,
            f"{count} frames of {width}x{height} need {need / 2**20:,.0f} MiB, more than the "
            f"{limit / 2**20:,.0f} MiB that can be held in memory",
        )


def grey_frame(rgb: np.ndarray) -> tuple[np.ndarray, bool]:
    """(uint8 (H, W) grey frame, exact) of a (H, W) or (H, W, 3) uint8 frame: equal channels give
    the channel itself (exact), else BT.601 luma rounded to the nearest grey level."""
    if rgb.ndim == 2:
        return rgb, True
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    if np.array_equal(r, g) and np.array_equal(g, b):
        return np.ascontiguousarray(r), True
    luma = (r.astype(np.uint32) * 299 + g.astype(np.uint32) * 587 + b.astype(np.uint32) * 114
            + 500) // 1000
    return luma.astype(np.uint8), False


@contextlib.contextmanager
def pillow_errors(path: Path) -> Iterator[None]:
    """Whatever Pillow raises on a damaged or hostile image file, as one :class:`DataError`
    naming ``path`` (a DataError raised inside passes unchanged; Pillow reports bad data as
    OSError, ValueError, SyntaxError or EOFError, and refuses decompression bombs)."""
    from PIL import Image, UnidentifiedImageError

    try:
        yield
    except DataError:
        raise
    except UnidentifiedImageError:
        raise DataError(path, "not an image file Pillow can read") from None
    except Image.DecompressionBombError as exc:
        raise DataError(path, f"image too large ({exc})") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise DataError(path, f"cannot read the image ({exc})") from None


def read_animation(path: str | os.PathLike[str]) -> MediaFrames:
    """Read a GIF or (A)PNG with Pillow as grey uint8 (T, H, W) frames (see the module doc).

    Raises :class:`DataError` naming ``path`` when it is not an image Pillow reads, is too
    large, or no frame decodes.
    """
    from PIL import Image, ImageSequence

    path = Path(path)
    frames: list[np.ndarray] = []
    durations: list[float] = []
    exact = True
    note = ""
    with pillow_errors(path), Image.open(path) as im:
        count = int(getattr(im, "n_frames", 1))
        _check_size(path, count, im.height, im.width)
        try:
            for frame in ImageSequence.Iterator(im):
                if frame.mode in ("L", "1", "I;16", "I", "F"):
                    grey = np.asarray(frame.convert("L"))
                    ok = True
                else:
                    grey, ok = grey_frame(np.asarray(frame.convert("RGB")))
                exact &= ok
                frames.append(np.array(grey, np.uint8))
                duration = frame.info.get("duration")
                durations.append(float(duration) / 1000.0 if duration else float("nan"))
        except (OSError, ValueError, EOFError, SyntaxError) as exc:
            if not frames:
                raise DataError(path, f"no frame could be decoded ({exc})") from None
            note = f"the file is damaged after frame {len(frames) - 1}: {len(frames)} of " \
                   f"{count} frames read"
    if not frames:
        raise DataError(path, "no frame could be decoded")
    stack = np.stack(frames)
    d = np.asarray(durations, np.float64)
    if np.isnan(d).all():
        d_out, fps = None, None
    else:
        d_out = np.where(np.isnan(d), np.nanmean(d), d)
        fps = float(1.0 / d_out.mean()) if d_out.mean() > 0 else None
    return MediaFrames(stack, d_out, fps, "grey" if exact else "converted", "pillow", note)


def read_video(path: str | os.PathLike[str]) -> MediaFrames:
    """Read a video with OpenCV's FFmpeg back end as grey uint8 (T, H, W) frames.

    Raises :class:`DataError` naming ``path`` when no frame decodes or the video is too large
    to hold in memory.
    """
    import cv2

    path = Path(path)
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    try:
        if not capture.isOpened():
            raise DataError(path, "not a video OpenCV can read")
        declared = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        if width and height:
            _check_size(path, max(declared, 1), height, width)
        frames: list[np.ndarray] = []
        exact = True
        budget = min(MAX_MEDIA_BYTES, _available_memory() // 2)
        while True:
            ok, bgr = capture.read()
            if not ok or bgr is None:
                break
            grey, same = grey_frame(np.ascontiguousarray(bgr[..., ::-1]) if bgr.ndim == 3 else bgr)
            exact &= same
            frames.append(grey)
            if len(frames) * grey.size > budget:
                raise DataError(path, f"the video needs more than {budget / 2**20:,.0f} MiB "
                                      "to hold in memory")
    finally:
        capture.release()
    if not frames:
        raise DataError(path, "no frame of the video could be decoded")
    note = ""
    if declared and len(frames) < declared:
        note = f"{len(frames)} of {declared} frames decoded (the file may be truncated)"
    stack = np.stack(frames)
    durations = np.full(len(frames), 1.0 / fps) if fps > 0 else None
    return MediaFrames(stack, durations, fps if fps > 0 else None,
                       "grey" if exact else "converted", "opencv", note)


def read_media(path: str | os.PathLike[str]) -> MediaFrames:
    """Read an animation or a video (by content, see :func:`media_kind`)."""
    kind = media_kind(path)
    if kind == "animation":
        return read_animation(path)
    if kind == "video":
        return read_video(path)
    raise DataError(Path(path), "not an animation or a video")
