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


def _idx(path, array: np.ndarray, code: int) -> None:
    head = b"\x00\x00" + bytes([code, array.ndim])
    path.write_bytes(head + b"".join(d.to_bytes(4, "big") for d in array.shape)
                     + array.astype(array.dtype.newbyteorder(">")).tobytes())


def test_float_idx_images_without_labels_are_refused_naming_them(tmp_path, capsys) -> None:
    images = tmp_path / "train-images-idx3-ubyte"
    _idx(images, np.zeros((3, 28, 28), np.float32), 0x0D)
    assert main(["generate", "--data", str(tmp_path), "--out", str(tmp_path / "g.npz"),
                 "--num", "2", "--quiet"]) == 2
    err = _lines(capsys.readouterr().err)
    assert len(err) == 1 and str(images) in err[0] and "uint8" in err[0]
    assert "g.npz" not in err[0]


def test_bad_labels_are_blamed_on_the_labels_file(tmp_path, capsys) -> None:
    _idx(tmp_path / "train-images-idx3-ubyte", np.zeros((3, 28, 28), np.uint8), 0x08)
    labels = tmp_path / "train-labels-idx1-ubyte"
    _idx(labels, np.full(3, 1000, np.int32), 0x0C)
    assert main(["info", str(tmp_path)]) == 2
    err = _lines(capsys.readouterr().err)
    assert len(err) == 1 and str(labels) in err[0] and "labels must be uint8" in err[0]


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


def test_a_stopped_zarr_generate_says_its_partial_store_is_kept(tmp_path) -> None:
    import argparse

    from mnist_viewer.cli import stopped_line

    out = tmp_path / "z.zarr"
    args = argparse.Namespace(command="generate", out=str(out))
    assert stopped_line(args, "terminated (SIGTERM)").endswith("no partial file is left")
    (tmp_path / ".z.zarr.part").mkdir()
    line = stopped_line(args, "terminated (SIGTERM)")
    assert line == f"{out}: terminated (SIGTERM); the partial store .z.zarr.part is kept for " \
                   "--resume"
    npz = argparse.Namespace(command="generate", out=str(tmp_path / "g.npz"))
    assert stopped_line(npz, "interrupted").endswith("no partial file is left")


def test_control_characters_in_a_file_name_stay_on_one_line(tmp_path, capsys) -> None:
    path = tmp_path / "new\nline\x1b.npy"
    np.save(path, np.full((2, 3, 4, 4), np.nan))
    assert main(["info", str(path)]) == 2
    err = _lines(capsys.readouterr().err)
    assert len(err) == 1 and "new\\nline\\x1b.npy" in err[0]


def test_a_name_too_long_is_reported_on_the_users_path(tmp_path, capsys) -> None:
    path = tmp_path / ("x" * 300 + ".npy")
    assert main(["info", str(path)]) == 2
    err = _lines(capsys.readouterr().err)
    assert len(err) == 1 and "zarr.json" not in err[0] and str(path) in err[0]
    assert "too long" in err[0]


def test_a_symbolic_link_loop_is_called_one(tmp_path, capsys) -> None:
    (tmp_path / "a.npy").symlink_to(tmp_path / "b.npy")
    (tmp_path / "b.npy").symlink_to(tmp_path / "a.npy")
    assert main(["info", str(tmp_path / "a.npy")]) == 2
    err = _lines(capsys.readouterr().err)
    assert len(err) == 1 and "symbolic link loop" in err[0]


def test_a_huge_dimension_is_shortened_in_the_error(tmp_path, capsys) -> None:
    header = b"{'descr': '|u1', 'fortran_order': False, 'shape': (" + b"9" * 400 + b", 3), }"
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    path = tmp_path / "big.npy"
    path.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header
                     + bytes(100))
    assert main(["info", str(path)]) == 2
    err = _lines(capsys.readouterr().err)
    assert len(err) == 1 and str(path) in err[0] and "9" * 30 not in err[0]
    assert "400 digits" in err[0]
