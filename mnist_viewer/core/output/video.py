"""Video writers: AVI through OpenCV ``VideoWriter`` (MJPG lossy or FFV1 lossless) and MP4 (H.264
through imageio-ffmpeg, the optional extra ``mp4``); each file is read back to confirm.

Both containers get even sizes: OpenCV's ffmpeg back end silently drops the last row and
column of an odd-sized AVI (OpenCV 4.x writes 258×258 for 259×259 frames), and H.264 in
yuv420p needs even sizes. So an odd width or height is padded by one pixel on the right or
at the bottom with the background (pixel value 0, through the colour map if there is one):
:func:`even_size` says what size a video of given frames gets.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from ..jobs import Cancel, Progress, atomic_path, check_cancel, report
from .frames import (
    check_export_target,
    check_fps,
    check_frames,
    check_output_size,
    check_scale,
    colour_table,
    output_frames,
)

log = logging.getLogger("mnist_viewer.output")
"""Where a writer says it padded odd frames (WARNING; the CLI prints it on stderr)."""

AVI_CODECS = {"mjpg": "MJPG", "ffv1": "FFV1"}
"""AVI codec names accepted by :func:`write_avi` → OpenCV FourCC."""

# --------------------------------------------------------------------------- AVI / MP4


def even_size(height: int, width: int) -> tuple[int, int]:
    """The (height, width) in pixels a video of (height, width) frames is written at: each
    odd side grows by one pixel of background (see the module docstring for why)."""
    return height + height % 2, width + width % 2


def _background(table: np.ndarray | None, channels: int) -> np.ndarray | int:
    """The padding colour: pixel value 0 as it is shown (through ``table``), black for RGB."""
    if table is not None:
        return table[0]
    return np.zeros(3, np.uint8) if channels == 3 else 0


def _note_padding(path: Path, height: int, width: int) -> None:
    """Say (``log``, WARNING) that frames of height×width are padded to :func:`even_size`."""
    out_h, out_w = even_size(height, width)
    if (out_h, out_w) != (height, width):
        log.warning("%s", f"{path}: {width}x{height} frames written as {out_w}x{out_h}, padded "
                    "with the background at the right/bottom (video needs even sizes)")


def _padded_frames(
    frames: np.ndarray, scale: int, table: np.ndarray | None, colour: bool
) -> Iterator[np.ndarray]:
    """:func:`output_frames` padded to :func:`even_size` with the background; (H', W') or
    (H', W', 3) uint8, one reused buffer (consume each frame before taking the next)."""
    h, w = frames.shape[1] * scale, frames.shape[2] * scale
    out_h, out_w = even_size(h, w)
    if (out_h, out_w) == (h, w):
        yield from output_frames(frames, scale, table)
        return
    padded = np.empty((out_h, out_w, 3) if colour else (out_h, out_w), np.uint8)
    padded[...] = _background(table, 3 if colour else 1)
    for frame in output_frames(frames, scale, table):
        padded[:h, :w] = frame
        yield padded


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

    An odd width or height is padded by one pixel of background to :func:`even_size`
    (OpenCV would drop the last row or column). The file is read back with
    ``cv2.VideoCapture`` to confirm its frame count and size; DataError naming ``path`` if
    OpenCV cannot write the codec or the file does not decode back as written.
    """
    cv2 = _cv2()
    path = Path(path)
    frames = check_frames(frames)
    scale = check_scale(scale)
    fps = check_fps(fps)
    table = colour_table(colormap, frames)
    if codec.lower() not in AVI_CODECS:
        raise ValueError(f"unknown AVI codec {codec!r}; choose from {', '.join(AVI_CODECS)}")
    fourcc = AVI_CODECS[codec.lower()]
    check_export_target(path)
    check_output_size(path, len(frames), frames.shape[1] * scale, frames.shape[2] * scale)
    t, h, w = frames.shape[:3]
    out_h, out_w = even_size(h * scale, w * scale)
    size = (out_w, out_h)
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
            for k, frame in enumerate(_padded_frames(frames, scale, table, colour)):
                check_cancel(cancel)
                writer.write(np.ascontiguousarray(frame[..., ::-1] if colour else frame))
                report(progress, k + 1, t)
        finally:
            writer.release()
        _confirm_video(path, work, t, size)
    _note_padding(path, h * scale, w * scale)
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
    if decoded == count and sizes == {size}:
        return
    want = f"{count} frames of {size[0]}x{size[1]}"
    if decoded == 0:
        raise DataError(path, f"the video written does not decode back (no frame of {want} "
                        "could be read)" + _disk_note(work))
    if sizes != {size}:
        got = ", ".join(f"{w}x{h}" for w, h in sorted(sizes))
        raise DataError(path, f"the video written decodes back at another size: {got} "
                        f"instead of {size[0]}x{size[1]} ({decoded} of {count} frames read)"
                        + _disk_note(work))
    raise DataError(path, f"the video written decodes back as {decoded} of its {count} frames "
                    f"({size[0]}x{size[1]}): the file is incomplete{_disk_note(work)}")


def _disk_note(work: Path) -> str:
    """'; the disk is full' when it is (so says the file system), else nothing: no guesses."""
    try:
        free = shutil.disk_usage(work.parent).free
    except OSError:
        return ""
    return f"; the disk is full ({free:,} bytes free)" if free < 2**20 else ""


def ffmpeg_log() -> Path:
    """Where ffmpeg's messages go (never the user's terminal): a file in the cache folder."""
    base = os.environ.get("MNIST_VIEWER_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mnist-viewer")
    return Path(base) / "ffmpeg.log"


def _log_tail(log: Path, since: int) -> str:
    """The last error line ffmpeg wrote to ``log`` after byte ``since`` (or '')."""
    try:
        with open(log, "rb") as fp:
            fp.seek(since)
            lines = fp.read()[-65536:].decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    for line in reversed(lines):
        text = line.strip()
        if text and not text.startswith(("ffmpeg started", "Report written", "Command line")):
            return text[-200:]
    return ""


def _ffmpeg_failure(path: Path, work: Path, log: Path, since: int, exc: BaseException
                    ) -> DataError:
    """One line naming ``path`` (never the temporary ``work``) with ffmpeg's real cause."""
    cause = _log_tail(log, since).replace(str(work), str(path))
    if not cause:
        first = str(exc).strip().splitlines()
        cause = first[0].replace(str(work), str(path)) if first else type(exc).__name__
    where = f" (ffmpeg's messages: {log})" if log.exists() else ""
    return DataError(path, f"ffmpeg failed: {cause}{_disk_note(work)}{where}")


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

    An odd width or height is padded by one pixel of background to :func:`even_size`
    (H.264 needs even sizes). ``quality`` 0..10.
    """
    try:
        import imageio_ffmpeg
    except ImportError:
        raise DataError(
            path, "MP4 export needs imageio-ffmpeg (pip install 'mnist-viewer[mp4]')"
        ) from None
    path = Path(path)
    frames = check_frames(frames)
    scale = check_scale(scale)
    fps = check_fps(fps)
    table = colour_table(colormap, frames)
    check_export_target(path)
    check_output_size(path, len(frames), frames.shape[1] * scale, frames.shape[2] * scale)
    t, h, w = frames.shape[:3]
    out_h, out_w = even_size(h * scale, w * scale)
    rgb = frames.ndim == 4 or table is not None
    log = ffmpeg_log()
    with atomic_path(path, suffix=".mp4") as work:
        since = _prepare_log(log)
        report_env = os.environ.get("FFREPORT")
        if since >= 0:  # ffmpeg's messages to the log, none on the terminal
            os.environ["FFREPORT"] = f"file={_ff_escape(log)}:level=16"
        try:
            writer = imageio_ffmpeg.write_frames(
                str(work), (out_w, out_h), pix_fmt_in="rgb24" if rgb else "gray", fps=fps,
                codec="libx264", quality=quality, macro_block_size=1,
                ffmpeg_log_level="quiet" if since >= 0 else "error",
            )
            writer.send(None)
        finally:
            if report_env is None:
                os.environ.pop("FFREPORT", None)
            else:
                os.environ["FFREPORT"] = report_env
        try:
            for k, frame in enumerate(_padded_frames(frames, scale, table, rgb)):
                check_cancel(cancel)
                writer.send(np.ascontiguousarray(frame))
                report(progress, k + 1, t)
        except (OSError, RuntimeError) as exc:
            with contextlib.suppress(Exception):
                writer.close()
            raise _ffmpeg_failure(path, work, log, max(since, 0), exc) from None
        except BaseException:
            with contextlib.suppress(Exception):
                writer.close()
            raise
        try:
            writer.close()
        except (OSError, RuntimeError) as exc:
            raise _ffmpeg_failure(path, work, log, max(since, 0), exc) from None
        _confirm_video(path, work, t, (out_w, out_h))
    _note_padding(path, h * scale, w * scale)
    return path


def _prepare_log(log: Path) -> int:
    """The size of ffmpeg's log before this run (-1 if it cannot be written)."""
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as fp:
            return fp.tell()
    except OSError:
        return -1


def _ff_escape(path: Path) -> str:
    """A path as a value in FFREPORT (':' and '\\' are special there)."""
    return str(path).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
