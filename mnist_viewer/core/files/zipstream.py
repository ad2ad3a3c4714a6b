"""Writing an uncompressed ZIP64 archive (an ``.npz``) at the speed of the disk.

Why not :mod:`zipfile`: it computes each member's CRC-32 and then writes, in turn; for a
multi-gigabyte frames member the CRC costs about a third of the write. Here the CRC of a
buffer runs on a helper thread (zlib releases the GIL) while the same buffer is written, and
the local header's CRC is filled in when the member is complete. Every member is stored
(no compression) with ZIP64 sizes, as ``zipfile.ZipFile.open(..., force_zip64=True)`` writes
them; :mod:`zipfile` and ``numpy.load`` read the result. Format: PKWARE APPNOTE 6.3 (4.3.7
local header, 4.3.12 central directory, 4.3.14-16 ZIP64 end records, 4.5.3 ZIP64 extra field).

Every member carries the same fixed time stamp, 1980-01-01 00:00 (the earliest a ZIP can hold,
as reproducible builds do): the same sequences give the same bytes whenever they are written,
whatever the chunking, workers or scheduler (the file's own mtime says when it was written).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import IO

import numpy as np

_VERSION = 45  # ZIP64
_FFFF32 = 0xFFFFFFFF


def _dos_time() -> tuple[int, int]:
    """(DOS time, DOS date) of 1980-01-01 00:00:00: hour 0, minute 0; year 0, month 1, day 1."""
    return 0, (0 << 9) | (1 << 5) | 1


class MemberWriter:
    """Bytes of one member: ``write(buffer)`` (the buffer must stay unchanged until the next
    ``write`` or the end of the member: its CRC is computed meanwhile)."""

    def __init__(self, fp: IO[bytes], pool: ThreadPoolExecutor) -> None:
        self._fp, self._pool = fp, pool
        self._crc: Future[int] | None = None
        self._keep: object = None
        self.size = 0

    def write(self, data: bytes | memoryview | np.ndarray) -> None:
        view = (data.data if isinstance(data, np.ndarray) else memoryview(data)).cast("B")
        previous = 0 if self._crc is None else self._crc.result()
        self._crc = self._pool.submit(zlib.crc32, view, previous)
        self._keep = view  # alive until its CRC is done
        self._fp.write(view)
        self.size += view.nbytes

    def crc(self) -> int:
        value = 0 if self._crc is None else self._crc.result()
        self._keep = None
        return value


class ZipStream:
    """An uncompressed ZIP64 archive written member by member to a seekable binary file."""

    def __init__(self, fp: IO[bytes]) -> None:
        self._fp = fp
        self._entries: list[tuple[bytes, int, int, int]] = []  # name, crc, size, offset
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zip-crc")
        self._time, self._date = _dos_time()

    @contextmanager
    def member(self, name: str) -> Iterator[MemberWriter]:
        """Write one member's bytes through the yielded :class:`MemberWriter`."""
        raw = name.encode("utf-8")
        offset = self._fp.tell()
        self._fp.write(self._local_header(raw, 0, 0))
        writer = MemberWriter(self._fp, self._pool)
        yield writer
        crc = writer.crc()
        end = self._fp.tell()
        self._fp.seek(offset)
        self._fp.write(self._local_header(raw, crc, writer.size))
        self._fp.seek(end)
        self._entries.append((raw, crc, writer.size, offset))

    def _local_header(self, name: bytes, crc: int, size: int) -> bytes:
        extra = struct.pack("<HHQQ", 1, 16, size, size)
        return struct.pack("<IHHHHHIIIHH", 0x04034B50, _VERSION, 0x800, 0, self._time,
                           self._date, crc, _FFFF32, _FFFF32, len(name), len(extra)
                           ) + name + extra

    def close(self) -> None:
        """Write the central directory and the end records (the archive is then complete)."""
        self._pool.shutdown(wait=True)
        start = self._fp.tell()
        for name, crc, size, offset in self._entries:
            extra = struct.pack("<HHQQQ", 1, 24, size, size, offset)
            self._fp.write(struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, _VERSION | (3 << 8), _VERSION, 0x800, 0,
                self._time, self._date, crc, _FFFF32, _FFFF32, len(name), len(extra), 0, 0, 0,
                0o100644 << 16, _FFFF32) + name + extra)
        end = self._fp.tell()
        count = len(self._entries)
        self._fp.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, _VERSION | (3 << 8),
                                   _VERSION, 0, 0, count, count, end - start, start))
        self._fp.write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
        self._fp.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, _FFFF32,
                                   _FFFF32, 0))
