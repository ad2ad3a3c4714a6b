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


NAME_MAX = 255
"""Bytes of one file name on the usual file systems (ext4, XFS, btrfs, tmpfs)."""
_TMP_TAG = ".part"


def _name_max(parent: Path) -> int:
    try:
        return min(NAME_MAX, os.pathconf(parent, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return NAME_MAX


def _temporary_prefix(target: Path, suffix: str) -> str:
    """``.<target name>`` cut (at a character boundary) so that the whole temporary name,
    ``.<name>.<pid>-<8 hex>.part<suffix>``, fits the file-system's name limit."""
    room = _name_max(target.parent) - len(f"..{2**22}-12345678{_TMP_TAG}{suffix}".encode())
    name = target.name.encode()[: max(room, 1)].decode("utf-8", "ignore")
    return f".{name}."


def remove_stale_temporaries(target: str | os.PathLike[str], suffix: str = "") -> list[Path]:
    """Remove temporary files or folders left beside ``target`` by a writer that was killed
    (SIGKILL, power loss): those whose process id (in the name) is no longer running.

    Returns what was removed. :func:`atomic_path` calls it, so the next run to a target
    cleans up after a killed one.
    """
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    removed: list[Path] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for kind in (suffix, ".old"):
        prefix = _temporary_prefix(target, kind)
        for entry in entries:
            name = entry.name
            if not name.startswith(prefix):
                continue
            tag, _, rest = name[len(prefix):].partition(_TMP_TAG)
            pid_text, _, token = tag.partition("-")
            if not (pid_text.isdigit() and len(token) == 8) or rest != kind:
                continue
            if _alive(int(pid_text)):
                continue
            path = Path(entry.path)
            if kind == ".old" and (path / "old").exists() and not target.exists():
                os.replace(path / "old", target)  # killed mid-swap: the old folder comes back
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    path.unlink()
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process (or cannot tell): leave it
    return True


def _temporary_sibling(target: Path, suffix: str, directory: bool) -> Path:
    """Create a new hidden file or folder beside ``target`` with the usual permissions.

    The name holds our process id, so that :func:`remove_stale_temporaries` can tell a
    killed writer's leftovers from a running one's, and fits the 255-byte name limit.
    ``os.open``/``os.mkdir`` apply the process umask themselves (mkstemp/mkdtemp would make
    0600/0700 entries, and reading the umask means changing it, which races with threads).
    """
    parent = target.parent
    prefix = _temporary_prefix(target, suffix)
    for _ in range(100):
        tmp = parent / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}{_TMP_TAG}{suffix}"
        try:
            if directory:
                os.mkdir(tmp, 0o777)
            else:
                os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        except OSError as exc:  # read-only, full, no permission: say so about the target
            raise OSError(exc.errno, exc.strerror, str(target)) from None
        return tmp
    raise FileExistsError(f"{parent}: cannot create a temporary file for {target.name}")


def check_free_space(target: str | os.PathLike[str], nbytes: int, what: str = "the output"
                     ) -> None:
    """DataError naming ``target`` unless ``nbytes`` fit in the free space of its folder
    (the figures in the message). Call it before a long write whose size is known."""
    from .containers import check_disk

    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    check_disk(target, parent, int(nbytes), what)


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
    """``exc`` naming ``target`` when it names the temporary ``tmp`` (or a file inside it)
    or no file at all (a write to a full disk)."""
    name = None if exc.filename is None else str(exc.filename)
    if exc.errno is None or (name is not None and not (
        name == str(tmp) or name.startswith(str(tmp) + os.sep)
    )):
        return exc  # about another file: left as it is
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
    remove_stale_temporaries(target, suffix)
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
