"""Hostile input the attack round found: each refused in one line naming the user's file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mnist_viewer.cli import main


def _lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


def _damaged_npz(path, seed: int = 0) -> None:
    """A stored .npz whose frames member has one data byte flipped (past its header, so only
    the CRC-32 can tell)."""
    frames = np.random.default_rng(seed).integers(0, 255, (4, 5, 32, 32), dtype=np.uint8)
    np.savez(path, frames=frames)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("command", [["stats", "--quiet"], ["export", "--quiet"], ["info"]])
def test_a_stored_member_failing_its_crc_is_refused(tmp_path, capsys, command) -> None:
    path = tmp_path / "seq.npz"
    _damaged_npz(path)
    args = [command[0], str(path), *command[1:]]
    if command[0] == "export":
        args += ["--out", str(tmp_path / "out.gif")]
    assert main(args) == 2
    err = _lines(capsys.readouterr().err)
    assert len(err) == 1 and str(path) in err[0] and "frames" in err[0]
    assert "fails its CRC-32 check: the file is damaged" in err[0]
    assert not (tmp_path / "out.gif").exists()


def test_evaluate_refuses_a_damaged_prediction(tmp_path, capsys) -> None:
    truth, pred = tmp_path / "truth.npz", tmp_path / "pred.npz"
    np.savez(truth, frames=np.zeros((4, 5, 32, 32), np.uint8))
    _damaged_npz(pred)
    assert main(["evaluate", "--truth", str(truth), "--pred", str(pred)]) == 2
    err = _lines(capsys.readouterr().err)
    assert len(err) == 1 and str(pred) in err[0] and "CRC-32" in err[0]


def test_info_says_the_crc_was_checked(tmp_path, capsys) -> None:
    path = tmp_path / "seq.npz"
    np.savez(path, frames=np.zeros((2, 3, 8, 8), np.uint8))
    assert main(["info", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["crc_checked"] is True


def test_two_members_of_one_name_are_refused(tmp_path, capsys) -> None:
    import io
    import warnings
    import zipfile

    path = tmp_path / "seq.npz"
    with zipfile.ZipFile(path, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate it writes
        for value in (0, 9):
            buf = io.BytesIO()
            np.save(buf, np.full((2, 3, 8, 8), value, np.uint8))
            zf.writestr("frames.npy", buf.getvalue())
    assert main(["stats", str(path), "--quiet"]) == 2
    err = _lines(capsys.readouterr().err)
    assert len(err) == 1 and str(path) in err[0] and "holds two members named frames.npy" in err[0]


def test_an_absurd_velocity_gives_sane_statistics_without_warnings(tmp_path, capsys,
                                                                   mnist_dir) -> None:
    import warnings

    from mnist_viewer.core.generation import GeneratorConfig, generate
    from mnist_viewer.core.sources.datasets import load_dataset

    seqset = generate(GeneratorConfig(num_sequences=2, seed=5), load_dataset(mnist_dir, "test"))
    gt = seqset.ground_truth
    velocity = np.array(gt.velocity, np.float64)
    velocity[0, 0, 0] = 1e308
    path = tmp_path / "set.npz"
    np.savez(path, frames=seqset.chunk(0, 2), labels=gt.labels, digit_index=gt.digit_index,
             positions=gt.positions, start=gt.start, velocity=velocity, boxes=gt.boxes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["stats", str(path), "--json", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "Warning" not in captured.err
    speed = json.loads(captured.out)["mean_continuous_speed_px"]
    assert speed is not None and 0 < speed < 100
