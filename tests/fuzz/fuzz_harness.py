"""What every fuzz case does with a file, and what counts as a pass.

A case writes one file (or folder), then runs the readers a user can reach on it
(``describe_sequences``/``open_sequences`` + frame access + CRC check for sequence files,
``open_dataset`` for datasets, ``read_idx`` for IDX). It passes when the result is sane (uint8
frames of the declared shape) or a :class:`DataError` whose one-line message names the file;
any other exception, or a case running past :data:`CASE_TIMEOUT` seconds, fails it.

Figures (cases, refusals, accepted, tracebacks, hangs; in all and per kind of case) are kept in
:data:`TALLY`, printed at the end of the run (:func:`summary_lines`) and, when
``MNIST_VIEWER_FUZZ_REPORT`` names a file, appended there as JSON lines.

With ``MNIST_VIEWER_FUZZ_COLLECT=DIR`` (the long run of ``tests/fuzz/run_long.py``) an escaped
exception or a hang does not stop the property: it is counted by its signature (exception type
and the innermost line of ours it passed), the first few inputs of each signature are copied to
DIR, and the run goes on, so one run finds every kind instead of the first one.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from mnist_viewer.core import files as sequence_files
from mnist_viewer.core.errors import DataError
from mnist_viewer.core.files.stored import verify_file
from mnist_viewer.core.sources.datasets import open_dataset
from mnist_viewer.core.sources.idx import read_idx

CASE_TIMEOUT = 60
"""Seconds (wall clock) one case may take before it counts as a hang: far beyond any case's
real need (well under a second), with room for a heavily loaded machine."""
PEAK_LIMIT_MB = 500
"""Peak resident memory the run may reach (inputs are all far under 2 MB): the case that first
pushes the process's peak past it is counted as ``over_memory`` (the peak only grows, so only
the first such case can be told; run_long.py also caps the address space)."""

TALLY: Counter[str] = Counter()


class Hang(BaseException):
    """A case ran past :data:`CASE_TIMEOUT` (BaseException: no reader may swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def on_alarm(signum: int, frame: object) -> None:
        raise Hang(f"no answer after {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _sequence_reader(path: Path) -> str:
    info = sequence_files.describe_sequences(path)
    seqs = sequence_files.open_sequences(path)
    assert len(seqs) == info["num_sequences"] >= 1
    for index in {0, len(seqs) - 1}:
        seq = seqs.sequence(index)
        assert seq.dtype == np.uint8
        assert seq.shape == (seqs.num_frames, seqs.height, seqs.width)
    verify_file(path)
    return "accepted"


def _dataset_reader(path: Path) -> str:
    splits = open_dataset(path)
    assert splits
    for d in splits.values():
        assert d.images.dtype == np.uint8 and d.images.ndim == 3
        assert d.labels.shape == (len(d),) and len(d) >= 1
        d.label_counts()
    return "accepted"


def _idx_reader(path: Path) -> str:
    array = read_idx(path)
    assert isinstance(array, np.ndarray)
    return "accepted"


READERS: dict[str, Callable[[Path], str]] = {
    "sequences": _sequence_reader,
    "dataset": _dataset_reader,
    "idx": _idx_reader,
}


def _signature(exc: BaseException) -> str:
    """'TypeName@file.py:line' of the innermost frame in our package (else the innermost)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "mnist_viewer" in f.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    return f"{type(exc).__name__}@{where}"


def _collect(path: Path, kind: str, signature: str, message: str) -> bool:
    """In collect mode, count an escape and keep its input; False when not collecting."""
    folder = os.environ.get("MNIST_VIEWER_FUZZ_COLLECT")
    if not folder:
        return False
    TALLY[f"escape:{signature}"] += 1
    seen = TALLY[f"escape:{signature}"]
    if seen <= 3:
        slug = signature.replace("@", "-").replace(":", "-").replace("/", "-")
        target = Path(folder) / f"{slug}-{seen}-{kind}-{path.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(path, target)
        (Path(folder) / f"{slug}-{seen}.txt").write_text(message[:2000], encoding="utf-8")
    return True


def exercise(path: Path, reader: str, kind: str) -> str:
    """Run ``reader`` on ``path``: 'accepted' or 'refused'; AssertionError otherwise
    ('escaped' or 'hang' in collect mode, see the module docstring)."""
    memory_limit_mb()  # the process's peak before its first case
    TALLY["cases"] += 1
    TALLY[f"cases:{kind}"] += 1
    try:
        with time_limit(CASE_TIMEOUT):
            outcome = READERS[reader](path)
    except DataError as exc:
        message = str(exc)
        assert "\n" not in message, f"a message of several lines: {message!r}"
        assert Path(exc.path or "").name.startswith(path.name) or path.name in message, (
            f"the message does not name {path.name}: {message!r}")
        outcome = "refused"
    except Hang:
        TALLY["hangs"] += 1
        TALLY[f"hangs:{kind}"] += 1
        if _collect(path, kind, "Hang", f"no answer after {CASE_TIMEOUT} s"):
            return "hang"
        _save()
        raise AssertionError(f"{path}: the reader hangs") from None
    except Exception as exc:
        TALLY["tracebacks"] += 1
        TALLY[f"tracebacks:{kind}"] += 1
        if _collect(path, kind, _signature(exc), "".join(traceback.format_exception(exc))):
            return "escaped"
        _save()
        raise AssertionError(f"{path}: {type(exc).__name__} escaped: {exc}") from exc
    TALLY[outcome] += 1
    TALLY[f"{outcome}:{kind}"] += 1
    if peak_rss_mb() > memory_limit_mb() and not TALLY["over_memory"]:
        TALLY["over_memory"] += 1
        message = f"peak memory {peak_rss_mb():.0f} MB after this case ({outcome})"
        if not _collect(path, kind, "OverMemory", message):
            raise AssertionError(f"{path}: {message}")
    if TALLY["cases"] % 250 == 0:
        _save()  # figures survive a run that is stopped
    return outcome


def _save() -> None:
    report = os.environ.get("MNIST_VIEWER_FUZZ_REPORT")
    if not report:
        return
    line = dict(TALLY, peak_rss_mb=peak_rss_mb(), time=time.time())
    with open(report, "a", encoding="utf-8") as fp:
        fp.write(json.dumps(line) + "\n")


_START_PEAK_MB: list[float] = []


FRESH_PEAK_MB = 100
"""About the peak of a fresh process before its first case (113 MB at the end of the whole
fuzz run alone, 2026-11-30)."""


def memory_limit_mb() -> float:
    """The peak the process may reach: :data:`PEAK_LIMIT_MB` in a fresh process (the long
    run). Inside the whole test suite, earlier tests have already raised the process's peak
    before the first case (the peak never comes down), so the cases may add what they may
    add in a fresh process: the limit grows with the starting peak, without a step (it
    was ``PEAK_LIMIT_MB`` up to a start of 499 MB and twice that from 500: in a clone with
    no full MNIST beside it, the suite started the fuzz cases below 500 MB and failed
    on a refused header at 531 MB). The bombs test in
    tests/core/test_faults.py measures each file in a fresh capped process."""
    if not _START_PEAK_MB:
        _START_PEAK_MB.append(peak_rss_mb())
    start = _START_PEAK_MB[0]
    return max(PEAK_LIMIT_MB, start + PEAK_LIMIT_MB - FRESH_PEAK_MB)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def save_report() -> None:
    _save()


def summary_lines(tally: Counter[str] | None = None, peak_mb: float | None = None) -> list[str]:
    """The figures as a table: cases / refused / accepted / tracebacks / hangs per kind of
    case and in all, then each escaped signature with its count (of :data:`TALLY` and this
    process's peak memory unless given)."""
    t = TALLY if tally is None else tally
    peak = peak_rss_mb() if peak_mb is None else peak_mb
    kinds = sorted(k.split(":", 1)[1] for k in t if k.startswith("cases:"))
    if not kinds:
        return []
    head = f"{'kind of case':<24}{'cases':>8}{'refused':>9}{'accepted':>9}{'tracebacks':>11}" \
           f"{'hangs':>6}"
    lines = [head]
    for kind in [*kinds, ""]:
        sfx = f":{kind}" if kind else ""
        lines.append(f"{kind or 'all':<24}{t[f'cases{sfx}']:>8}{t[f'refused{sfx}']:>9}"
                     f"{t[f'accepted{sfx}']:>9}{t[f'tracebacks{sfx}']:>11}"
                     f"{t[f'hangs{sfx}']:>6}")
    lines.append(f"peak memory of the run: {peak:.0f} MB"
                 + (" (over the limit: see the OverMemory finding)" if t["over_memory"]
                    else f" (limit {PEAK_LIMIT_MB} MB)"))
    for key in sorted(k for k in t if k.startswith("escape:")):
        lines.append(f"escaped {key.split(':', 1)[1]}: {t[key]}")
    return lines
