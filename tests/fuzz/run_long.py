"""The long fuzz run for developers: every property with many examples, all escapes collected.

    nice -n 10 python tests/fuzz/run_long.py [EXAMPLES_PER_PROPERTY] [--jobs N] [pytest args]

Runs ``pytest -m fuzz tests/fuzz`` with ``MNIST_VIEWER_FUZZ_LONG`` examples per property
(default 1,700: about 12,000 cases in all, since the IDX property makes two cases per example)
in collect mode (``MNIST_VIEWER_FUZZ_COLLECT``): an escaped exception or a hang is counted by
its signature and its first inputs are kept in ``fuzz-findings/`` instead of stopping the
property. Prints the figures (cases / refused / accepted / tracebacks / hangs per kind of case),
appends them to ``fuzz-findings/report.jsonl``, and exits 1 when anything escaped or hung.

``--jobs N`` runs the properties in N processes (round robin) and adds up their figures (the
peak memory is the largest of theirs). ``--sum`` only adds up and prints the figures last
saved in ``fuzz-findings/report-*.jsonl`` (runs started by hand with their own
``MNIST_VIEWER_FUZZ_REPORT``, or runs stopped early: figures are saved every 250 cases).

The address space of each process is capped at :data:`ADDRESS_SPACE` so that a reader
allocating without checking fails (MemoryError: a finding) instead of swapping a shared
machine.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ADDRESS_SPACE = 4 * 2**30
PROPERTIES = ["npy_headers", "npz_members", "predrnn_arrays", "idx_files", "mutated_files",
              "keras_npz"]


def _one(examples: str, findings: Path, rest: list[str]) -> int:
    os.environ["MNIST_VIEWER_FUZZ_LONG"] = examples
    os.environ["MNIST_VIEWER_FUZZ_COLLECT"] = str(findings)
    os.environ.setdefault("MNIST_VIEWER_FUZZ_REPORT", str(findings / "report.jsonl"))
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, resource.getrlimit(
        resource.RLIMIT_AS)[1]))
    sys.path.insert(0, str(HERE))
    code = pytest.main([str(HERE), "-m", "fuzz", "-q", "-p", "no:cacheprovider", *rest])
    import fuzz_harness

    tally = fuzz_harness.TALLY
    escaped = tally["tracebacks"] + tally["hangs"] + tally["over_memory"]
    print(f"findings (inputs that escaped or hung): {findings}" if escaped else
          "no tracebacks, no hangs")
    return 1 if escaped or code not in (0, 5) else 0


def _parallel(examples: str, jobs: int, findings: Path, rest: list[str]) -> int:
    reports = [findings / f"report-{i}.jsonl" for i in range(jobs)]
    children = []
    for i, report in enumerate(reports):
        report.unlink(missing_ok=True)
        chosen = " or ".join(f"{name}_long" for name in PROPERTIES[i::jobs])
        env = {**os.environ, "MNIST_VIEWER_FUZZ_REPORT": str(report)}
        children.append(subprocess.Popen(
            [sys.executable, __file__, examples, "-k", chosen, *rest], env=env,
            stdout=subprocess.DEVNULL))
    codes = [child.wait() for child in children]
    escaped = _add_up(reports, findings, jobs)
    return 1 if escaped or any(code not in (0, 5) for code in codes) else 0


def _add_up(reports: list[Path], findings: Path, jobs: int) -> int:
    """Print the figures last saved in ``reports``, added up; the count of escapes."""
    total: Counter[str] = Counter()
    peak = 0.0
    for report in reports:
        lines = report.read_text(encoding="utf-8").splitlines() if report.exists() else []
        if lines:
            last = json.loads(lines[-1])
            peak = max(peak, last.pop("peak_rss_mb", 0.0))
            last.pop("time", None)
            total.update(last)
    sys.path.insert(0, str(HERE))
    import fuzz_harness

    print("\n".join(fuzz_harness.summary_lines(total, peak)))
    with open(findings / "report.jsonl", "a", encoding="utf-8") as fp:
        fp.write(json.dumps(dict(total, peak_rss_mb=peak, jobs=jobs)) + "\n")
    escaped = total["tracebacks"] + total["hangs"] + total["over_memory"]
    print(f"findings (inputs that escaped or hung): {findings}" if escaped else
          "no tracebacks, no hangs")
    return escaped


def main(argv: list[str]) -> int:
    examples = argv[0] if argv and argv[0].isdigit() else "1700"
    rest = argv[1:] if argv and argv[0].isdigit() else list(argv)
    jobs = 1
    if "--jobs" in rest:
        at = rest.index("--jobs")
        jobs = int(rest[at + 1])
        del rest[at:at + 2]
    findings = Path(os.environ.get("MNIST_VIEWER_FUZZ_COLLECT", "fuzz-findings")).resolve()
    findings.mkdir(parents=True, exist_ok=True)
    if "--sum" in rest:
        reports = sorted(findings.glob("report-*.jsonl"))
        return 1 if _add_up(reports, findings, len(reports)) else 0
    if jobs > 1:
        return _parallel(examples, jobs, findings, rest)
    return _one(examples, findings, rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
