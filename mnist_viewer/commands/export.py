"""``mnist-viewer export INPUT --out FILE``: write sequences as GIF, AVI, MP4 or PNG.

INPUT is a sequence file, or a dataset (a folder of IDX files, an IDX file or a Keras
mnist.npz) from which a fresh set is generated (``--seed``, ``--frames``), or whose digits are
exported one after the other (``--stream``). The format follows the extension of ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.containers import check_exists
from ..core.errors import DataError, printable
from ..core.generation import GeneratorConfig
from ..core.output import encoders, export
from ..core.output.colormaps import COLORMAPS
from ..core.sequences import SequenceSet
from .engine_options import add_engine_options, engine_from
from .inputs import INPUT_HELP, add_layout_option, is_sequence_input, open_input
from .progress import add_quiet_option, progress_bar


def _fps(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not encoders.MIN_FPS <= value <= encoders.MAX_FPS:
        raise argparse.ArgumentTypeError(
            f"must be a number of at least {encoders.MIN_FPS:g} and at most "
            f"{encoders.MAX_FPS:g}, not {text!r}")
    return value


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 1, not {text!r}")
    return int(text)


def _index(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 0, not {text!r}")
    return int(text)


def _grid(text: str) -> tuple[int, int]:
    rows, sep, cols = text.lower().partition("x")
    if not sep:
        raise argparse.ArgumentTypeError(f"must look like 4x4, not {text!r}")
    return _count(rows), _count(cols)


def _range(text: str) -> tuple[int, int]:
    start, sep, stop = text.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"must look like A:B (B excluded), not {text!r}")
    a, b = _index(start), _index(stop)
    if b <= a:
        raise argparse.ArgumentTypeError(f"{text!r} is empty (B must be greater than A)")
    return a, b


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export sequences as GIF, AVI, MP4 or PNG",
        description="Export a sequence, a range of sequences, a grid of sequences or a stream "
        "of dataset digits. The format follows the extension of --out: .gif, .avi, .mp4, "
        ".png (all frames on one sheet), or no extension / an existing folder (one PNG per "
        "frame). INPUT is a sequence file, or a dataset from which a fresh set is generated.",
    )
    parser.add_argument("input", metavar="INPUT", help=INPUT_HELP)
    parser.add_argument("--out", required=True, metavar="FILE", help="where to write")
    add_layout_option(parser)
    add_quiet_option(parser)
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--index", type=_index, default=0, metavar="I",
                      help="the sequence to export (default 0)")
    what.add_argument("--range", type=_range, metavar="A:B",
                      help="sequences A..B-1, one file each: FILE_000A.gif ...")
    what.add_argument("--grid", type=_grid, metavar="RxC",
                      help="R×C sequences tiled into one animation")
    what.add_argument("--stream", action="store_true",
                      help="dataset digits one after the other (dataset INPUT only)")
    parser.add_argument("--page", type=_index, default=0, metavar="P",
                        help="with --grid: sequences P*R*C onwards (default 0)")
    parser.add_argument("--start", type=_index, default=0, metavar="S",
                        help="with --stream: the first digit (default 0)")
    parser.add_argument("--count", type=_count, default=100, metavar="N",
                        help="with --stream: how many digits (default 100)")
    parser.add_argument("--fps", type=_fps, default=10.0, metavar="F",
                        help=f"frames per second (default 10; at least {encoders.MIN_FPS:g}; "
                        f"GIF at most {encoders.MAX_GIF_FPS:g})")
    parser.add_argument("--scale", type=_count, default=1, metavar="K",
                        help="enlarge K times, nearest neighbour (default 1)")
    parser.add_argument("--no-loop", dest="loop", action="store_false",
                        help="GIF: play once instead of looping")
    parser.add_argument("--captions", action="store_true",
                        help="burn in the frame number, sequence index and labels")
    parser.add_argument("--boxes", action="store_true",
                        help="burn in the ground-truth boxes of the digits")
    parser.add_argument("--colormap", choices=COLORMAPS, default="grey",
                        help="colour map for the grey levels (default grey)")
    parser.add_argument("--lossless", action="store_true",
                        help="AVI: FFV1 (lossless) instead of MJPG")
    parser.add_argument("--sheet-cols", type=_count, metavar="N",
                        help=".png sheets: frames per row (default: about square)")
    generated = parser.add_argument_group("when INPUT is a dataset")
    generated.add_argument("--split", choices=("train", "test"), default="train",
                           help="which split to draw digits from (default train)")
    generated.add_argument("--seed", type=_index, default=0,
                           help="seed of the generated set (default 0)")
    generated.add_argument("--frames", type=_count, default=20, metavar="T",
                           help="frames per generated sequence (default 20)")
    add_engine_options(parser)
    parser.set_defaults(func=run)


def _needed(args: argparse.Namespace) -> int:
    if args.range is not None:
        return args.range[1]
    if args.grid is not None:
        rows, cols = args.grid
        return (args.page + 1) * rows * cols
    return args.index + 1


def _check_selection(args: argparse.Namespace, seqs: SequenceSet) -> None:
    n, where = len(seqs), args.input
    if args.range is not None and args.range[1] > n:
        raise DataError(where, f"has {n} sequences; --range {args.range[0]}:{args.range[1]} "
                        "goes past the end")
    if args.grid is not None:
        pages = export.grid_pages(n, args.grid[0], args.grid[1])
        if args.page >= pages:
            raise DataError(where, f"has {n} sequences: {pages} page(s) of "
                            f"{args.grid[0]}x{args.grid[1]}; --page {args.page} is past the end")
    elif args.range is None and args.index >= n:
        raise DataError(where, f"has {n} sequences; --index {args.index} is out of range")
    if args.boxes and seqs.ground_truth is None:
        raise DataError(where, "has no ground truth, so --boxes cannot be drawn")


def _check_size(args: argparse.Namespace, out: Path, frames: int, h: int, w: int) -> None:
    """The frames asked for must be writable and fit in memory (DataError with figures)."""
    s = args.scale
    if args.grid is not None:
        rows, cols = args.grid
        encoders.check_output_size(out, frames, rows * (h + 1) * s - s, cols * (w + 1) * s - s)
        encoders.check_output_size(out, frames * rows * cols, h * s, w * s, copies=1)
    else:
        encoders.check_output_size(out, frames, h * s, w * s)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    kind = encoders.export_format(out)  # unknown extensions fail before any work
    targets = [out] if args.range is None else export.range_paths(out, *args.range)
    for target in targets:  # so do folders, FIFOs and devices as targets
        encoders.check_export_target(target, directory=kind == "frames")
    path = Path(args.input)
    check_exists(path)  # no such file, a symbolic link loop, a name too long
    options = export.ExportOptions(
        fps=args.fps, scale=args.scale, loop=args.loop, colormap=args.colormap,
        codec="ffv1" if args.lossless else "mjpg", captions=args.captions, boxes=args.boxes,
        sheet_cols=args.sheet_cols,
    )
    sequence_file = is_sequence_input(path, args.layout)  # the rule: sequence_io
    with progress_bar(f"exporting {out}", quiet=args.quiet, unit="frame") as bar:
        if args.stream:
            if sequence_file:
                raise DataError(path, "is a sequence file; --stream exports the digits of a "
                                "dataset")
            if args.boxes:
                raise DataError(path, "--boxes needs sequences; a digit stream has no boxes")
            from ..core.sources.datasets import CLI_REMEDY, load_dataset

            dataset = load_dataset(path, args.split, CLI_REMEDY)
            if args.start >= len(dataset):
                raise DataError(path, f"the {args.split} split has {len(dataset)} digits; "
                                f"--start {args.start} is past the end")
            written = [export.export_stream(out, dataset.images, dataset.labels, options,
                                            start=args.start, count=args.count, progress=bar)]
        else:
            if not sequence_file:  # refuse an impossible output before generating its sequences
                size = GeneratorConfig().canvas_size
                _check_size(args, out, args.frames, size, size)
            seqs = open_input(path, layout=args.layout, key=args.key, grid=args.split_grid,
                              split=args.split, seed=args.seed,
                              num_sequences=_needed(args), frames=args.frames)
            _check_selection(args, seqs)
            _check_size(args, out, seqs.num_frames, seqs.height, seqs.width)
            if args.range is not None:
                start, stop = args.range
                written = export.export_sequences(out, seqs, start, stop, options,
                                                  engine=engine_from(args), progress=bar)
            elif args.grid is not None:
                rows, cols = args.grid
                written = [export.export_grid(out, seqs, rows, cols, options, page=args.page,
                                              progress=bar)]
            else:
                written = [export.export_sequence(out, seqs, args.index, options, progress=bar)]
    for p in written:
        print(printable(str(p)))
    return 0
