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
import shutil
import tempfile
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


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, directory: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On any exception (including :class:`Cancelled`) the temporary file or folder is removed
    and ``target`` is left exactly as it was. With ``directory=True`` a temporary folder is
    yielded and replaces ``target`` (an existing folder at ``target`` is removed only after
    the new one is complete).
    """
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    if directory:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=parent))
    else:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=parent)
        os.close(fd)
        tmp = Path(name)
    try:
        yield tmp
        if directory:
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
                os.replace(target, old / "old")
                os.replace(tmp, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, target)
        else:
            # mkstemp creates 0600 files; give the result the usual permissions.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, target)
    except BaseException:
        if directory:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise
