"""The ``mnist-viewer`` command: no subcommand opens the GUI; subcommands work in the terminal.

Each subcommand lives in its own module under :mod:`mnist_viewer.commands` and provides
``register(subparsers)``, which adds its parser and sets ``func`` to a ``run(args) -> int``.
Errors in the data (:class:`~mnist_viewer.core.errors.DataError`), the file system
(:class:`OSError`) and memory exhaustion (:class:`MemoryError`) become one line on stderr and
exit code 2, never a traceback; anything else a reader or writer raises on bad bytes or
numbers is one line too (exit 2), its traceback written to a log file the line names.
SIGTERM (what ``kill`` and a closing desktop session send) behaves like Ctrl+C: the job stops,
its temporary file is removed, one line is printed, and the exit status is 128 + the signal
number (130 for SIGINT, 143 for SIGTERM).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import signal
import sys
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path

from .core.errors import Cancelled, DataError, printable
from .version import __version__

COMMANDS = ("info", "generate", "export", "stats", "evaluate", "review")


def _gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mnist-viewer",
        description="View, generate, analyse and export Moving MNIST. "
        "Without a subcommand the GUI opens. Subcommands: " + ", ".join(COMMANDS) + " "
        "(see 'mnist-viewer COMMAND --help').",
    )
    parser.add_argument("--version", action="version", version=f"mnist-viewer {__version__}")
    parser.add_argument("path", nargs="?", help="a dataset or sequence file to open")
    parser.add_argument(
        "--screenshot", metavar="OUT.png",
        help="show the window, save a PNG of it to OUT.png and exit",
    )
    parser.add_argument(
        "--view", choices=("main", "grid", "stats", "review", "review-grid"), default="main",
        help="with --screenshot: which window to capture (default: main)",
    )
    parser.add_argument(
        "--frame", type=int, default=0, metavar="K", help="with --screenshot: the frame to show",
    )
    parser.add_argument(
        "--seed", type=int, metavar="K",
        help="seed of the first generated set (default: random; 0 with --screenshot, so that "
        "screenshots are reproducible)",
    )
    return parser


def command_parser() -> argparse.ArgumentParser:
    """The parser of the terminal subcommands."""
    parser = argparse.ArgumentParser(prog="mnist-viewer")
    parser.add_argument("--version", action="version", version=f"mnist-viewer {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"{__package__}.commands.{name}")
        module.register(subparsers)
    return parser


@contextlib.contextmanager
def _warnings_on_stderr() -> Iterator[None]:
    """The package's logged warnings (a source skipped, the embedded subset used) as one
    ``mnist-viewer: warning: ...`` line each on stderr while a subcommand runs."""
    logger = logging.getLogger("mnist_viewer")
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("mnist-viewer: warning: %(message)s"))
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def _fail(message: str) -> int:
    """Print the one error line (control characters of paths and messages escaped)."""
    print(f"mnist-viewer: error: {printable(message)}", file=sys.stderr)
    return 2


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that it unwinds like Ctrl+C (temporary files
    are removed by :func:`~mnist_viewer.core.jobs.atomic_path` on the way out)."""


def _on_sigterm(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends us at once
    raise Terminated()


def _log_path() -> Path:
    base = os.environ.get("MNIST_VIEWER_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mnist-viewer")
    return Path(base) / "error.log"


def _unexpected(args: argparse.Namespace, exc: BaseException) -> int:
    """One line for an exception nobody turned into a DataError; the traceback to a log."""
    where = getattr(args, "input", None) or getattr(args, "path", None) or \
        getattr(args, "out", None) or args.command
    detail = " ".join(str(exc).split())[:200]
    log = _log_path()
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as fp:
            fp.write(f"--- mnist-viewer {__version__} {args.command}: {where}\n")
            traceback.print_exception(type(exc), exc, exc.__traceback__, file=fp)
        where_log = f"; details in {log}"
    except OSError:
        where_log = ""
    return _fail(f"{where}: cannot {args.command} ({type(exc).__name__}"
                 f"{': ' + detail if detail else ''}){where_log}")


def _target(args: argparse.Namespace) -> str:
    return str(getattr(args, "out", None) or getattr(args, "input", None)
               or getattr(args, "path", None) or args.command)


def stopped_line(args: argparse.Namespace, how: str) -> str:
    """The line a stopped command prints (``how``: "terminated (SIGTERM)", "interrupted"):
    what is left of its output. A Zarr store's partial folder ``.NAME.part`` is kept for
    ``generate --resume`` (README 'Zarr stores'); anything else leaves nothing behind."""
    out = getattr(args, "out", None)
    if out and "://" not in str(out):
        final = Path(str(out).rstrip("/")).expanduser()
        partial = final.with_name(f".{final.name}.part")
        if final.name.lower().endswith(".zarr") and partial.is_dir():
            return f"{_target(args)}: {how}; the partial store {partial.name} is kept for --resume"
    return f"{_target(args)}: {how}; no partial file is left"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``mnist-viewer`` and ``python -m mnist_viewer``; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in COMMANDS:
        args = command_parser().parse_args(args_list)
        previous = signal.getsignal(signal.SIGTERM)
        try:
            signal.signal(signal.SIGTERM, _on_sigterm)
        except ValueError:  # not the main thread (tests call main() from threads)
            previous = None
        try:
            with _warnings_on_stderr():
                code = int(args.func(args) or 0)
            if code or not getattr(args, "gui", False):
                return code
            from .ui.app import run_gui  # `review`: checked in the terminal, shown in the GUI

            return run_gui(args)
        except BrokenPipeError:  # e.g. `mnist-viewer stats … | head`: the reader has gone
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except DataError as exc:
            return _fail(str(exc))
        except OSError as exc:
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            return _fail(f"{where}{exc.strerror or exc}")
        except MemoryError as exc:  # numpy's _ArrayMemoryError included
            where = getattr(args, "input", None) or getattr(args, "path", None) or args.out
            detail = " ".join(str(exc).split())
            return _fail(f"{where}: not enough memory for {args.command}"
                         + (f" ({detail})" if detail else ""))
        except Cancelled:
            return _fail("cancelled")
        except Terminated:
            _fail(stopped_line(args, "terminated (SIGTERM)"))
            return 128 + signal.SIGTERM
        except KeyboardInterrupt:
            _fail(stopped_line(args, "interrupted"))
            return 128 + signal.SIGINT
        except Exception as exc:  # the last net: one line, never a traceback
            return _unexpected(args, exc)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
    args = _gui_parser().parse_args(args_list)
    from .ui.app import run_gui  # Qt is imported only when the GUI starts

    return run_gui(args)
