"""``mnist-viewer stats INPUT [--index I] [--json]``: statistics of a sequence set or one sequence.

INPUT is a sequence file, or a dataset (then the statistics are those of a freshly generated
default set made from its digits).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from ..core import analysis
from ..core.errors import DataError, printable
from ..core.sequences import SequenceSet
from .engine_options import add_engine_options, engine_from
from .inputs import INPUT_HELP, add_layout_option, dumps_json, open_input
from .progress import add_quiet_option, progress_bar


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stats",
        help="statistics of a sequence set or of one sequence",
        description="Print the statistics of a sequence file (or of a default set generated "
        "from a dataset): frame differences, motion energy and, when the set has ground "
        "truth, speeds, directions, overlaps and label counts.",
    )
    parser.add_argument("input", metavar="INPUT", help=INPUT_HELP)
    parser.add_argument("--index", type=int, metavar="I",
                        help="only sequence I (default: the whole set)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--csv", metavar="OUT.csv",
                        help="also write the statistics to a CSV file (statistic,key,value)")
    parser.add_argument("--num", type=int, metavar="N",
                        help="for a dataset INPUT: how many sequences to generate "
                        "(default: the generator's default)")
    parser.add_argument("--seed", type=int, metavar="K",
                        help="for a dataset INPUT: the generator's seed")
    add_layout_option(parser)
    add_engine_options(parser, statistics=True)
    add_quiet_option(parser)
    parser.set_defaults(func=run)


def statistics(args: argparse.Namespace) -> tuple[SequenceSet, analysis.SetStatistics]:
    seqset = open_input(args.input, layout=args.layout, key=args.key, grid=args.split_grid,
                        num_sequences=args.num, seed=args.seed)
    if args.index is None:
        with progress_bar(f"statistics of {args.input}", quiet=getattr(args, "quiet", False),
                          unit="seq") as bar:
            return seqset, analysis.set_statistics(seqset, progress=bar, engine=engine_from(args))
    if not 0 <= args.index < seqset.num_sequences:
        raise DataError(args.input, f"sequence {args.index} out of range: the set has "
                        f"{seqset.num_sequences} sequences (0..{seqset.num_sequences - 1})")
    return seqset, analysis.sequence_statistics(seqset, args.index)


def _number(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def text(path: str, info: dict[str, Any], index: int | None) -> str:
    """The readable summary ``stats`` prints without ``--json``."""
    what = (f"sequence {index}" if index is not None
            else f"{info['num_sequences']} sequences")
    energy = info["motion_energy"]
    lines = [
        f"{path}: {what} × {info['frames']} frames of {info['height']}×{info['width']}"
        f" ({'with' if info['ground_truth'] else 'no'} ground truth)",
        f"frame differences (means over pixels): mean {_number(info['diff_mean'], 4)}, "
        f"std {_number(info['diff_std'])}, |diff| {_number(info['diff_abs_mean'])}",
    ]
    if energy:
        lines.append(
            f"motion energy per transition: mean {_number(info['mean_motion_energy'])}, "
            f"min {min(energy):.3f}, max {max(energy):.3f}"
        )
        lines.append("  " + " ".join(f"{v:.2f}" for v in energy))
    if info["ground_truth"]:
        lines += [
            f"speed: mean {_number(info['mean_speed_px'])} px/frame from positions, "
            f"{_number(info['mean_continuous_speed_px'])} px/frame continuous",
            f"overlap: {100 * info['overlap_fraction']:.1f}% of frames (ink boxes), "
            f"{100 * info['patch_overlap_fraction']:.1f}% (digit patches)",
            f"labels 0-{len(info['label_counts']) - 1}: "
            + " ".join(str(c) for c in info["label_counts"]),
        ]
        hist = info["direction_histogram"]
        width = hist["edges"][1] - hist["edges"][0]
        lines.append(f"directions of motion ({width:g}° bins from 0° = right, "
                     "counter-clockwise): " + " ".join(str(c) for c in hist["counts"]))
    if info.get("generated_seed") is not None:
        lines.append(f"(a set generated from the dataset with seed {info['generated_seed']}; "
                     "--num and --seed change it)")
    if info["missing"]:
        lines.append(f"not available: {', '.join(info['missing'])} ({info['missing_reason']})")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    seqset, stats = statistics(args)
    info = {"path": str(args.input), "index": args.index, **analysis.summary(stats)}
    if seqset.layout == "generated" and seqset.config:
        info["generated_seed"] = seqset.config.get("seed")
    if args.csv:
        analysis.write_statistics_csv(Path(args.csv), stats)
    print(dumps_json(info) if args.json
          else text(printable(str(args.input)), info, args.index))
    return 0
