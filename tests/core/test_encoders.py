"""Exports decoded back and compared with the source frames (real MNIST digits in motion)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from mnist_viewer.core.errors import Cancelled, DataError
from mnist_viewer.core.ground_truth import GroundTruth
from mnist_viewer.core.output import encoders as enc
from mnist_viewer.core.output import export as exp
from mnist_viewer.core.output import gif as gif_writer
from mnist_viewer.core.output import overlays as ovl
from mnist_viewer.core.output.colormaps import COLORMAPS, apply_colormap, colormap
from mnist_viewer.core.sequences import ArraySequenceSet
from mnist_viewer.core.sources.datasets import load_dataset

T = 20


def bouncing_set(images: np.ndarray, labels: np.ndarray, n: int, t: int = T, seed: int = 0):
    """N sequences of two real digits bouncing in 64×64, with their ink boxes (plain numpy)."""
    rng = np.random.default_rng(seed)
    d, size, patch = 2, 64, 28
    frames = np.zeros((n, t, size, size), np.uint8)
    positions = np.zeros((n, t, d, 2), np.int32)
    boxes = np.zeros((n, t, d, 4), np.int32)
    index = rng.choice(len(images), size=(n, d), replace=False)
    for i in range(n):
        for j in range(d):
            digit = images[index[i, j]]
            ys, xs = np.nonzero(digit)
            pos = rng.uniform(0, size - patch, 2)
            vel = rng.uniform(-3, 3, 2)
            for k in range(t):
                pos = pos + vel
                for a in range(2):
                    if not 0 <= pos[a] <= size - patch:
                        vel[a] = -vel[a]
                        pos[a] = np.clip(pos[a], 0, size - patch)
                top, left = np.rint(pos).astype(int)
                positions[i, k, j] = top, left
                view = frames[i, k, top : top + patch, left : left + patch]
                np.maximum(view, digit, out=view)
                boxes[i, k, j] = (left + xs.min(), top + ys.min(),
                                  left + xs.max() + 1, top + ys.max() + 1)
    gt = GroundTruth(
        labels=labels[index].astype(np.int16),
        digit_index=index.astype(np.int64),
        positions=positions,
        start=np.zeros((n, d, 2)),
        velocity=np.zeros((n, t, d, 2)),
        boxes=boxes,
    )
    return ArraySequenceSet(frames, gt, layout="test")


@pytest.fixture(scope="module")
def mnist_test(mnist_dir):
    ds = load_dataset(mnist_dir, "test")
    return ds.images, ds.labels


@pytest.fixture(scope="module")
def seqs(mnist_test):
    return bouncing_set(*mnist_test, n=21)


@pytest.fixture(scope="module")
def frames(seqs) -> np.ndarray:
    return seqs.sequence(3)


def blocky(frames: np.ndarray, s: int) -> np.ndarray:
    """Nearest-neighbour upscaling, independently: a Kronecker product with an s×s block."""
    return np.stack([np.kron(f, np.ones((s, s), np.uint8)) for f in frames])


def decode_gif(path: Path) -> tuple[np.ndarray, list[int], dict]:
    """Every frame of a GIF as RGB, its delays in ms and the file-level info (Pillow)."""
    with Image.open(path) as im:
        info = dict(im.info)
        out, delays = [], []
        for f in ImageSequence.Iterator(im):
            out.append(np.array(f.convert("RGB")))
            delays.append(f.info["duration"])
    return np.stack(out), delays, info


def decode_avi(path: Path) -> np.ndarray:
    import cv2

    cap = cv2.VideoCapture(str(path))
    out = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        out.append(img[..., ::-1])  # BGR → RGB
    cap.release()
    return np.stack(out)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def leftovers(folder: Path) -> list[str]:
    """Temporary files (atomic_path names them ``.<target>.XXXX.part``)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --------------------------------------------------------------------------- GIF


def test_gif_frames_decode_exactly_with_loop_and_delay(tmp_path, frames) -> None:
    path = enc.write_gif(tmp_path / "seq.gif", frames, fps=10)
    got, delays, info = decode_gif(path)
    assert got.shape == (T, 64, 64, 3)
    np.testing.assert_array_equal(got, np.repeat(frames[..., None], 3, axis=3))
    assert delays == [100] * T
    assert info["loop"] == 0  # NETSCAPE extension: repeat forever
    # imageio's reader agrees.
    import imageio.v3 as iio

    back = iio.imread(path, index=None)
    np.testing.assert_array_equal(back.reshape(T, 64, 64, -1)[..., 0], frames)


def test_gif_keeps_identical_consecutive_frames(tmp_path, frames) -> None:
    # A digit at rest: Pillow's animated-GIF writer would merge these into fewer frames.
    still = np.concatenate([frames[:3], np.repeat(frames[3:4], 5, axis=0), frames[4:6]])
    got, delays, _ = decode_gif(enc.write_gif(tmp_path / "still.gif", still, fps=20))
    assert len(got) == len(still) == 10
    np.testing.assert_array_equal(got[..., 1], still)
    assert delays == [50] * 10


def test_gif_play_once(tmp_path, frames) -> None:
    _, _, info = decode_gif(enc.write_gif(tmp_path / "once.gif", frames, loop=False))
    assert "loop" not in info  # no NETSCAPE extension: viewers play it once


@pytest.mark.parametrize("fps", [30.0, 24.0, 7.0, 12.5])
def test_gif_delays_follow_fps_on_average(tmp_path, frames, fps) -> None:
    _, delays, _ = decode_gif(enc.write_gif(tmp_path / "rate.gif", frames, fps=fps))
    assert len(delays) == T
    assert all(d % 10 == 0 and abs(d - 1000 / fps) < 10 for d in delays)
    ends = np.cumsum(delays)
    assert np.all(np.abs(ends - np.arange(1, T + 1) * 1000 / fps) <= 5)


def test_gif_fps_is_capped_at_50(tmp_path, frames) -> None:
    _, delays, _ = decode_gif(enc.write_gif(tmp_path / "fast.gif", frames[:4], fps=120))
    assert delays == [20] * 4


def test_gif_scale_is_nearest_neighbour(tmp_path, frames) -> None:
    got, _, _ = decode_gif(enc.write_gif(tmp_path / "big.gif", frames, scale=3))
    assert got.shape == (T, 192, 192, 3)
    np.testing.assert_array_equal(got[..., 0], blocky(frames, 3))


@pytest.mark.parametrize("name", ["viridis", "magma"])
def test_gif_colormap_is_exact(tmp_path, frames, name) -> None:
    table = colormap(name)
    got, _, _ = decode_gif(enc.write_gif(tmp_path / "c.gif", frames, colormap=name, scale=2))
    np.testing.assert_array_equal(got, table[blocky(frames, 2)])


def test_gif_rgb_frames_with_few_colours_are_exact(tmp_path, frames) -> None:
    rgb = np.zeros((*frames.shape, 3), np.uint8)
    rgb[..., 0] = frames // 32 * 32  # 8 levels of red
    rgb[..., 2] = 255 - frames // 64 * 64  # 4 levels of blue
    got, _, _ = decode_gif(enc.write_gif(tmp_path / "rgb.gif", rgb))
    np.testing.assert_array_equal(got, rgb)


def test_gif_rgb_frames_with_too_many_colours_are_refused(tmp_path, frames) -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (*frames.shape, 3), dtype=np.uint8)
    with pytest.raises(DataError, match="256 colours"):
        enc.write_gif(tmp_path / "rgb.gif", rgb)
    assert list(tmp_path.iterdir()) == []


def test_gif_rgb_frames_a_few_colours_over_256_keep_the_frequent_ones(tmp_path, frames) -> None:
    levels = (np.arange(T * 64 * 64) % 256).reshape(T, 64, 64).astype(np.uint8)
    mapped = colormap("viridis")[levels]  # every colour of the table, equally frequent
    side = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 0], [255, 255, 255]], np.uint8)
    side = np.broadcast_to(side.repeat(2, axis=0), (T, 64, 8, 3))  # frequent overlay colours
    rgb = np.concatenate([mapped, side], axis=2)
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 256
    got, _, _ = decode_gif(enc.write_gif(tmp_path / "rgb.gif", rgb))
    np.testing.assert_array_equal(got[:, :, -8:], side)  # overlay colours exact
    diff = np.abs(got.astype(int) - rgb)
    assert (diff.max(axis=-1) > 0).mean() < 0.01  # a few rare levels merged ...
    assert diff.max() <= 8  # ... into their nearest neighbour


# --------------------------------------------------------------------------- colour maps


def test_colormaps_are_uint8_tables_from_dark_to_light() -> None:
    for name in COLORMAPS:
        table = colormap(name)
        assert table.shape == (256, 3) and table.dtype == np.uint8
        luma = table.astype(float) @ [0.2126, 0.7152, 0.0722]
        assert luma[-1] - luma[0] > 150, name
        assert np.all(np.diff(luma) > -2), name  # lightness never drops (perceptual maps)
    np.testing.assert_array_equal(colormap("grey")[:, 1], np.arange(256))
    with pytest.raises(ValueError, match="unknown colour map"):
        colormap("jet")


def test_colormaps_equal_matplotlib_tables() -> None:
    mpl = pytest.importorskip("matplotlib")
    for name in COLORMAPS[1:]:
        ref = mpl.colormaps[name](np.arange(256), bytes=True)[:, :3]  # matplotlib's uint8 table
        np.testing.assert_array_equal(colormap(name), ref, err_msg=name)
    table = colormap("viridis")
    table[:] = 0  # a fresh copy each time: the shared table is untouched
    assert colormap("viridis").any()


def test_apply_colormap_indexes_by_value(frames) -> None:
    table = colormap("inferno")
    got = apply_colormap(frames, table)
    assert got.shape == (*frames.shape, 3)
    y, x = np.unravel_index(np.argmax(frames[0]), frames[0].shape)
    np.testing.assert_array_equal(got[0, y, x], table[frames[0, y, x]])


# --------------------------------------------------------------------------- AVI / MP4


def test_avi_mjpg_count_size_and_quality(tmp_path, frames) -> None:
    path = enc.write_avi(tmp_path / "seq.avi", frames, fps=10, scale=2)
    got = decode_avi(path)
    assert got.shape == (T, 128, 128, 3)
    want = blocky(frames, 2)
    for k in range(T):
        assert psnr(got[k, ..., 1], want[k]) >= 40.0, k


def test_avi_ffv1_is_lossless(tmp_path, frames) -> None:
    got = decode_avi(enc.write_avi(tmp_path / "seq.avi", frames, codec="ffv1"))
    assert got.shape == (T, 64, 64, 3)
    np.testing.assert_array_equal(got[..., 2], frames)


def test_avi_colour_channels_are_in_order(tmp_path, frames) -> None:
    got = decode_avi(enc.write_avi(tmp_path / "c.avi", frames, codec="ffv1", colormap="plasma"))
    np.testing.assert_array_equal(got, colormap("plasma")[frames])


def test_avi_unknown_codec_is_refused(tmp_path, frames) -> None:
    with pytest.raises(ValueError, match="unknown AVI codec"):
        enc.write_avi(tmp_path / "x.avi", frames, codec="h265")


def test_avi_writer_that_cannot_open_raises_data_error(tmp_path, frames, monkeypatch) -> None:
    monkeypatch.setitem(enc.AVI_CODECS, "lags", "LAGS")  # no LAGS encoder in OpenCV's ffmpeg
    with pytest.raises(DataError, match=r"x\.avi.*LAGS"):
        enc.write_avi(tmp_path / "x.avi", frames, codec="lags")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("codec", ["ffv1", "mjpg"])
@pytest.mark.parametrize(("h", "w"), [(259, 259), (64, 63), (63, 64), (1, 1), (3, 5)])
def test_avi_at_odd_sizes_is_padded_with_the_background(tmp_path, frames, codec, h, w) -> None:
    # Odd sides: OpenCV alone would drop the last row/column (258x258 for the 4x4 grid page).
    src = np.resize(frames, (T, h, w)) if h > 64 or w > 64 else frames[:, :h, :w]
    src = np.ascontiguousarray(src)
    got = decode_avi(enc.write_avi(tmp_path / "odd.avi", src, codec=codec))
    assert got.shape == (T, h + h % 2, w + w % 2, 3)
    if codec == "ffv1":  # lossless: every pixel, the padding black
        np.testing.assert_array_equal(got[:, :h, :w, 1], src)
        assert not got[:, h:].any() and not got[:, :, w:].any()
    elif min(h, w) >= 16:
        assert psnr(got[:, :h, :w, 1], src) >= 35.0


def test_avi_odd_size_padding_takes_the_colour_map(tmp_path, frames) -> None:
    src = np.ascontiguousarray(frames[:, :63, :61])
    got = decode_avi(enc.write_avi(tmp_path / "c.avi", src, codec="ffv1", colormap="viridis"))
    table = colormap("viridis")
    assert got.shape == (T, 64, 62, 3)
    np.testing.assert_array_equal(got[:, :63, :61], table[src])
    assert (got[:, 63:] == table[0]).all() and (got[:, :, 61:] == table[0]).all()


def test_even_size_and_the_scale(tmp_path, frames) -> None:
    assert enc.even_size(259, 259) == (260, 260) and enc.even_size(64, 64) == (64, 64)
    src = np.ascontiguousarray(frames[:, :21, :21])
    got = decode_avi(enc.write_avi(tmp_path / "s.avi", src, codec="ffv1", scale=3))
    assert got.shape == (T, 64, 64, 3)  # 63 → 64
    np.testing.assert_array_equal(got[:, :63, :63, 0], blocky(src, 3))


def test_avi_read_back_mismatch_says_what_it_is(tmp_path, frames, monkeypatch) -> None:
    from mnist_viewer.core.output import video

    monkeypatch.setattr(video, "even_size", lambda h, w: (h, w))  # as before the fix
    src = np.ascontiguousarray(frames[:, :63, :63])
    with pytest.raises(DataError) as info:
        enc.write_avi(tmp_path / "odd.avi", src, codec="ffv1")
    problem = info.value.problem
    assert "62x62 instead of 63x63" in problem and "disk" not in problem
    assert list(tmp_path.iterdir()) == []


def test_mp4_count_size_and_quality(tmp_path, frames) -> None:
    ffmpeg = pytest.importorskip("imageio_ffmpeg")
    path = enc.write_mp4(tmp_path / "seq.mp4", frames[:, :63, :61], fps=10)  # odd size: padded
    reader = ffmpeg.read_frames(str(path))  # rgb24
    meta = next(reader)
    got = np.stack([np.frombuffer(b, np.uint8) for b in reader]).reshape(-1, 64, 62, 3)
    assert meta["size"] == (62, 64)
    assert len(got) == T
    assert psnr(got[:, :63, :61, 1], frames[:, :63, :61]) >= 30.0
    assert not got[:, 63:, :].any() and got[:, :, 61:].max() < 8  # black padding


def test_mp4_without_imageio_ffmpeg_is_a_clear_error(tmp_path, frames, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    with pytest.raises(DataError, match="imageio-ffmpeg"):
        enc.export_frames(tmp_path / "seq.mp4", frames)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- PNG


def test_png_frame_folder_is_exact(tmp_path, frames) -> None:
    folder = enc.write_png_frames(tmp_path / "frames", frames, scale=2)
    names = sorted(os.listdir(folder))
    assert names == [f"frame_{k:04d}.png" for k in range(T)]
    want = blocky(frames, 2)
    for k, name in enumerate(names):
        np.testing.assert_array_equal(np.array(Image.open(folder / name)), want[k])
    assert stat.S_IMODE(folder.stat().st_mode) & 0o055 == 0o055 & ~current_umask()


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_png_sheet_layout(tmp_path, frames) -> None:
    sheet = np.array(Image.open(enc.write_sheet(tmp_path / "s.png", frames[:7], cols=3, scale=2)))
    h = w = 64
    assert sheet.shape == (2 * (3 * h + 2), 2 * (3 * w + 2))
    small = sheet[::2, ::2]
    np.testing.assert_array_equal(sheet, blocky(small[None], 2)[0])
    for k in range(9):
        r, c = divmod(k, 3)
        cell = small[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w]
        np.testing.assert_array_equal(cell, frames[k] if k < 7 else 0)
    assert small[h, 0] == enc.GAP_FILL and small[0, w] == enc.GAP_FILL


def test_sprite_sheet_is_one_row(frames) -> None:
    strip = enc.contact_sheet(frames[:5], cols=5, gap=0)
    np.testing.assert_array_equal(strip, np.concatenate(list(frames[:5]), axis=1))


# --------------------------------------------------------------------------- by extension


@pytest.mark.parametrize(
    ("name", "kind"),
    [("a.gif", "gif"), ("a.GIF", "gif"), ("a.avi", "avi"), ("a.mp4", "mp4"), ("a.png", "sheet"),
     ("frames", "frames")],
)
def test_export_format_by_extension(tmp_path, name, kind) -> None:
    assert enc.export_format(tmp_path / name) == kind


def test_existing_folder_means_png_frames(tmp_path, frames) -> None:
    (tmp_path / "out.d").mkdir()
    assert enc.export_format(tmp_path / "out.d") == "frames"
    enc.export_frames(tmp_path / "out.d", frames[:3])
    assert sorted(os.listdir(tmp_path / "out.d")) == ["frame_0000.png", "frame_0001.png",
                                                       "frame_0002.png"]


def test_unknown_extension_is_a_data_error(tmp_path, frames) -> None:
    with pytest.raises(DataError, match=r"out\.webm: unknown export format"):
        enc.export_frames(tmp_path / "out.webm", frames)
    assert list(tmp_path.iterdir()) == []


def test_export_frames_dispatches(tmp_path, frames) -> None:
    enc.export_frames(tmp_path / "a.gif", frames, fps=25, loop=False, scale=2)
    got, delays, info = decode_gif(tmp_path / "a.gif")
    assert got.shape[:3] == (T, 128, 128) and delays == [40] * T and "loop" not in info
    enc.export_frames(tmp_path / "a.avi", frames, codec="ffv1")
    np.testing.assert_array_equal(decode_avi(tmp_path / "a.avi")[..., 0], frames)
    enc.export_frames(tmp_path / "a.png", frames, sheet_cols=T)
    assert np.array(Image.open(tmp_path / "a.png")).shape == (64, T * 65 - 1)
    enc.export_frames(tmp_path / "a", frames)
    assert len(os.listdir(tmp_path / "a")) == T


# --------------------------------------------------------------------------- faults

WRITERS = {
    "gif": lambda p, f, **kw: enc.write_gif(p.with_suffix(".gif"), f, **kw),
    "avi": lambda p, f, **kw: enc.write_avi(p.with_suffix(".avi"), f, **kw),
    "mp4": lambda p, f, **kw: enc.write_mp4(p.with_suffix(".mp4"), f, **kw),
    "sheet": lambda p, f, **kw: enc.write_sheet(p.with_suffix(".png"), f, **kw),
    "frames": lambda p, f, **kw: enc.write_png_frames(p, f, **kw),
}


def target_of(kind: str, folder: Path) -> Path:
    base = folder / "out"
    return base if kind == "frames" else base.with_suffix({"sheet": ".png"}.get(kind, "." + kind))


def make_existing(target: Path) -> bytes | list[str]:
    if target.suffix:
        target.write_bytes(b"precious")
        return b"precious"
    target.mkdir()
    (target / "frame_0000.png").write_bytes(b"old frame")
    return ["frame_0000.png"]


def unchanged(target: Path, before) -> bool:
    if isinstance(before, bytes):
        return target.read_bytes() == before
    same_names = sorted(os.listdir(target)) == before
    return same_names and (target / before[0]).read_bytes() == b"old frame"


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_cancel_halfway_leaves_nothing_and_keeps_the_old_file(tmp_path, frames, kind) -> None:
    if kind == "mp4":
        pytest.importorskip("imageio_ffmpeg")
    target = target_of(kind, tmp_path)
    before = make_existing(target)
    seen: list[tuple[int, int]] = []
    calls = iter(range(10**6))

    def cancel() -> bool:
        return next(calls) >= T // 2 if kind != "sheet" else True

    with pytest.raises(Cancelled):
        WRITERS[kind](tmp_path / "out", frames, progress=lambda d, t: seen.append((d, t)),
                      cancel=cancel)
    assert os.listdir(tmp_path) == [target.name]
    assert unchanged(target, before)
    if kind != "sheet":
        assert seen[-1] == (T // 2, T)




@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_full_disk_fails_cleanly_and_keeps_the_old_file(
    tmp_path, frames, kind, file_size_limit
) -> None:
    if kind == "mp4":
        pytest.importorskip("imageio_ffmpeg")
    target = target_of(kind, tmp_path)
    before = make_existing(target)
    # Noisy big frames: far over the limit in every format (each PNG frame too).
    noise = np.random.default_rng(2).integers(0, 24, (T, 256, 256), dtype=np.uint8)
    big = blocky(frames, 4) | noise
    with file_size_limit(4096), pytest.raises((OSError, DataError)):
        WRITERS[kind](tmp_path / "out", big)
    assert os.listdir(tmp_path) == [target.name]
    assert unchanged(target, before)


def test_dev_full_as_target_is_refused_and_untouched(frames) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with pytest.raises(DataError, match="refusing to replace"):
        enc.export_frames("/dev/full", frames)  # no extension: a frame folder; it is a device
    with pytest.raises(DataError, match="not a regular file"):
        enc.write_gif("/dev/full", frames)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert not [n for n in os.listdir("/dev") if n.startswith(".full.")]


def test_parent_is_a_file(tmp_path, frames) -> None:
    (tmp_path / "file").write_bytes(b"x")
    with pytest.raises(DataError, match="not an existing folder"):
        enc.export_frames(tmp_path / "file" / "out.gif", frames)
    with pytest.raises(DataError, match="not an existing folder"):
        enc.export_frames(tmp_path / "missing" / "frames", frames)
    assert sorted(os.listdir(tmp_path)) == ["file"]


@pytest.mark.parametrize("name", ["out.gif", "out.avi", "out.png", "out"])
def test_read_only_folder(tmp_path, frames, monkeypatch, name) -> None:
    # Root ignores chmod, so refuse the temporary file the way a read-only folder would.
    import mnist_viewer.core.jobs as jobs

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(jobs, "_temporary_sibling", refuse)
    with pytest.raises(PermissionError):
        enc.export_frames(tmp_path / name, frames)
    assert os.listdir(tmp_path) == []


def test_failure_while_encoding_keeps_the_old_file(tmp_path, frames, monkeypatch) -> None:
    target = tmp_path / "out.gif"
    target.write_bytes(b"precious")
    original = gif_writer._gif_image_data
    count = iter(range(100))

    def failing(indices):
        if next(count) == 7:
            raise OSError(28, "No space left on device")
        return original(indices)

    monkeypatch.setattr(gif_writer, "_gif_image_data", failing)
    with pytest.raises(OSError, match="No space"):
        enc.write_gif(target, frames)
    assert target.read_bytes() == b"precious"
    assert leftovers(tmp_path) == []


def test_folder_with_other_files_is_not_replaced(tmp_path, frames) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"jpg")
    with pytest.raises(DataError, match="refusing to replace"):
        enc.export_frames(folder, frames)
    assert os.listdir(folder) == ["holiday.jpg"]


def test_folder_target_for_a_file_format_is_refused(tmp_path, frames) -> None:
    (tmp_path / "x.gif").mkdir()
    with pytest.raises(DataError, match="is a folder"):
        enc.write_gif(tmp_path / "x.gif", frames)


# --------------------------------------------------------------------------- overlays


def outline_mask(boxes: np.ndarray, s: int, shape: tuple[int, int]) -> np.ndarray:
    """Pixels on the 1-pixel rectangle just outside each scaled box, drawn by hand."""
    mask = np.zeros(shape, bool)
    h, w = shape
    for x0, y0, x1, y1 in boxes:
        if x0 < 0:
            continue
        for y in range(y0 * s - 1, y1 * s + 1):
            for x in range(x0 * s - 1, x1 * s + 1):
                edge = y in (y0 * s - 1, y1 * s) or x in (x0 * s - 1, x1 * s)
                if edge and 0 <= y < h and 0 <= x < w:
                    mask[y, x] = True
    return mask


def as_rgb(grey: np.ndarray) -> np.ndarray:
    return np.repeat(grey[..., None], 3, axis=-1)


@pytest.mark.parametrize("s", [1, 2])
def test_boxes_are_burned_just_outside_the_ink_in_slot_colours(seqs, s) -> None:
    i = 5
    src = as_rgb(blocky(seqs.sequence(i), s))
    boxes = seqs.ground_truth.boxes[i]
    got = ovl.decorate(seqs.sequence(i), scale=s, boxes=boxes)
    assert got.shape == src.shape
    colours = {ovl.slot_rgb(d) for d in range(boxes.shape[1])}
    assert len(colours) == boxes.shape[1] and (255, 255, 255) not in colours  # not the ink
    for k in range(0, T, 4):
        masks = [outline_mask(boxes[k, d : d + 1], s, src.shape[1:3])
                 for d in range(boxes.shape[1])]
        union = np.any(masks, axis=0)
        assert union.any()
        for d, mask in enumerate(masks):
            later = np.any(masks[d + 1 :], axis=0) if d + 1 < len(masks) else np.zeros_like(mask)
            own = mask & ~later  # later slots are drawn over earlier ones
            assert np.all(got[k][own] == ovl.slot_rgb(d)), (k, d)
        np.testing.assert_array_equal(got[k][~union], src[k][~union])


def test_slot_colours_are_the_viewers_table() -> None:
    assert ovl.slot_rgb(0) == (0xFF, 0x6B, 0x6B)
    assert ovl.slot_rgb(len(ovl.SLOT_COLOURS)) == ovl.slot_rgb(0)  # cycles


def test_empty_box_slots_are_skipped(frames) -> None:
    boxes = np.full((T, 2, 4), -1, np.int32)
    np.testing.assert_array_equal(ovl.decorate(frames, boxes=boxes), as_rgb(frames))


def test_captions_touch_only_their_corner_and_are_legible(frames) -> None:
    got = ovl.decorate(frames, top_left="12", bottom_left=[str(k % 10) for k in range(T)])
    assert got.shape == frames.shape  # greyscale: nothing drawn in colour
    top = ovl.caption_mask("12")
    digits = [ovl.caption_mask(str(d)) for d in range(10)]
    changed = np.any(got != frames, axis=0)
    allowed = np.zeros((64, 64), bool)
    allowed[: top.shape[0], : top.shape[1]] = True
    h, w = max(m.shape[0] for m in digits), max(m.shape[1] for m in digits)
    allowed[-h:, :w] = True
    assert changed.any() and not np.any(changed & ~allowed)
    region = got[:, : top.shape[0], : top.shape[1]]
    assert set(np.unique(region)) == {0, ovl.INK}  # no anti-aliasing
    np.testing.assert_array_equal(region == ovl.INK, np.broadcast_to(top, region.shape))
    # Each caption is readable: the ten digits render as ten different masks...
    assert len({m.tobytes() for m in digits}) == 10
    assert all(m.any() and not m.all() for m in digits)
    # ...and frame k shows digit k % 10.
    for k in range(T):
        mask = digits[k % 10]
        np.testing.assert_array_equal(got[k, -mask.shape[0] :, : mask.shape[1]] == ovl.INK, mask)


def test_captions_grow_with_the_scale_in_a_sharp_font(frames) -> None:
    small = ovl.decorate(frames[:2], top_left="#7/3")
    big = ovl.decorate(frames[:2], top_left="#7/3", scale=3)
    m1, m3 = ovl.caption_mask("#7/3"), ovl.caption_mask("#7/3", 3)
    assert m3.shape[0] > 2 * m1.shape[0] and m3.shape[1] > 2 * m1.shape[1]
    np.testing.assert_array_equal(big[:, : m3.shape[0], : m3.shape[1]] == ovl.INK,
                                  np.broadcast_to(m3, (2, *m3.shape)))
    outside = np.ones(big.shape[1:], bool)
    outside[: m3.shape[0], : m3.shape[1]] = False
    np.testing.assert_array_equal(big[:, outside], blocky(frames[:2], 3)[:, outside])
    assert small.shape == frames[:2].shape


def test_captions_over_a_colour_map_stay_white_on_black(frames) -> None:
    got = ovl.decorate(frames[:3], top_left="5", colormap="viridis", scale=2)
    mask = ovl.caption_mask("5", 2)
    region = got[:, : mask.shape[0], : mask.shape[1]]
    want = np.where(mask[..., None], 255, 0).repeat(3, -1)
    np.testing.assert_array_equal(region, np.broadcast_to(want, region.shape))
    far = got[:, -10:, -10:]
    np.testing.assert_array_equal(far, colormap("viridis")[blocky(frames[:3], 2)[:, -10:, -10:]])


# --------------------------------------------------------------------------- what to export


def test_sequence_frames_plain_and_decorated(seqs) -> None:
    plain = exp.sequence_frames(seqs, 4, scale=2)
    np.testing.assert_array_equal(plain, blocky(seqs.sequence(4), 2))
    got = exp.sequence_frames(seqs, 4, captions=True, boxes=True)
    assert got.shape == (T, 64, 64, 3)  # boxes in slot colours: RGB
    gt = seqs.ground_truth
    labels = " ".join(str(v) for v in gt.labels[4])
    mask = ovl.caption_mask(labels)
    np.testing.assert_array_equal(got[9, -mask.shape[0] :, : mask.shape[1]],
                                  np.where(mask[..., None], 255, 0).repeat(3, -1))
    mask = ovl.caption_mask(f"#4 · 9/{T}")  # 64 px: too narrow for the word "frame"
    np.testing.assert_array_equal(got[9, : mask.shape[0], : mask.shape[1], 0] == ovl.INK, mask)


def test_single_sequence_captions_name_the_sequence_and_the_frame(seqs) -> None:
    got = exp.sequence_frames(seqs, 7, scale=2, captions=True)
    plain = blocky(seqs.sequence(7), 2)
    for t in (0, 3, T - 1):
        mask = ovl.caption_mask(f"#7 · frame {t}/{T}", 2)
        h, w = mask.shape
        np.testing.assert_array_equal(got[t, :h, :w] == ovl.INK, mask)
        # nothing else along the top: the whole caption is top left
        np.testing.assert_array_equal(got[t, :h, w:], plain[t, :h, w:])


def test_grid_cells_and_single_sequences_share_one_caption_wording(seqs) -> None:
    page = exp.grid_frames(seqs, 2, 2, scale=2, captions=True, gap=1)
    single = exp.sequence_frames(seqs, 3, scale=2, captions=True)
    cell = page[:, 130:, 130:]  # sequence 3: bottom right, after 128 px and a 2 px gap
    mask = ovl.caption_mask(f"#3 · frame 5/{T}", 2)
    np.testing.assert_array_equal(cell[5, : mask.shape[0], : mask.shape[1]] == ovl.INK, mask)
    np.testing.assert_array_equal(cell, single)


def test_captions_shorten_to_fit_the_frame_and_always_say_which_sequence() -> None:
    for index, width, scale in ((7, 64, 1), (42, 64, 1), (9999, 64, 1), (7, 128, 2),
                                (123, 192, 3), (5, 28, 1)):
        left, right = ovl.frame_captions(index, T, width, scale)
        assert len(left) == T and (right is None or len(right) == T)
        texts = left if right is None else [f"{a} {b}" for a, b in zip(left, right, strict=True)]
        assert all(f"#{index}" in text and str(t) in text for t, text in enumerate(texts))
        if (index, width) != (5, 28):  # 28 px holds neither wording: the shortest is used
            used = [ovl.caption_mask(a, scale).shape[1]
                    + (0 if right is None else ovl.caption_mask(right[t], scale).shape[1])
                    for t, a in enumerate(left)]
            assert max(used) <= width, (index, width, scale)
    assert ovl.frame_captions(7, T, 128, 2) == ([f"#7 · frame {t}/{T}" for t in range(T)], None)
    assert ovl.frame_captions(42, T, 64, 1) == ([f"{t}/{T}" for t in range(T)], ["#42"] * T)
    # a grid page uses its widest index's wording for every cell
    assert ovl.frame_captions(7, T, 64, 1, widest=42)[1] == ["#7"] * T


def test_grid_frames_are_the_upscaled_tiling(seqs) -> None:
    s, rows, cols = 2, 2, 3
    got = exp.grid_frames(seqs, rows, cols, page=1, scale=s)
    h = w = 64
    assert got.shape == (T, s * (rows * h + 1), s * (cols * w + 2))
    small = got[:, ::s, ::s]
    np.testing.assert_array_equal(got, np.stack([blocky(f[None], s)[0] for f in small]))
    for k in range(rows * cols):
        r, c = divmod(k, cols)
        cell = small[:, r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w]
        np.testing.assert_array_equal(cell, seqs.sequence(6 + k))
    assert np.all(small[:, h, :] == enc.GAP_FILL)


def test_last_grid_page_has_empty_cells(seqs) -> None:
    got = exp.grid_frames(seqs, 4, 4, page=1)  # 21 sequences: page 1 holds 16..20
    np.testing.assert_array_equal(got[:, :64, 65 : 65 + 64], seqs.sequence(17))
    np.testing.assert_array_equal(got[:, 65 : 65 + 64, :64], seqs.sequence(20))
    for k in range(5, 16):  # no sequence for these cells → black
        r, c = divmod(k, 4)
        assert not got[:, r * 65 : r * 65 + 64, c * 65 : c * 65 + 64].any(), k
    assert np.all(got[:, 64, :] == enc.GAP_FILL) and np.all(got[:, :, 194] == enc.GAP_FILL)
    with pytest.raises(IndexError):
        exp.grid_frames(seqs, 4, 4, page=2)


def test_export_grid_gif_decodes_to_the_mosaic(tmp_path, seqs) -> None:
    options = exp.ExportOptions(fps=20, scale=2)
    path = exp.export_grid(tmp_path / "grid.gif", seqs, 4, 4, options)
    got, delays, _ = decode_gif(path)
    np.testing.assert_array_equal(got[..., 0], exp.grid_frames(seqs, 4, 4, scale=2))
    assert delays == [50] * T


def test_boxes_and_captions_over_a_colour_map_in_a_gif(tmp_path, seqs) -> None:
    options = exp.ExportOptions(colormap="viridis", captions=True, boxes=True, scale=2)
    got, _, _ = decode_gif(exp.export_sequence(tmp_path / "v.gif", seqs, 3, options))
    want = exp.sequence_frames(seqs, 3, scale=2, captions=True, boxes=True, colormap="viridis")
    boxes = seqs.ground_truth.boxes[3]
    for k in (0, T - 1):
        for d in range(boxes.shape[1]):
            ring = outline_mask(boxes[k, d : d + 1], 2, (128, 128)) & np.all(
                want[k] == ovl.slot_rgb(d), axis=-1)
            assert ring.any() and np.all(got[k][ring] == ovl.slot_rgb(d))
    assert np.abs(got.astype(int) - want).max() <= 8  # at most a few rare levels merged


def test_grid_sheet_separates_frames_more_than_cells(tmp_path, seqs) -> None:
    options = exp.ExportOptions(gap=1, scale=1)
    sheet = np.array(Image.open(exp.export_grid(tmp_path / "g.png", seqs, 2, 2, options)))
    page = exp.grid_frames(seqs, 2, 2)  # (T, 129, 129): cells 1 px apart
    gap = exp.sheet_gap(options, grid=True)
    assert gap > 1
    cols = int(np.ceil(np.sqrt(T)))
    rows = int(np.ceil(T / cols))
    assert sheet.shape == (rows * 129 + (rows - 1) * gap, cols * 129 + (cols - 1) * gap)
    for k in (0, 1, cols, T - 1):
        r, c = divmod(k, cols)
        y, x = r * (129 + gap), c * (129 + gap)
        np.testing.assert_array_equal(sheet[y : y + 129, x : x + 129], page[k])
    assert np.all(sheet[:, 129 : 129 + gap] == enc.GAP_FILL)  # a band wider than a cell gap


def test_export_sequences_one_file_each(tmp_path, seqs) -> None:
    seen = []
    paths = exp.export_sequences(
        tmp_path / "clip.gif", seqs, 3, 6, progress=lambda d, t: seen.append((d, t))
    )
    assert [p.name for p in paths] == ["clip_0003.gif", "clip_0004.gif", "clip_0005.gif"]
    for i, p in zip(range(3, 6), paths, strict=True):
        np.testing.assert_array_equal(decode_gif(p)[0][..., 0], seqs.sequence(i))
    assert seen[-1] == (3 * T, 3 * T) and seen == sorted(seen)


def test_export_sequences_cancelled_keeps_finished_files_only(tmp_path, seqs) -> None:
    calls = iter(range(10**6))
    with pytest.raises(Cancelled):
        exp.export_sequences(tmp_path / "clip.gif", seqs, 0, 4,
                             cancel=lambda: next(calls) > int(1.5 * T))
    assert sorted(os.listdir(tmp_path)) == ["clip_0000.gif"]


def test_export_stream_of_dataset_digits(tmp_path, mnist_test) -> None:
    images, labels = mnist_test
    path = exp.export_stream(tmp_path / "s.gif", images, labels, start=100, count=12)
    got, _, _ = decode_gif(path)
    np.testing.assert_array_equal(got[..., 0], images[100:112])
    captioned = exp.stream_frames(images, labels, start=100, count=12, captions=True)
    mask = ovl.caption_mask(str(labels[104]))
    np.testing.assert_array_equal(captioned[4, -mask.shape[0] :, : mask.shape[1]] == ovl.INK, mask)
