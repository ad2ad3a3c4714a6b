"""``mnist-viewer evaluate PATH [--json|--csv]``: the field's metrics of a model's predictions.

PATH is an OpenSTL ``saved/`` folder or a PredRNN iteration folder; ``--truth A --pred B
[--inputs C]`` compares two sequence files instead. Prints the set figures (MSE, MAE per frame
summed over the frame, PSNR, SSIM; means over sequences and frames) and the per-step curves.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from typing import Any

from ..core.analysis.metrics import METRICS, FrameMetrics, evaluate, json_number
from ..core.errors import DataError, printable
from ..core.files.predictions import PredictionSet, open_pair, open_predictions
from ..core.files.stored import verify_file
from .inputs import add_layout_option


def add_prediction_options(parser: argparse.ArgumentParser) -> None:
    """PATH or ``--truth``/``--pred``/``--inputs`` (shared with ``review``)."""
    parser.add_argument("path", nargs="?", help="an OpenSTL saved/ folder or a PredRNN "
                        "results iteration folder")
    parser.add_argument("--truth", metavar="FILE", help="ground-truth sequence file")
    parser.add_argument("--pred", metavar="FILE", help="predicted sequence file (K steps)")
    parser.add_argument("--inputs", metavar="FILE", help="context frames (optional)")
    add_layout_option(parser)


def open_from_args(args: argparse.Namespace) -> PredictionSet:
    """The prediction set PATH or ``--truth``/``--pred`` name (DataError if neither/both)."""
    pair = args.truth is not None or args.pred is not None
    if pair and args.path:
        raise DataError(args.path, "give either a results folder or --truth and --pred, not "
                        "both")
    if pair:
        if args.truth is None or args.pred is None:
            raise DataError(args.truth or args.pred, "--truth and --pred go together")
        pair_set = open_pair(args.truth, args.pred, args.inputs, args.layout)
        for path in (args.truth, args.pred, args.inputs):
            if path is not None:
                verify_file(path)  # every frame is compared: a damaged member must not pass
        return pair_set
    if not args.path:
        raise DataError(None, "give a predictions folder, or --truth FILE --pred FILE")
    if args.inputs:
        raise DataError(args.inputs, "--inputs goes with --truth and --pred")
    return open_predictions(args.path)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="MSE, MAE, PSNR and SSIM of predictions against the truth",
        description="The metrics of the Moving MNIST literature as OpenSTL computes them: MSE "
        "and MAE per frame (summed over the frame), PSNR and SSIM (scikit-image, data_range "
        "1) on predictions clipped to [0, 1]; means over sequences and frames, and per "
        "future step.",
    )
    add_prediction_options(parser)
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument("--csv", action="store_true", help="print the per-step table as CSV")
    parser.set_defaults(func=run)


def report_json(predictions: PredictionSet, result: FrameMetrics) -> dict[str, Any]:
    """What ``evaluate --json`` prints (PSNR ∞ is ``null``)."""
    data = result.as_json()
    per_sequence = result.per_sequence()
    worst = sorted(range(result.num_sequences), key=lambda i: -per_sequence["mse"][i])[:10]
    data["worst_sequences_by_mse"] = [
        {"index": i, **{k: json_number(per_sequence[k][i]) for k in METRICS}} for i in worst]
    data["context_frames"] = predictions.num_context
    data["source"] = predictions.info()
    return data


def _number(value: float, digits: int = 4) -> str:
    return "∞" if math.isinf(value) and value > 0 else f"{value:.{digits}f}"


def run(args: argparse.Namespace) -> int:
    predictions = open_from_args(args)
    result = evaluate(predictions)
    if args.json:
        print(json.dumps(report_json(predictions, result)))
        return 0
    steps = result.per_step()
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["step", *METRICS])
        for k in range(result.steps):
            writer.writerow([f"t+{k + 1}", *(repr(float(steps[m][k])) for m in METRICS)])
        overall = result.overall()
        writer.writerow(["all", *(repr(float(overall[m])) for m in METRICS)])
        return 0
    overall = result.overall()
    print(f"{printable(str(predictions.path))}: {result.num_sequences} sequences, "
          f"{predictions.num_context} "
          f"context + {result.steps} predicted frames of {predictions.height}×"
          f"{predictions.width} ({predictions.kind})")
    for note in predictions.notes:
        print(f"  note: {note}")
    print("  " + "  ".join(f"{m.upper()} {_number(overall[m])}" for m in METRICS))
    print(f"  {'step':>6} " + " ".join(f"{m.upper():>10}" for m in METRICS))
    for k in range(result.steps):
        print(f"  {'t+' + str(k + 1):>6} "
              + " ".join(f"{_number(steps[m][k]):>10}" for m in METRICS))
    return 0
