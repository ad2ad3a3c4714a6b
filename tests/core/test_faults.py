"""Faults: signals during generate and export, read-only and full targets, stale temporary
files, non-regular inputs, bombs under a memory cap (each in a subprocess where it must be)."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from mnist_viewer.cli import main
from mnist_viewer.core import jobs
from mnist_viewer.core.errors import DataError
from mnist_viewer.core.sources.datasets import open_dataset
from mnist_viewer.core.sources.idx import read_idx

ROOT = Path(__file__).resolve().parents[2]


def _error_lines(err: str) -> int:
    """Lines of stderr that are not warnings (the embedded subset says so on every use)."""
    return sum(1 for line in err.splitlines() if not line.startswith("mnist-viewer: warning:"))


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "mnist_viewer", *args], env=full,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _temporaries(folder: Path, name: str) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(f".{name}.") and ".part" in p.name]


def _wait_for_temporary(proc: subprocess.Popen[bytes], folder: Path, name: str) -> None:
    for _ in range(1200):  # a generous bound on a loaded machine; not a timing assertion
        if _temporaries(folder, name) or proc.poll() is not None:
            break
        time.sleep(0.05)
    time.sleep(0.3)  # let the writer get going inside the temporary file


JOBS = {
    "generate": lambda out, data: ["generate", "--out", str(out), "--num", "30000", "--seed",
                                   "1", "--data", str(data)],
    "export": lambda out, data: ["export", str(data), "--out", str(out), "--stream",
                                 "--count", "60000", "--scale", "2"],
}
TARGETS = {"generate": "set.npz", "export": "stream.avi"}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("job", sorted(JOBS))
def test_a_signal_stops_the_job_in_one_line_and_leaves_nothing(tmp_path, mnist_dir, job,
                                                                 sig) -> None:
    out = tmp_path / TARGETS[job]
    proc = _cli(*JOBS[job](out, mnist_dir))
    _wait_for_temporary(proc, tmp_path, out.name)
    if proc.poll() is not None:
        pytest.skip("the job finished before it could be interrupted")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    text = err.decode()
    assert proc.returncode == 128 + sig, text
    assert text.count("\n") == 1 and "Traceback" not in text, text
    assert str(out) in text
    assert not out.exists() and not _temporaries(tmp_path, out.name)


@pytest.mark.parametrize("job", sorted(JOBS))
def test_sigkill_leaves_one_temporary_that_the_next_run_removes(tmp_path, mnist_dir, job) -> None:
    out = tmp_path / TARGETS[job]
    proc = _cli(*JOBS[job](out, mnist_dir))
    _wait_for_temporary(proc, tmp_path, out.name)
    if proc.poll() is not None:
        pytest.skip("the job finished before it could be killed")
    proc.kill()
    proc.communicate(timeout=60)
    left = _temporaries(tmp_path, out.name)
    assert len(left) <= 1 and not out.exists()
    small = {"generate": ["generate", "--out", str(out), "--num", "2", "--seed", "1",
                          "--data", str(mnist_dir)],
             "export": ["export", str(mnist_dir), "--out", str(out), "--stream", "--count",
                        "3"]}[job]
    assert main(small) == 0
    assert out.is_file() and not _temporaries(tmp_path, out.name)


def test_stale_temporaries_of_dead_writers_only_are_removed(tmp_path) -> None:
    target = tmp_path / "x.npz"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout.strip()
        stale = tmp_path / f".x.npz.{dead}-0123abcd.part"
        live = tmp_path / f".x.npz.{sleeper.pid}-0123abcd.part"
        other = tmp_path / f".y.npz.{dead}-0123abcd.part"
        for p in (stale, live, other):
            p.write_bytes(b"partial")
        with jobs.atomic_path(target) as tmp:
            tmp.write_bytes(b"new")
        assert target.read_bytes() == b"new"
        assert not stale.exists() and live.exists() and other.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_killed_folder_swap_gives_the_old_folder_back(tmp_path) -> None:
    target = tmp_path / "frames"
    old = tmp_path / ".frames.999999999-0123abcd.part.old"
    (old / "old").mkdir(parents=True)
    (old / "old" / "frame_0000.png").write_bytes(b"old frame")
    jobs.remove_stale_temporaries(target)
    assert (target / "frame_0000.png").read_bytes() == b"old frame" and not old.exists()


@pytest.mark.parametrize("length", [241, 250, 255])
def test_long_target_names_work(tmp_path, length) -> None:
    target = tmp_path / ("n" * (length - 4) + ".npz")
    with jobs.atomic_path(target) as tmp:
        assert len(tmp.name.encode()) <= 255
        tmp.write_bytes(b"data")
    assert target.read_bytes() == b"data"


@contextlib.contextmanager
def _tmpfs(folder: Path, options: str):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    folder.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_read_only_target_folder_is_one_line(tmp_path, capsys) -> None:
    folder = tmp_path / "ro"
    if os.geteuid() == 0:
        ctx: contextlib.AbstractContextManager[Path] = _tmpfs(folder, "size=1m,ro")
    else:
        folder.mkdir()
        folder.chmod(0o555)
        ctx = contextlib.nullcontext(folder)
    with ctx:
        code = main(["generate", "--out", str(folder / "x.npz"), "--num", "2", "--seed", "1"])
        err = capsys.readouterr().err
        assert code == 2 and _error_lines(err) == 1 and "Traceback" not in err
        assert str(folder / "x.npz") in err and ".part" not in err
        assert list(folder.iterdir()) == []


def test_full_disk_is_one_line_naming_the_target(tmp_path, capsys, mnist_dir) -> None:
    with _tmpfs(tmp_path / "small", "size=2m") as folder:
        big = folder / "big.npz"
        assert main(["generate", "--out", str(big), "--num", "300", "--seed", "1"]) == 2
        err = capsys.readouterr().err
        assert "disk space" in err and str(big) in err and _error_lines(err) == 1
        filler = folder / "filler"
        import shutil

        filler.write_bytes(bytes(max(0, shutil.disk_usage(folder).free - 48 * 1024)))
        for out in (folder / "digits.avi", folder / "digits.mp4", folder / "digits.gif"):
            code = main(["export", str(mnist_dir), "--out", str(out), "--stream", "--count",
                         "500", "--scale", "2", "--lossless"] if out.suffix == ".avi" else
                        ["export", str(mnist_dir), "--out", str(out), "--stream", "--count",
                         "500", "--scale", "2"])
            err = capsys.readouterr().err
            assert code == 2, err
            assert _error_lines(err) == 1 and "Traceback" not in err, err
            assert str(out) in err and ".part" not in err, err
        assert [p.name for p in folder.iterdir()] == ["filler"]


def test_non_regular_inputs_are_refused_without_opening(tmp_path) -> None:
    fifo = tmp_path / "train-images-idx3-ubyte"
    os.mkfifo(fifo)
    zero = tmp_path / "seq.npy"
    zero.symlink_to("/dev/zero")
    with pytest.raises(DataError, match="not a regular file"):
        read_idx(fifo)
    with pytest.raises(DataError, match="not a regular file"):
        open_dataset(fifo)
    assert main(["info", str(zero)]) == 2


def test_multi_member_gzip_idx_is_read(tmp_path) -> None:
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    raw = b"\x00\x00\x08\x03" + b"".join(d.to_bytes(4, "big") for d in images.shape) + \
        images.tobytes()
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(raw[:500]) + gzip.compress(raw[500:]))
    assert np.array_equal(read_idx(path), images)


def test_info_json_prints_null_for_nan(tmp_path, capsys) -> None:
    path = tmp_path / "seq.npz"
    config = json.dumps({"step_length": float("nan"), "x": float("inf")})
    np.savez(path, frames=np.zeros((1, 2, 4, 4), np.uint8), config=np.array(config))
    assert main(["info", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(c))
    assert out["config"] == {"step_length": None, "x": None}


def test_a_stored_member_with_a_bad_crc_is_refused_for_stats(tmp_path, capsys) -> None:
    path = tmp_path / "seq.npz"
    frames = np.full((2, 3, 8, 8), 7, np.uint8)
    np.savez(path, frames=frames)
    data = bytearray(path.read_bytes())
    data[data.rindex(bytes([7]) * 64)] = 8  # one frame byte changes; the CRC no longer fits
    path.write_bytes(bytes(data))
    assert main(["stats", str(path)]) == 2
    err = capsys.readouterr().err
    assert "CRC" in err and str(path) in err and _error_lines(err) == 1


_BOMBS = r"""
import json, resource, sys
from pathlib import Path
from mnist_viewer.core import files
from mnist_viewer.core.errors import DataError
from mnist_viewer.core.sources.datasets import open_dataset
out = {}
for name in sys.argv[1:]:
    path = Path(name)
    try:
        if path.suffix == ".npz" and path.name.startswith("seq"):
            seqs = files.open_sequences(path)
            seqs.sequence(len(seqs) - 1)
            out[path.name] = "accepted"
        else:
            open_dataset(path)
            out[path.name] = "accepted"
    except DataError as exc:
        out[path.name] = "refused: " + str(exc)
    # the process's peak so far (it only grows): the figure after each file, for the record
    out.setdefault("peaks_mb", {})[path.name] = \
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _deflated_npz(path: Path, name: str, header_shape: tuple[int, ...], dtype: str,
                  nbytes: int) -> None:
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1, dtype))
    header["shape"] = header_shape
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open(name, "w", force_zip64=True) as fp:
        np.lib.format.write_array_header_1_0(fp, header)
        chunk = bytes(2**22)
        left = nbytes
        while left > 0:
            fp.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)


def test_small_bombs_stay_under_500_mb(tmp_path) -> None:
    """Files under 2 MB that inflate to gigabytes: refused or read with bounded memory."""
    files = []
    config = tmp_path / "seq-config.npz"  # a config member that inflates to 100 MB
    _deflated_npz(config, "config.npy", (), "<U25000000", 100_000_000)
    with zipfile.ZipFile(config, "a") as zf:
        zf.writestr("frames.npy", _npy(np.zeros((1, 1, 4, 4), np.uint8)))
    files.append(config)
    frames = tmp_path / "seq-frames.npz"  # 160 MB of frames from ~160 kB, mapped
    _deflated_npz(frames, "frames.npy", (40, 1000, 64, 64), "|u1", 40 * 1000 * 64 * 64)
    files.append(frames)
    keras = tmp_path / "mnist.npz"  # x_train inflating to 200 MB
    _deflated_npz(keras, "x_train.npy", (255_102, 28, 28), "|u1", 255_102 * 28 * 28)
    with zipfile.ZipFile(keras, "a") as zf:
        for key, shape in (("y_train", (255_102,)), ("x_test", (1, 28, 28)), ("y_test", (1,))):
            zf.writestr(f"{key}.npy", _npy(np.zeros(shape, np.uint8)))
    files.append(keras)
    idx = tmp_path / "idx"
    idx.mkdir()
    header = b"\x00\x00\x08\x03" + b"".join(d.to_bytes(4, "big") for d in (1_300_000, 28, 28))
    (idx / "train-images-idx3-ubyte.gz").write_bytes(
        gzip.compress(header + np.random.default_rng(0).bytes(1_000_000)))
    (idx / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01" + (2).to_bytes(4, "big")
                                                  + b"\x01\x02")
    files.append(idx)
    offsets = tmp_path / "seq-predrnn-offsets.npz"  # clips pointing 2**62 rows in
    _predrnn_npz(offsets, np.array([[[2**62, 2]], [[2**62 + 2, 2]]], np.int64),
                 np.zeros((4, 1, 8, 8), np.float32))
    files.append(offsets)
    lengths = tmp_path / "seq-predrnn-lengths.npz"  # a clip 2**40 frames long
    _predrnn_npz(lengths, np.array([[[0, 2**40]], [[2, 2]]], np.int64),
                 np.zeros((4, 1, 8, 8), np.float32))
    files.append(lengths)
    rows = tmp_path / "seq-predrnn-rows.npz"  # input_raw_data inflating to 400 MB
    _deflated_npz(rows, "input_raw_data.npy", (100_000, 1, 32, 32), "<f4", 100_000 * 32 * 32 * 4)
    with zipfile.ZipFile(rows, "a") as zf:
        zf.writestr("clips.npy", _npy(np.array([[[0, 10]], [[99_990, 10]]], np.int64)))
        zf.writestr("dims.npy", _npy(np.array([[1, 32, 32]], np.int32)))
    files.append(rows)
    zero = tmp_path / "zero"
    zero.mkdir()
    (zero / "train-images-idx3-ubyte").symlink_to("/dev/zero")
    files.append(zero)
    assert all(p.stat().st_size < 2_000_000 for p in files if p.is_file())

    def cap() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1",
           "MNIST_VIEWER_TMP": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _BOMBS, *map(str, files)], env=env,
                          capture_output=True, text=True, preexec_fn=cap, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    print(json.dumps({k: v for k, v in result.items() if "peak" in k}))  # the figures (-s)
    assert result["peak_rss_mb"] < 500, result
    assert result["seq-config.npz"].startswith("refused") and "config" in result["seq-config.npz"]
    assert result["seq-frames.npz"] == "accepted"  # inflated to a temporary file, mapped
    assert "bomb" in result["mnist.npz"]
    assert "labels" in result["idx"] and "1300000 images but 2 labels" in result["idx"]
    assert result["seq-predrnn-offsets.npz"].startswith("refused"), result
    assert result["seq-predrnn-lengths.npz"].startswith("refused"), result
    # accepted (inflated to a temporary file) or refused: either way within the 500 MB
    assert result["seq-predrnn-rows.npz"].split(":")[0] in ("accepted", "refused")
    assert result["zero"].startswith("refused")  # skipped as not a regular file: no hang
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("mnist-viewer-")]


def _predrnn_npz(path: Path, clips: np.ndarray, rows: np.ndarray) -> None:
    np.savez(path, clips=clips, dims=np.array([rows.shape[1:]], np.int32), input_raw_data=rows)


def _npy(array: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.lib.format.write_array(buf, array)
    return buf.getvalue()


def test_an_empty_idx_with_an_impossible_shape_is_refused(tmp_path) -> None:
    """Found by the fuzz run: (0, 2**32-1, 2**32-1) holds no bytes but numpy cannot shape it."""
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"\x00\x00\x08\x03" + bytes(4) + b"\xff" * 8)
    with pytest.raises(DataError, match="impossible shape"):
        read_idx(path)
