"""What to export: one sequence, a range of sequences, a grid page or the digit stream.

Builds the (decorated) frames from a :class:`~.sequences.SequenceSet` or a dataset and writes
them with :func:`.encoders.export_frames`, by the target's extension.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..compute import Engine, chunk_ranges, run_chunks
from ..jobs import Cancel, Progress, check_cancel, report
from ..sequences import SequenceSet
from .colormaps import colormap as colormap_table
from .encoders import check_export_target, export_format, export_frames
from .frames import check_output_size
from .mosaic import GAP_FILL, mosaic
from .overlays import decorate, decorated_is_rgb, frame_captions, labels_text


@dataclass(frozen=True)
class ExportOptions:
    """Everything an export needs besides what to export (the export dialog fills one in)."""

    fps: float = 10.0
    scale: int = 1
    loop: bool = True  # GIF: loop forever, or play once
    colormap: str | None = None  # None or "grey": greyscale; see colormaps.COLORMAPS
    codec: str = "mjpg"  # AVI: "mjpg" or "ffv1" (lossless)
    captions: bool = False  # sequence index, frame number and labels burned in (frame_captions)
    boxes: bool = False  # ground-truth boxes burned in (when the set has ground truth)
    gap: int = 1  # grid separators, in source pixels
    sheet_cols: int | None = None  # PNG sheets: frames per row


SHEET_GAP = 1
"""Pixels between the frames of a PNG sheet of one sequence (output pixels)."""


def sheet_gap(options: ExportOptions, grid: bool) -> int:
    """Pixels between the frames of a PNG sheet: :data:`SHEET_GAP`, or for a grid page four
    times the separator between its cells (at least 4), so frames stand apart from cells."""
    return max(4, 4 * options.gap * options.scale) if grid else SHEET_GAP


def sequence_frames(
    seqs: SequenceSet,
    index: int,
    *,
    scale: int = 1,
    captions: bool = False,
    boxes: bool = False,
    colormap: str | None = None,
) -> np.ndarray:
    """Frames of one sequence, upscaled, with the sequence and frame number (top, e.g.
    "#7 · frame 3/20", see :func:`.overlays.frame_captions`) and labels (bottom left) as
    captions and the ground-truth boxes, when asked for and known.

    Greyscale (T, H, W) uint8, or RGB (T, H, W, 3) with boxes or captions over a colour map
    (see :func:`.overlays.decorate`)."""
    return _decorated(seqs, index, seqs.sequence(index), scale, captions, boxes, colormap)


def _decorated(
    seqs: SequenceSet,
    index: int,
    frames: np.ndarray,
    scale: int,
    captions: bool,
    boxes: bool,
    colormap: str | None,
    widest: int | None = None,
) -> np.ndarray:
    """Sequence ``index``'s frames upscaled, with its index and frame numbers
    (:func:`.overlays.frame_captions`, the wording judged for sequence ``widest``), labels and
    boxes as asked."""
    gt = seqs.ground_truth
    top_left, top_right = (frame_captions(index, len(frames), frames.shape[2] * scale, scale,
                                          widest) if captions else (None, None))
    return decorate(
        frames,
        scale=scale,
        top_left=top_left,
        top_right=top_right,
        bottom_left=labels_text(gt.labels[index]) if captions and gt is not None else None,
        boxes=gt.boxes[index] if boxes and gt is not None else None,
        colormap=colormap,
    )


def grid_pages(num_sequences: int, rows: int, cols: int) -> int:
    """How many rows×cols pages ``num_sequences`` sequences fill."""
    return max(1, math.ceil(num_sequences / (rows * cols)))


def grid_frames(
    seqs: SequenceSet,
    rows: int,
    cols: int,
    *,
    page: int = 0,
    scale: int = 1,
    gap: int = 1,
    captions: bool = False,
    boxes: bool = False,
    fill: int = GAP_FILL,
    colormap: str | None = None,
) -> np.ndarray:
    """(T, Hm, Wm): sequences page*rows*cols onwards tiled rows×cols over their T frames.

    Each cell is decorated like :func:`sequence_frames` (one caption wording for the page);
    the separators are ``gap * scale`` pixels, so without overlays this is the upscaled mosaic.
    RGB (T, Hm, Wm, 3) when the cells are (boxes, or captions over a colour map), the
    separators then ``fill`` mapped through the colour map.
    """
    if page < 0 or page >= grid_pages(len(seqs), rows, cols):
        raise IndexError(f"page {page} out of range 0..{grid_pages(len(seqs), rows, cols) - 1}")
    start = page * rows * cols
    stop = min(start + rows * cols, len(seqs))
    chunk = seqs.chunk(start, stop)
    t = chunk.shape[1]
    rgb = decorated_is_rgb(colormap, captions, boxes and seqs.ground_truth is not None)
    shape = (stop - start, t, chunk.shape[2] * scale, chunk.shape[3] * scale)
    cells = np.empty(shape + ((3,) if rgb else ()), np.uint8)
    for k, index in enumerate(range(start, stop)):
        cells[k] = _decorated(seqs, index, chunk[k], scale, captions, boxes, colormap,
                              widest=stop - 1)
    if not rgb:
        return mosaic(cells, rows, cols, gap * scale, fill)
    fills = colormap_table(colormap or "grey")[fill]
    return np.stack([mosaic(cells[..., c], rows, cols, gap * scale, int(fills[c]))
                     for c in range(3)], axis=-1)


def stream_frames(
    images: np.ndarray,
    labels: np.ndarray | None = None,
    *,
    start: int = 0,
    count: int | None = None,
    scale: int = 1,
    captions: bool = False,
    colormap: str | None = None,
) -> np.ndarray:
    """Consecutive dataset digits ``start:start+count`` as frames, with their index (top left)
    and label (bottom left) as captions when asked for (RGB with captions over a colour map)."""
    stop = len(images) if count is None else min(len(images), start + count)
    if not 0 <= start < stop:
        raise IndexError(f"no digits in {start}:{stop} of {len(images)}")
    frames = np.asarray(images[start:stop])
    return decorate(
        frames,
        scale=scale,
        colormap=colormap,
        top_left=[f"#{i}" for i in range(start, stop)] if captions else None,
        bottom_left=[str(int(v)) for v in labels[start:stop]]
        if captions and labels is not None
        else None,
    )


def _encode(
    path: str | os.PathLike[str],
    frames: np.ndarray,
    options: ExportOptions,
    progress: Progress | None,
    cancel: Cancel | None,
    grid: bool = False,
) -> Path:
    """Write decorated frames; RGB ones already carry the colour map."""
    return export_frames(
        path, frames, fps=options.fps, loop=options.loop,
        colormap=options.colormap if frames.ndim == 3 else None, codec=options.codec,
        sheet_cols=options.sheet_cols, sheet_gap=sheet_gap(options, grid),
        progress=progress, cancel=cancel,
    )


def _check(path: str | os.PathLike[str]) -> None:
    """The format by extension and the target, before any frame is rendered."""
    check_export_target(path, directory=export_format(path) == "frames")


def export_sequence(
    path: str | os.PathLike[str],
    seqs: SequenceSet,
    index: int,
    options: ExportOptions = ExportOptions(),
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Path:
    """Export sequence ``index`` (format by extension, see :func:`export_format`)."""
    _check(path)
    check_output_size(path, seqs.num_frames, seqs.height * options.scale,
                      seqs.width * options.scale)
    frames = sequence_frames(
        seqs, index, scale=options.scale, captions=options.captions, boxes=options.boxes,
        colormap=options.colormap,
    )
    return _encode(path, frames, options, progress, cancel)


def range_paths(path: str | os.PathLike[str], start: int, stop: int) -> list[Path]:
    """``name.gif`` → ``name_0003.gif``... for sequences start..stop-1 (at least 4 digits)."""
    path = Path(path)
    digits = max(4, len(str(max(stop - 1, 0))))
    return [path.with_name(f"{path.stem}_{i:0{digits}d}{path.suffix}") for i in range(start, stop)]


def export_sequences(
    path: str | os.PathLike[str],
    seqs: SequenceSet,
    start: int,
    stop: int,
    options: ExportOptions = ExportOptions(),
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    engine: Engine | None = None,
) -> list[Path]:
    """Export sequences start..stop-1, one file each (:func:`range_paths`).

    Progress counts frames over the whole range. On cancel or failure the files already
    finished stay (each is complete); the one in progress leaves nothing behind. With an
    ``engine`` (:mod:`..compute`: Dask threads, local processes or a cluster whose workers
    share this file system) the sequences are exported in chunks of :data:`EXPORT_CHUNK` as
    tasks on it (progress per chunk, cancel between chunks; the same files); without one, in
    this thread.
    """
    if not 0 <= start < stop <= len(seqs):
        raise IndexError(f"sequences {start}:{stop} out of range 0..{len(seqs)}")
    paths = range_paths(path, start, stop)
    for target in paths:
        _check(target)
    total = (stop - start) * seqs.num_frames
    if engine is not None:
        frames = seqs.num_frames
        run_chunks(_export_chunk_task, _ExportJob(Path(path), seqs, options, stop),
                   chunk_ranges(start, stop, EXPORT_CHUNK), lambda s, e, _paths: None, engine,
                   None if progress is None else (lambda d, t: progress(d * frames, t * frames)),
                   cancel)
        return paths
    for k, (index, target) in enumerate(zip(range(start, stop), paths, strict=True)):
        done = k * seqs.num_frames

        def step(d: int, _t: int, done: int = done) -> None:
            report(progress, done + d, total)

        check_cancel(cancel)
        export_sequence(target, seqs, index, options, progress=step, cancel=cancel)
    return paths


EXPORT_CHUNK = 4  # sequences per task when a range is exported on an engine


@dataclass(frozen=True)
class _ExportJob:
    path: Path
    seqs: SequenceSet
    options: ExportOptions
    stop: int  # the end of the whole range (it sets the width of the numbers in the names)


def _export_chunk_task(job: _ExportJob, start: int, stop: int) -> list[Path]:
    """Export sequences ``start:stop`` of a range (a Dask task, see :mod:`..compute`)."""
    targets = range_paths(job.path, start, job.stop)[:stop - start]
    return [export_sequence(target, job.seqs, index, job.options)
            for index, target in zip(range(start, stop), targets, strict=True)]


def export_grid(
    path: str | os.PathLike[str],
    seqs: SequenceSet,
    rows: int,
    cols: int,
    options: ExportOptions = ExportOptions(),
    *,
    page: int = 0,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Path:
    """Export one rows×cols page of sequences as a mosaic over their T frames."""
    _check(path)
    s, g = options.scale, options.gap * options.scale
    cells = max(0, min(rows * cols, len(seqs) - page * rows * cols))
    check_output_size(path, seqs.num_frames, rows * seqs.height * s + (rows - 1) * g,
                      cols * seqs.width * s + (cols - 1) * g)
    check_output_size(path, seqs.num_frames * max(cells, 1), seqs.height * s, seqs.width * s,
                      copies=1)
    frames = grid_frames(
        seqs, rows, cols, page=page, scale=options.scale, gap=options.gap,
        captions=options.captions, boxes=options.boxes, colormap=options.colormap,
    )
    return _encode(path, frames, options, progress, cancel, grid=True)


def export_stream(
    path: str | os.PathLike[str],
    images: np.ndarray,
    labels: np.ndarray | None = None,
    options: ExportOptions = ExportOptions(),
    *,
    start: int = 0,
    count: int | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Path:
    """Export consecutive dataset digits (``Dataset.images``/``labels``) as frames."""
    _check(path)
    n = max(0, len(images) - start) if count is None else max(0, min(count, len(images) - start))
    check_output_size(path, n, images.shape[1] * options.scale, images.shape[2] * options.scale)
    frames = stream_frames(
        images, labels, start=start, count=count, scale=options.scale, captions=options.captions,
        colormap=options.colormap,
    )
    return _encode(path, frames, options, progress, cancel)
