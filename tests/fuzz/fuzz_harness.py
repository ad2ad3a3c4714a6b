"""What every fuzz case does with a file, and what counts as a pass.

A case writes one file (or folder), then runs the readers a user can reach on it
(``describe_sequences``/``open_sequences`` + frame access + CRC check for sequence files,
``open_dataset`` for datasets, ``read_idx`` for IDX). It passes when the result is sane (uint8
frames of the declared shape) or a :class:`DataError` whose one-line message names the file;
any other exception, or a case running past :data:`CASE_TIMEOUT` seconds, fails it.

Figures (cases, refusals, accepted, tracebacks, hangs) are kept in :data:`TALLY` and, when
``MNIST_VIEWER_FUZZ_REPORT`` names a file, appended there as JSON lines.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from mnist_viewer.core import files as sequence_files
from mnist_viewer.core.errors import DataError
from mnist_viewer.core.files.stored import verify_file
from mnist_viewer.core.sources.datasets import open_dataset
from mnist_viewer.core.sources.idx import read_idx

CASE_TIMEOUT = 20
"""Seconds one case may take before it counts as a hang."""

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


def exercise(path: Path, reader: str, kind: str) -> str:
    """Run ``reader`` on ``path``: 'accepted' or 'refused'; AssertionError otherwise."""
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
        _save()
        raise AssertionError(f"{path}: the reader hangs") from None
    except Exception as exc:
        TALLY["tracebacks"] += 1
        _save()
        raise AssertionError(f"{path}: {type(exc).__name__} escaped: {exc}") from exc
    TALLY[outcome] += 1
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


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def save_report() -> None:
    _save()
