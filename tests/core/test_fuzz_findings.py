"""Regression tests for what the long fuzz run (tests/fuzz/run_long.py) found: one hand-built
input per kind of escaped exception, each refused with one line naming the user's file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mnist_viewer.core import files as sequence_files
from mnist_viewer.core.errors import DataError


def _refused(path: Path, match: str) -> str:
    with pytest.raises(DataError, match=match) as info:
        seqs = sequence_files.open_sequences(path)
        seqs.sequence(len(seqs) - 1)
    message = str(info.value)
    assert "\n" not in message and path.name in message
    return message


def test_a_config_nested_a_thousand_deep_is_refused(tmp_path) -> None:
    """json nests by recursion: 4,000 brackets raised RecursionError from json.loads."""
    path = tmp_path / "seq.npz"
    np.savez(path, frames=np.zeros((1, 2, 4, 4), np.uint8),
             config=np.array("[" * 4000 + "]" * 4000))
    assert "config" in _refused(path, "nested too deeply")


def test_a_config_nested_a_little_is_still_read(tmp_path) -> None:
    path = tmp_path / "seq.npz"
    config = {"a": [[[[1]]]]}
    np.savez(path, frames=np.zeros((1, 2, 4, 4), np.uint8), config=np.array(json.dumps(config)))
    assert sequence_files.open_sequences(path).config["a"] == config["a"]


def _predrnn(path: Path, clips: np.ndarray) -> None:
    np.savez(path, clips=clips, dims=np.array([[1, 4, 4]], np.int32),
             input_raw_data=np.zeros((4, 1, 4, 4), np.float32))


@pytest.mark.parametrize("clips", [
    # start + length wrapped around in int64 and passed the bounds check (IndexError later)
    np.array([[[2**63 - 1, 2]], [[0, 2]]], np.int64),
    # uint64 starts beyond 2**63 turned negative in int64
    np.array([[[2**64 - 2, 2]], [[0, 2]]], np.uint64),
    # a length near 2**63: np.arange(t_in) asked for exabytes (ValueError "array is too big")
    np.array([[[0, 2**62]], [[0, 2]]], np.int64),
], ids=["start-wraps", "uint64-start", "huge-length"])
def test_predrnn_clips_near_2_63_are_refused(tmp_path, clips) -> None:
    path = tmp_path / "moving.npz"
    _predrnn(path, clips)
    assert "clips" in _refused(path, "outside the 4 frames")


def test_predrnn_clips_inside_the_rows_are_read(tmp_path) -> None:
    path = tmp_path / "moving.npz"
    _predrnn(path, np.array([[[0, 1], [2, 1]], [[1, 1], [3, 1]]], np.int64))
    seqs = sequence_files.open_sequences(path)
    assert (len(seqs), seqs.num_frames) == (2, 2)
