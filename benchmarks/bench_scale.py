"""Whole-set work at scale, each figure against a baseline measured in the same run.

* frame-difference statistics of a set vs one read-through of its frames
  (``np.load(path, mmap_mode="r").sum()``, warm page cache; target <= 2x);
* writing .npz vs the same frames as .npy (target <= 1.3x);
* generate + save to Zarr on 1, 2 and os.cpu_count() workers (median of 3; target 2 workers
  >= 1.4x one worker on a 2-core machine);
* memory, each job in a fresh process (its own peak RSS, ``VmHWM``; target < 500 MB): the
  first frame of a 10,000,000-sequence set (time, target < 50 ms), statistics of a
  1,000,000-sequence generated set, generating 100,000 sequences to Zarr and saving them
  to .npy (``--memory-only`` runs just these).

Run: ``python benchmarks/bench_scale.py [--stats-num 10000] [--zarr-num 100000]``; appends
its figures to benchmarks/RESULTS.md. The machine's load is printed: figures taken while
other work runs on the same cores are not the machine's best.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from timing import best_of, run_with_peak_rss

from mnist_viewer.core import analysis
from mnist_viewer.core.compute import Engine, cpu_count
from mnist_viewer.core.files import open_sequences, save_sequences
from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.sequences import ArraySequenceSet
from mnist_viewer.core.sources.datasets import load_dataset

MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
lines: list[str] = []


def say(text: str) -> None:
    print(text, flush=True)
    lines.append(text)


def median_of(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stats-num", type=int, default=10_000)
    parser.add_argument("--zarr-num", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--memory-stats-num", type=int, default=1_000_000)
    parser.add_argument("--memory-frames-num", type=int, default=1_000_000,
                        help="sequences for the statistics with frames (rendering them all)")
    parser.add_argument("--memory-save-num", type=int, default=100_000)
    parser.add_argument("--memory-only", action="store_true")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-zarr", action="store_true", help="skip the Zarr scaling part")
    parser.add_argument("--no-files", action="store_true",
                        help="skip the statistics and .npz parts")
    parser.add_argument("--zarr-threads", action="store_true",
                        help="also time 2 workers as threads of this process")
    parser.add_argument("--zarr-runs", type=int, default=3,
                        help="runs per worker count (the median is printed)")
    args = parser.parse_args()
    data = load_dataset(MNIST if MNIST.is_dir() else None, "train")
    say(f"load average {os.getloadavg()[0]:.1f} on {cpu_count()} cores at the start")
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        if not args.memory_only:
            if not args.no_files:
                bench_files(Path(tmp), data, args.stats_num, args.runs)
            if not args.no_zarr:
                bench_zarr(Path(tmp), data, args.zarr_num, args.zarr_runs, args.zarr_threads)
        if not args.no_memory:
            bench_memory(Path(tmp), args.memory_stats_num, args.memory_frames_num,
                         args.memory_save_num)
    say(f"load average {os.getloadavg()[0]:.1f} at the end")
    with open(Path(__file__).with_name("RESULTS.md"), "a", encoding="utf-8") as fp:
        fp.write(f"\n## bench_scale.py ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})"
                 f"\n```\n" + "\n".join(lines) + "\n```\n")


def bench_files(tmp: Path, data, n: int, runs: int) -> None:
    """Statistics vs a read-through, .npz vs .npy writes."""
    seqs = generate(GeneratorConfig(num_sequences=n, seed=1), data)
    npy = save_sequences(tmp / "set.npy", seqs)  # mnist_test_seq's (T, N, H, W)
    size = npy.stat().st_size / 1e6

    def read_through() -> None:
        np.load(npy, mmap_mode="r").sum()

    read_through()  # warm the page cache
    t_read = best_of(read_through, runs)[0]
    opened = open_sequences(npy)
    t_stats = best_of(lambda: analysis.set_frame_stats(opened), runs)[0]
    say(f"stats of {n} sequences ({size:.0f} MB .npy): read-through {t_read:6.2f} s, "
        f"frame statistics {t_stats:6.2f} s, ratio {t_stats / t_read:4.2f}x (target <= 2)")

    frames = np.ascontiguousarray(opened.chunk(0, n))
    plain = ArraySequenceSet(frames)
    target_npy, target_npz = tmp / "w.npy", tmp / "w.npz"
    t_npy = best_of(lambda: save_sequences(target_npy, plain, layout="torchvision"),
                    runs)[0]
    t_npz = best_of(lambda: save_sequences(target_npz, plain), runs)[0]
    say(f"write {frames.nbytes / 1e6:.0f} MB (fsync'ed): .npy {t_npy:6.2f} s, .npz "
        f"{t_npz:6.2f} s, ratio {t_npz / t_npy:4.2f}x (target <= 1.3)")
    npy.unlink()


def bench_zarr(tmp: Path, data, num: int, runs: int, threads: bool = False) -> None:
    """generate + save to Zarr on 1, 2 and cpu_count() workers."""
    big = generate(GeneratorConfig(num_sequences=num, seed=2), data)
    out = tmp / "g.zarr"
    results = {}
    variants = [("1 worker (threaded)", Engine(workers=1)),
                ("2 workers (processes)", Engine(workers=2))]
    if threads:
        variants.insert(1, ("2 workers (threads)", Engine(workers=2, processes=False)))
    if cpu_count() > 2:
        variants.append((f"{cpu_count()} workers (processes)", Engine(workers=cpu_count())))
    for name, engine in variants:
        def run(engine: Engine = engine) -> None:
            save_sequences(out, big, engine=engine)
            shutil.rmtree(out, ignore_errors=True)
        results[name] = median_of(run, runs)
        say(f"generate+save {num} sequences to Zarr, {name:22s}: "
            f"{results[name]:7.2f} s (median of {runs}), "
            f"{num / results[name]:8.0f} sequences/s")
    one = results["1 worker (threaded)"]
    for name, seconds in results.items():
        say(f"  scaling {name:22s}: {one / seconds:4.2f}x one worker (target 2 workers >= 1.4)")


# each memory job runs in a fresh interpreter; its last line is printed as the figure
_PRELUDE = f"""
import sys, time
from pathlib import Path
from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.sources.datasets import load_dataset
mnist = Path({str(MNIST)!r})
data = load_dataset(mnist if mnist.is_dir() else None, "train")
"""
_JOBS = {
    "first frame": """
t0 = time.perf_counter()
s = generate(GeneratorConfig(num_sequences=N, seed=5), data)
s.frame(0, 0)
print(f"first frame in {1000 * (time.perf_counter() - t0):.1f} ms (target < 50)")
""",
    "statistics": """
from mnist_viewer.core import analysis
s = generate(GeneratorConfig(num_sequences=N, seed=3), data)
t0, c0 = time.perf_counter(), time.process_time()
st = analysis.set_statistics(s)
print(f"wall {time.perf_counter() - t0:.0f} s, cpu {time.process_time() - c0:.0f} s, "
      f"overlap fraction {st.ground_truth.overlap.fraction:.4f}")
""",
    "ground-truth statistics": """
from mnist_viewer.core.analysis import ground_truth_sums as g
s = generate(GeneratorConfig(num_sequences=N, seed=3), data)
t0 = time.perf_counter()
acc = g.GroundTruthAccumulator(s.num_frames)
geometry = g.GroundTruthGeometry((64, 64), (28, 28), 0.1)
for a in range(0, N, 1024):  # the chunk task of set_statistics, without the frames
    acc.merge(g.chunk_ground_truth_sums(s.ground_truth_for(a, min(N, a + 1024)), geometry, a))
result = acc.result()
print(f"wall {time.perf_counter() - t0:.0f} s, overlap fraction {result.overlap.fraction:.4f}")
""",
    "generate to Zarr": """
from mnist_viewer.core.files import save_sequences
s = generate(GeneratorConfig(num_sequences=N, seed=2), data)
t0 = time.perf_counter()
save_sequences(Path(OUT) / "m.zarr", s)
print(f"wall {time.perf_counter() - t0:.0f} s")
""",
    "save to .npy": """
from mnist_viewer.core.files import save_sequences
s = generate(GeneratorConfig(num_sequences=N, seed=2), data)
t0 = time.perf_counter()
save_sequences(Path(OUT) / "m.npy", s)
print(f"wall {time.perf_counter() - t0:.0f} s")
""",
}


def peak_rss(code: str) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter: (its peak RSS in MB, its last output line)."""
    peak, out, err, code_ = run_with_peak_rss([sys.executable, "-c", code])
    if code_:
        raise RuntimeError(f"memory job failed ({code_}): {out}{err}")
    return peak, (out.strip().splitlines() or [""])[-1]


def bench_memory(tmp: Path, stats_num: int, frames_num: int, save_num: int) -> None:
    """Peak memory of whole-set jobs, each in its own process (target < 500 MB)."""
    base, _ = peak_rss(_PRELUDE + "print('')")
    say(f"peak RSS of a process that only loads MNIST: {base:.0f} MB")
    for name, num in (("first frame", 10_000_000), ("ground-truth statistics", stats_num),
                      ("statistics", frames_num),
                      ("generate to Zarr", save_num), ("save to .npy", save_num)):
        code = _PRELUDE + f"N = {num}\nOUT = {str(tmp)!r}\n" + _JOBS[name]
        rss, line = peak_rss(code)
        say(f"{name:23s} {num:>10,} sequences: peak RSS {rss:5.0f} MB (target < 500); {line}"
            f"  [load {os.getloadavg()[0]:.1f}]")
        for leftover in tmp.glob("m.*"):
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()


if __name__ == "__main__":
    sys.exit(main())
