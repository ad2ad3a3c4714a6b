"""GIFs, videos, image folders and HDF5 files as sequences: round trips through our own exporters
and files made here, natural ordering, grid splitting, and bad input."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from mnist_viewer.core import hdf5
from mnist_viewer.core.errors import DataError
from mnist_viewer.core.files import grid_split, image_folders, media
from mnist_viewer.core.output import encoders as enc
from mnist_viewer.core.output.export import grid_frames
from mnist_viewer.core.sequences import ArraySequenceSet


def moving_frames(t: int = 12, size: int = 32, seed: int = 0) -> np.ndarray:
    """A bright square moving 1 px a frame from a place of its own (one per seed) over a still,
    faint, noisy background: realistic content (neighbouring frames alike, sequences not)."""
    rng = np.random.default_rng(seed)
    frames = np.repeat(rng.integers(0, 12, (1, size, size), dtype=np.uint8), t, axis=0)
    y0, x0 = (int(v) for v in rng.integers(0, size - 8, 2))
    for k in range(t):
        y, x = (y0 + k) % (size - 8), (x0 + k) % (size - 8)
        frames[k, y:y + 8, x:x + 8] = 200 + k
    frames[:, 0, 0] = np.arange(t) + 1  # pixel marker: frame number
    return frames


def test_gif_export_reads_back_exactly_with_durations(tmp_path: Path) -> None:
    frames = moving_frames()
    path = enc.write_gif(tmp_path / "a.gif", frames, fps=20)
    out = media.read_media(path)
    assert media.media_kind(path) == "animation"
    np.testing.assert_array_equal(out.frames, frames)
    assert out.colour == "grey" and out.note == ""
    assert out.durations is not None and np.allclose(out.durations, 0.05)
    assert out.fps == pytest.approx(20)


def test_identical_frames_in_a_gif_are_kept(tmp_path: Path) -> None:
    frames = np.repeat(moving_frames(4), 3, axis=0)
    out = media.read_media(enc.write_gif(tmp_path / "still.gif", frames, fps=10))
    assert len(out.frames) == 12
    np.testing.assert_array_equal(out.frames, frames)


def test_lossless_avi_reads_back_exactly_and_mp4_within_tolerance(tmp_path: Path) -> None:
    frames = moving_frames(t=10, size=64)
    avi = media.read_media(enc.write_avi(tmp_path / "a.avi", frames, fps=12, codec="ffv1"))
    np.testing.assert_array_equal(avi.frames, frames)
    assert avi.fps == pytest.approx(12) and avi.reader == "opencv"
    pytest.importorskip("imageio_ffmpeg")
    mp4 = media.read_media(enc.write_mp4(tmp_path / "a.mp4", frames, fps=12))
    assert mp4.frames.shape[1:] == frames.shape[1:] and len(mp4.frames) == len(frames)
    assert np.abs(mp4.frames.astype(int) - frames).mean() < 6


def test_colour_frames_are_converted_to_grey_and_say_so(tmp_path: Path) -> None:
    from PIL import Image

    rgb = np.zeros((16, 16, 3), np.uint8)
    rgb[..., 0] = 255  # pure red
    frames = [Image.fromarray(rgb), Image.fromarray(rgb[..., ::-1].copy())]
    frames[0].save(tmp_path / "c.png", save_all=True, append_images=frames[1:], duration=100)
    out = media.read_media(tmp_path / "c.png")
    assert out.colour == "converted"
    assert out.frames.shape == (2, 16, 16)
    assert out.frames[0, 0, 0] == 76 and out.frames[1, 0, 0] == 29  # BT.601: 0.299, 0.114


def test_truncated_gif_gives_the_frames_that_decode_with_a_note(tmp_path: Path) -> None:
    path = enc.write_gif(tmp_path / "a.gif", moving_frames(t=20), fps=10)
    data = path.read_bytes()
    cut = tmp_path / "cut.gif"
    cut.write_bytes(data[: len(data) * 2 // 3])
    out = media.read_media(cut)
    assert 1 <= len(out.frames) < 20
    assert "damaged" in out.note or "frames read" in out.note
    (tmp_path / "head.gif").write_bytes(data[:20])
    with pytest.raises(DataError) as err:
        media.read_media(tmp_path / "head.gif")
    assert "head.gif" in str(err.value) and "\n" not in str(err.value)


def test_a_video_that_is_not_a_video_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.avi"
    bad.write_bytes(b"RIFF\x10\x00\x00\x00AVI LIST" + os.urandom(200))
    with pytest.raises(DataError) as err:
        media.read_media(bad)
    assert str(err.value).startswith(str(bad))


def test_grid_gif_splits_back_into_its_sequences(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    seqs = np.stack([moving_frames(t=6, size=28, seed=s) for s in range(16)])
    seqs[:, :, 5, 5] = rng.integers(100, 255, 16, dtype=np.uint8)[:, None]
    frames = grid_frames(ArraySequenceSet(seqs), 4, 4, gap=2)
    out = media.read_media(enc.write_gif(tmp_path / "grid.gif", frames, fps=10))
    found = grid_split.detect_grid(out.frames)
    assert found is not None and (found.rows, found.cols, found.gap) == (4, 4, 2)
    np.testing.assert_array_equal(grid_split.split_grid(out.frames, found), seqs)


def test_no_grid_is_detected_in_one_sequence_or_blank_frames() -> None:
    assert grid_split.detect_grid(moving_frames(size=64)) is None
    assert grid_split.detect_grid(np.zeros((3, 64, 64), np.uint8)) is None


def test_split_refuses_a_layout_that_does_not_tile() -> None:
    with pytest.raises(ValueError, match="does not tile"):
        grid_split.split_grid(np.zeros((1, 65, 65), np.uint8), grid_split.GridSplit(4, 4, 1))


def test_natural_order_of_frame_names() -> None:
    names = ["frame_10.png", "frame_2.png", "Frame_1.png", "gt11.png", "gt2.png", "frame_02b.png"]
    ordered = sorted(names, key=image_folders.natural_key)
    assert ordered == ["Frame_1.png", "frame_2.png", "frame_02b.png", "frame_10.png",
                       "gt2.png", "gt11.png"]


def test_png_frame_folder_reads_back_exactly_in_natural_order(tmp_path: Path) -> None:
    frames = moving_frames(t=12)
    folder = enc.write_png_frames(tmp_path / "frames", frames)
    assert image_folders.folder_kind(folder) == "frames"
    out, exact = image_folders.read_frame_folder(folder)
    assert exact
    np.testing.assert_array_equal(out, frames)


def test_folder_of_frame_folders_is_a_set_and_a_mismatch_names_the_folder(tmp_path: Path) -> None:
    seqs = np.stack([moving_frames(t=5, seed=s) for s in range(3)])
    (tmp_path / "set").mkdir()
    for i, seq in enumerate(seqs):
        enc.write_png_frames(tmp_path / "set" / f"seq{i}", seq)
    assert image_folders.folder_kind(tmp_path / "set") == "sequences"
    out, subs, _ = image_folders.read_sequence_folders(tmp_path / "set")
    np.testing.assert_array_equal(out, seqs)
    assert [p.name for p in subs] == ["seq0", "seq1", "seq2"]
    sorted((tmp_path / "set" / "seq2").iterdir())[-1].unlink()
    with pytest.raises(DataError) as err:
        image_folders.read_sequence_folders(tmp_path / "set")
    assert "seq2" in str(err.value) and "4 frames" in str(err.value)


def test_hdf5_lists_datasets_and_reads_frames_lazily(tmp_path: Path) -> None:
    h5py = pytest.importorskip("h5py")
    tn = np.stack([moving_frames(t=8, seed=s) for s in range(3)], axis=1)  # (T, N, H, W)
    path = tmp_path / "set.h5"
    with h5py.File(path, "w") as f:
        f["frames_tn"] = tn
        f["frames_nt_float"] = tn.transpose(1, 0, 2, 3).astype(np.float32) / 255
        f["group/labels"] = np.arange(3)
    entries = {e.name: e for e in hdf5.list_datasets(path)}
    assert entries["/frames_tn"].shape == (8, 3, 32, 32)
    assert entries["/group/labels"].dtype == "int64"
    assert hdf5.is_hdf5(path)
    with pytest.raises(DataError, match="several datasets"):
        hdf5.frames_key(path)
    assert hdf5.frames_key(path, "frames_tn").shape == (8, 3, 32, 32)
    array = hdf5.Hdf5Array(path, "/frames_tn")
    np.testing.assert_array_equal(array[:, 1], tn[:, 1])
    array.close()
    with pytest.raises(DataError, match="/group/labels"):
        hdf5.frames_key(path, "group/labels")


def test_hdf5_digits_as_a_data_source(tmp_path: Path) -> None:
    h5py = pytest.importorskip("h5py")
    rng = np.random.default_rng(0)
    digits = rng.integers(0, 256, (10, 28, 28), dtype=np.uint8)
    path = tmp_path / "mnist.h5"
    with h5py.File(path, "w") as f:
        f["x_train"] = digits
        f["y_train"] = np.arange(10) % 10
        f["test"] = digits[:4].reshape(4, 784).astype(np.float32) / 255
    images, labels, used = hdf5.read_digits(path, "train")
    np.testing.assert_array_equal(images, digits)
    assert list(labels) == list(range(10)) and used == "x_train"
    images, labels, used = hdf5.read_digits(path, "test")
    np.testing.assert_array_equal(images, digits[:4])
    assert (labels == -1).all() and used == "test"


def test_hdf5_bad_input_is_one_line_naming_file_and_dataset(tmp_path: Path) -> None:
    h5py = pytest.importorskip("h5py")
    fake = tmp_path / "fake.h5"
    fake.write_bytes(b"not hdf5 at all" * 10)
    with pytest.raises(DataError) as err:
        hdf5.list_datasets(fake)
    assert "fake.h5" in str(err.value) and "not an HDF5 file" in str(err.value)
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as f:
        f["x_train"] = np.zeros((3, 4), np.uint8)
        f["strings"] = np.array([b"a", b"b"])
    with pytest.raises(DataError) as err:
        hdf5.read_digits(path, "train")
    assert "x_train" in str(err.value) and "bad.h5" in str(err.value)
    with pytest.raises(DataError, match="strings"):
        hdf5.frames_key(path, "strings")


def test_media_sets_open_each_kind_with_the_right_counts(tmp_path: Path) -> None:
    from mnist_viewer.core.files import media_sets

    frames = moving_frames(t=9)
    gif = enc.write_gif(tmp_path / "one.gif", frames, fps=10)
    seqs = media_sets.open_media_sequences(gif)
    assert (seqs.num_sequences, seqs.num_frames, seqs.height, seqs.width) == (1, 9, 32, 32)
    np.testing.assert_array_equal(seqs.sequence(0), frames)
    assert seqs.config["source"]["fps"] == pytest.approx(10)
    folder = enc.write_png_frames(tmp_path / "frames", frames)
    assert media_sets.media_kind_of(folder) == "frame-folder"
    np.testing.assert_array_equal(media_sets.open_media_sequences(folder).sequence(0), frames)
    info = media_sets.describe_media(gif)
    assert info["recognised_as"] == "animation" and info["frames"] == 9


def test_hdf5_sequences_layout_and_values_from_content(tmp_path: Path) -> None:
    h5py = pytest.importorskip("h5py")
    from mnist_viewer.core.files import media_sets

    nt = np.stack([moving_frames(t=10, seed=s) for s in range(4)])  # (N, T, H, W)
    nt[:, :, 0, 1] = np.arange(4)[:, None] + 1  # marker: sequence number
    path = tmp_path / "s.h5"
    with h5py.File(path, "w") as f:
        f["tn"] = nt.transpose(1, 0, 2, 3)
        f["nt_float"] = nt.astype(np.float32) / 255
        f["nt_channel"] = nt[:, :, None]
    for key in ("tn", "nt_float", "nt_channel"):
        seqs = media_sets.open_hdf5_sequences(path, key)
        assert (seqs.num_sequences, seqs.num_frames) == (4, 10), key
        np.testing.assert_array_equal(seqs.chunk(1, 3), nt[1:3], err_msg=key)
    one = media_sets.open_hdf5_sequences(path, "tn")
    assert one.config["source"]["layout_decided_by"] == "content"


def test_cli_reads_gifs_folders_and_hdf5_with_key_and_split_grid(tmp_path: Path, capsys) -> None:
    import json

    h5py = pytest.importorskip("h5py")
    from mnist_viewer.cli import main

    seqs = np.stack([moving_frames(t=6, size=28, seed=s) for s in range(4)])
    grid = enc.write_gif(tmp_path / "grid.gif", grid_frames(ArraySequenceSet(seqs), 2, 2), fps=5)
    assert main(["info", "--json", str(grid)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["num_sequences"], info["frames"]) == (1, 6)
    assert info["recognised_as"] == "animation"
    assert info["source"]["grid_detected"] == {"rows": 2, "cols": 2, "gap": 1}
    assert main(["stats", "--json", "--split-grid", "2x2+1", str(grid)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["num_sequences"] == 4
    path = tmp_path / "two.h5"
    with h5py.File(path, "w") as f:
        f["a"] = seqs
        f["b"] = seqs.transpose(1, 0, 2, 3)
    assert main(["info", str(path)]) == 2
    assert "--key" in capsys.readouterr().err
    assert main(["info", "--json", "--key", "b", str(path)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["num_sequences"], info["frames"]) == (4, 6)
    assert [d["name"] for d in info["datasets"]] == ["/a", "/b"]


def test_hdf5_digits_feed_the_generator_and_open_as_one_sequence(tmp_path: Path, capsys) -> None:
    import json

    h5py = pytest.importorskip("h5py")
    from mnist_viewer.cli import main
    from mnist_viewer.core.files import open_sequences
    from mnist_viewer.core.sources.datasets import load_dataset

    rng = np.random.default_rng(3)
    digits = np.zeros((20, 28, 28), np.uint8)
    digits[:, 6:22, 10:18] = rng.integers(100, 256, (20, 16, 8), dtype=np.uint8)
    path = tmp_path / "mnist.h5"
    with h5py.File(path, "w") as f:
        f["x_train"] = digits
        f["y_train"] = np.arange(20) % 10
    train = load_dataset(path, "train")
    assert len(train) == 20 and train.format == "hdf5" and list(train.labels[:3]) == [0, 1, 2]
    out = tmp_path / "set.npz"
    assert main(["generate", "--out", str(out), "--num", "3", "--frames", "4",
                 "--data", str(path), "--seed", "2"]) == 0
    capsys.readouterr()
    assert main(["info", "--json", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["config"]["source"]["format"] == "hdf5"
    as_sequences = open_sequences(path, key="x_train")
    assert (as_sequences.num_sequences, as_sequences.num_frames) == (1, 20)
    np.testing.assert_array_equal(as_sequences.sequence(0), digits)


def test_pillow_problems_are_one_message_naming_the_image(tmp_path: Path) -> None:
    """One helper turns Pillow's errors into DataError for frame folders and animations; a
    DataError of ours inside it passes unchanged (it used to be wrapped a second time)."""
    from PIL import Image

    folder = tmp_path / "frames16"
    folder.mkdir()
    for i in range(2):
        Image.fromarray(np.full((4, 4), 300, np.uint16)).save(folder / f"{i}.png")
    with pytest.raises(DataError) as info:
        image_folders.read_frame_folder(folder)
    message = str(info.value)
    assert "images are not supported" in message and "cannot read the image" not in message
    assert message.count("0.png") == 1
    junk = tmp_path / "junk.gif"
    junk.write_bytes(b"GIF89a" + bytes(20))
    with pytest.raises(DataError, match=r"junk\.gif"):
        media.read_animation(junk)
