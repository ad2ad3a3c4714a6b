"""What the main window shows, and the (Qt-free) jobs that produce it in a worker.

Modes: ``"moving"`` (Moving MNIST sequences generated from a dataset), ``"single"`` (one digit
moving), ``"stream"`` (the dataset's digits in order as frames, ``x_train[i]``) and ``"file"``
(a sequence file opened from disk). The functions here run on a pool thread: they use only
the core and numpy, and take the ``progress``/``cancel`` callbacks of every long job.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import DataError
from ..core.generation import generate
from ..core.jobs import Cancel, Progress, check_cancel, report
from ..core.output.overlays import labels_text
from ..core.sequences import ArraySequenceSet, SequenceSet
from ..core.sources.datasets import (
    EMBEDDED_NOTE,
    GUI_REMEDY,
    SPLITS,
    Dataset,
    embedded_note,
    load_dataset,
    open_dataset,
)

MODES = ("moving", "single", "stream")
MODE_LABELS = {"moving": "Moving MNIST", "single": "Single digit", "stream": "Digit stream",
               "file": "Sequence file"}
SOURCE_KINDS = ("auto", "embedded", "cache", "keras", "path")
EMBEDDED_WARNING = embedded_note(GUI_REMEDY)
SOURCE_LABELS = {"auto": "Default (first available)", "embedded": "Embedded subset",
                 "cache": "Downloaded MNIST", "keras": "Keras (TensorFlow)",
                 "path": "Folder or file"}


@dataclass(frozen=True)
class DataSource:
    """Where digits come from: a kind of :data:`SOURCE_KINDS`, and a path for ``"path"``."""

    kind: str = "auto"
    path: str | None = None

    def argument(self) -> str | None:
        """The ``source`` argument of :func:`~mnist_viewer.core.sources.datasets.load_dataset`."""
        if self.kind == "auto":
            return None
        if self.kind == "path":
            if not self.path:
                raise DataError(None, "no dataset folder or file chosen")
            return self.path
        return self.kind

    def describe(self) -> str:
        if self.kind == "path" and self.path:
            return Path(self.path).name or self.path
        return SOURCE_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Content:
    """A sequence set with what the window needs to describe it."""

    seqset: SequenceSet
    mode: str  # one of MODES or "file"
    title: str  # a short description for the status bar and the window title
    path: str | None = None  # the file opened, if any
    dataset: Dataset | None = None  # the digits it was made from, if any
    frame_labels: np.ndarray | None = None  # stream mode: the label of each frame
    note: str = ""  # a file read on weak evidence or with values mapped: said in the status bar
    swap_layout: str | None = None  # the file's layout with sequences and frames swapped

    @property
    def warnings(self) -> tuple[str, ...]:
        """What the user must know about the digits shown, one line each: sources skipped on
        the way, and that the embedded subset is not the full MNIST."""
        if self.dataset is None:
            return ()
        notes = tuple(w for w in self.dataset.warnings if not w.startswith(EMBEDDED_NOTE))
        return (EMBEDDED_WARNING, *notes) if self.dataset.is_embedded else notes

    @property
    def is_stream(self) -> bool:
        """The digit stream: one sequence whose frames are the dataset's digits in order."""
        return self.mode == "stream"

    def caption(self, sequence: int, frame: int) -> str:
        """A short text about the frame shown (the dataset index and label in stream mode)."""
        if self.is_stream and self.frame_labels is not None and self.dataset is not None:
            return f"x_{self.dataset.split}[{frame}] · label {int(self.frame_labels[frame])}"
        gt = self.seqset.ground_truth
        if gt is not None and sequence < gt.num_sequences:
            labels = labels_text(gt.labels[sequence])
            return f"digits {labels}" if labels else ""
        return ""


def load_source(source: DataSource, split: str = "train",
                progress: Progress | None = None, cancel: Cancel | None = None) -> Dataset:
    """One split of the dataset a source names (the default source resolves like the CLI)."""
    if split not in SPLITS:
        raise DataError(None, f"unknown split {split!r}")
    if source.kind == "path":  # a file may hold only one split: use what is there
        return open_dataset_path(source.argument() or "", split, progress, cancel)
    check_cancel(cancel)
    report(progress, 0, 1)
    dataset = load_dataset(source.argument(), split, GUI_REMEDY)
    report(progress, 1, 1)
    return dataset


def digit_stream(dataset: Dataset) -> Content:
    """The dataset's digits in order as the frames of one long sequence (no copy)."""
    frames = dataset.images[np.newaxis]  # (1, N, H, W) view
    seqset = ArraySequenceSet(frames, None, {"mode": "stream", "split": dataset.split},
                              layout="digit-stream")
    title = f"{dataset.name} {dataset.split} digits ({len(dataset)}) · {dataset.provenance}"
    return Content(seqset, "stream", title, None, dataset, dataset.labels)


def generated(config: Any, dataset: Dataset, mode: str = "moving") -> Content:
    """A freshly generated (lazy) set of Moving MNIST sequences."""
    h, w = dataset.image_shape
    if h == w and getattr(config, "digit_size", h) != h:
        config = replace(config, digit_size=h)  # the digits' own size, e.g. 28 for MNIST
    seqset = generate(config, dataset)
    what = "single-digit sequences" if mode == "single" else "sequences"
    title = (f"{seqset.num_sequences} generated {what} · {dataset.name} {dataset.split}"
             f" · {dataset.provenance}")
    return Content(seqset, mode, title, None, dataset)


def is_sequence_path(path: str | os.PathLike[str]) -> bool:
    """Whether a path is a sequence file (a cheap look at its headers) rather than a dataset."""
    from ..core.files import is_sequence_file  # imported when needed: faster start-up

    return is_sequence_file(path)  # a file, or a .zarr store (a folder)


def open_sequence_file(path: str | os.PathLike[str], progress: Progress | None = None,
                       cancel: Cancel | None = None, layout: str | None = None,
                       key: str | None = None, grid: Any = None) -> Content:
    """A sequence file, in any layout the core knows (memory-mapped where possible), or an
    animation, video, frame folder or HDF5 dataset; ``layout`` overrides the one detected,
    ``key`` names an HDF5 dataset, ``grid`` (a GridSplit) splits a grid animation."""
    from ..core.files import open_sequences

    check_cancel(cancel)
    report(progress, 0, 1)
    seqset = open_sequences(path, layout, key=key, grid=grid)
    report(progress, 1, 1)
    title = (f"{Path(path).name} · {seqset.num_sequences} × {seqset.num_frames} frames"
             f" · {seqset.height}×{seqset.width} · {seqset.layout}")
    note, swap = reading_note(seqset.how_read or {})
    source = (seqset.config or {}).get("source") or {}
    if isinstance(source, dict):
        extra = media_note(source)
        note = "; ".join(n for n in (note, extra) if n)
    return Content(seqset, "file", title, str(path), note=note, swap_layout=swap)


def media_note(source: dict[str, Any]) -> str:
    """What the user must know about an animation, video or frame folder: a damaged file, colour
    turned grey, and a grid detected (File › Split Grid Animation splits it)."""
    notes = []
    if source.get("note"):
        notes.append(str(source["note"]))
    if source.get("colour") == "converted":
        notes.append("colour frames shown in grey (BT.601 luma)")
    grid = source.get("grid_detected")
    if isinstance(grid, dict):
        notes.append(f"looks like a {grid['rows']}×{grid['cols']} grid of sequences: "
                     "File › Split Grid Animation")
    return "; ".join(notes)


def reading_note(how_read: dict[str, Any]) -> tuple[str, str | None]:
    """(note, swap layout) for a file's ``how_read``: a note when its layout was decided on
    weak evidence or its values were mapped; the swap is offered for any set of sequences."""
    notes = []
    if how_read.get("layout_weak"):
        n_t = "sequences and frames may be swapped"
        notes.append(f"Layout guessed ({how_read.get('layout_reason', '')}): {n_t}")
    mapping = how_read.get("value_mapping") or {}
    if mapping.get("kind") == "min_max":
        notes.append(f"Values mapped: {mapping.get('note', '')}")
    return "; ".join(notes), how_read.get("swap_layout")


def open_dataset_path(path: str | os.PathLike[str], split: str = "train",
                      progress: Progress | None = None, cancel: Cancel | None = None) -> Dataset:
    """One split of the dataset at a path (the other split if that one is absent)."""
    check_cancel(cancel)
    report(progress, 0, 1)
    splits = open_dataset(path)
    report(progress, 1, 1)
    if split in splits:
        return splits[split]
    return next(iter(splits.values()))
