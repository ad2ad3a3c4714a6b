"""``mnist-viewer generate --out FILE ...``: write a new Moving MNIST set to .npz or .npy."""

from __future__ import annotations

import argparse

from ..core.errors import printable
from ..core.files import LAYOUTS
from ..core.generation import COMBINES, MOTIONS, GeneratorConfig
from .engine_options import add_engine_options, engine_from
from .progress import add_quiet_option, progress_bar


def _digits(text: str) -> int | tuple[int, int]:
    """'2' or a range '1-3' (also '1:3')."""
    for sep in ("-", ":"):
        if sep in text:
            lo, _, hi = text.partition(sep)
            try:
                return int(lo), int(hi)
            except ValueError:
                break
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number or a range like 1-3, not {text!r}"
        ) from None


def _classes(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(c) for c in text.replace(" ", "").split(",") if c)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected labels like 0,1,7, not {text!r}") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    defaults = GeneratorConfig()
    parser = subparsers.add_parser(
        "generate",
        help="generate a Moving MNIST set and write it to .npz, .npy or .zarr",
        description="Generate Moving MNIST sequences (by default exactly as the original data "
        "set: 2 digits from the train split bouncing in 64x64 for 20 frames) and write them: "
        ".npz holds the frames, the ground truth and the settings; a .zarr store holds the "
        "same, chunked and compressed; .npy holds the frames in the (T, N, H, W) layout of "
        "mnist_test_seq.npy. The same --seed gives the same file.",
    )
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="the .npz, .npy or .zarr (also an fsspec URL such as "
                        "s3://bucket/set.zarr) to write")
    parser.add_argument("--num", type=int, default=defaults.num_sequences, metavar="N",
                        help=f"number of sequences (default {defaults.num_sequences})")
    parser.add_argument("--frames", type=int, default=defaults.frames, metavar="T",
                        help=f"frames per sequence (default {defaults.frames})")
    parser.add_argument("--size", type=int, default=defaults.canvas_size, metavar="S",
                        help=f"canvas size in pixels (default {defaults.canvas_size})")
    parser.add_argument("--digits", type=_digits, default=defaults.digits, metavar="D",
                        help=f"digits per sequence, a number or a range like 1-3 "
                        f"(default {defaults.digits})")
    parser.add_argument("--motion", choices=MOTIONS, default=defaults.motion,
                        help="original: clamp and flip at the walls (Srivastava et al. 2015); "
                        "reflect: exact reflection; stochastic: a random new direction at each "
                        "bounce; tfds: TensorFlow Datasets' rule; svg / svg-deterministic: "
                        "SVG's Stochastic Moving MNIST (Denton & Fergus 2018, 32-pixel digits). "
                        "Default: original")
    parser.add_argument("--combine", choices=COMBINES, default="",
                        help="how overlapping digits combine: max or sum clipped to 255 "
                        "(default: sum for the svg models, as SVG; max otherwise)")
    parser.add_argument("--step", type=float, default=defaults.step_length, metavar="L",
                        help=f"step length per frame, in canvas travels (default "
                        f"{defaults.step_length})")
    parser.add_argument("--classes", type=_classes, metavar="LIST",
                        help="only digits of these labels, e.g. 0,1,7 (default: all)")
    parser.add_argument("--seed", type=int, metavar="K",
                        help="random seed (default: a random one, recorded in a .npz or .zarr)")
    parser.add_argument("--data", metavar="PATH",
                        help="the MNIST to take digits from (default: the usual search order)")
    parser.add_argument("--split", choices=("train", "test"), default=defaults.split,
                        help="the split to take digits from (default train, as the original)")
    parser.add_argument("--layout", choices=LAYOUTS,
                        help="file layout (default by extension: npz for .npz, zarr for "
                        ".zarr, mnist_test_seq for .npy); torchvision / torchvision_channel "
                        "write (N, T, [1,] H, W) .npy, predrnn writes PredRNN's .npz")
    add_engine_options(parser)
    parser.add_argument("--resume", action="store_true",
                        help="for a .zarr store: complete an interrupted write of the same set "
                        "(only the missing chunks are computed)")
    add_quiet_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..core.files import layout_for, save_sequences
    from ..core.generation import generate
    from ..core.jobs import check_free_space, check_target
    from ..core.sources.datasets import CLI_REMEDY, load_dataset

    layout = layout_for(args.out, args.layout)  # refuse a bad name before any work
    if layout != "zarr":  # a .zarr store is a folder (or a URL), checked by its writer
        check_target(args.out)  # and a folder, FIFO or device as the target
    config = GeneratorConfig(
        num_sequences=args.num, frames=args.frames, canvas_size=args.size, digits=args.digits,
        step_length=args.step, motion=args.motion, combine=args.combine, split=args.split,
        classes=args.classes, seed=args.seed,
    )
    dataset = load_dataset(args.data, args.split, CLI_REMEDY)
    seqset = generate(config, dataset)  # refuses a ground truth beyond memory, with figures
    check_free_space(args.out, config.file_bytes + config.ground_truth_bytes,
                     f"this set ({config.num_sequences:,} sequences × {config.frames:,} frames "
                     f"of {config.canvas_size}x{config.canvas_size})")
    with progress_bar(f"generating {args.out}", quiet=args.quiet, unit="seq") as bar:
        path = save_sequences(args.out, seqset, layout=layout, progress=bar,
                              engine=engine_from(args), resume=args.resume)
    cfg = seqset.generator_config
    where = args.out if layout == "zarr" else path  # a URL stays as given
    print(f"wrote {printable(str(where))}: {seqset.num_sequences} sequences x "
          f"{seqset.num_frames} frames, "
          f"{seqset.height}x{seqset.width}, layout {layout}, motion {cfg.motion}, "
          f"seed {cfg.seed}, digits from {dataset.name} {dataset.split} ({dataset.provenance})")
    return 0
