"""Per-block generation and the MovingMNIST training-loop dataset, against baselines measured
in the same run.

1. Time and peak memory until the first frame of a new lazy set of 10,000 / 1,000,000 /
   1,000,000,000 sequences (dataset already loaded), against the generator before per-block
   draws (commit 684fbbd, run from a git archive in a subprocess), which drew everything and
   computed the whole ground truth up front. Target: under 50 ms for any size.
2. Random access (shuffled order) in sequences/s through ``MovingMNIST[i]`` in one process,
   against ``GeneratedSequenceSet.sequence(i)`` of that old generator (the "4,600/s" of
   issue 15) and of the current one. Target: at least 5,000/s per worker.

Run: ``python benchmarks/bench_training.py [--data PATH] [--baseline COMMIT]``; appends its
output to ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "mnist"
lines: list[str] = []

PROBE = r"""
import json, resource, sys, time
import numpy as np
from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.sources.datasets import load_dataset
data, n, kind, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
ds = load_dataset(data, "train")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {}
if kind == "first":
    t0, c0 = time.perf_counter(), time.process_time()
    seqs = generate(GeneratorConfig(num_sequences=n, seed=1), ds)
    seqs.frame(0, 0)
    out["seconds"], out["cpu"] = time.perf_counter() - t0, time.process_time() - c0
elif kind == "lazy-set":
    seqs = generate(GeneratorConfig(num_sequences=n, seed=1), ds)
    order = np.random.default_rng(0).integers(0, n, count)
    seqs.sequence(int(order[0]))
    t0, c0 = time.perf_counter(), time.process_time()
    for i in order.tolist():
        seqs.sequence(i)
    out["rate"], out["cpu_rate"] = (count / (time.perf_counter() - t0),
                                    count / (time.process_time() - c0))
else:
    from mnist_viewer.core.generation.dataset import MovingMNIST
    mm = MovingMNIST(n, seed=1, data=ds)
    order = np.random.default_rng(0).integers(0, n, count)
    mm[int(order[0])]
    t0, c0 = time.perf_counter(), time.process_time()
    for i in order.tolist():
        mm[i]
    out["rate"], out["cpu_rate"] = (count / (time.perf_counter() - t0),
                                    count / (time.process_time() - c0))
out["extra_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps(out))
"""


def say(text: str = "") -> None:
    print(text, flush=True)
    lines.append(text)


def probe(path: Path, data: Path, n: int, kind: str, count: int = 0) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(path)}
    # run from a neutral folder: "python -c" puts the working folder first on sys.path
    result = subprocess.run([sys.executable, "-c", PROBE, str(data), str(n), kind, str(count)],
                            env=env, capture_output=True, text=True, check=True,
                            cwd=tempfile.gettempdir())
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--baseline", default="684fbbd", help="commit before per-block draws")
    parser.add_argument("--count", type=int, default=2000, help="random accesses per variant")
    parser.add_argument("--baseline-max", type=int, default=1_000_000,
                        help="largest set to time the old generator on (it is O(N))")
    args = parser.parse_args()
    say(f"## bench_training.py ({platform.machine()}, {os.cpu_count()} CPUs, load "
        f"{os.getloadavg()[0]:.1f}; CPU time is the fair figure on a loaded machine)")
    say("```")
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline,
                                  "mnist_viewer"], capture_output=True, check=False)
        have_old = archive.returncode == 0
        if have_old:
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
        else:
            say(f"(no baseline: git archive {args.baseline} failed)")
        for n in (10_000, 100_000, 1_000_000, 1_000_000_000):
            new = probe(ROOT, args.data, n, "first")
            text = (f"first frame, N={n:>13,}: now {new['seconds'] * 1e3:7.1f} ms wall "
                    f"{new['cpu'] * 1e3:7.1f} ms CPU +{new['extra_mb']:5.0f} MB (target < 50 ms)")
            if have_old and n <= args.baseline_max:
                base = probe(old, args.data, n, "first")
                text += (f"; before {base['seconds'] * 1e3:7.1f} ms wall {base['cpu'] * 1e3:7.1f}"
                         f" ms CPU +{base['extra_mb']:5.0f} MB ({base['cpu'] / new['cpu']:.0f}x)")
            say(text)
        for n in (10_000, 1_000_000):
            new = probe(ROOT, args.data, n, "dataset", args.count)
            lazy = probe(ROOT, args.data, n, "lazy-set", args.count)
            text = (f"random access /s (wall, CPU), N={n:>9,}: MovingMNIST[i] "
                    f"{new['rate']:6.0f} {new['cpu_rate']:6.0f} (target >= 5,000); lazy set now "
                    f"{lazy['rate']:6.0f} {lazy['cpu_rate']:6.0f}")
            if have_old and n <= 10_000:
                base = probe(old, args.data, n, "lazy-set", args.count)
                text += (f"; lazy set before {base['rate']:6.0f} {base['cpu_rate']:6.0f} "
                         f"(CPU ratio {new['cpu_rate'] / base['cpu_rate']:.2f}x)")
            say(text)
    say("```")
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as f:
        f.write("\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
