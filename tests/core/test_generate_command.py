"""``mnist-viewer generate``: writes what the generator makes, in the layout asked for."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mnist_viewer.cli import main
from mnist_viewer.core.files import open_sequences
from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.sources.datasets import load_dataset


def test_generate_npz_matches_the_library(tmp_path, mnist_dir, capsys):
    out = tmp_path / "set.npz"
    rc = main(["generate", "--out", str(out), "--num", "25", "--frames", "7", "--seed", "5",
               "--data", str(mnist_dir), "--digits", "1-3", "--motion", "reflect",
               "--combine", "sum"])
    assert rc == 0
    printed = capsys.readouterr()
    assert "wrote" in printed.out and "seed 5" in printed.out
    assert "\r" not in printed.err  # not a terminal: no progress bar
    back = open_sequences(out)
    cfg = back.config
    assert (cfg["num_sequences"], cfg["frames"], cfg["digits"], cfg["motion"], cfg["combine"],
            cfg["seed"], cfg["split"]) == (25, 7, [1, 3], "reflect", "sum", 5, "train")
    expected = generate(
        GeneratorConfig(num_sequences=25, frames=7, digits=(1, 3), motion="reflect",
                        combine="sum", seed=5),
        load_dataset(mnist_dir, "train"),
    )
    np.testing.assert_array_equal(back.chunk(0, 25), expected.chunk(0, 25))
    np.testing.assert_array_equal(back.ground_truth.positions, expected.ground_truth.positions)


def test_generate_npy_in_the_original_layout(tmp_path, mnist_dir):
    out = tmp_path / "mnist_test_seq.npy"
    assert main(["generate", "--out", str(out), "--num", "12", "--size", "48", "--seed", "1",
                 "--split", "test", "--data", str(mnist_dir)]) == 0
    raw = np.load(out, allow_pickle=False)
    assert raw.shape == (20, 12, 48, 48) and raw.dtype == np.uint8
    expected = generate(GeneratorConfig(num_sequences=12, canvas_size=48, split="test", seed=1),
                        load_dataset(mnist_dir, "test"))
    np.testing.assert_array_equal(raw, expected.chunk(0, 12).transpose(1, 0, 2, 3))


def test_generate_predrnn_layout(tmp_path, mnist_dir):
    out = tmp_path / "train.npz"
    assert main(["generate", "--out", str(out), "--num", "3", "--seed", "2", "--layout",
                 "predrnn", "--data", str(mnist_dir)]) == 0
    with np.load(out, allow_pickle=False) as npz:
        assert npz["input_raw_data"].shape == (60, 1, 64, 64)


def test_info_describes_the_generated_file(tmp_path, mnist_dir, capsys):
    out = tmp_path / "set.npz"
    assert main(["generate", "--out", str(out), "--num", "4", "--seed", "3", "--classes",
                 "0,7", "--data", str(mnist_dir)]) == 0
    capsys.readouterr()
    assert main(["info", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kind"] == "sequences" and info["num_sequences"] == 4
    assert info["ground_truth"] is True and info["config"]["classes"] == [0, 7]
    labels = open_sequences(out).ground_truth.labels
    assert set(np.unique(labels).tolist()) <= {0, 7}


@pytest.mark.parametrize(("args", "message"), [
    (["--out", "x.txt"], "unknown extension: save sequences as .npz, .npy or a .zarr store"),
    (["--out", "x.npy", "--num", "0"], "at least 1"),
    (["--out", "x.npy", "--classes", "42"], "no digits of classes"),
    (["--out", "x.npy", "--size", "20"], "canvas"),
    (["--out", "x.npy", "--data", "/no/such/folder"], "no such file"),
])
def test_bad_requests_are_one_line_errors(tmp_path, mnist_dir, capsys, monkeypatch, args,
                                          message):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MNIST_VIEWER_DATA", str(mnist_dir))
    assert main(["generate", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_bad_digits_argument_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["generate", "--out", "x.npz", "--digits", "two"])
    assert exit_.value.code == 2
    assert "--digits" in capsys.readouterr().err


def test_embedded_subset_warns_on_stderr_and_in_the_file(tmp_path, capsys):
    out = tmp_path / "mnist_test_seq.npz"
    assert main(["generate", "--out", str(out), "--num", "3", "--frames", "4", "--seed", "1",
                 "--split", "test"]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("mnist-viewer: warning: digits from the "
                                                   "small embedded subset")
    assert "--data PATH" in err and "Download MNIST" in err
    assert main(["info", str(out), "--json"]) == 0
    source = json.loads(capsys.readouterr().out)["config"]["source"]
    assert source["embedded"] is True and source["name"] == "embedded-mnist"
    assert "not the full MNIST" in source["note"]


def test_a_broken_keras_cache_does_not_block_generate(tmp_path, capsys):
    from mnist_viewer.core.sources.keras import keras_cache_file

    keras = keras_cache_file()
    keras.parent.mkdir(parents=True)
    keras.write_bytes(b"PK\x03\x04" + bytes(100))  # a download cut short
    out = tmp_path / "set.npz"
    assert main(["generate", "--out", str(out), "--num", "2", "--frames", "3"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(line.startswith("mnist-viewer: warning: ") for line in lines)
    assert f"the Keras cache {keras} is skipped" in lines[0]
    assert "embedded subset" in lines[1]
    assert keras.read_bytes() == b"PK\x03\x04" + bytes(100)
    assert open_sequences(out).num_sequences == 2


def test_real_mnist_gives_no_warning(tmp_path, full_mnist_dir, capsys):
    assert main(["generate", "--out", str(tmp_path / "s.npz"), "--num", "2", "--frames", "3",
                 "--data", str(full_mnist_dir)]) == 0
    assert capsys.readouterr().err == ""
