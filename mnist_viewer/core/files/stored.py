"""What a .npy file or an .npz archive stores, from its headers alone (no array is read).
"""

from __future__ import annotations

import math
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..containers import read_member_header, read_npy_header
from ..errors import DataError

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# ---------------------------------------------------------------------------------------------
# reading headers


@dataclass
class StoredArray:
    """One array inside a file, located from its header without reading the data."""

    path: Path
    name: str  # the zip member ("frames.npy") or "" for a .npy file
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran: bool
    offset: int | None  # byte offset of the raw data in the file, if it can be memory-mapped

    @property
    def key(self) -> str:
        return self.name[:-4] if self.name.endswith(".npy") else self.name

    def where(self) -> str:
        return f"{self.path}" if not self.name else f"{self.path} [{self.key}]"

    def mapped(self) -> np.ndarray:
        """The array, memory-mapped when possible (read whole otherwise)."""
        if self.offset is None:
            return self.read()
        if math.prod(self.shape) == 0:  # nothing to map
            return np.empty(self.shape, dtype=self.dtype)
        return np.memmap(self.path, dtype=self.dtype, mode="r", offset=self.offset,
                         shape=self.shape, order="F" if self.fortran else "C")

    def read(self) -> np.ndarray:
        """The whole array in memory."""
        try:
            if not self.name:
                return np.array(self.mapped())
            with zipfile.ZipFile(self.path) as zf, zf.open(self.name) as fp:
                return np.lib.format.read_array(fp, allow_pickle=False)
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise DataError(self.path, f"cannot read {self.key or 'the array'} ({exc})") from None


def npy_info(path: Path) -> StoredArray:
    with open(path, "rb") as fp:
        shape, fortran, dtype = read_npy_header(fp, str(path))
        offset = fp.tell()
    nbytes = math.prod(shape) * dtype.itemsize
    size = path.stat().st_size
    if size < offset + nbytes:
        raise DataError(path, f"truncated: the header declares {nbytes:,} bytes of data but the "
                              f"file holds {max(0, size - offset):,}")
    return StoredArray(path, "", shape, dtype, fortran, offset)


def npz_info(path: Path) -> dict[str, StoredArray]:
    """Every ``.npy`` member of a zip, by key, located without reading the data."""
    found: dict[str, StoredArray] = {}
    try:
        with zipfile.ZipFile(path) as zf, open(path, "rb") as raw:
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                where = f"{path} [{info.filename[:-4]}]"
                head = read_member_header(zf, info, where)
                shape, fortran, dtype = head.shape, head.fortran, head.dtype
                offset = None
                if info.compress_type == zipfile.ZIP_STORED:
                    raw.seek(info.header_offset)
                    local = raw.read(30)
                    if len(local) == 30 and local[:4] == b"PK\x03\x04":
                        name_len, extra_len = struct.unpack("<HH", local[26:30])
                        offset = info.header_offset + 30 + name_len + extra_len + head.header_len
                stored = StoredArray(path, info.filename, shape, dtype, fortran, offset)
                found[stored.key] = stored
    except zipfile.BadZipFile as exc:
        raise DataError(path, f"not a readable .npz file ({exc})") from None
    except (EOFError, zipfile.LargeZipFile) as exc:
        raise DataError(path, f"not a readable .npz file ({exc})") from None
    return found


def sniff(path: Path) -> str:
    """'npy' or 'npz' from the first bytes of a file."""
    try:
        with open(path, "rb") as fp:
            head = fp.read(6)
    except FileNotFoundError:
        raise DataError(path, "no such file") from None
    except IsADirectoryError:
        raise DataError(path, "is a folder, not a sequence file") from None
    if head.startswith(_NPY_MAGIC):
        return "npy"
    if head[:4] in _ZIP_MAGICS:
        return "npz"
    if not head:
        raise DataError(path, "empty file")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        raise DataError(path, "not a valid .npy file (bad magic)")
    if suffix == ".npz":
        raise DataError(path, "not a valid .npz (zip) file")
    raise DataError(path, "not a sequence file (expected a .npy array or a .npz archive)")
