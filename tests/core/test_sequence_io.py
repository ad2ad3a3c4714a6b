"""Sequence files: round trips of every layout, files made by others, bad input, safe writes."""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from mnist_viewer.core.compute import Engine
from mnist_viewer.core.errors import Cancelled, DataError
from mnist_viewer.core.files import (
    describe_sequences,
    is_sequence_file,
    npy_layout,
    open_sequences,
    save_sequences,
)
from mnist_viewer.core.generation import GeneratedSequenceSet, GeneratorConfig, generate
from mnist_viewer.core.sequences import ArraySequenceSet
from mnist_viewer.core.sources.datasets import Dataset, load_dataset

GT_KEYS = ("labels", "digit_index", "positions", "start", "velocity", "boxes")


@pytest.fixture(scope="module")
def mnist(mnist_dir) -> Dataset:
    return load_dataset(mnist_dir, "train")


@pytest.fixture(scope="module")
def seqs(mnist) -> GeneratedSequenceSet:
    # more than two write chunks, the last one partial; up to 3 digits (unused slots)
    return generate(GeneratorConfig(num_sequences=300, frames=6, digits=(1, 3), seed=13), mnist)


@pytest.fixture(scope="module")
def frames(seqs) -> np.ndarray:
    return seqs.chunk(0, seqs.num_sequences)


def small_frames(n: int = 5, t: int = 4, h: int = 8, w: int = 9, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, t, h, w), dtype=np.uint8)


def test_npz_round_trip_keeps_frames_ground_truth_and_config(tmp_path, seqs, frames):
    path = save_sequences(tmp_path / "set.npz", seqs)
    back = open_sequences(path)
    assert back.layout == "npz" and len(back) == 300 and back.num_frames == 6
    np.testing.assert_array_equal(back.chunk(0, 300), frames)
    np.testing.assert_array_equal(back.frame(123, 5), frames[123, 5])
    for key in GT_KEYS:
        ours, theirs = getattr(back.ground_truth, key), getattr(seqs.ground_truth, key)
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)
    assert back.config == seqs.config
    assert back.config["seed"] == 13 and back.config["source"]["name"] == "mnist"
    assert isinstance(back.frames, np.memmap)  # stored uncompressed: mapped, not loaded
    # plain numpy reads it too, without pickles
    with np.load(path, allow_pickle=False) as npz:
        assert set(npz.files) == {"frames", "config", *GT_KEYS}
        np.testing.assert_array_equal(npz["frames"], frames)
        assert json.loads(str(npz["config"]))["motion"] == "original"


def test_npy_is_the_mnist_test_seq_layout(tmp_path, seqs, frames):
    path = save_sequences(tmp_path / "moving.npy", seqs)
    raw = np.load(path, allow_pickle=False)
    assert raw.dtype == np.uint8 and raw.shape == (6, 300, 64, 64)
    np.testing.assert_array_equal(raw, frames.transpose(1, 0, 2, 3))
    back = open_sequences(path)
    assert back.layout == "mnist_test_seq" and back.ground_truth is None
    np.testing.assert_array_equal(back.chunk(0, 300), frames)
    np.testing.assert_array_equal(back.sequence(299), frames[299])


@pytest.mark.parametrize(("layout", "shape"), [
    ("torchvision", (300, 6, 64, 64)), ("torchvision_channel", (300, 6, 1, 64, 64)),
])
def test_torchvision_layouts(tmp_path, seqs, frames, layout, shape):
    path = save_sequences(tmp_path / "tv.npy", seqs, layout=layout)
    raw = np.load(path, allow_pickle=False)
    assert raw.shape == shape
    np.testing.assert_array_equal(raw.reshape(frames.shape), frames)
    back = open_sequences(path, layout=layout)
    assert back.layout == layout
    np.testing.assert_array_equal(back.chunk(0, 300), frames)


def test_predrnn_export_and_open(tmp_path, seqs, frames):
    path = save_sequences(tmp_path / "mnist-train.npz", seqs, layout="predrnn")
    with np.load(path, allow_pickle=False) as npz:
        assert set(npz.files) == {"clips", "dims", "input_raw_data"}
        data, clips, dims = npz["input_raw_data"], npz["clips"], npz["dims"]
    assert data.dtype == np.float32 and data.shape == (300 * 6, 1, 64, 64)
    assert clips.dtype == np.int32 and clips.shape == (2, 300, 2)
    assert dims.dtype == np.int32 and dims.tolist() == [[1, 64, 64]]
    # as PredRNN's InputHandle reads it: input clip then output clip
    for i in (0, 1, 299):
        (s0, l0), (s1, l1) = clips[0, i], clips[1, i]
        assert (l0, l1) == (3, 3)
        sequence = np.concatenate([data[s0:s0 + l0], data[s1:s1 + l1]])[:, 0]
        np.testing.assert_allclose(sequence, frames[i] / 255.0, atol=1e-7)
    back = open_sequences(path)
    assert back.layout == "predrnn"
    np.testing.assert_array_equal(back.chunk(0, 300), frames)
    np.testing.assert_array_equal(back.frame(7, 4), frames[7, 4])


def test_predrnn_made_elsewhere_with_clips_in_any_order(tmp_path):
    video = small_frames(n=4, t=5)
    order = [2, 0, 3, 1]  # sequences stored out of order, inputs and outputs apart
    rows = np.zeros((40, 1, 8, 9), dtype=np.float32)
    clips = np.zeros((2, 4, 2), dtype=np.int32)
    for slot, i in enumerate(order):
        rows[slot * 2:slot * 2 + 2, 0] = video[i, :2] / 255
        rows[20 + slot * 3:20 + slot * 3 + 3, 0] = video[i, 2:] / 255
        clips[0, i] = slot * 2, 2
        clips[1, i] = 20 + slot * 3, 3
    path = tmp_path / "other.npz"
    np.savez(path, clips=clips, dims=np.array([[1, 8, 9]]), input_raw_data=rows)
    back = open_sequences(path)
    assert (back.num_sequences, back.num_frames, back.height, back.width) == (4, 5, 8, 9)
    np.testing.assert_array_equal(back.chunk(0, 4), video)
    info = describe_sequences(path)
    assert (info["layout"], info["num_sequences"], info["frames"]) == ("predrnn", 4, 5)


def test_files_written_by_plain_numpy(tmp_path):
    video = small_frames(n=120, t=7)  # N > 100 >= T: unambiguous either way round
    np.save(tmp_path / "tn.npy", video.transpose(1, 0, 2, 3))
    np.save(tmp_path / "nt.npy", video)
    np.save(tmp_path / "nt1.npy", video[:, :, None])
    np.save(tmp_path / "float.npy", video.astype(np.float32) / 255)
    for name, layout in [("tn.npy", "mnist_test_seq"), ("nt.npy", "torchvision"),
                         ("nt1.npy", "torchvision_channel"), ("float.npy", "torchvision")]:
        back = open_sequences(tmp_path / name)
        assert back.layout == layout, name
        np.testing.assert_array_equal(back.chunk(0, 120), video)
        np.testing.assert_array_equal(back.frame(119, 6), video[119, 6])
    compressed = tmp_path / "compressed.npz"
    np.savez_compressed(compressed, frames=video)
    back = open_sequences(compressed)
    assert back.layout == "npz" and back.ground_truth is None and back.config is None
    np.testing.assert_array_equal(back.chunk(0, 120), video)


def test_ambiguous_npy_rule_and_override(tmp_path):
    video = small_frames(n=30, t=20)
    np.save(tmp_path / "small.npy", video)  # (30, 20, ...): both axes <= 100
    assert open_sequences(tmp_path / "small.npy").layout == "mnist_test_seq"  # rule 3
    back = open_sequences(tmp_path / "small.npy", layout="torchvision")
    assert (back.num_sequences, back.num_frames) == (30, 20)
    np.testing.assert_array_equal(back.chunk(0, 30), video)
    assert describe_sequences(tmp_path / "small.npy", layout="torchvision")["frames"] == 20
    np.save(tmp_path / "mnist_test_seq_part.npy", small_frames(n=500, t=200))
    assert open_sequences(tmp_path / "mnist_test_seq_part.npy").layout == "mnist_test_seq"
    assert npy_layout((20, 10000, 64, 64)) == "mnist_test_seq"
    assert npy_layout((10000, 20, 64, 64)) == "torchvision"
    assert npy_layout((500, 300, 64, 64)) == "mnist_test_seq"
    assert npy_layout((5, 20, 1, 64, 64)) == "torchvision_channel"


def test_big_npy_is_mapped_and_described_from_its_header(tmp_path):
    path = tmp_path / "mnist_test_seq.npy"
    shape = (20, 10000, 64, 64)  # the released file's 819 MB, written sparse
    with open(path, "wb") as fp:
        np.lib.format.write_array_header_1_0(
            fp, {"descr": "|u1", "fortran_order": False, "shape": shape})
        offset = fp.tell()
        fp.seek(offset + 5 * 10000 * 4096 + 3 * 4096 + 100)  # frame 5 of sequence 3
        fp.write(b"\x07")
        fp.truncate(offset + int(np.prod(shape)))
    tracemalloc.start()  # numpy reports its allocations here: nothing big may be allocated
    try:
        info = describe_sequences(path)
        back = open_sequences(path)
        pixel, blank = back.frame(3, 5)[1, 36], back.frame(3, 4).max()
        sequence = back.sequence(9999)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000
    assert {k: info[k] for k in ("kind", "path", "layout", "num_sequences", "frames", "height",
                                 "width", "dtype", "ground_truth")} == {
        "kind": "sequences", "path": str(path), "layout": "mnist_test_seq",
        "num_sequences": 10000, "frames": 20, "height": 64, "width": 64,
        "dtype": "uint8", "ground_truth": False}
    # blank frames: no evidence in the content, so the name decides, and says it is weak
    assert info["layout_decided_by"] == "name" and info["layout_weak"] is True
    assert info["value_mapping"]["kind"] == "none"
    assert isinstance(back, ArraySequenceSet)
    assert pixel == 7 and blank == 0 and sequence.shape == (20, 64, 64)


def test_describe_our_npz(tmp_path, seqs):
    path = save_sequences(tmp_path / "set.npz", seqs)
    info = describe_sequences(path)
    assert info["kind"] == "sequences" and info["layout"] == "npz"
    assert (info["num_sequences"], info["frames"], info["height"], info["width"]) == \
        (300, 6, 64, 64)
    assert info["ground_truth"] is True and info["digits_per_sequence"] == 3
    assert info["config"]["seed"] == 13
    json.dumps(info)


def test_array_backed_sets_save_too(tmp_path):
    video = small_frames(n=7, t=3)
    save_sequences(tmp_path / "a.npz", ArraySequenceSet(video, config={"note": "x"}))
    back = open_sequences(tmp_path / "a.npz")
    np.testing.assert_array_equal(back.chunk(0, 7), video)
    assert back.config == {"note": "x"} and back.ground_truth is None
    save_sequences(tmp_path / "b.npy", back)  # an opened file converts to another layout
    np.testing.assert_array_equal(np.load(tmp_path / "b.npy"), video.transpose(1, 0, 2, 3))


def test_threaded_workers_write_the_same_bytes(tmp_path, seqs):
    one = save_sequences(tmp_path / "one.npy", seqs)
    two = save_sequences(tmp_path / "two.npy", seqs,
                         engine=Engine(workers=2, processes=False))
    assert one.read_bytes() == two.read_bytes()


def test_npz_bytes_do_not_depend_on_the_time_of_writing(tmp_path, seqs, monkeypatch):
    import time

    one = save_sequences(tmp_path / "one.npz", seqs)
    later = time.time() + 3 * 3600 + 7  # another hour, minute and second
    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(time, "localtime", lambda *a: time.gmtime(later))
    two = save_sequences(tmp_path / "two.npz", seqs)
    assert one.read_bytes() == two.read_bytes()
    with zipfile.ZipFile(two) as zf:
        assert {info.date_time for info in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_chunk_size_does_not_change_a_generated_set(seqs, frames):
    pieces = [seqs.chunk(s, min(300, s + 37)) for s in range(0, 300, 37)]
    np.testing.assert_array_equal(np.concatenate(pieces), frames)
    np.testing.assert_array_equal(seqs.sequence(42), frames[42])
    np.testing.assert_array_equal(seqs.frame(42, 3), frames[42, 3])  # from the cache
    np.testing.assert_array_equal(seqs.frame(43, 2), frames[43, 2])  # rendered alone


def test_progress_is_reported_to_the_end(tmp_path, seqs):
    calls: list[tuple[int, int]] = []
    save_sequences(tmp_path / "p.npz", seqs, progress=lambda d, t: calls.append((d, t)))
    assert calls[0] == (0, 300) and calls[-1] == (300, 300)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_cancel_leaves_no_file_and_keeps_the_old_one(tmp_path, seqs):
    target = tmp_path / "set.npy"
    target.write_bytes(b"old")
    seen = []

    def cancel() -> bool:
        seen.append(1)
        return len(seen) > 1  # after the first chunk

    with pytest.raises(Cancelled):
        save_sequences(target, seqs, cancel=cancel)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set.npy"]
    with pytest.raises(Cancelled):
        save_sequences(tmp_path / "new.npz", seqs, cancel=lambda: True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set.npy"]


def test_a_failing_set_leaves_no_file(tmp_path):
    class Broken(ArraySequenceSet):
        def chunk(self, start: int, stop: int) -> np.ndarray:
            if start > 0:
                raise OSError("disk gone")
            return super().chunk(start, stop)

    with pytest.raises(OSError, match="disk gone"):
        save_sequences(tmp_path / "x.npy", Broken(small_frames(n=400, t=2, h=4, w=4)))
    assert list(tmp_path.iterdir()) == []


def test_save_refuses_unknown_extensions_and_layouts(tmp_path, seqs):
    for name, layout in [("x.txt", None), ("x.npy", "predrnn"), ("x.npz", "torchvision"),
                         ("x.npy", "mp4")]:
        with pytest.raises(DataError):
            save_sequences(tmp_path / name, seqs, layout=layout)
    assert list(tmp_path.iterdir()) == []


def one_line(err: pytest.ExceptionInfo, path: Path) -> str:
    text = str(err.value)
    assert "\n" not in text and str(path) in text
    return text


@pytest.mark.parametrize(("name", "make", "message"), [
    ("missing.npy", None, "no such file"),
    ("empty.npy", lambda p: p.write_bytes(b""), "empty"),
    ("text.npy", lambda p: p.write_text("hello world"), "not a valid .npy file (bad magic)"),
    ("two_d.npy", lambda p: np.save(p, np.zeros((8, 8), np.uint8)), "expected frames"),
    ("complex.npy", lambda p: np.save(p, np.zeros((2, 3, 8, 8), np.complex64)), "numbers"),
    ("nan.npy", lambda p: np.save(p, np.full((2, 3, 8, 8), np.nan)), "NaN"),
    ("channels.npy", lambda p: np.save(p, np.zeros((2, 3, 3, 8, 8), np.uint8)), "expected"),
    ("objects.npy", lambda p: np.save(p, np.array([{"a": 1}], dtype=object)), "pickled"),
    ("keras.npz", lambda p: np.savez(p, x_train=np.zeros((2, 28, 28), np.uint8)), "keys"),
    ("inf_frames.npz", lambda p: np.savez(p, frames=np.full((2, 3, 8, 8), np.inf)), "NaN"),
    ("objects.npz", lambda p: np.savez(p, frames=np.array([None], dtype=object)), "pickled"),
    ("bad_config.npz", lambda p: np.savez(p, frames=small_frames(), config=np.array("{oops")),
     "JSON"),
    ("gz.npz", lambda p: p.write_bytes(gzip.compress(b"x" * 100)),
     "not a valid .npz (zip) file"),
    ("text.seq", lambda p: p.write_text("hello world"), "not a sequence file"),
    ("cut.npz", lambda p: p.write_bytes(b"PK\x03\x04" + b"\0" * 50), "not a readable"),
])
def test_bad_files_are_refused_with_one_line(tmp_path, name, make, message):
    path = tmp_path / name
    if make is not None:
        make(path)
    with pytest.raises(DataError) as err:
        open_sequences(path)
    assert message in one_line(err, path)


def test_truncated_npy(tmp_path):
    path = tmp_path / "cut.npy"
    np.save(path, small_frames(n=20))
    data = path.read_bytes()
    path.write_bytes(data[:-100])
    with pytest.raises(DataError) as err:
        open_sequences(path)
    assert "truncated" in one_line(err, path)
    with pytest.raises(DataError):
        describe_sequences(path)


def test_bad_ground_truth_is_refused(tmp_path, seqs):
    good = tmp_path / "good.npz"
    save_sequences(good, seqs.__class__(seqs.ground_truth.select(slice(0, 4)), seqs.digits,
                                        seqs.generator_config))
    with np.load(good, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    cases = {
        "missing": {k: v for k, v in arrays.items() if k != "boxes"},
        "shape": {**arrays, "positions": arrays["positions"][:, :, :, :1]},
        "dtype": {**arrays, "start": arrays["start"].astype(np.int64)},
        "count": {**arrays, "labels": arrays["labels"][:3]},
        "range": {**arrays, "labels": arrays["labels"].astype(np.int64) + 40000},
    }
    for name, content in cases.items():
        path = tmp_path / f"{name}.npz"
        np.savez(path, **content)
        with pytest.raises(DataError) as err:
            open_sequences(path)
        one_line(err, path)


def test_bad_predrnn_files(tmp_path):
    rows = np.zeros((10, 1, 8, 8), np.float32)
    clips = np.array([[[0, 2]], [[2, 3]]], np.int32)  # one sequence of 2 + 3 frames
    dims = np.array([[1, 8, 8]], np.int32)
    cases = {
        "outside": dict(clips=np.array([[[0, 2]], [[9, 3]]], np.int32), dims=dims,
                        input_raw_data=rows),
        "lengths": dict(clips=np.array([[[0, 2], [5, 1]], [[2, 3], [6, 3]]], np.int32),
                        dims=dims, input_raw_data=rows),
        "colour": dict(clips=clips, dims=np.array([[3, 8, 8]], np.int32),
                       input_raw_data=np.zeros((10, 3, 8, 8), np.float32)),
        "dims": dict(clips=clips, dims=np.array([[1, 9, 9]], np.int32), input_raw_data=rows),
        "no_dims": dict(clips=clips, input_raw_data=rows),
    }
    for name, content in cases.items():
        path = tmp_path / f"{name}.npz"
        np.savez(path, **content)
        with pytest.raises(DataError) as err:
            open_sequences(path)
        one_line(err, path)
    np.savez(tmp_path / "fine.npz", clips=clips, dims=dims, input_raw_data=rows)
    assert open_sequences(tmp_path / "fine.npz").num_frames == 5


def test_layout_overrides_are_checked(tmp_path):
    np.save(tmp_path / "a.npy", small_frames())
    np.savez(tmp_path / "b.npz", frames=small_frames())
    for path, layout in [("a.npy", "predrnn"), ("a.npy", "torchvision_channel"),
                         ("b.npz", "torchvision"), ("a.npy", "nonsense")]:
        with pytest.raises(DataError):
            open_sequences(tmp_path / path, layout=layout)


def test_is_sequence_file(tmp_path, mnist_dir, seqs):
    save_sequences(tmp_path / "s.npz", seqs.__class__(seqs.ground_truth.select(slice(0, 2)),
                                                      seqs.digits, seqs.generator_config))
    np.save(tmp_path / "s.npy", small_frames())
    np.savez(tmp_path / "keras.npz", x_train=np.zeros((1, 28, 28), np.uint8))
    (tmp_path / "notes.txt").write_text("hi")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as zf:
        zf.writestr("readme.txt", "hi")
    assert is_sequence_file(tmp_path / "s.npz") and is_sequence_file(tmp_path / "s.npy")
    for name in ("keras.npz", "notes.txt", "other.zip", "missing.npy"):
        assert not is_sequence_file(tmp_path / name)
    assert not is_sequence_file(tmp_path)
    assert not is_sequence_file(mnist_dir / "train-images-idx3-ubyte.gz")
