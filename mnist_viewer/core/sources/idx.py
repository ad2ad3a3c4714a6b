"""The IDX format of the original MNIST distribution: read (raw or .gz) and write.

An IDX file is a 4-byte magic (two zero bytes, a dtype code, the number of dimensions), the
dimensions as big-endian uint32, then the data in C order, big-endian. Every check that can be
made from the header and the file size is made before anything is allocated: a header that
declares more data than the file can hold is refused at once, and a gzip stream is never
inflated beyond the size its header declares.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from ..containers import (
    MAX_DEFLATE_RATIO,
    check_memory,
    check_ratio,
    check_regular_file,
    gunzip,
    human,
    short_numbers,
)
from ..errors import DataError
from ..jobs import atomic_path

# dtype code -> big-endian numpy dtype
DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("="): code for code, dt in DTYPES.items()}

_MAX_DEFLATE_RATIO = MAX_DEFLATE_RATIO  # deflate cannot compress better than about 1032:1


def _parse_header(path: Path, head: bytes) -> tuple[np.dtype, tuple[int, ...], int]:
    """(dtype, shape, header length) from the first bytes of an IDX stream."""
    if len(head) < 4:
        raise DataError(path, "empty or too short to be an IDX file" if head else "empty file")
    zero, code, ndim = head[:2], head[2], head[3]
    if zero != b"\x00\x00" or code not in DTYPES or not 1 <= ndim <= 8:
        magic = head[:4].hex()
        raise DataError(path, f"not an IDX file (wrong magic number 0x{magic})")
    header_len = 4 + 4 * ndim
    if len(head) < header_len:
        raise DataError(path, f"truncated IDX header ({len(head)} of {header_len} bytes)")
    shape = struct.unpack(f">{ndim}I", head[4:header_len])
    return DTYPES[code], tuple(int(d) for d in shape), header_len


_GZIP_MAGIC = b"\x1f\x8b"


def _head(path: Path, raw: bytes) -> bytes:
    """The first bytes of the IDX stream in ``raw`` (gzip inflated just that far): enough for
    any header :func:`_parse_header` accepts. DataError naming ``path`` for corrupt gzip."""
    if raw[:2] != _GZIP_MAGIC:
        return raw[: 4 + 4 * 8]
    try:
        return zlib.decompressobj(wbits=31).decompress(raw, 4 + 4 * 8)
    except zlib.error as exc:
        raise DataError(path, f"corrupt gzip data ({exc})") from None


def _declared_size(dtype: np.dtype, shape: tuple[int, ...]) -> int:
    size = dtype.itemsize
    for d in shape:
        size *= d
    return size


def read_header(path: str | os.PathLike[str]) -> tuple[np.dtype, tuple[int, ...]]:
    """The dtype and shape an IDX file (raw or .gz) declares, reading only its first bytes."""
    path = Path(path)
    check_regular_file(path)  # before opening: a FIFO would block, /dev/zero never ends
    try:
        with open(path, "rb") as f:
            raw = f.read(64 * 1024)
    except OSError as exc:
        raise DataError(path, _os_problem(exc)) from None
    dtype, shape, _ = _parse_header(path, _head(path, raw))
    return dtype.newbyteorder("="), shape


def _os_problem(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, gzip.BadGzipFile | zlib.error | EOFError):
        return f"corrupt gzip data ({exc})" if str(exc) else "corrupt gzip data"
    return getattr(exc, "strerror", None) or str(exc)


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one IDX file (raw or gzip-compressed) into a native-endian numpy array.

    uint8 data (all of MNIST) comes back as a read-only array without a copy.

    Raises :class:`DataError` naming the file for a missing or empty file, a wrong magic
    number, a header that declares more data than is present, or corrupt gzip data.
    """
    path = Path(path)
    size = check_regular_file(path)  # before opening: a FIFO would block, /dev/zero never ends
    check_memory(path, size, "reading this file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(path, _os_problem(exc)) from None
    if not raw:
        raise DataError(path, "empty file")
    compressed = raw[:2] == _GZIP_MAGIC
    dtype, shape, header_len = _parse_header(path, _head(path, raw))
    declared = _declared_size(dtype, shape)
    total = header_len + declared
    if math.prod(d for d in shape if d) * dtype.itemsize >= 2**62:  # numpy's size limit
        raise DataError(path, short_numbers(f"impossible shape {shape}"))
    if len(shape) > 1 and 0 in shape[1:]:
        raise DataError(path, f"holds items of no size (shape {shape})")
    if compressed:
        # Checked before inflating anything: the best ratio deflate can reach, and memory.
        # (The gzip trailer's size is not used: in a multi-member file it is the last
        # member's only.)
        if total > len(raw) * _MAX_DEFLATE_RATIO:
            raise DataError(
                path, f"truncated: the header declares {shape} items of {declared:,} bytes, "
                "more than the compressed file can hold",
            )
        check_ratio(path, total, len(raw))
        check_memory(path, total, f"the {human(total)} this file declares")
        body = gunzip(path, raw, total)
    else:
        body = raw
    if len(body) < total:
        raise DataError(
            path, f"truncated: the header declares {shape} ({declared:,} bytes of data) "
            f"but only {max(len(body) - header_len, 0):,} bytes are present",
        )
    if len(body) > total:
        if compressed:
            raise DataError(path, f"the gzip stream inflates beyond the {total:,} bytes "
                            f"the header {shape} declares")
        raise DataError(path, f"{len(body) - total:,} bytes more than the header {shape} declares")
    array = np.frombuffer(body, dtype=dtype, count=declared // dtype.itemsize, offset=header_len)
    array = array.reshape(shape)
    if dtype.itemsize > 1:
        array = array.astype(dtype.newbyteorder("="))
    return array  # single-byte data stays a read-only view of the file's bytes


def read_idx_pair(
    images_path: str | os.PathLike[str], labels_path: str | os.PathLike[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, H, W) and labels (N,) from two IDX files, checked against each other from
    their headers before either is inflated (a header declaring a million images beside two
    labels is refused at once). Each problem is blamed on the file it is in (DataError).
    """
    images_path, labels_path = Path(images_path), Path(labels_path)
    _, ishape = read_header(images_path)
    _, lshape = read_header(labels_path)
    if len(ishape) != 3:
        raise DataError(images_path, f"expected 3-dimensional images, found {ishape}")
    if len(lshape) != 1:
        raise DataError(labels_path, f"expected 1-dimensional labels, found {lshape}")
    if ishape[0] != lshape[0]:
        raise DataError(labels_path, f"{ishape[0]} images but {lshape[0]} labels: the counts "
                                     f"must agree (images in {images_path.name})")
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    return images, labels


def write_idx(
    path: str | os.PathLike[str], array: np.ndarray, *, compress: bool | None = None
) -> None:
    """Write ``array`` as an IDX file (gzip-compressed when the name ends in .gz), atomically."""
    path = Path(path)
    native = array.dtype.newbyteorder("=")
    if native not in _CODES:
        raise DataError(path, f"IDX cannot hold dtype {array.dtype}")
    code = _CODES[native]
    header = struct.pack(f">BBBB{array.ndim}I", 0, 0, code, array.ndim, *array.shape)
    payload = header + np.ascontiguousarray(array, dtype=DTYPES[code]).tobytes()
    if compress is None:
        compress = path.name.endswith(".gz")
    with atomic_path(path) as tmp:
        if compress:
            with gzip.GzipFile(tmp, "wb", compresslevel=9, mtime=0) as f:
                f.write(payload)
        else:
            tmp.write_bytes(payload)
