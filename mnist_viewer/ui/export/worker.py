"""What the export dialog asks for, what it will produce, and the job that writes it.

:class:`ExportRequest` is a snapshot of the dialog (it holds no widget), so
:func:`run_export` can run on a pool thread; :func:`plan` computes the output size, frame
count, duration and number of files the request will produce, for the dialog's preview line.
Both use only the core (no Qt).
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...core.errors import DataError
from ...core.jobs import Cancel, Progress
from ...core.output import encoders, export
from ...core.output.mosaic import GridLayout
from ...core.sequences import SequenceSet

WHATS = ("sequence", "range", "grid", "stream")
"""What can be exported: the current sequence, a range (one file each), a grid page, digits."""

LARGE_BYTES = 1 << 30
"""Above this many bytes of frames held in memory per file, the preview warns."""


def mp4_available() -> bool:
    """Whether imageio-ffmpeg (the ``mp4`` extra) is installed; it is not imported."""
    try:
        return importlib.util.find_spec("imageio_ffmpeg") is not None
    except (ImportError, ValueError):
        return False


@dataclass(frozen=True)
class ExportRequest:
    """One export: where, what and how. Indices are 0-based, ``stop`` is excluded."""

    target: Path
    what: str  # one of WHATS
    options: export.ExportOptions
    seqset: SequenceSet | None = None  # sequence, range, grid
    index: int = 0  # sequence
    start: int = 0  # range: first sequence; stream: first digit
    stop: int = 1  # range: after the last sequence
    rows: int = 4  # grid
    cols: int = 4
    page: int = 0
    count: int = 100  # stream: how many digits
    images: np.ndarray | None = None  # stream: (N, H, W) uint8 digits
    labels: np.ndarray | None = None  # stream: (N,) labels, for captions


@dataclass(frozen=True)
class ExportPlan:
    """What a request produces: per file ``width`` × ``height`` px and ``frames`` frames."""

    format: str  # one of encoders.FORMATS
    width: int
    height: int
    frames: int
    fps: float  # the rate written (GIF: capped at MAX_GIF_FPS)
    duration: float | None  # seconds per file (None for PNG sheets and frame folders)
    paths: tuple[Path, ...]  # the files (or frame folders) written
    padded_from: tuple[int, int] | None = None  # (width, height) before a video's even padding

    @property
    def files(self) -> int:
        return len(self.paths)

    @property
    def memory_bytes(self) -> int:
        """Bytes of greyscale frames one file holds in memory while it is written."""
        return self.frames * self.width * self.height

    def describe(self) -> str:
        """One line: ``"128 × 128 px · 20 frames · 2.00 s at 10 fps · 1 file"``."""
        parts = [f"{self.width} × {self.height} px"]
        if self.padded_from is not None:  # encoders.even_size: videos need even sides
            parts[0] += (f" ({self.padded_from[0]} × {self.padded_from[1]} padded with the "
                         "background: video needs even sizes)")
        if self.format == "sheet":
            parts.append(f"{self.frames} frames on one sheet")
        else:
            parts.append(f"{self.frames} frame{'s' if self.frames != 1 else ''}")
        if self.duration is not None:
            parts.append(f"{self.duration:.2f} s at {self.fps:g} fps")
        n = self.files
        if self.format == "frames":
            pngs = n * self.frames
            parts.append(f"{pngs} PNG file{'s' if pngs != 1 else ''} in "
                         f"{n} folder{'s' if n != 1 else ''}")
        else:
            parts.append(f"{n} file{'s' if n != 1 else ''}")
        if n > 1:
            parts[-1] += f" ({self.paths[0].name} … {self.paths[-1].name})"
        return " · ".join(parts)


def check_request(request: ExportRequest) -> None:
    """DataError naming the target if the request cannot be exported as it stands."""
    target, what = request.target, request.what
    if what not in WHATS:
        raise ValueError(f"unknown export {what!r}; choose from {', '.join(WHATS)}")
    if what == "stream":
        if request.images is None:
            raise DataError(target, "a digit stream needs a dataset; there is none")
        n = len(request.images)
        if not 0 <= request.start < n or request.count < 1:
            raise DataError(target, f"digits {request.start}+{request.count} are outside "
                            f"0..{n - 1}")
        return
    seqs = request.seqset
    if seqs is None:
        raise DataError(target, "there are no sequences to export")
    n = len(seqs)
    if what == "sequence" and not 0 <= request.index < n:
        raise DataError(target, f"sequence {request.index} is outside 0..{n - 1}")
    if what == "range" and not 0 <= request.start < request.stop <= n:
        raise DataError(target, f"sequences {request.start}..{request.stop - 1} are outside "
                        f"0..{n - 1}")
    if what == "grid":
        pages = export.grid_pages(n, request.rows, request.cols)
        if min(request.rows, request.cols) < 1 or not 0 <= request.page < pages:
            raise DataError(target, f"page {request.page} of a {request.rows}x{request.cols} "
                            f"grid is outside 0..{pages - 1}")
    if request.options.boxes and seqs.ground_truth is None:
        raise DataError(target, "these sequences have no ground truth, so no boxes to draw")


def plan(request: ExportRequest) -> ExportPlan:
    """Size, frame count, duration and files of a request (DataError if it is not valid)."""
    fmt = encoders.export_format(request.target)
    check_request(request)
    opts = request.options
    s = opts.scale
    if request.what == "stream":
        assert request.images is not None
        h, w = request.images.shape[1] * s, request.images.shape[2] * s
        t = min(request.count, len(request.images) - request.start)
    else:
        seqs = request.seqset
        assert seqs is not None
        h, w, t = seqs.height * s, seqs.width * s, seqs.num_frames
        if request.what == "grid":
            h, w = GridLayout(request.rows, request.cols, h, w, opts.gap * s).shape
    if fmt == "sheet":  # encoders.contact_sheet: about square, export.sheet_gap separators
        cols = min(t, opts.sheet_cols or math.ceil(math.sqrt(t)))
        gap = export.sheet_gap(opts, grid=request.what == "grid")
        h, w = GridLayout(math.ceil(t / cols), cols, h, w, gap).shape
    padded_from = None
    if fmt in ("avi", "mp4") and encoders.even_size(h, w) != (h, w):
        padded_from = (w, h)  # write_avi / write_mp4 pad odd sides with the background
        h, w = encoders.even_size(h, w)
    fps = min(opts.fps, encoders.MAX_GIF_FPS) if fmt == "gif" else opts.fps
    if fmt == "gif":
        duration: float | None = float(encoders.gif_delays_ms(opts.fps, t).sum()) / 1000.0
    elif fmt in ("avi", "mp4"):
        duration = t / opts.fps
    else:
        duration = None
    if request.what == "range":
        paths = tuple(export.range_paths(request.target, request.start, request.stop))
    else:
        paths = (Path(request.target),)
    return ExportPlan(fmt, w, h, t, fps, duration, paths, padded_from)


def run_export(
    request: ExportRequest, progress: Progress | None = None, cancel: Cancel | None = None
) -> list[Path]:
    """Write the request (on a pool thread); returns the paths written."""
    check_request(request)
    opts, target = request.options, request.target
    if request.what == "stream":
        assert request.images is not None
        return [export.export_stream(
            target, request.images, request.labels, opts, start=request.start,
            count=request.count, progress=progress, cancel=cancel)]
    seqs = request.seqset
    assert seqs is not None
    if request.what == "range":
        return export.export_sequences(target, seqs, request.start, request.stop, opts,
                                         progress=progress, cancel=cancel)
    if request.what == "grid":
        return [export.export_grid(target, seqs, request.rows, request.cols, opts,
                                     page=request.page, progress=progress, cancel=cancel)]
    return [export.export_sequence(target, seqs, request.index, opts,
                                     progress=progress, cancel=cancel)]
