"""Prediction metrics against OpenSTL's conventions, restated here from its metric() rules:
MSE/MAE = mean over (N, T) of the per-frame sum over C×H×W (unclipped prediction); then the
prediction is clipped to [0, 1]; PSNR = mean over frames of 20·log10(1/sqrt(mean sq. error))
in float32, inf for identical frames; SSIM = mean over frames of scikit-image's
structural_similarity (here with data_range=1.0, as the issue fixes it)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from skimage.metrics import structural_similarity

from mnist_viewer.core.analysis.metrics import (
    METRICS,
    FrameMetrics,
    evaluate,
    frame_metrics,
    ssim_frames,
)
from mnist_viewer.core.errors import Cancelled

from .prediction_files import predicted


def openstl_metric(pred: np.ndarray, true: np.ndarray) -> dict[str, float]:
    """OpenSTL's metric() on (N, T, C, H, W), restated frame by frame (its Python loop)."""
    res = {"mse": float(np.mean((pred - true) ** 2, axis=(0, 1)).sum()),
           "mae": float(np.mean(np.abs(pred - true), axis=(0, 1)).sum())}
    pred = np.minimum(np.maximum(pred, 0), 1)
    ssim = psnr = 0.0
    for b in range(pred.shape[0]):
        for f in range(pred.shape[1]):
            ssim += structural_similarity(pred[b, f, 0], true[b, f, 0], data_range=1.0)
            mse = np.mean((pred[b, f].astype(np.float32) - true[b, f].astype(np.float32)) ** 2)
            psnr += float("inf") if mse == 0 else 20.0 * np.log10(1.0 / np.sqrt(mse))
    frames = pred.shape[0] * pred.shape[1]
    res["ssim"], res["psnr"] = ssim / frames, psnr / frames
    return res


class Pairs:
    def __init__(self, truth: np.ndarray, pred: np.ndarray) -> None:
        self.t, self.p = truth, pred
        self.num_sequences, self.steps, self.height, self.width = truth.shape

    def chunk(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        return self.t[start:stop], self.p[start:stop]


def check_against_openstl(truth: np.ndarray, pred: np.ndarray) -> FrameMetrics:
    result = evaluate(Pairs(truth, pred), chunk_pixels=2 * truth.shape[1] * 64 * 64,
                      read_pixels=3 * truth.shape[1] * 64 * 64)
    ours = result.overall()
    ref = openstl_metric(pred[:, :, None], truth[:, :, None])
    for name in ("mse", "mae", "psnr", "ssim"):
        assert ours[name] == pytest.approx(ref[name], rel=1e-5, abs=1e-6), name
    steps = result.per_step()
    for k in range(truth.shape[1]):
        ref_k = openstl_metric(pred[:, k:k + 1, None], truth[:, k:k + 1, None])
        for name in ("mse", "mae", "psnr", "ssim"):
            assert steps[name][k] == pytest.approx(ref_k[name], rel=1e-5, abs=1e-6)
    return result


def test_random_predictions_match_openstl() -> None:
    rng = np.random.default_rng(3)
    truth = rng.random((7, 4, 64, 64), dtype=np.float32)
    pred = (truth + rng.normal(0, 0.3, truth.shape)).astype(np.float32)  # outside [0, 1] too
    result = check_against_openstl(truth, pred)
    assert result.mse.shape == (7, 4)
    # MSE is summed over the frame: about 64*64*0.09 for noise of sd 0.3
    assert 250 < result.overall()["mse"] < 450


def test_real_moving_mnist_predictions_match_openstl(digit_frames_real: np.ndarray) -> None:
    truth = digit_frames_real[:, 10:].astype(np.float32) / 255
    check_against_openstl(truth, predicted(truth))


@pytest.fixture(scope="module")
def digit_frames_real(mnist_dir):  # type: ignore[no-untyped-def]
    from mnist_viewer.core.generation import GeneratorConfig, generate
    from mnist_viewer.core.sources.datasets import load_dataset

    config = GeneratorConfig(num_sequences=5, frames=20, seed=7)
    return generate(config, load_dataset(mnist_dir, "test")).chunk(0, 5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ssim_equals_scikit_image_within_1e6(dtype: type) -> None:
    # float32 frames: both sides compute their maps in float32 (scikit-image keeps the type)
    rng = np.random.default_rng(5)
    truth = rng.random((6, 64, 48)).astype(dtype)
    truth[0] = 0.0  # flat frames, where the constants alone keep SSIM defined
    pred = np.clip(truth + rng.normal(0, 0.2, truth.shape), 0, 1).astype(dtype)
    pred[0] = 0.0
    pred[1] = truth[1]
    ours = ssim_frames(pred, truth)
    ref = [structural_similarity(pred[i], truth[i], data_range=1.0) for i in range(6)]
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-6)
    assert ours[0] == ours[1] == pytest.approx(1.0)


def test_identical_frames_have_infinite_psnr() -> None:
    truth = np.random.default_rng(0).random((2, 3, 16, 16), dtype=np.float32) * 0.5
    pred = truth.copy()
    pred[1, 2] += 0.1
    m = frame_metrics(truth, pred)
    assert math.isinf(m.psnr[0, 0]) and m.psnr[0, 0] > 0
    assert m.psnr[1, 2] == pytest.approx(20.0)  # mean sq. error 0.01 → 20 dB
    assert m.as_json()["metrics"]["psnr"] is None  # the set mean is inf: JSON null
    assert m.as_json()["per_step"]["psnr"][2] is None  # frame (0, 2) is identical too


def test_prediction_is_clipped_for_psnr_and_ssim_only() -> None:
    truth = np.ones((1, 1, 8, 8), dtype=np.float32)
    pred = np.full_like(truth, 1.5)
    m = frame_metrics(truth, pred)
    assert m.mse[0, 0] == pytest.approx(64 * 0.25) and m.mae[0, 0] == pytest.approx(32)
    assert math.isinf(m.psnr[0, 0]) and m.ssim[0, 0] == pytest.approx(1.0)


def test_evaluate_reports_progress_and_cancels() -> None:
    rng = np.random.default_rng(1)
    truth = rng.random((10, 2, 16, 16), dtype=np.float32)
    seen: list[tuple[int, int]] = []
    evaluate(Pairs(truth, truth * 0.5), progress=lambda d, t: seen.append((d, t)),
             chunk_pixels=2 * 16 * 16, read_pixels=3 * 2 * 16 * 16)
    assert seen[0] == (0, 10) and seen[-1] == (10, 10) and len(seen) == 5
    with pytest.raises(Cancelled):
        evaluate(Pairs(truth, truth), cancel=lambda: True)


def test_evaluate_gives_the_same_numbers_on_any_number_of_threads() -> None:
    rng = np.random.default_rng(11)
    truth = rng.random((23, 3, 16, 16), dtype=np.float32)
    pred = (truth + rng.normal(0, 0.2, truth.shape)).astype(np.float32)
    one = evaluate(Pairs(truth, pred), workers=1)
    for workers, read in ((2, 3 * 3 * 16 * 16), (3, 5 * 3 * 16 * 16)):
        other = evaluate(Pairs(truth, pred), workers=workers, read_pixels=read,
                         chunk_pixels=2 * 16 * 16)
        for name in METRICS:
            np.testing.assert_array_equal(other.get(name), one.get(name), err_msg=name)
    reference = frame_metrics(truth, pred)
    np.testing.assert_allclose(one.ssim, reference.ssim, rtol=0, atol=1e-12)


@pytest.mark.parametrize("bad", [math.nan, math.inf, 1e30])
def test_a_bad_value_does_not_leak_into_the_next_frames(bad: float) -> None:
    # the frames of a block are stacked into one image and OpenCV's box filter keeps running
    # sums down the columns: a NaN (or the rounding of a huge value) in frame 0 reached frames
    # 1-3 of the block, whose SSIM came out NaN (or wrong)
    rng = np.random.default_rng(3)
    truth = rng.random((1, 6, 32, 32), dtype=np.float32)
    pred = rng.random((1, 6, 32, 32), dtype=np.float32)
    truth[0, 0, 10, 10] = bad
    ours = frame_metrics(truth, pred).ssim[0]
    ref = [structural_similarity(pred[0, i], truth[0, i], data_range=1.0) for i in range(1, 6)]
    np.testing.assert_allclose(ours[1:], ref, rtol=0, atol=1e-6)
