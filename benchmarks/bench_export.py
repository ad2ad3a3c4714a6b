"""Export speed: our GIF writer against matplotlib FuncAnimation + PillowWriter, in one run.

The baseline is the usual tutorial code (imshow, FuncAnimation updating the image, saved with
the pillow writer, default figure). matplotlib is only needed for the baseline; without it the
baseline is skipped with a message. Also timed: a 4×4 grid GIF of 20 frames at scale 2, and
mosaic updates per second for a 4×4 grid of 64×64 frames (the grid view needs ≥ 300/s).

Run from the project root:  python benchmarks/bench_export.py [../shared/data/mnist]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageSequence
from timing import best_of

from mnist_viewer.core.output.encoders import write_gif
from mnist_viewer.core.output.export import grid_frames
from mnist_viewer.core.output.mosaic import mosaic
from mnist_viewer.core.sequences import ArraySequenceSet
from mnist_viewer.core.sources.datasets import load_dataset

T, SIZE = 20, 64


def bouncing(images: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """(n, T, 64, 64): two real digits per sequence moving and bouncing off the edges."""
    rng = np.random.default_rng(seed)
    out = np.zeros((n, T, SIZE, SIZE), np.uint8)
    for i in range(n):
        for digit in images[rng.choice(len(images), 2, replace=False)]:
            pos, vel = rng.uniform(0, SIZE - 28, 2), rng.uniform(-3, 3, 2)
            for t in range(T):
                pos = pos + vel
                bounce = (pos < 0) | (pos > SIZE - 28)
                vel[bounce] *= -1
                pos = np.clip(pos, 0, SIZE - 28)
                y, x = np.rint(pos).astype(int)
                view = out[i, t, y : y + 28, x : x + 28]
                np.maximum(view, digit, out=view)
    return out


def decode(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.stack([np.array(f.convert("L")) for f in ImageSequence.Iterator(im)])


def matplotlib_gif(frames: np.ndarray, path: Path) -> None:
    """The article's method: FuncAnimation over imshow, saved with the pillow writer."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    fig, ax = plt.subplots()
    image = ax.imshow(frames[0], cmap="gray", vmin=0, vmax=255)

    def update(t: int) -> tuple[Any, ...]:
        image.set_data(frames[t])
        return (image,)

    anim = FuncAnimation(fig, update, frames=len(frames), interval=100, blit=True)
    anim.save(path, writer="pillow", fps=10)
    plt.close(fig)


def naive_mosaic(frames: np.ndarray, rows: int, cols: int, gap: int = 1) -> np.ndarray:
    """A plain per-cell loop allocating a new image each time (what one writes first)."""
    h, w = frames.shape[-2:]
    out = np.full((rows * h + (rows - 1) * gap, cols * w + (cols - 1) * gap), 64, np.uint8)
    for k in range(rows * cols):
        r, c = divmod(k, cols)
        cell = frames[k] if k < len(frames) else 0
        out[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = cell
    return out


def main() -> None:
    source = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/mnist"
    try:
        images = load_dataset(source, "test").images
    except Exception as exc:  # benchmark convenience: fall back to the embedded subset
        print(f"({exc}; using the embedded subset)")
        images = load_dataset("embedded", "test").images
    sets = bouncing(images, 16)
    tmp = Path(tempfile.mkdtemp(prefix="bench_export."))
    try:
        run(images, sets, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(images: np.ndarray, sets: np.ndarray, tmp: Path) -> None:
    seq = sets[0]

    ours_path = tmp / "ours.gif"
    ours = best_of(lambda: write_gif(ours_path, seq, fps=10), runs=20)
    exact = np.array_equal(decode(ours_path), seq)
    print(f"{T}-frame {SIZE}x{SIZE} GIF, ours (write_gif)      : best {ours[0]*1e3:8.2f} ms"
          f"  median {ours[1]*1e3:8.2f} ms  exact pixels: {exact}")
    big_path = tmp / "ours8.gif"
    ours8 = best_of(lambda: write_gif(big_path, seq, fps=10, scale=8), runs=5)
    print(f"same, ours at scale 8 (512x512)            : best {ours8[0]*1e3:8.2f} ms")

    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("matplotlib is not installed: baseline skipped (pip install matplotlib)")
        mpl = None
    else:
        mpl_path = tmp / "mpl.gif"
        mpl = best_of(lambda: matplotlib_gif(seq, mpl_path), runs=3)
        with Image.open(mpl_path) as im:
            size, count = im.size, im.n_frames
        print(f"matplotlib FuncAnimation + PillowWriter     : best {mpl[0]*1e3:8.2f} ms"
              f"  ({count} frames of {size[0]}x{size[1]}, figure pixels, not the data)")
        print(f"ratio matplotlib / ours (64x64)            : {mpl[0] / ours[0]:8.1f}x")
        print(f"ratio matplotlib / ours at scale 8         : {mpl[0] / ours8[0]:8.1f}x")

    grid = ArraySequenceSet(sets)
    grid_path = tmp / "grid.gif"

    def grid_gif() -> None:
        write_gif(grid_path, grid_frames(grid, 4, 4, scale=2), fps=10)

    g = best_of(grid_gif, runs=5)
    exact = np.array_equal(decode(grid_path), grid_frames(grid, 4, 4, scale=2))
    h, w = decode(grid_path).shape[1:]
    print(f"4x4 grid GIF, {T} frames, scale 2 ({w}x{h})  : best {g[0]*1e3:8.2f} ms"
          f"  median {g[1]*1e3:8.2f} ms  exact pixels: {exact}")

    cells = np.ascontiguousarray(sets.transpose(1, 0, 2, 3))  # (T, 16, 64, 64)
    buf = np.empty((4 * SIZE + 3, 4 * SIZE + 3), np.uint8)
    n = 3000

    def ours_updates() -> None:
        for i in range(n):
            mosaic(cells[i % T], 4, 4, out=buf)

    def naive_updates() -> None:
        for i in range(n):
            naive_mosaic(cells[i % T], 4, 4)

    assert np.array_equal(mosaic(cells[3], 4, 4), naive_mosaic(cells[3], 4, 4))
    m = best_of(ours_updates, runs=3)[0]
    m0 = best_of(naive_updates, runs=3)[0]
    print(f"mosaic 4x4 of 64x64, ours (out= buffer)    : {n / m:10.0f} updates/s")
    print(f"mosaic 4x4 of 64x64, per-cell loop         : {n / m0:10.0f} updates/s"
          f"  (ratio {m0 / m:.2f}x)")


if __name__ == "__main__":
    main()
