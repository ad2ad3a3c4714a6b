"""Hostile or extreme inputs: forged sizes, memory exhaustion, odd targets, extreme settings."""

from __future__ import annotations

import io
import os
import stat
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from mnist_viewer.cli import main
from mnist_viewer.core import files as sequence_files
from mnist_viewer.core.errors import DataError
from mnist_viewer.core.files import save_sequences
from mnist_viewer.core.generation import GeneratorConfig
from mnist_viewer.core.jobs import atomic_path
from mnist_viewer.core.output import encoders as enc
from mnist_viewer.core.sequences import ArraySequenceSet, to_uint8
from mnist_viewer.core.sources.datasets import open_dataset

PB = (2**25, 2**25)  # a petabyte of uint8: no machine can allocate it


def npy_bytes(array: np.ndarray, shape: tuple[int, ...] | None = None) -> bytes:
    """``array`` saved as .npy; with ``shape`` the header declares that shape instead."""
    buf = io.BytesIO()
    if shape is None:
        np.lib.format.write_array(buf, array, allow_pickle=False)
    else:
        header = {"descr": np.lib.format.dtype_to_descr(array.dtype), "fortran_order": False,
                  "shape": shape}
        np.lib.format.write_array_header_1_0(buf, header)
        buf.write(array.tobytes())
    return buf.getvalue()


def write_zip(path: Path, members: dict[str, bytes], compressed: bool = True) -> Path:
    method = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def keras_members(rng: np.random.Generator) -> dict[str, bytes]:
    x = rng.integers(0, 256, (10, 28, 28), dtype=np.uint8)
    y = np.arange(10, dtype=np.uint8)
    return {"x_train.npy": npy_bytes(x), "y_train.npy": npy_bytes(y),
            "x_test.npy": npy_bytes(x), "y_test.npy": npy_bytes(y)}


# ----------------------------------------------------------------------- 1. memory / sizes


@pytest.mark.parametrize("compressed", [True, False])
def test_keras_npz_with_forged_huge_header_is_refused(tmp_path, compressed) -> None:
    members = keras_members(np.random.default_rng(0))
    members["x_train.npy"] = npy_bytes(np.zeros((1, 28, 28), np.uint8), shape=(*PB, 1))
    path = write_zip(tmp_path / "mnist.npz", members, compressed)
    with pytest.raises(DataError, match=r"x_train.*truncated"):
        open_dataset(path)


def test_keras_npz_still_opens(tmp_path) -> None:
    rng = np.random.default_rng(1)
    path = write_zip(tmp_path / "mnist.npz", keras_members(rng))
    splits = open_dataset(path)
    x = np.random.default_rng(1).integers(0, 256, (10, 28, 28), dtype=np.uint8)
    assert np.array_equal(splits["train"].images, x)
    assert np.array_equal(splits["test"].labels, np.arange(10))


def test_compressed_sequence_member_with_forged_size_is_refused(tmp_path) -> None:
    frames = np.zeros((1, 2, 64, 64), np.uint8)
    path = write_zip(tmp_path / "seq.npz",
                     {"frames.npy": npy_bytes(frames, shape=(2**30, 20, 64, 64))})
    with pytest.raises(DataError, match=r"frames.*truncated"):
        sequence_files.open_sequences(path)
    assert main(["info", str(path)]) == 2


def test_forged_dataset_via_cli_is_one_line(tmp_path, capsys) -> None:
    members = keras_members(np.random.default_rng(0))
    members["x_test.npy"] = npy_bytes(np.zeros((1, 28, 28), np.uint8), shape=(*PB, 1))
    path = write_zip(tmp_path / "mnist.npz", members)
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and str(path) in err


def test_memory_error_in_a_command_is_one_line(tmp_path, capsys, monkeypatch) -> None:
    import mnist_viewer.commands.info as info

    def exhaust(path):
        return np.empty(2**62, dtype=np.uint8)  # numpy's _ArrayMemoryError

    monkeypatch.setattr(info, "open_dataset", exhaust)
    (tmp_path / "data").mkdir()
    assert main(["info", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{tmp_path / 'data'}: not enough memory for info" in err


def test_npz_that_is_not_a_zip_says_so(tmp_path) -> None:
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"this is not a zip file at all" * 10)
    with pytest.raises(DataError, match=r"not a valid \.npz \(zip\) file"):
        open_dataset(path)


# ----------------------------------------------------------------------- 2. cut-short videos


def noise_frames() -> np.ndarray:
    return np.random.default_rng(3).integers(0, 256, (20, 64, 64), dtype=np.uint8)


@pytest.mark.parametrize("codec", ["mjpg", "ffv1"])
def test_avi_cut_short_by_the_disk_is_an_error(tmp_path, codec, file_size_limit) -> None:
    frames = noise_frames()
    full = enc.write_avi(tmp_path / "full.avi", frames, codec=codec).stat().st_size
    target = tmp_path / "out.avi"
    target.write_bytes(b"precious")
    # OpenCV ignores failed writes: the file is cut short but its header claims 20 frames.
    cut_short = r"of its 20 frames \(64x64\): the file is incomplete|does not decode back"
    with file_size_limit(full // 2), pytest.raises(DataError, match=cut_short) as err:
        enc.write_avi(target, frames, codec=codec)
    assert str(err.value).startswith(f"{target}:")
    assert target.read_bytes() == b"precious"
    assert sorted(os.listdir(tmp_path)) == ["full.avi", "out.avi"]


def test_mp4_cut_short_by_the_disk_is_an_error(tmp_path, file_size_limit) -> None:
    pytest.importorskip("imageio_ffmpeg")
    frames = noise_frames()
    full = enc.write_mp4(tmp_path / "full.mp4", frames).stat().st_size
    target = tmp_path / "out.mp4"
    with file_size_limit(full // 2), pytest.raises((DataError, OSError)):
        enc.write_mp4(target, frames)
    assert sorted(os.listdir(tmp_path)) == ["full.mp4"]


def test_full_videos_decode_every_frame(tmp_path) -> None:
    import cv2

    frames = noise_frames()
    path = enc.write_avi(tmp_path / "x.avi", frames, codec="ffv1")
    cap = cv2.VideoCapture(str(path))
    got = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        got.append(frame[..., 0])
    cap.release()
    assert np.array_equal(np.stack(got), frames)


# ----------------------------------------------------------------------- 3. very low fps


@pytest.mark.parametrize("fps", [0.001, 0.0015, 1e-9, 0.0])
def test_gif_fps_too_low_is_refused(tmp_path, fps) -> None:
    with pytest.raises(ValueError, match=r"at least 0\.01"):
        enc.write_gif(tmp_path / "slow.gif", noise_frames()[:3], fps=fps)
    assert os.listdir(tmp_path) == []


def test_gif_slowest_fps_fits_the_two_byte_delay(tmp_path) -> None:
    from PIL import Image

    path = enc.write_gif(tmp_path / "slow.gif", noise_frames()[:3], fps=enc.MIN_FPS)
    with Image.open(path) as im:
        delays = []
        for k in range(im.n_frames):
            im.seek(k)
            delays.append(im.info["duration"])
    assert delays == [round(1000 / enc.MIN_FPS)] * 3


def test_cli_refuses_too_low_fps(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["export", "embedded", "--out", str(tmp_path / "x.gif"), "--fps", "0.001"])
    assert exc.value.code == 2
    assert "--fps" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------- 4. targets


def small_set() -> ArraySequenceSet:
    return ArraySequenceSet(noise_frames()[None, :4])


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_writers_never_replace_a_device_or_a_link_to_one(tmp_path) -> None:
    link = tmp_path / "null.npy"
    link.symlink_to("/dev/null")
    for target in (Path("/dev/null"), link):
        with pytest.raises(DataError, match="not a regular file"):
            save_sequences(target, small_set(), layout="torchvision")
        with pytest.raises(DataError, match="not a regular file"), atomic_path(target):
            pass
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and link.is_symlink()
    assert os.listdir(tmp_path) == ["null.npy"]


def test_writers_never_replace_a_fifo(tmp_path) -> None:
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="not a regular file"):
        save_sequences(fifo, small_set())
    with pytest.raises(DataError, match="not a regular file"):
        enc.write_gif(tmp_path / "pipe.npz", noise_frames()[:2])
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.listdir(tmp_path) == ["pipe.npz"]


def test_writers_never_replace_a_folder(tmp_path) -> None:
    folder = tmp_path / "seq.npz"
    folder.mkdir()
    (folder / "keep").write_text("x")
    with pytest.raises(DataError, match="is a folder"):
        save_sequences(folder, small_set())
    with pytest.raises(DataError, match="is a folder"), atomic_path(folder):
        pass
    assert (folder / "keep").read_text() == "x"


def test_save_sequences_checks_the_target_before_rendering(tmp_path) -> None:
    class Exploding(ArraySequenceSet):
        def chunk(self, start: int, stop: int) -> np.ndarray:
            raise AssertionError("rendered before the target was checked")

    os.mkfifo(tmp_path / "p.npy")
    with pytest.raises(DataError, match="not a regular file"):
        save_sequences(tmp_path / "p.npy", Exploding(noise_frames()[None, :4]))


def test_cli_export_checks_the_target_before_any_work(tmp_path, capsys) -> None:
    os.mkfifo(tmp_path / "p.gif")
    assert main(["export", str(tmp_path / "missing-input"), "--out", str(tmp_path / "p.gif")]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_errors_name_the_target_not_the_temporary_file(tmp_path) -> None:
    target = tmp_path / "out.bin"
    with pytest.raises(PermissionError) as err, atomic_path(target) as tmp:
        raise PermissionError(13, "Permission denied", str(tmp))
    assert err.value.filename == str(target) and err.value.errno == 13
    assert os.listdir(tmp_path) == []


def test_failed_folder_swap_puts_the_old_folder_back(tmp_path, monkeypatch) -> None:
    import mnist_viewer.core.jobs as jobs

    target = tmp_path / "frames"
    target.mkdir()
    (target / "frame_0000.png").write_bytes(b"old frame")
    real_replace = os.replace
    calls = []

    def flaky_replace(src, dst):
        calls.append((Path(src), Path(dst)))
        if Path(dst) == target and ".part" in Path(src).name:
            raise OSError(5, "Input/output error", str(src))
        return real_replace(src, dst)

    monkeypatch.setattr(jobs.os, "replace", flaky_replace)
    with pytest.raises(OSError) as err, atomic_path(target, directory=True) as tmp:
        (tmp / "frame_0000.png").write_bytes(b"new frame")
    assert err.value.filename == str(target)
    assert os.listdir(tmp_path) == ["frames"]
    assert (target / "frame_0000.png").read_bytes() == b"old frame"


# ----------------------------------------------------------------------- 5. generator limits


def test_generator_refuses_a_sequence_over_256_mb() -> None:
    with pytest.raises(DataError, match="256 MB"):
        GeneratorConfig(frames=1000, canvas_size=1024)  # 1000 MiB for one sequence
    assert 300 * 900**2 <= 256 * 2**20  # just under the limit: still accepted
    GeneratorConfig(frames=300, canvas_size=900, num_sequences=1)


# ----------------------------------------------------------------------- 6. NaN frames


def test_nan_frames_convert_without_warnings() -> None:
    frames = np.array([[np.nan, 0.5, 1.5], [-1.0, np.inf, -np.inf]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = to_uint8(frames)
    want = np.array([[0, 128, 255], [0, 255, 0]], dtype=np.uint8)
    assert np.array_equal(got, want)


def test_nan_sequence_file_is_refused_without_warnings(tmp_path) -> None:
    frames = np.random.default_rng(4).random((20, 2, 8, 8))
    frames[3, 1, 2, 2] = np.nan
    np.save(tmp_path / "f.npy", frames)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError) as err:  # issue 11: NaN is a one-line error
            sequence_files.open_sequences(tmp_path / "f.npy")
    assert str(tmp_path / "f.npy") in str(err.value) and "NaN" in str(err.value)


# ----------------------------------------------------------------------- 7. what is a sequence


def test_npy_is_always_a_sequence_file(tmp_path) -> None:
    bad = tmp_path / "mnist.npy"
    bad.write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "text.npy").write_text("hello")
    assert sequence_files.is_sequence_file(bad)
    assert sequence_files.is_sequence_file(tmp_path / "text.npy")
    with pytest.raises(DataError, match=r"not a valid \.npy file \(bad magic\)"):
        sequence_files.open_sequences(tmp_path / "text.npy")


def test_npz_is_a_sequence_file_unless_keras(tmp_path) -> None:
    rng = np.random.default_rng(0)
    write_zip(tmp_path / "keras.npz", keras_members(rng))
    write_zip(tmp_path / "other.npz", {"whatever.npy": npy_bytes(np.zeros(3, np.uint8))})
    (tmp_path / "junk.npz").write_text("not a zip")
    assert not sequence_files.is_sequence_file(tmp_path / "keras.npz")
    assert sequence_files.is_sequence_file(tmp_path / "other.npz")
    assert sequence_files.is_sequence_file(tmp_path / "junk.npz")
    with pytest.raises(DataError, match=r"not a valid \.npz \(zip\) file"):
        sequence_files.open_sequences(tmp_path / "junk.npz")


def test_cli_non_zip_npz_is_not_a_pickle_message(tmp_path, capsys) -> None:
    (tmp_path / "junk.npz").write_bytes(b"\x80\x04 pickle-looking bytes")
    for argv in (["info", str(tmp_path / "junk.npz")],
                 ["export", str(tmp_path / "junk.npz"), "--out", str(tmp_path / "o.gif")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "not a valid .npz (zip) file" in err and "pickle" not in err


def test_layout_choices_are_the_sequence_layouts() -> None:
    from mnist_viewer.commands import inputs

    # reading accepts every layout the core reads (a superset of those it writes)
    assert inputs.LAYOUT_CHOICES is sequence_files.READABLE_LAYOUTS
    assert set(sequence_files.LAYOUTS) <= set(inputs.LAYOUT_CHOICES)


# ----------------------------------------------------------------------- 8. --workers


def test_workers_are_capped_and_negative_refused(capsys, monkeypatch) -> None:
    from mnist_viewer.cli import command_parser

    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    args = command_parser().parse_args(["generate", "--out", "x.npz", "--workers", "64"])
    assert args.workers == 3
    for bad in ("-1", "0", "two"):
        with pytest.raises(SystemExit):
            command_parser().parse_args(["generate", "--out", "x.npz", "--workers", bad])
        assert "--workers" in capsys.readouterr().err


def test_workers_help_says_when_it_helps(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["generate", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "many cores" in out


def test_npz_member_with_unsupported_compression_is_one_line(tmp_path) -> None:
    path = write_zip(tmp_path / "seq.npz", {"frames.npy": npy_bytes(np.zeros((1, 2, 4, 4),
                                                                            np.uint8))})
    data = bytearray(path.read_bytes())
    for magic, at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # method field → 99 (AES)
        pos = data.index(magic)
        data[pos + at:pos + at + 2] = (99).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="frames"):
        sequence_files.open_sequences(path)
    keras = tmp_path / "mnist.npz"
    keras.write_bytes(bytes(data).replace(b"frames.npy", b"x_test.npy"))
    with pytest.raises(DataError, match="x_test"):
        open_dataset(keras)


def test_export_functions_refuse_a_bad_target_before_rendering(tmp_path) -> None:
    import pytest as _pytest

    from mnist_viewer.core.errors import DataError
    from mnist_viewer.core.output.export import export_grid, export_sequence, export_sequences
    from mnist_viewer.core.sequences import SequenceSet

    class Untouchable(SequenceSet):
        def chunk(self, start: int, stop: int):  # rendering must not even start
            raise AssertionError("rendered before the target was checked")

    seqs = Untouchable(4, 5, 64, 64)
    missing = tmp_path / "no-such-folder" / "out.gif"
    for call in (lambda: export_sequence(missing, seqs, 0),
                 lambda: export_sequences(missing, seqs, 0, 2),
                 lambda: export_grid(missing, seqs, 2, 2)):
        with _pytest.raises(DataError, match="no-such-folder"):
            call()


def test_a_folder_named_like_a_gif_is_not_filled_with_frames(tmp_path) -> None:
    import numpy as np
    import pytest as _pytest

    from mnist_viewer.core.errors import DataError
    from mnist_viewer.core.output.encoders import export_format, export_frames

    folder = tmp_path / "clip.gif"
    folder.mkdir()
    assert export_format(folder) == "gif"
    with _pytest.raises(DataError, match=r"clip\.gif"):
        export_frames(folder, np.zeros((3, 8, 8), np.uint8))
    assert list(folder.iterdir()) == []
    plain = tmp_path / "frames.v1"
    plain.mkdir()
    assert export_format(plain) == "frames"  # a folder with an unknown suffix holds frames
