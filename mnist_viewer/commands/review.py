"""``mnist-viewer review PATH`` or ``review --truth A --pred B [--inputs C]``: open the review
window (predictions beside the truth).

The inputs are opened and checked here, so a bad file is one line and exit code 2 before any
window appears; :mod:`mnist_viewer.cli` then starts the GUI (commands never import ``ui``).
"""

from __future__ import annotations

import argparse

from .evaluate import add_prediction_options, open_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "review",
        help="open the review window: predictions beside the truth, with metrics",
        description="Open a model's predictions (an OpenSTL saved/ folder, a PredRNN results "
        "iteration folder, or --truth/--pred files) in the review window.",
    )
    add_prediction_options(parser)
    parser.add_argument("--screenshot", metavar="OUT.png",
                        help="save a PNG of the review window to OUT.png and exit")
    parser.add_argument("--sequence", type=int, default=0, metavar="I",
                        help="the sequence to show first")
    parser.set_defaults(func=run, gui=True)


def run(args: argparse.Namespace) -> int:
    """Open and check the predictions; the GUI starts afterwards (``args.predictions``)."""
    args.predictions = open_from_args(args)
    return 0
