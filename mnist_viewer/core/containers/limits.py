"""The limits every reader of untrusted files keeps, in one place, and the checks of memory, disk
space, compression ratio and file kind that go with them.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import zipfile

from ..errors import DataError

# ----------------------------------------------------------------------------------- limits

MAX_NPY_HEADER = 65_536
"""Bytes of a ``.npy`` header dict (numpy itself refuses more than 10,000 by default)."""
MAX_NDIM = 32
"""Dimensions of an array (numpy's own limit is 64; sequence files use at most 5)."""
MAX_DIM = 2**40
"""Any one dimension: far beyond real data, small enough that products stay meaningful."""
MAX_SEQUENCES = 2**31
"""Sequences in one set (lazy sets may be large, but not larger than this)."""
MAX_METADATA_BYTES = 64 * 2**20
"""Small members read whole into memory (``config``, ``clips``, ``dims``, ground truth)
that are inflated or read before the user asks for frames."""
MAX_INFLATE_IN_MEMORY = 128 * 2**20
"""A deflated member up to this size is inflated in memory; larger ones go to a temporary
file that is then memory-mapped (see :func:`inflate_member_to_file`)."""
MAX_BOMB_RATIO = 100
"""Data read whole into memory (datasets, IDX) that inflates more than this many times its
compressed size, and beyond :data:`MAX_INFLATE_IN_MEMORY`, is refused as a likely zip/gzip
bomb (real data sets compress 2-10:1; a bomb of zeros 1000:1)."""
MAX_DEFLATE_RATIO = 1100
"""Deflate cannot compress better than about 1032:1; a stream declaring more is lying."""
MEMORY_HEADROOM = 0.8
"""The share of the available memory one in-memory result may take."""
CHUNK = 4 * 2**20
"""Bytes read or inflated at a time."""

ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
_METHOD_NAMES = {zipfile.ZIP_BZIP2: "BZIP2", zipfile.ZIP_LZMA: "LZMA", 9: "Deflate64"}
MAX_ZIP_VERSION = 63  # "version needed to extract" 6.3, the last APPNOTE version
_ALLOWED_KINDS = "biufUS"  # bool, ints, floats, fixed-width strings; never objects or voids

# ----------------------------------------------------------------------------------- system


def available_memory() -> int:
    """Bytes of memory a new allocation can use: MemAvailable (Linux), capped by RLIMIT_AS."""
    avail = 1 << 62
    try:
        with open("/proc/meminfo", encoding="ascii") as fp:
            for line in fp:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError):
        pass
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            avail = min(avail, max(0, soft - _current_vm_size()))
    except (ImportError, OSError, ValueError):
        pass
    return avail


def _current_vm_size() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as fp:
            return int(fp.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def check_memory(where: str | os.PathLike[str] | None, nbytes: int, what: str) -> None:
    """DataError naming ``where`` unless ``nbytes`` fits in the memory available now."""
    room = int(available_memory() * MEMORY_HEADROOM)
    if nbytes > room:
        raise DataError(where, f"{what} would need {human(nbytes)} of memory; "
                               f"{human(room)} is available")


def check_disk(where: str | os.PathLike[str], folder: str | os.PathLike[str], nbytes: int,
               what: str) -> None:
    """DataError naming ``where`` unless ``nbytes`` fit in the free space of ``folder``."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return  # cannot tell: the write itself will say
    if nbytes > free:
        raise DataError(where, f"{what} needs {human(nbytes)} of disk space; {human(free)} is "
                               f"free in {folder}")


def human(nbytes: int | float) -> str:
    """``nbytes`` as a short figure: '1.2 GB', '512 kB', '17 bytes' (powers of 1000)."""
    n = float(nbytes)
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{int(n)} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} PB"  # pragma: no cover


def check_ratio(where: str | os.PathLike[str], declared: int, compressed: int) -> None:
    """Refuse (DataError with the figures) a likely bomb: see :data:`MAX_BOMB_RATIO`."""
    if declared > MAX_INFLATE_IN_MEMORY and declared > max(compressed, 1) * MAX_BOMB_RATIO:
        raise DataError(where, f"would inflate {human(compressed)} to {human(declared)} "
                               f"(more than {MAX_BOMB_RATIO}:1): refused as a likely "
                               "decompression bomb")


def check_regular_file(path: str | os.PathLike[str]) -> int:
    """The size of ``path`` if it is a regular file (symlinks followed); DataError otherwise.

    Called before opening: a FIFO blocks ``open`` forever, ``/dev/zero`` never ends.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DataError(path, "no such file") from None
    except OSError as exc:
        raise DataError(path, stat_problem(exc)) from None
    if stat.S_ISDIR(st.st_mode):
        raise DataError(path, "is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise DataError(path, "is not a regular file (a FIFO, device or socket); refusing to "
                              "read it")
    return st.st_size


def check_exists(path: str | os.PathLike[str]) -> None:
    """DataError naming ``path`` if nothing can be found there, saying why: no such file or
    directory, a symbolic link loop, a name too long, permission denied."""
    try:
        os.stat(path)
    except OSError as exc:
        raise DataError(path, stat_problem(exc)) from None


def stat_problem(exc: OSError) -> str:
    """Why ``os.stat`` failed, in the words the errors use (errno, POSIX)."""
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    if exc.errno == errno.ELOOP:
        return "is a symbolic link loop"
    if exc.errno == errno.EACCES:
        return "permission denied"
    return exc.strerror or str(exc)


def short_numbers(text: str) -> str:
    """``text`` with every number of more than 20 digits shortened to its first digits and its
    length (a forged header's 400-digit dimension would fill the screen)."""
    return re.sub(r"\d{21,}", lambda m: f"{m.group()[:6]}…({len(m.group())} digits)", text)
