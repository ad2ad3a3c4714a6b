"""What the subcommands share: opening INPUT, a sequence file or a dataset to generate from."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from ..core.errors import DataError
from ..core.files import READABLE_LAYOUTS
from ..core.files.grid_split import GridSplit
from ..core.sequences import SequenceSet

LAYOUT_CHOICES = READABLE_LAYOUTS

SEQUENCE_FILES = ("a sequence file (.npz, .npy, a .zarr store, HDF5 .h5, an animation such as "
                  ".gif, a video such as .avi or .mp4, or a folder of frame images: README "
                  "'Sequence files')")
DATASETS = ("a dataset (a folder of MNIST IDX files, one IDX file, a Keras mnist.npz or an "
            "HDF5 file of digits)")
INPUT_HELP = f"{SEQUENCE_FILES}, or {DATASETS}"
"""What the subcommands' help says they read, in one place (the readers: core.files and
core.sources)."""


def add_layout_option(parser: argparse.ArgumentParser) -> None:
    """``--layout``: the explicit override of the rule that reads an ambiguous .npy."""
    parser.add_argument(
        "--layout", choices=LAYOUT_CHOICES, metavar="LAYOUT",
        help="how to read a sequence file: " + ", ".join(LAYOUT_CHOICES) + " (default: "
        "decided from the content: the axis along which frames are alike is time; see README "
        "'Sequence files')",
    )
    parser.add_argument(
        "--key", metavar="DATASET",
        help="the dataset of an HDF5 file to read (default: the only dataset of frames)",
    )
    parser.add_argument(
        "--split-grid", type=grid_split_arg, metavar="RxC[+GAP]",
        help="split a grid animation or video into RxC sequences GAP pixels apart (default "
        "gap 1); `info` says when a regular grid is detected",
    )


def grid_split_arg(text: str) -> GridSplit:
    """``RxC`` or ``RxC+GAP`` (``--split-grid``) as a :class:`GridSplit`; ArgumentTypeError else."""
    try:
        size, _, gap = text.lower().partition("+")
        rows, cols = (int(v) for v in size.split("x"))
        split = GridSplit(rows, cols, int(gap) if gap else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected RxC or RxC+GAP, e.g. 4x4+1, not {text!r}") from None
    if not (1 <= split.rows <= 1000 and 1 <= split.cols <= 1000 and 0 <= split.gap <= 1000):
        raise argparse.ArgumentTypeError(f"grid {text!r} out of range (1..1000, gap 0..1000)")
    return split


def is_sequence_input(path: str | Path, layout: str | None = None) -> bool:
    """Whether INPUT is a sequence file (an explicit layout says so)."""
    from ..core import files as sequence_files

    return layout is not None or bool(sequence_files.is_sequence_file(path))


def open_input(
    path: str | Path,
    *,
    layout: str | None = None,
    split: str = "train",
    key: str | None = None,
    grid: GridSplit | None = None,
    **config: Any,
) -> SequenceSet:
    """The sequence set in the file at ``path``, or one generated from the dataset at ``path``.

    ``config`` holds :class:`~mnist_viewer.core.generation.GeneratorConfig` fields for a dataset
    INPUT (None values are left at their defaults); ``key`` and ``grid`` are for HDF5 files and
    grid animations (see ``--key``, ``--split-grid``).
    """
    from ..core import files as sequence_files
    from ..core.files.stored import verify_file
    from ..core.generation import GeneratorConfig, generate
    from ..core.sources.datasets import CLI_REMEDY, load_dataset

    if is_sequence_input(path, layout):
        seqset = sequence_files.open_sequences(path, layout, key=key, grid=grid)
        verify_file(path)  # the whole set is read: a damaged stored member must not pass
        return seqset
    try:
        dataset = load_dataset(path, split, CLI_REMEDY)
    except DataError as exc:
        if Path(path).suffix.lower() not in (".npy", ".npz") or not Path(path).is_file():
            raise
        try:  # say why it is not a sequence file either
            sequence_files.open_sequences(path)
        except DataError as seq_exc:
            raise DataError(path, f"as a sequence file: {seq_exc.problem}; as a dataset: "
                            f"{exc.problem}") from None
        raise
    changes = {key: value for key, value in config.items() if value is not None}
    try:
        generator_config = GeneratorConfig(split=split, **changes)
    except DataError as exc:
        raise DataError(path, exc.problem) from None
    return generate(generator_config, dataset)


def dumps_json(info: Any) -> str:
    """``info`` as strict JSON: NaN and ±infinity (which JSON has no words for) become
    ``null``, numpy numbers plain numbers (RFC 8259, section 6)."""
    return json.dumps(_finite(info), allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        value = value.item()  # numpy scalar
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
