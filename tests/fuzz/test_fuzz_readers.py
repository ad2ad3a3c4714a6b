"""Fuzz the readers: every hostile file is refused with one line naming it, or read sanely.

Each property runs twice: with a small fixed budget in the default run (derandomized), and
with a large random budget under ``pytest -m fuzz`` (the long run, >= 10,000 cases in all).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fuzz_harness import exercise
from fuzz_strategies import (
    idx_bytes,
    idx_files,
    mutations,
    npy_bytes,
    npy_files,
    npz_files,
    predrnn_files,
    zip_bytes,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SMALL = int(os.environ.get("MNIST_VIEWER_FUZZ_SMALL", "30"))
LONG = int(os.environ.get("MNIST_VIEWER_FUZZ_LONG", "1700"))
_SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None  # tmpfs: fast to clean
_COMMON = {"deadline": None, "suppress_health_check": list(HealthCheck), "database": None}


def _twice(strategy: st.SearchStrategy, check: Callable[[object], None]):
    """(small-budget test, long-budget test marked ``fuzz``) of one property."""
    small = settings(max_examples=SMALL, derandomize=True, **_COMMON)(given(strategy)(check))
    long = settings(max_examples=LONG, **_COMMON)(given(strategy)(check))
    return small, pytest.mark.fuzz(long)


def _in_tmp(name: str, data: bytes, reader: str, kind: str, extra: dict[str, bytes] | None
            = None) -> str:
    with tempfile.TemporaryDirectory(prefix="fuzz-", dir=_SCRATCH) as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        for other, content in (extra or {}).items():
            (Path(tmp) / other).write_bytes(content)
        target = Path(tmp) if reader == "dataset" and not name.endswith(".npz") else path
        return exercise(target, reader, kind)


# ------------------------------------------------------------------------------ valid seeds


def _seeds() -> dict[str, tuple[str, bytes, str]]:
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (3, 4, 8, 8), dtype=np.uint8)
    n, t, d = 3, 4, 2
    ours = {
        "frames.npy": frames, "labels.npy": np.ones((n, d), np.int16),
        "digit_index.npy": np.arange(n * d, dtype=np.int64).reshape(n, d),
        "positions.npy": np.zeros((n, t, d, 2), np.int32), "start.npy": np.zeros((n, d, 2)),
        "velocity.npy": np.zeros((n, t, d, 2)), "boxes.npy": np.zeros((n, t, d, 4), np.int32),
        "config.npy": np.array(json.dumps({"seed": 3, "digits": 2})),
    }
    members = {k: npy_bytes(v) for k, v in ours.items()}
    rows = rng.random((8, 1, 8, 8), dtype=np.float32)
    predrnn = {"clips.npy": npy_bytes(np.array([[[0, 2], [4, 2]], [[2, 2], [6, 2]]], np.int32)),
               "dims.npy": npy_bytes(np.array([[1, 8, 8]], np.int32)),
               "input_raw_data.npy": npy_bytes(rows)}
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 5, dtype=np.uint8)
    keras = {"x_train.npy": npy_bytes(images), "y_train.npy": npy_bytes(labels),
             "x_test.npy": npy_bytes(images[:2]), "y_test.npy": npy_bytes(labels[:2])}
    import gzip

    return {
        "npz": ("seq.npz", zip_bytes(members), "sequences"),
        "npz-deflated": ("seq.npz", zip_bytes(members, zipfile.ZIP_DEFLATED), "sequences"),
        "predrnn": ("moving.npz", zip_bytes(predrnn), "sequences"),
        "npy": ("mnist_test_seq.npy", npy_bytes(frames.transpose(1, 0, 2, 3)), "sequences"),
        "npy-float": ("seq.npy", npy_bytes(rng.random((2, 3, 4, 4), dtype=np.float32)),
                      "sequences"),
        "keras": ("mnist.npz", zip_bytes(keras, zipfile.ZIP_DEFLATED), "dataset"),
        "idx-images": ("train-images-idx3-ubyte.gz", gzip.compress(idx_bytes(images), mtime=0),
                       "dataset"),
        "idx-labels": ("train-labels-idx1-ubyte", idx_bytes(labels), "dataset"),
    }


SEEDS = _seeds()
_PARTNER = {"idx-images": SEEDS["idx-labels"], "idx-labels": SEEDS["idx-images"]}


def test_the_seeds_are_accepted() -> None:
    """The mutation seeds are valid files: the fuzz starts from something the readers take."""
    for key, (name, data, reader) in SEEDS.items():
        partner = _PARTNER.get(key)
        extra = {partner[0]: partner[1]} if partner else None
        assert _in_tmp(name, data, reader, "seed", extra) == "accepted", key


# ------------------------------------------------------------------------------ properties


def _npy(data: bytes) -> None:
    _in_tmp("frames.npy", data, "sequences", "npy-header")


def _npz(data: bytes) -> None:
    _in_tmp("seq.npz", data, "sequences", "npz-members")


def _predrnn(data: bytes) -> None:
    _in_tmp("moving.npz", data, "sequences", "predrnn")


@st.composite
def _idx_cases(draw: st.DrawFn) -> tuple[str, bytes, bool]:
    data = draw(idx_files())
    return "train-images-idx3-ubyte" + (".gz" if data[:2] == b"\x1f\x8b" else ""), data, \
        draw(st.booleans())


def _idx(case: tuple[str, bytes, bool]) -> None:
    name, data, as_labels = case
    if as_labels:
        name = name.replace("images-idx3", "labels-idx1")
    _in_tmp(name, data, "idx", "idx")
    partner = SEEDS["idx-images" if as_labels else "idx-labels"]
    _in_tmp(name, data, "dataset", "idx-pair", {partner[0]: partner[1]})


@st.composite
def _mutated_cases(draw: st.DrawFn) -> tuple[str, bytes]:
    key = draw(st.sampled_from(sorted(SEEDS)))
    return key, draw(mutations(SEEDS[key][1]))


def _mutated(case: tuple[str, bytes]) -> None:
    key, data = case
    name, _, reader = SEEDS[key]
    partner = _PARTNER.get(key)
    extra = {partner[0]: partner[1]} if partner else None
    _in_tmp(name, data, reader, f"mutated-{key}", extra)


@st.composite
def _keras_cases(draw: st.DrawFn) -> bytes:
    members = {}
    for key in ("x_train", "y_train", "x_test", "y_test"):
        choice = draw(st.sampled_from(["ok", "header", "missing"]))
        if choice == "missing":
            continue
        if choice == "header":
            members[f"{key}.npy"] = draw(npy_files())
        else:
            shape = (3, 28, 28) if key.startswith("x") else (3,)
            members[f"{key}.npy"] = npy_bytes(np.zeros(shape, np.uint8))
    buf = io.BytesIO()
    method = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _keras(data: bytes) -> None:
    _in_tmp("mnist.npz", data, "dataset", "keras")


test_npy_headers, test_npy_headers_long = _twice(npy_files(), _npy)
test_npz_members, test_npz_members_long = _twice(npz_files(), _npz)
test_predrnn_arrays, test_predrnn_arrays_long = _twice(predrnn_files(), _predrnn)
test_idx_files, test_idx_files_long = _twice(_idx_cases(), _idx)
test_mutated_files, test_mutated_files_long = _twice(_mutated_cases(), _mutated)
test_keras_npz, test_keras_npz_long = _twice(_keras_cases(), _keras)
