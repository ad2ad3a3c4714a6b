"""Conventions shared by every long job in the core: progress, cancel and atomic writes.

A long job takes ``progress(done, total)`` and ``cancel() -> bool`` callbacks (both optional).
It calls :func:`check_cancel` between chunks of work and raises :class:`Cancelled` when asked
to stop. Writers go through :func:`atomic_path`: the data is written to a temporary file next to
the target and renamed over it only when the job has finished, so a failed or cancelled job
leaves no partial file and an existing target is only ever replaced by a complete one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import Cancelled

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


def check_cancel(cancel: Cancel | None) -> None:
    """Raise :class:`Cancelled` if ``cancel`` says so."""
    if cancel is not None and cancel():
        raise Cancelled()


def report(progress: Progress | None, done: int, total: int) -> None:
    """Call ``progress`` if one was given."""
    if progress is not None:
        progress(done, total)


def _temporary_sibling(target: Path, suffix: str, directory: bool) -> Path:
    """Create a new hidden file or folder beside ``target`` with the usual permissions.

    ``os.open``/``os.mkdir`` apply the process umask themselves (mkstemp/mkdtemp would make
    0600/0700 entries, and reading the umask means changing it, which races with threads).
    """
    parent = target.parent
    for _ in range(100):
        tmp = parent / f".{target.name}.{secrets.token_hex(4)}.part{suffix}"
        try:
            if directory:
                os.mkdir(tmp, 0o777)
            else:
                os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"{parent}: cannot create a temporary file for {target.name}")


@contextlib.contextmanager
def atomic_path(
    target: str | os.PathLike[str], *, directory: bool = False, suffix: str = ""
) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On any exception (including :class:`Cancelled`) the temporary file or folder is removed
    and ``target`` is left exactly as it was. With ``directory=True`` a temporary folder is
    yielded and replaces ``target`` (an existing folder at ``target`` is removed only after
    the new one is complete). ``suffix`` ends the temporary name, for writers that choose a
    container by the file extension (e.g. ``suffix=".avi"`` for OpenCV).
    """
    target = Path(target)
    tmp = _temporary_sibling(target, suffix, directory)
    try:
        yield tmp
        if directory and target.exists():
            old = _temporary_sibling(target, ".old", directory=True)
            os.replace(target, old / "old")
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        if directory:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise
