"""Errors the core raises: one line each, naming the file and the problem."""

from __future__ import annotations

from os import PathLike


class DataError(ValueError):
    """Bad or unreadable input. ``str(err)`` is a single line: ``<path>: <problem>``."""

    def __init__(self, path: str | PathLike[str] | None, problem: str) -> None:
        self.path = None if path is None else str(path)
        self.problem = " ".join(str(problem).split())
        super().__init__(self.problem if self.path is None
                         else f"{printable(self.path)}: {self.problem}")

    def __reduce__(self) -> tuple[type[DataError], tuple[str | None, str]]:
        # pickled as (path, problem), so it crosses to and from Dask worker processes intact
        return (DataError, (self.path, self.problem))


class Cancelled(Exception):
    """A long job was cancelled through its ``cancel`` callback."""


def printable(text: str) -> str:
    """``text`` with its control characters (newline, tab, escape, undecodable bytes...)
    written as Python escapes (``\\n``), so that a file name cannot break a one-line message."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
