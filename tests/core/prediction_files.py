"""Real prediction result folders and files for the tests (OpenSTL, PredRNN, a pair)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def predicted(frames: np.ndarray, seed: int = 0) -> np.ndarray:
    """A plausible model output: the truth shifted a pixel, blurred a little, noisy, and
    (like a real network) slightly outside [0, 1]; float32 with the same shape."""
    rng = np.random.default_rng(seed)
    x = np.roll(frames.astype(np.float32), 1, axis=-1)
    x = 0.5 * x + 0.25 * (np.roll(x, 1, axis=-2) + np.roll(x, -1, axis=-2))
    return (x + rng.normal(0, 0.05, x.shape)).astype(np.float32)


def write_openstl(folder: Path, whole: np.ndarray, context: int) -> Path:
    """``folder/saved`` as OpenSTL writes it from (N, T, H, W) floats in [0, 1]."""
    saved = folder / "saved"
    saved.mkdir(parents=True)
    five = whole[:, :, None].astype(np.float32)
    np.save(saved / "inputs.npy", five[:, :context])
    np.save(saved / "trues.npy", five[:, context:])
    np.save(saved / "preds.npy", predicted(five[:, context:]))
    np.save(saved / "metrics.npy", np.array([1.5, 2.5]))
    return saved


def write_predrnn(folder: Path, whole_u8: np.ndarray, context: int) -> tuple[Path, np.ndarray]:
    """``folder/<k>/gt1.png …, pd<context+1>.png …`` as PredRNN's trainer.test writes them;
    returns the folder and the predicted uint8 frames (N, T - context, H, W)."""
    n, t = whole_u8.shape[:2]
    pred = np.uint8(np.clip(predicted(whole_u8[:, context:] / 255.0), 0, 1) * 255)
    for i in range(n):
        seq = folder / str(i + 1)
        seq.mkdir(parents=True)
        for k in range(t):
            Image.fromarray(whole_u8[i, k]).save(seq / f"gt{k + 1}.png")
        for k in range(t - context):
            Image.fromarray(pred[i, k]).save(seq / f"pd{context + k + 1}.png")
    return folder, pred
