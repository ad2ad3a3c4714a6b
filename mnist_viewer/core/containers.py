"""Headers of ``.npy`` arrays, alone or as ``.npz`` (zip) members, read without the data.

Both the sequence reader and the dataset reader check a member's declared size against what
the zip holds before anything is allocated: a forged header cannot ask for terabytes.
"""

from __future__ import annotations

import math
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

import numpy as np

from .errors import DataError


@dataclass(frozen=True)
class MemberHeader:
    """What the ``.npy`` header of a zip member declares."""

    shape: tuple[int, ...]
    fortran: bool
    dtype: np.dtype
    header_len: int  # bytes of the .npy header, magic included
    nbytes: int  # bytes of data the header declares


def read_npy_header(fp: IO[bytes], where: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, fortran_order, dtype) from a ``.npy`` header; DataError naming ``where``.

    Object dtypes (which would need unpickling) are refused.
    """
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except (ValueError, EOFError, SyntaxError, struct.error) as exc:
        raise DataError(where, f"not a valid .npy array ({exc})") from None
    if dtype.hasobject:
        raise DataError(where, "contains pickled Python objects, which are refused for safety")
    return tuple(int(d) for d in shape), bool(fortran), dtype


def read_member_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> MemberHeader:
    """The header of one ``.npy`` member, checked against the member's uncompressed size.

    Raises DataError naming ``where`` when the header declares more data than the member
    holds (a truncated or forged file), whatever the member's compression.
    """
    try:
        with zf.open(info) as fp:
            shape, fortran, dtype = read_npy_header(fp, where)
            header_len = fp.tell()
    except (NotImplementedError, RuntimeError, zlib.error) as exc:  # method, encryption
        raise DataError(where, f"cannot read this zip member ({exc})") from None
    nbytes = math.prod(shape) * dtype.itemsize
    if info.file_size < header_len + nbytes:
        raise DataError(where, f"truncated: {max(0, info.file_size - header_len):,} of "
                               f"{nbytes:,} bytes of data")
    return MemberHeader(shape, fortran, dtype, header_len, nbytes)
