"""The IDX format of the original MNIST distribution: read (raw or .gz) and write.

An IDX file is a 4-byte magic (two zero bytes, a dtype code, the number of dimensions), the
dimensions as big-endian uint32, then the data in C order, big-endian. Every check that can be
made from the header and the file size is made before anything is allocated: a header that
declares more data than the file can hold is refused at once, and a gzip stream is never
inflated beyond the size its header declares.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

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

# deflate cannot compress better than about 1032:1; a gzip file declaring more is lying
_MAX_DEFLATE_RATIO = 1100


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


def _declared_size(dtype: np.dtype, shape: tuple[int, ...]) -> int:
    size = dtype.itemsize
    for d in shape:
        size *= d
    return size


def read_header(path: str | os.PathLike[str]) -> tuple[np.dtype, tuple[int, ...]]:
    """The dtype and shape an IDX file (raw or .gz) declares, reading only its first bytes."""
    path = Path(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            head = f.read(4 + 4 * 8)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(path, _os_problem(exc)) from None
    dtype, shape, _ = _parse_header(path, head)
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


def _inflate(path: Path, data: bytes, limit: int) -> bytes:
    """Inflate a (possibly multi-member) gzip stream to at most ``limit`` + 1 bytes."""
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


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one IDX file (raw or gzip-compressed) into a native-endian numpy array.

    uint8 data (all of MNIST) comes back as a read-only array without a copy.

    Raises :class:`DataError` naming the file for a missing or empty file, a wrong magic
    number, a header that declares more data than is present, or corrupt gzip data.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(path, _os_problem(exc)) from None
    if not raw:
        raise DataError(path, "empty file")
    compressed = raw[:2] == b"\x1f\x8b"
    if compressed:
        try:
            head = zlib.decompressobj(wbits=31).decompress(raw, 4 + 4 * 8)
        except zlib.error as exc:
            raise DataError(path, f"corrupt gzip data ({exc})") from None
    else:
        head = raw[: 4 + 4 * 8]
    dtype, shape, header_len = _parse_header(path, head)
    declared = _declared_size(dtype, shape)
    total = header_len + declared
    if compressed:
        # Checks made before inflating anything: the gzip trailer's size (mod 2**32) and the
        # best ratio deflate can reach.
        isize = struct.unpack("<I", raw[-4:])[0] if len(raw) >= 18 else 0
        if total > len(raw) * _MAX_DEFLATE_RATIO or (total < 2**32 and isize < total):
            raise DataError(
                path, f"truncated: the header declares {shape} items of {declared:,} bytes, "
                "more than the compressed file holds",
            )
        body = _inflate(path, raw, total)
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
