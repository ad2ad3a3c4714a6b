"""The one layer that reads untrusted containers: ``.npy`` headers, zip (``.npz``) members, gzip.

Every reader of user files goes through here, so that a forged or damaged file is refused with
a :class:`DataError` naming it (one line) before anything large is allocated or inflated:

* ``.npy`` headers are parsed by a small strict parser of their documented form (a Python dict
  literal with ``descr``, ``fortran_order`` and ``shape``; numpy's format specification,
  ``numpy.lib.format``), never by :mod:`ast`, so deeply nested input cannot blow the stack;
* zip members are checked for their compression method, encryption, "version needed", and
  for sizes that fit the file they are in; what is read is checked against its CRC-32;
* deflate and gzip streams are inflated in bounded pieces, never beyond what was declared.

The limits are the named constants below, in one place.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

import numpy as np

from .errors import Cancelled, DataError

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
    except PermissionError:
        raise DataError(path, "permission denied") from None
    except OSError as exc:
        raise DataError(path, exc.strerror or str(exc)) from None
    if stat.S_ISDIR(st.st_mode):
        raise DataError(path, "is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise DataError(path, "is not a regular file (a FIFO, device or socket); refusing to "
                              "read it")
    return st.st_size


# ----------------------------------------------------------------------------------- .npy


@dataclass(frozen=True)
class NpyHeader:
    """What a ``.npy`` header declares."""

    shape: tuple[int, ...]
    fortran: bool
    dtype: np.dtype
    header_len: int  # bytes before the data, magic included

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


_TOKEN = re.compile(r"""\s*(?:(?P<str>'[^'\\]*'|"[^"\\]*")|(?P<int>-?\d+)L?|(?P<name>[A-Za-z_]\w*)
                     |(?P<punct>[{}():,\[\]]))""", re.VERBOSE)


def _tokens(text: str) -> Iterator[tuple[str, str]]:
    pos, end = 0, len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"unexpected character {text[pos:pos + 1]!r} in the header")
        kind = m.lastgroup or ""
        yield kind, m.group(kind)
        pos = m.end()


def parse_header_dict(text: str) -> dict[str, object]:
    """The ``.npy`` header dict: ``{'descr': str, 'fortran_order': bool, 'shape': (ints)}``.

    A strict parser of exactly that form (no nesting beyond the shape tuple); ValueError for
    anything else, including structured dtypes (a list as ``descr``).
    """
    toks = list(_tokens(text))
    out: dict[str, object] = {}
    i = 0

    def take(kind: str, value: str | None = None) -> str:
        nonlocal i
        if i >= len(toks) or toks[i][0] != kind or (value is not None and toks[i][1] != value):
            got = toks[i][1] if i < len(toks) else "the end"
            raise ValueError(f"expected {value or kind} in the header, found {got!r}")
        i += 1
        return toks[i - 1][1]

    take("punct", "{")
    while not (i < len(toks) and toks[i] == ("punct", "}")):
        key = take("str")[1:-1]
        take("punct", ":")
        if key in out:
            raise ValueError(f"key {key!r} twice in the header")
        if key == "descr":
            if i < len(toks) and toks[i][0] != "str":
                raise ValueError("structured dtypes are not supported")
            out[key] = take("str")[1:-1]
        elif key == "fortran_order":
            word = take("name")
            if word not in ("True", "False"):
                raise ValueError(f"fortran_order must be True or False, not {word}")
            out[key] = word == "True"
        elif key == "shape":
            take("punct", "(")
            dims: list[int] = []
            while not (i < len(toks) and toks[i] == ("punct", ")")):
                if len(dims) >= MAX_NDIM:
                    raise ValueError(f"more than {MAX_NDIM} dimensions")
                dims.append(int(take("int")))
                if i < len(toks) and toks[i] == ("punct", ","):
                    i += 1
                elif not (i < len(toks) and toks[i] == ("punct", ")")):
                    raise ValueError("the shape must be a tuple of whole numbers")
            take("punct", ")")
            out[key] = tuple(dims)
        else:
            raise ValueError(f"unexpected key {key!r} in the header")
        if i < len(toks) and toks[i] == ("punct", ","):
            i += 1
    take("punct", "}")
    if i != len(toks):
        raise ValueError("text after the header dict")
    missing = {"descr", "fortran_order", "shape"} - set(out)
    if missing:
        raise ValueError(f"header without {', '.join(sorted(missing))}")
    return out


def _read_exact(fp: IO[bytes], n: int, what: str) -> bytes:
    data = fp.read(n)
    if len(data) != n:
        raise ValueError(f"cut short in the {what}")
    return data


def read_npy_header(fp: IO[bytes], where: str | os.PathLike[str]) -> NpyHeader:
    """The header of a ``.npy`` stream positioned at its start; DataError naming ``where``.

    Checks: the magic and version (1.0, 2.0, 3.0), a header of at most :data:`MAX_NPY_HEADER`
    bytes in the documented dict form, a plain dtype (no objects, which would need unpickling;
    no structured or void dtypes), whole non-negative dimensions of at most :data:`MAX_DIM`.
    ``header_len`` counts the bytes before the data. Errors reading ``fp`` (a corrupt zip
    member) become DataError too.
    """
    try:
        magic = _read_exact(fp, 8, "magic")
        if magic[:6] != b"\x93NUMPY":
            raise ValueError("bad magic (not a .npy array)")
        version = (magic[6], magic[7])
        if version == (1, 0):
            (hlen,) = struct.unpack("<H", _read_exact(fp, 2, "header length"))
            start = 10
        elif version in ((2, 0), (3, 0)):
            (hlen,) = struct.unpack("<I", _read_exact(fp, 4, "header length"))
            start = 12
        else:
            raise ValueError(f"unsupported .npy version {version[0]}.{version[1]}")
        if hlen > MAX_NPY_HEADER:
            raise ValueError(f"a header of {hlen:,} bytes (at most {MAX_NPY_HEADER:,})")
        raw = _read_exact(fp, hlen, "header")
        text = raw.decode("utf-8" if version == (3, 0) else "latin1")
        fields = parse_header_dict(text)
        dtype = np.dtype(str(fields["descr"]))
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError, struct.error) as exc:
        raise DataError(where, f"not a valid .npy array ({exc})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise DataError(where, f"cannot read the array header ({exc})") from None
    if dtype.hasobject:
        raise DataError(where, "contains pickled Python objects, which are refused for safety")
    if dtype.kind not in _ALLOWED_KINDS or dtype.fields is not None or dtype.subdtype:
        raise DataError(where, f"unsupported dtype {dtype} (numbers or strings only)")
    shape: tuple[int, ...] = tuple(fields["shape"])  # type: ignore[arg-type]
    if any(d < 0 or d > MAX_DIM for d in shape) or \
            math.prod(d for d in shape if d) * dtype.itemsize >= 2**62:
        raise DataError(where, f"impossible shape {shape}")
    return NpyHeader(shape, bool(fields["fortran_order"]), dtype, start + hlen)


def read_npy_file(path: str | os.PathLike[str]) -> tuple[NpyHeader, int]:
    """(header, file size) of a ``.npy`` file, checked to hold all the data it declares."""
    size = check_regular_file(path)
    try:
        with open(path, "rb") as fp:
            head = read_npy_header(fp, path)
    except OSError as exc:
        raise DataError(path, exc.strerror or str(exc)) from None
    if size < head.header_len + head.nbytes:
        raise DataError(path, f"truncated: the header declares {head.nbytes:,} bytes of data "
                              f"but the file holds {max(0, size - head.header_len):,}")
    return head, size


# ----------------------------------------------------------------------------------- zip


def open_zip(path: str | os.PathLike[str]) -> zipfile.ZipFile:
    """The zip at ``path`` (a regular file), its directory read; DataError naming it."""
    check_regular_file(path)
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OverflowError,
            NotImplementedError, struct.error) as exc:  # UnicodeDecodeError is a ValueError
        raise DataError(path, f"not a readable .npz (zip) file ({_short(exc)})") from None
    except OSError as exc:
        raise DataError(path, exc.strerror or str(exc)) from None


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return (text[:120] + "…") if len(text) > 120 else (text or type(exc).__name__)


def check_member(info: zipfile.ZipInfo, file_size: int, where: str) -> None:
    """Refuse a member we cannot read safely: an unsupported method, encryption, a newer zip
    "version needed", or sizes that do not fit a file of ``file_size`` bytes."""
    method = info.compress_type
    if method not in ZIP_METHODS:
        name = _METHOD_NAMES.get(method, f"method {method}")
        raise DataError(where, f"compressed with {name}; only stored or deflated members "
                               "(numpy's savez / savez_compressed) are supported")
    if info.flag_bits & 0x1:
        raise DataError(where, "is encrypted")
    if info.extract_version > MAX_ZIP_VERSION:
        raise DataError(where, f"needs zip version {info.extract_version / 10:.1f} to extract "
                               "(unsupported)")
    if info.header_offset + info.compress_size > file_size:
        raise DataError(where, f"the zip directory declares {info.compress_size:,} bytes at "
                               f"offset {info.header_offset:,}, past the end of the "
                               f"{file_size:,}-byte file")
    if method == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise DataError(where, "a stored member whose sizes disagree "
                               f"({info.compress_size:,} and {info.file_size:,} bytes)")
    if method == zipfile.ZIP_DEFLATED and info.file_size > max(info.compress_size, 1) * \
            MAX_DEFLATE_RATIO:
        raise DataError(where, f"declares {info.file_size:,} bytes inflated from "
                               f"{info.compress_size:,}: more than deflate can compress")


@dataclass(frozen=True)
class Member:
    """One ``.npy`` member of a zip, located from its headers."""

    info: zipfile.ZipInfo
    header: NpyHeader
    data_offset: int | None  # of the raw data in the file (stored members), else None


def read_member_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> Member:
    """The ``.npy`` header of one member, checked against the member's declared sizes.

    Raises DataError naming ``where`` for any :func:`check_member` problem, a bad header, or a
    header declaring more data than the member holds (a truncated or forged file).
    """
    file_size = _zip_size(zf)
    check_member(info, file_size, where)
    try:
        with zf.open(info) as fp:
            head = read_npy_header(fp, where)
    except DataError:
        raise
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError,
            OSError, ValueError, struct.error) as exc:
        raise DataError(where, f"cannot read this zip member ({_short(exc)})") from None
    if info.file_size < head.header_len + head.nbytes:
        raise DataError(where, f"truncated: {max(0, info.file_size - head.header_len):,} of "
                               f"{head.nbytes:,} bytes of data")
    offset = None
    if info.compress_type == zipfile.ZIP_STORED:
        offset = _local_data_offset(zf, info)
        if offset is not None:
            offset += head.header_len
            if offset + head.nbytes > file_size:
                raise DataError(where, f"truncated: the data would end at byte "
                                       f"{offset + head.nbytes:,} of a {file_size:,}-byte file")
    return Member(info, head, offset)


def _zip_size(zf: zipfile.ZipFile) -> int:
    fp = zf.fp
    if fp is None:
        raise ValueError("the zip file is closed")
    return os.fstat(fp.fileno()).st_size


def _local_data_offset(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> int | None:
    """Where a member's data starts, from its local header (None if that is damaged)."""
    path = zf.filename
    if path is None:
        return None
    with open(path, "rb") as raw:
        raw.seek(info.header_offset)
        local = raw.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    return info.header_offset + 30 + name_len + extra_len


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, limit: int,
                cancel: Callable[[], bool] | None = None) -> bytes:
    """All bytes of one member, at most ``limit`` of them, CRC-checked; DataError otherwise."""
    if info.file_size > limit:
        raise DataError(where, f"holds {human(info.file_size)}; at most {human(limit)} is read "
                               "into memory for this member")
    check_memory(where, info.file_size, "reading this member")
    parts = []
    for piece in _member_pieces(zf, info, where, limit, cancel):
        parts.append(piece)
    return b"".join(parts)


def member_array(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str,
                 limit: int | None = None) -> np.ndarray:
    """The ``.npy`` member ``info`` read whole (CRC-checked), after checking its declared
    size against ``limit`` and the available memory; DataError naming ``where``."""
    head = read_member_header(zf, info, where).header
    if info.compress_type != zipfile.ZIP_STORED:
        check_ratio(where, info.file_size, info.compress_size)
    if limit is not None and head.nbytes > limit:
        raise DataError(where, f"declares {human(head.nbytes)}; at most {human(limit)} is read "
                               "for this member")
    data = read_member(zf, info, where, head.header_len + head.nbytes)
    return array_from_bytes(data, head, where)


def array_from_bytes(data: bytes, head: NpyHeader, where: str) -> np.ndarray:
    """The (read-only) array a ``.npy`` image ``data`` holds after its header ``head``."""
    try:
        flat = np.frombuffer(data, dtype=head.dtype, count=math.prod(head.shape),
                             offset=head.header_len)
    except ValueError as exc:
        raise DataError(where, f"cannot read the data ({exc})") from None
    if head.fortran:
        return flat.reshape(head.shape[::-1]).T
    return flat.reshape(head.shape)


def _member_pieces(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, limit: int,
                   cancel: Callable[[], bool] | None) -> Iterator[bytes]:
    """The member's bytes in pieces; its CRC-32 and size checked at the end (zipfile does
    both as the last byte is read; we check the size bound as we go)."""
    got = 0
    try:
        with zf.open(info) as fp:
            while True:
                if cancel is not None and cancel():
                    raise Cancelled()
                piece = fp.read(CHUNK)
                if not piece:
                    break
                got += len(piece)
                if got > limit or got > info.file_size:
                    raise DataError(where, "inflates beyond the size its zip entry declares")
                yield piece
    except (DataError, Cancelled):
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        problem = _short(exc)
        if "CRC" in problem:
            problem = "its bytes do not match the CRC-32 in the zip (the file is damaged)"
        raise DataError(where, f"cannot read this zip member ({problem})") from None
    if got != info.file_size:
        raise DataError(where, f"truncated: {got:,} of {info.file_size:,} bytes")


def verify_crc(path: str | os.PathLike[str], info: zipfile.ZipInfo, where: str,
               cancel: Callable[[], bool] | None = None) -> None:
    """Check a member's CRC-32 by streaming it (bounded memory); DataError if it fails."""
    with open_zip(path) as zf:
        check_member(info, _zip_size(zf), where)
        for _ in _member_pieces(zf, info, where, info.file_size, cancel):
            pass


def inflate_member_to_file(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str,
                           out: BinaryIO, cancel: Callable[[], bool] | None = None) -> None:
    """Stream one member (CRC-checked) into the open file ``out``, after checking its size
    against the free space of the folder ``out`` is in (bounded memory: :data:`CHUNK`)."""
    name = getattr(out, "name", None)
    folder = os.path.dirname(name) if isinstance(name, str) and os.path.dirname(name) else None
    if folder is not None:
        check_disk(where, folder, info.file_size, "inflating this member")
    for piece in _member_pieces(zf, info, where, info.file_size, cancel):
        try:
            out.write(piece)
        except OSError as exc:
            raise DataError(where, f"cannot inflate to a temporary file "
                                   f"({exc.strerror or exc})") from None
    out.flush()


def temporary_folder() -> Path:
    """Where large deflated members are inflated (``MNIST_VIEWER_TMP`` or the system's)."""
    import tempfile

    return Path(os.environ.get("MNIST_VIEWER_TMP") or tempfile.gettempdir())


# ----------------------------------------------------------------------------------- gzip


def gunzip(path: str | os.PathLike[str], data: bytes, limit: int) -> bytes:
    """Inflate a (possibly multi-member) gzip stream to at most ``limit`` + 1 bytes.

    Members follow each other as RFC 1952 allows (``gzip -t`` accepts them); trailing zero
    padding or garbage after a complete member is ignored, as gzip does. Each member's CRC
    and size are checked by zlib. DataError naming ``path`` for corrupt or truncated data.
    """
    out: list[bytes] = []
    produced = 0
    rest = data
    while rest:
        d = zlib.decompressobj(wbits=31)
        try:
            chunk = d.decompress(rest, limit + 1 - produced)
        except zlib.error as exc:
            raise DataError(path, f"corrupt gzip data ({exc})") from None
        out.append(chunk)
        produced += len(chunk)
        if produced > limit:
            break
        if not d.eof:
            if d.unconsumed_tail:  # more output than the room we gave it
                out.append(b"\0")
                produced += 1
                break
            raise DataError(path, "truncated gzip data (the stream ends early)")
        rest = d.unused_data
        if rest and not rest.startswith(b"\x1f\x8b"):
            break  # trailing garbage after the last member, as gzip itself tolerates
    return b"".join(out)
