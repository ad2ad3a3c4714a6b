"""``evaluate`` against OpenSTL's per-frame Python loop, on the same arrays, in one run.

The arrays: N sequences × 10 predicted frames of 64×64 float32 (default N = 10,000, the size
of OpenSTL's Moving MNIST test set), truth from generated Moving MNIST, prediction a blurred,
noisy copy reaching outside [0, 1]. The baseline restates OpenSTL's ``metric()`` on the
(N, T, 1, H, W) arrays it saves (MSE/MAE over the arrays, then the prediction clipped, then a
loop over every frame calling scikit-image's ``structural_similarity`` as OpenSTL calls it,
channel last, and one for the per-frame PSNR). Ours is
:func:`mnist_viewer.core.analysis.metrics.evaluate` reading the same arrays chunk by chunk.
Both run on the same 20 slices of the set, interleaved (the machine stalls in bursts); CPU time
(``time.process_time``) is reported besides wall time.

    python benchmarks/bench_evaluate.py [N]
"""

from __future__ import annotations

import itertools
import os
import resource
import sys
import time

import numpy as np
from skimage.metrics import structural_similarity

from mnist_viewer.core.analysis.metrics import METRICS, FrameMetrics, evaluate
from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.sources.datasets import embedded_dataset

TARGET = 5.0
SLICES = 20  # interleaved slices of the set, each timed for both sides


def openstl_loop(pred: np.ndarray, true: np.ndarray) -> dict[str, float]:
    """OpenSTL's ``metric()`` (``openstl/core/metrics.py``) restated on (N, T, C, H, W): MSE
    and MAE over the arrays, the prediction clipped to [0, 1], then one loop over every frame
    for SSIM and another for PSNR. SSIM is called as OpenSTL calls it, on the frame with its
    channel last (``swapaxes(0, 2)``; ``channel_axis=-1`` is today's name of its
    ``multichannel=True``), with ``data_range=1.0`` (the issue's convention: OpenSTL passes
    none, which current scikit-image refuses for float frames)."""
    out = {"mse": float(np.mean((pred - true) ** 2, axis=(0, 1)).sum()),
           "mae": float(np.mean(np.abs(pred - true), axis=(0, 1)).sum())}
    pred = np.minimum(np.maximum(pred, 0), 1)
    ssim = psnr = psnr_exact = 0.0
    for b in range(pred.shape[0]):
        for f in range(pred.shape[1]):
            ssim += structural_similarity(pred[b, f].swapaxes(0, 2), true[b, f].swapaxes(0, 2),
                                          channel_axis=-1, data_range=1.0)
    for b in range(pred.shape[0]):
        for f in range(pred.shape[1]):
            mse = np.mean((pred[b, f].astype(np.float32) - true[b, f].astype(np.float32)) ** 2)
            value = float("inf") if mse == 0 else 20.0 * np.log10(1.0 / np.sqrt(mse))
            psnr += value  # a float32 scalar under numpy 2 (NEP 50): float32 accumulation
            psnr_exact += float(value)
    n = pred.shape[0] * pred.shape[1]
    out["ssim"], out["psnr"], out["psnr_exact"] = ssim / n, float(psnr) / n, psnr_exact / n
    out["psnr_sum32"] = float(psnr)  # the float32 running total, carried across slices
    return out


class Pairs:
    def __init__(self, truth: np.ndarray, pred: np.ndarray) -> None:
        self.truth, self.pred = truth, pred
        self.num_sequences, self.steps, self.height, self.width = truth.shape

    def chunk(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        return self.truth[start:stop], self.pred[start:stop]


def timed(fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start")
    frames = generate(GeneratorConfig(num_sequences=n, frames=10, seed=1),
                      embedded_dataset("test")).chunk(0, n)
    truth = frames.astype(np.float32) / 255
    rng = np.random.default_rng(0)
    pred = (0.5 * truth + 0.25 * (np.roll(truth, 1, -1) + np.roll(truth, 1, -2))
            + rng.normal(0, 0.05, truth.shape).astype(np.float32))
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Both sides run slice by slice, interleaved: this shared machine stalls in bursts, so
    # each side meets the same moments; the ratio of the totals and the median of the
    # slices' ratios are printed.
    bounds = np.linspace(0, n, min(SLICES, n) + 1).astype(int).tolist()
    slices = list(itertools.pairwise(bounds))
    tables, ssim_sum, psnr32, psnr_exact = [], 0.0, np.float32(0), 0.0
    cpu_ours, cpu_ref, wall_ours, wall_ref, ratios = 0.0, 0.0, 0.0, 0.0, []
    for a, b in slices:
        part, w1, c1 = timed(lambda a=a, b=b: evaluate(Pairs(truth[a:b], pred[a:b])))
        ref, w0, c0 = timed(  # OpenSTL's arrays are (N, T, C, H, W), C = 1
            lambda a=a, b=b: openstl_loop(pred[a:b, :, None], truth[a:b, :, None]))
        tables.append(part)
        ssim_sum += ref["ssim"] * (b - a) * 10
        psnr32 += np.float32(ref["psnr_sum32"])
        psnr_exact += ref["psnr_exact"] * (b - a) * 10
        cpu_ours, cpu_ref, wall_ours, wall_ref = (cpu_ours + c1, cpu_ref + c0, wall_ours + w1,
                                                  wall_ref + w0)
        ratios.append(c0 / max(c1, 1e-9))
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ours = FrameMetrics(**{k: np.concatenate([t.get(k) for t in tables]) for k in METRICS}
                        ).overall()
    frames_n = n * 10
    # OpenSTL means float32 arrays over axes (N, T): numpy adds the N*T frames one after the
    # other in float32, so its set MSE/MAE drift by ~1e-5 relative at 100,000 frames; under
    # numpy 2 (NEP 50) its `psnr += <float32>` also sums in float32. The same formulas with
    # float64 accumulation are the exact figures both are held to.
    theirs = {"mse": float(np.mean((pred - truth) ** 2, axis=(0, 1)).sum()),
              "mae": float(np.mean(np.abs(pred - truth), axis=(0, 1)).sum()),
              "psnr": float(psnr32) / frames_n, "ssim": ssim_sum / frames_n}
    exact = {"mse": float(np.mean((pred - truth) ** 2, axis=(0, 1), dtype=np.float64).sum()),
             "mae": float(np.mean(np.abs(pred - truth), axis=(0, 1), dtype=np.float64).sum()),
             "psnr": psnr_exact / frames_n, "ssim": theirs["ssim"]}
    ours_off = max(abs(ours[k] - exact[k]) / abs(exact[k]) for k in exact)
    theirs_off = max(abs(theirs[k] - exact[k]) / abs(exact[k]) for k in exact)
    same = ours_off <= 1e-6  # scikit-image computes SSIM of float32 frames in float32
    ratio, paired = cpu_ref / cpu_ours, float(np.median(ratios))
    print(f"{n} sequences x 10 predicted frames of 64x64 (float32, {truth.nbytes / 1e6:.0f} MB "
          f"each array), {len(slices)} interleaved slices")
    print(f"OpenSTL per-frame loop (restated) : wall {wall_ref:8.2f} s  cpu {cpu_ref:8.2f} s")
    print(f"evaluate (chunked, vectorised)    : wall {wall_ours:8.2f} s  cpu {cpu_ours:8.2f} s")
    print(f"ratio (cpu) of the totals         : {ratio:8.1f}x")
    print(f"median of the slices' cpu ratios  : {paired:8.1f}x  (target >= {TARGET:.0f}x: "
          f"{'met' if paired >= TARGET else 'NOT met'}; range {min(ratios):.1f}-"
          f"{max(ratios):.1f}; a burst of stalls inflates one side of a slice)")
    print(f"same numbers (rel 1e-6 of exact)  : {same}  "
          + " ".join(f"{k}={ours[k]:.8g}/{theirs[k]:.8g}" for k in METRICS))
    print("  vs the same formulas accumulated in float64: "
          f"ours {ours_off:.1e} relative, OpenSTL's float32 sums {theirs_off:.1e} (exact "
          + " ".join(f"{k}={exact[k]:.8g}" for k in exact) + ")")
    print(f"peak RSS growth during the run    : {max(0.0, rss1 - rss0):.0f} MB "
          f"(inputs in memory: {2 * truth.nbytes / 1e6:.0f} MB)")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
