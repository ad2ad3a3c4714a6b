"""Zip (``.npz``) members: checked for their compression method, encryption, "version needed" and
for sizes that fit the file they are in; read in bounded pieces and checked against their
CRC-32; large deflated members inflated once into a temporary file.
"""

from __future__ import annotations

import math
import os
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..errors import Cancelled, DataError
from .limits import (
    _METHOD_NAMES,
    CHUNK,
    MAX_DEFLATE_RATIO,
    MAX_ZIP_VERSION,
    ZIP_METHODS,
    check_disk,
    check_memory,
    check_ratio,
    check_regular_file,
    human,
)
from .npy_headers import NpyHeader, read_npy_header

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
            raise DataError(where, "fails its CRC-32 check: the file is damaged") from None
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
