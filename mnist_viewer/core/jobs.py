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

from .errors import Cancelled, DataError

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


def check_target(target: str | os.PathLike[str], directory: bool = False) -> None:
    """Refuse a target a writer must never replace (DataError naming it).

    The folder it goes in must exist. A file target must not be a folder, a FIFO, a device
    or a symlink to one (a symlink to a regular file is fine: the link is replaced). A folder
    target (``directory=True``) must be a folder or not exist yet. Writers call this through
    :func:`atomic_path`; call it yourself to fail before any work is done.
    """
    path = Path(target)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise DataError(path, f"cannot write there: {parent} is not an existing folder")
    if directory:
        if (path.exists() or path.is_symlink()) and not path.is_dir():
            raise DataError(path, "is not a folder; refusing to replace it with a folder")
        return
    if path.is_dir():
        raise DataError(path, "is a folder; give a file name to write to")
    if path.exists() and not path.is_file():
        raise DataError(path, "is not a regular file; refusing to replace it")


def _as_target_error(exc: OSError, tmp: Path, target: Path) -> OSError:
    """``exc`` naming ``target`` when it names the temporary ``tmp`` (or a file inside it)."""
    name = None if exc.filename is None else str(exc.filename)
    if exc.errno is None or name is None or not (
        name == str(tmp) or name.startswith(str(tmp) + os.sep)
    ):
        return exc
    return OSError(exc.errno, exc.strerror, str(target))  # the right subclass, by errno


@contextlib.contextmanager
def atomic_path(
    target: str | os.PathLike[str], *, directory: bool = False, suffix: str = ""
) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On any exception (including :class:`Cancelled`) the temporary file or folder is removed
    and ``target`` is left exactly as it was. With ``directory=True`` a temporary folder is
    yielded and replaces ``target`` (an existing folder at ``target`` is removed only after
    the new one is complete). ``suffix`` ends the temporary name, for writers that choose a
    container by the file extension (e.g. ``suffix=".avi"`` for OpenCV). ``target`` is first
    checked with :func:`check_target`; an OSError about the temporary path is re-raised
    naming ``target``.
    """
    target = Path(target)
    check_target(target, directory)
    tmp = _temporary_sibling(target, suffix, directory)
    try:
        yield tmp
        if directory and target.exists():
            _swap_folder(tmp, target)
        else:
            os.replace(tmp, target)
    except BaseException as exc:
        if directory:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        if isinstance(exc, OSError):
            renamed = _as_target_error(exc, tmp, target)
            if renamed is not exc:
                raise renamed from None
        raise


def _swap_folder(tmp: Path, target: Path) -> None:
    """Replace the folder ``target`` by ``tmp``; if that fails, put the old folder back."""
    old = _temporary_sibling(target, ".old", directory=True)
    try:
        os.replace(target, old / "old")
    except BaseException:
        shutil.rmtree(old, ignore_errors=True)
        raise
    try:
        os.replace(tmp, target)
    except BaseException:
        os.replace(old / "old", target)  # the old folder is never lost
        shutil.rmtree(old, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
