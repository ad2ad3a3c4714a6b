"""The video-prediction metrics of the Moving MNIST literature, per frame, chunked.

Conventions (as OpenSTL's ``openstl/core/metrics.py`` computes them, restated, not copied):
intensities are in [0, 1]; for a predicted frame P and its truth Y (H×W),

* **MSE** = Σ over pixels of (P − Y)², **MAE** = Σ |P − Y| (summed over the frame, not averaged:
  OpenSTL averages over sequences and frames and sums over C×H×W), on the prediction as given;
* **PSNR** = 10·log10(1 / mean over pixels of (P − Y)²), ``inf`` for identical frames;
* **SSIM** = scikit-image ``structural_similarity(P, Y, data_range=1.0)`` with its defaults
  (7×7 uniform window, K1 = 0.01, K2 = 0.03, sample covariance, the mean over the window
  centres at least 3 pixels from the border), restated here with OpenCV's box filter;
* PSNR and SSIM use the prediction clipped to [0, 1] (OpenSTL clips before them);
* set figures are means over sequences and frames (an ``inf`` PSNR makes the mean ``inf``, as
  in OpenSTL); per-step curves are means over sequences at each future step.

MSE and MAE are computed and summed in float64 (float32 inputs are converted exactly), PSNR's
squared errors of a clipped prediction in float32 and summed in float64; SSIM maps of float32
frames are float32, as scikit-image computes them, and their means float64. OpenSTL's own
figures can differ in the last digits on large sets: it means float32 arrays over (N, T) and,
under numpy 2 (NEP 50), keeps its PSNR total in float32 (2e-5 and 6e-6 relative at 10,000 × 10
frames; ``benchmarks/bench_evaluate.py`` prints both against the float64 sums). Whole sets are
read chunk by chunk (bounded memory).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..compute import Engine, chunk_ranges, run_chunks
from ..jobs import Cancel, Progress

METRICS = ("mse", "mae", "psnr", "ssim")
"""The metrics, in the order tables and curves show them."""
LOWER_IS_BETTER = {"mse": True, "mae": True, "psnr": False, "ssim": False}
CHUNK_PIXELS = 1 << 14  # pixels computed at once (4 frames of 64×64): 128 KB per float64
# buffer; the block's nine buffers stay in the processor's cache
READ_PIXELS = 1 << 22  # pixels read at once: 16 MB of float32 per array (a Dask task each;
# measured: 4 MB chunks cost 15% more time in task overhead)
SSIM_WINDOW = 7  # scikit-image's default win_size (gaussian_weights=False)
SSIM_K1, SSIM_K2 = 0.01, 0.03
SSIM_TAME = 1e8  # s², d² above this (|values| > 1e4) are computed one frame at a time


class PredictionPairs(Protocol):
    """What :func:`evaluate` reads: N sequences of K future steps of truth and prediction."""

    @property
    def num_sequences(self) -> int: ...
    @property
    def steps(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def width(self) -> int: ...

    def chunk(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """(truth, prediction) of sequences start:stop, each float32 (n, K, H, W) in [0, 1]."""
        ...


@dataclass(frozen=True)
class FrameMetrics:
    """Metrics of each frame: ``mse``, ``mae``, ``psnr``, ``ssim`` each float64 (N, K)."""

    mse: np.ndarray
    mae: np.ndarray
    psnr: np.ndarray
    ssim: np.ndarray

    def get(self, name: str) -> np.ndarray:
        """The (N, K) table of metric ``name`` (one of :data:`METRICS`)."""
        if name not in METRICS:
            raise KeyError(name)
        return np.asarray(getattr(self, name))

    @property
    def num_sequences(self) -> int:
        return int(self.mse.shape[0])

    @property
    def steps(self) -> int:
        return int(self.mse.shape[1])

    def overall(self) -> dict[str, float]:
        """Set figures: each metric's mean over sequences and frames."""
        return {name: _mean(self.get(name)) for name in METRICS}

    def per_step(self) -> dict[str, np.ndarray]:
        """Per-step curves: each metric's mean over sequences, float64 (K,)."""
        return {name: _mean_axis(self.get(name), 0) for name in METRICS}

    def per_sequence(self) -> dict[str, np.ndarray]:
        """Each sequence's mean over its frames, float64 (N,)."""
        return {name: _mean_axis(self.get(name), 1) for name in METRICS}

    def as_json(self) -> dict[str, Any]:
        """``{"num_sequences", "steps", "metrics": {...}, "per_step": {...: [K]}}``; a
        non-finite PSNR (identical frames) is ``None`` (JSON ``null``)."""
        return {
            "num_sequences": self.num_sequences,
            "steps": self.steps,
            "metrics": {k: json_number(v) for k, v in self.overall().items()},
            "per_step": {k: [json_number(x) for x in v] for k, v in self.per_step().items()},
        }


def json_number(value: float) -> float | None:
    """``value`` as a JSON number, ``None`` for inf/NaN (JSON has neither)."""
    value = float(value)
    return value if math.isfinite(value) else None


def _mean(values: np.ndarray) -> float:
    if values.size == 0:
        return math.nan
    with np.errstate(invalid="ignore"):
        return float(np.mean(values))


def _mean_axis(values: np.ndarray, axis: int) -> np.ndarray:
    if values.shape[axis] == 0:
        return np.full(values.shape[1 - axis], math.nan)
    with np.errstate(invalid="ignore"):
        return np.mean(values, axis=axis)


class _Workspace:
    """Buffers for one block of up to ``m`` frames of h×w, reused from block to block.

    Every step writes into them (``dst=``/``out=``): fresh arrays cost page faults, and a block
    of a few frames keeps all of them in the processor's cache (measured: blocks of 4-8 frames
    run about 1.5x faster than blocks of 64 here, whose maps spill out of the cache).
    """

    def __init__(self, m: int, h: int, w: int) -> None:
        self.shape = (m, h, w)
        self.errors = np.empty((m * h, w))  # p − y in float64
        self._ssim: dict[np.dtype[Any], tuple[list[np.ndarray], np.ndarray]] = {}

    def ssim_maps(self, dtype: np.dtype[Any]) -> tuple[list[np.ndarray], np.ndarray]:
        """Eight (m·h, w) maps of ``dtype`` (s = p + y, d = p − y, d², s², their box filters)
        and the buffer of the clipped prediction."""
        if dtype not in self._ssim:
            m, h, w = self.shape
            self._ssim[dtype] = ([np.empty((m * h, w), dtype) for _ in range(8)],
                                 np.empty((m * h, w), dtype))
        return self._ssim[dtype]


def _block_metrics(truth: np.ndarray, pred: np.ndarray, work: _Workspace,
                   out: dict[str, np.ndarray]) -> None:
    """Metrics of (m, H, W) frames into ``out[name]`` (m,) (m <= the workspace's frames).

    The m frames are stacked into one (m·H, W) image. MSE/MAE are sums over each frame of
    p − y in float64 (exact for float32 inputs); so is PSNR's when no prediction needs
    clipping, else it sums the SSIM's float32 (clipped p − y)² in float64 (about 1e-9 from
    the float64 figure; OpenSTL computes it all in float32). SSIM is scikit-image's formula
    restated in s = p + y and d = p − y (ux·uy = (S² − D²)/4, ux² + uy² = (S² + D²)/2, and
    the same for the second moments, with S, D the local means of s, d): four OpenCV box
    filters instead of five, and the formula in fused passes (``addWeighted``). A 7×7 window centred
    at least 3 pixels inside a frame lies inside that frame, so neither the next frame nor
    the border rule touches the values kept. The SSIM maps are float32 when both inputs are
    float32, as scikit-image computes them (its ``structural_similarity`` works in the
    input's float type), else float64; each frame's mean is taken in float64. Measured
    against ``structural_similarity``: within 1e-7 for float32 frames (twice as fast as
    float64 maps here), ~1e-15 for float64 ones."""
    import cv2

    cv: Any = cv2  # untyped here: the stubs' Mat unions do not follow numpy's dtypes
    m, h, w = truth.shape
    f64 = cv.CV_64F
    dtype = np.dtype(np.float32 if truth.dtype == pred.dtype == np.float32 else np.float64)
    maps, clipped = work.ssim_maps(dtype)
    y = np.ascontiguousarray(truth, dtype=dtype).reshape(m * h, w)
    p = np.ascontiguousarray(pred, dtype=dtype).reshape(m * h, w)
    e = cv.subtract(p, y, dst=work.errors[: m * h], dtype=f64)  # exact for float32 inputs
    frames = e.reshape(m, h * w)
    sq = np.array([cv.norm(f, cv.NORM_L2SQR) for f in frames])  # one pass each, in float64
    out["mse"][:] = sq
    out["mae"][:] = [cv.norm(f, cv.NORM_L1) for f in frames]
    lo, hi = cv.minMaxLoc(p)[:2]
    clip = lo < 0 or hi > 1
    if clip:  # PSNR and SSIM on the prediction clipped to [0, 1]
        p = np.clip(p, 0, 1, out=clipped[: m * h])
    s, d, dd, ss, us, ud, uss, udd = (a[: m * h] for a in maps)
    s = cv.add(p, y, dst=s)
    d = cv.subtract(p, y, dst=d)
    ss = cv.multiply(s, s, dst=ss)
    dd = cv.multiply(d, d, dst=dd)
    if m > 1 and not (cv.checkRange(ss, True, 0, SSIM_TAME)[0]
                      and cv.checkRange(dd, True, 0, SSIM_TAME)[0]):
        # a NaN, an infinity or a huge value: OpenCV's box filter keeps running sums down the
        # columns, which would carry it (or its rounding) into the next frames of the stack
        for i in range(m):
            _block_metrics(truth[i:i + 1], pred[i:i + 1], work,
                           {name: t[i:i + 1] for name, t in out.items()})
        return
    if clip:  # the clipped squares are the SSIM's d², summed in float64
        sq = dd.reshape(m, -1).sum(axis=1, dtype=np.float64)
    with np.errstate(divide="ignore"):
        out["psnr"][:] = -10.0 * np.log10(sq / (h * w))  # inf for identical frames
    window = (SSIM_WINDOW, SSIM_WINDOW)
    us, ud, uss, udd = (cv.boxFilter(src, -1, window, dst, (-1, -1), True, cv.BORDER_REFLECT)
                        for src, dst in ((s, us), (d, ud), (ss, uss), (dd, udd)))
    n_px = SSIM_WINDOW * SSIM_WINDOW
    c1, c2 = 2 * SSIM_K1**2, 2 * SSIM_K2**2 * (n_px - 1.0) / n_px  # data_range 1, scaled
    us = cv.multiply(us, us, dst=us)  # S²
    ud = cv.multiply(ud, ud, dst=ud)  # D²
    num = cv.addWeighted(us, 1, ud, -1, c1, dst=s)  # 2·2·ux·uy + c1 (times 2)
    den = cv.addWeighted(us, 1, ud, 1, c1, dst=d)  # 2·(ux² + uy²) + c1 (times 2)
    # 2·cov terms: (SS − S²) ∓ (DD − D²) + c2 = (SS ∓ DD) + c1 + c2 − (S² ∓ D² + c1)
    num2 = cv.subtract(cv.addWeighted(uss, 1, udd, -1, c1 + c2, dst=ss), num, dst=ss)
    den2 = cv.subtract(cv.addWeighted(uss, 1, udd, 1, c1 + c2, dst=dd), den, dst=dd)
    num = cv.multiply(num, num2, dst=num)
    den = cv.multiply(den, den2, dst=den)
    ratio = cv.divide(num, den, dst=num)
    r = SSIM_WINDOW // 2
    out["ssim"][:] = ratio.reshape(m, h, w)[:, r:h - r, r:w - r].mean(axis=(1, 2),
                                                                     dtype=np.float64)


def ssim_frames(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """SSIM of each frame pair, float64 (m,), for frames (m, H, W) (H, W >= 7).

    Equals scikit-image's ``structural_similarity(clip(p, 0, 1), t, data_range=1.0)`` on each
    pair (its defaults: 7×7 uniform window, sample covariance, mean over the centres 3 pixels
    from the border, which are exactly the windows lying inside the frame, so no padding is
    involved); the prediction is clipped to [0, 1] first, as OpenSTL does.
    Raises ValueError for other shapes.
    """
    x, y = np.asarray(pred), np.asarray(truth)
    if x.ndim != 3 or x.shape != y.shape:
        raise ValueError(f"frames must be two (m, H, W) arrays, not {x.shape} and {y.shape}")
    return frame_metrics(y[None], x[None]).ssim[0]


def _check_frame_size(h: int, w: int) -> None:
    if min(h, w) < SSIM_WINDOW:
        raise ValueError(f"SSIM needs frames of at least {SSIM_WINDOW}×{SSIM_WINDOW} pixels")


def _workspace(frames: int, h: int, w: int, pixels: int) -> _Workspace:
    """Buffers for blocks of about ``pixels`` pixels of frames (at most ``frames`` frames)."""
    return _Workspace(max(1, min(frames, pixels // max(1, h * w))), h, w)


def _metrics_into(truth: np.ndarray, pred: np.ndarray, work: _Workspace,
                  tables: dict[str, np.ndarray], at: int) -> None:
    """Metrics of (m, H, W) frames into ``tables[name][at:at + m]``, block by block."""
    block, m = work.shape[0], len(truth)
    for i in range(0, m, block):
        j = min(m, i + block)
        _block_metrics(truth[i:j], pred[i:j], work,
                       {name: t[at + i:at + j] for name, t in tables.items()})


def frame_metrics(truth: np.ndarray, pred: np.ndarray) -> FrameMetrics:
    """Metrics of each frame of (n, K, H, W) truth and prediction (floats in [0, 1]).

    Returns float64 (n, K) tables; MSE/MAE on ``pred`` as given, PSNR/SSIM on ``pred``
    clipped to [0, 1] (see the module doc for the conventions and their source).
    Raises ValueError if the shapes differ or frames are smaller than 7×7.
    """
    truth = np.asarray(truth)
    pred = np.asarray(pred)
    if truth.shape != pred.shape or truth.ndim != 4:
        raise ValueError(f"truth and prediction must both be (n, K, H, W), not {truth.shape} "
                         f"and {pred.shape}")
    n, k, h, w = truth.shape
    _check_frame_size(h, w)
    m = n * k
    tables = {name: np.empty(m) for name in METRICS}
    _metrics_into(truth.reshape(m, h, w), pred.reshape(m, h, w),
                  _workspace(m, h, w, CHUNK_PIXELS), tables, 0)
    return FrameMetrics(**{name: t.reshape(n, k) for name, t in tables.items()})


def chunk_sequences(steps: int, height: int, width: int, pixels: int = READ_PIXELS) -> int:
    """How many sequences of ``steps`` frames of height×width go in one chunk (at least 1)."""
    return max(1, pixels // max(1, steps * height * width))


@dataclass(frozen=True)
class _EvaluateJob:
    """What each chunk task of :func:`evaluate` reads (shared by the threads)."""

    pairs: PredictionPairs
    chunk_frames: int  # the most frames a chunk holds
    chunk_pixels: int
    buffers: threading.local  # each thread's workspace, reused from chunk to chunk


def _evaluate_task(job: _EvaluateJob, start: int, stop: int) -> dict[str, np.ndarray]:
    """The metrics of sequences ``start:stop``: float64 (n·K,) per name (a Dask task)."""
    pairs = job.pairs
    k, h, w = int(pairs.steps), int(pairs.height), int(pairs.width)
    truth, pred = pairs.chunk(start, stop)
    m = (stop - start) * k
    work = getattr(job.buffers, "work", None)
    if work is None:  # sized once per thread for the largest chunk
        work = job.buffers.work = _workspace(job.chunk_frames, h, w, job.chunk_pixels)
    tables = {name: np.empty(m) for name in METRICS}
    _metrics_into(np.asarray(truth).reshape(m, h, w), np.asarray(pred).reshape(m, h, w),
                  work, tables, 0)
    return tables


def evaluate(
    pairs: PredictionPairs,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    chunk_pixels: int = CHUNK_PIXELS,
    read_pixels: int = READ_PIXELS,
    workers: int | None = None,
) -> FrameMetrics:
    """Metrics of every predicted frame of a set, read ``pairs.chunk`` by chunk.

    Sequences are read about ``read_pixels`` pixels at a time (16 MB of float32 per array by
    default), each chunk a task on Dask's threaded scheduler (``workers`` threads, default 1:
    the blocks are small and hold the GIL between OpenCV calls, and two threads were slower
    here, 10.8 s against 7.8 s wall for 10,000 × 10 frames on 2 cores; ``pairs.chunk`` must
    allow calls from several threads, as memory maps and files opened per call do), computed
    on in blocks of about ``chunk_pixels`` pixels of frames (small enough for the CPU caches:
    each thread reuses its buffers). Memory stays bounded by four read chunks per thread (two
    batches of two) plus the (N, K) tables, whatever the size of the set; the numbers do not
    depend on ``workers``. Reports ``progress(sequences done, N)``; raises
    :class:`~mnist_viewer.core.errors.Cancelled`.
    """
    n, k = int(pairs.num_sequences), int(pairs.steps)
    h, w = int(pairs.height), int(pairs.width)
    if n:
        _check_frame_size(h, w)
    step = chunk_sequences(k, h, w, read_pixels)
    tables = {name: np.empty(n * k, dtype=np.float64) for name in METRICS}

    def consume(start: int, stop: int, part: dict[str, np.ndarray]) -> None:
        for name, table in tables.items():
            table[start * k:stop * k] = part[name]

    engine = Engine(workers=max(1, int(workers or 1)), processes=False)
    job = _EvaluateJob(pairs, step * k, int(chunk_pixels), threading.local())
    run_chunks(_evaluate_task, job, chunk_ranges(0, n, step), consume, engine, progress,
               cancel)
    return FrameMetrics(**{name: t.reshape(n, k) for name, t in tables.items()})
