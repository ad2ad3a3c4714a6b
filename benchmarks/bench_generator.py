"""Generator speed, measured side by side with a plain reference in the same run.

1. Rendering 10,000 x 20 x 64 x 64 into a warm buffer, against the original algorithm's
   rendering written as plain per-sequence, per-digit, per-frame numpy slicing (same
   trajectories, same digits; the frames must be bit-identical). Target: at least 5x.
2. Writing the standard 10,000-sequence set to .npy (T, N, H, W), against a plain buffered
   write of the same bytes (both fsync'ed: the disk is the limit). Target: within 1.3x.
   Peak memory of generating and writing 100,000 sequences (a subprocess; VmHWM).
   Target: under 300 MB.
3. A new 10,000-sequence set ready to show its first frame (dataset already loaded).
   Target: under 50 ms.

Run: ``python benchmarks/bench_generator.py [--data PATH] [--peak-sequences N] [--tmp DIR]``.
The output is also written to ``benchmarks/RESULTS-generator.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from timing import best_of

from mnist_viewer.core.files import save_sequences
from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.generation.render import render
from mnist_viewer.core.sources.datasets import Dataset, load_dataset

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "mnist"
N, T, SIZE = 10_000, 20, 64
lines: list[str] = []


def say(text: str = "") -> None:
    print(text, flush=True)
    lines.append(text)


# --- the plain reference: the original algorithm, straightforwardly ---------------------------

def reference_trajectories(n: int, frames: int, rng: np.random.Generator) -> np.ndarray:
    """(n, frames, 2) (top, left) of one digit each, one digit and one frame at a time."""
    out = np.zeros((n, frames, 2), dtype=np.int64)
    for i in range(n):
        y, x = rng.random(), rng.random()
        theta = rng.random() * 2 * np.pi
        vy, vx = np.sin(theta), np.cos(theta)
        for t in range(frames):
            y += vy * 0.1
            x += vx * 0.1
            if x <= 0:
                x, vx = 0.0, -vx
            if x >= 1.0:
                x, vx = 1.0, -vx
            if y <= 0:
                y, vy = 0.0, -vy
            if y >= 1.0:
                y, vy = 1.0, -vy
            out[i, t] = int(36 * y), int(36 * x)
    return out


def reference_render(positions: np.ndarray, index: np.ndarray, digits: np.ndarray,
                     out: np.ndarray) -> None:
    """Per sequence, per digit, per frame: slice the patch and take the maximum."""
    out[...] = 0
    n, frames, d = positions.shape[:3]
    for i in range(n):
        for j in range(d):
            digit = digits[index[i, j]]
            for t in range(frames):
                top, left = positions[i, t, j]
                region = out[i, t, top:top + 28, left:left + 28]
                out[i, t, top:top + 28, left:left + 28] = np.maximum(region, digit)


# --- 1. rendering -----------------------------------------------------------------------------

def bench_render(mnist: Dataset) -> None:
    say("## 1. Rendering 10,000 x 20 x 64 x 64 into a warm buffer")
    seqs = generate(GeneratorConfig(num_sequences=N, seed=1), mnist)
    truth = seqs.ground_truth
    ours = np.ones((N, T, SIZE, SIZE), dtype=np.uint8)
    plain = np.ones((N, T, SIZE, SIZE), dtype=np.uint8)
    t_ours = best_of(lambda: render(truth, mnist.images, 0, N, out=ours), 3)[0]
    t_plain = best_of(lambda: reference_render(truth.positions, truth.digit_index,
                                                  mnist.images, plain), 2)[0]
    same = np.array_equal(ours, plain)
    frames = N * T
    say(f"reference (per-sequence/digit/frame slicing): {t_plain:7.3f} s "
        f"({frames / t_plain:10,.0f} frames/s)")
    say(f"ours (vectorised records, cache-sized chunks): {t_ours:7.3f} s "
        f"({frames / t_ours:10,.0f} frames/s)")
    say(f"speed-up: {t_plain / t_ours:.1f}x (target >= 5x); bit-identical: {same}")
    if not same:
        raise SystemExit("FRAMES DIFFER")
    # the whole original pipeline for context: trajectories + rendering + np.save
    with tempfile.TemporaryDirectory(dir=ARGS.tmp) as tmp:
        rng = np.random.default_rng(0)

        def reference_pipeline() -> None:
            pos = np.stack([reference_trajectories(N, T, rng) for _ in range(2)], axis=2)
            index = rng.integers(0, len(mnist), (N, 2))
            reference_render(pos, index, mnist.images, plain)
            np.save(Path(tmp) / "ref.npy", plain.transpose(1, 0, 2, 3))

        def our_pipeline() -> None:
            save_sequences(Path(tmp) / "ours.npy",
                           generate(GeneratorConfig(num_sequences=N, seed=2), mnist))

        t_ref_all = best_of(reference_pipeline, 1)[0]
        t_our_all = best_of(our_pipeline, 1)[0]
    say(f"whole pipeline to .npy, reference (trajectories + render + np.save): "
        f"{t_ref_all:6.2f} s; ours (generate + save_sequences, fsync'ed): {t_our_all:6.2f} s "
        f"({t_ref_all / t_our_all:.1f}x)")
    say()


# --- 2. writing -------------------------------------------------------------------------------

def plain_write(path: Path, data: np.ndarray, sync: bool) -> None:
    view = memoryview(data.reshape(-1))
    step = 8 << 20
    with open(path, "wb") as fp:
        for i in range(0, len(view), step):
            fp.write(view[i:i + step])
        if sync:
            fp.flush()
            os.fsync(fp.fileno())


def bench_write(mnist: Dataset) -> None:
    say("## 2. Writing the standard 10,000-sequence set to .npy (T, N, H, W)")
    seqs = generate(GeneratorConfig(num_sequences=N, seed=3), mnist)
    data = np.ascontiguousarray(seqs.chunk(0, N).transpose(1, 0, 2, 3))
    size_mb = data.nbytes / 1e6
    with tempfile.TemporaryDirectory(dir=ARGS.tmp) as tmp:
        raw, npy = Path(tmp) / "plain.bin", Path(tmp) / "ours.npy"

        def timed(fn, path: Path) -> float:
            elapsed = best_of(fn, 1)[0]
            path.unlink()
            return elapsed

        plain_sync, plain_cache, ours = [], [], []
        for _ in range(3):  # interleaved, so disk hiccups hit both sides
            plain_sync.append(timed(lambda: plain_write(raw, data, True), raw))
            plain_cache.append(timed(lambda: plain_write(raw, data, False), raw))
            ours.append(timed(lambda: save_sequences(npy, seqs), npy))
        save_sequences(npy, seqs)
        same = np.array_equal(np.load(npy, mmap_mode="r"), data)
    p_sync, p_cache, o = min(plain_sync), min(plain_cache), min(ours)
    say(f"plain buffered write of the same {size_mb:,.0f} MB + fsync: {p_sync:6.3f} s "
        f"({size_mb / p_sync:6.0f} MB/s); without fsync (page cache only): {p_cache:6.3f} s")
    say(f"ours (render + write + fsync, one process): {o:6.3f} s "
        f"({size_mb / o:6.0f} MB/s); file equals the frames: {same}")
    say(f"ratio: {o / p_sync:.2f}x the plain write (target <= 1.3x); medians "
        f"{statistics.median(ours):.3f} s vs {statistics.median(plain_sync):.3f} s")
    peak = subprocess.run(
        [sys.executable, __file__, "--peak-child", str(ARGS.peak_sequences), "--data",
         str(ARGS.data), "--tmp", str(ARGS.tmp or tempfile.gettempdir())],
        check=True, capture_output=True, text=True,
    )
    result = json.loads(peak.stdout.strip().splitlines()[-1])
    gb = result["bytes"] / 1e9
    say(f"peak memory generating and writing {result['n']:,} sequences ({gb:.1f} GB .npy in "
        f"{result['seconds']:.1f} s): {result['peak_mb']:.0f} MB (target < 300 MB)")
    say(f"  (Python + numpy + the loaded train split hold {result['loaded_mb']:.0f} MB, "
        f"{result['loading_peak_mb']:.0f} MB at the peak of loading it; the ground truth of "
        f"100,000 sequences is {result['truth_mb']:.0f} MB)")
    say()


def peak_child(n: int) -> None:
    """Runs in a fresh process: generate and write n sequences, report the peak RSS."""

    def rss_mb(field: str = "VmHWM") -> float:
        # VmHWM is this process's own peak; ru_maxrss can carry over a big parent's through
        # fork + exec on Linux
        status = Path("/proc/self/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return rss / (1 << 20) if sys.platform == "darwin" else rss / 1024

    mnist = load_dataset(ARGS.data, "train")
    loading_peak, loaded = rss_mb(), rss_mb("VmRSS")
    with tempfile.TemporaryDirectory(dir=ARGS.tmp) as tmp:
        start = time.perf_counter()
        seqs = generate(GeneratorConfig(num_sequences=n, seed=4), mnist)
        truth = seqs.ground_truth
        truth_bytes = sum(getattr(truth, k).nbytes for k in
                          ("labels", "digit_index", "positions", "start", "velocity", "boxes"))
        path = save_sequences(Path(tmp) / "big.npy", seqs)
        seconds = time.perf_counter() - start
        size = path.stat().st_size
    print(json.dumps({"n": n, "peak_mb": rss_mb(), "loaded_mb": loaded,
                      "loading_peak_mb": loading_peak,
                      "truth_mb": truth_bytes / (1 << 20), "seconds": seconds, "bytes": size}))


# --- 3. first frame ---------------------------------------------------------------------------

def bench_first_frame(mnist: Dataset) -> None:
    say("## 3. A new 10,000-sequence set ready to show its first frame")

    def first_frame(dataset: Dataset, seed: int, motion: str = "original") -> float:
        start = time.perf_counter()
        seqs = generate(GeneratorConfig(num_sequences=N, motion=motion, seed=seed), dataset)
        seqs.frame(0, 0)
        return time.perf_counter() - start

    cold = []
    for seed in range(5):  # a split loaded afresh: its digits' ink boxes not yet known
        fresh = Dataset(mnist.images.copy(), mnist.labels, "train", mnist.name, "copy")
        cold.append(first_frame(fresh, 200 + seed))
    warm = [first_frame(mnist, 100 + seed) for seed in range(10)]

    def ms(times: list[float]) -> str:
        return (f"median {statistics.median(times) * 1e3:5.1f} ms, best {min(times) * 1e3:5.1f}"
                f" ms, worst {max(times) * 1e3:5.1f} ms")

    say(f"generate() + frame(0, 0), first set from a freshly loaded split: {ms(cold)}")
    say(f"generate() + frame(0, 0), further sets from the same split:      {ms(warm)}")
    say("(target < 50 ms)")
    for motion in ("reflect", "stochastic"):
        say(f"  {motion}, further set: {first_frame(mnist, 7, motion) * 1e3:5.1f} ms")
    say()


def main() -> None:
    if ARGS.peak_child:
        peak_child(ARGS.peak_child)
        return
    say("# Generator benchmark")
    say(f"{platform.platform()}, Python {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d %H:%M')}")
    say()
    mnist = load_dataset(ARGS.data, "train")
    bench_render(mnist)
    bench_write(mnist)
    bench_first_frame(mnist)
    (HERE / "RESULTS-generator.md").write_text(
        "```\n" + "\n".join(lines) + "\n```\n"
        "Written by `python benchmarks/bench_generator.py`; figures from one run on the "
        "machine named above.\n"
    )


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", default=os.environ.get("MNIST_VIEWER_DATA", str(DEFAULT_DATA)),
                    help="the MNIST folder (default: ../shared/data/mnist or $MNIST_VIEWER_DATA)")
parser.add_argument("--peak-sequences", type=int, default=100_000, metavar="N",
                    help="sequences for the peak-memory run (default 100,000: an 8.2 GB file)")
parser.add_argument("--tmp", default=None, help="where to write temporary files")
parser.add_argument("--peak-child", type=int, default=0, help=argparse.SUPPRESS)
ARGS = parser.parse_args() if __name__ == "__main__" else parser.parse_args([])

if __name__ == "__main__":
    main()
