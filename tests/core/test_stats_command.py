"""`mnist-viewer stats`: the JSON contract, checked against plain numpy on real MNIST sets."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from mnist_viewer.cli import main
from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.sources.datasets import load_dataset


@pytest.fixture(scope="module")
def npz_set(mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated set saved by hand in the documented .npz layout (frames + ground truth)."""
    digits = load_dataset(mnist_dir, "test")
    seqset = generate(GeneratorConfig(num_sequences=12, seed=5), digits)
    gt = seqset.ground_truth
    path = tmp_path_factory.mktemp("sets") / "set.npz"
    np.savez(
        path, frames=seqset.chunk(0, 12), labels=gt.labels, digit_index=gt.digit_index,
        positions=gt.positions, start=gt.start, velocity=gt.velocity, boxes=gt.boxes,
        config=np.array(json.dumps(seqset.config)),
    )
    return path


def _stats(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["stats", *argv, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    return json.loads(out)


def _expected(frames: np.ndarray) -> dict:
    """The frame statistics by plain numpy: frames (N, T, H, W)."""
    d = np.diff(frames.astype(np.float64), axis=1)
    pooled = d.reshape(-1, *frames.shape[2:])
    return {
        "motion_energy": np.abs(d).mean(axis=(0, 2, 3)),
        "diff_mean": pooled.mean(axis=0).mean(),
        "diff_std": pooled.std(axis=0).mean(),
    }


def _overlap_by_masks(boxes: np.ndarray, used: np.ndarray) -> np.ndarray:
    n, t, dd = boxes.shape[:3]
    hits = np.zeros((n, t), bool)
    for i in range(n):
        for k in range(t):
            count = np.zeros((64, 64), int)
            for j in range(dd):
                x0, y0, x1, y1 = boxes[i, k, j]
                if used[i, j] and x1 > x0:
                    count[y0:y1, x0:x1] += 1
            hits[i, k] = count.max() > 1
    return hits


def test_json_of_a_sequence_file_with_ground_truth(
    npz_set: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    info = _stats([str(npz_set)], capsys)
    with np.load(npz_set, allow_pickle=False) as data:
        frames, positions = data["frames"], data["positions"]
        boxes, used = data["boxes"], data["digit_index"] >= 0
    assert info["num_sequences"] == 12 and info["frames"] == 20
    expected = _expected(frames)
    np.testing.assert_allclose(info["motion_energy"], expected["motion_energy"], atol=1e-12)
    assert len(info["motion_energy"]) == 19
    assert info["diff_mean"] == pytest.approx(expected["diff_mean"], abs=1e-12)
    assert info["diff_std"] == pytest.approx(expected["diff_std"])
    step = np.diff(positions.astype(np.float64), axis=1)
    assert info["mean_speed_px"] == pytest.approx(np.sqrt((step**2).sum(-1)).mean())
    assert info["overlap_fraction"] == pytest.approx(_overlap_by_masks(boxes, used).mean())
    assert info["mean_continuous_speed_px"] == pytest.approx(3.6)
    assert info["missing"] == [] and info["ground_truth"] is True


def test_one_sequence_with_index(npz_set: Path, capsys: pytest.CaptureFixture[str]) -> None:
    info = _stats([str(npz_set), "--index", "7"], capsys)
    with np.load(npz_set, allow_pickle=False) as data:
        frames, positions = data["frames"][7:8], data["positions"][7:8]
    assert info["num_sequences"] == 1 and info["index"] == 7
    expected = _expected(frames)
    np.testing.assert_allclose(info["motion_energy"], expected["motion_energy"], atol=1e-12)
    assert info["diff_std"] == pytest.approx(expected["diff_std"])
    step = np.diff(positions.astype(np.float64), axis=1)
    assert info["mean_speed_px"] == pytest.approx(np.sqrt((step**2).sum(-1)).mean())


def test_file_without_ground_truth(
    npz_set: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with np.load(npz_set, allow_pickle=False) as data:
        frames = data["frames"][:5]
    path = tmp_path / "mnist_test_seq.npy"
    np.save(path, frames.transpose(1, 0, 2, 3))  # the released layout (T, N, H, W)
    info = _stats([str(path)], capsys)
    assert info["num_sequences"] == 5 and info["frames"] == 20
    np.testing.assert_allclose(info["motion_energy"], _expected(frames)["motion_energy"])
    assert "mean_speed_px" not in info and "overlap_fraction" not in info
    assert "overlap_fraction" in info["missing"] and "speed" in info["missing"]
    assert main(["stats", str(path)]) == 0
    text = capsys.readouterr().out
    assert "motion energy" in text and "not available" in text and "ground truth" in text


def test_dataset_input_generates_a_default_set(
    mnist_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    info = _stats([str(mnist_dir), "--num", "6", "--seed", "11"], capsys)
    same = generate(GeneratorConfig(num_sequences=6, seed=11), load_dataset(mnist_dir))
    expected = _expected(same.chunk(0, 6))
    assert info["num_sequences"] == 6 and info["frames"] == 20 and info["height"] == 64
    np.testing.assert_allclose(info["motion_energy"], expected["motion_energy"], atol=1e-12)
    step = np.diff(same.ground_truth.positions.astype(np.float64), axis=1)
    assert info["mean_speed_px"] == pytest.approx(np.sqrt((step**2).sum(-1)).mean())
    assert sum(info["label_counts"]) == 12
    assert info["generated_seed"] == 11


def test_text_summary(npz_set: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", str(npz_set)]) == 0
    text = capsys.readouterr().out
    assert "12 sequences" in text and "px/frame" in text and "overlap" in text
    assert "labels 0-9" in text and "{" not in text


def test_csv_option(npz_set: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "stats.csv"
    info = _stats([str(npz_set), "--csv", str(target)], capsys)
    with open(target, newline="") as handle:
        rows = list(csv.reader(handle))
    energy = [float(r[2]) for r in rows if r[0] == "motion_energy"]
    assert energy == info["motion_energy"]


@pytest.mark.parametrize("index", ["12", "-1"])
def test_index_out_of_range_is_one_line(
    npz_set: Path, index: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", str(npz_set), "--index", index]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and str(npz_set) in captured.err
    assert "out of range" in captured.err


def test_bad_inputs_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.npy"
    broken.write_bytes(b"not numpy at all")
    for path in (broken, tmp_path / "nowhere"):
        assert main(["stats", str(path), "--json"]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err.count("\n") == 1
        assert path.name in captured.err and "Traceback" not in captured.err


def test_stats_runs_a_thread_per_core_by_default_and_generate_one() -> None:
    from mnist_viewer.cli import command_parser
    from mnist_viewer.commands.engine_options import engine_from
    from mnist_viewer.core.compute import cpu_count

    stats = engine_from(command_parser().parse_args(["stats", "set.npy"]))
    assert (stats.workers, stats.distributed) == (cpu_count(), False)
    one = engine_from(command_parser().parse_args(["stats", "set.npy", "--workers", "1"]))
    assert one.workers == 1
    generate = engine_from(command_parser().parse_args(["generate", "--out", "set.npy"]))
    assert generate.workers == 1
