"""Users' sequence files read right: layout, channel axis and values decided from the content.

A corpus of small files shaped like the ones in public bug reports, each holding moving digits
(real MNIST, generated, then shrunk to 16×16) with pixel markers that reveal any axis mix-up:
pixel [0, 0] = t + 1 and [0, 1] = n + 1. Every kind is checked through ``info --json``,
``open_sequences``, ``stats --json`` and ``export`` (a PNG folder).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mnist_viewer.cli import main
from mnist_viewer.core.files import decide_layout, open_sequences, value_mapping
from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.sources.datasets import embedded_dataset


def moving(n: int, t: int, size: int = 16, seed: int = 0) -> np.ndarray:
    """uint8 (N, T, size, size): generated Moving MNIST shrunk by block means, with markers."""
    seqs = generate(GeneratorConfig(num_sequences=n, frames=t, seed=seed), embedded_dataset())
    frames = seqs.chunk(0, n).astype(np.float64)
    f = 64 // size
    small = frames.reshape(n, t, size, f, size, f).mean(axis=(3, 5)).round().astype(np.uint8)
    small[:, :, 0, 0] = np.arange(1, t + 1, dtype=np.uint8)[None, :]
    small[:, :, 0, 1] = np.arange(1, n + 1, dtype=np.uint8)[:, None]
    return small


@pytest.fixture(scope="module")
def nt() -> np.ndarray:
    return moving(120, 20)  # N = 120 sequences of T = 20 frames


def info_json(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    assert main(["info", str(path), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def check_everywhere(path: Path, expected: np.ndarray, capsys, tmp_path: Path,
                     decided_by: str | None = None, *extra: str) -> dict:
    """info, open_sequences, stats and export all show ``expected`` (N, T, H, W) uint8."""
    n, t, h, w = expected.shape
    info = info_json(path, capsys, *extra)
    assert (info["num_sequences"], info["frames"], info["height"], info["width"]) == (n, t, h, w)
    if decided_by is not None:
        assert info["layout_decided_by"] == decided_by, info
    layout = extra[1] if extra else None
    seqs = open_sequences(path, layout)
    assert (seqs.num_sequences, seqs.num_frames, seqs.height, seqs.width) == (n, t, h, w)
    got = seqs.chunk(0, n)
    np.testing.assert_array_equal(got[:, :, 0, 0], np.arange(1, t + 1)[None].repeat(n, 0))
    np.testing.assert_array_equal(got[:, :, 0, 1], np.arange(1, n + 1)[:, None].repeat(t, 1))
    np.testing.assert_array_equal(got, expected)
    assert main(["stats", str(path), "--json", "--index", str(n - 1), *extra]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["frames"], stats["height"], stats["width"]) == (t, h, w)
    assert len(stats["motion_energy"]) == t - 1
    out = tmp_path / f"export-{path.stem}"
    assert main(["export", str(path), "--out", str(out), "--index", str(n - 1), *extra]) == 0
    capsys.readouterr()
    names = sorted(os.listdir(out))
    assert len(names) == t
    np.testing.assert_array_equal(np.array(Image.open(out / names[-1])), expected[n - 1, t - 1])
    return info


def test_nt_content_under_the_released_name_is_read_by_content(tmp_path, nt, capsys):
    path = tmp_path / "mnist_test_seq_mine.npy"  # (120, 20, 16, 16) holding (N, T)
    np.save(path, nt)
    info = check_everywhere(path, nt, capsys, tmp_path, "content")
    assert info["layout"] == "torchvision" and info["layout_weak"] is False


def test_tn_with_a_channel_axis(tmp_path, nt, capsys):
    path = tmp_path / "tn1.npy"  # (20, 120, 1, 16, 16)
    np.save(path, nt.transpose(1, 0, 2, 3)[:, :, None])
    info = check_everywhere(path, nt, capsys, tmp_path, "content")
    assert info["layout"] == "mnist_test_seq_channel"


@pytest.mark.parametrize("shape_of", ["NTHW1", "TNHW1", "NT1HW", "TNHW", "NTHW"])
def test_every_channel_place_and_order(tmp_path, shape_of, capsys):
    video = moving(6, 12, seed=3)
    array = video if shape_of.startswith("NT") else video.transpose(1, 0, 2, 3)
    if shape_of.endswith("1"):
        array = array[..., None]
    elif "1" in shape_of:
        array = array[:, :, None]
    path = tmp_path / f"{shape_of}.npy"
    np.save(path, array)
    check_everywhere(path, video, capsys, tmp_path, "content")


def test_single_sequences(tmp_path, capsys):
    video = moving(1, 20, seed=4)
    for name, array in [("thw.npy", video[0]), ("thw1.npy", video[0][..., None]),
                        ("tfds_example.npy", video[0][..., None]),
                        ("t1hw.npy", video[0][:, None])]:
        path = tmp_path / name
        np.save(path, array)
        check_everywhere(path, video, capsys, tmp_path)


def test_tfds_example_64(tmp_path, capsys):
    video = moving(1, 20, size=64, seed=5)
    path = tmp_path / "example.npy"  # (20, 64, 64, 1): one sequence, not 64 of 64×1
    np.save(path, video[0][..., None])
    check_everywhere(path, video, capsys, tmp_path)


def test_values_from_the_content(tmp_path, capsys):
    video = moving(5, 10, seed=6)
    cases = {
        "openstl_float255.npy": (video.transpose(1, 0, 2, 3).astype(np.float32), "as_is"),
        "unit.npy": (video.astype(np.float32) / 255, "unit"),
        "int32.npy": (video.astype(np.int32), "exact"),
        "uint16.npy": (video.astype(np.uint16), "exact"),
    }
    for name, (array, kind) in cases.items():
        path = tmp_path / name
        np.save(path, array)
        info = check_everywhere(path, video, capsys, tmp_path, "content")
        assert info["value_mapping"]["kind"] == kind, name
        assert info["value_range"]["from"] == "whole file"


def test_bool_frames_become_0_and_255(tmp_path, capsys):
    video = moving(5, 10, seed=7)
    ink = video > 60
    np.save(tmp_path / "bool.npy", ink)
    seqs = open_sequences(tmp_path / "bool.npy")
    assert (seqs.num_sequences, seqs.num_frames) == (5, 10)
    np.testing.assert_array_equal(seqs.chunk(0, 5), ink.astype(np.uint8) * 255)
    assert info_json(tmp_path / "bool.npy", capsys)["value_mapping"]["kind"] == "bool"


def test_standardised_floats_are_mapped_linearly_with_a_note(tmp_path, capsys):
    video = moving(5, 10, seed=8)
    x = video.astype(np.float64)
    standardised = ((x - x.mean()) / x.std()).astype(np.float32)
    np.save(tmp_path / "std.npy", standardised)
    info = info_json(tmp_path / "std.npy", capsys)
    assert info["value_mapping"]["kind"] == "min_max" and "mapped linearly" in \
        info["value_mapping"]["note"]
    lo, hi = float(standardised.min()), float(standardised.max())
    assert info["value_mapping"]["from"] == pytest.approx([lo, hi])
    got = open_sequences(tmp_path / "std.npy").chunk(0, 5)
    expected = np.rint((standardised - lo) * (255 / (hi - lo))).astype(np.uint8)
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1
    assert len(np.unique(got)) > 50  # not binarised


def test_nan_is_one_line_exit_2(tmp_path, capsys):
    video = moving(3, 5, seed=9).astype(np.float32)
    video[1, 2, 3, 3] = np.nan
    path = tmp_path / "nan.npy"
    np.save(path, video)
    assert main(["info", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "NaN" in err and err.count("\n") == 1


def test_generate_reads_back(tmp_path, capsys):
    out = tmp_path / "x.npy"
    assert main(["generate", "--num", "2", "--frames", "120", "--out", str(out),
                 "--seed", "1"]) == 0
    capsys.readouterr()
    info = info_json(out, capsys)
    assert (info["num_sequences"], info["frames"]) == (2, 120)
    out = tmp_path / "tv.npy"
    assert main(["generate", "--layout", "torchvision", "--num", "16", "--frames", "20",
                 "--out", str(out), "--seed", "1"]) == 0
    capsys.readouterr()
    info = info_json(out, capsys)
    assert (info["num_sequences"], info["frames"], info["layout"]) == (16, 20, "torchvision")
    assert info["layout_decided_by"] == "content"


def test_writer_refuses_nt_under_the_released_name(tmp_path, capsys):
    out = tmp_path / "mnist_test_seq.npy"
    assert main(["generate", "--layout", "torchvision", "--num", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "mnist_test_seq" in err and "(T, N, H, W)" in err and err.count("\n") == 1
    assert not out.exists()


def test_blank_frames_fall_back_to_the_documented_default(tmp_path, capsys):
    np.save(tmp_path / "blank.npy", np.zeros((30, 20, 8, 8), np.uint8))
    info = info_json(tmp_path / "blank.npy", capsys)
    assert info["layout_decided_by"] == "shape" and info["layout_weak"] is True
    assert (info["num_sequences"], info["frames"]) == (20, 30)  # (T, N) by default
    assert info["swap_layout"] == "torchvision"
    info = info_json(tmp_path / "blank.npy", capsys, "--layout", "torchvision")
    assert info["layout_decided_by"] == "override" and info["frames"] == 20


def test_one_frame_statistics_are_null(tmp_path, capsys):
    video = moving(4, 1, seed=10)
    np.save(tmp_path / "one.npy", video[:, :, None])
    assert main(["stats", str(tmp_path / "one.npy"), "--json", "--layout",
                 "torchvision_channel"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["frames"] == 1
    assert stats["mean_motion_energy"] is None and stats["diff_abs_mean"] is None
    assert main(["stats", str(tmp_path / "one.npy"), "--layout", "torchvision_channel"]) == 0
    assert "n/a" in capsys.readouterr().out


def test_decide_layout_and_value_mapping_api():
    video = moving(8, 10, seed=11)
    mapping = value_mapping(video.astype(np.float32) / 255)
    assert mapping.kind == "unit"
    decision = decide_layout(video.transpose(1, 0, 2, 3).astype(np.float32) / 255, "a.npy",
                             mapping)
    assert (decision.layout, decision.num_sequences, decision.num_frames) == \
        ("mnist_test_seq", 8, 10)
    assert decision.decided_by == "content" and decision.swapped() == "torchvision"
    assert decision.evidence["ratio"] < 0.6
