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

Everything is computed in float64. Whole sets are read chunk by chunk (bounded memory).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..jobs import Cancel, Progress, check_cancel, report

METRICS = ("mse", "mae", "psnr", "ssim")
"""The metrics, in the order tables and curves show them."""
LOWER_IS_BETTER = {"mse": True, "mae": True, "psnr": False, "ssim": False}
CHUNK_PIXELS = 1 << 15  # pixels computed at once: 256 KB per float64 buffer, cache-sized
READ_PIXELS = 1 << 22  # pixels read at once: 16 MB of float32 per array
SSIM_WINDOW = 7  # scikit-image's default win_size (gaussian_weights=False)
SSIM_K1, SSIM_K2 = 0.01, 0.03


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
    """Float64 buffers for one chunk of ``m`` frames of h×w, reused from chunk to chunk.

    Every step writes into them (``out=``): fresh large arrays cost a page fault per 4 KB,
    which dominates the arithmetic itself on some systems.
    """

    def __init__(self, m: int, h: int, w: int) -> None:
        self.shape = (m, h, w)
        self.x, self.y, self.d = (np.empty((m, h, w)) for _ in range(3))

    def fits(self, m: int, h: int, w: int) -> bool:
        return m <= self.shape[0] and (h, w) == self.shape[1:]


def _ssim(x: np.ndarray, y: np.ndarray, work: _Workspace | None = None) -> np.ndarray:
    """SSIM of each (H, W) frame pair of ``x``, ``y`` (m, H, W) float64: scikit-image's formula
    (7×7 uniform windows, sample covariance, mean over the windows inside the frame), one frame
    at a time with OpenCV's box filter. Frame by frame on purpose: a frame's seven maps fit in
    the processor's cache, while whole-chunk arrays are bound by memory bandwidth (measured
    slower here than scikit-image's own per-frame loop)."""
    import cv2

    m, h, w = x.shape
    r = SSIM_WINDOW // 2
    n_px = SSIM_WINDOW * SSIM_WINDOW
    cov = n_px / (n_px - 1.0)
    c1, c2 = SSIM_K1**2, SSIM_K2**2  # data_range = 1
    window = (SSIM_WINDOW, SSIM_WINDOW)
    inside = (slice(r, h - r), slice(r, w - r))
    out = np.empty(m)

    def mean(a: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(a, -1, window, normalize=True,
                             borderType=cv2.BORDER_REFLECT)[inside]

    for i in range(m):
        a, b = x[i], y[i]
        ux, uy = mean(a), mean(b)
        uxx, uyy, uxy = mean(a * a), mean(b * b), mean(a * b)
        vx = cov * (uxx - ux * ux)
        vy = cov * (uyy - uy * uy)
        vxy = cov * (uxy - ux * uy)
        s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
        out[i] = s.mean()
    return out


def ssim_frames(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """SSIM of each frame pair, float64 (m,), for frames (m, H, W) in [0, 1] (H, W >= 7).

    Equals scikit-image's ``structural_similarity(p, t, data_range=1.0)`` on each pair (its
    defaults: 7×7 uniform window, sample covariance, mean over the centres 3 pixels from the
    border, which are exactly the windows lying inside the frame, so no padding is involved).
    The prediction is used as given: clip it first (:func:`frame_metrics` does).
    """
    x = np.asarray(pred, dtype=np.float64)
    y = np.asarray(truth, dtype=np.float64)
    if x.ndim != 3 or x.shape != y.shape:
        raise ValueError(f"frames must be two (m, H, W) arrays, not {x.shape} and {y.shape}")
    if min(x.shape[1:]) < SSIM_WINDOW:
        raise ValueError(f"SSIM needs frames of at least {SSIM_WINDOW}×{SSIM_WINDOW} pixels")
    return _ssim(np.ascontiguousarray(x), np.ascontiguousarray(y))


def frame_metrics(truth: np.ndarray, pred: np.ndarray,
                  _work: _Workspace | None = None) -> FrameMetrics:
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
    if min(h, w) < SSIM_WINDOW:
        raise ValueError(f"SSIM needs frames of at least {SSIM_WINDOW}×{SSIM_WINDOW} pixels")
    m = n * k
    work = _work if _work is not None and _work.fits(m, h, w) else _Workspace(m, h, w)
    y, p, d = work.x[:m], work.y[:m], work.d[:m]
    np.copyto(y, truth.reshape(m, h, w))
    np.copyto(p, pred.reshape(m, h, w))
    flat = d.reshape(m, -1)
    np.subtract(p, y, out=d)
    mse = np.einsum("ij,ij->i", flat, flat)
    mae = np.abs(d, out=d).sum(axis=(1, 2))
    np.clip(p, 0.0, 1.0, out=p)
    np.subtract(p, y, out=d)
    mean_sq = np.einsum("ij,ij->i", flat, flat) / (h * w)
    with np.errstate(divide="ignore"):
        psnr = np.where(mean_sq == 0, np.inf, -10.0 * np.log10(np.where(mean_sq == 0, 1, mean_sq)))
    ssim = _ssim(p, y, work)
    shape = (n, k)
    return FrameMetrics(mse.reshape(shape), mae.reshape(shape), psnr.reshape(shape),
                        ssim.reshape(shape))


def chunk_sequences(steps: int, height: int, width: int, pixels: int = CHUNK_PIXELS) -> int:
    """How many sequences of ``steps`` frames of height×width go in one chunk (at least 1)."""
    return max(1, pixels // max(1, steps * height * width))


def evaluate(
    pairs: PredictionPairs,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    chunk_pixels: int = CHUNK_PIXELS,
    read_pixels: int = READ_PIXELS,
) -> FrameMetrics:
    """Metrics of every predicted frame of a set, read ``pairs.chunk`` by chunk.

    Sequences are read about ``read_pixels`` pixels at a time and computed on in blocks of
    about ``chunk_pixels`` (small enough for the CPU caches: the buffers are reused). Memory
    stays bounded by one read chunk (16 MB per array by default) plus about 10 float64
    buffers of one block and the (N, K) tables, whatever the size of the set. Reports
    ``progress(sequences done, N)``; raises :class:`~mnist_viewer.core.errors.Cancelled`.
    """
    n, k = int(pairs.num_sequences), int(pairs.steps)
    h, w = int(pairs.height), int(pairs.width)
    block = chunk_sequences(k, h, w, chunk_pixels)
    step = max(block, chunk_sequences(k, h, w, read_pixels) // block * block)
    tables = {name: np.empty((n, k), dtype=np.float64) for name in METRICS}
    work = _Workspace(min(n, block) * k, h, w) if n else None
    report(progress, 0, n)
    for start in range(0, n, step):
        check_cancel(cancel)
        stop = min(n, start + step)
        truth, pred = pairs.chunk(start, stop)
        for i in range(0, stop - start, block):
            part = frame_metrics(truth[i:i + block], pred[i:i + block], work)
            for name in METRICS:
                tables[name][start + i:start + i + len(part.mse)] = part.get(name)
        report(progress, stop, n)
    return FrameMetrics(**tables)
