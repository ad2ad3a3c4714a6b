"""Sequence sets as Zarr v3 stores (``set.zarr``, locally or at any fsspec URL).

A store is a group holding ``frames``, uint8 (N, T, H, W) chunked by sequences and compressed
with Zstandard at level 1 (measured on a 21 MB chunk of frames: 7 ms of CPU against 85 ms at
Zarr's default level, both about 71:1 — mostly-black frames compress as well either way, and
compression was most of the cost of writing a set), the ground truth arrays (``labels``,
``digit_index``, ``positions``, ``start``, ``velocity``, ``boxes``, chunked by the same
sequences) when the set has them, and in the group attribute ``mnist_viewer`` the shape, the
settings (``config``) and whether the store is complete. ``done`` (uint8 (chunks,), one Zarr
chunk per entry) records the chunks written (set by the task that wrote the chunk, after its
data), so an interrupted write continues where it stopped (``resume``).

Each chunk of sequences is one task on the engine (:mod:`..compute`) that renders the
frames and writes them into the store itself (so compression scales with the workers). A
local store is
written to the hidden folder ``.NAME.part`` beside the target and renamed when complete (an
existing target is replaced only then); a remote URL is written in place, its attribute
``complete`` set last. Opening is lazy: only the chunks asked for are read.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..compute import Engine, chunk_ranges, run_chunks
from ..errors import Cancelled, DataError
from ..ground_truth import GroundTruth
from ..jobs import Cancel, Progress, check_target
from ..sequences import SequenceSet
from .layout_decision import LayoutDecision
from .layouts import GROUND_TRUTH_KEYS, how_read_json
from .values import sample_frames, value_mapping

CHUNK = 256  # sequences per chunk (20 MB of 64x64x20 frames; 391 tasks for 100,000)
FORMAT = 1
_TRUTH_DTYPES = {"labels": np.int16, "digit_index": np.int64, "positions": np.int32,
                 "start": np.float64, "velocity": np.float64, "boxes": np.int32}


def is_zarr(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a Zarr store: a name ending in ``.zarr`` (a local folder or a
    URL such as ``s3://bucket/set.zarr``), or a local folder holding ``zarr.json``."""
    text = os.fspath(path).rstrip("/")
    if text.lower().endswith(".zarr"):
        return True
    try:
        return "://" not in text and (Path(text).expanduser() / "zarr.json").is_file()
    except OSError:  # a name too long: no store; the reader says so about the user's path
        return False


def _is_url(path: str | os.PathLike[str]) -> bool:
    return "://" in os.fspath(path)


def _zarr_group(store: str, mode: str) -> Any:
    """``zarr.open_group`` (typed Any: zarr's types mix groups and arrays)."""
    import zarr

    return zarr.open_group(store, mode=mode)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# writing


@dataclass(frozen=True)
class _Job:
    """What a worker needs to write a chunk: the set and where the store is."""

    seqset: SequenceSet
    store: str
    chunk: int


def _write_chunk_task(job: _Job, start: int, stop: int) -> None:
    """Render sequences ``start:stop``, write them and their ground truth to the store, then
    mark the chunk done (each flag is a Zarr chunk of its own: tasks never share one)."""
    group = _zarr_group(job.store, "r+")
    group["frames"][start:stop] = np.ascontiguousarray(job.seqset.chunk(start, stop))
    truth = job.seqset.ground_truth
    if truth is not None:
        part = truth.select(slice(start, stop))
        for key in GROUND_TRUTH_KEYS:
            group[key][start:stop] = getattr(part, key)
    group["done"][start // job.chunk] = 1


def _header(seqset: SequenceSet, chunk: int) -> dict[str, Any]:
    config = None
    if seqset.config is not None:  # JSON-safe, as the .npz records it
        config = json.loads(json.dumps(seqset.config, sort_keys=True, default=str))
    return {"format": FORMAT, "num_sequences": seqset.num_sequences,
            "frames": seqset.num_frames, "height": seqset.height, "width": seqset.width,
            "chunk": chunk, "ground_truth": seqset.ground_truth is not None,
            "config": config, "complete": False}


def _create(store: str, seqset: SequenceSet, chunk: int) -> None:
    from zarr.codecs import ZstdCodec
    n, t, h, w = seqset.num_sequences, seqset.num_frames, seqset.height, seqset.width
    group = _zarr_group(store, "w")
    group.create_array("frames", shape=(n, t, h, w), chunks=(chunk, t, h, w), dtype="uint8",
                       fill_value=0, compressors=ZstdCodec(level=1))
    truth = seqset.ground_truth
    if truth is not None:
        for key in GROUND_TRUTH_KEYS:
            value = getattr(truth, key)
            group.create_array(key, shape=value.shape, chunks=(chunk, *value.shape[1:]),
                               dtype=value.dtype, fill_value=0)
    group.create_array("done", shape=(max(1, -(-n // chunk)),), chunks=(1,), dtype="uint8",
                       fill_value=0)
    group.attrs["mnist_viewer"] = _header(seqset, chunk)


def _resumable(store: str, seqset: SequenceSet, chunk: int) -> np.ndarray | None:
    """The ``done`` flags of a partial store of this same set, or None to start afresh."""
    try:
        group = _zarr_group(store, "r")
        header = dict(group.attrs["mnist_viewer"])
        done = np.asarray(group["done"][:])
    except (FileNotFoundError, KeyError, ValueError, OSError, TypeError):
        return None
    header["complete"] = False
    return done if header == _header(seqset, chunk) else None


@contextlib.contextmanager
def _exclusive(final: Path | None) -> Iterator[None]:
    """Hold ``.NAME.lock`` beside a local target for the write (a DataError naming the target
    if another process holds it): two writes to one target would share ``.NAME.part`` and
    the first to finish would rename a store holding chunks of both. The lock is released
    with the process however it ends; the file is removed after the write."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        fcntl = None  # type: ignore[assignment]
    if final is None or fcntl is None:
        yield
        return
    lock = final.with_name(f".{final.name}.lock")
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DataError(final, "another write to it is under way (it holds "
                            f"{lock.name}); wait for it to finish") from None
        try:
            if os.fstat(fd).st_ino == os.stat(lock).st_ino:
                break  # not a lock file its previous holder removed meanwhile
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


def save_zarr(
    target: str | os.PathLike[str],
    seqset: SequenceSet,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    engine: Engine | None = None,
    *,
    resume: bool = False,
    chunk: int = CHUNK,
) -> str:
    """Write ``seqset`` as a Zarr store at ``target`` (a local ``.zarr`` path or an fsspec
    URL); returns where it was written.

    Chunks of ``chunk`` sequences are rendered and written by tasks on ``engine`` (with a
    remote cluster, ``target`` must be a URL or a shared folder the workers can reach). With
    ``resume``, a partial store of the same set (same shape, settings and chunking) left by an
    interrupted write is completed: only the chunks not recorded as done are computed;
    otherwise any partial store is discarded. ``progress`` counts sequences (the resumed ones
    too). A cancel removes the partial store; any other failure keeps it for ``resume``.
    Raises DataError naming ``target`` if it can't be written there.
    """
    chunk = max(1, min(int(chunk), max(1, seqset.num_sequences)))
    if _is_url(target):
        store, final = os.fspath(target), None
    else:
        final = Path(target).expanduser()
        check_target(final, directory=True)
        store = str(final.with_name(f".{final.name}.part"))
    with _exclusive(final):  # a second write to the same target would share .part
        done = _resumable(store, seqset, chunk) if resume else None
        fresh = done is None
        if done is None:
            if final is not None:
                shutil.rmtree(store, ignore_errors=True)
            _create(store, seqset, chunk)
            done = np.zeros(max(1, -(-seqset.num_sequences // chunk)), np.uint8)
        ranges = chunk_ranges(0, seqset.num_sequences, chunk)
        todo = [r for i, r in enumerate(ranges) if not done[i]]
        already = seqset.num_sequences - sum(e - s for s, e in todo)
        wrote = [False]

        def step(d: int, total: int) -> None:
            wrote[0] = wrote[0] or d > 0
            if progress is not None:
                progress(already + d, already + total)

        try:
            run_chunks(_write_chunk_task, _Job(seqset, store, chunk), todo,
                       lambda s, e, _none: None, engine, step, cancel)
        except Cancelled:
            if final is not None:
                shutil.rmtree(store, ignore_errors=True)
            raise
        except BaseException as exc:
            if fresh and not wrote[0] and final is not None:  # nothing worth resuming
                shutil.rmtree(store, ignore_errors=True)
            if not isinstance(exc, (KeyError, FileNotFoundError)):
                raise
            # the store's arrays vanished under the job
            raise DataError(target, f"the partial store {Path(store).name} was removed or replaced "
                            f"while writing (another write to the same target?): missing {exc}"
                            ) from None
        group = _zarr_group(store, "r+")
        group.attrs["mnist_viewer"] = {**_header(seqset, chunk), "complete": True}
        if final is None:
            return store
        if final.exists():
            old = final.with_name(f".{final.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(final, old)
            os.replace(store, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(store, final)
        return str(final)


# ---------------------------------------------------------------------------------------------
# reading


class ZarrSequenceSet(SequenceSet):
    """A set in a Zarr store: frames read chunk by chunk on demand; the ground truth read on
    first use."""

    layout = "zarr"

    def __init__(self, where: str, group: Any, header: dict[str, Any]) -> None:
        frames = group["frames"]
        n, t, h, w = frames.shape
        super().__init__(n, t, h, w, None, header.get("config"))
        self.where, self._group, self._frames = where, group, frames
        self._has_truth = bool(header.get("ground_truth"))
        self._truth: GroundTruth | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Picklable for Dask workers: the store is opened again where the set arrives."""
        state = super().__getstate__()
        state.pop("_group", None)
        state.pop("_frames", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._group = _zarr_group(self.where, "r")
        self._frames = self._group["frames"]

    @property  # type: ignore[override]
    def ground_truth(self) -> GroundTruth | None:
        """The ground truth (read whole the first time it is asked for), or None."""
        if self._truth is None and getattr(self, "_has_truth", False):
            values = {k: np.ascontiguousarray(self._group[k][:], dtype=d)
                      for k, d in _TRUTH_DTYPES.items()}
            self._truth = GroundTruth(**values)
        return self._truth

    @ground_truth.setter
    def ground_truth(self, value: GroundTruth | None) -> None:
        self._truth = value

    def chunk(self, start: int, stop: int) -> np.ndarray:
        start, stop = int(start), int(stop)
        if not 0 <= start <= stop <= self.num_sequences:
            raise IndexError(f"sequences {start}:{stop} out of range 0:{self.num_sequences}")
        try:
            return np.asarray(self._frames[start:stop])
        except (RuntimeError, ValueError, OSError) as exc:  # a corrupt or unreadable chunk
            raise DataError(self.where, f"cannot read sequences {start}…{stop - 1}: a damaged "
                            f"chunk ({type(exc).__name__}: {exc})") from None

    def frame(self, index: int, t: int) -> np.ndarray:
        t = int(t)
        if not 0 <= t < self.num_frames:
            raise IndexError(f"frame {t} out of range 0..{self.num_frames - 1}")
        index = self._check_index(index)
        try:
            return np.asarray(self._frames[index, t])
        except (RuntimeError, ValueError, OSError) as exc:
            raise DataError(self.where, f"cannot read sequence {index}: a damaged chunk "
                            f"({type(exc).__name__}: {exc})") from None


def _open_group(path: str | os.PathLike[str]) -> tuple[str, Any, dict[str, Any]]:
    where = os.fspath(path) if _is_url(path) else str(Path(path).expanduser())
    try:
        group = _zarr_group(where, "r")
        header = dict(group.attrs.get("mnist_viewer") or {})
        frames = group["frames"]
    except (FileNotFoundError, KeyError) as exc:
        raise DataError(path, f"not a sequence store: no frames array ({exc})") from None
    except Exception as exc:  # zarr raises many kinds for a folder that is no store
        raise DataError(path, f"cannot open as a Zarr store ({type(exc).__name__}: "
                        f"{exc})") from None
    if frames.ndim != 4 or frames.dtype != np.uint8:
        raise DataError(path, f"frames must be uint8 (N, T, H, W), not {frames.dtype} "
                        f"{frames.shape}")
    if header and not header.get("complete", False):
        raise DataError(path, "an incomplete store (an interrupted write): run the same "
                        "generate command again with --resume")
    return where, group, header


def open_zarr(path: str | os.PathLike[str]) -> ZarrSequenceSet:
    """Open a Zarr sequence store lazily (nothing but its metadata is read yet).

    Raises DataError naming ``path`` if it is no store, holds no uint8 (N, T, H, W) ``frames``
    or is incomplete.
    """
    where, group, header = _open_group(path)
    return ZarrSequenceSet(where, group, header)


def describe_zarr(path: str | os.PathLike[str]) -> dict[str, Any]:
    """What a Zarr sequence store holds, from its metadata (for ``info --json``), and how it is
    read in the keys every sequence file gives (:func:`~.layouts.how_read_json`: the layout is
    fixed by the format; the value range is that of a few frames, as for a uint8 .npy/.npz)."""
    where, group, header = _open_group(path)
    frames = group["frames"]
    n, t, h, w = (int(s) for s in frames.shape)
    decision = LayoutDecision("zarr", n, t, h, w, "file",
                              reason="the Zarr store's 'frames' is (N, T, H, W)")
    mapping = value_mapping(sample_frames(frames, 4), None, where)
    info: dict[str, Any] = {
        "kind": "sequences", "path": where, "layout": "zarr", "num_sequences": n,
        "frames": t, "height": h, "width": w, "dtype": str(frames.dtype),
        "ground_truth": bool(header.get("ground_truth")),
        **how_read_json("zarr", decision, mapping),
        "chunks": [int(c) for c in frames.chunks],
        "compressors": [type(c).__name__ for c in frames.compressors],
    }
    if info["ground_truth"]:
        info["digits_per_sequence"] = int(group["labels"].shape[1])
    if header.get("config") is not None:
        info["config"] = header["config"]
    return info
