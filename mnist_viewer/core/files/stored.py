"""What a .npy file or an .npz archive stores, from its headers alone (no array is read).

Every check on the container (header form, member method and sizes, CRC-32) is made by
:mod:`..containers`; this module locates arrays and hands them out memory-mapped or read.
"""

from __future__ import annotations

import math
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import containers
from ..errors import DataError

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_SMALL_KEYS = ("config", "clips", "dims")
"""Metadata members: read whole before any frame is asked for, so capped at
:data:`~..containers.MAX_METADATA_BYTES`."""
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
    member: zipfile.ZipInfo | None = None  # the zip entry, for members
    header_len: int = 0  # bytes of the .npy header (magic included)

    @property
    def key(self) -> str:
        return self.name[:-4] if self.name.endswith(".npy") else self.name

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize

    def where(self) -> str:
        return f"{self.path}" if not self.name else f"{self.path} [{self.key}]"

    def mapped(self) -> np.ndarray:
        """The array, memory-mapped when possible.

        ``.npy`` files and stored members are mapped in place. A deflated member is inflated
        once: in memory up to :data:`~..containers.MAX_INFLATE_IN_MEMORY`, otherwise streamed
        (CRC-checked, bounded memory) to an anonymous temporary file (deleted at once, so
        nothing is left behind even if the process is killed) that is then mapped. DataError
        naming the member when memory or disk space would not suffice.
        """
        if math.prod(self.shape) == 0:  # nothing to map
            return np.empty(self.shape, dtype=self.dtype)
        if self.offset is not None:
            return self._memmap(self.path, self.offset)
        if self.nbytes <= containers.MAX_INFLATE_IN_MEMORY or self.member is None:
            return self.read()
        return self._inflated()

    def _memmap(self, source: Path | object, offset: int) -> np.ndarray:
        try:
            return np.memmap(source, dtype=self.dtype, mode="r", offset=offset,  # type: ignore
                             shape=self.shape, order="F" if self.fortran else "C")
        except (OSError, ValueError, OverflowError) as exc:
            raise DataError(self.where(), f"cannot map the data ({exc})") from None

    def _inflated(self) -> np.ndarray:
        assert self.member is not None
        folder = containers.temporary_folder()
        try:
            with containers.open_zip(self.path) as zf, \
                    tempfile.TemporaryFile(dir=folder, prefix="mnist-viewer-") as out:
                containers.check_disk(self.where(), folder, self.member.file_size,
                                      "inflating this member")
                containers.inflate_member_to_file(zf, self.member, self.where(), out)
                return self._memmap(out, self.header_len)
        except OSError as exc:
            raise DataError(self.where(), f"cannot inflate to a temporary file in {folder} "
                                          f"({exc.strerror or exc})") from None

    def read(self, limit: int | None = None) -> np.ndarray:
        """The whole array in memory (checked against ``limit`` bytes and free memory).

        Members are CRC-checked as they are read. ``limit`` defaults to
        :data:`~..containers.MAX_METADATA_BYTES` for metadata (config, clips, dims).
        """
        if limit is None and self.key in _SMALL_KEYS and self.name:
            limit = containers.MAX_METADATA_BYTES
        where = self.where()
        if limit is not None and self.nbytes > limit:
            raise DataError(where, f"declares {containers.human(self.nbytes)}; at most "
                                   f"{containers.human(limit)} is read for {self.key}")
        containers.check_memory(where, self.nbytes, f"reading {self.key or 'the array'}")
        if not self.name:
            return np.array(self.mapped())
        if self.member is None:
            raise DataError(where, "not located in its zip")
        with containers.open_zip(self.path) as zf:
            data = containers.read_member(zf, self.member, where,
                                          self.header_len + self.nbytes)
        head = containers.NpyHeader(self.shape, self.fortran, self.dtype, self.header_len)
        return containers.array_from_bytes(data, head, where)

    def verify(self, cancel: Callable[[], bool] | None = None) -> None:
        """Check a stored member against its CRC-32 (streaming); DataError naming it if the
        bytes are damaged. Deflated members are checked whenever they are inflated; a .npy
        file has no checksum."""
        if self.member is not None and self.member.compress_type == zipfile.ZIP_STORED:
            containers.verify_crc(self.path, self.member, self.where(), cancel)


def npy_info(path: Path) -> StoredArray:
    """The array of a ``.npy`` file, located from its header (DataError naming it)."""
    head, _ = containers.read_npy_file(path)
    return StoredArray(path, "", head.shape, head.dtype, head.fortran, head.header_len,
                       None, head.header_len)


def npz_info(path: Path) -> dict[str, StoredArray]:
    """Every ``.npy`` member of a zip, by key, located without reading the data (DataError
    naming the file for two members of one name)."""
    found: dict[str, StoredArray] = {}
    with containers.open_zip(path) as zf:
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                continue
            if info.filename[:-4] in found:  # zipfile would hand out the last copy silently
                raise DataError(path, f"holds two members named {info.filename}: which one "
                                      "is meant is not known")
            where = f"{path} [{info.filename[:-4]}]"
            m = containers.read_member_header(zf, info, where)
            head = m.header
            stored = StoredArray(path, info.filename, head.shape, head.dtype, head.fortran,
                                 m.data_offset, info, head.header_len)
            found[stored.key] = stored
    return found


CHEAP_CHECK_BYTES = 256 * 2**20
"""Files up to this size are CRC-checked by ``info`` too (streaming them costs well under a
second); larger ones only by the commands that read all the data."""


def verify_file(path: str | Path, cancel: Callable[[], bool] | None = None) -> None:
    """Check every stored member of an .npz against its CRC-32 (nothing for anything else:
    a .npy, a Zarr store, an animation, video, folder or HDF5 file has no CRC to check).

    For the commands that read all the data (statistics, export, evaluate) and the viewer's
    background check: numpy's own loader refuses a member whose bytes do not match, and so do
    we. DataError naming the file and member; Cancelled if ``cancel()`` turns true.
    """
    path = Path(path)
    try:
        if sniff(path) != "npz":
            return
    except DataError:
        return  # not a regular file, or not a zip: opening it says what is wrong
    for stored in npz_info(path).values():
        stored.verify(cancel)


def sniff(path: Path) -> str:
    """'npy' or 'npz' from the first bytes of a file."""
    containers.check_regular_file(path)  # missing, a folder, a FIFO: refused there
    try:
        with open(path, "rb") as fp:
            head = fp.read(6)
    except OSError as exc:
        raise DataError(path, exc.strerror or str(exc)) from None
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
