"""`mnist-viewer export`: files decoded back against the sequences they came from."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from mnist_viewer import cli
from mnist_viewer.core.files import open_sequences, save_sequences
from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.sequences import ArraySequenceSet
from mnist_viewer.core.sources.datasets import load_dataset

N, T = 12, 20


@pytest.fixture(autouse=True)
def only_export(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the real ``cli.main`` with just this subcommand registered."""
    monkeypatch.setattr(cli, "COMMANDS", ("export",))


@pytest.fixture(scope="module")
def test_split(mnist_dir):
    return load_dataset(mnist_dir, "test")


@pytest.fixture(scope="module")
def seq_file(tmp_path_factory, test_split) -> Path:
    """A generated set of real test digits saved as our .npz (with ground truth)."""
    path = tmp_path_factory.mktemp("seqs") / "set.npz"
    config = GeneratorConfig(num_sequences=N, frames=T, split="test", seed=5)
    save_sequences(path, generate(config, test_split))
    return path


@pytest.fixture(scope="module")
def source(seq_file) -> np.ndarray:
    return np.asarray(open_sequences(seq_file).chunk(0, N))


def main(*argv: object) -> int:
    return cli.main(["export", *map(str, argv)])


def decode_gif(path: Path) -> tuple[np.ndarray, list[int], dict]:
    with Image.open(path) as im:
        info = dict(im.info)
        frames = [np.array(f.convert("L")) for f in ImageSequence.Iterator(im)]
        delays = [f.info["duration"] for f in ImageSequence.Iterator(im)]
    return np.stack(frames), delays, info


def blocky(frames: np.ndarray, s: int) -> np.ndarray:
    return frames.repeat(s, axis=-2).repeat(s, axis=-1)


def test_one_sequence_to_gif(tmp_path, seq_file, source, capsys) -> None:
    out = tmp_path / "one.gif"
    assert main(seq_file, "--out", out, "--index", 3) == 0
    assert capsys.readouterr().out.split() == [str(out)]
    frames, delays, info = decode_gif(out)
    np.testing.assert_array_equal(frames, source[3])
    assert delays == [100] * T and info["loop"] == 0


def test_fps_scale_and_no_loop(tmp_path, seq_file, source) -> None:
    out = tmp_path / "once.gif"
    assert main(seq_file, "--out", out, "--fps", 25, "--scale", 3, "--no-loop") == 0
    frames, delays, info = decode_gif(out)
    np.testing.assert_array_equal(frames, blocky(source[0], 3))
    assert delays == [40] * T and "loop" not in info


def test_grid_page(tmp_path, seq_file, source) -> None:
    out = tmp_path / "grid.gif"
    assert main(seq_file, "--out", out, "--grid", "2x3", "--page", 1, "--scale", 2) == 0
    frames, _, _ = decode_gif(out)
    h = w = 64 * 2
    gap = 2
    assert frames.shape == (T, 2 * h + gap, 3 * w + 2 * gap)
    for k in range(6):
        r, c = divmod(k, 3)
        y, x = r * (h + gap), c * (w + gap)
        np.testing.assert_array_equal(frames[:, y : y + h, x : x + w], blocky(source[6 + k], 2))
    assert np.all(frames[:, h : h + gap, :] == 64) and np.all(frames[:, :, w : w + gap] == 64)


def test_range_writes_one_file_each(tmp_path, seq_file, source, capsys) -> None:
    assert main(seq_file, "--out", tmp_path / "clip.gif", "--range", "2:5") == 0
    names = [Path(p).name for p in capsys.readouterr().out.split()]
    assert names == ["clip_0002.gif", "clip_0003.gif", "clip_0004.gif"]
    for i, name in zip(range(2, 5), names, strict=True):
        np.testing.assert_array_equal(decode_gif(tmp_path / name)[0], source[i])


def test_lossless_avi_sheet_and_folder(tmp_path, seq_file, source) -> None:
    import cv2

    assert main(seq_file, "--out", tmp_path / "a.avi", "--index", 1, "--lossless") == 0
    cap = cv2.VideoCapture(str(tmp_path / "a.avi"))
    got = []
    while (read := cap.read())[0]:
        got.append(read[1][..., 0])
    np.testing.assert_array_equal(np.stack(got), source[1])

    assert main(seq_file, "--out", tmp_path / "s.png", "--index", 1, "--sheet-cols", 10) == 0
    sheet = np.array(Image.open(tmp_path / "s.png"))
    assert sheet.shape == (2 * 64 + 1, 10 * 64 + 9)
    np.testing.assert_array_equal(sheet[65:, 65 * 3 : 65 * 3 + 64], source[1, 13])

    assert main(seq_file, "--out", tmp_path / "frames", "--index", 1) == 0
    names = sorted(os.listdir(tmp_path / "frames"))
    assert len(names) == T
    np.testing.assert_array_equal(np.array(Image.open(tmp_path / "frames" / names[7])),
                                  source[1, 7])


@pytest.mark.parametrize("lossless", [True, False])
def test_default_grid_page_to_avi(tmp_path, seq_file, source, capsys, lossless) -> None:
    import cv2

    # 4x4 cells of 64 px with 1-px separators: 259x259, odd; padded to 260x260.
    out = tmp_path / "grid.avi"
    assert main(seq_file, "--out", out, "--grid", "4x4", *(["--lossless"] * lossless)) == 0
    printed = capsys.readouterr()
    assert printed.out.split() == [str(out)]
    assert printed.err == (f"mnist-viewer: warning: {out}: 259x259 frames written as 260x260, "
                           "padded with the background at the right/bottom (video needs even "
                           "sizes)\n")
    cap = cv2.VideoCapture(str(out))
    got = []
    while (read := cap.read())[0]:
        got.append(read[1][..., 0])
    cap.release()
    frames = np.stack(got)
    assert frames.shape == (T, 260, 260)
    cells = np.full((T, 259, 259), 64, np.uint8)  # separators: the mosaic's gap grey
    for k in range(16):  # 12 sequences: the last row of cells is empty (black)
        r, c = divmod(k, 4)
        cells[:, r * 65 : r * 65 + 64, c * 65 : c * 65 + 64] = source[k] if k < N else 0
    if lossless:
        np.testing.assert_array_equal(frames[:, :259, :259], cells)
        assert not frames[:, 259:].any() and not frames[:, :, 259:].any()
    else:
        mse = np.mean((frames[:, :259, :259].astype(float) - cells) ** 2)
        assert 10 * np.log10(255**2 / mse) > 30


def test_captions_and_boxes_change_only_overlay_pixels(tmp_path, seq_file, source) -> None:
    from mnist_viewer.core.output.overlays import slot_rgb

    out = tmp_path / "c.gif"
    assert main(seq_file, "--out", out, "--index", 2, "--captions", "--boxes") == 0
    with Image.open(out) as im:
        frames = np.stack([np.array(f.convert("RGB")) for f in ImageSequence.Iterator(im)])
    plain = np.repeat(source[2][..., None], 3, axis=-1)
    changed = np.any(frames != plain, axis=-1)
    assert changed.any()
    truth = open_sequences(seq_file).ground_truth
    slots = truth.boxes.shape[2]
    # Only overlay colours are added: caption boxes black, text white, outlines in slot colours.
    overlay = {(0, 0, 0), (255, 255, 255), *(slot_rgb(d) for d in range(slots))}
    assert {tuple(int(v) for v in c) for c in frames[changed]} <= overlay
    # Every box outline (the ring just outside the ink box) has its slot's colour, except
    # under captions and where a later slot's ring crosses it.
    for t in (0, 9, 19):
        rings = []
        for x0, y0, x1, y1 in truth.boxes[2, t]:
            ring = np.zeros((64 + 2, 64 + 2), bool)  # one pixel of slack on each side
            ring[y0 : y1 + 2, x0 : x1 + 2] = True
            ring[y0 + 1 : y1 + 1, x0 + 1 : x1 + 1] = False
            ring = ring[1:-1, 1:-1]
            ring[:12, :] = ring[-12:, :30] = False  # "#2 · 9/20" and "a b" labels
            rings.append(ring)
        for d, ring in enumerate(rings):
            own = ring & ~np.any(rings[d + 1 :], axis=0) if d + 1 < len(rings) else ring
            assert own.sum() > 20
            assert np.all(frames[t][own] == slot_rgb(d)), (t, d)


def test_dataset_input_generates_a_fresh_set(tmp_path, mnist_dir, test_split) -> None:
    out = tmp_path / "gen.gif"
    assert main(mnist_dir, "--out", out, "--index", 2, "--split", "test", "--seed", 9) == 0
    config = GeneratorConfig(num_sequences=3, frames=T, split="test", seed=9)
    want = generate(config, test_split).sequence(2)
    np.testing.assert_array_equal(decode_gif(out)[0], want)


def test_dataset_stream(tmp_path, mnist_dir, test_split) -> None:
    out = tmp_path / "digits.gif"
    argv = (mnist_dir, "--out", out, "--stream", "--split", "test", "--start", 40, "--count", 9)
    assert main(*argv) == 0
    np.testing.assert_array_equal(decode_gif(out)[0], test_split.images[40:49])


# --------------------------------------------------------------------------- errors


def one_line_error(capsys: pytest.CaptureFixture[str], *fragments: str) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, err
    return err


@pytest.mark.parametrize(
    ("extra", "fragments"),
    [
        (("--out", "x.webm"), ("x.webm", "unknown export format")),
        (("--out", "x.gif", "--index", 12), ("has 12 sequences", "--index 12")),
        (("--out", "x.gif", "--range", "10:13"), ("--range 10:13",)),
        (("--out", "x.gif", "--grid", "3x3", "--page", 2), ("--page 2",)),
        (("--out", "x.gif", "--stream"), ("sequence file", "--stream")),
    ],
)
def test_bad_requests_are_one_line_exit_2(tmp_path, seq_file, capsys, extra, fragments) -> None:
    extra = tuple(str(tmp_path / e) if str(e).startswith("x.") else e for e in extra)
    assert main(seq_file, *extra) == 2
    one_line_error(capsys, *fragments)
    assert os.listdir(tmp_path) == []


def test_boxes_need_ground_truth(tmp_path, source, capsys) -> None:
    plain = tmp_path / "plain.npy"
    save_sequences(plain, ArraySequenceSet(source.copy()))
    assert main(plain, "--out", tmp_path / "x.gif", "--boxes") == 2
    one_line_error(capsys, "plain.npy", "no ground truth")


def test_missing_and_unreadable_inputs(tmp_path, capsys) -> None:
    assert main(tmp_path / "nope.npz", "--out", tmp_path / "x.gif") == 2
    one_line_error(capsys, "nope.npz")
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"not a numpy file")
    assert main(bad, "--out", tmp_path / "x.gif") == 2
    one_line_error(capsys, "bad.npy")


def test_full_disk_keeps_the_existing_target(tmp_path, seq_file, capsys, file_size_limit) -> None:
    out = tmp_path / "keep.gif"
    out.write_bytes(b"the old animation")
    with file_size_limit(2048):
        code = main(seq_file, "--out", out, "--scale", 4)
    assert code == 2
    one_line_error(capsys, "File too large")
    assert out.read_bytes() == b"the old animation"
    assert os.listdir(tmp_path) == ["keep.gif"]


def test_dev_full_is_refused(seq_file, capsys) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    assert main(seq_file, "--out", "/dev/full") == 2
    one_line_error(capsys, "/dev/full", "refusing to replace")
    assert os.path.exists("/dev/full") and not os.path.isfile("/dev/full")


@pytest.mark.parametrize("argv", [("--fps", "0"), ("--scale", "0"), ("--grid", "4by4")])
def test_bad_option_values_are_usage_errors(seq_file, tmp_path, argv) -> None:
    with pytest.raises(SystemExit) as exc:
        main(seq_file, "--out", tmp_path / "x.gif", *argv)
    assert exc.value.code == 2
