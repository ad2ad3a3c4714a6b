"""Progress bars in the terminal: a core ``progress(done, total)`` callback drawn by tqdm.

One library for every subcommand (``generate``, ``stats``, ``export``): a bar on stderr when
stderr is a terminal, nothing when it is piped or redirected or with ``--quiet``. The bar is
cleared when the job ends; the subcommand's summary line (on stdout) is what stays.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from typing import TextIO

from ..core.jobs import Progress


def add_quiet_option(parser: argparse.ArgumentParser) -> None:
    """``-q/--quiet``: no progress bar (the summary line is still printed)."""
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bar on stderr (there is none when stderr is not a "
                        "terminal either)")


@contextlib.contextmanager
def progress_bar(label: str, *, quiet: bool = False, stream: TextIO | None = None,
                 unit: str = "it") -> Iterator[Progress]:
    """Yield a ``progress(done, total)`` callback that draws a tqdm bar on ``stream``.

    ``stream`` defaults to stderr; the bar is drawn only when it is a terminal and ``quiet``
    is false, otherwise the callback does nothing. ``done`` and ``total`` are counts of
    ``unit`` (sequences, frames...); ``total`` may change between calls (the bar follows it).
    The bar is removed when the ``with`` block ends, normally or by an exception.
    """
    out = sys.stderr if stream is None else stream
    if quiet or not bool(getattr(out, "isatty", lambda: False)()):
        yield lambda done, total: None
        return
    from tqdm import tqdm

    bars: list[tqdm] = []  # made at the first call, when the total is known

    def update(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(desc=label, total=total, file=out, unit=unit, leave=False,
                             dynamic_ncols=True))
        bar = bars[0]
        if bar.total != total:
            bar.reset(total=total)
        bar.update(done - bar.n)  # redrawn at most every 0.1 s...
        if done >= total:
            bar.refresh()  # ...but the end is always shown

    try:
        yield update
    finally:
        for bar in bars:
            bar.close()
