"""`mnist-viewer info`: the JSON contract and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mnist_viewer.cli import main


def test_info_json_on_real_mnist(full_mnist_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(full_mnist_dir), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kind"] == "dataset" and info["format"] == "idx" and info["name"] == "mnist"
    assert info["image_shape"] == [28, 28]
    assert info["train"]["images"] == 60000 and info["test"]["images"] == 10000
    assert info["train"]["label_counts"] == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265,
                                             5851, 5949]
    assert info["test"]["label_counts"] == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_info_text(full_mnist_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(full_mnist_dir)]) == 0
    out = capsys.readouterr().out
    assert "mnist dataset" in out and "60000 images" in out


def test_bad_file_gives_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "train-images-idx3-ubyte"
    bad.write_bytes(b"\x00\x00\x08\x03" + bytes(8))
    proc = subprocess.run(
        [sys.executable, "-m", "mnist_viewer", "info", str(bad), "--json"],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "Traceback" not in proc.stderr


def test_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and err.count("\n") == 1


@pytest.mark.parametrize("command", ["info", "generate", "export", "stats"])
def test_every_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: mnist-viewer " + command in capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    import mnist_viewer

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"mnist-viewer {mnist_viewer.__version__}"


def test_a_reader_that_goes_away_is_no_error(mnist_dir: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mnist_viewer", "info", str(mnist_dir), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head -c 0`: closed before anything is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert err == ""


def test_layout_override_reads_an_ambiguous_npy_the_other_way(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import numpy as np

    path = tmp_path / "clips.npy"
    np.save(path, np.zeros((30, 20, 64, 64), np.uint8))  # both first axes could be time
    assert main(["info", str(path), "--json"]) == 0
    detected = json.loads(capsys.readouterr().out)
    assert (detected["frames"], detected["num_sequences"]) == (30, 20)  # (T, N) by the rule
    assert main(["info", str(path), "--json", "--layout", "torchvision"]) == 0
    forced = json.loads(capsys.readouterr().out)
    assert (forced["num_sequences"], forced["frames"]) == (30, 20)
    assert forced["layout"] == "torchvision"
    assert main(["stats", str(path), "--json", "--layout", "torchvision"]) == 0
    assert json.loads(capsys.readouterr().out)["num_sequences"] == 30


@pytest.fixture(scope="module")
def generated_files(mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory
                    ) -> tuple[Path, Path]:
    """The same small generated set written as .npz and as a .zarr store."""
    from mnist_viewer.core.files import save_sequences
    from mnist_viewer.core.generation import GeneratorConfig, generate
    from mnist_viewer.core.sources.datasets import load_dataset

    seqs = generate(GeneratorConfig(num_sequences=3, frames=4, digits=(1, 3), motion="reflect",
                                    seed=7), load_dataset(mnist_dir, "train"))
    folder = tmp_path_factory.mktemp("generated")
    return (save_sequences(folder / "set.npz", seqs), save_sequences(folder / "set.zarr", seqs))


def _info_json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["info", str(path), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_info_json_of_zarr_has_the_keys_of_npz(generated_files: tuple[Path, Path],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    npz, zarr = (_info_json(p, capsys) for p in generated_files)
    storage = {"chunks", "compressors"}  # what only a chunked store has
    checksums = {"crc_checked"}  # what only a zip of CRC-32-checked members has
    assert set(zarr) - storage == set(npz) - checksums
    assert zarr["axes"] == npz["axes"] == "NTHW" and zarr["layout"] == "zarr"
    assert zarr["layout_decided_by"] == "file" and zarr["layout_weak"] is False
    assert "Zarr" in zarr["layout_reason"] and zarr["swap_layout"] is None
    assert zarr["value_range"]["from"] == "sample" and zarr["value_mapping"]["kind"] == "none"
    # generated digits on a black canvas: the range of the frames looked at is 0..some ink
    assert zarr["value_range"]["min"] == 0 and 0 < zarr["value_range"]["max"] <= 255
    for key in ("num_sequences", "frames", "height", "width", "dtype", "ground_truth",
                "digits_per_sequence", "config"):
        assert zarr[key] == npz[key], key


def test_info_text_shows_the_generator_settings(generated_files: tuple[Path, Path],
                                                mnist_dir: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    for path in generated_files:
        assert main(["info", str(path)]) == 0
        line = capsys.readouterr().out.splitlines()[-1]
        assert line == (f"  generated: seed 7, motion reflect, digits 1-3, "
                        f"source mnist train ({mnist_dir})"), path


def test_info_text_has_no_generator_line_for_a_file_without_settings(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    path = tmp_path / "mnist_test_seq.npy"
    np.save(path, np.zeros((4, 2, 8, 8), np.uint8))
    assert main(["info", str(path)]) == 0
    assert "generated:" not in capsys.readouterr().out


@pytest.mark.parametrize("command", ["info", "export", "stats"])
def test_help_names_the_formats_that_are_read(command: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for fmt in (".npz", ".npy", ".zarr", ".gif", ".mp4", "HDF5", "IDX", "mnist.npz"):
        assert fmt in text, (command, fmt)
    assert "(.npz or .npy)" not in text


@pytest.mark.parametrize("error", [OSError(5, "Input/output error", "dir\nname.npy"),
                                   RuntimeError("first line\nsecond line")])
def test_unexpected_and_os_errors_stay_one_line(error: Exception, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from mnist_viewer.commands import info

    def fail(args: object) -> int:
        raise error

    monkeypatch.setattr(info, "run", fail)
    monkeypatch.setenv("MNIST_VIEWER_CACHE", str(tmp_path))  # the traceback's log goes here
    assert main(["info", str(tmp_path / "odd\x1b[2Jname.npy")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("mnist-viewer: error: "), err
    assert "\x1b" not in err and ("\\n" in err or "\\x1b" in err), err


def test_file_names_with_control_characters_are_escaped_on_stdout(
        tmp_path: Path, mnist_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # errors escaped them, but "wrote …", info, stats and export printed them raw (a name
    # holding ESC [ 31 m turned the terminal red)
    name = str(tmp_path / "a\x1b[31m\nb.npz")
    assert main(["generate", "--out", name, "--num", "2", "--frames", "4", "--seed", "1",
                 "--data", str(mnist_dir), "-q"]) == 0
    assert main(["info", name]) == 0
    assert main(["stats", name, "-q"]) == 0
    assert main(["export", name, "--out", str(tmp_path / "o\x1b.gif"), "-q"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "a\\x1b[31m\\nb.npz" in out and "o\\x1b.gif" in out
