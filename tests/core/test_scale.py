"""Whole-set jobs on Dask (threads, a real dask.distributed LocalCluster of worker processes)
and Zarr stores: the same bytes and numbers as one process, lazily opened, resumable."""

from __future__ import annotations

import json
import pickle
import shutil
import zipfile
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from mnist_viewer.cli import main
from mnist_viewer.core import analysis
from mnist_viewer.core.compute import Engine
from mnist_viewer.core.errors import Cancelled, DataError
from mnist_viewer.core.files import (
    describe_sequences,
    is_sequence_file,
    open_sequences,
    save_sequences,
)
from mnist_viewer.core.files.zarr_store import save_zarr
from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.output.export import export_sequences
from mnist_viewer.core.sequences import ArraySequenceSet
from mnist_viewer.core.sources.datasets import Dataset, load_dataset

GT_KEYS = ("labels", "digit_index", "positions", "start", "velocity", "boxes")


@pytest.fixture(scope="module")
def mnist(mnist_dir) -> Dataset:
    return load_dataset(mnist_dir, "test")


@pytest.fixture(scope="module")
def seqs(mnist):
    # several chunks of every writer, the last one partial; 1 to 3 digits (unused slots)
    return generate(GeneratorConfig(num_sequences=300, frames=6, digits=(1, 3), seed=5), mnist)


def test_generate_through_a_cluster_writes_the_same_bytes(tmp_path, seqs, cluster):
    remote = Engine(scheduler=cluster)
    for name in ("a.npy", "a.npz"):
        one = save_sequences(tmp_path / f"one-{name}", seqs)
        two = save_sequences(tmp_path / f"two-{name}", seqs, engine=remote)
        assert one.read_bytes() == two.read_bytes()
    store = save_sequences(tmp_path / "set.zarr", seqs, engine=remote)
    local = save_sequences(tmp_path / "local.zarr", seqs)
    back, ref = open_sequences(store), open_sequences(tmp_path / "one-a.npy")
    assert back.layout == "zarr" and len(back) == 300
    np.testing.assert_array_equal(back.chunk(0, 300), ref.chunk(0, 300))
    for key in GT_KEYS:
        np.testing.assert_array_equal(getattr(back.ground_truth, key),
                                      getattr(seqs.ground_truth, key))
    assert back.config == json.loads(json.dumps(seqs.config, default=str))
    files = sorted(p.relative_to(store) for p in store.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(local) for p in local.rglob("*") if p.is_file())
    for rel in files:
        if rel.name != "zarr.json":  # chunk files: the same compressed bytes
            assert (store / rel).read_bytes() == (local / rel).read_bytes()


def test_cancel_through_a_cluster_leaves_nothing(tmp_path, seqs, cluster):
    done: list[int] = []  # 300 sequences: chunks of 128, 128 and 44

    def cancel() -> bool:  # cancelled once the first chunk is written, the others in flight
        return any(0 < d < len(seqs) for d in done)

    with pytest.raises(Cancelled):
        save_sequences(tmp_path / "c.npy", seqs, engine=Engine(scheduler=cluster),
                       progress=lambda d, _n: done.append(d), cancel=cancel)
    assert any(0 < d < len(seqs) for d in done)
    assert list(tmp_path.iterdir()) == []


def test_a_cancelled_zarr_write_through_a_cluster_leaves_no_partial_store(tmp_path, seqs,
                                                                        cluster):
    import time

    done: list[int] = []  # chunks of 32: four in flight on the two workers at the cancel

    def cancel() -> bool:
        return any(0 < d < len(seqs) for d in done)

    with pytest.raises(Cancelled):
        save_zarr(tmp_path / "c.zarr", seqs, engine=Engine(scheduler=cluster), chunk=32,
                  progress=lambda d, _n: done.append(d), cancel=cancel)
    assert list(tmp_path.iterdir()) == []
    time.sleep(1.0)  # a chunk still running on a worker would write into the removed store
    assert list(tmp_path.iterdir()) == []


def test_stats_through_a_cluster_give_the_same_numbers(tmp_path, seqs, cluster):
    path = save_sequences(tmp_path / "s.npy", seqs)  # (T, N, H, W): strided sequences
    opened = open_sequences(path)
    one = analysis.set_statistics(opened, chunk_size=64)
    two = analysis.set_statistics(opened, chunk_size=37, engine=Engine(scheduler=cluster))
    threads = analysis.set_statistics(ArraySequenceSet(seqs.chunk(0, 300)), chunk_size=1000,
                                      engine=Engine(workers=2, processes=False))
    for other in (two, threads):
        assert analysis.summary(other) == analysis.summary(one)
        for field in ("mean", "std", "abs_mean"):
            np.testing.assert_array_equal(getattr(other.diff, field), getattr(one.diff, field))
        np.testing.assert_array_equal(other.energy.per_sequence, one.energy.per_sequence)
    # and the numbers are numpy's, on signed values over all the frames at once
    frames = seqs.chunk(0, 300).astype(np.int64)
    d = np.diff(frames, axis=1).reshape(-1, 64, 64)
    np.testing.assert_allclose(one.diff.mean, d.mean(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(one.diff.std, d.std(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(one.diff.abs_mean, np.abs(d).mean(axis=0), rtol=0, atol=1e-12)


def test_export_of_a_range_through_a_cluster_writes_the_same_files(tmp_path, seqs, cluster):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one = export_sequences(tmp_path / "one" / "c.gif", seqs, 3, 12)
    two = export_sequences(tmp_path / "two" / "c.gif", seqs, 3, 12,
                           engine=Engine(scheduler=cluster))
    assert [p.name for p in one] == [p.name for p in two] == [f"c_{i:04d}.gif"
                                                               for i in range(3, 12)]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(one, two, strict=True))


def test_cli_generate_stats_export_accept_a_scheduler(tmp_path, mnist_dir, cluster, capsys):
    args = ["--num", "40", "--frames", "5", "--seed", "2", "--data", str(mnist_dir)]
    assert main(["generate", "--out", str(tmp_path / "a.zarr"), *args,
                 "--scheduler", cluster]) == 0
    assert main(["generate", "--out", str(tmp_path / "b.npy"), *args]) == 0
    capsys.readouterr()
    assert main(["stats", str(tmp_path / "a.zarr"), "--json", "--scheduler", cluster]) == 0
    remote = json.loads(capsys.readouterr().out)
    assert main(["stats", str(tmp_path / "b.npy"), "--json"]) == 0
    local = json.loads(capsys.readouterr().out)
    assert remote["diff_std"] == local["diff_std"]
    assert remote["motion_energy"] == local["motion_energy"]
    assert main(["export", str(tmp_path / "a.zarr"), "--range", "0:3",
                 "--out", str(tmp_path / "x.gif"), "--scheduler", cluster]) == 0
    assert sorted(p.name for p in tmp_path.glob("x_*.gif")) == [
        "x_0000.gif", "x_0001.gif", "x_0002.gif"]


def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path, seqs):
    with pytest.raises(DataError, match=r"tcp://127\.0\.0\.1:9"):
        save_sequences(tmp_path / "x.npy", seqs,
                       engine=Engine(scheduler="tcp://127.0.0.1:9"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("address", ["bogus://x", "tcp://host:notaport"])
def test_a_malformed_scheduler_address_is_a_one_line_error(tmp_path, seqs, address):
    # dask.distributed raises ValueError for these: it was reported against the input file
    # as "cannot stats (ValueError ...)" with a log file
    with pytest.raises(DataError, match=address):
        save_sequences(tmp_path / "x.npy", seqs, engine=Engine(scheduler=address))
    with pytest.raises(DataError, match=address):  # left an empty .x.zarr.part, unannounced
        save_sequences(tmp_path / "x.zarr", seqs, engine=Engine(scheduler=address))
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------------------------
# Zarr stores


def test_zarr_store_describes_and_opens_lazily(tmp_path, seqs):
    store = save_sequences(tmp_path / "s.zarr", seqs)
    assert is_sequence_file(store) and store.is_dir()
    info = describe_sequences(store)
    assert info["layout"] == "zarr" and info["num_sequences"] == 300
    assert info["chunks"][0] == 256 and info["digits_per_sequence"] == 3
    back = open_sequences(store)
    np.testing.assert_array_equal(back.frame(7, 2), seqs.frame(7, 2))
    np.testing.assert_array_equal(back.sequence(299), seqs.sequence(299))
    again = pickle.loads(pickle.dumps(back))  # what a Dask worker receives
    np.testing.assert_array_equal(again.chunk(250, 260), seqs.chunk(250, 260))


class Flaky(ArraySequenceSet):
    """Fails on the chunks starting at or after ``fail_from``; records what it rendered."""

    fail_from = 10**9
    seen: ClassVar[list[int]] = []

    def chunk(self, start: int, stop: int) -> np.ndarray:
        Flaky.seen.append(start)
        if start >= Flaky.fail_from:
            raise OSError("power cut")
        return super().chunk(start, stop)


def test_zarr_resume_fills_only_the_missing_chunks(tmp_path, seqs):
    frames = seqs.chunk(0, 300)
    target = tmp_path / "r.zarr"
    Flaky.fail_from, Flaky.seen = 200, []
    with pytest.raises(OSError, match="power cut"):
        save_zarr(target, Flaky(frames), chunk=100)  # chunks 0 and 100 done, then it fails
    assert not target.exists()  # only the hidden partial store is left
    with pytest.raises(DataError, match="--resume"):
        open_sequences(tmp_path / ".r.zarr.part")  # incomplete: refused, with the cure
    Flaky.fail_from, Flaky.seen = 10**9, []
    save_zarr(target, Flaky(frames), chunk=100, resume=True)
    assert Flaky.seen == [200]  # only the chunk that was missing
    np.testing.assert_array_equal(open_sequences(target).chunk(0, 300), frames)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.zarr"]
    Flaky.seen = []
    save_sequences(target, Flaky(frames[:, :5]), resume=True)  # another set: all of it
    assert sorted(Flaky.seen) == [0, 256]
    assert open_sequences(target).num_frames == 5


class Replaced(ArraySequenceSet):
    """Its second chunk finds the partial store replaced, as when another `generate` to the
    same target starts afresh (removing it and creating its own)."""

    def chunk(self, start: int, stop: int) -> np.ndarray:
        if start:
            part = Path(self.where)
            shutil.rmtree(part)
            part.mkdir()
        return super().chunk(start, stop)


def test_a_partial_store_replaced_under_the_job_is_a_data_error(tmp_path):
    # was "cannot generate (KeyError: 'frames'); details in error.log"
    target = tmp_path / "t.zarr"
    seqset = Replaced(np.zeros((20, 2, 8, 8), np.uint8))
    seqset.where = str(tmp_path / ".t.zarr.part")
    with pytest.raises(DataError, match=r"t\.zarr.*\.t\.zarr\.part was removed or replaced"):
        save_zarr(target, seqset, chunk=10)
    assert not target.exists()


def test_zarr_cancel_keeps_the_old_store(tmp_path, seqs):
    target = tmp_path / "c.zarr"
    save_sequences(target, ArraySequenceSet(np.ones((3, 2, 4, 4), np.uint8)))
    with pytest.raises(Cancelled):
        save_sequences(target, seqs, cancel=lambda: True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.zarr"]
    assert open_sequences(target).num_sequences == 3


def test_zarr_to_an_fsspec_url(seqs):
    pytest.importorskip("fsspec")
    url = "memory://sets/m.zarr"
    save_sequences(url, seqs)
    back = open_sequences(url)
    np.testing.assert_array_equal(back.chunk(100, 120), seqs.chunk(100, 120))


# --------------------------------------------------------------------------------------------
# writers and errors crossing processes


def test_npz_members_are_valid_zip64_with_right_crcs(tmp_path, seqs):
    path = save_sequences(tmp_path / "s.npz", seqs)
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None  # every CRC checked
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}
    with np.load(path, allow_pickle=False) as data:
        np.testing.assert_array_equal(data["frames"], seqs.chunk(0, 300))
        np.testing.assert_array_equal(data["boxes"], seqs.ground_truth.boxes)
    predrnn = save_sequences(tmp_path / "p.npz", seqs, layout="predrnn")
    with zipfile.ZipFile(predrnn) as zf:
        assert zf.testzip() is None


def test_data_errors_and_generated_sets_survive_pickling(seqs):
    err = pickle.loads(pickle.dumps(DataError(Path("/x/y.npz"), "bad  header")))
    assert isinstance(err, DataError) and str(err) == "/x/y.npz: bad header"
    again = pickle.loads(pickle.dumps(seqs))
    np.testing.assert_array_equal(again.sequence(3), seqs.sequence(3))


def test_a_second_write_to_the_same_zarr_target_is_refused(tmp_path):
    # two `generate --out same.zarr` at once shared .same.zarr.part: the first to finish renamed
    # a store holding chunks of both sets, marked complete (and the other failed)
    fcntl = pytest.importorskip("fcntl")
    target = tmp_path / "t.zarr"
    seqset = ArraySequenceSet(np.ones((3, 2, 8, 8), np.uint8))
    with open(tmp_path / ".t.zarr.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # what the other write holds
        with pytest.raises(DataError, match=r"t\.zarr.*another write to it is under way"):
            save_zarr(target, seqset)
        assert sorted(p.name for p in tmp_path.iterdir()) == [".t.zarr.lock"]
    (tmp_path / ".t.zarr.lock").unlink()
    save_zarr(target, seqset)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.zarr"]


def test_a_damaged_zarr_chunk_is_a_data_error_naming_the_store(tmp_path):
    # was "cannot stats (RuntimeError: Zstd decompression error …); details in error.log"
    target = tmp_path / "d.zarr"
    save_zarr(target, ArraySequenceSet(np.ones((4, 2, 8, 8), np.uint8)), chunk=2)
    (target / "frames" / "c" / "1" / "0" / "0" / "0").write_bytes(b"not zstd")
    opened = open_sequences(target)
    np.testing.assert_array_equal(opened.chunk(0, 2), 1)
    with pytest.raises(DataError, match=r"d\.zarr: cannot read sequences 0…3: a damaged chunk"):
        opened.chunk(0, 4)
    with pytest.raises(DataError, match="cannot read sequence 3"):
        opened.frame(3, 0)
